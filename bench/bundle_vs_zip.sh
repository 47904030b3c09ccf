#!/usr/bin/env bash
# Benchmark: `pwpkg bundle -q --format dir` and `--format zip` (every wheel
# member decompressed once and checked against RECORD, unsafe paths
# refused, fixed timestamps; the zip copies the members' deflated bytes)
# against Info-ZIP in the same run: `unzip -q -o` of every wheel into one
# directory, then `zip -X -r -q` of that directory (default level 6, and
# -9). WHEELS generated wheels of SIZE module bytes each, locked with
# --no-index -f DIR and fetched first: both sides read wheels from the page
# cache. Best of RUNS each. Also: the dir bundle with its size table (no
# -q: a gzip pass over the tree), whether two pwpkg zips are byte-identical
# (one built with -q, one without), and peak RSS (/usr/bin/time -v).
# Targets: dir at least as fast as unzip; zip at least 2x faster than
# unzip + zip -X; identical bytes; RSS < 50 MB.
# SMOKE=1 (CI): a few small wheels, one run, no figures checked.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=${BUILD:-$PWD/build-bench}
pwpkg=$build/cli/pwpkg
if [ "${SMOKE:-0}" = 1 ]; then
  wheels=${WHEELS:-3} size=${SIZE:-20000} runs=${RUNS:-1}
else
  wheels=${WHEELS:-60} size=${SIZE:-2500000} runs=${RUNS:-3}
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

index=${PWPKG_TEST_FIXTURES:-$src/.cache/fixtures}/pyodide-0.27.7/pyodide-lock.json
if [ ! -f "$index" ]; then
  (cd "$work" && npm pack --silent pyodide@0.27.7 >/dev/null && tar -xzf pyodide-*.tgz package/pyodide-lock.json)
  mkdir -p "$(dirname "$index")" && mv "$work/package/pyodide-lock.json" "$index"
fi

mkdir -p "$work/wheels" "$work/proj"
"$build/tests/pw_wheelgen" --name pkg --version 1.0 --bulk "$wheels" --size "$size" \
  --out "$work/wheels" >/dev/null
