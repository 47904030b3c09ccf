#!/usr/bin/env bash
# lock -> fetch -> bundle (dir, zip, mirror) -> export, with wheels generated
# by the test: reproducibility, size budgets, slimming, the mirror as an
# offline index, and the exported requirements accepted by pip.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests
index=$(pyodide_index 0.27.7)

cat >universe.txt <<'SPEC'
app 1.0 -- lib>=1 && util
lib 1.0 -- util>=2
util 2.0
util 1.0
SPEC
"$tools/pw_mkindex" repo universe.txt || { fail "pw_mkindex"; finish; }
printf 'app\n' >requirements.txt
run 0 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index" --no-index --find-links repo/files

# fetch: every artifact verified into the cache, then served from it
run 0 "$PWPKG" fetch
expect_contains "$ERR" "Fetched 3 artifacts" "fetch summary"
run 0 "$PWPKG" --json fetch --offline
expect_contains "$OUT" '"from_cache": 3' "fetch from cache"

# dir bundle: importable tree with RECORD, INSTALLER and the manifest
run 0 "$PWPKG" bundle
for f in app/__init__.py lib/__init__.py util/__init__.py app-1.0.dist-info/RECORD \
         app-1.0.dist-info/INSTALLER; do
  [ -f "python_modules/$f" ] && pass || fail "python_modules/$f missing"
done
# the manifest sits beside the tree wrangler uploads, not in it
[ -f python_modules.bundle.json ] && pass || fail "python_modules.bundle.json missing"
[ ! -e python_modules/bundle.json ] && pass || fail "manifest inside python_modules/"
grep -q '__version__ = "2.0"' python_modules/util/__init__.py && pass || fail "util 2.0 installed"

# byte-reproducible: other TZ, umask, locale, and SOURCE_DATE_EPOCH unset
run 0 "$PWPKG" bundle --format zip -o one.zip
(umask 077; TZ=Asia/Tokyo LC_ALL=C.UTF-8 "$PWPKG" -q bundle --format zip -o two.zip) && pass || fail "second zip"
cmp -s one.zip two.zip && pass || fail "zip bundles differ"
mkdir -p other && (cd other && umask 022 && TZ=America/Lima "$PWPKG" -q bundle --lock ../pwpkg.lock -o py2) && pass || fail "second dir"
diff -r python_modules other/py2 >/dev/null && pass || fail "dir bundles differ"
cmp -s python_modules.bundle.json other/py2.bundle.json && pass || fail "dir manifests differ"
SOURCE_DATE_EPOCH=1700000000 "$PWPKG" -q bundle --format zip -o epoch.zip
cmp -s one.zip epoch.zip && fail "SOURCE_DATE_EPOCH ignored" || pass
unzip -Z -T epoch.zip >epoch.list 2>&1
grep -q "20231114" epoch.list && pass || fail "SOURCE_DATE_EPOCH timestamp"

# size budget: fails with the largest contributors, leaves the old bundle
run 1 "$PWPKG" bundle --max-size 100B -o budget
expect_contains "$ERR" "app" "budget names packages"
[ ! -e budget ] && pass || fail "over-budget bundle written"
run 2 "$PWPKG" bundle --max-size lots

# slimming reports what it saved
run 0 "$PWPKG" bundle --strip all --exclude '*/__init__.py' -o slim
expect_contains "$ERR" "saved" "strip report"
[ ! -e slim/app/__init__.py ] && pass || fail "--exclude"

# a tampered cache file: verify names it (exit 1), fetch repairs it from the
# source, and a tampered source is refused with the digests (exit 1)
artifact=$(node -e "const l=JSON.parse(require('fs').readFileSync('pwpkg.lock'));console.log(l.packages.find(p=>p.name=='util').sha256)")
cached=$(find "$PWPKG_CACHE_DIR/artifacts" -name "$artifact")
verify_args=(--pyodide 0.27.7 --pyodide-index "$index" --no-index --find-links repo/files)
run 0 "$PWPKG" verify "${verify_args[@]}"
printf 'tampered' >>"$cached"
run 1 "$PWPKG" verify "${verify_args[@]}"
expect_contains "$OUT" "pwpkg.lock:" "verify annotates the lock"
expect_contains "$OUT" "util 2.0" "verify names the package"
run 0 "$PWPKG" fetch
run 0 "$PWPKG" verify "${verify_args[@]}"
cp repo/files/util-2.0-py3-none-any.whl util.bak
printf 'tampered' >>repo/files/util-2.0-py3-none-any.whl
printf 'tampered' >>"$cached"
run 1 "$PWPKG" bundle -o tampered
expect_contains "$ERR" "$artifact" "expected digest named"
[ ! -e tampered ] && pass || fail "bundle from a tampered artifact"
cp util.bak repo/files/util-2.0-py3-none-any.whl
run 0 "$PWPKG" fetch

