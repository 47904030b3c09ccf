#!/usr/bin/env bash
# wrangler as the test client: a python_modules/ that pwpkg bundled is
# handed to the pinned wrangler (tests/cloudflare/package.json), by
# `wrangler deploy --dry-run --outdir` and by a real `wrangler deploy`
# against a fake Cloudflare API on 127.0.0.1 (tests/cloudflare/fake-api.mjs)
# that records the multipart upload. What wrangler uploads must be what
# pwpkg's bundle report says it will: the same module names, byte for byte,
# the same sizes; python_modules.exclude, --compile and --max-size.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests

if ! setup_log=$(bash "$PWPKG_SOURCE_DIR/tests/cloudflare/setup.sh" 2>&1); then
  echo "SKIP: the pinned Cloudflare clients cannot be installed (npm registry unreachable?):"
  echo "$setup_log" | tail -3
  exit 0
fi
source "$PWPKG_SOURCE_DIR/tests/cloudflare/env.bash"
index=$(pyodide_index 0.27.7)
export CLOUDFLARE_ACCOUNT_ID=0123456789abcdef0123456789abcdef CLOUDFLARE_API_TOKEN=fake-token
# The banner asks registry.npmjs.org for a newer wrangler: off, so that only
# 127.0.0.1 is reached.
export WRANGLER_HIDE_BANNER=true
export WRANGLER_LOG_PATH=$WORK/wrangler-logs HOME=$WORK/home
mkdir -p "$HOME"

jq_() { # JSON-FILE JS-EXPRESSION-ON-o
  "$CF_NODE" -e "const o=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8')); console.log($2)" "$1"
}
wrangler() { "$CF_NODE" "$CF_WRANGLER" "$@"; }

# Wheels: plain sources with data; a sourceless .pyc (Pyodide py-compile
# style) and a __pycache__ entry that wrangler's default exclude drops;
# enough text for gzip to matter.
mkdir -p wheels
wheel() { "$tools/pw_wheelgen" --out wheels "$@" >/dev/null || fail "pw_wheelgen $*"; }
words=$(for i in $(seq 1 3000); do printf 'word%d = "%d"\n' "$i" "$((i * 7919 % 10007))"; done)
wheel --name app --version 1.0 --file 'app/__init__.py=from app.core import VALUE
' --file "app/core.py=VALUE = 42
$words
" --file 'app/data/words.txt=alpha beta gamma
' --file 'app/x/__init__.py=
' --file 'app/x-y.txt=walked after app/x/, though "-" sorts before "/"
' --file 'app/tests/test_core.py=def test(): pass
'
wheel --name fastlib --version 2.0 --file 'fastlib/__init__.py=VERSION = 2
' --file 'fastlib/speed.pyc=NOT REALLY BYTECODE' \
  --file 'fastlib/__pycache__/__init__.cpython-312.pyc=CACHED'

project() { # DIR CONFIG-FILE CONFIG-TEXT: a Python Worker using app and fastlib
  mkdir -p "$1/src"
  printf '%s\n' "$3" >"$1/$2"
  printf 'from workers import WorkerEntrypoint, Response\nimport app\nfrom helper import greet\n\nclass Default(WorkerEntrypoint):\n    async def fetch(self, request):\n        return Response(greet(app.VALUE))\n' >"$1/src/entry.py"
  printf 'def greet(v):\n    return f"hello {v}"\n' >"$1/src/helper.py"
  printf 'a text module\n' >"$1/src/notes.txt"
  printf 'not a module\n' >"$1/src/README.md"
  printf 'app\nfastlib\n' >"$1/requirements.txt"
  (cd "$1" && "$PWPKG" -q lock --pyodide 0.27.7 --pyodide-index "$index" --no-index \
    --find-links "$WORK/wheels") && pass || fail "lock in $1"
}

