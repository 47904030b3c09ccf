#!/usr/bin/env bash
# Benchmark: download throughput of `pwpkg fetch -j 8` (empty cache; every
# artifact sha256- and size-checked, stored by temp+rename) against
# `curl --parallel --parallel-max 8` fetching the same URLs to files, in the
# same run. WHEELS generated wheels (pw_wheelgen --bulk) are served by nginx
# on loopback; the lock is made over nginx's autoindex page as --find-links.
# Best of RUNS for each tool. Target: pwpkg/curl throughput >= 0.8.
# Diagnostic row: pwpkg with fsync made a no-op (bench/pw_nofsync.c via
# LD_PRELOAD): curl never syncs, pwpkg syncs every artifact before its rename.
# Each timed command starts after `sync`, so that no one pays for the dirty
# pages of the one before (an ext4 fsync commits the journal).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=${BUILD:-$PWD/build-bench}
pwpkg=$build/cli/pwpkg
wheels=${WHEELS:-200}
size=${SIZE:-670000}   # module bytes per wheel; compresses to ~200 kB
runs=${RUNS:-3}
jobs=${JOBS:-8}
work=$(mktemp -d)
trap 'bash "$src/tests/nginx/stop.sh" "$work/nginx" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

index=$src/.cache/fixtures/pyodide-0.27.7/pyodide-lock.json
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

cd "$work/proj"
seq 0 $((wheels - 1)) | sed 's/^/pkg/' >requirements.txt
timeout 300 "$pwpkg" lock -q --pyodide 0.27.7 --pyodide-index "$index" --no-index \
  -f "http://127.0.0.1:$PORT/files/" --cache-dir "$work/lock-cache"
n=$(python3 -c 'import json; print(len(json.load(open("pwpkg.lock"))["packages"]))')
[ "$n" -eq "$wheels" ] || { echo "downloads_vs_curl: locked $n packages, expected $wheels" >&2; exit 1; }
python3 - "$work/curl.cfg" "$work/curl-out" <<'PY'
import json, sys
cfg, out = sys.argv[1], sys.argv[2]
with open(cfg, "w") as f:
    for p in json.load(open("pwpkg.lock"))["packages"]:
        f.write('url = "%s"\noutput = "%s/%s"\n' % (p["url"], out, p["file_name"]))
PY
# Both read the files from the page cache of the server side: warm it once.
cat "$work/repo/files"/*.whl >/dev/null
cc -std=c11 -O2 -shared -fPIC -o "$work/pw_nofsync.so" "$src/bench/pw_nofsync.c"

now_ns() { date +%s%N; }
best_pw="" best_curl="" best_nosync=""
for _ in $(seq "$runs"); do
  rm -rf "$work/fetch-cache" "$work/curl-out"; mkdir -p "$work/curl-out"
  sync; t0=$(now_ns)
  timeout 300 "$pwpkg" fetch -q -j "$jobs" --cache-dir "$work/fetch-cache"
  t1=$(now_ns)
  dt=$(((t1 - t0) / 1000))
  { [ -z "$best_pw" ] || [ "$dt" -lt "$best_pw" ]; } && best_pw=$dt
  rm -rf "$work/fetch-cache"
  sync; t0=$(now_ns)
  LD_PRELOAD=$work/pw_nofsync.so timeout 300 "$pwpkg" fetch -q -j "$jobs" --cache-dir "$work/fetch-cache"
  t1=$(now_ns)
  dt=$(((t1 - t0) / 1000))
  { [ -z "$best_nosync" ] || [ "$dt" -lt "$best_nosync" ]; } && best_nosync=$dt
  sync; t0=$(now_ns)
  timeout 300 curl --parallel --parallel-max "$jobs" -s -S -f --no-progress-meter -K "$work/curl.cfg" 2>"$work/curl.err" || { cat "$work/curl.err" >&2; exit 1; }
  t1=$(now_ns)
  dt=$(((t1 - t0) / 1000))
  { [ -z "$best_curl" ] || [ "$dt" -lt "$best_curl" ]; } && best_curl=$dt
done
n=$(find "$work/fetch-cache/artifacts" -type f | wc -l)
[ "$n" -eq "$wheels" ] || { echo "downloads_vs_curl: pwpkg cached $n artifacts, expected $wheels" >&2; exit 1; }
got=$(du -cb "$work/curl-out"/*.whl | tail -1 | cut -f1)
[ "$got" -eq "$total" ] || { echo "downloads_vs_curl: curl wrote $got bytes, expected $total" >&2; exit 1; }

mbs() { awk "BEGIN{printf \"%.0f\", $total/($1/1e6)/1e6}"; }
ms() { awk "BEGIN{printf \"%.0f\", $1/1000}"; }
pw_mbs=$(mbs "$best_pw"); curl_mbs=$(mbs "$best_curl")
echo "| fetch $wheels wheels ($(awk "BEGIN{printf \"%.1f\", $total/1e6}") MB), loopback nginx, -j $jobs, best of $runs | pwpkg fetch $(ms "$best_pw") ms, $pw_mbs MB/s | curl --parallel $(ms "$best_curl") ms, $curl_mbs MB/s | **$(awk "BEGIN{printf \"%.2f\", $best_curl/$best_pw}")** |"
echo "| ... diagnostic: fsync disabled (LD_PRELOAD) | pwpkg fetch $(ms "$best_nosync") ms, $(mbs "$best_nosync") MB/s | curl --parallel $(ms "$best_curl") ms, $curl_mbs MB/s | $(awk "BEGIN{printf \"%.2f\", $best_curl/$best_nosync}") |"
