#!/usr/bin/env bash
# kill -9 in the middle of a fetch, a lock and a bundle. Whenever the kill
# lands, what pwpkg leaves behind must be usable: every cached artifact
# hashes to its name, pwpkg.lock holds its old bytes or a complete lock,
# the bundle is absent or complete (verify --bundle passes), no temporary
# file survives next to an output once the command has been run again, and
# that second run succeeds.
#
# When a kill lands is a matter of timing; what is asserted is not: every
# outcome (killed before, during or after the work) must satisfy the same
# checks. Each loop also asserts that some kill did land mid-work, so the
# test cannot pass by killing only finished processes.
source "$(dirname "$0")/lib.bash"
# set -e ends the script at an unexpected failure; say where.
set -E
trap 'case $BASH_COMMAND in *failures*) ;; *) echo "FAIL: line $LINENO: $BASH_COMMAND" >&2 ;; esac' ERR
tools=$(dirname "$PWPKG")/../tests
index=$(pyodide_index 0.27.7)
# The lock records the commit of the git work tree around it; the scratch
# directory sits inside pwpkg's own checkout, whose HEAD and dirtiness move
# while the test runs.
export GIT_CEILING_DIRECTORIES=$(dirname "$WORK")

victim=""
on_exit 'wait 2>/dev/null'
on_exit '[ -z "$victim" ] || kill -9 "$victim" 2>/dev/null'

# Every file under artifacts/ is content-addressed: artifacts/<sha256> (flat).
check_cache() { # WHAT
  local bad
  bad=$(find "$PWPKG_CACHE_DIR/artifacts" -type f -print0 2>/dev/null | xargs -0 -r sha256sum |
        awk '{ n = split($2, p, "/"); if ($1 != p[n] || p[n - 1] != "artifacts") print $2 }') || true
  [ -z "$bad" ] && pass || fail "$1: corrupt cache entries: $bad"
}

# Temporary files next to an output: pw_write_file_atomic's FILE.pwpkg-tmp-XXXXXX
# and the bundle's staging directory OUT.pwpkg-tmp-XXXXXX (and what libzip or a
# replaced directory add to its name).
leftovers() { # DIR
  find "$1" -maxdepth 1 -name '*.pwpkg-tmp-*' -printf '%f\n' | sort | tr '\n' ' '
}

# kill_during SECONDS CMD...: runs CMD in the background and kills it with
# SIGKILL after SECONDS; sets $killed to 1 when the kill found it running.
# A command that finished first must have succeeded.
kill_during() {
  local delay=$1 rc=0
  shift
  "$@" >"$WORK/victim.out" 2>&1 &
  victim=$!
  sleep "$delay"
  killed=0
  kill -9 "$victim" 2>/dev/null && killed=1
  wait "$victim" || rc=$?
  victim=""
  if [ "$killed" = 0 ] && [ "$rc" != 0 ]; then
    fail "exit $rc before the kill: $* $(cat "$WORK/victim.out")"
  fi
}

# --- a fetch killed mid-transfer -------------------------------------------
# Ten ~290 kB wheels behind the server's slow path (16 pieces, 20 ms apart),
# one transfer at a time: a fetch takes over 3 s, most of it mid-body.
"$tools/pw_wheelgen" --name big --version 1.0 --bulk 10 --size 1000000 --out wheels >/dev/null ||
  { fail "pw_wheelgen"; finish; }
{
  echo '<!DOCTYPE html><html><body>'
  for f in wheels/*.whl; do echo "<a href=\"${f##*/}\">${f##*/}</a>"; done
  echo '</body></html>'
} >wheels/links.html
with_test_server wheels --idle-timeout 300
links="http://127.0.0.1:$TEST_SERVER_PORT/fault/slow/links.html"
lock_args=(--pyodide 0.27.7 --pyodide-index "$index" --no-index --find-links "$links")

printf 'big%d\n' 0 1 2 3 4 5 6 7 8 9 >requirements.txt
run 0 "$PWPKG" -q lock "${lock_args[@]}"
cp pwpkg.lock fetch.lock
rm -rf "$PWPKG_CACHE_DIR"

