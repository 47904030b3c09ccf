#!/usr/bin/env bash
# Pyodide distributions as they really are, served by nginx on 127.0.0.1:
# the CDN's layout (/pyodide/v{version}/full/), a self-hosted folder that
# vendors only some artifacts (on disk, and over HTTP behind a redirect),
# py-compiled wheels (retagged cp315-none-any, .py replaced by .pyc, RECORD
# kept) and a release pwpkg's table does not know (a synthetic 0.31.0 with
# Python 3.15 and ABI 2027_0, whose info says 0.31.0.dev0). Then the bad
# inputs: each refused with the package named and nothing written.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests
command -v python3 >/dev/null || { fail "python3 is needed to py-compile the test wheels"; finish; }

V=0.31.0
mk() { "$tools/pw_wheelgen" --out "$WORK/wheels" "$@" | tail -1; }
mkdir -p wheels
purepkg_src=$(mk --name purepkg --version 1.0 --module purepkg --file 'purepkg/util.py=def answer():
    return 42
')
purepkg=$(python3 "$PWPKG_SOURCE_DIR/tests/tools/py_compile_wheel.py" "$purepkg_src" "$WORK/wheels" cp315)
# binary wheels of a py-compiled distribution are py-compiled too, tag kept
mkdir -p "$WORK/wheels/src"
fastx_src=$("$tools/pw_wheelgen" --out "$WORK/wheels/src" --name fastx --version 2.0 --module fastx --python cp315 --abi cp315 --platform pyemscripten_2027_0_wasm32 | tail -1)
fastx=$(python3 "$PWPKG_SOURCE_DIR/tests/tools/py_compile_wheel.py" "$fastx_src" "$WORK/wheels" keep)
six=$(mk --name six --version 1.16.0 --module six)
remoteonly=$(mk --name remoteonly --version 1.0 --module remoteonly)
stale=$(mk --name stale --version 1.0 --module stale --python cp313 --abi cp313 --platform pyodide_2025_0_wasm32)
mkdir -p wheels/other
other=$(python3 "$PWPKG_SOURCE_DIR/tests/tools/py_compile_wheel.py" "$purepkg_src" "$WORK/wheels/other" cp314)

# mkindex OUT_DIR PYTHON ABI ENTRY...: a pyodide-lock.json whose entries are
# name=file_name=wheel (the sha256 is the wheel's); info.version is the
# quirk of 0.28.3 (".dev0").
mkindex() {
  local out=$1 python=$2 abi=$3; shift 3
  mkdir -p "$out"
  node -e '
    const fs = require("fs"), crypto = require("crypto");
    const [out, python, abi, ...entries] = process.argv.slice(1);
    const packages = {};
    for (const e of entries) {
      const [name, file_name, path] = e.split("=");
      const sha256 = crypto.createHash("sha256").update(fs.readFileSync(path)).digest("hex");
      packages[name] = {name, version: require("path").basename(path).split("-")[1], file_name,
        install_dir: "site", sha256, package_type: "package", imports: [name], depends: [],
        unvendored_tests: false};
    }
    const info = {arch: "wasm32", platform: "emscripten_6_0_0", version: "0.31.0.dev0", python, abi_version: abi};
    fs.writeFileSync(out + "/pyodide-lock.json", JSON.stringify({info, packages}, null, 2));
  ' "$out" "$python" "$abi" "$@"
}
entries=("purepkg=$(basename "$purepkg")=$purepkg" "fastx=$(basename "$fastx")=$fastx"
         "six=$(basename "$six")=$six" "remoteonly=$(basename "$remoteonly")=$remoteonly")

# the CDN: everything; a self-hosted app: purepkg and fastx; a local
# folder: purepkg and six
cdn=srv/pyodide/v$V/full
mkindex "$cdn" 3.15.0 2027_0 "${entries[@]}"
cp "$purepkg" "$fastx" "$six" "$remoteonly" "$cdn/"
mkindex srv/app/pyodide 3.15.0 2027_0 "${entries[@]}"
cp "$purepkg" "$fastx" srv/app/pyodide/
mkdir -p proj/public
mkindex proj/public/pyodide 3.15.0 2027_0 "${entries[@]}"
cp "$purepkg" "$six" proj/public/pyodide/

with_nginx srv
base="http://127.0.0.1:$PORT"
cdn_url="$base/pyodide/v$V/full/"
urls() { lock_query "$1" "lock.packages.map(p => p.name + ' ' + p.url).join('\n')"; }

cd proj
printf 'purepkg\nfastx\nsix\nremoteonly\n' >requirements.txt

# --- a local self-hosted folder: each artifact from where it is
run 0 "$PWPKG" lock --pyodide $V --pyodide-index public/pyodide --pyodide-base-url "$cdn_url"
expect_contains "$ERR" "2 artifacts from public/pyodide, 2 from $cdn_url" "split reported"
got=$(urls pwpkg.lock)
expect_contains "$got" "purepkg public/pyodide/purepkg-1.0-cp315-none-any.whl" "purepkg from the folder"
expect_contains "$got" "six public/pyodide/six-1.16.0-py3-none-any.whl" "six from the folder"
expect_contains "$got" "fastx ${cdn_url}fastx-2.0-cp315-cp315-pyemscripten_2027_0_wasm32.whl" "fastx from the CDN"
expect_contains "$got" "remoteonly ${cdn_url}remoteonly-1.0-py3-none-any.whl" "remoteonly from the CDN"
# the release comes from the index's info; --pyodide names it (not 0.31.0.dev0)
got=$(lock_query pwpkg.lock "[lock.release.pyodide, lock.release.python, lock.release.abi_version, lock.release.wheel_platform].join(' ')")
[ "$got" = "$V 3.15.0 2027_0 pyemscripten_2027_0_wasm32" ] && pass || fail "release from info: $got"

run 0 "$PWPKG" lock --json --pyodide $V --pyodide-index public/pyodide --pyodide-base-url "$cdn_url"
[ "$(node -e 'const o=JSON.parse(process.argv[1]).release_artifacts; console.log(o.beside_index, o.elsewhere)' "$OUT")" = "2 2" ] &&
  pass || fail "lock --json split: $OUT"

# bundle: py-compiled members accepted and counted, RECORD true for them
run 0 "$PWPKG" bundle -o out
expect_contains "$ERR" "py-compiled: 2 wheels, 3 .pyc members" "py-compiled counted"
expect_not_contains "$ERR" "warning" "py-compiled wheels are not warned about"
expect_contains "$ERR" "python_modules.exclude" "wrangler's default exclude of .pyc noted"
[ -f out/purepkg/util.pyc ] && [ ! -e out/purepkg/util.py ] && [ -f out/fastx/__init__.pyc ] && pass || fail "pyc installed in place"
record=$(cat out/purepkg-1.0.dist-info/RECORD)
expect_contains "$record" "purepkg/util.pyc,sha256=" "installed RECORD lists the .pyc"
expect_not_contains "$record" "purepkg/util.py," "installed RECORD does not list the missing .py"
run 0 "$PWPKG" bundle --strict-record -o strict
run 0 "$PWPKG" verify --pyodide $V --pyodide-index public/pyodide --pyodide-base-url "$cdn_url" --bundle out
run 0 "$PWPKG" bundle --json -o out2
[ "$(node -e 'const o=JSON.parse(process.argv[1]); console.log(o.py_compiled_wheels, o.py_compiled_members)' "$OUT")" = "2 3" ] &&
  pass || fail "bundle --json counts: $OUT"

# --no-remote-artifacts lists every artifact not beside the index
run 2 "$PWPKG" lock --pyodide $V --pyodide-index public/pyodide --no-remote-artifacts -o nr.lock
expect_contains "$ERR" "2 artifacts are not beside the release index public/pyodide" "count"
expect_contains "$ERR" "fastx (fastx-2.0" "fastx listed"
expect_contains "$ERR" "remoteonly (remoteonly-1.0" "remoteonly listed"
[ ! -e nr.lock ] && pass || fail "--no-remote-artifacts wrote a lock"
printf 'purepkg\nsix\n' >local.txt
run 0 "$PWPKG" lock --pyodide $V --pyodide-index public/pyodide --no-remote-artifacts -r local.txt -o nr.lock

# --- over HTTP: a self-hosted app behind a redirect (/moved/ -> /)
run 0 "$PWPKG" lock --pyodide $V --pyodide-index "$base/moved/app/pyodide/" --pyodide-base-url "$cdn_url" -o http.lock
expect_contains "$ERR" "2 artifacts from $base/moved/app/pyodide/, 2 from $cdn_url" "HTTP split"
# one one-byte probe per locked artifact, through the redirect
probes=$(grep -cE '"GET /app/pyodide/[^ ]+\.whl HTTP/1\.1" (206 1|404) ' "$WORK/nginx/access.log" || true)
[ "$probes" = 4 ] && pass || fail "expected 4 probes beside the index, got $probes"
got=$(urls http.lock)
expect_contains "$got" "purepkg $base/moved/app/pyodide/purepkg-1.0-cp315-none-any.whl" "purepkg beside the remote index"
expect_contains "$got" "six ${cdn_url}six-1.16.0-py3-none-any.whl" "six from the CDN"
run 0 "$PWPKG" bundle --lock http.lock -o http-out
cmp -s out/purepkg/util.pyc http-out/purepkg/util.pyc && pass || fail "same bundle over HTTP"
# a remote neighbour with other bytes than the index says: the download is
# refused, not replaced by the CDN's copy
mkdir -p "$WORK/srv/badapp/pyodide"
cp "$WORK/srv/app/pyodide/pyodide-lock.json" "$WORK/srv/badapp/pyodide/"
cp "$remoteonly" "$WORK/srv/badapp/pyodide/$(basename "$fastx")"
run 0 "$PWPKG" lock --pyodide $V --pyodide-index "$base/badapp/pyodide/" --pyodide-base-url "$cdn_url" -o badapp.lock
expect_contains "$(urls badapp.lock)" "fastx $base/badapp/pyodide/fastx-2.0" "the neighbour is locked"
# (a fresh cache: the genuine fastx is already in this one, by its sha256)
PWPKG_CACHE_DIR="$WORK/cache-badapp" run 1 "$PWPKG" bundle --lock badapp.lock -o badapp-out
expect_contains "$ERR" "fastx" "bad neighbour named"
expect_contains "$ERR" "sha256" "bad neighbour: hash mismatch"
[ ! -e badapp-out ] && pass || fail "bad neighbour: output written"
# offline, the remote folder cannot be asked: refused, unless the existing
# lock already says where each artifact is
run 2 "$PWPKG" lock --offline --pyodide $V --pyodide-index "$base/moved/app/pyodide/" --pyodide-base-url "$cdn_url" -o off.lock
expect_contains "$ERR" "cannot be checked" "offline says why"
[ ! -e off.lock ] && pass || fail "offline wrote a lock"
cp http.lock off.lock
run 0 "$PWPKG" lock --offline --pyodide $V --pyodide-index "$base/moved/app/pyodide/" --pyodide-base-url "$cdn_url" -o off.lock
cmp -s http.lock off.lock && pass || fail "offline relock changed the lock"

# --- the CDN's own layout
run 0 "$PWPKG" lock --pyodide $V --pyodide-index "${cdn_url}pyodide-lock.json" --pyodide-base-url "$cdn_url" -o cdn.lock
got=$(urls cdn.lock)
expect_contains "$got" "fastx ${cdn_url}fastx-2.0" "CDN layout"
expect_contains "$got" "purepkg ${cdn_url}purepkg-1.0" "CDN layout"
run 0 "$PWPKG" bundle --lock cdn.lock -o cdn-out

# --- a release the table lacks, from the cache (an installed runtime's index)
mkdir -p "$PWPKG_CACHE_DIR/runtimes/$V"
cp public/pyodide/pyodide-lock.json "$PWPKG_CACHE_DIR/runtimes/$V/"
run 0 "$PWPKG" lock --pyodide $V --pyodide-base-url "$cdn_url" -o cache.lock
[ "$(lock_query cache.lock 'lock.release.python')" = 3.15.0 ] && pass || fail "release from the cached index"
# ... whose runtime contradicts a given index: refused
mkdir -p py14
sed 's/"3.15.0"/"3.14.2"/' public/pyodide/pyodide-lock.json >py14/pyodide-lock.json
run 2 "$PWPKG" lock --pyodide $V --pyodide-index py14 -o py14.lock
expect_contains "$ERR" "runs Python 3.15.0" "runtime named"
[ ! -e py14.lock ] && pass || fail "contradiction wrote a lock"
rm -rf "$PWPKG_CACHE_DIR/runtimes/$V"
run 2 "$PWPKG" lock --pyodide 0.31.9 -o nothing.lock
expect_contains "$ERR" "runtime install 0.31.9" "an unknown release without an index says how"

# --- bad inputs: each refused with the package named, nothing written
bad() { # NAME EXIT NEEDLE LOCK-ARGS...
  local name=$1 code=$2 needle=$3; shift 3
  run "$code" "$PWPKG" lock --pyodide $V --pyodide-base-url "$cdn_url" -o "$name.lock" "$@" || return 0
  expect_contains "$ERR" "$needle" "$name"
  [ ! -e "$name.lock" ] && pass || fail "$name: a lock was written"
}
# a local artifact whose hash differs from the index
mkdir -p badhash && cp public/pyodide/pyodide-lock.json "$purepkg" badhash/
cp "$remoteonly" "badhash/$(basename "$six")"
bad badhash 1 "six: badhash/$(basename "$six") has sha256" --pyodide-index badhash
expect_contains "$ERR" "not replaced" "badhash: says it is not replaced"
# file_name leaving the folder, absolute, scheme-relative, not http
n=0
for f in "../$(basename "$six")" "%2e%2e/$(basename "$six")" "/etc/$(basename "$six")" "//evil.example/$(basename "$six")" "file:///etc/$(basename "$six")"; do
  dir=fn$((++n))
  mkdir -p "$dir"
  node -e 'const fs=require("fs"); const [i,o,f]=process.argv.slice(1); const l=JSON.parse(fs.readFileSync(i)); l.packages.six.file_name=f; fs.writeFileSync(o, JSON.stringify(l))' \
    public/pyodide/pyodide-lock.json "$dir/pyodide-lock.json" "$f"
  bad "$dir" 2 "six: file_name '$f'" --pyodide-index "$dir"
done
# ... and over HTTP, where the server is never asked for it
mkdir -p "$WORK/srv/evil/pyodide"
cp fn1/pyodide-lock.json "$WORK/srv/evil/pyodide/"
bad evilhttp 2 "six: file_name '../$(basename "$six")'" --pyodide-index "$base/evil/pyodide/"
grep -q "GET /evil/six" "$WORK/nginx/access.log" && fail "the server was asked for ../six" || pass
# an absolute URL on another host: used as it is, refused by --no-remote-artifacts
mkdir -p otherhost
node -e 'const fs=require("fs"); const [i,o,f]=process.argv.slice(1); const l=JSON.parse(fs.readFileSync(i)); l.packages.six.file_name=f; fs.writeFileSync(o, JSON.stringify(l))' \
  public/pyodide/pyodide-lock.json otherhost/pyodide-lock.json "${cdn_url}$(basename "$six")"
run 0 "$PWPKG" lock --pyodide $V --pyodide-index otherhost -o otherhost.lock
expect_contains "$(urls otherhost.lock)" "six ${cdn_url}six-1.16.0" "absolute URL used as it is"
rm otherhost.lock
bad otherhost 2 "six (${cdn_url}six-1.16.0-py3-none-any.whl): an absolute URL on another host" --pyodide-index otherhost --no-remote-artifacts
# info contradicting the artifacts: a wheel of another ABI, a py-compiled
# wheel of another Python minor
mkdir -p stale
mkindex stale 3.15.0 2027_0 "${entries[@]}" "stale=$(basename "$stale")=$stale"
cp "$stale" stale/
printf 'stale\n' >stale.txt
bad stale 2 "stale: $(basename "$stale") in the release index has tag cp313-cp313-pyodide_2025_0_wasm32" --pyodide-index stale -r stale.txt
printf 'purepkg\n' >other.txt
mkindex other 3.15.0 2027_0 "purepkg=$(basename "$other")=$other"
cp "$other" other/
bad other 2 "has tag cp314-none-any" --pyodide-index other -r other.txt
finish
