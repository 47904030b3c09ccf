#!/usr/bin/env bash
# Every command has its help, documents its exit codes, and is in the man page.
source "$(dirname "$0")/lib.bash"
run 0 "$PWPKG" --help
commands=$(printf '%s\n' "$OUT" | awk '/^commands:/{on=1; next} /^$/{on=0} on && $1 != "help" {print $1}')
[ "$(printf '%s\n' "$commands" | wc -l)" -ge 10 ] && pass || fail "command list: $commands"
man=$(cat "$PWPKG_SOURCE_DIR/docs/pwpkg.1")
for cmd in $commands; do
  run 0 "$PWPKG" help "$cmd"
  expect_contains "$OUT" "usage: pwpkg $cmd" "help $cmd"
  expect_contains "$OUT" "exit codes" "exit codes of $cmd"
  run 0 "$PWPKG" "$cmd" --help
  expect_contains "$man" ".B $cmd" "man page documents $cmd"
  run 2 "$PWPKG" "$cmd" --no-such-option
done
run 2 "$PWPKG" help no-such-command
# global options mean the same before and after the command
mkdir -p cachedir/artifacts/aa && echo x >cachedir/artifacts/aa/old && touch -d '9 days ago' cachedir/artifacts/aa/old
run 0 "$PWPKG" -q -v cache prune --unused-for 1 --dry-run --cache-dir cachedir
before=$OUT$ERR
run 0 "$PWPKG" cache prune --unused-for 1 --dry-run --cache-dir cachedir -q -v
[ "$before" = "$OUT$ERR" ] && pass || fail "-q -v before and after the command differ: [$before] vs [$OUT$ERR]"
run 0 "$PWPKG" -q cache prune --unused-for 1 --dry-run --cache-dir cachedir
[ -z "$ERR" ] && pass || fail "global -q: $ERR"
run 2 "$PWPKG" --color=sometimes cache dir
expect_contains "$ERR" "--color takes always, never or auto" "global --color checked like the command's"
run 2 "$PWPKG" --bogus cache dir
expect_contains "$ERR" "pwpkg: unknown option '--bogus'" "unknown global option"
# colour: never with NO_COLOR, never off a terminal
export NO_COLOR=1
run 2 "$PWPKG" --color=always why x --lock /nonexistent/pwpkg.lock
expect_not_contains "$ERR" $'\033[' "NO_COLOR beats --color=always"
unset NO_COLOR
run 2 "$PWPKG" --color=always why x --lock /nonexistent/pwpkg.lock
expect_contains "$ERR" $'\033[' "--color=always colours"
run 2 "$PWPKG" why x --lock /nonexistent/pwpkg.lock
expect_not_contains "$ERR" $'\033[' "no colour off a terminal"
finish