echo "[${SECONDS}s] fetch kill loop"
mid_transfer=0
for delay in 0.5 1.0 1.6 2.3; do
  kill_during "$delay" "$PWPKG" -q fetch -j 1
  check_cache "fetch killed after ${delay}s"
  # a partial download is kept for resuming, but only under tmp/
  if [ "$killed" = 1 ] && [ -n "$(find "$PWPKG_CACHE_DIR/tmp" -name '*.part' -size +0 2>/dev/null)" ]; then
    mid_transfer=1
  fi
  cmp -s pwpkg.lock fetch.lock && pass || fail "fetch changed pwpkg.lock"
done
[ "$mid_transfer" = 1 ] && pass || fail "no kill landed in the middle of a transfer"
run 0 "$PWPKG" fetch -j 1
expect_contains "$ERR" "Fetched 10 artifacts" "fetch after the kills"
check_cache "fetch rerun"
n=$(find "$PWPKG_CACHE_DIR/artifacts" -type f 2>/dev/null | wc -l || true)
[ "$n" = 10 ] && pass || fail "expected 10 cached artifacts, found $n"
# the rerun resumed or dropped every partial file it found
n=$(find "$PWPKG_CACHE_DIR/tmp" -type f 2>/dev/null | wc -l || true)
[ "$n" = 0 ] && pass || fail "partial downloads left in the cache after the rerun: $n"
[ -z "$(leftovers .)" ] && pass || fail "temporary files next to pwpkg.lock: $(leftovers .)"
# the lock is still current and every artifact matches it (this also puts
# the find-links page back in the cache for the offline checks below)
run 0 "$PWPKG" -q verify "${lock_args[@]}"

