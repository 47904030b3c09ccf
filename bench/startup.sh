#!/usr/bin/env bash
# Benchmark (issue 14): start-up. `pwpkg --version` against `python3 -c pass`
# (the peer) and /bin/true (the cost of fork and exec alone), measured in
# the same run: mean wall time per run over RUNS runs (PEER_RUNS for python3,
# default RUNS/10: it is 100 times slower) with `perf stat -r`, alternating
# the commands ROUNDS times and keeping each one's best round; BEFORE=path
# adds another pwpkg executable (an older build) as a row;
# instructions of one run (callgrind), and the shared objects each one
# initialises (LD_DEBUG=libs). Then the same count of shared objects for a
# lock, outside any git repository and inside one. Prints Markdown table
# rows for docs/benchmarks.md section 11. Asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
pwpkg=${PWPKG:-$PWD/build-bench/cli/pwpkg}
runs=${RUNS:-1000}
rounds=${ROUNDS:-3}
peer_runs=${PEER_RUNS:-$((runs / 10))}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v perf >/dev/null || { echo "startup.sh: needs perf (perf stat)" >&2; exit 2; }

# The interpreter itself, not a version manager's shim in front of it.
python=$(python3 -c 'import sys; print(sys.executable)')
commands=("$pwpkg --version" "$python -c pass" "/bin/true")
names=("pwpkg --version" "python3 -c pass (peer)" "/bin/true")
counts=("$runs" "$peer_runs" "$runs")
if [ -n "${BEFORE:-}" ]; then
  commands+=("$BEFORE --version"); names+=("pwpkg --version, before (BEFORE)"); counts+=("$runs")
fi

# wall_us N CMD...: mean wall microseconds per run of CMD over N runs.
wall_us() {
  local n=$1
  shift
  perf stat -r "$n" "$@" 2>&1 >/dev/null |
    awk '/seconds time elapsed/ {printf "%.1f", $1 * 1e6}'
}
# instructions CMD...: callgrind's count for one run.
instructions() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
    awk '/Collected :/ {print $NF}'
}
# objects CMD...: how many shared objects (ld.so, vdso not counted) the
# process initialises, and which of the heavy ones.
objects() {
  rm -f "$work"/ld.*
  LD_DEBUG=libs LD_DEBUG_OUTPUT="$work/ld" "$@" >/dev/null 2>&1 || true
  local list
  list=$(cat "$work"/ld.* | sed -n 's/.*calling init: //p' | sort -u)
  local heavy
  heavy=$(printf '%s\n' "$list" | grep -oE 'lib(curl|git2|zip|ssl|crypto|ssh2|pwpkg_core)[^/]*\.so' |
    sed 's/\.so$//' | sort -u | paste -sd, - || true)
  echo "$(printf '%s\n' "$list" | grep -c .) (${heavy:-none of the heavy ones})"
}

declare -A best
for ((r = 0; r < rounds; r++)); do
  for i in "${!commands[@]}"; do
    # shellcheck disable=SC2086
    us=$(wall_us "${counts[i]}" ${commands[i]})
    if [ -z "${best[$i]:-}" ] || awk "BEGIN{exit !($us < ${best[$i]})}"; then best[$i]=$us; fi
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $runs runs per command ($peer_runs for python3), best of $rounds rounds"
echo
echo "| command | wall per run | instructions | shared objects initialised |"
echo "| --- | --- | --- | --- |"
for i in "${!commands[@]}"; do
  # shellcheck disable=SC2086
  echo "| \`${names[i]}\` | $(awk "BEGIN{printf \"%.2f\", ${best[$i]}/1000}") ms | $(instructions ${commands[i]}) | $(objects ${commands[i]}) |"
done
echo
echo "pwpkg --version / python3 -c pass (wall): $(awk "BEGIN{printf \"%.4f\", ${best[0]}/${best[1]}}");" \
  "/ /bin/true: $(awk "BEGIN{printf \"%.2f\", ${best[0]}/${best[2]}}")"

# Locks: which objects a command maps (no timing here: lock_pyodide.sh).
index=$PWD/.cache/fixtures/pyodide-0.27.7/pyodide-lock.json
[ -f "$index" ] || index=${PWPKG_TEST_FIXTURES:-/nonexistent}/pyodide-0.27.7/pyodide-lock.json
if [ -f "$index" ]; then
  mkdir -p "$work/nogit" && cd "$work/nogit" && printf 'six\n' >requirements.txt
  echo
  echo "| \`pwpkg lock\` (Pyodide index file) | shared objects initialised |"
  echo "| --- | --- |"
  echo "| outside a git repository | $(GIT_CEILING_DIRECTORIES=$work objects "$pwpkg" lock -q --pyodide 0.27.7 --pyodide-index "$index" --no-index) |"
  git init -q . 2>/dev/null && git add requirements.txt && git -c user.name=b -c user.email=b@b commit -qm x
  echo "| in a git repository (provenance) | $(objects "$pwpkg" lock -q --pyodide 0.27.7 --pyodide-index "$index" --no-index) |"
fi