# The module names and sizes of pwpkg's report, and of what wrangler wrote or sent.
report_modules() { jq_ "$1" 'o.workers.upload.modules.map(m => m.name + " " + m.size).sort().join("\n")'; }
# --outdir also gets wrangler's README.md ("This folder contains the built
# output assets..."), which is not uploaded.
outdir_modules() {
  grep -q '^This folder contains the built output assets' "$1/README.md" && pass || fail "wrangler's README.md"
  (cd "$1" && find . -type f ! -path ./README.md -printf '%P %s\n' | LC_ALL=C sort)
}

# ------------------------------------------------------------------ TOML
project toml wrangler.toml 'name = "pwpkg-upload"
main = "src/entry.py"
compatibility_date = "2025-01-01"
compatibility_flags = ["python_workers"]'
cd toml
run 0 "$PWPKG" --json bundle
printf '%s\n' "$OUT" >report.json
# wrangler's default exclude drops every .pyc; the sourceless one is warned about
[ "$(jq_ report.json 'o.workers.dropped.join(" ")')" = \
  "fastlib/__pycache__/__init__.cpython-312.pyc fastlib/speed.pyc" ] && pass || fail "dropped: $OUT"
[ "$(jq_ report.json 'o.workers.exclude_from + " " + o.workers.exclude.join(",")')" = \
  "wrangler's default **/*.pyc" ] && pass || fail "exclude origin: $OUT"
expect_contains "$ERR" "drops 1 .pyc file that has no .py beside it (fastlib/speed.pyc)" "sourceless warning"
[ -z "$(find python_modules -name '*.pyc')" ] && pass || fail ".pyc left in python_modules/"
[ ! -e python_modules/bundle.json ] && [ -f python_modules.bundle.json ] && pass || fail "manifest location"
grep -q 'speed.pyc' python_modules/fastlib-2.0.dist-info/RECORD && fail "RECORD lists a dropped file" || pass
# verify --bundle rebuilds it the same way (the exclude rules of the config beside it)
run 0 "$PWPKG" verify --pyodide 0.27.7 --pyodide-index "$index" --no-index --find-links "$WORK/wheels" \
  --bundle python_modules
run 0 "$PWPKG" bundle
bundle_err=$ERR
expect_contains "$ERR" "wrangler drops 2 files" "text: dropped"
expect_contains "$ERR" "upload (wrangler deploy)" "text: upload row"
expect_contains "$ERR" "Total Upload: " "text: wrangler's line"
expect_contains "$ERR" "of 3 MB (free)" "text: limits"

# wrangler deploy --dry-run: OUT/python_modules is the bundle, file for file
run 0 wrangler deploy --dry-run --outdir out
dry_err=$ERR dry_out=$OUT
diff -r python_modules out/python_modules && pass || fail "dry-run python_modules/ differs from the bundle"
[ "$(outdir_modules out)" = "$(report_modules report.json)" ] && pass ||
  fail "dry-run modules differ from pwpkg's report:
