#!/usr/bin/env bash
# pwpkg check --trace / --exercise and pwpkg bundle --slim, in real Pyodide
# (npm `pyodide`) under Node.js: what a run opens is traced, the slim bundle
# keeps it (and each .dist-info, with a true RECORD), is proven by replaying
# the run, rebuilds byte-identically, and bad traces are refused.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests
V=314.0.6
runtimes=$(pyodide_runtime_cache $V)
index="$runtimes/runtimes/$V/pyodide-lock.json"
export PWPKG_CACHE_DIR="$runtimes"

# Some filler that gzip cannot shrink to nothing: bytes the slimming saves.
filler() { python3 -c "import random; r = random.Random($1); print('# ' + ''.join(r.choice('abcdefghij ') for _ in range($2)))"; }

mkdir -p wheels src
wheel() { "$tools/pw_wheelgen" --out wheels "$@" >/dev/null || fail "pw_wheelgen $*"; }
wheel --name alpha --version 1.0 \
  --file 'alpha/__init__.py=from alpha import core
' --file 'alpha/core.py=X = 1
' --file "alpha/unused.py=$(filler 1 20000)
" --file "alpha/data/table.txt=$(filler 2 20000)
"
wheel --name beta --version 2.0 \
  --file 'beta/__init__.py=
' --file 'beta/extra.py=Z = 3
' --file "beta/tests/test_beta.py=$(filler 3 8000)
"
wheel --name gamma --version 0.5 \
  --file 'gamma/__init__.py=
' --file "gamma/heavy.py=$(filler 4 30000)
"
printf 'alpha\nbeta\ngamma\n' >requirements.txt
run 0 "$PWPKG" lock --pyodide $V --pyodide-index "$index" --no-index --find-links wheels
run 0 "$PWPKG" bundle
printf 'import alpha\nimport gamma\n\ndef on_fetch(request):\n    return alpha.core.X\n' >src/entry.py
printf 'import beta.extra\nassert beta.extra.Z == 3\n' >exercise.py

# the trace: what importing the entry opened, in load order, naming the lock
run 0 "$PWPKG" check --entry src/entry.py --trace t1.json
expect_contains "$ERR" "traced" "trace reported"
t1=$(cat t1.json)
expect_contains "$t1" '"alpha/core.py"' "an imported module is traced"
expect_contains "$t1" '"digest": "sha256:' "the trace names the lock"
[[ "$t1" == *alpha/unused.py* || "$t1" == *gamma/heavy.py* || "$t1" == *beta/extra.py* ]] &&
  fail "modules never imported are traced: $t1" || pass
python3 - t1.json <<'EOF' && pass || fail "load order: alpha/__init__.py before alpha/core.py"
import json, sys
f = json.load(open(sys.argv[1]))["files"]
sys.exit(0 if f.index("alpha/__init__.py") < f.index("alpha/core.py") else 1)
EOF

# a trace with an exercise script: the module it imports is traced too
run 0 "$PWPKG" check --entry src/entry.py --exercise exercise.py --trace t2.json
expect_contains "$ERR" "exercise exercise.py ran to its end" "the exercise reported"
expect_contains "$(cat t2.json)" '"beta/extra.py"' "the exercise's import is traced"
expect_contains "$(cat t2.json)" '"exercise": "exercise.py"' "the trace records its run"

# slim from the first trace: smaller, only what was used, RECORDs true
run 0 "$PWPKG" --json bundle --slim t1.json -o slim
slim_json=$OUT
run 0 "$PWPKG" --json bundle -o full
full_json=$OUT
gz() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["gzip_bytes"])' "$1"; }
[ "$(gz "$slim_json")" -lt "$(gz "$full_json")" ] && pass ||
  fail "slim bundle not smaller: $(gz "$slim_json") vs $(gz "$full_json")"
expect_contains "$slim_json" '"dropped_files"' "per-package kept/dropped in the report"
for f in alpha/unused.py alpha/data/table.txt gamma/heavy.py beta/extra.py beta/tests/test_beta.py; do
  [ ! -e "slim/$f" ] && pass || fail "slim kept $f, never opened"
done
for f in alpha/__init__.py alpha/core.py gamma/__init__.py alpha-1.0.dist-info/RECORD \
  alpha-1.0.dist-info/METADATA beta-2.0.dist-info/RECORD gamma-0.5.dist-info/RECORD; do
  [ -f "slim/$f" ] && pass || fail "slim lacks $f"
done
grep -q slimming slim.bundle.json && pass || fail "slimming not recorded in the manifest"
records_true() {
  python3 - "$1" <<'EOF'
import base64, csv, hashlib, os, sys
root = sys.argv[1]
listed = set()
for d in sorted(os.listdir(root)):
    if not d.endswith(".dist-info"):
        continue
    for row in csv.reader(open(os.path.join(root, d, "RECORD"), newline="")):
        path, digest, size = row
        listed.add(path)
        if not digest:
            continue
        data = open(os.path.join(root, path), "rb").read()
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        if digest != "sha256=" + h or int(size) != len(data):
            sys.exit(f"{d}/RECORD: {path} does not match")
on_disk = {os.path.relpath(os.path.join(dp, f), root) for dp, _, fs in os.walk(root) for f in fs}
if on_disk != listed:
    sys.exit(f"RECORDs and files differ: {sorted(on_disk ^ listed)}")
EOF
}
records_true slim && pass || fail "slim RECORDs are not true"
# still passes check, and rebuilds byte-identically from the manifest
run 0 "$PWPKG" check --bundle slim --entry src/entry.py
run 0 "$PWPKG" verify --pyodide $V --pyodide-index "$index" --no-index --find-links wheels \
  --bundle slim