whl_bytes=$(du -cb "$work/wheels"/*.whl | tail -1 | cut -f1)
cd "$work/proj"
seq 0 $((wheels - 1)) | sed 's/^/pkg/' >requirements.txt
export PWPKG_CACHE_DIR=$work/cache
timeout 300 "$pwpkg" lock -q --pyodide 0.27.7 --pyodide-index "$index" --no-index -f "$work/wheels"
timeout 300 "$pwpkg" fetch -q
cat "$work/wheels"/*.whl "$work/cache"/artifacts/* >/dev/null 2>&1 || true

now_ns() { date +%s%N; }
best() { sort -n | head -1; }
# timed CMD...: prints the wall time of CMD in microseconds.
timed() { local t0 t1; t0=$(now_ns); timeout 600 "$@" >/dev/null; t1=$(now_ns); echo $(((t1 - t0) / 1000)); }

: >"$work/t.dir"; : >"$work/t.zip"; : >"$work/t.unzip"; : >"$work/t.zip6"; : >"$work/t.zip9"
: >"$work/t.dirv"
for i in $(seq "$runs"); do
  rm -rf "$work/out-dir"
  timed "$pwpkg" bundle -q --offline --format dir -o "$work/out-dir" >>"$work/t.dir"
  rm -rf "$work/out-dirv"
  timed sh -c '"$1" bundle --offline --format dir -o "$2" 2>/dev/null' sh "$pwpkg" "$work/out-dirv" >>"$work/t.dirv"
  rm -f "$work/out-$i.zip"
  timed "$pwpkg" bundle -q --offline --format zip -o "$work/out-$i.zip" >>"$work/t.zip"
  rm -rf "$work/peer" "$work/peer6.zip" "$work/peer9.zip"; mkdir -p "$work/peer"
  timed sh -c 'for w in "$1"/*.whl; do unzip -q -o "$w" -d "$2" || exit 1; done' sh "$work/wheels" "$work/peer" >>"$work/t.unzip"
  (cd "$work/peer" && timed zip -X -r -q "$work/peer6.zip" .) >>"$work/t.zip6"
  (cd "$work/peer" && timed zip -9 -X -r -q "$work/peer9.zip" .) >>"$work/t.zip9"
done
peak_rss() { # OUTFILE CMD...: peak RSS in kB
  local out=$1
  shift
  /usr/bin/time -v -o "$out" "$@" >/dev/null 2>&1
  awk -F': ' '/Maximum resident/{print $2}' "$out"
}
rm -rf "$work/out-dir"
rss_dir=$(peak_rss "$work/rss.d" "$pwpkg" bundle -q --offline --format dir -o "$work/out-dir")
rm -f "$work/rss.zip"
# without -q: the size report is computed, the bytes must not change
rss_zip=$(peak_rss "$work/rss.z" "$pwpkg" bundle --offline --format zip -o "$work/rss.zip")
rm -rf "$work/peer"; mkdir -p "$work/peer"
rss_unzip=$(peak_rss "$work/rss.u" unzip -q -o "$work/wheels/$(ls "$work/wheels" | head -1)" -d "$work/peer")
rss_zip6=$( cd "$work/peer" && peak_rss "$work/rss.z6" zip -X -r -q "$work/rss6.zip" . )
sha1=$(sha256sum "$work/out-1.zip" | cut -c1-64)
sha2=$(sha256sum "$work/rss.zip" | cut -c1-64)
identical=no; [ "$sha1" = "$sha2" ] && identical=yes
tree_bytes=$(du -sb --apparent-size "$work/out-dir" | cut -f1)
files=$(find "$work/out-dir" -type f | wc -l)

t_dir=$(best <"$work/t.dir"); t_zip=$(best <"$work/t.zip"); t_unzip=$(best <"$work/t.unzip")
t_zip6=$(best <"$work/t.zip6"); t_zip9=$(best <"$work/t.zip9"); t_dirv=$(best <"$work/t.dirv")
ms() { awk "BEGIN{printf \"%.0f\", $1/1000}"; }
r() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }
mb() { awk "BEGIN{printf \"%.1f\", $1/1e6}"; }
peer6=$((t_unzip + t_zip6)); peer9=$((t_unzip + t_zip9))
zsize() { mb "$(stat -c %s "$1")"; }
what="$wheels wheels, $(mb "$whl_bytes") MB zipped, $(mb "$tree_bytes") MB / $files files unpacked; best of $runs"
echo "| what | pwpkg | peer | peer/pwpkg (> 1: pwpkg faster) | notes |"
echo "| --- | --- | --- | --- | --- |"
echo "| dir: pwpkg bundle -q --format dir vs unzip -q -o ($what) | $(ms "$t_dir") ms | $(ms "$t_unzip") ms | **$(r "$t_unzip" "$t_dir")** | peak RSS pwpkg $((rss_dir / 1024)) MB, unzip (one wheel) $((rss_unzip / 1024)) MB |"
echo "| dir, with the size table (no -q: one gzip pass) vs unzip -q -o | $(ms "$t_dirv") ms | $(ms "$t_unzip") ms | $(r "$t_unzip" "$t_dirv") | |"
echo "| zip: pwpkg bundle -q --format zip ($(zsize "$work/out-1.zip") MB, members copied) vs unzip + zip -X -r -q (level 6, $(zsize "$work/peer6.zip") MB; zip alone $(ms "$t_zip6") ms) | $(ms "$t_zip") ms | $(ms "$peer6") ms | **$(r "$peer6" "$t_zip")** | peak RSS pwpkg $((rss_zip / 1024)) MB, zip $((rss_zip6 / 1024)) MB; a -q zip and a zip with the report byte-identical: **$identical** |"
echo "| zip: pwpkg bundle -q --format zip vs unzip + zip -9 -X -r -q ($(zsize "$work/peer9.zip") MB; zip alone $(ms "$t_zip9") ms) | $(ms "$t_zip") ms | $(ms "$peer9") ms | $(r "$peer9" "$t_zip") | |"
