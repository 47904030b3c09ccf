#!/usr/bin/env bash
# Installs what pwpkg needs to build, test and run on Debian (as root).
# Only Debian's archive and the npm registry are used.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang git
  libcurl4-openssl-dev libzip-dev libssl-dev libcjson-dev libgit2-dev libcmocka-dev zlib1g-dev
  nginx-light openssl zip unzip ca-certificates python3 python3-pip valgrind time strace
  libclang-rt-dev
  # tests/cli/report_html.sh renders `pwpkg report` in headless Chromium.
  chromium
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js runs Pyodide for `pwpkg check`; Debian's nodejs/npm when none is installed.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
