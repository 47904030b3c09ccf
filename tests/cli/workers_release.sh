#!/usr/bin/env bash
# `pwpkg release` and the release `pwpkg lock` picks for a Worker: the
# wrangler config (TOML, JSONC, [env.NAME]), wrangler's precedence for
# --compat-date/--compat-flag, where each value came from, bad input.
source "$(dirname "$0")/lib.bash"

json_field() { # JSON EXPR
  node -e 'const o=JSON.parse(process.argv[1]); console.log(eval(process.argv[2]))' "$1" "$2"
}

mkdir -p w && cd w
cat >wrangler.toml <<'TOML'
name = "demo"
main = "src/entry.py"
compatibility_date = "2026-11-01"
compatibility_flags = ["python_workers"]

[env.old]
compatibility_date = "2025-01-01"

[env.pinned]
compatibility_flags = ["python_workers", "no_python_workers_314"]
TOML

# 2026-11-01 implies python_workers_314: Pyodide 314.0.6, Python 3.14
run 0 "$PWPKG" release --json
[ "$(json_field "$OUT" '[o.release, o.python, o.index_release, o.flag, o.flag_implied_by_date].join(" ")')" = \
  "314.0.6 3.14.2 314.0.6 python_workers_314 true" ] && pass || fail "release: $OUT"
[ "$(json_field "$OUT" '[o.compatibility_date_from, o.compatibility_flags_from, o.workerd].join(" ")')" = \
  "./wrangler.toml:3 ./wrangler.toml:4 1.20261117.1" ] && pass || fail "origins: $OUT"
expect_not_contains "$ERR" "warning" "no warning"
run 0 "$PWPKG" release
expect_contains "$OUT" "Pyodide 314.0.6 (Python 3.14.2" "text release"
expect_contains "$OUT" "python_workers_314, implied by the compatibility date (on from 2026-09-08)" "text flag"
expect_contains "$OUT" "from ./wrangler.toml:3" "text origin"

# --env: inherited flags, own date; a disabled default
run 0 "$PWPKG" release --json --env old
[ "$(json_field "$OUT" '[o.release, o.index_release, o.env, o.compatibility_date_from].join(" ")')" = \
  "0.26.0a2 0.27.7 old ./wrangler.toml:7 (env.old)" ] && pass || fail "env old: $OUT"
expect_contains "$(json_field "$OUT" o.compatibility_flags_from)" "wrangler.toml:4 (top level, inherited by env.old)" "inherited"
run 0 "$PWPKG" release --json --env pinned
[ "$(json_field "$OUT" '[o.release, o.flag].join(" ")')" = "0.28.2 python_workers_20250116" ] && pass || fail "env pinned: $OUT"
run 2 "$PWPKG" release --env staging
expect_contains "$ERR" "wrangler.toml: no environment \"staging\" (--env staging)" "missing env"
expect_contains "$ERR" "\"old\", \"pinned\"" "envs listed"

# wrangler's precedence: --compat-date replaces the date only, so the
# config's flags stay (no warning about python_workers) ...
run 0 "$PWPKG" release --json --compat-date 2025-10-01
[ "$(json_field "$OUT" '[o.release, o.compatibility_date_from, o.compatibility_flags_from].join(" ")')" = \
  "0.28.2 --compat-date ./wrangler.toml:4" ] && pass || fail "date only: $OUT"
expect_not_contains "$ERR" "python_workers" "config flags used"
# ... and --compat-flag replaces the flags only, saying so in its warnings
run 0 "$PWPKG" release --json --compat-flag python_workers_20260610
[ "$(json_field "$OUT" '[o.release, o.compatibility_date_from, o.compatibility_flags_from].join(" ")')" = \
  "314.0.6 ./wrangler.toml:3 --compat-flag" ] && pass || fail "flags only: $OUT"
expect_contains "$ERR" "compatibility_flags (from --compat-flag) lack" "warning origin"
run 0 "$PWPKG" release --json --compat-flag python_workers --compat-flag no_python_workers_314 --compat-flag python_workers_20260610
[ "$(json_field "$OUT" 'o.release')" = "314.0.4" ] && pass || fail "20260610: $OUT"

# a Python flag this workerd does not know: a warning naming the version, no effect
run 0 "$PWPKG" release --json --compat-flag python_workers --compat-flag python_workers_20260817 --compat-date 2026-08-20
[ "$(json_field "$OUT" 'o.release')" = "0.28.2" ] && pass || fail "20260817: $OUT"
expect_contains "$ERR" "python_workers_20260817\\\" (from --compat-flag) is unknown to workerd 1.20261117.1" "unknown flag"
printf 'compatibility_date = "2026-08-20"\ncompatibility_flags = ["python_workers", "python_workers_20260817"]\n' >../w2.toml
mkdir -p ../w2 && mv ../w2.toml ../w2/wrangler.toml
run 0 "$PWPKG" release -C ../w2
expect_contains "$ERR" "(from ../w2/wrangler.toml:2) is unknown to workerd 1.20261117.1" "unknown flag in config"
# other Python flags of that workerd are known
run 0 "$PWPKG" release --compat-flag python_workers --compat-flag python_workers_durable_objects
expect_not_contains "$ERR" "unknown" "known non-release flag"

