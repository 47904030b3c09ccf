/* pwpkg completion SHELL: a completion script generated from the command
 * and option tables, so that it cannot drift from what pwpkg accepts. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char completion_help[] =
    "usage: pwpkg completion bash|zsh|fish\n"
    "\n"
    "Print a shell completion script for pwpkg, generated from its own command\n"
    "and option tables. Install it with, for example:\n"
    "  bash:  pwpkg completion bash > ~/.local/share/bash-completion/completions/pwpkg\n"
    "  zsh:   pwpkg completion zsh > \"${fpath[1]}/_pwpkg\"\n"
    "  fish:  pwpkg completion fish > ~/.config/fish/completions/pwpkg.fish\n"
    "\n"
    "exit codes: 0 printed, 2 usage error (an unknown shell).\n";

/* Words a command takes before its options (sub-commands, shells). */
static const char *positional_words(const cli_command *cmd)
{
    if (strcmp(cmd->name, "cache") == 0)
        return "dir info prune clean";
    if (strcmp(cmd->name, "runtime") == 0)
        return "list install path";
    if (strcmp(cmd->name, "completion") == 0)
        return "bash zsh fish";
    return NULL;
}

/* Every long option of `cmd`, each once, in table order: its own, then
 * the lock's for the commands that take them. */
static void command_options(const cli_command *cmd, pw_strlist *names, pw_strlist *with_value)
{
    const struct option *tables[2] = {cmd->options,
                                      cmd->takes_lock_options ? cli_lock_option_table : NULL};
    for (size_t t = 0; t < 2; t++) {
        for (const struct option *o = tables[t]; o && o->name; o++) {
            bool seen = false;
            for (size_t i = 0; i < names->len && !seen; i++)
                seen = strcmp(names->items[i], o->name) == 0;
            if (seen)
                continue;
            pw_strlist_push(names, o->name);
            if (o->has_arg == required_argument)
                pw_strlist_push(with_value, o->name);
        }
    }
    if (!cmd->options && !cmd->takes_lock_options) {
        static const char *const common[] = {"quiet", "verbose", "json", "color", "no-color",
                                             "help"};
        for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
            pw_strlist_push(names, common[i]);
    }
}

static bool takes_value(const pw_strlist *with_value, const char *name)
{
    for (size_t i = 0; i < with_value->len; i++)
        if (strcmp(with_value->items[i], name) == 0)
            return true;
    return false;
}

/* Summaries go inside single quotes in all three shells. */
static void print_quoted(const char *s)
{
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", stdout);
        else
            putchar(*s);
    }
}

static void print_bash(const cli_command *const *cmds, size_t n)
{
    printf("# bash completion for pwpkg %s (pwpkg completion bash)\n", PWPKG_VERSION);
    puts("_pwpkg() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd='' i\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    case ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break ;; esac\n"
         "  done\n"
         "  local opts='' valued='' words=''\n"
         "  case $cmd in");
    printf("    '') COMPREPLY=($(compgen -W '");
    for (size_t i = 0; i < n; i++)
        printf("%s ", cmds[i]->name);
    puts("help --quiet --verbose --json --color --no-color --version --help' -- \"$cur\"))\n"
         "        return ;;");
    for (size_t i = 0; i < n; i++) {
        pw_strlist names = PW_STRLIST_INIT, valued = PW_STRLIST_INIT;
        command_options(cmds[i], &names, &valued);
        printf("    %s) opts='", cmds[i]->name);
        for (size_t k = 0; k < names.len; k++)
            printf("%s--%s", k ? " " : "", names.items[k]);
        printf("'; valued='");
        for (size_t k = 0; k < valued.len; k++)
            printf("%s--%s", k ? " " : "", valued.items[k]);
        printf("'");
        if (positional_words(cmds[i]))
            printf("; words='%s'", positional_words(cmds[i]));
        puts(" ;;");
        pw_strlist_free(&names);
        pw_strlist_free(&valued);
    }
    printf("    help) words='");
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i ? " " : "", cmds[i]->name);
    puts("' ;;\n"
         "  esac\n"
         "  if [[ $cur == -* ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
         "  elif [[ \" $valued \" == *\" $prev \"* ]]; then\n"
         "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
         "  elif [[ -n $words && $prev == \"$cmd\" ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
         "  else\n"
         "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
         "  fi\n"
         "}\n"
         "complete -o filenames -F _pwpkg pwpkg");
}

