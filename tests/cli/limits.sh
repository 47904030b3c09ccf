#!/usr/bin/env bash
# Every defensive limit, reached through the CLI: a clear error naming the
# input and the limit, the documented exit code, and no crash.
#
#   requirements -r/-c depth   PW_REQFILE_MAX_DEPTH (32)          exit 2
#   JSON nesting               1000 levels (pw_json_parse)        exit 2
#   index page size            fetch max_page_size (64 MiB)       exit 2
#   redirects                  fetch max_redirects (10)           exit 3
#   decompressed size / ratio  PW_BUNDLE_DEFAULT_MAX_RATIO (200)  exit 1 (bundle:
#                              an artifact that fails verification, as documented)
#   core metadata size         PW_METADATA_MAX_SIZE (16 MiB)      exit 2
#
# Not here: the solver's max_decisions (200000). No CLI option lowers it and
# reaching it needs a pathological index that takes minutes to generate and
# solve; tests/resolver/test_solver.c (test_max_decisions_limit) covers it.
source "$(dirname "$0")/lib.bash"
# set -e ends the script at an unexpected failure; say where.
set -E
trap 'case $BASH_COMMAND in *failures*) ;; *) echo "FAIL: line $LINENO: $BASH_COMMAND" >&2 ;; esac' ERR
tools=$(dirname "$PWPKG")/../tests
index=$(pyodide_index 0.27.7)
export GIT_CEILING_DIRECTORIES=$(dirname "$WORK")

release=(--pyodide 0.27.7 --pyodide-index "$index")

# --- requirements include depth --------------------------------------------------
for i in $(seq 0 39); do printf -- '-r req%d.txt\n' $((i + 1)) >"req$i.txt"; done
printf 'six\n' >req40.txt
run 2 "$PWPKG" lock "${release[@]}" --no-index -r req0.txt -o deep.lock
expect_contains "$ERR" "nested deeper than 32 files" "include depth: the limit"
expect_contains "$ERR" "req31.txt:1:" "include depth: where"
[ ! -e deep.lock ] && pass || fail "include depth: a lock was written"
# just under the limit is fine
run 0 "$PWPKG" -q lock "${release[@]}" --no-index -r req9.txt -o shallow.lock

# --- JSON nesting depth ----------------------------------------------------------
# 10000 levels, as arrays and as objects, where pwpkg reads JSON: the
# release's pyodide-lock.json and pwpkg.lock itself.
printf 'six\n' >requirements.txt
python3 -c "print('[' * 10000 + ']' * 10000)" >deep-array.json
python3 -c "print('{\"packages\": ' + '{\"a\": ' * 10000 + '1' + '}' * 10001)" >deep-object.json
for f in deep-array.json deep-object.json; do
  run 2 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$f" --no-index -o nest.lock
  expect_contains "$ERR" "$f:1:" "JSON nesting: names the file and position"
  expect_contains "$ERR" "nested deeper than 1000 levels" "JSON nesting: the limit"
  run 2 "$PWPKG" tree --lock "$f"
  expect_contains "$ERR" "$f:1:" "JSON nesting in a lock: names the file"
  expect_contains "$ERR" "nested deeper than 1000 levels" "JSON nesting in a lock: the limit"
done

# --- index page size -------------------------------------------------------------
# A project page of 65 MiB (sparse: a valid head, then zeros), read from a
# local index and served by nginx.
cat >universe.txt <<'SPEC'
fat 1.0
small 1.0
SPEC
"$tools/pw_mkindex" repo universe.txt >/dev/null || { fail "pw_mkindex"; finish; }
mkdir -p repo/simple/huge
printf '<!DOCTYPE html><html><body>\n' >repo/simple/huge/index.html
truncate -s 65M repo/simple/huge/index.html
with_nginx repo
printf 'huge\n' >requirements.txt
for idx in repo/simple/ "http://127.0.0.1:$PORT/simple/"; do
  run 2 "$PWPKG" lock "${release[@]}" --index-url "$idx"
  expect_contains "$ERR" "67108864" "page size via $idx: the limit"
  expect_contains "$ERR" "huge" "page size via $idx: the page"
  expect_contains "$ERR" "requirements.txt:1:" "page size via $idx: the requirement"
done
[ -z "$(find "$PWPKG_CACHE_DIR" -type f -size +60M 2>/dev/null)" ] && pass || fail "the huge page was cached"

