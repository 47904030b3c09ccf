#!/usr/bin/env bash
# Benchmark: cold start of a bundle in real Pyodide (loadPyodide + bundle +
# every import) against restoring the memory snapshot `pwpkg check
# --snapshot` takes after those imports, in a fresh Node.js process; both
# measured by the same `pwpkg check --json` run (timing.cold_ms and
# snapshot.restore_ms), plus pwpkg's own time outside the Node.js processes
# (timing.overhead_ms). Two bundles:
#   (a) the example of .ci/example.sh (examples/worker + examples/packages)
#   (b) 20 generated packages, each with some import-time work (stdlib
#       imports, a 20000-entry dict, regexes, a dataclass, a submodule)
# Best of RUNS for each figure. Runtime: RELEASE (default 0.28.2, the one
# examples/worker/wrangler.toml selects), taken from the project cache
# .cache/pwpkg (installed there with `pwpkg runtime install` when missing,
# as .ci/example.sh does). Targets: restore/cold <= 0.2; overhead < 50 ms.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
cd "$(dirname "$0")/.."
src=$PWD
build=${BUILD:-$PWD/build-bench}
pwpkg=$build/cli/pwpkg
runs=${RUNS:-3}
release=${RELEASE:-0.28.2}
shared_cache=$src/.cache/pwpkg
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The example's wrangler.toml picks 0.28.2 and resolves against 0.28.3's index.
mkdir -p "$work/cache/runtimes"
for r in "$release" 0.28.3; do
  [ -d "$shared_cache/runtimes/$r" ] || timeout 300 "$pwpkg" runtime install "$r" --cache-dir "$shared_cache" >/dev/null
  [ -d "$work/cache/runtimes/$r" ] || cp -r "$shared_cache/runtimes/$r" "$work/cache/runtimes/$r"
done
export PWPKG_CACHE_DIR=$work/cache

# check_runs DIR LABEL ARGS...: runs `pwpkg check --json` RUNS times in DIR
# and prints the table row from the best figures.
check_runs() {
  local dir=$1 label=$2; shift 2
  local i
  for i in $(seq "$runs"); do
    rm -f "$dir/snap.bin"
    (cd "$dir" && timeout 600 "$pwpkg" check --snapshot snap.bin --json "$@" >"$work/check-$i.json") || {
      echo "check_snapshot: pwpkg check failed in $dir:" >&2; cat "$work/check-$i.json" >&2; exit 1; }
  done
  python3 - "$label" "$work"/check-*.json <<'PY'
import json, sys
label, reports = sys.argv[1], [json.load(open(p)) for p in sys.argv[2:]]
for r in reports:
    assert r["failed"] == 0 and r["snapshot"]["made"] and not r["snapshot"]["missing_after_restore"], r
best = lambda f: min(f(r) for r in reports)
cold = best(lambda r: r["timing"]["cold_ms"])
load = best(lambda r: r["timing"]["load_ms"])
imports = best(lambda r: r["timing"]["imports_ms"])
restore = best(lambda r: r["snapshot"]["restore_ms"])
over = best(lambda r: r["timing"]["overhead_ms"])
over_max = max(r["timing"]["overhead_ms"] for r in reports)
mods = len(reports[0]["imports"])
snap_mb = reports[0]["snapshot"]["bytes"] / 1e6
print(f"| {label} ({mods} imports), Pyodide {reports[0]['pyodide']}, best of {len(reports)} "
      f"| cold {cold:.0f} ms (load {load:.0f} + imports {imports:.0f}) "
      f"| snapshot restore {restore:.0f} ms ({snap_mb:.1f} MB snapshot) "
      f"| **{restore / cold:.2f}** | overhead {over:.0f} ms (worst {over_max:.0f}) |")
PY
  rm -f "$work"/check-*.json
}

# (a) The example, as .ci/example.sh builds it.
cp -r examples/worker "$work/worker"
"$pwpkg" wheel -q examples/packages/greetings examples/packages/tinyfmt -o "$work/wheels" >/dev/null
(cd "$work/worker" && "$pwpkg" lock -q --offline --no-index --find-links ../wheels &&
  "$pwpkg" bundle -q --offline)
check_runs "$work/worker" "example (examples/worker)" --entry src/entry.py

# (b) 20 generated packages with import-time work.
mkdir -p "$work/gen/proj"
generate_import_packages "$work/gen/wheels" "$work/gen/proj/requirements.txt"
(cd "$work/gen/proj" &&
  "$pwpkg" lock -q --offline --pyodide "$release" --pyodide-index "$work/cache/runtimes/$release" \
    --no-index --find-links ../wheels &&
  "$pwpkg" bundle -q --offline)
check_runs "$work/gen/proj" "20 generated packages"
