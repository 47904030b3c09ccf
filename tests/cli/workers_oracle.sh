#!/usr/bin/env bash
# workerd as the oracle: the pinned workerd (tests/cloudflare/package.json)
# is run over a grid of compatibility dates and flags, and the Pyodide
# release it asks for must be the one `pwpkg release` picks.
source "$(dirname "$0")/lib.bash"

if ! setup_log=$(bash "$PWPKG_SOURCE_DIR/tests/cloudflare/setup.sh" 2>&1); then
  echo "SKIP: the pinned Cloudflare clients cannot be installed (npm registry unreachable?):"
  echo "$setup_log" | tail -3
  exit 0
fi
source "$PWPKG_SOURCE_DIR/tests/cloudflare/env.bash"
pinned=$(node -p "require('$PWPKG_SOURCE_DIR/tests/cloudflare/package.json').dependencies.workerd")

rc=0
bash "$PWPKG_SOURCE_DIR/tests/cloudflare/workerd-table.sh" --pwpkg "$PWPKG" "$pinned" >"$WORK/grid" 2>&1 || rc=$?
if [ $rc = 77 ]; then
  echo "SKIP: $(tail -1 "$WORK/grid")"
  exit 0
fi
cat "$WORK/grid"
[ $rc = 0 ] && pass || fail "workerd $pinned and pwpkg differ (above)"
# The version the table claims to follow is the one the grid ran.
run 0 "$PWPKG" release --table --json
expect_contains "$OUT" "\"workerd\": \"$pinned\"" "table version"

# The regenerated table is the one pwpkg has.
run 0 bash "$PWPKG_SOURCE_DIR/tests/cloudflare/workerd-table.sh" --regenerate --pwpkg "$PWPKG" --workerd "$CF_WORKERD"
for row in '{"python_workers", "0.26.0a2", NULL}' '{"python_workers_20250116", "0.28.2", "2025-09-29"}' \
           '{"python_workers_20260610", "314.0.4", NULL}' '{"python_workers_314", "314.0.6", "2026-09-08"}'; do
  expect_contains "$OUT" "$row" "regenerated row"
  expect_contains "$(cat "$PWPKG_SOURCE_DIR/resolver/release.c")" "$row" "row in release.c"
done
finish