expect_contains "$ERR" "bundle rebuilt and compared" "verify rebuilt the slim bundle"

# a zip bundle slims, proves and verifies the same way
run 0 "$PWPKG" bundle --format zip --slim t1.json -o slim.zip
unzip -l slim.zip | grep -q 'alpha/unused.py' && fail "slim.zip kept alpha/unused.py" || pass
run 0 "$PWPKG" verify --pyodide $V --pyodide-index "$index" --no-index --find-links wheels \
  --bundle slim.zip

# merged traces keep the exercise's module; --keep adds what a glob names
run 0 "$PWPKG" bundle --slim t1.json --slim t2.json --keep 'gamma/heavy.py' -o slim2
[ -f slim2/beta/extra.py ] && pass || fail "the merged trace's exercise module was dropped"
[ -f slim2/gamma/heavy.py ] && pass || fail "--keep did not keep gamma/heavy.py"
[ ! -e slim2/alpha/unused.py ] && pass || fail "slim2 kept alpha/unused.py"
records_true slim2 && pass || fail "slim2 RECORDs are not true"
expect_contains "$ERR" "proven in Pyodide: 2 traced runs" "both runs replayed"
run 0 "$PWPKG" verify --pyodide $V --pyodide-index "$index" --no-index --find-links wheels \
  --bundle slim2

# a trace that misses a needed file: the proof fails naming it, nothing written
python3 - <<'EOF'
import json
t = json.load(open("t2.json"))
t["files"].remove("beta/extra.py")
json.dump(t, open("wrong.json", "w"), indent=2)
EOF
run 1 "$PWPKG" bundle --slim wrong.json -o slim3
expect_contains "$ERR" "python_modules/beta/extra.py" "the proof names the dropped file"
expect_contains "$ERR" "--keep" "the proof says how to keep it"
[ ! -e slim3 ] && [ ! -e slim3.bundle.json ] && pass || fail "a failed proof left a bundle"
ls -a | grep -q 'slim3.*staging\|\.tmp\.' && fail "a failed proof left temporaries" || pass
# ...and --keep of that file repairs it
run 0 "$PWPKG" bundle --slim wrong.json --keep 'beta/extra.py' -o slim3

# bad input: exit 2, the file and line named, nothing written
printf '{"trace_version": 1,\n  "runs": []\n  "files": []\n}\n' >broken.json
run 2 "$PWPKG" bundle --slim broken.json -o bad
expect_contains "$ERR" "broken.json:3:" "malformed trace: file and line"
printf '{"trace_version": 1,\n  "lock": {"digest": "sha256:%s"},\n  "runs": {}\n}\n' \
  "$(printf '0%.0s' {1..64})" >schema.json
run 2 "$PWPKG" bundle --slim schema.json -o bad
expect_contains "$ERR" 'schema.json:3: "runs": expected an array' "wrong type: line and what"
sed 's/"alpha\/core.py"/"..\/escape.py"/' t1.json >escape.json
run 2 "$PWPKG" bundle --slim escape.json -o bad
expect_contains "$ERR" "escape.json:" "a path outside the bundle named"
expect_contains "$ERR" "relative to the bundle" "says what is expected"
python3 - <<'EOF'
import json
t = json.load(open("t1.json"))
t["lock"]["digest"] = "sha256:" + "0" * 64
json.dump(t, open("other.json", "w"), indent=2)
EOF
run 2 "$PWPKG" bundle --slim other.json -o bad
expect_contains "$ERR" "another lock" "a trace of another lock refused"
run 2 "$PWPKG" bundle --slim t1.json --slim other.json -o bad
[ ! -e bad ] && [ ! -e bad.bundle.json ] && pass || fail "bad input left a bundle"
run 2 "$PWPKG" bundle --keep 'x/*' -o bad
expect_contains "$ERR" "--slim" "--keep without --slim"

# an exercise that raises: exit 1 with its traceback, no trace written
printf 'import beta\n\ndef go():\n    raise RuntimeError("exercise broke")\n\ngo()\n' >bad.py
run 1 "$PWPKG" check --entry src/entry.py --exercise bad.py --trace t3.json
expect_contains "$ERR" 'File "bad.py", line 4, in go' "the script's traceback"
expect_contains "$ERR" "RuntimeError: exercise broke" "the script's error"
[ ! -e t3.json ] && pass || fail "a failed run wrote its trace"
run 2 "$PWPKG" check --entry src/entry.py --exercise no-such-script.py
expect_contains "$ERR" "no-such-script.py" "a missing exercise script named"

finish
