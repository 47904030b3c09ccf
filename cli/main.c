/* pwpkg: dispatch to a command. Nothing else lives here. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PWPKG_VERSION
#define PWPKG_VERSION "0.0.0"
#endif

static const cli_command *const commands[] = {
    &cli_cmd_lock,
    &cli_cmd_add,
    &cli_cmd_remove,
    &cli_cmd_outdated,
    &cli_cmd_tree,
    &cli_cmd_why,
    &cli_cmd_fetch,
    &cli_cmd_bundle,
    &cli_cmd_check,
    &cli_cmd_report,
    &cli_cmd_export,
    &cli_cmd_verify,
    &cli_cmd_diff,
    &cli_cmd_wheel,
    &cli_cmd_release,
    &cli_cmd_runtime,
    &cli_cmd_cache,
    &cli_cmd_completion,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const cli_command *const *cli_commands(size_t *n)
{
    *n = N_COMMANDS;
    return commands;
}

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

static void print_overview(FILE *out)
{
    fprintf(out,
            "pwpkg %s: resolve, bundle and check Python packages for Pyodide\n\n"
            "usage: pwpkg [-q|-v] [--json] [--color[=WHEN]] COMMAND [OPTIONS]\n\n"
            "commands:\n",
            PWPKG_VERSION);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "  %-10s %s\n", "help", "show the help of a command");
    fprintf(out,
            "\nexit codes:\n"
            "  0  success\n"
            "  1  a check failed, or no resolution exists\n"
            "  2  usage or input error\n"
            "  3  network, I/O or runtime error\n"
            "\nenvironment: PWPKG_CACHE_DIR, XDG_CACHE_HOME, NO_COLOR, SOURCE_DATE_EPOCH\n"
            "Run `pwpkg help COMMAND` for the options of a command; see also pwpkg(1).\n");
}

static int run_help(const char *topic)
{
    if (!topic) {
        print_overview(stdout);
        return CLI_EXIT_OK;
    }
    const cli_command *cmd = find_command(topic);
    if (!cmd) {
        fprintf(stderr, "pwpkg help: unknown command '%s'\n", topic);
        return CLI_EXIT_USAGE;
    }
    fputs(cmd->help, stdout);
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    cli_context ctx = {.program = "pwpkg"};
    const char *no_color = getenv("NO_COLOR");
    ctx.color = isatty(STDERR_FILENO) && !(no_color && *no_color);

    /* Global options may stand before the command and mean the same after
     * it: both go through cli_common_option. "+" stops at the command. */
    static const struct option global_options[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    optind = 0;
    opterr = 0;
    int opt, exit_code = -1;
    while ((opt = getopt_long(argc, argv, "+:qvhV", global_options, NULL)) != -1) {
        if (opt == 'V') {
            printf("pwpkg %s\n", PWPKG_VERSION);
            return CLI_EXIT_OK;
        }
        if (opt == 'h' || opt == CLI_OPT_HELP)
            return run_help(NULL);
        if (cli_common_option(&ctx, NULL, opt, optarg, &exit_code)) {
            if (exit_code >= 0)
                return exit_code;
            continue;
        }
        fprintf(stderr, "pwpkg: unknown option '%s'\n(run `pwpkg --help`)\n", argv[optind - 1]);
        return CLI_EXIT_USAGE;
    }
    int i = optind;
    if (i >= argc) {
        print_overview(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[i];
    if (strcmp(name, "help") == 0)
        return run_help(i + 1 < argc ? argv[i + 1] : NULL);
    const cli_command *cmd = find_command(name);
    if (!cmd) {
        fprintf(stderr, "pwpkg: unknown command '%s'\n(run `pwpkg --help` for the list)\n", name);
        return CLI_EXIT_USAGE;
    }
    return cmd->run(&ctx, argc - i, argv + i);
}
