/* pwpkg export: the lock in another tool's format. */
#include "bundle.h"
#include "cli.h"
#include "lockfile.h"

#include <getopt.h>
#include <string.h>

static const char export_help[] =
    "usage: pwpkg export --format FORMAT [--lock FILE] [-o FILE]\n"
    "\n"
    "Write the lock in another format (to standard output, or atomically to FILE):\n"
    "  pyodide-lock   pyodide-lock.json, schema-exact (pyodide-lock 0.2.0), for\n"
    "                 loadPyodide({lockFileURL}) and pyodide.loadPackage\n"
    "  pylock         PEP 751 pylock.toml (lock-version 1.0)\n"
    "  requirements   requirements.txt with --hash lines, accepted by pip in\n"
    "                 hash-checking mode\n"
    "\n"
    "  --lock FILE    the lock (default: pwpkg.lock)\n"
    "  -o FILE        write FILE instead of standard output\n"
    "\n"
    "exit codes: 0 ok, 2 usage error or unreadable lock, 3 I/O error.\n";

enum { OPT_FORMAT = CLI_OPT_FIRST_COMMAND_OPTION };

static const struct option export_options[] = {
    CLI_COMMON_LONG_OPTIONS,
    {"lock", required_argument, NULL, CLI_OPT_LOCK},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, 'o'},
    {NULL, 0, NULL, 0},
};

typedef struct export_cli {
    const char *lock_path, *format, *output;
} export_cli;

static int export_option(cli_context *ctx, void *state, int opt, const char *arg)
{
    (void)ctx;
    export_cli *e = state;
    switch (opt) {
    case CLI_OPT_LOCK: e->lock_path = arg; break;
    case OPT_FORMAT: e->format = arg; break;
    case 'o': e->output = arg; break;
    default: return CLI_OPTION_UNKNOWN;
    }
    return -1;
}

static int run_export(cli_context *ctx, int argc, char **argv)
{
    export_cli e = {.lock_path = PW_LOCK_DEFAULT_NAME};
    cli_option_set set = {.options = export_options, .handle = export_option, .state = &e};
    int exit_code = cli_parse_options(ctx, &cli_cmd_export, argc, argv, &set);
    if (exit_code >= 0)
        return exit_code;
    const char *lock_path = e.lock_path, *format = e.format, *output = e.output;
    int (*exporter)(const pw_lock *, pw_buf *, pw_error *) = NULL;
    if (!format)
        return cli_usage_error(ctx, &cli_cmd_export, "--format is required");
    if (strcmp(format, "pyodide-lock") == 0)
        exporter = pw_export_pyodide_lock;
    else if (strcmp(format, "pylock") == 0)
        exporter = pw_export_pylock;
    else if (strcmp(format, "requirements") == 0)
        exporter = pw_export_requirements;
    else
        return cli_usage_error(ctx, &cli_cmd_export,
                               "--format takes pyodide-lock, pylock or requirements, not '%s'",
                               format);
    cli_reporter_install(ctx);

    pw_error err = {0};
    pw_lock lock;
    pw_buf out = PW_BUF_INIT;
    int rc = pw_lock_load(lock_path, &lock, &err);
    if (rc == PW_OK) {
        rc = exporter(&lock, &out, &err);
        pw_lock_free(&lock);
    }
    if (rc == PW_OK && output)
        rc = pw_write_file_atomic(output, out.data ? out.data : "", out.len, &err);
    else if (rc == PW_OK)
        fwrite(pw_buf_cstr(&out), 1, out.len, stdout);
    exit_code = rc ? cli_fail(ctx, "export", &err) : CLI_EXIT_OK;
    pw_buf_free(&out);
    pw_error_clear(&err);
    return exit_code;
}

const cli_command cli_cmd_export = {
    .name = "export",
    .summary = "write the lock as pyodide-lock.json, pylock.toml or requirements.txt",
    .help = export_help,
    .run = run_export,
    .options = export_options,
};
