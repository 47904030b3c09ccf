#!/usr/bin/env bash
# pwpkg lock: release selection, --check, markers, suggestions, conflicts.
source "$(dirname "$0")/lib.bash"
index=$(pyodide_index 0.27.7)

# a conflicting pin: exit 1 and the explanation
printf 'pandas<2\n' >requirements.txt
run 1 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "requirements.txt:1: pandas<2 requested; Pyodide 0.27.7 provides pandas 2.2.3" "conflict message"
[ ! -e pwpkg.lock ] && pass || fail "a failed lock must not write pwpkg.lock"

# unknown names get close matches
printf 'pandsa\nnumpy\n' >requirements.txt
run 1 "$PWPKG" lock --no-index --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "requirements.txt:1: no package named 'pandsa' in Pyodide 0.27.7 (did you mean 'pandas'" "suggestion"

# a name the release lacks, with --no-index: the reason and what to do, and
# no unrelated "did you mean" (fastapi is 3 edits from casadi)
printf 'fastapi\n' >requirements.txt
run 1 "$PWPKG" lock --no-index --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "requirements.txt:1: no package named 'fastapi' in Pyodide 0.27.7: it is not built into the release, and --no-index means no index was asked; pure-Python packages come from an index (remove --no-index, or add --index-url URL or --find-links DIR)" "missing name with --no-index"
expect_not_contains "$ERR" "did you mean" "no implausible suggestion"
mkdir -p empty-links
run 1 "$PWPKG" lock --no-index --find-links empty-links --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "the one source asked does not have it (check the name, or add the --index-url that serves fastapi)" "missing name with a source asked"
# a release whose runtime is installed has it: say which
for v in 0.29.5 314.0.7; do
  mkdir -p "$PWPKG_CACHE_DIR/runtimes/$v"
  cp "$(pyodide_index "$v")" "$PWPKG_CACHE_DIR/runtimes/$v/pyodide-lock.json"
done
run 1 "$PWPKG" lock --no-index --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "; fastapi is in Pyodide 0.29.5 and 314.0.7 (installed runtimes): choose one of those releases" "a release that has it"
rm -rf "$PWPKG_CACHE_DIR/runtimes"
printf 'dateutil\n' >requirements.txt
run 1 "$PWPKG" lock --no-index --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "(did you mean 'python-dateutil'?)" "suffix suggestion"

# a false marker drops the requirement and says so
printf 'six\npywin32; sys_platform == "win32"\nregex; platform_machine == "wasm32"\n' >requirements.txt
run 0 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "dropped" "dropped report"
got=$(lock_query pwpkg.lock "lock.packages.map(p => p.name).join(' ') + '|' + lock.inputs.dropped.join(',')")
[ "$got" = 'regex six|pywin32; sys_platform == "win32"' ] && pass || fail "markers: $got"

# --check: current -> 0, stale -> 1 with what would change, lock untouched
run 0 "$PWPKG" lock --check --pyodide 0.27.7 --pyodide-index "$index"
cp pwpkg.lock before.lock
printf 'six\nregex\nnumpy\n' >requirements.txt
run 1 "$PWPKG" lock --check --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "+ numpy 2.0.2 (added)" "stale summary"
cmp -s before.lock pwpkg.lock && pass || fail "--check must not write"
run 1 "$PWPKG" --json lock --check --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$OUT" '"status": "stale"' "--check --json"
rm -f pwpkg.lock
run 1 "$PWPKG" lock --check --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "does not exist" "--check without a lock"

# constraints apply to the whole closure
printf 'pandas\n-c constraints.txt\n' >requirements.txt
printf 'six<1.16\n' >constraints.txt
run 1 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "constraints.txt:1: constraint six<1.16; Pyodide 0.27.7 provides six 1.16.0" "constraint"

# hashes: a wrong --hash is refused, the right one accepted
sha=$(node -e "console.log(JSON.parse(require('fs').readFileSync(process.argv[1])).packages.six.sha256)" "$index")
printf 'six==1.16.0 --hash=sha256:%s\n' "$sha" >requirements.txt
run 0 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index"
printf 'six==1.16.0 --hash=sha256:%s\n' "$(printf '0%.0s' {1..64})" >requirements.txt
run 1 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "none of the given --hash values matches" "hash mismatch"

# release from wrangler.toml beside the requirements; JSONC too
mkdir -p worker && printf 'six\n' >worker/requirements.txt
cat >worker/wrangler.toml <<'TOML'
name = "demo"
main = "src/entry.py"
compatibility_date = "2025-10-01"
compatibility_flags = ["python_workers"]
TOML
index28=$(pyodide_index 0.29.5)
# 2025-10-01 implies python_workers_20250116: Pyodide 0.28.2, Python 3.13
run 0 "$PWPKG" lock -r worker/requirements.txt -o worker/pwpkg.lock --pyodide-index "$index28"
got=$(lock_query worker/pwpkg.lock "lock.release.pyodide + ' ' + lock.release.python")
[ "$got" = "0.28.2 3.13.2" ] && pass || fail "wrangler.toml release: $got"
rm worker/wrangler.toml
printf '{\n  // comment\n  "compatibility_date": "2025-01-01",\n  "compatibility_flags": ["python_workers",],\n}\n' >worker/wrangler.jsonc
run 0 "$PWPKG" lock -r worker/requirements.txt -o worker/pwpkg.lock --pyodide-index "$index"
got=$(lock_query worker/pwpkg.lock "lock.release.pyodide + ' ' + lock.release.index_release")
[ "$got" = "0.26.0a2 0.27.7" ] && pass || fail "wrangler.jsonc release: $got"
# --compat-date on the command line
run 0 "$PWPKG" lock -r worker/requirements.txt -o worker/c.lock --compat-date 2025-10-01 --compat-flag python_workers --pyodide-index "$index28"
got=$(lock_query worker/c.lock "lock.release.pyodide")
[ "$got" = "0.28.2" ] && pass || fail "--compat-date: $got"
# an index of the wrong Python is refused
run 2 "$PWPKG" lock -r worker/requirements.txt -o worker/c.lock --compat-date 2025-10-01 --pyodide-index "$index"
expect_contains "$ERR" "is for Python 3.12.7, but Pyodide 0.28.2 runs Python 3.13.2" "python mismatch"
# no release at all
mkdir -p empty && printf 'six\n' >empty/requirements.txt
run 2 "$PWPKG" lock -r empty/requirements.txt -o empty/pwpkg.lock
expect_contains "$ERR" "no Pyodide release chosen" "no release"

finish
