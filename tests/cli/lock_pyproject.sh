#!/usr/bin/env bash
# pwpkg lock reading pyproject.toml: dependencies, extras, dependency groups.
source "$(dirname "$0")/lib.bash"
index=$(pyodide_index 0.27.7)

cat >pyproject.toml <<'TOML'
[project]
name = "demo"
version = "0.1.0"
dependencies = [
  "six>=1.10",
  "attrs",
]

[project.optional-dependencies]
dates = ["python-dateutil"]
Fast_Json = ["orjson"]

[dependency-groups]
test = ["pytest", {include-group = "lint"}]
lint = ["packaging"]
loop-a = [{include-group = "loop-b"}]
loop-b = [{include-group = "loop-a"}]
TOML
# no requirements.txt: pyproject.toml beside the lock is the input
run 0 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index"
got=$(lock_query pwpkg.lock "lock.inputs.requirements.join(',') + '|' + lock.inputs.files.join(',')")
[ "$got" = "attrs,six>=1.10|pyproject.toml" ] && pass || fail "project deps: $got"

run 0 "$PWPKG" lock --project pyproject.toml --extra dates --extra fast-json --group test --pyodide 0.27.7 --pyodide-index "$index"
got=$(lock_query pwpkg.lock "lock.packages.map(p => p.name).join(' ')")
for name in attrs six python-dateutil orjson pytest packaging; do
  expect_contains " $got " " $name " "extras and groups"
done

# the options recorded by the lock above are reused by a plain lock
run 0 "$PWPKG" lock --check
run 2 "$PWPKG" lock --extra nope --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "--extra nope: no such extra" "unknown extra"
run 2 "$PWPKG" lock --group nope --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "no dependency group 'nope'" "unknown group"
run 2 "$PWPKG" lock --group loop-a --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "includes itself" "group cycle"

# bad TOML and bad requirement strings name file:line (a new project: the
# recorded --extra and --group of the lock above no longer apply)
rm pwpkg.lock
printf '[project]\ndependencies = ["six",\n  "numpy >=",\n]\n' >pyproject.toml
run 2 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "pyproject.toml:3" "bad requirement line"
printf '[project\nname = "x"\n' >pyproject.toml
run 2 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "pyproject.toml:1:" "bad toml"
# requirements.txt wins over pyproject.toml when both exist
printf '[project]\ndependencies = ["six"]\n' >pyproject.toml
printf 'attrs\n' >requirements.txt
run 0 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index"
got=$(lock_query pwpkg.lock "lock.inputs.requirements.join(',')")
[ "$got" = "attrs" ] && pass || fail "requirements.txt preferred: $got"
run 2 "$PWPKG" lock --extra x --pyodide 0.27.7 --pyodide-index "$index"
expect_contains "$ERR" "apply to pyproject.toml" "--extra with requirements.txt"

finish
