#!/usr/bin/env bash
# Eight pwpkg processes sharing one cache at the same time: `pwpkg lock` x8
# against one nginx-served index and `pwpkg fetch` x8 of one lock, each in a
# working directory of its own. All must succeed with identical results and
# leave a cache whose every artifact hashes to its name.
source "$(dirname "$0")/lib.bash"
# set -e ends the script at an unexpected failure; say where.
set -E
trap 'case $BASH_COMMAND in *failures*) ;; *) echo "FAIL: line $LINENO: $BASH_COMMAND" >&2 ;; esac' ERR
tools=$(dirname "$PWPKG")/../tests
index=$(pyodide_index 0.27.7)
# The lock records the commit of the git work tree around it; the scratch
# directory sits inside pwpkg's own checkout, whose HEAD moves meanwhile.
export GIT_CEILING_DIRECTORIES=$(dirname "$WORK")
N=8

pids=()
on_exit 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done'

check_cache() { # WHAT
  local bad
  bad=$(find "$PWPKG_CACHE_DIR/artifacts" -type f -print0 2>/dev/null | xargs -0 -r sha256sum |
        awk '{ n = split($2, p, "/"); if ($1 != p[n] || p[n - 1] != "artifacts") print $2 }') || true
  [ -z "$bad" ] && pass || fail "$1: corrupt cache entries: $bad"
}

# parallel WHAT CMD...: runs CMD in p1..p$N at once (each its own working
# directory), each bounded by a timeout; every one must exit 0.
parallel() {
  local what=$1 i rc
  shift
  pids=()
  for i in $(seq "$N"); do
    (cd "p$i" && exec timeout -s KILL 120 "$@" >out 2>err) &
    pids+=($!)
  done
  for i in $(seq "$N"); do
    rc=0
    wait "${pids[$((i - 1))]}" || rc=$?
    [ "$rc" = 0 ] && pass || fail "$what #$i exited $rc: $(cat "p$i/err")"
  done
  pids=()
}

# A generated universe (deep dependency chains, PEP 658 metadata) plus a
# few larger wheels found through nginx's directory listing.
"$tools/pw_mkindex" repo --universe 80 3 11 universe.txt >/dev/null || { fail "pw_mkindex"; finish; }
"$tools/pw_wheelgen" --name big --version 1.0 --bulk 4 --size 2000000 --out repo/big >/dev/null ||
  { fail "pw_wheelgen"; finish; }
with_nginx repo
lock_args=(--pyodide 0.27.7 --pyodide-index "$index" --index-url "http://127.0.0.1:$PORT/simple/"
           --find-links "http://127.0.0.1:$PORT/big/")
{ cat universe.txt; printf 'big%d\n' 0 1 2 3; } >requirements.txt
for i in $(seq 0 "$N"); do mkdir -p "p$i" && cp requirements.txt "p$i/"; done

# --- lock x8, cold shared cache -----------------------------------------------
export PWPKG_CACHE_DIR=$WORK/cache-lock
parallel "lock" "$PWPKG" lock "${lock_args[@]}"
for i in $(seq 2 "$N"); do
  cmp -s p1/pwpkg.lock "p$i/pwpkg.lock" && pass || fail "lock #$i differs from lock #1:
$(diff p1/pwpkg.lock "p$i/pwpkg.lock" | head -n 20)"
done
check_cache "after lock x$N"
# the same lock from the warm cache, alone
cd p0
run 0 "$PWPKG" lock "${lock_args[@]}"
cd "$WORK"
cp p0/pwpkg.lock pwpkg.lock
cmp -s pwpkg.lock p1/pwpkg.lock && pass || fail "a lock from the warm cache differs:
$(diff p1/pwpkg.lock pwpkg.lock | head -n 20)"
n_packages=$(grep -c '"sha256":' pwpkg.lock)
[ "$n_packages" -gt 20 ] && pass || fail "suspiciously small lock: $n_packages artifacts"
leftovers=$(find "$PWPKG_CACHE_DIR" p* -name '*.pwpkg-tmp-*' -o -name '*.part' | wc -l)
[ "$leftovers" = 0 ] && pass || fail "temporary files left: $leftovers"

# --- fetch x8 of the same lock, cold shared cache ----------------------------
export PWPKG_CACHE_DIR=$WORK/cache-fetch
for i in $(seq "$N"); do cp pwpkg.lock "p$i/pwpkg.lock"; done
: >nginx/access.log
parallel "fetch" "$PWPKG" --json fetch
for i in $(seq "$N"); do
  got=$(cd "p$i" && "$PWPKG" --json fetch --offline 2>&1) || fail "fetch #$i: not all in the cache"
  expect_contains "$got" "\"from_cache\": $n_packages" "fetch #$i: every artifact cached"
done
check_cache "after fetch x$N"
n=$(find "$PWPKG_CACHE_DIR/artifacts" -type f 2>/dev/null | wc -l || true)
[ "$n" = "$n_packages" ] && pass || fail "expected $n_packages cached artifacts, found $n"
n=$(find "$PWPKG_CACHE_DIR/tmp" -type f 2>/dev/null | wc -l || true)
[ "$n" = 0 ] && pass || fail "partial downloads left in the cache: $n"
# the server saw every artifact, and the processes shared the downloads
# rather than each taking all of them (a transfer can still be repeated
# when two processes race for the same file, never more than N times)
gets=$(grep -c '"GET /[^ ]*\.whl HTTP' nginx/access.log || true)
[ "$gets" -ge "$n_packages" ] && [ "$gets" -le $((n_packages * N)) ] && pass ||
  fail "the server saw $gets wheel downloads for $n_packages artifacts"
for big in 0 1 2 3; do
  grep -q "GET /big/big$big-1.0-py3-none-any.whl" nginx/access.log && pass ||
    fail "the server never saw big$big"
done

# --- lock x8 and fetch x8 together on one warm cache --------------------------
for i in $(seq "$N"); do rm -f "p$i/pwpkg.lock"; done
pids=()
for i in $(seq "$N"); do
  (cd "p$i" && exec timeout -s KILL 120 "$PWPKG" -q lock "${lock_args[@]}" >out 2>err) &
  pids+=($!)
  mkdir -p "f$i" && cp pwpkg.lock "f$i/"
  (cd "f$i" && exec timeout -s KILL 120 "$PWPKG" -q fetch >out 2>err) &
  pids+=($!)
done
for p in "${pids[@]}"; do
  rc=0
  wait "$p" || rc=$?
  [ "$rc" = 0 ] && pass || fail "a lock or fetch of the mixed run exited $rc"
done
pids=()
for i in $(seq "$N"); do
  cmp -s pwpkg.lock "p$i/pwpkg.lock" && pass || fail "mixed run: lock #$i differs"
done
check_cache "after the mixed run"

finish
