#!/usr/bin/env bash
# Benchmark: traced slimming (`pwpkg check --trace` + `pwpkg bundle --slim`)
# against class-based stripping (`pwpkg bundle --strip all`) and the full
# bundle, all built from the same lock in the same run:
#   - the bundle's gzip size (bundle --json gzip_bytes, zlib level 6);
#   - cold start (check --json timing.cold_ms: loadPyodide + mount + every
#     import) and snapshot restore (snapshot.restore_ms), best of RUNS, the
#     bundles measured alternately in one loop.
# Two bundles:
#   (a) the example of .ci/example.sh (examples/worker + examples/packages);
#   (b) 20 generated packages, each with import-time work, a submodule it
#       uses, and what a real package carries that its users never import:
#       a second module, a data file, tests/ and type stubs.
# Runtimes come from CACHE (default .cache/pwpkg), installed there with
# `pwpkg runtime install` when missing.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
cd "$(dirname "$0")/.."
src=$PWD
build=${BUILD:-$PWD/build-bench}
pwpkg=$build/cli/pwpkg
runs=${RUNS:-3}
release=${RELEASE:-0.28.3}
shared_cache=${CACHE:-$src/.cache/pwpkg}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The example's wrangler.toml picks 0.28.2 and resolves against 0.28.3's index.
mkdir -p "$work/cache/runtimes"
for r in 0.28.2 0.28.3 "$release"; do
  [ -d "$shared_cache/runtimes/$r" ] || timeout 300 "$pwpkg" runtime install "$r" --cache-dir "$shared_cache" >/dev/null
  [ -d "$work/cache/runtimes/$r" ] || cp -r "$shared_cache/runtimes/$r" "$work/cache/runtimes/$r"
done
export PWPKG_CACHE_DIR=$work/cache

gz_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["gzip_bytes"])' "$1"; }

# measure DIR LABEL CHECK_ARGS...: the three bundles of DIR's lock, sizes
# and timings, one table row each.
measure() {
  local dir=$1 label=$2; shift 2
  (cd "$dir" &&
    "$pwpkg" --json bundle --offline -o full >"$work/b-full.json" &&
    "$pwpkg" --json bundle --offline --strip all -o strip >"$work/b-strip.json" &&
    "$pwpkg" -q check --bundle full --trace trace.json "$@" &&
    "$pwpkg" --json bundle --offline --slim trace.json -o slim >"$work/b-slim.json") || {
    echo "slim: building the bundles failed in $dir" >&2; exit 1; }
  local i kind
  for i in $(seq "$runs"); do
    for kind in full strip slim; do
      rm -f "$dir/snap.bin"
      (cd "$dir" && timeout 600 "$pwpkg" --json check --bundle "$kind" --snapshot snap.bin "$@" \
        >"$work/c-$kind-$i.json") || {
        echo "slim: pwpkg check of $kind failed in $dir:" >&2; cat "$work/c-$kind-$i.json" >&2; exit 1; }
    done
  done
  python3 - "$label" "$work" "$runs" <<'PY'
import json, sys
label, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
b = {k: json.load(open(f"{work}/b-{k}.json")) for k in ("full", "strip", "slim")}
c = {k: [json.load(open(f"{work}/c-{k}-{i}.json")) for i in range(1, runs + 1)]
     for k in ("full", "strip", "slim")}
for k, reps in c.items():
    for r in reps:
        assert r["failed"] == 0 and r["snapshot"]["made"], (k, r)
cold = {k: min(r["timing"]["cold_ms"] for r in v) for k, v in c.items()}
rest = {k: min(r["snapshot"]["restore_ms"] for r in v) for k, v in c.items()}
gz = {k: b[k]["gzip_bytes"] for k in b}
files = {k: b[k]["files"] for k in b}
full = gz["full"]
print(f"| {label}, Pyodide {c['full'][0]['pyodide']}, best of {runs} | gzip | files "
      f"| cold start | snapshot restore |")
print("| --- | --- | --- | --- | --- |")
for k, name in (("full", "full bundle"), ("strip", "`--strip all`"), ("slim", "`--slim trace.json`")):
    print(f"| {name} | {gz[k] / 1024:.1f} KiB (**{gz[k] / full:.2f}** of full) | {files[k]} "
          f"| {cold[k]:.0f} ms (**{cold[k] / cold['full']:.2f}**) "
          f"| {rest[k]:.0f} ms (**{rest[k] / rest['full']:.2f}**) |")
print()
PY
  rm -f "$work"/c-*.json "$work"/b-*.json
}

# (a) The example, as .ci/example.sh builds it.
cp -r examples/worker "$work/worker"
"$pwpkg" wheel -q examples/packages/greetings examples/packages/tinyfmt -o "$work/wheels" >/dev/null
(cd "$work/worker" && "$pwpkg" lock -q --offline --no-index --find-links ../wheels)
measure "$work/worker" "(a) example (examples/worker)" --entry src/entry.py

# (b) 20 generated packages: what is imported does import-time work; what
# is not is filler text of the same kind a package ships.
mkdir -p "$work/gen/proj/src"
generate_import_packages "$work/gen/wheels" "$work/gen/proj/requirements.txt" filler
{
  for i in $(seq 0 19); do echo "import gen$i"; done
  printf '\ndef on_fetch(request):\n    return gen0.core.shout("ok")\n'
} >"$work/gen/proj/src/entry.py"
(cd "$work/gen/proj" &&
  "$pwpkg" lock -q --offline --pyodide "$release" --pyodide-index "$work/cache/runtimes/$release" \
    --no-index --find-links ../wheels)
measure "$work/gen/proj" "(b) 20 generated packages" --entry src/entry.py
