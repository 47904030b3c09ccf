/* pwpkg diff [REV [REV]]: what changed in the lock between revisions. */
#include "cli.h"
#include "pipeline.h"

#include <cJSON.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char diff_help[] =
    "usage: pwpkg diff [REV [REV]] [--lock FILE] [--format text|markdown|json]\n"
    "\n"
    "Show what changed in the lock: packages added, removed, upgraded,\n"
    "downgraded or re-hashed, release changes, and root requirements added or\n"
    "removed. The lock at a revision is read straight from git's object\n"
    "database, with no checkout.\n"
    "\n"
    "  (no REV)      HEAD against the working tree\n"
    "  REV           REV against the working tree (e.g. origin/main)\n"
    "  REV1 REV2     REV1 against REV2 (e.g. v1.2 v1.3)\n"
    "\n"
    "  --lock FILE       the lock (default: pwpkg.lock)\n"
    "  --format FORMAT   text (default), markdown (a pull-request comment) or json\n"
    "  --exit-code       exit 1 when there are changes\n"
    "\n"
    "exit codes: 0 ok (or no changes with --exit-code), 1 changes with\n"
    "--exit-code, 2 usage error, unknown revision or unreadable lock, 3 I/O error.\n";

enum { OPT_FORMAT = CLI_OPT_FIRST_COMMAND_OPTION, OPT_EXIT_CODE };

static void print_json(const pw_lock_diff *d, const pw_strlist *added, const pw_strlist *removed,
                       const char *from, const char *to)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "command", "diff");
    cJSON_AddStringToObject(root, "from", from);
    cJSON_AddStringToObject(root, "to", to);
    cJSON *changes = cJSON_AddArrayToObject(root, "changes");
    for (size_t i = 0; i < d->len; i++) {
        const pw_lock_change *c = &d->changes[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", c->name);
        cJSON_AddStringToObject(o, "change", pw_lock_change_kind_name(c->kind));
        if (c->old_version)
            cJSON_AddStringToObject(o, "old", c->old_version);
        if (c->new_version)
            cJSON_AddStringToObject(o, "new", c->new_version);
        if (c->detail)
            cJSON_AddStringToObject(o, "detail", c->detail);
        cJSON_AddItemToArray(changes, o);
    }
    cJSON *rel = cJSON_AddArrayToObject(root, "release");
    for (size_t i = 0; i < d->release_changes.len; i++)
        cJSON_AddItemToArray(rel, cJSON_CreateString(d->release_changes.items[i]));
    cJSON *ra = cJSON_AddArrayToObject(root, "requirements_added");
    for (size_t i = 0; i < added->len; i++)
        cJSON_AddItemToArray(ra, cJSON_CreateString(added->items[i]));
    cJSON *rr = cJSON_AddArrayToObject(root, "requirements_removed");
    for (size_t i = 0; i < removed->len; i++)
        cJSON_AddItemToArray(rr, cJSON_CreateString(removed->items[i]));
    cli_print_json(root);
}

static const struct option diff_options[] = {
    CLI_COMMON_LONG_OPTIONS,
    {"lock", required_argument, NULL, CLI_OPT_LOCK},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"exit-code", no_argument, NULL, OPT_EXIT_CODE},
    {NULL, 0, NULL, 0},
};

typedef struct diff_cli {
    const char *lock_path, *format;
    bool exit_on_change;
} diff_cli;

static int diff_option(cli_context *ctx, void *state, int opt, const char *arg)
{
    (void)ctx;
    diff_cli *d = state;
    switch (opt) {
    case CLI_OPT_LOCK: d->lock_path = arg; break;
    case OPT_FORMAT: d->format = arg; break;
    case OPT_EXIT_CODE: d->exit_on_change = true; break;
    default: return CLI_OPTION_UNKNOWN;
    }
    return -1;
}

static int run_diff(cli_context *ctx, int argc, char **argv)
{
    diff_cli args = {PW_LOCK_DEFAULT_NAME, "text", false};
    int first = 0;
    cli_option_set set = {diff_options, diff_option, &args, NULL, &first};
    int exit_code = cli_parse_options(ctx, &cli_cmd_diff, argc, argv, &set);
    if (exit_code >= 0)
        return exit_code;
    const char *lock_path = args.lock_path, *format = args.format;
    bool exit_on_change = args.exit_on_change;
    if (ctx->json)
        format = "json";
    if (strcmp(format, "text") != 0 && strcmp(format, "markdown") != 0 &&
        strcmp(format, "json") != 0)
        return cli_usage_error(ctx, &cli_cmd_diff, "--format takes text, markdown or json");
    if (argc - first > 2)
        return cli_usage_error(ctx, &cli_cmd_diff, "at most two revisions");
    const char *from = first < argc ? argv[first] : "HEAD";
    const char *to = first + 1 < argc ? argv[first + 1] : NULL;
    cli_reporter_install(ctx);

    pw_error err = {0};
    pw_pipeline_diff_outcome diff;
    int rc = pw_pipeline_diff(lock_path, from, to, &diff, &err);
    if (rc) {
        exit_code = cli_fail(ctx, "diff", &err);
        pw_error_clear(&err);
        return exit_code;
    }
    const pw_lock_diff d = diff.diff;
    const pw_strlist added = diff.requirements_added, removed = diff.requirements_removed;
    bool changed = diff.changed;
    const char *to_name = to ? to : "working tree";
    pw_buf out = PW_BUF_INIT;
    if (strcmp(format, "json") == 0) {
        print_json(&d, &added, &removed, from, to_name);
    } else if (strcmp(format, "markdown") == 0) {
        pw_buf_printf(&out, "### `%s`: %s → %s\n\n", lock_path, from, to_name);
        for (size_t i = 0; i < added.len; i++)
            pw_buf_printf(&out, "- Requirement added: `%s`\n", added.items[i]);
        for (size_t i = 0; i < removed.len; i++)
            pw_buf_printf(&out, "- Requirement removed: `%s`\n", removed.items[i]);
        if (added.len || removed.len)
            pw_buf_putc(&out, '\n');
        pw_lock_diff_format_markdown(&d, &out);
    } else {
        pw_buf_printf(&out, "%s: %s -> %s\n", lock_path, from, to_name);
        for (size_t i = 0; i < added.len; i++)
            pw_buf_printf(&out, "  requirement added: %s\n", added.items[i]);
        for (size_t i = 0; i < removed.len; i++)
            pw_buf_printf(&out, "  requirement removed: %s\n", removed.items[i]);
        pw_lock_diff_format_text(&d, &out);
        if (!changed)
            pw_buf_puts(&out, "  no changes\n");
    }
    fputs(pw_buf_cstr(&out), stdout);
    pw_buf_free(&out);
    pw_pipeline_diff_outcome_free(&diff);
    return exit_on_change && changed ? CLI_EXIT_CHECK : CLI_EXIT_OK;
}

const cli_command cli_cmd_diff = {
    .name = "diff",
    .summary = "show what changed in the lock since a git revision",
    .help = diff_help,
    .run = run_diff,
    .options = diff_options,
};
