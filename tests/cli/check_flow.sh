#!/usr/bin/env bash
# pwpkg check: the bundle imported in real Pyodide (npm `pyodide`) under
# Node.js; failures with tracebacks, deploy-time rules, snapshots, --compile.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests
runtimes=$(pyodide_runtime_cache 0.27.7)
index="$runtimes/runtimes/0.27.7/pyodide-lock.json"

mkdir -p wheels
wheel() { "$tools/pw_wheelgen" --out wheels "$@" >/dev/null || fail "pw_wheelgen $*"; }
wheel --name goodpkg --version 1.0 --file 'goodpkg/__init__.py=import json
VALUE = json.dumps({"ok": True})
'
wheel --name badpkg --version 1.0 --file 'badpkg/__init__.py=def explode():
    raise ValueError("boom at import")
explode()
'
wheel --name needsmissing --version 1.0 --file 'needsmissing/__init__.py=import not_installed_anywhere
'
wheel --name randompkg --version 1.0 --file 'randompkg/__init__.py=import random
SEED = random.random()
'

lock_with() { printf '%s\n' "$@" >requirements.txt; run 0 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index" --no-index --find-links wheels; }

# a good bundle imports: exit 0, with a snapshot made and restored
lock_with goodpkg
run 0 "$PWPKG" bundle
printf 'import goodpkg\n\ndef on_fetch(request):\n    return goodpkg.VALUE\n' >entry.py
run 0 "$PWPKG" check --cache-dir "$runtimes" --entry entry.py --snapshot snap.bin
expect_contains "$ERR" "goodpkg" "good import listed"
expect_contains "$ERR" "snapshot" "snapshot reported"
[ -s snap.bin ] && pass || fail "snapshot file written"
run 0 "$PWPKG" --json check --cache-dir "$runtimes"
expect_contains "$OUT" '"module": "goodpkg"' "json report"

# failures: exit 1, each with its error
lock_with goodpkg badpkg needsmissing
run 0 "$PWPKG" bundle
run 1 "$PWPKG" check --cache-dir "$runtimes"
expect_contains "$ERR" "ValueError: boom at import" "traceback of a raising import"
expect_contains "$ERR" "not_installed_anywhere" "missing module named"

# randomness at import time breaks Cloudflare's snapshot: flagged
lock_with randompkg
run 0 "$PWPKG" bundle
run 1 "$PWPKG" check --cache-dir "$runtimes"
expect_contains "$ERR" "randompkg uses randomness at import time" "random flagged"

# --compile adds .pyc files compiled by the release's Python; still imports
lock_with goodpkg
run 0 "$PWPKG" bundle --compile --cache-dir "$runtimes"
expect_contains "$ERR" "compiled: 1 .pyc file" "compile size report"
ls python_modules/goodpkg/__pycache__/*.pyc >/dev/null 2>&1 && pass || fail "no .pyc written"
grep -q "__pycache__" python_modules.bundle.json && pass || fail ".pyc in the manifest"
run 0 "$PWPKG" check --cache-dir "$runtimes"
mv python_modules compiled
run 0 "$PWPKG" bundle --compile --cache-dir "$runtimes"
diff -r compiled python_modules >/dev/null && pass || fail "--compile is not reproducible"

# the runtime cannot start: exit 3 with the reason
run 3 "$PWPKG" check --cache-dir "$runtimes" --node /nonexistent/node
expect_contains "$ERR" "node" "missing node named"
run 3 "$PWPKG" check --cache-dir "$WORK/empty-cache"
expect_contains "$ERR" "pwpkg runtime install" "missing runtime says what to run"
run 2 "$PWPKG" check --bundle nope --cache-dir "$runtimes"

finish
