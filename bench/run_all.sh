#!/usr/bin/env bash
# Runs every benchmark of bench/ one after the other (never two at once: the
# figures are wall times) and prints the machine, the tool versions and the
# Markdown rows that docs/benchmarks.md reports. BUILD (default build-bench)
# must be a Release build with the tests (pw_mkindex, pw_wheelgen):
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DPWPKG_TESTS=ON
#   cmake --build build-bench -j2
# SEED is passed to resolve_vs_pip.sh (2: pip finds the solution there).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
export BUILD=${BUILD:-$PWD/build-bench}
export PWPKG=$BUILD/cli/pwpkg
export SEED=${SEED:-2}

echo "## machine"
echo "- $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## tools"
echo "- $(curl --version | head -1)"
echo "- $(openssl version)"
echo "- $(zip -v | sed -n 2p)"
echo "- $(unzip -v | head -1)"
echo "- $(python3 -m pip --version)"
echo "- node $(node --version)"
echo "- $(/usr/sbin/nginx -v 2>&1)"
echo "- $(cc --version | head -1)"
for b in startup lock_pyodide resolve_vs_pip lock_latency downloads_vs_curl hash_vs_openssl bundle_vs_zip check_snapshot slim; do
  echo "## $b (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  timeout 1800 bash "bench/$b.sh" || echo "($b failed: exit $?)"
done
