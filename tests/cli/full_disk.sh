#!/usr/bin/env bash
# Writing onto a full filesystem: bundle, lock -o and fetch fail with exit 3
# and a message naming the path and the OS error, and leave nothing
# half-written (no output, no staging directory, the previous lock
# byte-identical, only complete artifacts in the cache).
#
# The full filesystem is a 2 MiB tmpfs, mounted in a private mount namespace
# (unshare -m) so that it vanishes with the test whatever happens; without
# unshare, mounted directly (and unmounted on exit); without either, a
# file-size limit (ulimit -f with SIGXFSZ ignored) makes writes fail with
# EFBIG instead. The mechanism in use is printed; PWPKG_FULL_DISK_MODE=mount
# or ulimit forces a fallback.
if [ -z "${PWPKG_FULL_DISK_MODE:-}" ] && [ "$(id -u)" = 0 ] &&
   unshare -m --propagation private true 2>/dev/null; then
  PWPKG_FULL_DISK_MODE=namespace exec unshare -m --propagation private bash "$0" "$@"
fi
source "$(dirname "$0")/lib.bash"
# set -e ends the script at an unexpected failure; say where.
set -E
trap 'case $BASH_COMMAND in *failures*) ;; *) echo "FAIL: line $LINENO: $BASH_COMMAND" >&2 ;; esac' ERR
tools=$(dirname "$PWPKG")/../tests
index=$(pyodide_index 0.27.7)
export GIT_CEILING_DIRECTORIES=$(dirname "$WORK")

full=$WORK/full
mkdir -p "$full"
mode=${PWPKG_FULL_DISK_MODE:-mount}
mounted=""
if [ "$mode" != ulimit ] && mount -t tmpfs -o size=2m tmpfs "$full" 2>/dev/null; then
  mounted=1
else
  mode=ulimit
fi
# before lib.bash removes $WORK (run from outside the mount)
on_exit 'cd /; if [ -n "$mounted" ]; then umount "$full" 2>/dev/null || umount -l "$full" 2>/dev/null; fi'

case $mode in
  namespace) echo "mechanism: 2 MiB tmpfs in a private mount namespace (ENOSPC)"; enospc="No space left on device" ;;
  mount) echo "mechanism: 2 MiB tmpfs mounted directly (ENOSPC)"; enospc="No space left on device" ;;
  ulimit) echo "mechanism: ulimit -f 512 with SIGXFSZ ignored (EFBIG): mount not permitted here (or forced)"; enospc="File too large" ;;
esac

# on_full CMD...: runs CMD writing onto the full filesystem. Under the
# ulimit fallback every file the command writes is limited, not only those
# on $full.
on_full() {
  if [ "$mode" = ulimit ]; then
    (trap '' XFSZ; ulimit -f 512; exec "$@")
  else
    "$@"
  fi
}

# Only complete, content-addressed files directly under artifacts/.
check_artifacts() { # CACHE WHAT
  local bad
  bad=$(find "$1/artifacts" -type f -print0 2>/dev/null | xargs -0 -r sha256sum |
        awk '{ n = split($2, p, "/"); if ($1 != p[n] || p[n - 1] != "artifacts") print $2 }') || true
  [ -z "$bad" ] && pass || fail "$2: incomplete or corrupt artifacts: $bad"
}

# Four wheels of ~570 kB each, 8 MB installed: more than 2 MiB either way.
"$tools/pw_wheelgen" --name big --version 1.0 --bulk 4 --size 2000000 --out wheels >/dev/null ||
  { fail "pw_wheelgen"; finish; }
lock_args=(--pyodide 0.27.7 --pyodide-index "$index" --no-index --find-links wheels)
printf 'big%d\n' 0 1 2 3 >requirements.txt
run 0 "$PWPKG" -q lock "${lock_args[@]}"
run 0 "$PWPKG" -q fetch

# --- bundle onto the full filesystem -------------------------------------------
for format in dir zip; do
  out=$full/out-$format
  [ "$format" = zip ] && out=$full/out.zip
  run 3 on_full "$PWPKG" bundle --format "$format" -o "$out"
  expect_contains "$ERR" "$full/out" "$format bundle: the error names the path"
  expect_contains "$ERR" "$enospc" "$format bundle: the error names the OS error"
  left=$(ls -A "$full")
  [ -z "$left" ] && pass || fail "$format bundle on a full disk left: $left"
done
# and the bundle still works where there is room
run 0 "$PWPKG" -q bundle -o roomy

# --- lock -o onto the full filesystem --------------------------------------------
printf 'big0\n' >one.txt
run 0 "$PWPKG" -q lock "${lock_args[@]}" -r one.txt -o "$full/pwpkg.lock"
cp "$full/pwpkg.lock" old.lock
if [ "$mode" != ulimit ]; then
  # fill what is left; the lock is already there
  dd if=/dev/zero of="$full/filler" bs=64k 2>/dev/null || true
  [ "$(df --output=avail "$full" | tail -n 1 | tr -d ' ')" = 0 ] && pass || fail "the tmpfs is not full"
fi
run 3 on_full "$PWPKG" lock "${lock_args[@]}" -r requirements.txt -o "$full/pwpkg.lock"
expect_contains "$ERR" "$enospc" "lock: the error names the OS error"
[ "$mode" = ulimit ] || expect_contains "$ERR" "$full/pwpkg.lock" "lock: the error names the path"
cmp -s old.lock "$full/pwpkg.lock" && pass || fail "lock on a full disk changed the previous lock"
left=$(cd "$full" && ls -A | grep -v '^filler$\|^pwpkg.lock$' || true)
[ -z "$left" ] && pass || fail "lock on a full disk left: $left"
run 0 "$PWPKG" tree --lock "$full/pwpkg.lock"
rm -f "$full/filler"

# --- fetch into a cache on the full filesystem -------------------------------------
# Three wheels fit in 2 MiB, the fourth does not.
export PWPKG_CACHE_DIR=$full/cache
run 3 on_full "$PWPKG" fetch -j 1
expect_contains "$ERR" "$enospc" "fetch: the error names the OS error"
expect_contains "$ERR" "$full/cache" "fetch: the error names the path"
check_artifacts "$full/cache" "fetch on a full disk"
n=$(find "$full/cache/artifacts" -type f 2>/dev/null | wc -l || true)
[ "$n" -lt 4 ] && pass || fail "all four artifacts fitted: the disk was not full"
# a failed write is removed, not kept as a partial download: it could only
# be resumed onto the same full disk
left=$(find "$full/cache/tmp" -type f -printf '%f ')
[ -z "$left" ] && pass || fail "fetch on a full disk left in tmp/: $left"
# the same lock fetches fine into a cache with room
run 0 "$PWPKG" fetch --cache-dir "$WORK/cache2"
check_artifacts "$WORK/cache2" "fetch with room"

finish
