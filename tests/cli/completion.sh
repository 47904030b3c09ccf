#!/usr/bin/env bash
# pwpkg completion bash|zsh|fish: generated from the command and option
# tables. Every option that a command's help lists is completed for that
# command in all three shells (so help and tables cannot drift apart), the
# bash script parses and completes, and unknown shells are refused.
source "$(dirname "$0")/lib.bash"

for shell in bash zsh fish; do
  run 0 "$PWPKG" completion "$shell" || finish
  printf '%s\n' "$OUT" >"completion.$shell"
done
bash -n completion.bash && pass || fail "the bash script does not parse"
command -v zsh >/dev/null && { zsh -n completion.zsh && pass || fail "zsh script"; }
command -v fish >/dev/null && { fish -n completion.fish && pass || fail "fish script"; }

commands=$("$PWPKG" help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}')
[ -n "$commands" ] && pass || fail "no commands listed by pwpkg help"
checked=0
for cmd in $commands; do
  [ "$cmd" = help ] && continue
  grep -q "^    $cmd) " completion.bash && pass || { fail "bash: no case for $cmd"; continue; }
  bash_opts=" $(grep "^    $cmd) " completion.bash | sed "s/; valued=.*//" | grep -oE -- '--[a-z0-9-]+' | tr '\n' ' ')"
  zsh_section=$(awk -v c="    $cmd)" '$0 == c {on=1; next} on && /;;/ {print; exit} on {print}' completion.zsh)
  # the options a command's help lists: lines whose first word is an option
  for opt in $("$PWPKG" help "$cmd" | grep -E '^ {1,4}-' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
    checked=$((checked + 1))
    [[ "$bash_opts" == *" $opt "* ]] || { fail "bash: $cmd lacks $opt"; continue; }
    grep -q -- "__fish_seen_subcommand_from $cmd' -l ${opt#--}\( \|$\)" completion.fish ||
      { fail "fish: $cmd lacks $opt"; continue; }
    [[ "$zsh_section" == *"'$opt"[\':]* ]] || { fail "zsh: $cmd lacks $opt"; continue; }
    pass
  done
done
[ "$checked" -gt 100 ] && pass || fail "only $checked options checked: the help parsing broke"
echo "$checked options of $(echo "$commands" | wc -w) commands checked in three shells"

# the bash completion works when sourced
complete_words() { # WORD... (the last one is completed)
  bash -c 'source completion.bash; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _pwpkg; printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
expect_contains "$(complete_words pwpkg lock --req)" "--requirement" "bash: lock --req"
expect_contains "$(complete_words pwpkg ca)" "cache" "bash: a command name"
expect_contains "$(complete_words pwpkg cache '')" "prune" "bash: cache sub-commands"
expect_contains "$(complete_words pwpkg verify --form)" "--format" "bash: verify's own option"
expect_contains "$(complete_words pwpkg verify --pyodide-i)" "--pyodide-index" "bash: verify takes lock's options"
expect_not_contains "$(complete_words pwpkg tree --req)" "--requirement" "bash: tree does not take lock's options"

run 2 "$PWPKG" completion tcsh && expect_contains "$ERR" "bash, zsh or fish" "unknown shell"
run 2 "$PWPKG" completion && expect_contains "$ERR" "which shell" "no shell"
finish
