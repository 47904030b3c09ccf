#!/usr/bin/env bash
# pwpkg check --profile with real Pyodide (npm `pyodide`) under Node.js, and
# pwpkg report rendered by a real headless Chromium (Debian `chromium`):
# the numbers are consistent, every package shows with its size, the page
# runs without console errors, hostile names stay text; bad input exits 2.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests
version=0.28.3
runtimes=$(pyodide_runtime_cache $version)
index="$runtimes/runtimes/$version/pyodide-lock.json"
# The screenshot outlives the scratch directory: a test artifact.
artifacts=${PWPKG_TEST_TMP:-/tmp}/report_html
mkdir -p "$artifacts"

mkdir -p wheels
wheel() { "$tools/pw_wheelgen" --out wheels "$@" >/dev/null || fail "pw_wheelgen $*"; }
# alpha imports beta (a dependency) and the standard library; gamma carries a
# file whose name is markup, which the page must show as text.
wheel --name alpha --version 1.0 --requires beta --file 'alpha/__init__.py=import json, email.mime.text
from alpha import core
import beta
' --file 'alpha/core.py=import decimal
X = [decimal.Decimal(i) for i in range(20000)]
'
wheel --name beta --version 2.0 --file 'beta/__init__.py=import fractions
Y = bytearray(3000000)
'
wheel --name gamma --version 0.1 --file 'gamma/__init__.py=' \
  --file "gamma/<img src onerror>&'q'.txt=$(head -c 5000 /dev/zero | tr '\0' x)"
printf 'alpha\ngamma\n' >requirements.txt
run 0 "$PWPKG" lock --pyodide $version --pyodide-index "$index" --no-index --find-links wheels
run 0 "$PWPKG" --json bundle
bundle_json=$OUT

