#!/usr/bin/env bash
# The lock remembers how it was made: a lock made with options is re-checked
# by `lock --check` and `verify` with no flags; a flag given again overrides
# and is reported; the drifts a CI gate must catch are each named; a password
# in an index URL reaches no file and no output; an old lock (schema 1) is
# still read.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests
index27=$(pyodide_index 0.27.7)

cat >universe.txt <<'SPEC'
webapp 1.0 upload=2024-01-01T00:00:00Z -- router>=1
webapp 2.0b1 upload=2024-01-01T00:00:00Z -- router>=1
router 1.0 upload=2024-01-01T00:00:00Z
router 2.0 upload=2025-06-01T00:00:00Z
six 99.0 upload=2024-01-01T00:00:00Z
SPEC
"$tools/pw_mkindex" repo universe.txt || { fail "pw_mkindex"; finish; }
printf 'extra 1.0 upload=2024-01-01T00:00:00Z\n' >extra.txt
"$tools/pw_mkindex" repo/second extra.txt || { fail "pw_mkindex second"; finish; }
printf 'localonly 1.0\n' >local.txt
"$tools/pw_mkindex" links-src local.txt || { fail "pw_mkindex links"; finish; }
with_nginx repo

mkdir -p project/release project/wheels
cp "$index27" project/release/pyodide-lock.json
cp links-src/files/*.whl project/wheels/
touch -d 2024-01-01T00:00:00Z project/wheels/*.whl # find-links files are as old as their mtime
cd project
# localonly is only in --find-links wheels (no upload times: --exclude-newer
# leaves it out), so the recorded find-links matters only as a path
printf 'webapp\nextra\nsix\n' >requirements.txt
secret_url="http://ci-user:s3cr3t-token@127.0.0.1:$PORT/simple-json/"
flags=(--pyodide 0.27.7 --pyodide-index release --index-url "$secret_url"
       --extra-index-url "http://127.0.0.1:$PORT/second/simple-json/" --find-links wheels --pre
       --exclude-newer 2025-01-01 --index-strategy unsafe-best-match --from-index six)

run 0 "$PWPKG" lock "${flags[@]}" || finish
lock_text=$(cat pwpkg.lock)
expect_contains "$lock_text" '"pyodide": "0.27.7"' "release choice recorded"
expect_contains "$lock_text" '"pyodide_index": "release/pyodide-lock.json"' "release index recorded relative to the lock (a folder as its file)"
expect_contains "$lock_text" "\"index_url\": \"http://127.0.0.1:$PORT/simple-json/\"" "index URL recorded without credentials"
expect_contains "$lock_text" '"find_links": [' "find-links recorded"
expect_contains "$lock_text" '"wheels"' "find-links relative to the lock"
expect_contains "$lock_text" '"exclude_newer": "2025-01-01T00:00:00Z"' "exclude-newer recorded"
expect_contains "$lock_text" '"index_strategy": "unsafe-best-match"' "index strategy recorded"
expect_contains "$lock_text" '"pre": true' "pre recorded"
expect_contains "$lock_text" '"from_index": [' "from-index recorded"
expect_contains "$lock_text" '"lock_version": 2' "schema 2"
# what --exclude-newer and --pre chose
expect_contains "$(lock_query pwpkg.lock 'lock.packages.map(p=>p.name+" "+p.version).join(",")')" \
  "router 1.0" "exclude-newer applied"
expect_contains "$(lock_query pwpkg.lock 'lock.packages.map(p=>p.name+" "+p.version).join(",")')" \
  "webapp 2.0b1" "pre applied"

# deterministic: the same options give the same bytes
cp pwpkg.lock first.lock
run 0 "$PWPKG" lock "${flags[@]}" && cmp -s first.lock pwpkg.lock && pass || fail "lock not byte-identical"

# no flags: lock --check, verify and a plain lock repeat the resolution
run 0 "$PWPKG" lock --check && expect_contains "$ERR" "Up to date" "lock --check with no flags"
run 0 "$PWPKG" verify && expect_contains "$OUT$ERR" "0 problems" "verify with no flags"
run 0 "$PWPKG" lock && cmp -s first.lock pwpkg.lock && pass || fail "plain lock changed the lock"
# from another directory, --lock paths are the lock's
cd ..
run 0 "$PWPKG" lock --check -o project/pwpkg.lock
run 0 "$PWPKG" verify -o project/pwpkg.lock
cd project

# the same index URL with other credentials is the same index
run 0 "$PWPKG" lock --check --index-url "http://someone:else@127.0.0.1:$PORT/simple-json/"
expect_not_contains "$ERR" "given; the lock was made" "credentials alone are no change"

# a flag given overrides the recorded one, and the output says so
run 1 "$PWPKG" lock --check --exclude-newer 2026-01-01
expect_contains "$ERR" "--exclude-newer 2026-01-01T00:00:00Z given; the lock was made with --exclude-newer 2025-01-01T00:00:00Z" "override reported"
expect_contains "$ERR" "option + --exclude-newer 2026-01-01T00:00:00Z" "changed option named in the staleness"
# locked versions are preferred (as uv does): a newer upstream file is no drift
expect_not_contains "$ERR" "router 1.0 -> 2.0" "pins kept"

# a changed requirement is named
cp requirements.txt requirements.bak
echo 'router<2' >>requirements.txt
run 1 "$PWPKG" lock --check && expect_contains "$ERR" "requirement + router<2" "changed requirement named"
run 1 "$PWPKG" verify && expect_contains "$OUT" "requirements.txt:4: lock: requirement router<2 is not in pwpkg.lock" "verify names it at its line"
run 1 "$PWPKG" verify --format github
expect_contains "$OUT" "::error file=requirements.txt,line=4,title=pwpkg verify%3A lock::requirement router<2 is not in pwpkg.lock" "GitHub annotation"
expect_contains "$OUT" "::error file=pwpkg.lock," "the pin it changes is annotated in the lock"
run 2 "$PWPKG" verify --format sarif && expect_contains "$ERR" "--format takes text or github" "unknown format"
cp requirements.bak requirements.txt

# an option changed in a config file (the requirements file's own options)
printf -- '--only-binary :all:\n' >>requirements.txt
run 1 "$PWPKG" lock --check && expect_contains "$ERR" "inputs changed" "option in requirements.txt"
cp requirements.bak requirements.txt
run 0 "$PWPKG" lock --check

# a recorded local path that is gone: exit 2, naming it
mv wheels wheels.moved
run 2 "$PWPKG" lock --check && expect_contains "$ERR" "--find-links wheels" "gone path named"
run 2 "$PWPKG" verify; expect_contains "$OUT$ERR" "wheels" "verify names the gone path"
# giving it again with its new place works, and lock records the new value
run 1 "$PWPKG" lock --check --find-links wheels.moved && expect_contains "$ERR" "--find-links wheels.moved given; the lock was made with --find-links wheels" "new location reported"
run 0 "$PWPKG" lock --find-links wheels.moved
expect_contains "$(cat pwpkg.lock)" '"wheels.moved"' "new location recorded"
run 0 "$PWPKG" lock --check
mv wheels.moved wheels
run 0 "$PWPKG" lock --find-links wheels

# the password appears in no file written and no output
all_output=$(for f in "$WORK"/out "$WORK"/err; do cat "$f"; done)
run 0 "$PWPKG" -v lock --check --index-url "$secret_url"
expect_not_contains "$OUT$ERR" "s3cr3t" "verbose output"
run 0 "$PWPKG" --json lock --index-url "$secret_url"
expect_not_contains "$OUT$ERR" "s3cr3t" "JSON output"
run 0 "$PWPKG" export --format requirements
expect_not_contains "$OUT$ERR" "s3cr3t" "export"
if grep -rq "s3cr3t" "$WORK/project" "$PWPKG_CACHE_DIR"; then
  fail "the password was written: $(grep -rl s3cr3t "$WORK/project" "$PWPKG_CACHE_DIR" | head -3)"
else
  pass
fi
# the credentials come back from PIP_INDEX_URL / PWPKG_INDEX_URL for the recorded URL
run 0 env PWPKG_INDEX_URL="$secret_url" "$PWPKG" lock --check --refresh

# a token in the query is a credential too: the project name goes before the
# query, the token is asked for on the page, and it is written nowhere
token_url="http://127.0.0.1:$PORT/simple-json/?token=qu3ry-t0ken"
run 0 "$PWPKG" -v lock --index-url "$token_url" --refresh
grep -q "GET /simple-json/webapp/?token=qu3ry-t0ken " "$WORK/nginx/access.log" && pass ||
  fail "the project page was not asked for with the query: $(grep webapp "$WORK/nginx/access.log" | tail -2)"
expect_not_contains "$OUT$ERR" "qu3ry-t0ken" "the query token in the output"
if grep -rq "qu3ry-t0ken" "$WORK/project" "$PWPKG_CACHE_DIR"; then
  fail "the query token was written: $(grep -rl qu3ry-t0ken "$WORK/project" "$PWPKG_CACHE_DIR" | head -3)"
else
  pass
fi
run 0 "$PWPKG" lock --index-url "$secret_url"

# a lock of schema 1 (no "resolution") is still read
node -e '
const fs=require("fs"); const l=JSON.parse(fs.readFileSync("pwpkg.lock","utf8"));
l.lock_version=1; delete l.resolution; fs.writeFileSync("old.lock", JSON.stringify(l,null,2)+"\n");'
run 0 "$PWPKG" tree --lock old.lock && expect_contains "$OUT" "webapp" "old lock read by tree"
run 1 "$PWPKG" lock --check -o old.lock "${flags[@]}"
expect_not_contains "$ERR" "not supported" "old lock not refused"
# a lock from a newer pwpkg is refused with the versions this one reads
sed 's/"lock_version": 2/"lock_version": 3/' pwpkg.lock >new.lock
run 2 "$PWPKG" tree --lock new.lock && expect_contains "$ERR" "versions 1 to 2" "future schema refused"

# a lock whose release came from wrangler.toml records that and follows it
mkdir -p ../w && cd ../w
printf 'six\n' >requirements.txt
printf 'name = "w"\nmain = "src/entry.py"\ncompatibility_date = "2025-03-01"\ncompatibility_flags = ["python_workers"]\n' >wrangler.toml
run 0 "$PWPKG" lock --pyodide-index "$(dirname "$index27")"
expect_not_contains "$(cat pwpkg.lock)" '"pyodide": "0.27.7"' "wrangler choice not recorded as --pyodide"
run 0 "$PWPKG" lock --check
sed -i 's/2025-03-01/2025-10-01/' wrangler.toml
run 2 "$PWPKG" lock --check; expect_contains "$OUT$ERR" "0.28.2" "a wrangler date change is caught, naming the new release"

finish
