/* pwpkg: dispatch to a command, and the one option parser of the commands. */
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

/* Short options from the table: each entry whose value is a letter. */
static void short_options_of(const struct option *options, char *out, size_t cap)
{
    size_t n = 0;
    out[n++] = ':'; /* a missing value is ':' rather than '?' */
    for (const char *c = "qvh"; *c; c++)
        out[n++] = *c;
    for (const struct option *o = options; o && o->name && n + 3 < cap; o++) {
        if (o->val <= 0 || o->val > 127 || !pw_is_alpha(o->val) || o->flag)
            continue;
        if (memchr(out, o->val, n))
            continue;
        out[n++] = (char)o->val;
        if (o->has_arg == required_argument)
            out[n++] = ':';
        else if (o->has_arg == optional_argument) {
            out[n++] = ':';
            out[n++] = ':';
        }
    }
    out[n] = '\0';
}

int cli_parse_options(cli_context *ctx, const cli_command *cmd, int argc, char **argv,
                      const cli_option_set *set)
{
    char shorts[128];
    short_options_of(set->options, shorts, sizeof(shorts));
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, shorts, set->options, NULL)) != -1) {
        int exit_code = -1;
        if (cli_common_option(ctx, cmd, opt, optarg, &exit_code)) {
            if (exit_code >= 0)
                return exit_code;
            continue;
        }
        if (opt == ':')
            return cli_usage_error(ctx, cmd, "option '%s' needs a value", argv[optind - 1]);
        if (set->transfer) {
            int r = cli_parse_transfer_option(ctx, cmd, opt, optarg, set->transfer);
            if (r > 0)
                return r;
            if (r == 0)
                continue;
        }
        int r = opt == '?' || !set->handle ? CLI_OPTION_UNKNOWN
                                           : set->handle(ctx, set->state, opt, optarg);
        if (r == CLI_OPTION_UNKNOWN)
            return cli_usage_error(ctx, cmd, "unknown option '%s'", argv[optind - 1]);
        if (r >= 0)
            return r;
    }
    if (!set->first_arg && optind < argc)
        return cli_usage_error(ctx, cmd, "unexpected argument '%s'", argv[optind]);
    if (set->first_arg)
        *set->first_arg = optind;
    return -1;
}

int pwpkg_core_main(int argc, char **argv)
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