# --- a bundle killed mid-build ------------------------------------------------
# 10 MB of sources to unpack, hash and gzip (zip: also deflate). The first
# kill meets no output, the second one a complete bundle; either way the
# output must be absent or complete: verify --bundle rebuilds the bundle
# from the cache and compares it byte for byte.
bundle_intact() { # OUT WHAT
  if [ -e "$1" ]; then
    run 0 "$PWPKG" -q verify "${lock_args[@]}" --offline --bundle "$1" || fail "$2: half-written bundle"
  else
    pass
  fi
}
# kill_when_staged OUT SECONDS CMD...: like kill_during, but the clock starts
# when a staging directory for OUT that was not there before appears, so
# the kill lands while the bundle is being built however slow the machine
# is. With SECONDS 0 it lands just after the build began.
kill_when_staged() {
  local out=$1 delay=$2 before rc=0 f new=""
  shift 2
  before=" $(leftovers .) "
  "$@" >"$WORK/victim.out" 2>&1 &
  victim=$!
  while [ -z "$new" ] && kill -0 "$victim" 2>/dev/null; do
    for f in "$out".pwpkg-tmp-*; do
      [ -e "$f" ] && [[ "$before" != *" $f "* ]] && new=$f
    done
  done
  [ "$delay" = 0 ] || sleep "$delay"
  killed=0
  kill -9 "$victim" 2>/dev/null && killed=1
  wait "$victim" || rc=$?
  victim=""
  # kill also succeeds on a process that has exited and is not yet reaped:
  # only a staging directory that outlived the kill proves it was mid-build
  [ -n "$new" ] && [ -e "$new" ] || killed=0
  if [ "$killed" = 0 ] && [ "$rc" != 0 ]; then
    fail "exit $rc before the kill: $* $(cat "$WORK/victim.out")"
  fi
}
for format in dir zip; do
  out=out-$format
  [ "$format" = zip ] && out=out.zip
  # The first kill lands as the build starts and meets no output; the
  # second aims at the middle of one uninterrupted build, timed here (a
  # zip bundle copies the wheels' deflated members and takes a fraction of
  # a dir bundle's time), over a complete previous bundle. A loaded
  # machine can make the second miss; the first cannot.
  t0=$(date +%s%N)
  run 0 "$PWPKG" -q bundle --format "$format" -o "probe-$out"
  build_s=$(awk -v ns="$(($(date +%s%N) - t0))" 'BEGIN { print ns / 1e9 }')
  rm -rf probe-*
  mid_build=0
  kill_when_staged "$out" 0 "$PWPKG" -q bundle --format "$format" -o "$out"
  [ "$killed" = 1 ] && mid_build=1
  bundle_intact "$out" "$format bundle killed as it started"
  [ ! -e "$out" ] && pass || fail "$format bundle killed as it started: an output appeared"
  run 0 "$PWPKG" -q bundle --format "$format" -o "$out"
  delay=$(awk -v s="$build_s" 'BEGIN { print 0.5 * s }')
  kill_when_staged "$out" "$delay" "$PWPKG" -q bundle --format "$format" -o "$out"
  bundle_intact "$out" "$format bundle killed after ${delay}s over a previous one"
  [ -e "$out" ] && pass || fail "$format bundle killed over a previous one: the previous bundle is gone"
  check_cache "$format bundle killed"
  [ "$mid_build" = 1 ] && pass || fail "no kill landed in the middle of a $format bundle"
  # a rerun succeeds and takes the staging directories of killed runs away
  run 0 "$PWPKG" -q bundle --format "$format" -o "$out"
  got=$(leftovers .)
  [ -z "$got" ] && pass || fail "$format bundle: temporary files left after a rerun: $got"
  rm -rf ./*.pwpkg-tmp-*
done

# --- a lock killed before, during and after it writes -------------------------
# A generated universe (200 projects x 4 versions, deep chains) in a local
# index: a cold lock takes about a second, a warm one tens of milliseconds.
echo "[${SECONDS}s] generating the universe"
"$tools/pw_mkindex" uni --universe 200 4 7 uni-requirements.txt >/dev/null || { fail "pw_mkindex"; finish; }
mkdir -p locks && cd locks
uni_args=(--pyodide 0.27.7 --pyodide-index "$index" --index-url ../uni/simple/)
head -n 3 ../uni-requirements.txt >requirements.txt
run 0 "$PWPKG" -q lock "${uni_args[@]}"
cp pwpkg.lock old.lock
cp ../uni-requirements.txt requirements.txt
export PWPKG_CACHE_DIR=$WORK/uni-cache
echo "[${SECONDS}s] locking"
start=$(date +%s%N)
run 0 "$PWPKG" -q lock "${uni_args[@]}"
cold_ms=$(( ($(date +%s%N) - start) / 1000000 ))
cp pwpkg.lock new.lock
cmp -s old.lock new.lock && fail "the two locks should differ" || pass

# Kill points spread over a cold run (cache emptied first) up to just past
# its end, then over a warm run, whose time is mostly the write.
delays=()
for pct in 10 60 90 97 103; do
  delays+=("cold:$(awk -v ms="$cold_ms" -v pct="$pct" 'BEGIN { printf "%.3f", ms * pct / 100000 }')")
done
for ms in 010 030 050 080; do delays+=("warm:0.$ms"); done
echo "[${SECONDS}s] kill loop: ${delays[*]}"
killed_lock=0
for point in "${delays[@]}"; do
  kind=${point%%:*} delay=${point#*:}
  cp old.lock pwpkg.lock
  [ "$kind" = cold ] && rm -rf "$PWPKG_CACHE_DIR"
  kill_during "$delay" "$PWPKG" -q lock "${uni_args[@]}"
  [ "$killed" = 1 ] && killed_lock=1
  if cmp -s pwpkg.lock old.lock || cmp -s pwpkg.lock new.lock; then
    pass
  else
    fail "lock killed after ${delay}s ($kind): pwpkg.lock is neither the old nor the new lock:
$(diff new.lock pwpkg.lock | head -n 20)"
  fi
  run 0 "$PWPKG" tree
  check_cache "lock killed after ${delay}s ($kind)"
  # the rerun completes the lock and leaves no temporary file behind
  run 0 "$PWPKG" -q lock "${uni_args[@]}"
  cmp -s pwpkg.lock new.lock && pass || fail "lock rerun after a kill at ${delay}s differs:
$(diff new.lock pwpkg.lock | head -n 20)"
  got=$(leftovers .)
  [ -z "$got" ] && pass || fail "lock killed after ${delay}s ($kind): temporary files left: $got"
  rm -f ./*.pwpkg-tmp-*
done
[ "$killed_lock" = 1 ] && pass || fail "no kill landed while pwpkg lock was running"

finish
