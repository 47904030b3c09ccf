#!/usr/bin/env bash
# Sets up a Debian machine, builds pwpkg and runs its main job on the bundled
# example (examples/worker) without reaching anything but Debian's and npm's
# registries: the release's package index comes from the npm `pyodide` package.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup-debian.sh
bash .ci/build.sh build
pwpkg=$PWD/build/cli/pwpkg
export PWPKG_CACHE_DIR=${PWPKG_CACHE_DIR:-$PWD/.cache/pwpkg}

# The example's wrangler.toml (compatibility_date 2025-10-01) selects Pyodide
# 0.28.2, whose packages Cloudflare resolves against release 0.28.3's index.
index_dir=$PWD/.cache/fixtures/pyodide-0.28.3
if [ ! -f "$index_dir/pyodide-lock.json" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent pyodide@0.28.3 >/dev/null)
  tar -xzf "$tmp"/pyodide-*.tgz -C "$tmp" package/pyodide-lock.json
  mkdir -p "$index_dir" && mv "$tmp/package/pyodide-lock.json" "$index_dir/"
  rm -rf "$tmp"
fi

cd examples/worker
"$pwpkg" lock --pyodide-index "$index_dir/pyodide-lock.json"
"$pwpkg" lock --check --pyodide-index "$index_dir/pyodide-lock.json"
echo "example: pwpkg.lock written to examples/worker/pwpkg.lock"