$(diff <(outdir_modules out) <(report_modules report.json))"
# wrangler's own size line: the raw size equals pwpkg's
line=$(printf '%s\n%s\n' "$dry_out" "$dry_err" | grep -o 'Total Upload: [0-9.]* KiB / gzip: [0-9.]* KiB' | head -1)
ours=$(printf '%s\n' "$bundle_err" | grep -o 'Total Upload: [0-9.]* KiB / gzip: [0-9.]* KiB')
[ -n "$line" ] && [ "${line%% / *}" = "${ours%% / *}" ] && pass || fail "raw upload size: wrangler '$line', pwpkg '$ours'"
# The bytes pwpkg gzips, in its order, are the ones wrangler gzips: Node's
# zlib over pwpkg's module list gives wrangler's figure to the digit ...
node_gz=$("$CF_NODE" -e '
const fs = require("fs"), zlib = require("zlib");
const mods = JSON.parse(fs.readFileSync("report.json", "utf8")).workers.upload.modules;
const bytes = mods.map(m => fs.readFileSync(m.kind === "main" ? "src/" + m.name : m.kind === "own" ? "src/" + m.name : m.name));
console.log((zlib.gzipSync(Buffer.concat(bytes)).length / 1024).toFixed(2))')
[ "gzip: $node_gz KiB" = "${line##* / }" ] && pass || fail "Node's gzip of pwpkg's modules $node_gz KiB, wrangler '$line'"
# ... and pwpkg's own zlib is within 2% of it (Node's zlib is Chromium's
# fork, whose deflate makes other choices)
read -r wg pg < <(printf '%s %s\n' "${line##*gzip: }" "${ours##*gzip: }" | sed 's/ KiB//g')
"$CF_NODE" -e "process.exit(Math.abs($wg - $pg) <= 0.02 * $wg ? 0 : 1)" && pass ||
  fail "gzip: wrangler $wg KiB, pwpkg $pg KiB"

# a real wrangler deploy against the fake API: the multipart form holds the
# main module, date and flags, and every python_modules/ part byte for byte
api_pid=
trap 'stop_api; rm -rf "$WORK"' EXIT
start_api() { # DIR
  rm -rf "$1" && mkdir -p "$1"
  "$CF_NODE" "$PWPKG_SOURCE_DIR/tests/cloudflare/fake-api.mjs" "$1" >"$1.log" 2>&1 &
  api_pid=$!
  for _ in $(seq 1 100); do [ -s "$1/port" ] && break; sleep 0.1; done
  export CLOUDFLARE_API_BASE_URL="http://127.0.0.1:$(cat "$1/port")/client/v4"
}
stop_api() {
  [ -n "$api_pid" ] || return 0
  kill "$api_pid" 2>/dev/null || true
  wait "$api_pid" 2>/dev/null || true
  api_pid=
}
check_upload() { # API-DIR REPORT MAIN DATE FLAGS: the recorded form against pwpkg's report
  local api=$1 report=$2
  [ "$(jq_ "$api/metadata.json" '[o.main_module, o.compatibility_date, o.compatibility_flags.join(",")].join(" ")')" = \
    "$3 $4 $5" ] && pass || fail "metadata: $(cat "$api/metadata.json")"
  local sent
  sent=$(jq_ "$api/parts.json" 'o.filter(p => p.field !== "metadata").map(p => p.name + " " + p.size).sort().join("\n")')
  [ "$sent" = "$(report_modules "$report")" ] && pass ||
    fail "uploaded modules differ from pwpkg's report:
$(diff <(printf '%s\n' "$sent") <(report_modules "$report"))"
  local bad=0
  while read -r name file; do
    [ -n "$name" ] || continue
    cmp -s "$api/$file" "$name" || { bad=1; echo "differs: $name" >&2; }
  done < <(jq_ "$api/parts.json" 'o.filter(p => p.name.startsWith("python_modules/")).map(p => p.name + " " + p.file).join("\n")')
  [ $bad = 0 ] && pass || fail "a python_modules/ part is not byte-identical"
  # the parts come in wrangler's walk order, the order pwpkg gzips them in
  [ "$(jq_ "$api/parts.json" 'o.filter(p => p.field !== "metadata" && p.name !== "'"$3"'").map(p => p.name).join(" ")')" = \
    "$(jq_ "$report" 'o.workers.upload.modules.filter(m => m.kind !== "main").map(m => m.name).join(" ")')" ] &&
    pass || fail "upload order differs from pwpkg's"
}
start_api "$WORK/api1"
run 0 wrangler deploy
stop_api
check_upload "$WORK/api1" report.json entry.py 2025-01-01 python_workers

# --max-size: Cloudflare's plans by name, checked against the whole upload
run 0 "$PWPKG" bundle --max-size free
run 0 "$PWPKG" bundle --max-size paid
run 1 "$PWPKG" bundle --max-size 10KB
expect_contains "$ERR" "the Worker's upload is" "budget on the upload"
expect_contains "$ERR" "gzipped as wrangler counts it" "budget says how it counts"
run 2 "$PWPKG" bundle --max-size lots
expect_contains "$ERR" "free, paid or a size" "--max-size names free and paid"

# --compile: refused, before anything is fetched or written, with the way
# to keep the files in the config's own syntax
rm -rf python_modules python_modules.bundle.json
run 2 "$PWPKG" bundle --compile
expect_contains "$ERR" 'wrangler would drop every compiled .pyc file at upload (python_modules.exclude "**/*.pyc", wrangler'"'"'s default)' "compile refused"
expect_contains "$ERR" '`[python_modules] exclude = []` in ./wrangler.toml' "toml hint"
[ ! -e python_modules ] && [ ! -e python_modules.bundle.json ] && pass || fail "refused --compile wrote a bundle"
# --target pyodide: not a Worker, nothing excluded, no upload row
run 0 "$PWPKG" --json bundle --target pyodide -o plain
[ -f plain/fastlib/speed.pyc ] && pass || fail "--target pyodide applied wrangler's exclude"
expect_not_contains "$OUT" '"workers"' "--target pyodide has no workers report"
# bad input: exit 2, naming the file
run 2 "$PWPKG" bundle --env staging
expect_contains "$ERR" 'wrangler.toml: no environment "staging"' "missing env"
run 2 "$PWPKG" bundle --target cloud
printf 'name = "x"\nmain = "src/entry.py"\ncompatibility_date = "2025-01-01"\ncompatibility_flags = ["python_workers"]\n[python_modules]\nexclude = "**/*.pyc"\n' >../bad.toml
mkdir -p ../bad && mv ../bad.toml ../bad/wrangler.toml
run 2 "$PWPKG" bundle -o ../bad/python_modules
expect_contains "$ERR" "wrangler.toml:6" "wrongly typed exclude named by line"
[ ! -e ../bad/python_modules ] && pass || fail "bad config: bundle written"
cd ..

# --target workers without a config: wrangler's defaults
mkdir -p noconfig && cp toml/pwpkg.lock noconfig/
cd noconfig
run 0 "$PWPKG" --json bundle --target workers
printf '%s\n' "$OUT" >report.json
[ "$(jq_ report.json '[o.workers.config, o.workers.exclude_from, o.workers.upload.main, o.workers.dropped.length].join(" ")')" = \
  " wrangler's default false 2" ] && pass || fail "--target workers: $OUT"
run 2 "$PWPKG" bundle --target workers --compile
expect_contains "$ERR" 'in a wrangler.toml, or `"python_modules": {"exclude": []}` in a wrangler.jsonc' "hint without a config"
run 2 "$PWPKG" bundle --env prod
expect_contains "$ERR" "--env prod: no wrangler config in ." "--env without a config"
cd ..

# ----------------------------------------------- JSONC, [env], --compile
project jsonc wrangler.jsonc '{
  // wrangler.jsonc: comments allowed
  "name": "pwpkg-upload-jsonc",
  "main": "src/entry.py",
  "compatibility_date": "2025-01-01",
  "compatibility_flags": ["python_workers"],
  "env": {
    "keep": {
      "compatibility_date": "2025-10-01",
      "python_modules": { "exclude": ["**/tests/**"] }
    }
  }
}'
cd jsonc
run 2 "$PWPKG" bundle --compile
expect_contains "$ERR" '`"python_modules": {"exclude": []}` in ./wrangler.jsonc' "jsonc hint"
# env.keep replaces the default: .pyc files stay, tests go
run 0 "$PWPKG" --json bundle --env keep
printf '%s\n' "$OUT" >report.json
[ "$(jq_ report.json 'o.workers.dropped.join(" ") + " | " + o.workers.exclude_from')" = \
  "app/tests/test_core.py | ./wrangler.jsonc:10" ] && pass || fail "env exclude: $OUT"
