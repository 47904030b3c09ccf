#!/usr/bin/env bash
# A server that ignores Range (nginx `max_ranges 0`: 200 with the whole
# file): the 200 to the tail request of a wheel without PEP 658 metadata is
# the wheel, hashed, stored and read; it is not downloaded a second time.
# Counted in nginx's access log: one request per wheel during the lock (not
# two), none for the fetch and bundle after it. The same lock through the
# normal location (Range honoured) reads the tails (206), then downloads
# each wheel once for its digest, which a find-links page does not give.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests
index=$(pyodide_index 0.27.7)
N=6
mkdir -p repo/files
# 300 kB modules: the 65 KiB tail is not the whole file
"$tools/pw_wheelgen" --name pkg --version 1.0 --bulk $N --size 300000 --out repo/files >/dev/null ||
  { fail "pw_wheelgen"; finish; }
with_nginx repo
seq 0 $((N - 1)) | sed 's/^/pkg/' >requirements.txt


# the location really ignores Range
code=$(curl -s -o /dev/null -w '%{http_code}' -r -100 "http://127.0.0.1:$PORT/norange/files/pkg0-1.0-py3-none-any.whl")
[ "$code" = 200 ] && pass || fail "/norange/ answered $code to a Range request, expected 200"
: >nginx/access.log

run 0 "$PWPKG" lock -q --pyodide 0.27.7 --pyodide-index "$index" --no-index \
  -f "http://127.0.0.1:$PORT/norange/files/" --cache-dir cache
got=$(nginx_requests '\.whl' $N)
[ "$got" -eq "$N" ] && pass || fail "lock made $got wheel requests for $N wheels, expected $N (one each)"
got=$(grep -c ' 200 ' nginx/access.log || true)
total=$(grep -c . nginx/access.log || true)
[ "$got" -eq "$total" ] && pass || fail "lock: $((total - got)) of $total responses were not 200"
[ "$total" -eq $((N + 1)) ] && pass || fail "lock made $total requests, expected $((N + 1)) (the page, then one per wheel)"
n=$(lock_query pwpkg.lock 'lock.packages.length')
[ "$n" = "$N" ] && pass || fail "locked $n packages, expected $N"

# every wheel is in the store under its digest: fetch and bundle ask nothing
: >nginx/access.log
run 0 "$PWPKG" fetch -q --cache-dir cache
run 0 "$PWPKG" bundle -q --cache-dir cache -o site-out
sleep 0.3
got=$(grep -c . nginx/access.log || true)
[ "$got" -eq 0 ] && pass || fail "fetch and bundle after the lock made $got requests, expected 0"
for f in cache/artifacts/*; do
  [ "$(basename "$f")" = "$(sha256sum "$f" | cut -c1-64)" ] || fail "$f does not hash to its name"
done
[ -z "$(ls cache/tmp)" ] && pass || fail "temporary files left in cache/tmp: $(ls cache/tmp)"

# the same through the location that honours Range: tails only (206)
: >nginx/access.log
run 0 "$PWPKG" lock -q --pyodide 0.27.7 --pyodide-index "$index" --no-index \
  -f "http://127.0.0.1:$PORT/files/" --cache-dir cache2 --refresh
got=$(nginx_requests ' 206 ' $N)
[ "$got" -ge "$N" ] && pass || fail "lock with ranges: $got partial responses, expected at least $N"
whole=$(grep '\.whl' nginx/access.log | grep -c ' 200 ' || true)
# a find-links page gives no sha256: the lock downloads each wheel once to
# record its digest, ranges or not
[ "$whole" -eq "$N" ] && pass || fail "lock with ranges downloaded $whole wheels whole, expected $N"
finish
