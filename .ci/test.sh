#!/usr/bin/env bash
# Sets up a Debian machine, builds pwpkg twice (plain, and with AddressSanitizer
# + UndefinedBehaviorSanitizer) and runs every test (ctest) in both builds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup-debian.sh
bash tests/cloudflare/setup.sh   # workerd, wrangler, create-cloudflare from npm (pinned)

export PWPKG_TEST_FIXTURES=${PWPKG_TEST_FIXTURES:-$PWD/.cache/fixtures}
mkdir -p "$PWPKG_TEST_FIXTURES"
jobs=$(nproc)

echo "== plain build (gcc)"
bash .ci/build.sh build
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build (clang)"
CC=clang bash .ci/build.sh build-asan -DPWPKG_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$PWD/.ci/lsan.supp \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== libFuzzer: each target briefly (tests/fuzz/run.sh; corpus replays ran above)"
# The replays of every corpus and regression above are blocking. A new
# input found in these 60 seconds is reported (minimized, with its path)
# but does not fail the run: a fresh discovery would otherwise make CI
# fail at random. It becomes a regression test once fixed (tests/fuzz/regressions/).
if ! bash tests/fuzz/run.sh "${PWPKG_FUZZ_SECONDS:-60}"; then
  echo "!! fuzzing found new inputs (listed above); add them to tests/fuzz/regressions/ with the fix"
fi
