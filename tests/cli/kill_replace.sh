#!/usr/bin/env bash
# A kill at any step of replacing a bundle leaves a whole bundle: the old
# one or the new one, never none and never a mix; the next run repairs what
# the kill left and deletes nothing of the user's. The kill is injected by
# strace at the Nth rename/unlink-class system call of `pwpkg bundle`, for
# every N until a run completes, rather than at a random moment.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests
index27=$(pyodide_index 0.27.7)
command -v strace >/dev/null || { echo "strace is not installed (Debian package strace)"; exit 1; }
strace -f -qq -o /dev/null -e trace=getpid true ||
  { echo "FAIL: strace cannot trace here (ptrace not permitted); this test needs it"; exit 1; }

printf 'alpha 1.0\nbeta 1.0\n' >universe.txt
"$tools/pw_mkindex" repo universe.txt || { fail "pw_mkindex"; finish; }
lock() { "$PWPKG" -q lock --pyodide 0.27.7 --pyodide-index "$index27" --no-index --find-links repo/files "$@"; }
echo alpha >a.txt
printf 'alpha\nbeta\n' >b.txt
lock -r a.txt -o a.lock || fail "lock a"
lock -r b.txt -o b.lock || fail "lock b"
"$PWPKG" -q bundle --lock a.lock -o ref_a || fail "bundle a"
"$PWPKG" -q bundle --lock b.lock -o ref_b || fail "bundle b"
listing() { (cd "$1" && find . -type f -printf '%p %s\n' | sort | sha256sum | cut -c1-16); }
old=$(listing ref_a) new=$(listing ref_b)
[ "$old" != "$new" ] && pass || fail "the two bundles must differ"

# the user's files beside the output, named like staging entries used to be
mkdir -p python_modules.tmp.backup && echo keep >python_modules.tmp.backup/f
echo keep >python_modules.tmp.old
echo keep >python_modules.pwpkg-tmp-notes.txt

syscalls=rename,renameat,renameat2,unlink,unlinkat,rmdir
completed=""
for n in $(seq 1 200); do
  rm -rf python_modules python_modules.bundle.json
  cp -a ref_a python_modules
  cp ref_a.bundle.json python_modules.bundle.json 2>/dev/null || true
  rc=0
  # LeakSanitizer ptraces the process at exit, which it cannot under strace
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -qq -o /dev/null -e trace="$syscalls" -e inject="$syscalls":signal=KILL:when="$n" \
    "$PWPKG" -q bundle --lock b.lock -o python_modules >/dev/null 2>&1 || rc=$?
  # whatever happened, a whole bundle is in place
  if [ ! -d python_modules ]; then
    # only the two-rename fallback can leave none; the next run restores it
    "$PWPKG" -q bundle --lock b.lock -o python_modules >/dev/null 2>&1 || true
    [ -d python_modules ] && pass || fail "kill at step $n: no python_modules, and the next run did not restore one"
  else
    now=$(listing python_modules)
    [ "$now" = "$old" ] || [ "$now" = "$new" ] && pass ||
      fail "kill at step $n: python_modules is neither the old nor the new bundle"
  fi
  # the next run completes and leaves no staging entry behind
  "$PWPKG" -q bundle --lock b.lock -o python_modules >/dev/null 2>&1 || fail "run after the kill at step $n"
  [ "$(listing python_modules)" = "$new" ] && pass || fail "after step $n: not the new bundle"
  left=$(find . -maxdepth 1 -name 'python_modules.pwpkg-tmp-??????*' ! -name '*.txt' -printf '%f ')
  [ -z "$left" ] && pass || fail "after step $n: staging left behind: $left"
  if [ "$rc" = 0 ]; then completed=$n; break; fi
done
[ -n "$completed" ] && pass || fail "bundle was killed at every one of 200 steps"
echo "injected kills at steps 1..$((completed - 1)); step $completed ran to the end"
[ -f python_modules.tmp.backup/f ] && [ -f python_modules.tmp.old ] && [ -f python_modules.pwpkg-tmp-notes.txt ] &&
  pass || fail "a user's file beside the output was deleted"

finish
