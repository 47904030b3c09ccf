/* pwpkg fetch: every artifact of the lock, verified, into the cache. */
#include "bundle.h"
#include "cli.h"
#include "pipeline.h"
#include "fetch.h"
#include "lockfile.h"

#include <cJSON.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char fetch_help[] =
    "usage: pwpkg fetch [--lock FILE] [TRANSFER OPTIONS]\n"
    "\n"
    "Download every artifact of the lock into the cache, in parallel, each one\n"
    "checked against the lock's sha256 (and size) before it is stored. Cached\n"
    "artifacts are re-hashed, not downloaded again.\n"
    "\n"
    "  --lock FILE       the lock (default: pwpkg.lock)\n"
    "  -q / -v / --json\n"
    "\n"
    CLI_TRANSFER_HELP
    "\n"
    "exit codes: 0 all fetched, 1 a hash mismatch, 2 usage or unreadable lock,\n"
    "3 network or I/O error.\n";

static const struct option fetch_options[] = {
    CLI_COMMON_LONG_OPTIONS,
    CLI_TRANSFER_LONG_OPTIONS,
    {"lock", required_argument, NULL, CLI_OPT_LOCK},
    {NULL, 0, NULL, 0},
};

static int run_fetch(cli_context *ctx, int argc, char **argv)
{
    const char *lock_path = PW_LOCK_DEFAULT_NAME;
    pw_transfer_options t = {0};
    cli_option_set set = {fetch_options, cli_lock_path_option, &lock_path, &t, NULL};
    int exit_code = cli_parse_options(ctx, &cli_cmd_fetch, argc, argv, &set);
    if (exit_code >= 0)
        return exit_code;
    cli_reporter_install(ctx);

    pw_error err = {0};
    pw_pipeline_fetch_outcome out;
    int rc = pw_pipeline_fetch(lock_path, &t, &out, &err);
    const pw_lock *lock = &out.lock;
    const pw_locked_artifacts *got = &out.artifacts;
    if (rc) {
        exit_code = cli_fail(ctx, "fetch", &err);
    } else if (ctx->json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "command", "fetch");
        cJSON_AddStringToObject(root, "status", "ok");
        cJSON_AddNumberToObject(root, "artifacts", (double)lock->n_packages);
        cJSON_AddNumberToObject(root, "from_cache", (double)got->from_cache);
        cJSON_AddNumberToObject(root, "bytes", (double)got->bytes);
        cJSON_AddNumberToObject(root, "downloaded_bytes", (double)got->downloaded);
        cJSON *files = cJSON_AddArrayToObject(root, "files");
        for (size_t i = 0; i < lock->n_packages; i++) {
            cJSON *f = cJSON_CreateObject();
            cJSON_AddStringToObject(f, "name", lock->packages[i].name);
            cJSON_AddStringToObject(f, "path", got->paths[i] ? got->paths[i] : "");
            cJSON_AddStringToObject(f, "sha256", got->requests[i].sha256);
            cJSON_AddItemToArray(files, f);
        }
        cli_print_json(root);
        exit_code = CLI_EXIT_OK;
    } else {
        if (ctx->verbosity >= 0)
            fprintf(stderr, "Fetched %zu artifact%s (%.1f MB; %zu from the cache, %.1f MB "
                            "downloaded) into %s\n",
                    lock->n_packages, lock->n_packages == 1 ? "" : "s", (double)got->bytes / 1e6,
                    got->from_cache, (double)got->downloaded / 1e6,
                    pw_fetch_session_cache_dir(got->session));
        exit_code = CLI_EXIT_OK;
    }
    pw_pipeline_fetch_outcome_free(&out);
    pw_error_clear(&err);
    return exit_code;
}

const cli_command cli_cmd_fetch = {
    .name = "fetch",
    .summary = "download the locked artifacts into the verified cache",
    .help = fetch_help,
    .run = run_fetch,
    .options = fetch_options,
};
