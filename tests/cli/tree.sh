#!/usr/bin/env bash
# pwpkg tree: branch glyphs, --depth, --invert, --sizes, ASCII fallback.
source "$(dirname "$0")/lib.bash"
index=$(pyodide_index 0.27.7)

printf 'pandas\nsix\n' >requirements.txt
run 0 "$PWPKG" lock --no-index --pyodide 0.27.7 --pyodide-index "$index"

# Versions as locked, so that the expected drawings below are exact.
v() { lock_query pwpkg.lock "lock.packages.find(p => p.name === '$1').version"; }
pandas=$(v pandas) numpy=$(v numpy) dateutil=$(v python-dateutil) pytz=$(v pytz) six=$(v six)

expected="pandas $pandas
├─ numpy $numpy
├─ python-dateutil $dateutil
│  └─ six $six
└─ pytz $pytz
six $six"
run 0 env LC_ALL=C.UTF-8 "$PWPKG" tree
[ "$OUT" = "$expected" ] && pass || fail "utf-8 tree:
$OUT
--- expected
$expected"

# Not a UTF-8 locale: ASCII, same shape; --ascii forces it.
ascii="pandas $pandas
|- numpy $numpy
|- python-dateutil $dateutil
|  \`- six $six
\`- pytz $pytz
six $six"
run 0 env LC_ALL=C LANG= "$PWPKG" tree
[ "$OUT" = "$ascii" ] && pass || fail "C locale tree:
$OUT"
run 0 env LC_ALL=C.UTF-8 "$PWPKG" tree --ascii
[ "$OUT" = "$ascii" ] && pass || fail "--ascii tree:
$OUT"

run 0 env LC_ALL=C.UTF-8 "$PWPKG" tree --depth 0
[ "$OUT" = "pandas $pandas
six $six" ] && pass || fail "--depth 0: $OUT"
run 0 env LC_ALL=C.UTF-8 "$PWPKG" tree --depth 1
expect_not_contains "$OUT" "└─ six" "--depth 1 stops above six"
expect_contains "$OUT" "├─ python-dateutil $dateutil" "--depth 1 shows the first level"

# --invert: what depends on six, up to the roots.
run 0 env LC_ALL=C.UTF-8 "$PWPKG" tree --invert six
[ "$OUT" = "six $six
└─ python-dateutil $dateutil
   └─ pandas $pandas" ] && pass || fail "--invert six:
$OUT"
run 2 "$PWPKG" tree --invert not-a-package
expect_contains "$ERR" "not-a-package is not in the lock" "--invert unknown name"

# --sizes: the artifact size as locked. pyodide-lock.json states no sizes,
# so the release's packages say so; a find-links wheel has its size.
mkdir wheels
"$(dirname "$PWPKG")/../tests/pw_wheelgen" --out wheels --name tinypkg --version 1.0 >/dev/null ||
  fail "pw_wheelgen"
printf 'six\ntinypkg\n' >requirements.txt
run 0 "$PWPKG" lock --no-index --find-links wheels --pyodide 0.27.7 --pyodide-index "$index"
size=$(stat -c %s wheels/tinypkg-1.0-py3-none-any.whl)
run 0 env LC_ALL=C.UTF-8 "$PWPKG" tree --sizes
expect_contains "$OUT" "six $six (size not locked)" "--sizes of a release package"
expect_contains "$OUT" "tinypkg 1.0 [find-links] ($size B)" "--sizes of a find-links wheel"

run 2 "$PWPKG" tree --depth -1
expect_contains "$ERR" "--depth takes a whole number" "bad --depth"
run 2 "$PWPKG" tree --depth
expect_contains "$ERR" "needs a value" "--depth without a value"
finish
