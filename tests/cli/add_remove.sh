#!/usr/bin/env bash
# pwpkg add / remove / outdated: the inputs edited as a person would (add
# then remove gives the file back byte for byte), re-locked; a failed add
# changes nothing; outdated lists what a fresh resolution would raise.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests
index=$(pyodide_index 0.27.7)

cat >universe.txt <<'SPEC'
app 1.0 -- lib
lib 1.0
extra 1.0
extra 2.0 -- missing-dep
SPEC
"$tools/pw_mkindex" repo universe.txt || { fail "pw_mkindex"; finish; }
opts=(--pyodide 0.27.7 --pyodide-index "$index" --no-index --find-links repo/files)
locked() { lock_query pwpkg.lock "lock.packages.map(p => p.name + '=' + p.version).join(' ')"; }

# requirements.txt, with comments and an odd layout kept
printf '# the app\napp  # main\n\n--pre\n' >requirements.txt
cp requirements.txt original.txt
run 0 "$PWPKG" lock "${opts[@]}"
run 0 "$PWPKG" add 'extra<2' six "${opts[@]}"
expect_contains "$ERR" "Added extra<2 to requirements.txt" "add summary"
[ "$(cat requirements.txt)" = "$(printf '# the app\napp  # main\n\n--pre\nextra<2\nsix')" ] && pass ||
  fail "requirements after add: $(cat requirements.txt)"
[ "$(locked)" = "app=1.0 extra=1.0 lib=1.0 six=1.16.0" ] && pass || fail "lock after add: $(locked)"
run 0 "$PWPKG" remove extra SIX "${opts[@]}"
cmp -s requirements.txt original.txt && pass || fail "add then remove is not byte-identical: $(cat requirements.txt)"
[ "$(locked)" = "app=1.0 lib=1.0" ] && pass || fail "lock after remove: $(locked)"

# a failed add changes nothing: the input, the lock
cp pwpkg.lock before.lock
run 1 "$PWPKG" add 'extra>=2' "${opts[@]}"
expect_contains "$ERR" "requirements.txt left unchanged" "failed add says so"
cmp -s requirements.txt original.txt && pass || fail "failed add changed requirements.txt"
cmp -s pwpkg.lock before.lock && pass || fail "failed add changed the lock"
run 2 "$PWPKG" add 'extra>=' "${opts[@]}"
cmp -s requirements.txt original.txt && pass || fail "bad spec changed requirements.txt"
run 2 "$PWPKG" remove nothere "${opts[@]}"
expect_contains "$ERR" "nothere is not a requirement here" "remove of an absent name"
run 2 "$PWPKG" add "${opts[@]}"
expect_contains "$ERR" "which requirements?" "add without names"
run 2 "$PWPKG" add six --group dev "${opts[@]}"
expect_contains "$ERR" "--group and --optional edit pyproject.toml" "group on requirements.txt"

# the input the lock recorded (-r elsewhere) is the one add edits, as lock reads it
mkdir recorded && cp -r repo recorded/ && mkdir recorded/reqs && printf 'app\n' >recorded/reqs/base.txt
printf 'lib\n' >recorded/requirements.txt
cd recorded
run 0 "$PWPKG" lock -r reqs/base.txt "${opts[@]}"
run 0 "$PWPKG" add six "${opts[@]}"
expect_contains "$ERR" "Added six to reqs/base.txt" "add edits the recorded input"
cd ..
[ "$(cat recorded/reqs/base.txt)" = "$(printf 'app\nsix')" ] && pass ||
  fail "recorded input after add: $(cat recorded/reqs/base.txt)"
[ "$(cat recorded/requirements.txt)" = "lib" ] && pass || fail "add edited requirements.txt beside the lock"
# the recorded input gone: add names it, exit 2, and writes nothing
cd recorded
mv reqs/base.txt reqs/moved.txt
cp pwpkg.lock before.lock
run 2 "$PWPKG" add attrs "${opts[@]}"
expect_contains "$ERR" "reqs/base.txt" "missing recorded input named"
cmp -s pwpkg.lock before.lock && pass || fail "add with a missing input changed the lock"
[ ! -e reqs/base.txt ] && pass || fail "add with a missing input created it"
[ "$(cat requirements.txt)" = "lib" ] && pass || fail "add with a missing input edited requirements.txt"
cd ..

# pyproject.toml: dependencies, a group, an extra; the template's own layout
mkdir proj && cd proj
cat >pyproject.toml <<'TOML'
[project]
name = "worker"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = [
    "app",  # the main one
]

[project.optional-dependencies]
speed = []

[dependency-groups]
dev = ["workers-py", "workers-runtime-sdk"]
TOML
cp pyproject.toml ../original.toml
popts=(--pyodide 0.27.7 --pyodide-index "$index" --no-index --find-links ../repo/files)
run 0 "$PWPKG" lock "${popts[@]}"
run 0 "$PWPKG" add six "${popts[@]}"
expect_contains "$(cat pyproject.toml)" '    "app",  # the main one
    "six",
]' "pyproject add keeps style"
run 0 "$PWPKG" add extra --optional speed "${popts[@]}"
expect_contains "$(cat pyproject.toml)" 'speed = ["extra"]' "add --optional"
lock_query pwpkg.lock "lock.packages.map(p => p.name).join(' ')" | grep -q extra && pass || fail "extra not locked"
run 0 "$PWPKG" remove extra --optional speed "${popts[@]}"
run 0 "$PWPKG" remove six "${popts[@]}"
cmp -s pyproject.toml ../original.toml && pass || fail "pyproject add/remove not byte-identical: $(diff ../original.toml pyproject.toml)"
cd ..

# outdated: nothing, then a newer lib appears on the find-links
printf 'app\n' >requirements.txt
run 0 "$PWPKG" lock "${opts[@]}"
run 0 "$PWPKG" outdated "${opts[@]}"
expect_contains "$ERR" "are the newest the requirements allow" "nothing outdated"
printf 'lib 2.0\n' >newer.txt
"$tools/pw_mkindex" newer newer.txt && cp newer/files/*.whl repo/files/
run 0 "$PWPKG" outdated "${opts[@]}"
expect_contains "$OUT" "lib" "outdated lists lib"
expect_contains "$OUT" "1.0" "outdated shows the locked version"
expect_contains "$OUT" "2.0" "outdated shows the available version"
run 0 "$PWPKG" --json outdated "${opts[@]}"
got=$(node -e "const j=JSON.parse(process.argv[1]); console.log(j.outdated.map(e => e.name+':'+e.locked+'>'+e.available).join(','))" "$OUT")
[ "$got" = "lib:1.0>2.0" ] && pass || fail "outdated --json: $got"
[ "$(locked)" = "app=1.0 lib=1.0" ] && pass || fail "outdated must not write the lock: $(locked)"
finish