# ------------------------------------------------------------- the profile
# the Worker's entry and its own helper module form the "(worker)" group
mkdir -p src
printf 'import alpha\nimport helper\n\ndef on_fetch(request):\n    return helper.V\n' >src/entry.py
printf 'import statistics\nV = statistics.mean([1, 2])\n' >src/helper.py
run 0 "$PWPKG" --json check --cache-dir "$runtimes" --entry src/entry.py --profile
echo "$OUT" >profile.json
consistency=$(node -e '
const check = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const bundle = JSON.parse(process.argv[2]);
const p = check.profile, out = [];
if (!p) { console.log("no profile in the --json document"); process.exit(0); }
const sizes = {};
for (const s of bundle.packages || bundle.report.packages) sizes[s.name] = s;
let prev = Infinity;
for (const k of p.packages) {
  if (k.cumulative_us < k.self_us) out.push(`${k.name}: cumulative ${k.cumulative_us} < self ${k.self_us}`);
  const cost = k.cumulative_us + k.dynlib_us;
  if (cost > prev) out.push(`${k.name}: not sorted by cost`);
  prev = cost;
  const s = sizes[k.name];
  if (s && (s.raw_bytes !== k.raw_bytes || s.gzip_bytes !== k.gz_bytes))
    out.push(`${k.name}: sizes ${k.raw_bytes}/${k.gz_bytes}, bundle says ${s.raw_bytes}/${s.gzip_bytes}`);
  if (!s && !k.name.startsWith("(")) out.push(`${k.name}: not in the bundle`);
}
for (const n of ["alpha", "beta", "gamma"]) {
  const k = p.packages.find((x) => x.name === n);
  if (!k) { out.push(`${n} missing`); continue; }
  if (n !== "gamma" && !(k.self_us > 0)) out.push(`${n}: no self time`);
  if (k.modules < 1) out.push(`${n}: no module`);
}
const w = p.packages.find((x) => x.name === "(worker)");
if (!w || w.modules < 2) out.push("the entry and helper.py are not the (worker) group");
const a = p.packages.find((x) => x.name === "alpha"), b = p.packages.find((x) => x.name === "beta");
// alpha imports beta: its cumulative holds beta time, its self does not.
if (a && b && !(a.cumulative_us >= a.self_us + b.self_us)) out.push("alpha cumulative does not hold beta");
// beta allocates 3 MB at import: the heap grew by at least that, and it is beta s.
// (less free heap that was already there)
if (b && !(b.memory_bytes >= 2500000)) out.push(`beta heap growth ${b.memory_bytes} < 2500000`);
if (!(p.heap_end_bytes >= p.heap_start_bytes + 2500000)) out.push("heap did not grow");
let sum = 0; for (const k of p.packages) sum += k.memory_ppm;
if (sum > 1000000) out.push(`heap shares add up to ${sum} ppm`);
console.log(out.join("\n"));
' profile.json "$bundle_json")
[ -z "$consistency" ] && pass || fail "profile inconsistent: $consistency"

# the text table, most costly first
run 0 "$PWPKG" check --cache-dir "$runtimes" --profile
expect_contains "$OUT" "cumulative" "profile table header"
expect_contains "$OUT" "alpha" "alpha in the table"

# the profile's sizes and owners come from the manifest: without it, exit 2 naming it
mv python_modules.bundle.json manifest.saved
run 2 "$PWPKG" check --cache-dir "$runtimes" --profile
expect_contains "$ERR" "python_modules.bundle.json" "missing manifest named"
mv manifest.saved python_modules.bundle.json

# ------------------------------------------------------------- the report
printf '{"trace_version": 1, "runs": [], "files": ["alpha/__init__.py", "alpha/core.py", "beta/__init__.py"], "lock": {"digest": "%s"}}\n' \
  "$(node -e 'const j=JSON.parse(require("fs").readFileSync("python_modules.bundle.json","utf8"));console.log(j.lock_digest)')" >trace.json
run 0 "$PWPKG" report -o report.html --profile profile.json --trace trace.json
[ -s report.html ] && pass || fail "report.html written"
ls -a | grep -q 'report.html.*tmp' && fail "temporary file left" || pass
if grep -qiE '(src|href)="https?:|<link|@import|url\(' report.html; then fail "the page loads something"; else pass; fi
expect_not_contains "$(cat report.html)" "<img src" "hostile file name escaped"

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  fail "chromium not installed (apt-get install chromium; .ci/setup-debian.sh)"
else
  page="file://$WORK/report.html"
  chrome() { timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$WORK/chrome" --enable-logging=stderr --v=0 "$@"; }
  chrome --dump-dom "$page" >dom.html 2>chrome.err || fail "chromium --dump-dom failed: $(tail -5 chrome.err)"
  grep -q 'data-report-ready="yes"' dom.html && pass || fail "the page's script did not run to its end"
  if grep -E 'Uncaught|CONSOLE\(|Refused to' chrome.err >console.txt; then
    fail "console errors: $(cat console.txt)"
  else
    pass
  fi
  # every package with its gzip and raw size, as `pwpkg bundle` reported them
  for name in alpha beta gamma; do
    want=$(node -e '
      const b = JSON.parse(process.argv[1]);
      const s = (b.packages || b.report.packages).find((p) => p.name === process.argv[2]);
      console.log(`data-package="${s.name}" data-raw-bytes="${s.raw_bytes}" data-gz-bytes="${s.gzip_bytes}"`);' \
      "$bundle_json" $name)
    expect_contains "$(cat dom.html)" "$want" "$name with its sizes in the rendered page"
    expect_contains "$(cat dom.html)" "class=\"profile-row\" data-package=\"$name\"" "$name in the profile bars"
    expect_contains "$(cat dom.html)" "class=\"node\" data-package=\"$name\"" "$name in the graph"
  done
  expect_contains "$(cat dom.html)" "3 MB: Workers free plan" "free limit line"
  expect_contains "$(cat dom.html)" "10 MB: Workers paid plan" "paid limit line"
  expect_contains "$(cat dom.html)" 'id="slimming"' "slimming section"
  expect_contains "$(cat dom.html)" "&lt;img src onerror&gt;&amp;" "hostile name shown as text"
  expect_not_contains "$(cat dom.html)" "<img" "no element from a file name"
  # the script works: #raw switches the treemap to raw sizes
  chrome --dump-dom "$page#raw" >raw.html 2>/dev/null || fail "chromium --dump-dom #raw failed"
  grep -q 'id="treemap-gz"[^>]*style="display: none;"' raw.html && pass || fail "#raw did not hide the gzip treemap"
  grep -q 'data-view="raw" aria-pressed="true"' raw.html && pass || fail "#raw did not press the raw button"
  chrome --screenshot="$artifacts/report.png" --window-size=1280,2400 "$page" >/dev/null 2>&1 ||
    fail "chromium --screenshot failed"
  [ -s "$artifacts/report.png" ] && pass || fail "screenshot kept in $artifacts"
fi

# without a profile and a trace the page says how to get them
run 0 "$PWPKG" report -o plain.html
expect_contains "$(cat plain.html)" 'id="no-profile"' "no profile note"
expect_contains "$(cat plain.html)" 'id="no-trace"' "no trace note"

# ------------------------------------------------------------- bad input
printf '{"profile_version": 1, "packages": [' >broken.json
run 2 "$PWPKG" report -o bad.html --profile broken.json
expect_contains "$ERR" "broken.json" "malformed profile named"
[ -e bad.html ] && fail "nothing written on bad input" || pass
printf '{"profile": {"profile_version": 1, "imports_us": 1, "heap_start_bytes": 0, "heap_end_bytes": 0, "packages": [{"name": "alpha"}]}}\n' >partial.json
run 2 "$PWPKG" report -o bad.html --profile partial.json
expect_contains "$ERR" "partial.json: packages[0].version" "missing field named"
printf '{"profile_version": 1, "imports_us": 1, "heap_start_bytes": 0, "heap_end_bytes": 0, "packages": [{"name": "a", "version": "1", "files": 1, "raw_bytes": 1, "gz_bytes": 1, "modules": 1, "self_us": 9, "cumulative_us": 3, "dynlib_us": 0, "memory_bytes": 0, "memory_ppm": 0, "shared_libraries": []}]}\n' >selfmore.json
run 2 "$PWPKG" report -o bad.html --profile selfmore.json
expect_contains "$ERR" "self_us 9 is more than cumulative_us 3" "inconsistent profile refused"
run 2 "$PWPKG" report -o bad.html --profile nothere.json
expect_contains "$ERR" "nothere.json" "missing profile named"
printf '{"trace_version": 1, "runs": [], "files": [], "lock": {"digest": "sha256:%064d"}}\n' 0 >other.json
run 2 "$PWPKG" report -o bad.html --trace other.json
expect_contains "$ERR" "another lock" "trace of another lock refused"
printf '{"trace_version": 1, "runs": [], "files": [3], "lock": {"digest": "sha256:%064d"}}\n' 0 >badtrace.json
run 2 "$PWPKG" report -o bad.html --trace badtrace.json
expect_contains "$ERR" 'badtrace.json:1: "files" item 1' "malformed trace named"
[ -e bad.html ] && fail "nothing written on bad input" || pass
run 2 "$PWPKG" report
expect_contains "$ERR" "-o FILE.html" "usage names -o"
run 2 "$PWPKG" report -o x.html --bundle nope
finish