static void print_zsh(const cli_command *const *cmds, size_t n)
{
    printf("#compdef pwpkg\n# zsh completion for pwpkg %s (pwpkg completion zsh)\n", PWPKG_VERSION);
    puts("_pwpkg() {\n"
         "  local -a commands\n"
         "  commands=(");
    for (size_t i = 0; i < n; i++) {
        printf("    '%s:", cmds[i]->name);
        print_quoted(cmds[i]->summary);
        puts("'");
    }
    puts("    'help:show the help of a command'\n"
         "  )\n"
         "  if (( CURRENT == 2 )); then\n"
         "    _describe 'command' commands\n"
         "    return\n"
         "  fi\n"
         "  case $words[2] in");
    for (size_t i = 0; i < n; i++) {
        pw_strlist names = PW_STRLIST_INIT, valued = PW_STRLIST_INIT;
        command_options(cmds[i], &names, &valued);
        printf("    %s)\n      _arguments", cmds[i]->name);
        for (size_t k = 0; k < names.len; k++)
            printf(" \\\n        '--%s%s'", names.items[k],
                   takes_value(&valued, names.items[k]) ? ":value:_files" : "");
        if (positional_words(cmds[i]))
            printf(" \\\n        '1:what:(%s)'", positional_words(cmds[i]));
        puts(" \\\n        '*:file:_files' ;;");
        pw_strlist_free(&names);
        pw_strlist_free(&valued);
    }
    puts("    help) _describe 'command' commands ;;\n"
         "  esac\n"
         "}\n"
         "_pwpkg \"$@\"");
}

static void print_fish(const cli_command *const *cmds, size_t n)
{
    printf("# fish completion for pwpkg %s (pwpkg completion fish)\n", PWPKG_VERSION);
    puts("complete -c pwpkg -f");
    for (size_t i = 0; i < n; i++) {
        printf("complete -c pwpkg -n __fish_use_subcommand -a %s -d '", cmds[i]->name);
        print_quoted(cmds[i]->summary);
        puts("'");
    }
    puts("complete -c pwpkg -n __fish_use_subcommand -a help -d 'show the help of a command'");
    for (size_t i = 0; i < n; i++) {
        pw_strlist names = PW_STRLIST_INIT, valued = PW_STRLIST_INIT;
        command_options(cmds[i], &names, &valued);
        for (size_t k = 0; k < names.len; k++)
            printf("complete -c pwpkg -n '__fish_seen_subcommand_from %s' -l %s%s\n",
                   cmds[i]->name, names.items[k],
                   takes_value(&valued, names.items[k]) ? " -r -F" : "");
        if (positional_words(cmds[i]))
            printf("complete -c pwpkg -n '__fish_seen_subcommand_from %s' -a '%s'\n",
                   cmds[i]->name, positional_words(cmds[i]));
        pw_strlist_free(&names);
        pw_strlist_free(&valued);
    }
}

static int run_completion(cli_context *ctx, int argc, char **argv)
{
    const char *shell = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(completion_help, stdout);
            return CLI_EXIT_OK;
        }
        if (argv[i][0] == '-' || shell)
            return cli_usage_error(ctx, &cli_cmd_completion, "unexpected argument '%s'", argv[i]);
        shell = argv[i];
    }
    size_t n = 0;
    const cli_command *const *cmds = cli_commands(&n);
    if (shell && strcmp(shell, "bash") == 0)
        print_bash(cmds, n);
    else if (shell && strcmp(shell, "zsh") == 0)
        print_zsh(cmds, n);
    else if (shell && strcmp(shell, "fish") == 0)
        print_fish(cmds, n);
    else
        return cli_usage_error(ctx, &cli_cmd_completion, "which shell? bash, zsh or fish");
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_completion = {
    .name = "completion",
    .summary = "print a shell completion script (bash, zsh, fish)",
    .help = completion_help,
    .run = run_completion,
};