[ -f python_modules/fastlib/speed.pyc ] && pass || fail "env keep: .pyc dropped"
start_api "$WORK/api2"
run 0 wrangler deploy --env keep
stop_api
check_upload "$WORK/api2" report.json entry.py 2025-10-01 python_workers
# --compile where the config keeps .pyc: compiled files reach Cloudflare
runtimes=$(pyodide_runtime_cache 0.27.7)
run 0 "$PWPKG" --json bundle --env keep --compile --cache-dir "$runtimes"
printf '%s\n' "$OUT" >report.json
[ "$(jq_ report.json 'o.workers.upload.modules.filter(m => m.name.endsWith(".pyc") && m.name.includes("__pycache__")).length')" -ge 3 ] &&
  pass || fail "compiled .pyc files not in the upload: $OUT"
start_api "$WORK/api3"
run 0 wrangler deploy --env keep
stop_api
check_upload "$WORK/api3" report.json entry.py 2025-10-01 python_workers
# the top level still drops them
run 0 "$PWPKG" --json bundle
[ -z "$(find python_modules -name '*.pyc')" ] && pass || fail "top level kept .pyc"
cd ..

# find_additional_modules = false: wrangler uploads main alone, python_modules/ not at all
project fam wrangler.toml 'name = "pwpkg-upload-fam"
main = "src/entry.py"
compatibility_date = "2025-01-01"
compatibility_flags = ["python_workers"]
find_additional_modules = false'
cd fam
run 0 "$PWPKG" --json bundle
printf '%s\n' "$OUT" >report.json
expect_contains "$ERR" "wrangler.toml:5: find_additional_modules = false: wrangler uploads the main module alone" "main-only warning"
[ "$(jq_ report.json 'o.workers.upload.modules.map(m => m.name).join(" ")')" = "entry.py" ] && pass || fail "main only: $OUT"
start_api "$WORK/api5"
run 0 wrangler deploy
stop_api
check_upload "$WORK/api5" report.json entry.py 2025-01-01 python_workers
cd ..

