#!/usr/bin/env bash
# Start-up (issue 14): `pwpkg --version` maps no library beyond the C
# library; a command loads the core, and libgit2 only for git work; the
# installed tree finds its core from its own path; a missing or broken core
# is a one-line error and exit 2. Which objects a process maps is read from
# the dynamic loader's own log (LD_DEBUG=libs), not from timings.
source "$(dirname "$0")/lib.bash"
build=$(cd "$(dirname "$PWPKG")/.." && pwd)
tools=$build/tests
index=$(pyodide_index 0.27.7)

# mapped NAME CMD...: runs CMD (expecting exit 0) with the loader's log in
# $WORK/ld.<pid>; prints the shared objects it initialised, one a line.
mapped() {
  rm -f "$WORK"/ld.*
  LD_DEBUG=libs LD_DEBUG_OUTPUT="$WORK/ld" "$@" >"$WORK/out" 2>"$WORK/err" ||
    fail "exit $?: $* ($(cat "$WORK/err"))"
  cat "$WORK"/ld.* | sed -n 's/.*calling init: //p' | sort -u
}
heavy='libcurl|libgit2|libzip|libssl|libcrypto|libpwpkg_core'
# soname_of PKG: the soname of pkg-config's library PKG (what pwpkg opens).
soname_of() {
  objdump -p "$(pkg-config --variable=libdir "$1")/$1.so" | awk '/SONAME/ {print $2}'
}

libs=$(mapped "$PWPKG" --version)
expect_eq "$(cat "$WORK/out")" "pwpkg $(sed -n 's/^project(pwpkg VERSION \([0-9.]*\).*/\1/p' "$PWPKG_SOURCE_DIR/CMakeLists.txt")" "--version"
printf '%s\n' "$libs" | grep -Eq "$heavy" && fail "--version maps: $libs" || pass
[ -n "$libs" ] && pass || fail "LD_DEBUG=libs logged nothing (the check above proves nothing)"
libs=$(mapped "$PWPKG" -q -V)
printf '%s\n' "$libs" | grep -Eq "$heavy" && fail "-q -V maps: $libs" || pass
# The launcher and the core give the same answer (an abbreviation goes to the core).
run 0 "$PWPKG" --vers
expect_eq "$OUT" "$("$PWPKG" --version)" "--version of the core"

# A lock outside any git repository (lib.bash's ceiling stops the search
# at $WORK's parent) loads the core, not libgit2; from local files only, not
# libcurl (nor OpenSSL's TLS library, which only libcurl links).
mkdir nogit && cd nogit
printf 'six\nattrs\n' >requirements.txt
libs=$(mapped "$PWPKG" lock -q --pyodide 0.27.7 --pyodide-index "$index" --no-index)
expect_contains "$libs" libpwpkg_core "lock loads the core"
printf '%s\n' "$libs" | grep -q libgit2 && fail "lock without git maps libgit2" || pass
printf '%s\n' "$libs" | grep -Eq 'libcurl|libssl|libzip|libz\.' && fail "lock without transfers or archives maps: $libs" || pass
libs=$(mapped "$PWPKG" cache dir)
printf '%s\n' "$libs" | grep -Eq 'libcurl|libssl|libzip|libz\.' && fail "cache dir maps: $libs" || pass
[ -f pwpkg.lock ] && pass || fail "no lock written"
expect_eq "$(lock_query pwpkg.lock "lock.provenance === undefined")" true "no provenance outside a repository"
# A lock that reads an index over HTTP opens libcurl at its first transfer.
mkdir -p "$WORK/served/simple/wheelpkg"
"$tools/pw_wheelgen" --name wheelpkg --version 1.0 --out "$WORK/served/simple/wheelpkg" >/dev/null ||
  fail "pw_wheelgen"
wheel=$(cd "$WORK/served/simple/wheelpkg" && ls *.whl)
printf '<a href="%s">%s</a>\n' "$wheel" "$wheel" >"$WORK/served/simple/wheelpkg/index.html"
with_test_server "$WORK/served"
remote=(lock -q --pyodide 0.27.7 --pyodide-index "$index"
  --index-url "http://127.0.0.1:$TEST_SERVER_PORT/simple/" -o remote.lock)
printf 'wheelpkg\n' >requirements.txt
libs=$(mapped "$PWPKG" "${remote[@]}")
expect_contains "$libs" libcurl "lock through an HTTP index loads libcurl"
expect_contains "$(cat remote.lock)" "$wheel" "lock through an HTTP index"
# libcurl that cannot be opened: the transfer says why, exit 2 (as for
# libgit2: what pwpkg needs is not there); a lock from local files is
# unaffected.
mkdir "$WORK/nocurl"
echo 'not an ELF file' >"$WORK/nocurl/$(soname_of libcurl)"
rm -rf "$PWPKG_CACHE_DIR"
run 2 env LD_LIBRARY_PATH="$WORK/nocurl" "$PWPKG" "${remote[@]/remote.lock/nocurl.lock}"
expect_contains "$ERR" "downloads need libcurl" "libcurl that does not load"
[ ! -e nocurl.lock ] && pass || fail "a lock was written without its index"
printf 'six\n' >local.txt
run 0 env LD_LIBRARY_PATH="$WORK/nocurl" "$PWPKG" lock -q -r local.txt --pyodide 0.27.7 \
  --pyodide-index "$index" --no-index -o local.lock
