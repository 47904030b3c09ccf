#!/usr/bin/env bash
# The newest Pyodide on npm that pwpkg's release table lacks (314.0.8),
# installed with `pwpkg runtime install`, then a self-hosted distribution of
# it: the release's real pyodide-lock.json plus two py-compiled wheels (the
# .pyc compiled by the release's own Python in Pyodide under Node, .py
# dropped, WHEEL and RECORD kept): a pure one retagged cp314-none-any and a
# binary-tagged one, both vendored beside the index. It locks with every artifact local,
# bundles, and imports in real Pyodide.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests
command -v python3 >/dev/null || { fail "python3 is needed to rewrite the test wheels"; finish; }
V=314.0.8
runtimes=$(pyodide_runtime_cache $V)
index="$runtimes/runtimes/$V/pyodide-lock.json"
[ -f "$index" ] || { fail "runtime install $V left no pyodide-lock.json"; finish; }
python=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).info.python)' "$index")
minor=$(echo "$python" | cut -d. -f1,2 | tr -d .)

# --pyodide VERSION for a release the table lacks: its installed runtime's
# index describes it, no option needed
printf 'six\n' >requirements.txt
run 0 "$PWPKG" lock --pyodide $V --cache-dir "$runtimes"
got=$(lock_query pwpkg.lock "[lock.release.pyodide, lock.release.python, lock.release.abi_version].join(' ')")
[ "$got" = "$V $python 2026_0" ] && pass || fail "newest release from its runtime: $got"
expect_contains "$(lock_query pwpkg.lock "lock.packages[0].url")" "https://cdn.jsdelivr.net/pyodide/v$V/full/six-" "six from the CDN"

# the release's own Python compiles the sources (bundle --compile); binary
# wheels of a py-compiled distribution are compiled too, their tag kept
mkdir -p wheels build-pyc/src
src=$("$tools/pw_wheelgen" --out "$WORK/build-pyc/src" --name purepkg --version 1.0 --module purepkg \
  --file 'purepkg/util.py=def answer():
    return 42
' | tail -1)
fastbin_src=$("$tools/pw_wheelgen" --out "$WORK/build-pyc/src" --name fastbin --version 2.0 \
  --file 'fastbin/__init__.py=KIND = "binary-tagged"
' --python "cp$minor" --abi "cp$minor" --platform pyemscripten_2026_0_wasm32 | tail -1)
printf 'purepkg\nfastbin\n' >build-pyc/requirements.txt
cd build-pyc
run 0 "$PWPKG" lock --pyodide $V --cache-dir "$runtimes" --no-index -f src
run 0 "$PWPKG" bundle --compile --cache-dir "$runtimes" -o compiled
mkdir -p pyc/purepkg pyc/fastbin
for m in purepkg/__init__ purepkg/util fastbin/__init__; do
  cp "compiled/$(dirname $m)/__pycache__/$(basename $m).cpython-$minor.pyc" "pyc/$m.pyc" ||
    fail "no $m.pyc from Pyodide"
done
cd "$WORK"
purepkg=$(python3 "$PWPKG_SOURCE_DIR/tests/tools/py_compile_wheel.py" "$src" wheels "cp$minor" build-pyc/pyc)
fastbin=$(python3 "$PWPKG_SOURCE_DIR/tests/tools/py_compile_wheel.py" "$fastbin_src" wheels keep build-pyc/pyc)

# the self-hosted distribution: the real index plus the two vendored wheels
mkdir -p app/public/pyodide
node -e '
  const fs = require("fs"), crypto = require("crypto"), path = require("path");
  const [index, out, ...wheels] = process.argv.slice(1);
  const lock = JSON.parse(fs.readFileSync(index));
  for (const w of wheels) {
    const file_name = path.basename(w), [name, version] = file_name.split("-");
    lock.packages[name] = {name, version, file_name, install_dir: "site",
      sha256: crypto.createHash("sha256").update(fs.readFileSync(w)).digest("hex"),
      package_type: "package", imports: [name], depends: [], unvendored_tests: false};
    fs.copyFileSync(w, path.join(path.dirname(out), file_name));
  }
  fs.writeFileSync(out, JSON.stringify(lock));
' "$index" app/public/pyodide/pyodide-lock.json "$purepkg" "$fastbin"

cd app
printf 'purepkg\nfastbin\n' >requirements.txt
run 0 "$PWPKG" lock --pyodide $V --pyodide-index public/pyodide --no-remote-artifacts --cache-dir "$runtimes"
expect_contains "$ERR" "2 artifacts from public/pyodide, 0 from the CDN" "every artifact local"
got=$(lock_query pwpkg.lock "lock.packages.map(p => p.url).join(' ')")
[ "$got" = "public/pyodide/fastbin-2.0-cp$minor-cp$minor-pyemscripten_2026_0_wasm32.whl public/pyodide/purepkg-1.0-cp$minor-none-any.whl" ] &&
  pass || fail "local urls: $got"
run 0 "$PWPKG" bundle --strict-record --offline
expect_contains "$ERR" "py-compiled: 2 wheels, 3 .pyc members" "py-compiled counted"
[ -f python_modules/purepkg/util.pyc ] && [ ! -e python_modules/purepkg/util.py ] &&
  [ -f python_modules/fastbin/__init__.pyc ] && pass || fail "sourceless install"
printf 'import purepkg.util, fastbin\nassert purepkg.util.answer() == 42, purepkg.util.answer()\nassert purepkg.util.__file__.endswith(".pyc")\nassert fastbin.__file__.endswith(".pyc")\n\ndef on_fetch(request):\n    return fastbin.KIND\n' >entry.py
run 0 "$PWPKG" check --cache-dir "$runtimes" --entry entry.py
expect_contains "$ERR" "purepkg" "purepkg imported in Pyodide"
# a py-compiled wheel of another Python minor: refused naming its tag
other=$(python3 "$PWPKG_SOURCE_DIR/tests/tools/py_compile_wheel.py" "$src" "$WORK" cp313 "$WORK/build-pyc/pyc")
mkdir -p other
node -e '
  const fs = require("fs"), crypto = require("crypto"), path = require("path");
  const [index, out, w] = process.argv.slice(1);
  const lock = JSON.parse(fs.readFileSync(index));
  lock.packages.purepkg.file_name = path.basename(w);
  lock.packages.purepkg.sha256 = crypto.createHash("sha256").update(fs.readFileSync(w)).digest("hex");
  fs.writeFileSync(out, JSON.stringify(lock));
  fs.copyFileSync(w, path.join(path.dirname(out), path.basename(w)));
' public/pyodide/pyodide-lock.json other/pyodide-lock.json "$other"
run 2 "$PWPKG" lock --pyodide $V --pyodide-index other --cache-dir "$runtimes" -o other.lock
expect_contains "$ERR" "has tag cp313-none-any" "other minor refused with its tag"
[ ! -e other.lock ] && pass || fail "a lock was written"
finish
