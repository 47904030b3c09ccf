#!/usr/bin/env bash
# Benchmark: download throughput of `pwpkg fetch -j JOBS` (empty cache; every
# artifact sha256- and size-checked while it streams, stored by temp+rename)
# against `curl --parallel --parallel-max JOBS` fetching the same URLs to
# files, and `pip download --no-deps` of the same wheels (pip fetches one at
# a time; it checks the lock's hashes too with --require-hashes), all in the
# same run. WHEELS generated wheels (pw_wheelgen --bulk) are served by nginx
# on loopback; the lock is made over nginx's autoindex page as --find-links.
# Best of RUNS for each tool; requests counted in nginx's access log for one
# run of each; peak RSS by /usr/bin/time -v. Target: pwpkg/curl >= 1.
# A second part locks through nginx's /norange/ location (max_ranges 0, a
# server that ignores Range) and counts the lock's requests per package.
# Each timed command starts after `sync`, so that no one pays for the dirty
# pages of the one before.
# PWPKG_BEFORE=path/to/pwpkg (another build, e.g. an older commit's) is
# timed in the same loop and reported in its own row.
# SMOKE=1 (CI): a few small wheels, one run, no figures checked.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=${BUILD:-$PWD/build-bench}
pwpkg=$build/cli/pwpkg
if [ "${SMOKE:-0}" = 1 ]; then
  wheels=${WHEELS:-4} size=${SIZE:-20000} runs=${RUNS:-1}
else
  wheels=${WHEELS:-200} size=${SIZE:-670000} runs=${RUNS:-3}
fi
jobs=${JOBS:-8}
work=$(mktemp -d)
trap 'bash "$src/tests/nginx/stop.sh" "$work/nginx" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

index=${PWPKG_TEST_FIXTURES:-$src/.cache/fixtures}/pyodide-0.27.7/pyodide-lock.json
if [ ! -f "$index" ]; then
  (cd "$work" && npm pack --silent pyodide@0.27.7 >/dev/null && tar -xzf pyodide-*.tgz package/pyodide-lock.json)
  mkdir -p "$(dirname "$index")" && mv "$work/package/pyodide-lock.json" "$index"
fi

mkdir -p "$work/repo/files" "$work/proj"
"$build/tests/pw_wheelgen" --name pkg --version 1.0 --bulk "$wheels" --size "$size" \
  --out "$work/repo/files" >/dev/null
