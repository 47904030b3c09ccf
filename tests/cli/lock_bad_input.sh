#!/usr/bin/env bash
# Each class of malformed input: exit 2, file:line, nothing written.
source "$(dirname "$0")/lib.bash"
index=$(pyodide_index 0.27.7)

check_bad() { # CONTENT EXPECTED-MESSAGE-PART
  printf '%b' "$1" >requirements.txt
  run 2 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index" || return 0
  expect_contains "$ERR" "$2" "bad input $1"
  [ ! -e pwpkg.lock ] && pass || fail "pwpkg.lock written for bad input $1"
}

check_bad 'six\nnumpy >= \n' 'requirements.txt:2:'
check_bad 'six[extra\n' 'requirements.txt:1:'
check_bad '-e ./mylib\n' 'requirements.txt:1:'
check_bad 'six\n--frobnicate\n' 'requirements.txt:2:'
check_bad 'six; os_name = \n' 'requirements.txt:1:'
check_bad '-r missing.txt\n' 'missing.txt'
check_bad 'mylib @ hg+https://hg.invalid/mylib\n' 'requirements.txt:1:'
check_bad 'six==1.0 --hash=md5:0123\n' 'requirements.txt:1'
check_bad '===\n' 'requirements.txt:1:'

# an include cycle
printf -- '-r b.txt\n' >a.txt
printf -- '-r a.txt\n' >b.txt
run 2 "$PWPKG" lock -r a.txt --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "a.txt" "include cycle"

# a broken pyodide-lock.json names the file and the place
printf '{"info": {"python": "3.12.7"}, "packages": {' >broken.json
printf 'six\n' >requirements.txt
run 2 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index broken.json
expect_contains "$ERR" "broken.json:1:" "broken index"

# a broken wrangler.toml
mkdir -p w && printf 'six\n' >w/requirements.txt
printf 'compatibility_date = 2025-01-01x\n' >w/wrangler.toml
run 2 "$PWPKG" lock -r w/requirements.txt -o w/pwpkg.lock --pyodide-index "$index"
expect_contains "$ERR" "wrangler.toml:1:" "broken wrangler.toml"

# usage errors
run 2 "$PWPKG" lock --pyodide
run 2 "$PWPKG" lock --frobnicate
run 2 "$PWPKG" lock --pyodide 0.27.7 --compat-date 2025-01-01
run 2 "$PWPKG" frobnicate
run 2 "$PWPKG" lock --compat-date 2025-13-45 --pyodide-index "$index"
# unknown release without an index
run 2 "$PWPKG" lock --pyodide 9.9.9
expect_contains "$ERR" "unknown Pyodide release '9.9.9'" "unknown release"
# a missing requirements file
run 2 "$PWPKG" lock -r nope.txt --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "nope.txt" "missing requirements"
# offline with nothing cached: network error class, fast
rm -rf "$PWPKG_CACHE_DIR"
run 3 "$PWPKG" lock --pyodide 0.27.7 --offline
expect_contains "$ERR" "offline" "offline"

# help and version
run 0 "$PWPKG" --help
expect_contains "$OUT" "exit codes" "help"
run 0 "$PWPKG" help lock
expect_contains "$OUT" "--compat-date" "help lock"
run 0 "$PWPKG" --version

# terminal controls from a wheel's METADATA never reach the terminal raw
esc=$(printf '\033')
"$(dirname "$PWPKG")/../tests/pw_wheelgen" --name evil --version 1.0 --requires-python ">=3.20${esc}]0;pwned$(printf '\007')${esc}[2J" --out evilwheels >/dev/null || fail "pw_wheelgen"
echo evil >requirements.txt
run 2 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index" --no-index --find-links evilwheels
[[ "$ERR" != *"$esc"* && "$ERR" != *$'\a'* ]] && pass || fail "ESC or BEL printed raw: $(printf '%s' "$ERR" | cat -v)"
expect_contains "$ERR" '\x1b[2J' "escaped as \\xNN"

# C1 controls (CSI) and bidi overrides are escaped too, as is a byte that is not UTF-8
csi=$(printf '\302\233')
"$(dirname "$PWPKG")/../tests/pw_wheelgen" --name evilc1 --version 1.0 --requires-python ">=3.20${csi}2J$(printf '\342\200\256')x$(printf '\377')" --out evilwheels >/dev/null || fail "pw_wheelgen"
echo evilc1 >requirements.txt
run 2 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index" --no-index --find-links evilwheels
[[ "$ERR" != *"$csi"* ]] && pass || fail "C1 CSI printed raw: $(printf '%s' "$ERR" | cat -v)"
expect_contains "$ERR" '\xc2\x9b2J\xe2\x80\xaex\xff' "C1, bidi override and a non-UTF-8 byte escaped"

# a package may not pick an artifact by URL for its dependencies (as uv);
# the user's own requirement with that URL is what allows it
mkdir -p urlwheels
"$(dirname "$PWPKG")/../tests/pw_wheelgen" --name needsurl --version 1.0 --module needsurl \
  --requires "helper @ https://example.invalid/helper-1.0-py3-none-any.whl" --out urlwheels >/dev/null || fail "pw_wheelgen"
echo needsurl >requirements.txt
run 2 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index" --no-index --find-links urlwheels
expect_contains "$ERR" "needsurl 1.0 depends on 'helper @ https://example.invalid/helper-1.0-py3-none-any.whl'" "transitive URL named"
expect_contains "$ERR" "allowed only in your own requirements" "transitive URL refused, with the fix"
[ ! -e pwpkg.lock ] && pass || fail "a lock was written"
mkdir -p helperwheel
"$(dirname "$PWPKG")/../tests/pw_wheelgen" --name helper --version 1.0 --module helper --out helperwheel >/dev/null || fail "pw_wheelgen"
printf 'needsurl\nhelper @ file://%s/helperwheel/helper-1.0-py3-none-any.whl\n' "$PWD" >requirements.txt
run 0 "$PWPKG" -q lock --pyodide 0.27.7 --pyodide-index "$index" --no-index --find-links urlwheels
expect_contains "$(cat pwpkg.lock)" "helperwheel/helper-1.0-py3-none-any.whl" "the user's URL for the dependency is used"
rm -f pwpkg.lock

finish
