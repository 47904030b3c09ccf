# Shared by the CLI integration tests (sourced). Each test runs the real
# pwpkg binary ($PWPKG) in a scratch directory of its own.
set -euo pipefail

: "${PWPKG:?PWPKG must point at the pwpkg binary}"
: "${PWPKG_SOURCE_DIR:?}"
FIXTURES=${PWPKG_TEST_FIXTURES:-$PWPKG_SOURCE_DIR/.cache/fixtures}
mkdir -p "$FIXTURES" "${PWPKG_TEST_TMP:-/tmp}"
WORK=$(mktemp -d "${PWPKG_TEST_TMP:-/tmp}/cli.XXXXXX")
export PWPKG_CACHE_DIR="$WORK/cache"
# The scratch directory sits inside the pwpkg checkout: keep libgit2 from
# finding that repository, or locks would record its (moving) provenance.
export GIT_CEILING_DIRECTORIES=$(dirname "$WORK")
# Cleanups run at exit, the last registered first, then the scratch
# directory goes. A test that sets its own EXIT trap replaces all of this.
_cleanups=()
on_exit() { _cleanups+=("$1"); }
_run_cleanups() {
  local i
  for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do eval "${_cleanups[i]}" || true; done
  rm -rf "$WORK"
}
trap _run_cleanups EXIT
cd "$WORK"

failures=0
passes=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { passes=$((passes + 1)); }

# The real pyodide-lock.json of a release, from the npm registry's `pyodide`
# package (never committed), cached across runs.
pyodide_index() {
  local version=$1 dir="$FIXTURES/pyodide-$1"
  if [ ! -f "$dir/pyodide-lock.json" ]; then
    mkdir -p "$FIXTURES"
    (
      flock 9
      if [ ! -f "$dir/pyodide-lock.json" ]; then
        local tmp
        tmp=$(mktemp -d "$FIXTURES/.npm.XXXXXX")
        (cd "$tmp" && npm pack --silent "pyodide@$version" >/dev/null 2>&1) ||
          { echo "cannot fetch pyodide@$version from the npm registry" >&2; rm -rf "$tmp"; exit 1; }
        tar -xzf "$tmp"/pyodide-*.tgz -C "$tmp" package/pyodide-lock.json
        mkdir -p "$dir"
        mv "$tmp/package/pyodide-lock.json" "$dir/pyodide-lock.json"
        rm -rf "$tmp"
      fi
    ) 9>"$FIXTURES/.lock"
  fi
  echo "$dir/pyodide-lock.json"
}

# A Pyodide runtime installed by `pwpkg runtime install`, shared by the tests
# (npm registry), cached across runs; prints its cache directory.
pyodide_runtime_cache() {
  local version=$1 cache="$FIXTURES/pwpkg-cache"
  mkdir -p "$cache"
  (
    flock 9
    "$PWPKG" -q runtime path "$version" --cache-dir "$cache" >/dev/null 2>&1 ||
      "$PWPKG" -q runtime install "$version" --cache-dir "$cache" >/dev/null
  ) 9>"$FIXTURES/.runtime.lock"
  echo "$cache"
}

# run EXPECTED_EXIT CMD...: runs a command, keeps stdout/stderr in $OUT/$ERR.
run() {
  local expected=$1
  shift
  local rc=0
  "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
  OUT=$(cat "$WORK/out")
  ERR=$(cat "$WORK/err")
  if [ "$rc" != "$expected" ]; then
    fail "expected exit $expected, got $rc: $*
--- stdout
$OUT
--- stderr
$ERR"
    return 1
  fi
  pass
}

