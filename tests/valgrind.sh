#!/usr/bin/env bash
# Runs CLI integration tests with every pwpkg process under valgrind
# memcheck, and fails when a test fails or any process reports a memory
# error or a definite/indirect leak.
#
#   tests/valgrind.sh [BUILD_DIR [TEST ...]]
#
# BUILD_DIR is a normal build (not -DPWPKG_SANITIZE=ON: valgrind cannot run
# ASan binaries); default $PWPKG_SOURCE_DIR/build. TEST names scripts of
# tests/cli/ (default: the list below; check_flow is left out, its time goes
# to Node.js). Each pwpkg process writes its own log; a summary of every
# process with errors or leaks is printed at the end, with the logs kept
# under the printed directory (removed when everything is clean). tests/valgrind.supp holds suppressions for
# third-party libraries only, never for pwpkg's code.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
shift || true
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(lock_releases lock_inputs lock_bad_input lock_pyproject bundle_flow
                                 git_diff git_requirements lock_index limits)
real=$build/cli/pwpkg
supp=$src/tests/valgrind.supp

command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed" >&2; exit 2; }
[ -x "$real" ] || { echo "valgrind.sh: no pwpkg in $build (build it first)" >&2; exit 2; }
if grep -q '^PWPKG_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "valgrind.sh: $build is a sanitizer build; valgrind needs a normal one" >&2
  exit 2
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/pwpkg-valgrind.XXXXXX")
# The tests find their tools at $(dirname $PWPKG)/../tests.
mkdir -p "$out/bin/cli" "$out/logs" "$out/tmp"
ln -s "$build/tests" "$out/bin/tests"
cat >"$out/bin/cli/pwpkg" <<WRAPPER
#!/bin/sh
exec valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \\
  --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \\
  --num-callers=30 --suppressions="$supp" --log-file="$out/logs/pwpkg.%p.log" \\
  "$real" "\$@"
WRAPPER
chmod +x "$out/bin/cli/pwpkg"

status=0
for t in "${tests[@]}"; do
  script=$src/tests/cli/$t.sh
  [ -f "$script" ] || { echo "valgrind.sh: no test $script" >&2; status=1; continue; }
  start=$SECONDS
  rc=0
  PWPKG=$out/bin/cli/pwpkg PWPKG_SOURCE_DIR=$src PWPKG_TEST_TMP=$out/tmp \
    timeout -s KILL 3600 bash "$script" >"$out/$t.log" 2>&1 || rc=$?
  echo "cli/$t: exit $rc ($((SECONDS - start)) s): $(tail -n 1 "$out/$t.log")"
  if [ "$rc" != 0 ]; then
    grep '^FAIL' "$out/$t.log" | head -n 10
    status=1
  fi
done

# Every log ends with an ERROR SUMMARY; a process killed by a test (or by
# the timeout) has none and is not counted.
processes=0 dirty=0
for log in "$out"/logs/pwpkg.*.log; do
  [ -e "$log" ] || continue
  processes=$((processes + 1))
  errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tr -d ,)
  if [ -n "$errors" ] && [ "$errors" != 0 ]; then
    dirty=$((dirty + 1))
    status=1
    echo "=== $log: $errors errors"
    grep -m1 'Command:' "$log"
    grep -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|[0-9,]+ .*(definitely|indirectly) lost)' \
      -A14 "$log" | grep -E 'lost|Invalid|Conditional|Use of|Syscall|Mismatched|at 0x|by 0x' | head -n 40
  fi
done
if [ "$status" = 0 ]; then
  echo "valgrind: $processes pwpkg processes, no errors, no leaks"
  rm -rf "$out"
else
  echo "valgrind: $processes pwpkg processes, $dirty with errors or leaks; logs in $out"
fi
exit "$status"
