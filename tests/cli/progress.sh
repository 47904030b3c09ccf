#!/usr/bin/env bash
# Download progress: in a log (stderr not a terminal) a summary with the
# totals at the end; on a terminal (script(1) gives one) the aggregate line
# with files, bytes and rate; nothing with -q; --json never mixed with it.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests
index=$(pyodide_index 0.27.7)

cat >universe.txt <<'SPEC'
app 1.0 -- lib && util
lib 1.0
util 1.0
SPEC
"$tools/pw_mkindex" repo universe.txt || { fail "pw_mkindex"; finish; }
with_nginx repo

printf 'app\n' >requirements.txt
run 0 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index" --index-url "http://127.0.0.1:$PORT/simple/"
bytes=$(cat repo/files/*.whl | wc -c)

# a log: one closing line with the totals
run 0 "$PWPKG" fetch
expect_contains "$ERR" "downloaded 3/3 files" "log summary"
kb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f kB", b / 1000 }')
expect_contains "$ERR" "$kb in" "log summary bytes"
expect_not_contains "$ERR" $'\033[' "no terminal escapes in a log"

# cached: nothing transferred, no progress
run 0 "$PWPKG" fetch
expect_not_contains "$ERR" "downloaded 3/3" "no batch for a cached fetch"

# quiet and JSON: no progress at all
rm -rf "$PWPKG_CACHE_DIR/artifacts"
run 0 "$PWPKG" -q fetch
[ -z "$ERR" ] && pass || fail "-q printed: $ERR"
rm -rf "$PWPKG_CACHE_DIR/artifacts"
run 0 "$PWPKG" --json fetch
expect_not_contains "$ERR" "downloaded 3/3" "--json has no progress"
node -e "JSON.parse(process.argv[1])" "$OUT" && pass || fail "--json stdout is one document: $OUT"

# a terminal: the aggregate line, redrawn and cleared at the end
if command -v script >/dev/null; then
  rm -rf "$PWPKG_CACHE_DIR/artifacts"
  script -qec "'$PWPKG' fetch -j 1" /dev/null >tty.out 2>&1 || fail "fetch on a terminal"
  tty=$(cat tty.out)
  expect_contains "$tty" "Downloading" "terminal aggregate line"
  expect_contains "$tty" "/3 files" "terminal file count"
  expect_contains "$tty" "Fetched 3 artifacts" "terminal summary"
  expect_not_contains "$tty" "downloaded 3/3" "no log line on a terminal"
else
  echo "skip: script(1) not installed (util-linux)"
fi
finish
