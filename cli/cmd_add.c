/* pwpkg add / remove / outdated: edit the inputs and re-lock, like uv add,
 * uv remove and pip list --outdated. */
#include "bundle.h"
#include "cli.h"
#include "resolver.h"

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

/* The input `lock` reads: -r, --project, else requirements.txt beside the
 * lock, else pyproject.toml there (resolver/resolve_lock.c decides the same). */
static char *input_path(const pw_lock_request *r)
{
    if (r->requirements_path)
        return pw_xstrdup(r->requirements_path);
    if (r->project_path)
        return pw_xstrdup(r->project_path);
    bool here = !strchr(r->lock_path, '/');
    char *dir = pw_path_dirname(r->lock_path);
    char *req = here ? pw_xstrdup("requirements.txt") : pw_path_join(dir, "requirements.txt");
    if (!pw_file_exists(req)) {
        free(req);
        req = here ? pw_xstrdup("pyproject.toml") : pw_path_join(dir, "pyproject.toml");
    }
    free(dir);
    return req;
}

static bool is_pyproject(const char *path)
{
    return pw_slice_ends_with(pw_slice_from(path), "pyproject.toml") ||
           pw_slice_ends_with(pw_slice_from(path), ".toml");
}

static int edit_inputs(const char *path, const pw_buf *original, const pw_strlist *specs,
                       const pw_input_edit_target *target, bool remove, pw_buf *out,
                       pw_error *err)
{
    pw_buf current = PW_BUF_INIT;
    pw_buf_append(&current, original->data ? original->data : "", original->len);
    int rc = PW_OK;
    for (size_t i = 0; i < specs->len && rc == PW_OK; i++) {
        pw_buf next = PW_BUF_INIT;
        rc = is_pyproject(path)
                 ? pw_pyproject_edit(path, pw_buf_cstr(&current), current.len, target,
                                     specs->items[i], remove, &next, err)
                 : pw_requirements_edit(path, pw_buf_cstr(&current), current.len,
                                        specs->items[i], remove, &next, err);
        pw_buf_free(&current);
        current = next;
    }
    if (rc == PW_OK)
        *out = current;
    else
        pw_buf_free(&current);
    return rc;
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
    char *input = exit_code < 0 ? input_path(&o.request) : NULL;
    if (exit_code < 0 && (a.optional || o.groups.len) && !is_pyproject(input))
        exit_code = cli_usage_error(ctx, cmd, "--group and --optional edit pyproject.toml, but "
                                              "the input is %s",
                                    input);
    if (exit_code >= 0) {
        free(input);
        pw_strlist_free(&specs);
        cli_lock_options_free(&o);
        return exit_code;
    }
    cli_reporter_install(ctx);
    pw_input_edit_target target = {PW_EDIT_DEPENDENCIES, NULL};
    if (a.optional)
        target = (pw_input_edit_target){PW_EDIT_OPTIONAL, a.optional};
    else if (o.groups.len)
        target = (pw_input_edit_target){PW_EDIT_GROUP, o.groups.items[0]};

    pw_error err = {0};
    pw_buf original = PW_BUF_INIT, edited = PW_BUF_INIT;
    pw_lock lock;
    bool locked = false, written = false;
    int rc = pw_read_file(input, &original, &err);
    if (rc == PW_OK)
        rc = edit_inputs(input, &original, &specs, &target, remove, &edited, &err);
    if (rc == PW_OK && (rc = pw_write_file_atomic(input, edited.data, edited.len, &err)) == PW_OK)
        written = true;
    if (rc == PW_OK && (rc = pw_resolver_lock(&o.request, &lock, &err)) == PW_OK)
        locked = true;
    if (locked)
        rc = pw_lock_save(o.request.lock_path, &lock, NULL, &err);
    if (rc != PW_OK && written) {
        /* the resolution (or the lock's write) failed: the input as it was */
        pw_error restore = {0};
        if (pw_write_file_atomic(input, original.data ? original.data : "", original.len,
                                 &restore) != PW_OK) {
            pw_report(PW_REPORT_WARN, "could not restore %s: %s", input,
                      pw_error_message(&restore));
        }
        pw_error_clear(&restore);
    }
    if (rc == PW_OK) {
        print_result(ctx, cmd->name, input, &specs, &lock, o.request.lock_path);
        exit_code = CLI_EXIT_OK;
    } else {
        if (written)
            pw_error_wrap(&err, "%s left unchanged", input);
        exit_code = cli_fail(ctx, cmd->name, &err);
    }
    if (locked)
        pw_lock_free(&lock);
    pw_buf_free(&original);
    pw_buf_free(&edited);
    pw_error_clear(&err);
    free(input);
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

/* ---------------------------------------------------------------- outdated */

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
    pw_lock current, fresh;
    int rc = pw_lock_load(o.request.lock_path, &current, &err);
    if (rc == PW_OK) {
        o.request.upgrade = true;
        rc = pw_resolver_lock(&o.request, &fresh, &err);
        if (rc != PW_OK)
            pw_lock_free(&current);
    }
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
        const pw_lock_package *f = pw_lock_find(&fresh, p->name);
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
    pw_lock_free(&fresh);
    cli_lock_options_free(&o);
    return CLI_EXIT_OK;
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
const cli_command cli_cmd_outdated = {
    .name = "outdated",
    .summary = "list locked packages with newer versions",
    .help = outdated_help,
    .run = run_outdated,
    .takes_lock_options = true,
};