# base_dir = ".": the project is the module root, and wrangler walks
# python_modules/ as the Worker's own files too (its .py and .txt files go
# twice), as well as requirements.txt
project rootdir wrangler.toml 'name = "pwpkg-upload-root"
main = "src/entry.py"
base_dir = "."
compatibility_date = "2025-01-01"
compatibility_flags = ["python_workers"]'
cd rootdir
run 0 "$PWPKG" --json bundle
printf '%s\n' "$OUT" >report.json
expect_contains "$ERR" "of its files twice, once as the Worker's own modules" "duplicate warning"
[ "$(jq_ report.json 'o.workers.upload.modules.filter(m => m.kind === "own").map(m => m.name).filter(n => !n.startsWith("python_modules/")).join(" ")')" = \
  "requirements.txt src/helper.py src/notes.txt" ] && pass || fail "own modules from the project root: $OUT"
start_api "$WORK/api6"
run 0 wrangler deploy
stop_api
check_upload "$WORK/api6" report.json entry.py 2025-01-01 python_workers
cd ..

# ------------------------------------------- the README's example worker
cp -r "$PWPKG_SOURCE_DIR/examples/worker" example
run 0 "$PWPKG" wheel "$PWPKG_SOURCE_DIR/examples/packages/greetings" \
  "$PWPKG_SOURCE_DIR/examples/packages/tinyfmt" -o example-wheels
cd example
# wrangler.toml's 2025-10-01 selects 0.28.2, resolved against 0.28.3's index
run 0 "$PWPKG" lock --pyodide-index "$(pyodide_index 0.28.3)" --no-index --find-links ../example-wheels
run 0 "$PWPKG" --json bundle
printf '%s\n' "$OUT" >report.json
run 0 wrangler deploy --dry-run --outdir out
diff -r python_modules out/python_modules && pass || fail "example: dry-run python_modules/ differs"
[ "$(outdir_modules out)" = "$(report_modules report.json)" ] && pass || fail "example: dry-run modules differ"
start_api "$WORK/api4"
run 0 wrangler deploy
stop_api
check_upload "$WORK/api4" report.json entry.py 2025-10-01 python_workers
cd ..

finish