# with_nginx ROOT [start.sh options, e.g. --tls CA_DIR]: nginx on 127.0.0.1
# serving ROOT (tests/nginx/start.sh), its env ($PORT, $TLS_PORT, $NGINX_PID) sourced and
# its stop registered for exit. Ends the test when nginx does not start.
with_nginx() {
  local root=$1
  shift
  if ! bash "$PWPKG_SOURCE_DIR/tests/nginx/start.sh" --root "$root" --tmp nginx --watch-pid $$ "$@" \
      >"$WORK/nginx.env"; then
    fail "nginx did not start: $(cat "$WORK/nginx.env")"
    finish
    exit 1
  fi
  source "$WORK/nginx/env"
  on_exit 'bash "$PWPKG_SOURCE_DIR/tests/nginx/stop.sh" "$WORK/nginx" >/dev/null 2>&1'
}

# nginx_requests PATTERN EXPECTED: the lines of with_nginx's access log
# matching PATTERN, once EXPECTED are there (nginx writes a line when the
# response is complete) or five seconds have passed.
nginx_requests() {
  local n=0
  for _ in $(seq 50); do
    n=$(grep -c "$1" "$WORK/nginx/access.log" || true)
    [ "$n" -ge "$2" ] && break
    sleep 0.1
  done
  sleep 0.2
  grep -c "$1" "$WORK/nginx/access.log" || true
}

# with_test_server ROOT [pw_test_server options, e.g. --idle-timeout 300]:
# the fault-injecting test server (tests/support/http_server.c) on
# 127.0.0.1 serving ROOT; sets $TEST_SERVER_PORT and registers its stop for
# exit. Ends the test when it does not start.
with_test_server() {
  local root=$1 port_file pid
  shift
  port_file=$(mktemp "$WORK/test-server.port.XXXXXX")
  rm -f "$port_file"
  "$(dirname "$PWPKG")/../tests/pw_test_server" --root "$root" --port-file "$port_file" "$@" \
    </dev/null >/dev/null &
  pid=$!
  on_exit "kill $pid 2>/dev/null"
  for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.05; done
  if [ ! -s "$port_file" ]; then
    fail "pw_test_server did not start"
    finish
    exit 1
  fi
  TEST_SERVER_PORT=$(cat "$port_file")
}

expect_eq() { # ACTUAL EXPECTED WHAT
  if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', expected '$2'"; fi
}

expect_contains() { # HAYSTACK NEEDLE WHAT
  if [[ "$1" == *"$2"* ]]; then pass; else fail "$3: expected to find '$2' in:
$1"; fi
}
expect_not_contains() {
  if [[ "$1" != *"$2"* ]]; then pass; else fail "$3: did not expect '$2' in:
$1"; fi
}

# A JSON field of the lock via node (installed with the runtime anyway).
lock_query() { # FILE JS-EXPRESSION-ON-lock
  node -e "const lock=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8')); console.log($2)" "$1"
}

# Files of the user's that look like staging names but are not pwpkg's
# exact ones (<name>.pwpkg-tmp-XXXXXX): hostile-input cases plant them
# beside their outputs and check at the end that all are still there.
plant_user_files() {
  local dir=$1
  mkdir -p "$dir/python_modules.tmp.backup" "$dir/python_modules.old"
  echo mine >"$dir/python_modules.tmp.backup/keep.txt"
  echo mine >"$dir/python_modules.old/keep.txt"
  echo mine >"$dir/pwpkg.lock.tmp.notes"
  echo mine >"$dir/out.zip.tmp"
  echo mine >"$dir/out.tmp.old"
  echo mine >"$dir/python_modules.pwpkg-tmp-notes.txt"
}
expect_user_files() {
  local dir=$1 f
  for f in python_modules.tmp.backup/keep.txt python_modules.old/keep.txt pwpkg.lock.tmp.notes \
           out.zip.tmp out.tmp.old python_modules.pwpkg-tmp-notes.txt; do
    [ "$(cat "$dir/$f" 2>/dev/null)" = mine ] && pass || fail "$dir/$f, a user file, was removed or changed"
  done
}

finish() {
  echo "$passes passed, $failures failed"
  [ "$failures" -eq 0 ]
}
