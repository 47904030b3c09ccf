#!/usr/bin/env bash
# Benchmark (issues 2 and 14): lock a 30-requirement set against Pyodide
# 0.27.7's package index with a warm cache. Peers in the same run: Python
# reading and parsing the same pyodide-lock.json (json.load), the floor of
# any tool that resolves from it; and (issue 14) bench/closure_peer.py, the
# same json.load plus the dependency closure of the 30 names written as
# JSON. BEFORE=path adds another pwpkg executable (an older build) in the
# same run. Prints Markdown table rows for docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
pwpkg=${PWPKG:-$PWD/build/cli/pwpkg}
runs=${RUNS:-50}
source_dir=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

index=${PWPKG_TEST_FIXTURES:-$PWD/.cache/fixtures}/pyodide-0.27.7/pyodide-lock.json
if [ ! -f "$index" ]; then
  (cd "$work" && npm pack --silent pyodide@0.27.7 >/dev/null && tar -xzf pyodide-*.tgz package/pyodide-lock.json)
  mkdir -p "$(dirname "$index")" && mv "$work/package/pyodide-lock.json" "$index"
fi

cat >"$work/requirements.txt" <<'REQ'
pandas>=2
numpy
scipy
matplotlib
scikit-learn
pillow
pyyaml
regex
requests
beautifulsoup4
lxml
sqlalchemy
pydantic
jinja2
markupsafe
attrs
cryptography
shapely
networkx
sympy
statsmodels
xarray
bokeh
altair
pyarrow
duckdb
tiktoken
nltk
openai
rich
REQ
cd "$work"
"$pwpkg" lock -q --pyodide 0.27.7 --pyodide-index "$index" # warm the page cache

# The interpreter itself, not a version manager's shim in front of it.
python=$(python3 -c 'import sys; print(sys.executable)')
now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# time_us FILE CMD...: runs CMD once, appends its wall microseconds to FILE.
time_us() {
  local file=$1 t0 t1
  shift
  t0=$(now_ns); "$@"; t1=$(now_ns)
  echo $(((t1 - t0) / 1000)) >>"$file"
}
# The tools alternate within each round, so that a change of load on the
# machine falls on all of them alike.
for _ in $(seq "$runs"); do
  time_us "$work/pwpkg.all" "$pwpkg" lock -q --pyodide 0.27.7 --pyodide-index "$index"
  time_us "$work/python.all" "$python" -c 'import json,sys; json.load(open(sys.argv[1]))' "$index"
  time_us "$work/closure.all" "$python" "$source_dir/bench/closure_peer.py" "$index" requirements.txt closure.json
  if [ -n "${BEFORE:-}" ]; then # another pwpkg executable (an older build)
    time_us "$work/before.all" "$BEFORE" lock -q --pyodide 0.27.7 --pyodide-index "$index" -o before.lock
  fi
done
for t in pwpkg python closure before; do
  [ -f "$work/$t.all" ] && median <"$work/$t.all" >"$work/$t.us"
done
rss=$(/usr/bin/time -f %M "$pwpkg" lock -q --pyodide 0.27.7 --pyodide-index "$index" 2>&1 >/dev/null | tail -1)
pkgs=$(grep -c '"name":' pwpkg.lock)
pw=$(cat "$work/pwpkg.us"); py=$(cat "$work/python.us")
echo "| lock 30 requirements ($pkgs packages), Pyodide 0.27.7, warm | $(awk "BEGIN{printf \"%.1f\", $pw/1000}") ms | $(awk "BEGIN{printf \"%.1f\", $py/1000}") ms (python3 json.load of the index) | $(awk "BEGIN{printf \"%.2f\", $pw/$py}") | $((rss / 1024)) MB |"
cl=$(cat "$work/closure.us")
echo "| lock 30 requirements ($pkgs packages) against the Python closure writer ($(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["packages"]))' closure.json) packages) | $(awk "BEGIN{printf \"%.1f\", $pw/1000}") ms | $(awk "BEGIN{printf \"%.1f\", $cl/1000}") ms (bench/closure_peer.py) | $(awk "BEGIN{printf \"%.2f\", $pw/$cl}") (pwpkg $(awk "BEGIN{printf \"%.1f\", $cl/$pw}")x faster) | |"
if [ -n "${BEFORE:-}" ]; then
  bf=$(cat "$work/before.us")
  echo "| the same lock by BEFORE ($BEFORE) | $(awk "BEGIN{printf \"%.1f\", $bf/1000}") ms | $(awk "BEGIN{printf \"%.1f\", $cl/1000}") ms (bench/closure_peer.py) | $(awk "BEGIN{printf \"%.2f\", $bf/$cl}") (BEFORE $(awk "BEGIN{printf \"%.1f\", $cl/$bf}")x faster) | |"
fi
