#!/usr/bin/env bash
# Benchmark (issue 3): resolution over a generated universe (PROJECTS x
# VERSIONS, deep chains, backtracking traps) served by nginx on loopback.
# pwpkg lock with a cold and a warm cache against pip's resolver in the same
# run (pip install --dry-run --report, targeting pyodide_2024_0_wasm32).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=${BUILD:-$PWD/build}
pwpkg=$build/cli/pwpkg
projects=${PROJECTS:-500}
versions=${VERSIONS:-10}
work=$(mktemp -d)
trap 'bash "$src/tests/nginx/stop.sh" "$work/nginx" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

index=$src/.cache/fixtures/pyodide-0.27.7/pyodide-lock.json
if [ ! -f "$index" ]; then
  (cd "$work" && npm pack --silent pyodide@0.27.7 >/dev/null && tar -xzf pyodide-*.tgz package/pyodide-lock.json)
  mkdir -p "$(dirname "$index")" && mv "$work/package/pyodide-lock.json" "$index"
fi
"$build/tests/pw_mkindex" "$work/repo" --universe "$projects" "$versions" "${SEED:-42}" "$work/requirements.txt"
bash tests/nginx/start.sh --root "$work/repo" --tmp "$work/nginx" --watch-pid $$ >/dev/null
source "$work/nginx/env"
url="http://127.0.0.1:$PORT/simple/"

now_ms() { date +%s%3N; }
cd "$work"
export PWPKG_CACHE_DIR=$work/cache
t0=$(now_ms); "$pwpkg" lock -q --pyodide 0.27.7 --pyodide-index "$index" --index-url "$url"; t1=$(now_ms)
cold=$((t1 - t0))
pkgs=$(grep -c '"name":' pwpkg.lock)
rm pwpkg.lock
best_warm=999999
for _ in 1 2 3 4 5; do
  t0=$(now_ms); "$pwpkg" lock -q --pyodide 0.27.7 --pyodide-index "$index" --index-url "$url"; t1=$(now_ms)
  rm pwpkg.lock
  [ $((t1 - t0)) -lt "$best_warm" ] && best_warm=$((t1 - t0))
done

pip_run() {
  python3 -m pip install --dry-run --ignore-installed --quiet --report "$work/pip.json" \
    --target "$work/pip-target" --only-binary=:all: --platform pyodide_2024_0_wasm32 --python-version 3.12 \
    --implementation cp --abi cp312 --index-url "$url" --cache-dir "$work/pip-cache" \
    --disable-pip-version-check -r requirements.txt >/dev/null 2>"$work/pip.err"
}
t0=$(now_ms); pip_run || { echo "pip failed:"; tail -5 "$work/pip.err"; }; t1=$(now_ms)
pip_cold=$((t1 - t0))
t0=$(now_ms); pip_run || true; t1=$(now_ms)
pip_warm=$((t1 - t0))
pip_pkgs=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["install"]))' "$work/pip.json" 2>/dev/null || echo "?")

ratio() { awk "BEGIN{printf \"%.1f\", $1/($2>0?$2:1)}"; }
echo "| resolve ${projects}x${versions} universe, 30 roots ($pkgs packages; pip: $pip_pkgs) | cold: pwpkg $cold ms, pip $pip_cold ms (**$(ratio $pip_cold $cold)x**) | warm: pwpkg $best_warm ms, pip $pip_warm ms (**$(ratio $pip_warm $best_warm)x**) |"
