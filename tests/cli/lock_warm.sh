#!/usr/bin/env bash
# A warm lock against an index whose pages have no HTTP lifetime (nginx:
# ETag and Last-Modified, no Cache-Control): the closure the cache knows is
# revalidated in one batch before speculation (resolver/provider.c,
# pw_provider_revalidate_closure). What this holds it to: each page of a
# 30-package chain is asked for exactly once and answered 304, the lock is
# byte-identical to the cold one, and when the index changed between the
# runs the warm lock follows the index, not the cache: it equals a cold lock
# of the changed index made in an empty cache. A warm lock from a folder of
# wheels (--find-links DIR) compares each wheel with the copy the store
# holds instead of copying it again, and copies it when they differ.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests
index=$(pyodide_index 0.27.7)
N=30
chain() { # EXTRA_LINES...: c0 -> c1 -> ... -> c(N-1), then the extra lines
  for i in $(seq 0 $((N - 1))); do
    if [ "$i" -lt $((N - 1)) ]; then echo "c$i 1.0 -- c$((i + 1))"; else echo "c$i 1.0"; fi
  done
  for l in "$@"; do echo "$l"; done
}
chain >spec.txt
"$tools/pw_mkindex" repo spec.txt >/dev/null || { fail "pw_mkindex"; finish; }
with_nginx repo
echo c0 >requirements.txt
lock() { # CACHE OUT
  run 0 "$PWPKG" lock -q -j 8 --pyodide 0.27.7 --pyodide-index "$index" \
    --index-url "http://127.0.0.1:$PORT/simple/" --cache-dir "$1" -o "$2"
}

lock cache cold.lock
n=$(lock_query cold.lock 'lock.packages.length')
[ "$n" = "$N" ] && pass || fail "cold lock: $n packages, expected $N"
: >nginx/access.log
lock cache warm.lock
got=$(nginx_requests '/simple/' $N)
[ "$got" -eq "$N" ] && pass || fail "warm lock made $got page requests, expected $N (each page once)"
total=$(grep -c . nginx/access.log || true)
[ "$total" -eq "$N" ] && pass || fail "warm lock made $total requests, expected $N"
got=$(grep -c '" 304 ' nginx/access.log || true)
[ "$got" -eq "$N" ] && pass || fail "warm lock: $got of $N pages answered 304: $(head -3 nginx/access.log)"
cmp -s cold.lock warm.lock && pass || fail "warm lock differs from the cold one"

# The index changes: c10 2.0 needs d0 instead of c11. The cached closure
# still leads to c11..c29, but the lock must follow the index.
sleep 1 # a new mtime, so that nginx's validators change
chain "c10 2.0 -- d0" "d0 1.0" >spec.txt
rm -rf repo && "$tools/pw_mkindex" repo spec.txt >/dev/null || { fail "pw_mkindex (changed)"; finish; }
lock cache changed-warm.lock
lock fresh-cache changed-cold.lock
cmp -s changed-warm.lock changed-cold.lock && pass || fail "warm lock after the index changed differs from a cold one"
v=$(lock_query changed-warm.lock "lock.packages.find(p => p.name === 'c10').version")
[ "$v" = 2.0 ] && pass || fail "c10 locked at $v, expected 2.0"
n=$(lock_query changed-warm.lock 'lock.packages.length')
[ "$n" = 12 ] && pass || fail "changed index: $n packages locked, expected 12 (c0..c10, d0)"

# --- a folder of wheels ---------------------------------------------------
mkdir wheels links && cd links
for name in la lb; do
  "$tools/pw_wheelgen" --name "$name" --version 1.0 --out ../wheels >/dev/null || fail "pw_wheelgen $name"
done
printf 'la\nlb\n' >requirements.txt
lock_links() { # OUT
  run 0 "$PWPKG" lock -q --pyodide 0.27.7 --pyodide-index "$index" --no-index \
    --find-links ../wheels --cache-dir ../links-cache -o "$1"
}
stored() { # NAME: the store's copy of the wheel NAME, by its digest
  echo "../links-cache/artifacts/$(sha256sum ../wheels/"$1"-1.0-*.whl | cut -c1-64)"
}
inode() { stat -c %i "$1"; }
lock_links cold.lock
la=$(stored la) lb=$(stored lb)
[ -f "$la" ] && [ -f "$lb" ] && pass || fail "cold lock from a folder: wheels not in the store"
before_la=$(inode "$la") before_lb=$(inode "$lb")
lock_links warm.lock
cmp -s cold.lock warm.lock && pass || fail "warm lock from a folder differs from the cold one"
[ "$(inode "$la")" = "$before_la" ] && [ "$(inode "$lb")" = "$before_lb" ] && pass ||
  fail "warm lock from a folder copied the wheels into the store again"
# A damaged stored copy (same size) is not trusted: the wheel is copied again.
printf 'X' | dd of="$la" bs=1 seek=40 conv=notrunc status=none
lock_links damaged.lock
cmp -s cold.lock damaged.lock && pass || fail "lock over a damaged stored copy differs"
[ "$(sha256sum "$la" | cut -c1-64)" = "$(basename "$la")" ] && pass ||
  fail "the damaged stored copy is still there"
[ "$(inode "$lb")" = "$before_lb" ] && pass || fail "the sound stored copy was replaced"
# A wheel rebuilt in place with other bytes is locked with its new digest.
"$tools/pw_wheelgen" --name la --version 1.0 --file la/extra.py=X=1 --out ../wheels >/dev/null ||
  fail "pw_wheelgen la (rebuilt)"
lock_links rebuilt.lock
new_la=$(sha256sum ../wheels/la-1.0-*.whl | cut -c1-64)
expect_contains "$(cat rebuilt.lock)" "$new_la" "lock of a rebuilt wheel"
[ -f "../links-cache/artifacts/$new_la" ] && pass || fail "the rebuilt wheel is not in the store"
cd ..
finish
