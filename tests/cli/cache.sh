#!/usr/bin/env bash
# pwpkg cache dir|info|prune|clean: sizes by kind, prune keeps what a lock
# needs (offline lock and bundle still work after it), clean empties, and
# both wait for a pwpkg that is using the cache.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests
index=$(pyodide_index 0.27.7)

cat >universe.txt <<'SPEC'
app 1.0 -- lib
lib 1.0
extra 1.0
SPEC
"$tools/pw_mkindex" repo universe.txt || { fail "pw_mkindex"; finish; }
links=(--pyodide 0.27.7 --pyodide-index "$index" --no-index --find-links repo/files)
mkdir small both
printf 'app\n' >small/requirements.txt
printf 'app\nextra\n' >both/requirements.txt
cd small; run 0 "$PWPKG" lock "${links[@]/repo/../repo}"; cd ..
cd both; run 0 "$PWPKG" lock "${links[@]/repo/../repo}"; run 0 "$PWPKG" fetch; cd ..
sha() { lock_query "$1" "lock.packages.find(p => p.name === '$2').sha256"; }
extra_sha=$(sha both/pwpkg.lock extra) app_sha=$(sha both/pwpkg.lock app)

run 0 "$PWPKG" cache dir
[ "$OUT" = "$PWPKG_CACHE_DIR" ] && pass || fail "cache dir: $OUT"
run 0 "$PWPKG" cache info
expect_contains "$OUT" "artifacts" "info lists artifacts"
run 0 "$PWPKG" --json cache info
got=$(node -e "const j=JSON.parse(process.argv[1]); console.log(j.kinds.artifacts.entries, j.total_bytes > 0)" "$OUT")
[ "$got" = "3 true" ] && pass || fail "info --json: $got"

# a partial download left behind goes with any prune
echo partial >"$PWPKG_CACHE_DIR/tmp/abandoned.part"
# an artifact of the old fan-out layout (artifacts/<h[0:2]>/<h>) is seen too
old_sha=$(printf 'old layout' | sha256sum | cut -c1-64)
mkdir -p "$PWPKG_CACHE_DIR/artifacts/${old_sha:0:2}"
printf 'old layout' >"$PWPKG_CACHE_DIR/artifacts/${old_sha:0:2}/$old_sha"
# the URL index (a line per downloaded URL, and per local wheel read
# without a known digest, with lines written here): prune keeps the last
# line of each key whose artifact stays
log=$PWPKG_CACHE_DIR/urls/index.log
k1=$(printf 'u1' | sha256sum | cut -c1-64) k2=$(printf 'u2' | sha256sum | cut -c1-64)
printf '%s %s\n%s %s\n%s %s\n%s' "$k1" "$extra_sha" "$k2" "$extra_sha" "$k2" "$app_sha" "$k1 torn" >>"$log"

run 0 "$PWPKG" cache prune --lock small/pwpkg.lock --dry-run
expect_contains "$OUT" "would remove artifacts/$extra_sha" "dry run lists the unneeded artifact"
expect_not_contains "$OUT" "$app_sha" "dry run keeps the needed artifact"
[ -f "$PWPKG_CACHE_DIR/artifacts/$extra_sha" ] && pass || fail "dry run removed a file"

expect_contains "$OUT" "would remove artifacts/$old_sha" "dry run lists the old-layout artifact"
run 0 "$PWPKG" cache prune --lock small/pwpkg.lock
expect_contains "$ERR" "removed 3 entries" "prune summary"
[ ! -e "$PWPKG_CACHE_DIR/artifacts/${old_sha:0:2}/$old_sha" ] && pass || fail "old-layout artifact not pruned"
# the URL index is compacted to the artifacts still stored
grep -qx "$k2 $app_sha" "$log" && ! grep -q "^$k1 \|^$k2 $extra_sha" "$log" && pass ||
  fail "URL index after prune: $(cat "$log")"
while read -r key sha; do
  [ -f "$PWPKG_CACHE_DIR/artifacts/$sha" ] || fail "URL index after prune names a pruned artifact: $key $sha"
done <"$log"
[ "$(cut -d' ' -f1 "$log" | sort | uniq -d)" = "" ] && pass || fail "URL index after prune repeats a key: $(cat "$log")"
[ ! -e "$PWPKG_CACHE_DIR/artifacts/$extra_sha" ] && pass || fail "extra not pruned"
[ -f "$PWPKG_CACHE_DIR/artifacts/$app_sha" ] && pass || fail "app was pruned"
[ ! -e "$PWPKG_CACHE_DIR/tmp/abandoned.part" ] && pass || fail "partial file kept"

# what the small lock needs is still there: offline fetch, bundle and lock
rm -rf repo.moved && mv repo repo.moved
cd small; run 0 "$PWPKG" fetch --offline; run 0 "$PWPKG" bundle --offline -o out; cd ..
[ -f small/out/app/__init__.py ] && pass || fail "offline bundle after prune"
# ...and the other lock's pruned artifact is not invented
cd both; run 2 "$PWPKG" fetch --offline; cd ..
expect_contains "$ERR" "extra" "the pruned artifact is named"
mv repo.moved repo
cd small; run 0 "$PWPKG" lock --offline "${links[@]/repo/../repo}"; cd ..

# --unused-for: entries used recently stay
run 0 "$PWPKG" cache prune --unused-for 30
expect_contains "$ERR" "removed 0 entries" "recently used entries stay"
touch -a -m -d '40 days ago' "$PWPKG_CACHE_DIR/artifacts/$app_sha"
run 0 "$PWPKG" cache prune --unused-for 30 --lock both/pwpkg.lock
expect_contains "$ERR" "removed 0 entries" "old but needed by a lock: kept"
run 0 "$PWPKG" -v cache prune --unused-for 30
expect_contains "$OUT" "removed artifacts/$app_sha" "old and not named by a lock: removed"

# clean waits for a process holding the cache, then empties it
cd both; run 0 "$PWPKG" fetch; cd ..
( flock -s 9; touch "$WORK/held"; sleep 2; touch "$WORK/released" ) 9>"$PWPKG_CACHE_DIR/.pwpkg-cache.lock" &
holder=$!
# a loaded machine may start the holder late: clean must meet it holding
for _ in $(seq 100); do [ -e "$WORK/held" ] && break; sleep 0.05; done
run 0 "$PWPKG" cache clean
wait "$holder"
expect_contains "$ERR" "waiting for the other pwpkg processes" "clean says it waits"
[ -f "$WORK/released" ] && pass || fail "clean did not wait for the holder"
run 0 "$PWPKG" --json cache info
got=$(node -e "console.log(JSON.parse(process.argv[1]).total_bytes)" "$OUT")
[ "$got" = 0 ] && pass || fail "clean left $got bytes"

# usage errors
run 2 "$PWPKG" cache
expect_contains "$ERR" "which action?" "no action"
run 2 "$PWPKG" cache bogus
expect_contains "$ERR" "unknown action 'bogus'" "bad action"
run 2 "$PWPKG" cache prune
expect_contains "$ERR" "prune needs --lock FILE" "prune without a criterion"
run 2 "$PWPKG" cache prune --unused-for soon
expect_contains "$ERR" "--unused-for takes a number of days" "bad --unused-for"
run 2 "$PWPKG" cache info --dry-run
run 2 "$PWPKG" cache prune --lock missing.lock
expect_contains "$ERR" "missing.lock" "unreadable lock named"
finish
