/* pwpkg add / remove: edit the inputs and re-lock, like uv add and uv
 * remove (pipeline/edit.c). */
#include "cli.h"
#include "pipeline.h"

#include <cJSON.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char add_help[] =
    "usage: pwpkg add NAME[SPEC]... [--group NAME | --optional EXTRA] [lock options]\n"
    "\n"
    "Add requirements to requirements.txt or pyproject.toml (the input `pwpkg lock`\n"
    "reads) and re-lock. A requirement for a project already listed replaces it in\n"
    "place; comments, order and formatting stay. The versions already locked are\n"
    "kept. When the resolution fails, nothing is changed.\n"
    "\n"
    "  --group NAME      add to [dependency-groups].NAME of pyproject.toml (and lock it)\n"
    "  --optional EXTRA  add to [project.optional-dependencies].EXTRA (and lock it)\n"
    "  lock options      as `pwpkg help lock`: -r FILE, --project FILE, -o FILE,\n"
    "                    --pyodide, --compat-date, indexes, --offline...\n"
    "\n"
    "exit codes: 0 ok, 1 no resolution exists (nothing changed), 2 usage or input\n"
    "error, 3 network or I/O error.\n";

static const char remove_help[] =
    "usage: pwpkg remove NAME... [--group NAME | --optional EXTRA] [lock options]\n"
    "\n"
    "Remove requirements from requirements.txt or pyproject.toml and re-lock; the\n"
    "other lines stay as they are. When the resolution fails, nothing is changed.\n"
    "\n"
    "  --group NAME      remove from [dependency-groups].NAME of pyproject.toml\n"
    "  --optional EXTRA  remove from [project.optional-dependencies].EXTRA\n"
    "  lock options      as `pwpkg help lock`\n"
    "\n"
    "exit codes: 0 ok, 1 no resolution exists (nothing changed), 2 usage error, a\n"
    "name that is not a requirement, or bad input, 3 network or I/O error.\n";


enum { OPT_OPTIONAL = CLI_OPT_FIRST_EXTRA_OPTION };

typedef struct edit_args {
    const char *optional;
} edit_args;

static int handle_edit_option(void *opaque, int opt, const char *arg)
{
    edit_args *a = opaque;
    if (opt == OPT_OPTIONAL)
        a->optional = arg;
    return -1;
}

static void print_result(cli_context *ctx, const char *command, const char *input,
                         const pw_strlist *specs, const pw_lock *lock, const char *lock_path)
{
    if (ctx->json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "command", command);
        cJSON_AddStringToObject(root, "input", input);
        cJSON_AddStringToObject(root, "lock", lock_path);
        cJSON *names = cJSON_AddArrayToObject(root, "requirements");
        for (size_t i = 0; i < specs->len; i++)
            cJSON_AddItemToArray(names, cJSON_CreateString(specs->items[i]));
        cJSON_AddNumberToObject(root, "packages", (double)lock->n_packages);
        cli_print_json(root);
        return;
    }
    if (ctx->verbosity < 0)
        return;
    for (size_t i = 0; i < specs->len; i++)
        fprintf(stderr, "%s %s %s %s\n", strcmp(command, "add") == 0 ? "Added" : "Removed",
                specs->items[i], strcmp(command, "add") == 0 ? "to" : "from", input);
    fprintf(stderr, "Locked %zu package%s for Pyodide %s (Python %s) -> %s\n", lock->n_packages,
            lock->n_packages == 1 ? "" : "s", lock->release.pyodide, lock->release.python,
            lock_path);
}

static const struct option edit_options[] = {
    {"optional", required_argument, NULL, OPT_OPTIONAL},
    {NULL, 0, NULL, 0},
};

static int run_edit(cli_context *ctx, const cli_command *cmd, int argc, char **argv, bool remove)
{
    edit_args a = {0};
    pw_strlist specs = PW_STRLIST_INIT;
    cli_extra_options extra = {
        .options = edit_options,
        .handle = handle_edit_option,
        .ctx = &a,
        .positionals = &specs,
    };
    cli_lock_options o;
    memset(&o, 0, sizeof(o));
    int exit_code = cli_parse_lock_options(ctx, cmd, argc, argv, &extra, &o);
    if (exit_code < 0 && specs.len == 0)
        exit_code = cli_usage_error(ctx, cmd, "which requirements? (pwpkg %s NAME...)", cmd->name);
    if (exit_code < 0 && a.optional && o.groups.len)
        exit_code = cli_usage_error(ctx, cmd, "--group and --optional name different tables; "
                                              "give one");
    if (exit_code < 0 && a.optional)
        pw_strlist_push(&o.extras, a.optional);
    if (exit_code >= 0) {
        pw_strlist_free(&specs);
        cli_lock_options_free(&o);
        return exit_code;
    }
    cli_reporter_install(ctx);

    pw_error err = {0};
    pw_pipeline_edit_job job = {
        .request = &o.request,
        .specs = &specs,
        .remove = remove,
        .optional = a.optional,
        .group = a.optional || !o.groups.len ? NULL : o.groups.items[0],
    };
    pw_pipeline_edit_outcome out;
    int rc = pw_pipeline_edit(&job, &out, &err);
    if (rc == PW_OK) {
        print_result(ctx, cmd->name, out.input, &specs, &out.lock.lock, o.request.lock_path);
        exit_code = CLI_EXIT_OK;
    } else {
        exit_code = cli_fail(ctx, cmd->name, &err);
    }
    pw_pipeline_edit_outcome_free(&out);
    pw_error_clear(&err);
    pw_strlist_free(&specs);
    cli_lock_options_free(&o);
    return exit_code;
}

static int run_add(cli_context *ctx, int argc, char **argv)
{
    return run_edit(ctx, &cli_cmd_add, argc, argv, false);
}

static int run_remove(cli_context *ctx, int argc, char **argv)
{
    return run_edit(ctx, &cli_cmd_remove, argc, argv, true);
}

const cli_command cli_cmd_add = {
    .name = "add",
    .summary = "add requirements to the inputs and re-lock",
    .help = add_help,
    .run = run_add,
    .options = edit_options,
    .takes_lock_options = true,
};
const cli_command cli_cmd_remove = {
    .name = "remove",
    .summary = "remove requirements from the inputs and re-lock",
    .help = remove_help,
    .run = run_remove,
    .options = edit_options,
    .takes_lock_options = true,
};
