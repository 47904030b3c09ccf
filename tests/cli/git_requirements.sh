#!/usr/bin/env bash
# name @ git+file://...@REF: the commit is pinned in the lock, its wheel is
# built by pwpkg reproducibly, later locks keep the pin unless upgraded.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests
index=$(pyodide_index 0.27.7)

mkdir -p mylib/src/mylib
cat >mylib/pyproject.toml <<'TOML'
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "mylib"
version = "1.0.0"
dependencies = ["tiny>=1"]
TOML
printf 'VERSION = "1.0.0"\n' >mylib/src/mylib/__init__.py
"$tools/pw_gitrepo" mylib init >/dev/null
first=$("$tools/pw_gitrepo" mylib commit "1.0.0")
"$tools/pw_gitrepo" mylib tag v1.0

"$tools/pw_wheelgen" --name tiny --version 1.0 --module tiny --out "$WORK/wheels" >/dev/null
mkdir -p app && cd app
lock() { run "$1" "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index" --no-index -f "$WORK/wheels" "${@:2}"; }
printf 'mylib @ git+file://%s/mylib\n' "$WORK" >requirements.txt
lock 0
got=$(lock_query pwpkg.lock "JSON.stringify(lock.packages.find(p => p.name == 'mylib'))")
expect_contains "$got" "\"git_commit\":\"$first\"" "commit pinned"
expect_contains "$got" "\"source\":\"git\"" "source git"
expect_contains "$got" "\"url\":\"git+file://$WORK/mylib@$first\"" "url with commit"
expect_contains "$(lock_query pwpkg.lock "lock.packages.map(p => p.name).join(' ')")" "tiny" "dependency of the git package"
cp pwpkg.lock first.lock

# a new upstream commit: the pin is kept, --upgrade-package moves it
sed -i 's/1.0.0/1.1.0/' ../mylib/pyproject.toml ../mylib/src/mylib/__init__.py
second=$("$tools/pw_gitrepo" ../mylib commit "1.1.0")
lock 0
cmp -s first.lock pwpkg.lock && pass || fail "the pin was not kept"
lock 0 --upgrade-package mylib
expect_contains "$(cat pwpkg.lock)" "\"git_commit\": \"$second\"" "upgraded pin"
expect_contains "$(cat pwpkg.lock)" "\"version\": \"1.1.0\"" "upgraded version"

# a tag ref resolves to its commit
printf 'mylib @ git+file://%s/mylib@v1.0\n' "$WORK" >requirements.txt
lock 0 --upgrade
expect_contains "$(cat pwpkg.lock)" "\"git_commit\": \"$first\"" "tag resolved"

# bundle; then with an empty cache the wheel is rebuilt and must match
run 0 "$PWPKG" bundle
grep -q 'VERSION = "1.0.0"' python_modules/mylib/__init__.py && pass || fail "bundled the tagged commit"
sha=$(lock_query pwpkg.lock "lock.packages.find(p => p.name == 'mylib').sha256")
rm -rf "$PWPKG_CACHE_DIR/artifacts" "$PWPKG_CACHE_DIR/git-wheels"
run 0 "$PWPKG" fetch
[ -n "$(find "$PWPKG_CACHE_DIR/artifacts" -name "$sha")" ] && pass || fail "rebuilt wheel reproduces the locked sha256"

# a project pwpkg cannot build says so, and suggests --find-links
mkdir -p ../native && cd ../native
printf '[build-system]\nrequires = ["maturin"]\nbuild-backend = "maturin"\n\n[project]\nname = "native"\nversion = "1.0"\n' >pyproject.toml
"$tools/pw_gitrepo" . init >/dev/null && "$tools/pw_gitrepo" . commit "native" >/dev/null
cd ../app
printf 'native @ git+file://%s/native\n' "$WORK" >requirements.txt
lock 2
expect_contains "$ERR" "--find-links" "unsupported backend suggests --find-links"
printf 'mylib @ git+file://%s/nonexistent\n' "$WORK" >requirements.txt
run 3 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index" --no-index
expect_contains "$ERR" "nonexistent" "missing repository named"
finish