# A bundle opens libzip and zlib, for the wheels; a libzip that does not
# load is one error and no bundle.
libs=$(mapped "$PWPKG" -q bundle --lock remote.lock -o python_modules)
expect_contains "$libs" libzip "bundle loads libzip"
expect_contains "$libs" "libz.so" "bundle loads zlib"
[ -f python_modules/wheelpkg-1.0.dist-info/METADATA ] && pass || fail "bundle: no wheelpkg in python_modules"
mkdir "$WORK/nozip"
echo 'not an ELF file' >"$WORK/nozip/$(soname_of libzip)"
# exit 1: once the artifacts are fetched, bundle reports what stops it
# reading them as a failed check (pipeline/bundle.c).
run 1 env LD_LIBRARY_PATH="$WORK/nozip" "$PWPKG" -q bundle --lock remote.lock -o nozip_modules
expect_contains "$ERR" "archives need libzip" "libzip that does not load"
[ ! -e nozip_modules ] && pass || fail "a bundle was written without libzip"
# fetch checks each wheel's METADATA against the lock with pwpkg's own zip
# reader: zlib inflates it (which proves the check ran), libzip stays out.
libs=$(mapped "$PWPKG" -q fetch --lock remote.lock)
expect_contains "$libs" "libz.so" "fetch inflates METADATA with zlib"
printf '%s\n' "$libs" | grep -q libzip && fail "fetch maps libzip: $libs" || pass
run 0 env LD_LIBRARY_PATH="$WORK/nozip" "$PWPKG" -q fetch --lock remote.lock
# and so does a lock from a find-links folder of wheels
printf 'wheelpkg\n' >wheel.txt
libs=$(mapped "$PWPKG" lock -q -r wheel.txt --pyodide 0.27.7 --pyodide-index "$index" --no-index \
  --find-links "$WORK/served/simple/wheelpkg" -o links.lock)
expect_contains "$(cat links.lock)" "$wheel" "lock from a find-links folder"
printf '%s\n' "$libs" | grep -q libzip && fail "lock --find-links DIR maps libzip: $libs" || pass
# A zlib that cannot be loaded stops that check with one error, exit 2: it
# does not pass by not running. (A local lock needs no libcurl, which
# links zlib too.)
mkdir "$WORK/nozlib"
echo 'not an ELF file' >"$WORK/nozlib/$(objdump -p "$(pkg-config --variable=libdir zlib)/libz.so" | awk '/SONAME/ {print $2}')"
run 2 env LD_LIBRARY_PATH="$WORK/nozlib" "$PWPKG" -q fetch --lock links.lock
expect_contains "$ERR" "archives need zlib" "zlib that does not load"
cd "$WORK"
# Inside a repository the lock records its provenance: libgit2 is loaded.
mkdir withgit && cd withgit
"$tools/pw_gitrepo" . init >/dev/null || fail "init"
printf 'six\n' >requirements.txt
"$tools/pw_gitrepo" . commit "first" requirements.txt >/dev/null || fail "commit"
libs=$(mapped "$PWPKG" lock -q --pyodide 0.27.7 --pyodide-index "$index" --no-index)
expect_contains "$libs" libgit2 "lock in a repository loads libgit2"
got=$(lock_query pwpkg.lock "lock.provenance.commit.length")
expect_eq "$got" 40 "provenance recorded"
cd "$WORK"

# The installed tree: bin/pwpkg finds lib/pwpkg/libpwpkg_core.so through
# its own path, from any directory, through a symbolic link, whatever
# LD_LIBRARY_PATH says.
cmake --install "$build" --prefix "$WORK/prefix" >"$WORK/install.log" 2>&1 ||
  fail "cmake --install: $(cat "$WORK/install.log")"
[ -f "$WORK/prefix/lib/pwpkg/libpwpkg_core.so" ] && pass || fail "core not installed"
ln -s "$WORK/prefix/bin/pwpkg" "$WORK/linked-pwpkg"
mkdir elsewhere && cd elsewhere
run 0 env LD_LIBRARY_PATH=/nonexistent "$WORK/prefix/bin/pwpkg" help lock
expect_contains "$OUT" "usage: pwpkg lock" "installed pwpkg runs a command"
run 0 "$WORK/linked-pwpkg" cache dir
libs=$(mapped "$WORK/linked-pwpkg" help)
printf '%s\n' "$libs" | grep -q "^$WORK/prefix/.*lib/pwpkg/libpwpkg_core.so$" && pass ||
  fail "not the installed core: $libs"
cd "$WORK"

# Without its core: one line, exit 2; --version still answers.
mkdir lonely
cp "$PWPKG" lonely/pwpkg
run 2 lonely/pwpkg help
expect_contains "$ERR" "pwpkg: its commands are missing" "missing core"
expect_contains "$ERR" "lonely/libpwpkg_core.so" "missing core: where it looked"
expect_eq "$(printf '%s\n' "$ERR" | wc -l)" 1 "missing core: one line"
run 0 lonely/pwpkg --version
# A core that is not a shared object: the loader's reason, exit 2.
echo 'not an ELF file' >lonely/libpwpkg_core.so
run 2 lonely/pwpkg help
expect_contains "$ERR" "pwpkg: cannot load its commands:" "broken core"
expect_eq "$(printf '%s\n' "$ERR" | wc -l)" 1 "broken core: one line"
finish
