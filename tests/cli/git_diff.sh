#!/usr/bin/env bash
# pwpkg diff between git revisions (repositories made with libgit2), read
# from the object database with no checkout.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests
index=$(pyodide_index 0.27.7)
lock() { run 0 "$PWPKG" lock -q --pyodide 0.27.7 --pyodide-index "$index" --no-index; }

mkdir -p proj && cd proj
"$tools/pw_gitrepo" . init >/dev/null || fail "init"
printf 'six\nattrs\n' >requirements.txt
lock
"$tools/pw_gitrepo" . commit "first" requirements.txt pwpkg.lock >/dev/null || fail "commit 1"
"$tools/pw_gitrepo" . tag v1 || fail "tag v1"
printf 'six\npandas\n' >requirements.txt
lock
"$tools/pw_gitrepo" . commit "second" requirements.txt pwpkg.lock >/dev/null || fail "commit 2"
"$tools/pw_gitrepo" . tag v2 || fail "tag v2"

run 0 "$PWPKG" diff v1 v2
expect_contains "$OUT" "+ pandas 2.2.3 (added)" "added"
expect_contains "$OUT" "- attrs" "removed"
expect_contains "$OUT" "requirement added: pandas" "requirement added"
expect_contains "$OUT" "requirement removed: attrs" "requirement removed"
run 0 "$PWPKG" diff v1 v2 --format markdown
expect_contains "$OUT" '| `pandas` | added |' "markdown table"
run 0 "$PWPKG" --json diff v1 v2
expect_contains "$OUT" '"change": "added"' "json"

# HEAD against the working tree: nothing, then an edit
run 0 "$PWPKG" diff
expect_contains "$OUT" "no changes" "clean tree"
run 0 "$PWPKG" diff --exit-code
printf 'pandas\n' >requirements.txt
lock
run 1 "$PWPKG" diff --exit-code
expect_contains "$OUT" "~ six 1.16.0 (modified: requested)" "working tree change"
expect_contains "$OUT" "requirement removed: six" "working tree requirement"

# provenance: the commit the lock's content last changed at, and dirtiness
head=$("$tools/pw_gitrepo" . head)
got=$(lock_query pwpkg.lock "lock.provenance.commit + ' ' + lock.provenance.dirty")
[ "$got" = "$head true" ] && pass || fail "provenance after an edit: $got (HEAD $head)"
"$tools/pw_gitrepo" . commit "third" requirements.txt pwpkg.lock >/dev/null
# committing moved HEAD: the lock is still current and is not rewritten
cp pwpkg.lock before.lock
run 0 "$PWPKG" lock --check --pyodide 0.27.7 --pyodide-index "$index" --no-index
lock
cmp -s before.lock pwpkg.lock && pass || fail "a HEAD move rewrote the lock"

# unknown revisions and no repository are clear input errors
run 2 "$PWPKG" diff no-such-rev
expect_contains "$ERR" "no-such-rev" "unknown revision named"
cd "$WORK" && mkdir -p norepo && cd norepo && cp ../proj/pwpkg.lock .
run 2 "$PWPKG" diff HEAD
finish