# verify --bundle: a rebuilt bundle must be byte-identical
run 0 "$PWPKG" verify "${verify_args[@]}" --bundle python_modules
run 0 "$PWPKG" verify "${verify_args[@]}" --bundle one.zip
ls -a . | grep -q '\.verify\.' && fail "verify left its rebuild behind" || pass
# a bundle of an older pwpkg, manifest inside: still verified, with a note
mv python_modules.bundle.json python_modules/bundle.json
run 0 "$PWPKG" verify "${verify_args[@]}" --bundle python_modules
expect_contains "$ERR" "python_modules/bundle.json is the manifest location of an older pwpkg" "legacy note"
run 0 "$PWPKG" bundle
[ -f python_modules.bundle.json ] && [ ! -e python_modules/bundle.json ] && pass || fail "rebundle moves the manifest out"
printf '# edited\n' >>python_modules/util/__init__.py
run 1 "$PWPKG" verify "${verify_args[@]}" --bundle python_modules
expect_contains "$OUT" "util/__init__.py" "verify names the differing file"
run 0 "$PWPKG" bundle
# a file added to the bundle is "not expected", one deleted from it "missing"
echo stray >python_modules/stray.txt
rm python_modules/util/__init__.py
run 1 "$PWPKG" verify "${verify_args[@]}" --bundle python_modules
expect_contains "$OUT" "stray.txt (not expected)" "an extra file is named as extra"
expect_contains "$OUT" "util/__init__.py (missing)" "a deleted file is named as missing"
run 0 "$PWPKG" bundle
# a stale lock fails verify too
printf 'app\nlib\n' >requirements.txt
run 1 "$PWPKG" --json verify "${verify_args[@]}"
expect_contains "$OUT" '"check": "lock"' "stale lock in verify"
printf 'app\n' >requirements.txt

# the mirror: wheels + pyodide-lock.json + simple index, usable offline
run 0 "$PWPKG" bundle --format mirror -o vendor
for f in pyodide-lock.json simple/index.html simple/app/index.html app-1.0-py3-none-any.whl; do
  [ -f "vendor/$f" ] && pass || fail "vendor/$f missing"
done
rm -rf "$PWPKG_CACHE_DIR"
mkdir -p again && printf 'app\n' >again/requirements.txt
run 0 "$PWPKG" lock -r again/requirements.txt -o again/pwpkg.lock --pyodide 0.27.7 \
  --pyodide-index "$index" --index-url vendor/ --offline
got=$(lock_query again/pwpkg.lock "lock.packages.map(p => p.name + '=' + p.version + ':' + p.source).join(' ')")
[ "$got" = "app=1.0:index lib=1.0:index util=2.0:index" ] && pass || fail "mirror as index: $got"
(cd again && run 0 "$PWPKG" bundle --offline -o ../from-mirror)
# the same files; only bundle.json's lock digest differs (another lock)
diff -r -x bundle.json python_modules from-mirror >/dev/null && pass || fail "bundle from the mirror differs"

# exports
run 0 "$PWPKG" export --format pyodide-lock -o exported-lock.json
node -e "const l=JSON.parse(require('fs').readFileSync('exported-lock.json'));if(!l.packages.app||l.packages.app.tool!==undefined)process.exit(1)" && pass || fail "pyodide-lock export"
run 0 "$PWPKG" export --format pylock -o pylock.toml
grep -q 'lock-version = "1.0"' pylock.toml && pass || fail "pylock export"
run 0 "$PWPKG" export --format requirements -o exported.txt
if python3 -m pip --version >/dev/null 2>&1; then
  run 0 python3 -m pip install --dry-run --ignore-installed --require-hashes --no-index \
    --find-links vendor/ --only-binary=:all: --target "$WORK/pip-target" -r exported.txt
  sed -i 's/--hash=sha256:[0-9a-f]\{8\}/--hash=sha256:00000000/' exported.txt
  run 1 python3 -m pip install --dry-run --ignore-installed --require-hashes --no-index \
    --find-links vendor/ --only-binary=:all: --target "$WORK/pip-target" -r exported.txt
else
  fail "pip is needed for the export check (apt-get install python3-pip)"
fi
run 2 "$PWPKG" export --format nope

finish
