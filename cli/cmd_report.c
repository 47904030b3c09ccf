/* pwpkg report: the bundle, its profile and its lock as one HTML page. */
#include "cli.h"
#include "pipeline.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char report_help[] =
    "usage: pwpkg report -o FILE.html [--lock FILE] [--bundle DIR] [--profile FILE]\n"
    "                    [--trace FILE]\n"
    "\n"
    "Write one self-contained HTML page (no network, inline SVG) that opens from\n"
    "disk in any browser: a treemap of the bundle by package and file (raw and\n"
    "gzip), the gzip total against the Workers limits (3 MB free, 10 MB paid),\n"
    "the size table, the import-time profile as bars, the dependency graph of the\n"
    "lock, and what slimming from a trace would save.\n"
    "\n"
    "  -o, --output FILE  the page to write (temporary file, then rename)\n"
    "  --lock FILE        the lock (default: pwpkg.lock)\n"
    "  --bundle DIR       the directory bundle (default: python_modules)\n"
    "  --profile FILE     the output of `pwpkg --json check --profile`\n"
    "  --trace FILE       a trace of `pwpkg check --trace`\n"
    "\n"
    "exit codes: 0 written, 2 usage error or bad input (unreadable lock, bundle,\n"
    "profile or trace, or one made from another lock), 3 I/O error.\n";

enum {
    OPT_BUNDLE = CLI_OPT_FIRST_COMMAND_OPTION,
    OPT_PROFILE,
    OPT_TRACE,
};

static const struct option report_options[] = {
    CLI_COMMON_LONG_OPTIONS,
    {"output", required_argument, NULL, 'o'},
    {"lock", required_argument, NULL, CLI_OPT_LOCK},
    {"bundle", required_argument, NULL, OPT_BUNDLE},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"trace", required_argument, NULL, OPT_TRACE},
    {NULL, 0, NULL, 0},
};

typedef struct report_cli {
    const char *output, *lock_path, *bundle, *profile_path, *trace_path;
} report_cli;

static int report_option(cli_context *ctx, void *state, int opt, const char *arg)
{
    (void)ctx;
    report_cli *r = state;
    switch (opt) {
    case 'o': r->output = arg; break;
    case CLI_OPT_LOCK: r->lock_path = arg; break;
    case OPT_BUNDLE: r->bundle = arg; break;
    case OPT_PROFILE: r->profile_path = arg; break;
    case OPT_TRACE: r->trace_path = arg; break;
    default: return CLI_OPTION_UNKNOWN;
    }
    return -1;
}

static int run_report(cli_context *ctx, int argc, char **argv)
{
    report_cli r = {NULL, PW_LOCK_DEFAULT_NAME, "python_modules", NULL, NULL};
    cli_option_set set = {report_options, report_option, &r, NULL, NULL};
    int exit_code = cli_parse_options(ctx, &cli_cmd_report, argc, argv, &set);
    if (exit_code >= 0)
        return exit_code;
    const char *output = r.output, *lock_path = r.lock_path, *bundle = r.bundle;
    const char *profile_path = r.profile_path, *trace_path = r.trace_path;
    if (!output)
        return cli_usage_error(ctx, &cli_cmd_report, "say where to write the page (-o FILE.html)");
    cli_reporter_install(ctx);

    pw_error err = {0};
    pw_pipeline_report_job job = {
        .lock_path = lock_path,
        .bundle = bundle,
        .output = output,
        .profile_path = profile_path,
        .trace_path = trace_path,
    };
    int rc = pw_pipeline_report(&job, &err);
    if (rc == PW_OK && ctx->verbosity >= 0)
        fprintf(stderr, "wrote %s\n", output);
    exit_code = rc == PW_OK ? CLI_EXIT_OK : cli_fail(ctx, "report", &err);
    pw_error_clear(&err);
    return exit_code;
}

const cli_command cli_cmd_report = {
    .name = "report",
    .summary = "write an HTML report of the bundle: treemap, limits, profile, graph",
    .help = report_help,
    .run = run_report,
    .options = report_options,
};
