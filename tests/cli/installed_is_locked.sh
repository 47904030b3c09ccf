#!/usr/bin/env bash
# What is installed must be what was locked. An index whose PEP 658 metadata
# (the .whl.metadata beside a wheel) says something else than the wheel's own
# METADATA makes `lock` record the lie (it cannot know yet); `fetch` and
# `bundle`, which have the wheel, compare and refuse, naming each
# difference. A truthful index passes.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests
index27=$(pyodide_index 0.27.7)
printf 'app 1.0 -- helper\nhelper 1.0\nintruder 1.0\n' >universe.txt
"$tools/pw_mkindex" repo universe.txt || { fail "pw_mkindex"; finish; }
with_nginx repo
echo app >requirements.txt
lock() { "$PWPKG" -q lock --pyodide 0.27.7 --pyodide-index "$index27" --index-url "http://127.0.0.1:$PORT/simple/" --reset-options "$@"; }

# the truth: lock, fetch and bundle agree
lock || fail "lock"
run 0 "$PWPKG" fetch
run 0 "$PWPKG" bundle -o truthful

# the lie: app's PEP 658 metadata swaps helper for intruder; its hash on
# the page is updated, so the metadata file itself verifies
meta=repo/files/app-1.0-py3-none-any.whl.metadata
sed -i 's/^Requires-Dist: helper.*/Requires-Dist: intruder/' "$meta"
grep -q "Requires-Dist: intruder" "$meta" && pass || fail "the metadata was not rewritten"
new=$(sha256sum "$meta" | cut -c1-64)
sed -i -E "s/(data-(core|dist-info)-metadata=\"sha256=)[0-9a-f]+/\\1$new/g" repo/simple/app/index.html
rm -rf "$PWPKG_CACHE_DIR/http" pwpkg.lock
lock || fail "lock with lying metadata"
expect_contains "$(lock_query pwpkg.lock 'lock.packages.map(p=>p.name).join(" ")')" "intruder" "the lock recorded the lie (it cannot know yet)"
run 1 "$PWPKG" fetch
expect_contains "$ERR" "app-1.0-py3-none-any.whl: its METADATA requires helper, which the lock does not give it" "fetch names the missing dependency"
expect_contains "$ERR" "the lock says it requires intruder; its METADATA does not" "fetch names the added one"
run 1 "$PWPKG" bundle -o lied
expect_contains "$ERR" "installed is not what was locked" "bundle refuses"
[ ! -e lied ] && pass || fail "a bundle was written"
run 1 "$PWPKG" bundle --format mirror -o lied-mirror
[ ! -e lied-mirror ] && pass || fail "a mirror with the lie was written"
finish
