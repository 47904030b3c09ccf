#!/usr/bin/env bash
# Sets up a Debian machine, builds pwpkg and runs its main job on the bundled
# example, reaching nothing but Debian's and npm's registries:
#   wheel (examples/packages) -> lock -> bundle -> check with a snapshot and a
#   first request -> verify
# The Pyodide runtime and its package index come from the npm `pyodide` package.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup-debian.sh
bash .ci/build.sh build
pwpkg=$PWD/build/cli/pwpkg
export PWPKG_CACHE_DIR=${PWPKG_CACHE_DIR:-$PWD/.cache/pwpkg}

# examples/worker/wrangler.toml (compatibility_date 2025-10-01) selects Pyodide
# 0.28.2, whose packages Cloudflare resolves against release 0.28.3's index.
for release in 0.28.2 0.28.3; do
  "$pwpkg" -q runtime path "$release" >/dev/null 2>&1 || "$pwpkg" runtime install "$release"
done

work=$PWD/.cache/example
rm -rf "$work" && mkdir -p "$work"
cp -r examples/worker "$work/worker"
"$pwpkg" wheel examples/packages/greetings examples/packages/tinyfmt -o "$work/wheels"

cd "$work/worker"
"$pwpkg" lock --offline --no-index --find-links ../wheels
"$pwpkg" tree
"$pwpkg" bundle --offline
"$pwpkg" check --entry src/entry.py --snapshot snapshot.bin --request 'GET /'
# the lock recorded --no-index --find-links ../wheels: the CI gate needs no lock flags
"$pwpkg" verify --offline --bundle python_modules
echo "example: $work/worker has pwpkg.lock, python_modules/ and snapshot.bin"