# bad input: exit 2 naming file:line
run 2 "$PWPKG" release --compat-date 2026-02-30
expect_contains "$ERR" "invalid compatibility date '2026-02-30' (from --compat-date)" "bad date option"
printf 'compatibility_date = "2026-13-01"\n' >../w2/wrangler.toml
run 2 "$PWPKG" release -C ../w2
expect_contains "$ERR" "w2/wrangler.toml:1: compatibility_date '2026-13-01' is not a calendar date" "bad date config"
printf 'name = "x"\ncompatibility_date = "2026-01-01"\ncompatibility_flags = "python_workers"\n' >../w2/wrangler.toml
run 2 "$PWPKG" release -C ../w2
expect_contains "$ERR" "w2/wrangler.toml:3: compatibility_flags must be an array of strings, found a string" "bad type"
printf 'name = "x"\ncompat_date = "2026-01-01"\ncompatibility_date = "2026-01-01"\ncompatibility_flags = ["python_workers"]\n' >../w2/wrangler.toml
run 0 "$PWPKG" release -C ../w2
expect_contains "$ERR" "w2/wrangler.toml:2: unexpected field \"compat_date\"" "unknown key"
run 2 "$PWPKG" release -C ../w2 --frobnicate
run 2 "$PWPKG" release -C "$WORK/nowhere" --env x
expect_contains "$ERR" "--env x:" "env without config"

# JSONC with environments
mkdir -p ../j && cat >../j/wrangler.jsonc <<'JSONC'
{
  // a worker
  "main": "src/entry.py",
  "compatibility_date": "2025-10-01",
  "compatibility_flags": ["python_workers"],
  "env": {
    "next": {
      "compatibility_date": "2026-09-08",
    },
  },
}
JSONC
run 0 "$PWPKG" release -C ../j --json
[ "$(json_field "$OUT" 'o.release')" = "0.28.2" ] && pass || fail "jsonc: $OUT"
run 0 "$PWPKG" release -C ../j --json --env next
[ "$(json_field "$OUT" '[o.release, o.compatibility_date_from].join(" ")')" = "314.0.6 ../j/wrangler.jsonc:8 (env.next)" ] &&
  pass || fail "jsonc env: $OUT"

# pwpkg lock in a project dated 2026-11-01 locks Python 3.14 (314.0.6,
# whose runtime and index come from npm)
cache=$(pyodide_runtime_cache 314.0.6)
printf 'six\n' >requirements.txt
run 0 "$PWPKG" lock --cache-dir "$cache" --offline
got=$(lock_query pwpkg.lock "[lock.release.pyodide, lock.release.python, lock.release.index_release].join(' ')")
[ "$got" = "314.0.6 3.14.2 314.0.6" ] && pass || fail "lock 2026-11-01: $got"
expect_contains "$(lock_query pwpkg.lock lock.release.selected_by)" "python_workers_314" "selected_by"
# ... and with --env, the environment's release
index28=$(pyodide_index 0.29.5)
run 0 "$PWPKG" lock --env pinned -o pinned.lock --pyodide-index "$index28"
got=$(lock_query pinned.lock "lock.release.pyodide + ' ' + lock.release.selected_by")
[ "$got" = "0.28.2 wrangler.toml (compatibility_date 2026-11-01, python_workers_20250116) --env pinned" ] && pass || fail "lock --env: $got"
run 2 "$PWPKG" lock --env nope -o nope.lock --pyodide-index "$index28"
expect_contains "$ERR" "no environment \"nope\"" "lock missing env"
[ ! -e nope.lock ] && pass || fail "nothing written"
run 2 "$PWPKG" lock --pyodide 0.27.7 --env pinned

# wrangler (JSON.parse) keeps the last of duplicate keys, cJSON the first: a
# config with a duplicate key that decides the release is refused, naming it
mkdir -p dup && cd dup
printf '{\n  "name": "w",\n  "compatibility_date": "2024-09-23",\n  "compatibility_flags": ["python_workers"],\n  "compatibility_date": "2026-11-01"\n}\n' >wrangler.json
run 2 "$PWPKG" release && expect_contains "$ERR" "wrangler.json:5:3: a key that this object already has" "duplicate key refused with its line"
printf '{"name": "w", "compatibility_date": "2025-10-01\\u0000x", "compatibility_flags": ["python_workers"]}\n' >wrangler.json
run 2 "$PWPKG" release && expect_contains "$ERR" "NUL character" "NUL in a string refused"
cd ..
finish
