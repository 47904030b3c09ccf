#!/usr/bin/env bash
# Benchmark (issue 14, item 1): cold and warm `pwpkg lock` of a generated
# universe (PROJECTS x VERSIONS, deep chains, backtracking traps) through a
# server that holds every response DELAY_MS (pw_test_server, tests/support/http_server.c
# --delay-ms: connections served concurrently, TCP_NODELAY, a request log).
# For each -j in JOBS it reports the wall time, the requests the server saw,
# and the latency floor: ceil(requests / j) x DELAY_MS, the time a client
# that knew every URL from the start would need. pip's resolver
# (pip install --dry-run --report, as in resolve_vs_pip.sh) runs against
# the same server in the same run unless PIP=0.
#   PROJECTS=200 DELAY_MS=50 JOBS="8 32" bash bench/lock_latency.sh
# PWPKG=path/to/pwpkg compares another build (e.g. an older commit's).
# KEEP=DIR keeps each lock and its request log there (cold-J.lock,
# cold-J.log, warm-J.lock, warm-J.log) for bench/latency_slots.py.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=$(cd "${BUILD:-build-bench}" && pwd)
pwpkg=$(realpath "${PWPKG:-$build/cli/pwpkg}")
projects=${PROJECTS:-200}
versions=${VERSIONS:-10}
delay=${DELAY_MS:-50}
jobs=${JOBS:-8 32}
run_pip=${PIP:-1}
work=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

index=$src/.cache/fixtures/pyodide-0.27.7/pyodide-lock.json
[ -f "$index" ] || index=${PWPKG_TEST_FIXTURES:-/nonexistent}/pyodide-0.27.7/pyodide-lock.json
if [ ! -f "$index" ]; then
  (cd "$work" && npm pack --silent pyodide@0.27.7 >/dev/null && tar -xzf pyodide-*.tgz package/pyodide-lock.json)
  index=$work/package/pyodide-lock.json
fi
# REPO and REQUIREMENTS reuse a tree pw_mkindex made earlier (3,000
# projects take minutes to generate on a slow disk).
repo=${REPO:-$work/repo}
if [ -n "${REPO:-}" ]; then
  cp "$REQUIREMENTS" "$work/requirements.txt"
else
  "$build/tests/pw_mkindex" "$repo" --universe "$projects" "$versions" "${SEED:-2}" \
    "$work/requirements.txt" >/dev/null
fi
log=$work/requests.log
"$build/tests/pw_test_server" --root "$repo" --delay-ms "$delay" --log "$log" \
  --port-file "$work/port" --idle-timeout 3600 >/dev/null &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$work/port")/simple/"

now_ms() { date +%s%3N; }
requests() { wc -l <"$log" | tr -d ' '; }
ratio() { awk "BEGIN{printf \"%.2f\", $1/($2>0?$2:1)}"; }
floor_ms() { echo $(( ($1 + $2 - 1) / $2 * delay )); }
cd "$work"
lock() { # JOBS OUT: one lock; prints wall ms and peak RSS (KB)
  local t0 t1
  t0=$(now_ms)
  /usr/bin/time -f %M -o "$work/rss" "$pwpkg" lock -q -j "$1" --pyodide 0.27.7 \
    --pyodide-index "$index" --index-url "$url" -o "$2"
  t1=$(now_ms)
  echo "$((t1 - t0)) $(cat "$work/rss")"
}

pip_ms=0 pip_req=0
if [ "$run_pip" = 1 ]; then
  : >"$log"
  t0=$(now_ms)
  python3 -m pip install --dry-run --ignore-installed --quiet --report "$work/pip.json" \
    --target "$work/pip-target" --only-binary=:all: --platform pyodide_2024_0_wasm32 \
    --python-version 3.12 --implementation cp --abi cp312 --index-url "$url" \
    --cache-dir "$work/pip-cache" --disable-pip-version-check -r requirements.txt \
    >/dev/null 2>"$work/pip.err" || { echo "(pip failed: $(tail -1 "$work/pip.err"))";}
  t1=$(now_ms)
  pip_ms=$((t1 - t0)) pip_req=$(requests)
fi

for j in $jobs; do
  export PWPKG_CACHE_DIR=$work/cache-$j
  : >"$log"
  read -r cold cold_rss < <(lock "$j" "$work/cold-$j.lock")
  cold_req=$(requests)
  [ -n "${KEEP:-}" ] && cp "$log" "$KEEP/cold-$j.log" && cp "$work/cold-$j.lock" "$KEEP/"
  pkgs=$(grep -c '"name":' "$work/cold-$j.lock")
  : >"$log"
  read -r warm warm_rss < <(lock "$j" "$work/warm-$j.lock")
  warm_req=$(requests)
  [ -n "${KEEP:-}" ] && cp "$log" "$KEEP/warm-$j.log" && cp "$work/warm-$j.lock" "$KEEP/"
  cold_floor=$(floor_ms "$cold_req" "$j")
  warm_floor=$(floor_ms "$warm_req" "$j")
  row="| ${projects}x${versions}, ${delay} ms/request, -j $j ($pkgs packages) "
  row+="| cold: $cold ms, $cold_req requests, floor $cold_floor ms (**$(ratio "$cold" "$cold_floor")x floor**), RSS $((cold_rss / 1024)) MB "
  row+="| warm: $warm ms, $warm_req requests, floor $warm_floor ms ($(ratio "$warm" "$warm_floor")x) "
  if [ "$run_pip" = 1 ]; then
    row+="| pip cold: $pip_ms ms, $pip_req requests (**$(ratio "$pip_ms" "$cold")x** pwpkg's time) |"
  else
    row+="| pip: not run |"
  fi
  echo "$row"
done
