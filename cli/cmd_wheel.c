/* pwpkg wheel: build pure-Python wheels from source trees. */
#include "bundle.h"
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>

static const char wheel_help[] =
    "usage: pwpkg wheel PROJECT_DIR... [-o DIR]\n"
    "\n"
    "Build a py3-none-any wheel from each pure-Python project, without running\n"
    "Python: the metadata comes from a static PEP 621 [project] table, the files\n"
    "from the src/ or flat layout. Supported build backends: setuptools,\n"
    "flit_core, hatchling, pdm-backend, uv_build, poetry-core (PEP 621). The\n"
    "wheels are byte-reproducible (SOURCE_DATE_EPOCH sets their timestamps).\n"
    "Use them with `pwpkg lock --find-links DIR`.\n"
    "\n"
    "  -o, --output DIR   where to write the wheels (default: dist)\n"
    "\n"
    "exit codes: 0 built, 2 a project pwpkg cannot build (the message says why),\n"
    "3 I/O error.\n";

static const struct option wheel_options[] = {
    CLI_COMMON_LONG_OPTIONS,
    {"output", required_argument, NULL, 'o'},
    {NULL, 0, NULL, 0},
};

static int wheel_option(cli_context *ctx, void *state, int opt, const char *arg)
{
    (void)ctx;
    if (opt != 'o')
        return CLI_OPTION_UNKNOWN;
    *(const char **)state = arg;
    return -1;
}

static int run_wheel(cli_context *ctx, int argc, char **argv)
{
    const char *out_dir = "dist";
    int first = 0;
    cli_option_set set = {
        .options = wheel_options,
        .handle = wheel_option,
        .state = &out_dir,
        .first_arg = &first,
    };
    int exit_code = cli_parse_options(ctx, &cli_cmd_wheel, argc, argv, &set);
    if (exit_code >= 0)
        return exit_code;
    if (first >= argc)
        return cli_usage_error(ctx, &cli_cmd_wheel, "which project? (pwpkg wheel PROJECT_DIR)");
    cli_reporter_install(ctx);
    for (int i = first; i < argc; i++) {
        pw_error err = {0};
        char *path = NULL;
        int rc = pw_bundle_build_wheel(argv[i], out_dir, -1, &path, &err);
        if (rc) {
            exit_code = cli_fail(ctx, "wheel", &err);
            pw_error_clear(&err);
            return exit_code;
        }
        if (ctx->verbosity >= 0)
            printf("%s\n", path);
        free(path);
    }
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_wheel = {
    .name = "wheel",
    .summary = "build pure-Python wheels from PEP 621 source trees",
    .help = wheel_help,
    .run = run_wheel,
    .options = wheel_options,
};