total=$(du -cb "$work/repo/files"/*.whl | tail -1 | cut -f1)
bash tests/nginx/start.sh --root "$work/repo" --tmp "$work/nginx" --watch-pid $$ >/dev/null
source "$work/nginx/env"
log=$work/nginx/access.log

cd "$work/proj"
seq 0 $((wheels - 1)) | sed 's/^/pkg/' >requirements.txt
timeout 300 "$pwpkg" lock -q --pyodide 0.27.7 --pyodide-index "$index" --no-index \
  -f "http://127.0.0.1:$PORT/files/" --cache-dir "$work/lock-cache"
n=$(python3 -c 'import json; print(len(json.load(open("pwpkg.lock"))["packages"]))')
[ "$n" -eq "$wheels" ] || { echo "downloads_vs_curl: locked $n packages, expected $wheels" >&2; exit 1; }
python3 - "$work/curl.cfg" "$work/curl-out" "$work/pip-req.txt" <<'PY'
import json, sys
cfg, out, req = sys.argv[1], sys.argv[2], sys.argv[3]
pkgs = json.load(open("pwpkg.lock"))["packages"]
with open(cfg, "w") as f:
    for p in pkgs:
        f.write('url = "%s"\noutput = "%s/%s"\n' % (p["url"], out, p["file_name"]))
with open(req, "w") as f:
    for p in pkgs:
        f.write("%s==%s --hash=sha256:%s\n" % (p["name"], p["version"], p["sha256"]))
PY
# Both read the files from the page cache of the server side: warm it once.
cat "$work/repo/files"/*.whl >/dev/null

pip_ok=1
python3 -m pip --version >/dev/null 2>&1 || pip_ok=0
# Every run writes into new folders, removed only at the end: ext4 makes
# the inodes created just after a mass delete slow to allocate
# (recently_deleted), which would charge each tool for the one before.
run_no=0
reset_outputs() {
  run_no=$((run_no + 1))
  out_pw=$work/fetch-cache-$run_no out_curl=$work/curl-out-$run_no out_pip=$work/pip-out-$run_no
  mkdir -p "$out_curl"
  sed "s|output = \"$work/curl-out/|output = \"$out_curl/|" "$work/curl.cfg" >"$work/curl-$run_no.cfg"
  pwpkg_cmd=(timeout 300 "$pwpkg" fetch -q -j "$jobs" --cache-dir "$out_pw")
  before_cmd=(timeout 300 "${PWPKG_BEFORE:-false}" fetch -q -j "$jobs" --cache-dir "$out_pw-before")
  curl_cmd=(timeout 300 curl --parallel --parallel-max "$jobs" -s -S -f --no-progress-meter -K "$work/curl-$run_no.cfg")
  pip_cmd=(timeout 600 python3 -m pip download -q --no-deps --no-cache-dir --disable-pip-version-check
    --no-index --find-links "http://127.0.0.1:$PORT/files/" --require-hashes
    -r "$work/pip-req.txt" -d "$out_pip")
}

now_ns() { date +%s%N; }
# timed NAME CMD: appends the wall time of CMD (microseconds) to $work/t.NAME
timed() {
  local name=$1 t0 t1
  shift
  sync; t0=$(now_ns)
  "$@"
  t1=$(now_ns)
  echo $(((t1 - t0) / 1000)) >>"$work/t.$name"
}
: >"$work/t.pw"; : >"$work/t.curl"; : >"$work/t.pip"; : >"$work/t.before"
for _ in $(seq "$runs"); do
  reset_outputs
  [ -z "${PWPKG_BEFORE:-}" ] || timed before "${before_cmd[@]}"
  timed pw "${pwpkg_cmd[@]}"
  timed curl "${curl_cmd[@]}"
  [ "$pip_ok" = 0 ] || timed pip "${pip_cmd[@]}"
done
n=$(find "$out_pw/artifacts" -type f | wc -l)
[ "$n" -eq "$wheels" ] || { echo "downloads_vs_curl: pwpkg cached $n artifacts, expected $wheels" >&2; exit 1; }
got=$(du -cb "$out_curl"/*.whl | tail -1 | cut -f1)
[ "$got" -eq "$total" ] || { echo "downloads_vs_curl: curl wrote $got bytes, expected $total" >&2; exit 1; }

# One more run of each, counted in the access log and under /usr/bin/time -v.
settle() { sleep 0.3; }
counted() { # NAME CMD...: requests and peak RSS (kB) of one run
  local name=$1
  shift
  settle; : >"$log"
  /usr/bin/time -v -o "$work/rss.$name" "$@" >/dev/null 2>&1
  settle
  echo "$(grep -c . "$log" || true) $(awk -F': ' '/Maximum resident/{print $2}' "$work/rss.$name")" >"$work/c.$name"
}
reset_outputs
counted pw "${pwpkg_cmd[@]}"
reset_outputs
counted curl "${curl_cmd[@]}"
reset_outputs
[ "$pip_ok" = 0 ] || counted pip "${pip_cmd[@]}"

# Requests of a cold lock through a server that ignores Range.
settle; : >"$log"
timeout 300 "$pwpkg" lock -q --pyodide 0.27.7 --pyodide-index "$index" --no-index \
  -f "http://127.0.0.1:$PORT/norange/files/" --cache-dir "$work/norange-cache" -o norange.lock
settle
norange_requests=$(grep -c . "$log" || true)
norange_wheels=$(grep -c '\.whl' "$log" || true)
settle; : >"$log"
timeout 300 "$pwpkg" lock -q --pyodide 0.27.7 --pyodide-index "$index" --no-index \
  -f "http://127.0.0.1:$PORT/files/" --cache-dir "$work/range-cache" -o range.lock
settle
range_requests=$(grep -c . "$log" || true)

best() { sort -n "$1" | head -1; }
mbs() { awk "BEGIN{printf \"%.0f\", $total/($1/1e6)/1e6}"; }
ms() { awk "BEGIN{printf \"%.0f\", $1/1000}"; }
req() { cut -d' ' -f1 "$work/c.$1"; }
rss() { awk '{printf "%.0f MB", $2/1024}' "$work/c.$1"; }
best_pw=$(best "$work/t.pw"); best_curl=$(best "$work/t.curl")
what="$wheels wheels ($(awk "BEGIN{printf \"%.1f\", $total/1e6}") MB), loopback nginx, -j $jobs, best of $runs"
echo "| what | pwpkg | peer | peer time / pwpkg time | requests pwpkg / peer | peak RSS pwpkg / peer |"
echo "| --- | --- | --- | --- | --- | --- |"
echo "| fetch vs curl --parallel: $what | $(ms "$best_pw") ms, $(mbs "$best_pw") MB/s | $(ms "$best_curl") ms, $(mbs "$best_curl") MB/s | **$(awk "BEGIN{printf \"%.2f\", $best_curl/$best_pw}")** | $(req pw) / $(req curl) | $(rss pw) / $(rss curl) |"
if [ -n "${PWPKG_BEFORE:-}" ]; then
  best_before=$(best "$work/t.before")
  echo "| fetch vs curl --parallel, PWPKG_BEFORE build: $what | $(ms "$best_before") ms, $(mbs "$best_before") MB/s | $(ms "$best_curl") ms | **$(awk "BEGIN{printf \"%.2f\", $best_curl/$best_before}")** | | |"
fi
if [ "$pip_ok" = 1 ]; then
  best_pip=$(best "$work/t.pip")
  echo "| fetch vs pip download --no-deps --require-hashes (one at a time): $what | $(ms "$best_pw") ms | $(ms "$best_pip") ms, $(mbs "$best_pip") MB/s | **$(awk "BEGIN{printf \"%.2f\", $best_pip/$best_pw}")** | $(req pw) / $(req pip) | $(rss pw) / $(rss pip) |"
fi
echo "| cold lock, find-links page, server ignores Range (nginx max_ranges 0) | $norange_requests requests ($norange_wheels for $wheels wheels): $(awk "BEGIN{printf \"%.2f\", $norange_requests/$wheels}") per package | | | | |"
echo "| cold lock, same page, Range honoured (tails, then each wheel once for its digest: a find-links page has none) | $range_requests requests: $(awk "BEGIN{printf \"%.2f\", $range_requests/$wheels}") per package | | | | |"
