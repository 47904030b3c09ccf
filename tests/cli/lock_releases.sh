#!/usr/bin/env bash
# pwpkg lock against the real pyodide-lock.json of four releases.
source "$(dirname "$0")/lib.bash"

# release  pandas numpy python-dateutil pytz six
expectations=(
  "0.26.4 2.2.0 1.26.4 2.9.0.post0 2024.1 1.16.0"
  "0.27.7 2.2.3 2.0.2 2.9.0.post0 2024.1 1.16.0"
  "0.29.5 2.3.3 2.2.5 2.9.0.post0 2025.2 1.17.0"
  "314.0.7 3.0.2 2.4.6 2.9.0.post0 2026.1.post1 1.17.0"
)
for row in "${expectations[@]}"; do
  read -r release pandas numpy dateutil pytz six <<<"$row"
  index=$(pyodide_index "$release")
  mkdir -p "$release" && printf 'pandas\n' >"$release/requirements.txt"
  run 0 "$PWPKG" lock -r "$release/requirements.txt" -o "$release/pwpkg.lock" \
    --pyodide "$release" --pyodide-index "$index" || continue
  got=$(lock_query "$release/pwpkg.lock" \
    "lock.packages.map(p => p.name + '=' + p.version).join(' ')")
  want="numpy=$numpy pandas=$pandas python-dateutil=$dateutil pytz=$pytz six=$six"
  [ "$got" = "$want" ] && pass || fail "$release: packages '$got', expected '$want'"
  got=$(lock_query "$release/pwpkg.lock" "lock.release.pyodide + ' ' + lock.release.index_sha256.length")
  [ "$got" = "$release 64" ] && pass || fail "$release: release recorded as '$got'"
  # the artifacts resolve against the release's CDN folder: the npm package
  # holds the index but not the wheels
  url=$(lock_query "$release/pwpkg.lock" "lock.packages.find(p => p.name == 'pandas').url")
  expect_contains "$url" "https://cdn.jsdelivr.net/pyodide/v$release/full/pandas-$pandas-" "$release url"
  # a second lock gives identical bytes (and does not rewrite the file)
  cp "$release/pwpkg.lock" "$WORK/first.lock"
  run 0 "$PWPKG" lock -r "$release/requirements.txt" -o "$release/pwpkg.lock" \
    --pyodide "$release" --pyodide-index "$index"
  cmp -s "$WORK/first.lock" "$release/pwpkg.lock" && pass || fail "$release: second lock differs"
done

# scipy on 0.27.7 pulls the openblas shared library
index=$(pyodide_index 0.27.7)
printf 'scipy\n' >requirements.txt
run 0 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index"
got=$(lock_query pwpkg.lock "JSON.stringify(lock.packages.find(p => p.name == 'openblas'))")
expect_contains "$got" '"package_type":"shared_library"' "openblas type"
expect_contains "$got" '"install_dir":"dynlib"' "openblas install_dir"
expect_contains "$got" '"requested":[],"required_by":["scipy"]' "openblas pulled by scipy"

# cpython_module entries and their shared libraries (ssl -> libopenssl on 0.29.5)
index=$(pyodide_index 0.29.5)
printf 'ssl\n' >requirements.txt
run 0 "$PWPKG" lock --pyodide 0.29.5 --pyodide-index "$index"
got=$(lock_query pwpkg.lock "lock.packages.map(p => p.name + ':' + p.package_type).join(' ')")
[ "$got" = "libopenssl:shared_library ssl:cpython_module" ] && pass || fail "ssl closure: $got"

# the lock is independent of the working directory and of the index's path
index=$(pyodide_index 0.27.7)
mkdir -p a b && printf 'six\n' >a/requirements.txt && cp "$index" b/pyodide-lock.json
run 0 "$PWPKG" lock -r a/requirements.txt -o a/pwpkg.lock --pyodide 0.27.7 --pyodide-index b
(cd a && run 0 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index ../b/pyodide-lock.json -o other.lock)
cmp -s a/pwpkg.lock a/other.lock && pass || fail "lock depends on the working directory"

finish
