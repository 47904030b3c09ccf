/* pwpkg outdated: the locked packages with newer versions the
 * requirements allow, like pip list --outdated. */
#include "cli.h"
#include "pipeline.h"

#include <cJSON.h>
#include <string.h>

static const char outdated_help[] =
    "usage: pwpkg outdated [lock options]\n"
    "\n"
    "List the locked packages for which the release and the indexes now offer a\n"
    "newer version that the requirements allow (a fresh resolution that ignores\n"
    "the lock's pins). Nothing is written; `pwpkg lock -U` or `-P NAME` upgrades.\n"
    "\n"
    "  lock options      as `pwpkg help lock`\n"
    "\n"
    "exit codes: 0 ok (whether or not anything is outdated), 1 no resolution\n"
    "exists, 2 usage or input error, 3 network or I/O error.\n";

static int run_outdated(cli_context *ctx, int argc, char **argv)
{
    cli_lock_options o;
    memset(&o, 0, sizeof(o));
    int exit_code = cli_parse_lock_options(ctx, &cli_cmd_outdated, argc, argv, NULL, &o);
    if (exit_code >= 0) {
        cli_lock_options_free(&o);
        return exit_code;
    }
    cli_reporter_install(ctx);
    pw_error err = {0};
    pw_lock current;
    pw_pipeline_lock_outcome out;
    int rc = pw_lock_load(o.request.lock_path, &current, &err);
    if (rc == PW_OK) {
        o.request.upgrade = true;
        rc = pw_pipeline_lock(&o.request, PW_PIPELINE_LOCK_RESOLVE, &out, &err);
        if (rc != PW_OK) {
            pw_pipeline_lock_outcome_free(&out);
            pw_lock_free(&current);
        }
    }
    const pw_lock *fresh = &out.lock;
    if (rc != PW_OK) {
        exit_code = cli_fail(ctx, cli_cmd_outdated.name, &err);
        pw_error_clear(&err);
        cli_lock_options_free(&o);
        return exit_code;
    }
    cJSON *root = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(root, "outdated");
    cJSON_AddStringToObject(root, "command", "outdated");
    size_t n = 0;
    for (size_t i = 0; i < current.n_packages; i++) {
        const pw_lock_package *p = &current.packages[i];
        const pw_lock_package *f = pw_lock_find(fresh, p->name);
        if (!f || pw_version_cmp_text(f->version, p->version) <= 0)
            continue;
        if (n++ == 0 && !ctx->json)
            printf("%-30s %-16s %-16s %s\n", "package", "locked", "available", "source");
        if (ctx->json) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "name", p->name);
            cJSON_AddStringToObject(e, "locked", p->version);
            cJSON_AddStringToObject(e, "available", f->version);
            cJSON_AddStringToObject(e, "source", f->source);
            cJSON_AddItemToArray(list, e);
        } else {
            printf("%-30s %-16s %-16s %s\n", p->name, p->version, f->version, f->source);
        }
    }
    if (ctx->json) {
        cli_print_json(root);
    } else {
        if (n == 0 && ctx->verbosity >= 0)
            fprintf(stderr, "All %zu locked packages are the newest the requirements allow.\n",
                    current.n_packages);
        cJSON_Delete(root);
    }
    pw_lock_free(&current);
    pw_pipeline_lock_outcome_free(&out);
    cli_lock_options_free(&o);
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_outdated = {
    .name = "outdated",
    .summary = "list locked packages with newer versions",
    .help = outdated_help,
    .run = run_outdated,
    .takes_lock_options = true,
};