# --- core metadata size (PEP 658 file) ---------------------------------------------
# fat's .metadata grows past 16 MiB; the index states its new digest, so
# only the size can refuse it.
meta=repo/files/fat-1.0-py3-none-any.whl.metadata
old=$(sha256sum "$meta" | cut -c1-64)
{ cat "$meta"; printf 'Description: '; head -c 17000000 /dev/zero | tr '\0' x; echo; } >meta.new
mv meta.new "$meta"
new=$(sha256sum "$meta" | cut -c1-64)
sed -i "s/$old/$new/g" repo/simple/fat/index.html repo/simple-json/fat/index.html
printf 'fat\n' >requirements.txt
for idx in "http://127.0.0.1:$PORT/simple/" "http://127.0.0.1:$PORT/simple-json/" repo/simple/; do
  run 2 "$PWPKG" lock "${release[@]}" --index-url "$idx"
  expect_contains "$ERR" "fat-1.0-py3-none-any.whl.metadata" "metadata size via $idx: the file"
  expect_contains "$ERR" "16777216" "metadata size via $idx: the limit"
done
# small's metadata is untouched
printf 'small\n' >requirements.txt
run 0 "$PWPKG" -q lock "${release[@]}" --index-url "http://127.0.0.1:$PORT/simple/"

# --- redirects -----------------------------------------------------------------------
with_test_server repo --idle-timeout 120
loop="http://127.0.0.1:$TEST_SERVER_PORT/fault/redirect-loop"
run 3 "$PWPKG" lock "${release[@]}" --index-url "$loop/simple/"
expect_contains "$ERR" "too many redirects (more than 10)" "redirect loop: the limit"
expect_contains "$ERR" "$loop/simple/small/" "redirect loop: the URL"
run 3 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$loop/pyodide-lock.json" --no-index
expect_contains "$ERR" "too many redirects" "redirect loop on the release index"
# one redirect is followed
cp "$index" repo/pyodide-lock.json
printf 'six\n' >requirements.txt
run 0 "$PWPKG" -q lock --pyodide 0.27.7 --pyodide-index \
  "http://127.0.0.1:$TEST_SERVER_PORT/fault/redirect/pyodide-lock.json" --no-index

# --- decompressed size: a zip bomb ---------------------------------------------------
# 100 MiB of zeros deflated to ~100 kB: far beyond the 200x ratio limit.
"$tools/pw_wheelgen" --name boom --version 1.0 --module boom --flaw bomb --bomb-size 104857600 \
  --out bomb >/dev/null || { fail "pw_wheelgen bomb"; finish; }
printf 'boom\n' >requirements.txt
run 0 "$PWPKG" -q lock "${release[@]}" --no-index --find-links bomb
run 1 "$PWPKG" bundle -o bombed
expect_contains "$ERR" "bomb.bin" "zip bomb: names the member"
expect_contains "$ERR" "boom-1.0-py3-none-any.whl" "zip bomb: names the wheel"
expect_contains "$ERR" "200 times" "zip bomb: the limit"
[ -z "$(ls -d bombed* 2>/dev/null)" ] && pass || fail "zip bomb: output or staging left: $(ls -d bombed*)"
run 1 "$PWPKG" bundle --format zip -o bombed.zip
expect_contains "$ERR" "bomb.bin" "zip bomb (zip): names the member"
[ -z "$(ls -d bombed* 2>/dev/null)" ] && pass || fail "zip bomb (zip): output or staging left"

# every input read whole is a regular file of bounded size: /dev/zero, a
# FIFO (which would block forever) and a file beyond the bound are refused
# at once, naming the file (timeout: a hang fails the test, not CI)
run 2 timeout 20 "$PWPKG" tree --lock /dev/zero && expect_contains "$ERR" "/dev/zero: not a regular file" "--lock /dev/zero"
run 2 timeout 20 "$PWPKG" lock "${release[@]}" -r /dev/zero && expect_contains "$ERR" "not a regular file" "-r /dev/zero"
mkfifo fifo.txt
run 2 timeout 20 "$PWPKG" lock "${release[@]}" -r fifo.txt && expect_contains "$ERR" "fifo.txt: not a regular file" "-r FIFO"
truncate -s 300M huge.lock
run 2 timeout 20 "$PWPKG" tree --lock huge.lock && expect_contains "$ERR" "an input file may hold at most" "a 300 MB lock"
rm -f huge.lock fifo.txt

# usage errors are exit 2: a directory given as a requirements file, a
# bundle output that would replace / or the working directory
mkdir -p adir
run 2 "$PWPKG" lock "${release[@]}" -r adir && expect_contains "$ERR" "adir: is a directory" "-r DIR"
run 2 "$PWPKG" bundle -o / && expect_contains "$ERR" "would replace /" "bundle -o /"
run 2 "$PWPKG" bundle -o . && expect_contains "$ERR" "name a directory of its own" "bundle -o ."

# an output that is a symbolic link is named as one (not "not a directory");
# an output reached through a linked parent directory works
mkdir -p realdir && ln -s realdir linkdir
run 2 "$PWPKG" bundle -o linkdir && expect_contains "$ERR" "-o linkdir is a symbolic link" "-o LINK"

finish
