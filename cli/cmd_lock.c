/* pwpkg lock: parse options, resolve and write or check the lock (pipeline/lock.c). */
#include "bundle.h"
#include "cli.h"
#include "pipeline.h"
#include "resolver.h"

#include <cJSON.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char lock_help[] =
    "usage: pwpkg lock [OPTIONS]\n"
    "\n"
    "Resolve the requirements against a Pyodide release and write pwpkg.lock.\n"
    "\n"
    "inputs:\n"
    "  -r, --requirement FILE   requirements file (default: requirements.txt beside the\n"
    "                           lock, else pyproject.toml there)\n"
    "  --project FILE           read a pyproject.toml: [project].dependencies (PEP 621)\n"
    "  --extra NAME             ... plus [project.optional-dependencies].NAME (repeatable)\n"
    "  --group NAME             ... plus [dependency-groups].NAME (PEP 735, repeatable)\n"
    "  -o, --output FILE        the lock to write or check (default: pwpkg.lock)\n"
    "\n"
    "choosing the Pyodide release (first that applies):\n"
    "  --pyodide VERSION        a release, e.g. 0.27.7; one pwpkg's table lacks is read\n"
    "                           from its pyodide-lock.json (--pyodide-index, or an\n"
    "                           installed runtime: pwpkg runtime install VERSION)\n"
    "  --compat-date DATE       a Worker's compatibility date (YYYY-MM-DD) ...\n"
    "  --compat-flag FLAG       ... and its compatibility flags (repeatable)\n"
    "  (default)                compatibility_date and compatibility_flags from\n"
    "                           wrangler.json, wrangler.jsonc or wrangler.toml beside\n"
    "                           the requirements; either option replaces only its own\n"
    "                           key, as wrangler's --compatibility-date/-flags do\n"
    "  --env NAME               apply the wrangler config's [env.NAME], as\n"
    "                           `wrangler deploy --env NAME` does\n"
    "  --pyodide-index LOC      the release's pyodide-lock.json: a file, a directory\n"
    "                           holding one, or a URL (default: an installed runtime of\n"
    "                           the release, else https://cdn.jsdelivr.net/pyodide/vVERSION/full/);\n"
    "                           each artifact is taken from beside it when it is there\n"
    "  --pyodide-base-url URL   where the other artifacts come from (default: the\n"
    "                           release's CDN folder)\n"
    "  --no-remote-artifacts    every artifact must be beside the index; fail listing\n"
    "                           those that are not\n"
    "\n"
    "package indexes (names the release provides come from the release):\n"
    "  -i, --index-url URL      PEP 503/691 simple index (default https://pypi.org/simple;\n"
    "                           a local directory or a pwpkg mirror works too)\n"
    "  --extra-index-url URL    further indexes, asked in order (repeatable)\n"
    "  -f, --find-links LOC     a directory of wheels or an HTML page of links (repeatable)\n"
    "  --no-index               no package index: the release and --find-links only\n"
    "  --index-strategy S       first-index (default: a project comes from the first\n"
    "                           index that has it) or unsafe-best-match (all indexes)\n"
    "  --from-index NAME        take NAME from the indexes, not from the release\n"
    "  --pre                    allow pre-releases\n"
    "  --exclude-newer DATE     ignore files uploaded after DATE (YYYY-MM-DD or RFC 3339)\n"
    "  -U, --upgrade            ignore the versions pinned in the existing lock\n"
    "  -P, --upgrade-package N  ... for package N only (repeatable)\n"
    "\n"
    "behaviour:\n"
    "  --check                  write nothing; exit 1 and show what would change when\n"
    "                           the lock is stale, 0 when it is current\n"
    "  (recorded options)       the lock records the options above that change the\n"
    "                           result; a later run without them reuses them, so\n"
    "                           `lock --check` and `verify` need no flags. One given\n"
    "                           again replaces the recorded one (and is reported)\n"
    "  --reset-options          ignore the recorded options: only those given count\n"
    CLI_TRANSFER_HELP
    "  -q, --quiet / -v, --verbose / --json / --color[=WHEN] / --no-color\n"
    "\n"
    "exit codes: 0 locked (or current), 1 no resolution or stale lock (--check),\n"
    "2 usage or input error, 3 network or I/O error.\n";

enum {
    OPT_PYODIDE = CLI_OPT_FIRST_COMMAND_OPTION,
    OPT_PYODIDE_INDEX,
    OPT_COMPAT_DATE,
    OPT_COMPAT_FLAG,
    OPT_CHECK,
    OPT_PROJECT,
    OPT_EXTRA,
    OPT_GROUP,
    OPT_EXTRA_INDEX_URL,
    OPT_NO_INDEX,
    OPT_INDEX_STRATEGY,
    OPT_FROM_INDEX,
    OPT_PRE,
    OPT_EXCLUDE_NEWER,
    OPT_ENV,
    OPT_RESET_OPTIONS,
    OPT_PYODIDE_BASE_URL,
    OPT_NO_REMOTE_ARTIFACTS,
};

const struct option cli_lock_option_table[] = {
        CLI_COMMON_LONG_OPTIONS,
        CLI_TRANSFER_LONG_OPTIONS,
        {"requirement", required_argument, NULL, 'r'},
        {"output", required_argument, NULL, 'o'},
        {"pyodide", required_argument, NULL, OPT_PYODIDE},
        {"pyodide-index", required_argument, NULL, OPT_PYODIDE_INDEX},
        {"compat-date", required_argument, NULL, OPT_COMPAT_DATE},
        {"compat-flag", required_argument, NULL, OPT_COMPAT_FLAG},
        {"check", no_argument, NULL, OPT_CHECK},
        {"project", required_argument, NULL, OPT_PROJECT},
        {"extra", required_argument, NULL, OPT_EXTRA},
        {"group", required_argument, NULL, OPT_GROUP},
        {"index-url", required_argument, NULL, 'i'},
        {"extra-index-url", required_argument, NULL, OPT_EXTRA_INDEX_URL},
        {"find-links", required_argument, NULL, 'f'},
        {"no-index", no_argument, NULL, OPT_NO_INDEX},
        {"index-strategy", required_argument, NULL, OPT_INDEX_STRATEGY},
        {"from-index", required_argument, NULL, OPT_FROM_INDEX},
        {"pre", no_argument, NULL, OPT_PRE},
        {"exclude-newer", required_argument, NULL, OPT_EXCLUDE_NEWER},
        {"upgrade", no_argument, NULL, 'U'},
        {"upgrade-package", required_argument, NULL, 'P'},
        {"env", required_argument, NULL, OPT_ENV},
        {"reset-options", no_argument, NULL, OPT_RESET_OPTIONS},
        {"pyodide-base-url", required_argument, NULL, OPT_PYODIDE_BASE_URL},
        {"no-remote-artifacts", no_argument, NULL, OPT_NO_REMOTE_ARTIFACTS},
        {NULL, 0, NULL, 0},
};

typedef struct lock_parse {
    const cli_command *cmd;
    cli_lock_options *o;
    const cli_extra_options *extra;
} lock_parse;

static int parse_lock_option(cli_context *ctx, void *state, int opt, const char *arg)
{
    lock_parse *lp = state;
    const cli_command *cmd = lp->cmd;
    cli_lock_options *o = lp->o;
    if (lp->extra && opt >= CLI_OPT_FIRST_EXTRA_OPTION)
        return lp->extra->handle(lp->extra->ctx, opt, arg);
    pw_resolve_request *r = &o->request;
    switch (opt) {
    case 'r': r->requirements_path = arg; break;
    case 'o': r->lock_path = arg; break;
    case OPT_PYODIDE: r->pyodide_version = arg; break;
    case OPT_PYODIDE_INDEX: r->pyodide_index = arg; break;
    case OPT_PYODIDE_BASE_URL: r->pyodide_base_url = arg; break;
    case OPT_NO_REMOTE_ARTIFACTS:
        r->no_remote_artifacts = true;
        r->given |= PW_GIVEN_NO_REMOTE_ARTIFACTS;
        break;
    case OPT_COMPAT_DATE: r->compat_date = arg; break;
    case OPT_COMPAT_FLAG: pw_strlist_push(&o->compat_flags, arg); break;
    case OPT_ENV: r->wrangler_env = arg; break;
    case OPT_RESET_OPTIONS: o->reset_options = true; break;
    case OPT_CHECK: o->check = true; break;
    case OPT_PROJECT: r->project_path = arg; break;
    case OPT_EXTRA: pw_strlist_push(&o->extras, arg); break;
    case OPT_GROUP: pw_strlist_push(&o->groups, arg); break;
    case 'i': r->index_url = arg; break;
    case OPT_EXTRA_INDEX_URL: pw_strlist_push(&o->extra_index_urls, arg); break;
    case 'f': pw_strlist_push(&o->find_links, arg); break;
    case OPT_NO_INDEX:
        r->no_index = true;
        r->given |= PW_GIVEN_NO_INDEX;
        break;
    case OPT_INDEX_STRATEGY:
        r->given |= PW_GIVEN_INDEX_STRATEGY;
        if (strcmp(arg, "unsafe-best-match") == 0)
            r->best_match = true;
        else if (strcmp(arg, "first-index") != 0)
            return cli_usage_error(ctx, cmd,
                                   "--index-strategy takes first-index or unsafe-best-match");
        break;
    case OPT_FROM_INDEX: pw_strlist_push_owned(&o->from_index, pw_normalize_name(arg)); break;
    case OPT_PRE:
        r->pre = true;
        r->given |= PW_GIVEN_PRE;
        break;
    case OPT_EXCLUDE_NEWER: {
        pw_error err = {0};
        if (pw_parse_timestamp(arg, &r->exclude_newer, &err) != PW_OK) {
            int code = cli_usage_error(ctx, cmd, "--exclude-newer: %s",
                                       pw_error_message(&err));
            pw_error_clear(&err);
            return code;
        }
        break;
    }
    case 'U': r->upgrade = true; break;
    case 'P': pw_strlist_push_owned(&o->upgrade_packages, pw_normalize_name(arg)); break;
    default: return CLI_OPTION_UNKNOWN;
    }
    return -1;
}

static int finish_lock_options(cli_context *ctx, const cli_command *cmd, cli_lock_options *o)
{
    pw_resolve_request *r = &o->request;
    if (r->pyodide_version && r->compat_date)
        return cli_usage_error(ctx, cmd,
                               "--pyodide and --compat-date both choose the release; give one");
    if (r->pyodide_version && (o->compat_flags.len || r->wrangler_env))
        return cli_usage_error(ctx, cmd,
                               "--pyodide names the release; --compat-flag and --env choose "
                               "one from the Worker's config, give one or the other");
    if (!r->lock_path)
        r->lock_path = PW_LOCK_DEFAULT_NAME;
    if (r->project_path && r->requirements_path)
        return cli_usage_error(ctx, cmd, "-r and --project both name the input; give one");
    r->compat_flags = &o->compat_flags;
    r->extras = &o->extras;
    r->groups = &o->groups;
    r->extra_index_urls = &o->extra_index_urls;
    r->find_links = &o->find_links;
    r->from_index = &o->from_index;
    r->upgrade_packages = &o->upgrade_packages;
    r->build_git = pw_bundle_git_wheel;
    r->reuse_recorded = !o->reset_options;
    return -1;
}

int cli_parse_lock_options(cli_context *ctx, const cli_command *cmd, int argc, char **argv,
                           const cli_extra_options *extra, cli_lock_options *o)
{
    /* The lock's options plus the caller's (pwpkg verify adds its own). */
    size_t n_base = sizeof(cli_lock_option_table) / sizeof(cli_lock_option_table[0]) - 1, n_extra = 0;
    while (extra && extra->options[n_extra].name)
        n_extra++;
    struct option *long_options = pw_xcalloc(n_base + n_extra + 1, sizeof(struct option));
    memcpy(long_options, cli_lock_option_table, n_base * sizeof(struct option));
    if (n_extra)
        memcpy(long_options + n_base, extra->options, n_extra * sizeof(struct option));
    lock_parse lp = {.cmd = cmd, .o = o, .extra = extra};
    int first = 0;
    cli_option_set set = {
        .options = long_options,
        .handle = parse_lock_option,
        .state = &lp,
        .transfer = &o->request.transfer,
        .first_arg = extra && extra->positionals ? &first : NULL,
    };
    int result = cli_parse_options(ctx, cmd, argc, argv, &set);
    free(long_options);
    if (result >= 0)
        return result;
    for (int i = first; extra && extra->positionals && i < argc; i++)
        pw_strlist_push(extra->positionals, argv[i]);
    return finish_lock_options(ctx, cmd, o);
}


static void print_json_result(const char *status, const cli_lock_options *o, const pw_lock *lock,
                              bool changed, const pw_lock_diff *diff)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "command", "lock");
    cJSON_AddStringToObject(root, "status", status);
    cJSON_AddStringToObject(root, "lock", o->request.lock_path);
    cJSON_AddBoolToObject(root, "changed", changed);
    cJSON *rel = cJSON_AddObjectToObject(root, "release");
    cJSON_AddStringToObject(rel, "pyodide", lock->release.pyodide);
    cJSON_AddStringToObject(rel, "python", lock->release.python);
    size_t beside = 0, elsewhere = 0;
    pw_lock_count_release_artifacts(lock, &beside, &elsewhere);
    cJSON *arts = cJSON_AddObjectToObject(root, "release_artifacts");
    cJSON_AddNumberToObject(arts, "beside_index", (double)beside);
    cJSON_AddNumberToObject(arts, "elsewhere", (double)elsewhere);
    cJSON *pkgs = cJSON_AddArrayToObject(root, "packages");
    for (size_t i = 0; i < lock->n_packages; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "name", lock->packages[i].name);
        cJSON_AddStringToObject(p, "version", lock->packages[i].version);
        cJSON_AddStringToObject(p, "source", lock->packages[i].source);
        cJSON_AddItemToArray(pkgs, p);
    }
    cJSON *dropped = cJSON_AddArrayToObject(root, "dropped");
    for (size_t i = 0; i < lock->dropped.len; i++)
        cJSON_AddItemToArray(dropped, cJSON_CreateString(lock->dropped.items[i]));
    if (diff) {
        cJSON *changes = cJSON_AddArrayToObject(root, "changes");
        for (size_t i = 0; i < diff->len; i++) {
            const pw_lock_change *c = &diff->changes[i];
            cJSON *ch = cJSON_CreateObject();
            cJSON_AddStringToObject(ch, "name", c->name);
            cJSON_AddStringToObject(ch, "change", pw_lock_change_kind_name(c->kind));
            if (c->old_version)
                cJSON_AddStringToObject(ch, "old", c->old_version);
            if (c->new_version)
                cJSON_AddStringToObject(ch, "new", c->new_version);
            cJSON_AddItemToArray(changes, ch);
        }
    }
    cli_print_json(root);
}

static void print_summary(const cli_context *ctx, const cli_lock_options *o, const pw_lock *lock,
                          bool changed)
{
    if (ctx->verbosity < 0)
        return;
    const char *bold = cli_style(ctx, "\033[1m"), *reset = cli_style(ctx, "\033[0m");
    fprintf(stderr, "%s%s%s %zu package%s for Pyodide %s (Python %s)%s%s\n", bold,
            changed ? "Locked" : "Up to date:", reset, lock->n_packages,
            lock->n_packages == 1 ? "" : "s", lock->release.pyodide, lock->release.python,
            changed ? " -> " : "", changed ? o->request.lock_path : "");
    for (size_t i = 0; i < lock->n_packages; i++) {
        const pw_lock_package *p = &lock->packages[i];
        fprintf(stderr, "  %s %s", p->name, p->version);
        if (strcmp(p->package_type, "package") != 0)
            fprintf(stderr, " (%s)", p->package_type);
        fputc('\n', stderr);
    }
    for (size_t i = 0; i < lock->dropped.len; i++)
        fprintf(stderr, "  dropped (marker false in Pyodide): %s\n", lock->dropped.items[i]);
}

/* --check: the lock on disk compared with a fresh resolution, byte for byte. */
static int print_check(cli_context *ctx, const cli_lock_options *o,
                       const pw_pipeline_lock_outcome *out, int rc, pw_error *err)
{
    if (rc == PW_OK) {
        if (ctx->json)
            print_json_result("current", o, &out->lock, false, NULL);
        else
            print_summary(ctx, o, &out->lock, false);
        return CLI_EXIT_OK;
    }
    if (rc == PW_ECHECK && ctx->json) {
        print_json_result("stale", o, &out->lock, true, &out->diff);
        return CLI_EXIT_CHECK;
    }
    if (rc == PW_ECHECK) {
        const char *msg = pw_error_message(err);
        fprintf(stderr, "%s%s", msg, msg[0] && msg[strlen(msg) - 1] == '\n' ? "" : "\n");
        return CLI_EXIT_CHECK;
    }
    return cli_fail(ctx, "lock", err);
}

void cli_lock_options_free(cli_lock_options *o)
{
    pw_strlist_free(&o->compat_flags);
    pw_strlist_free(&o->extras);
    pw_strlist_free(&o->groups);
    pw_strlist_free(&o->extra_index_urls);
    pw_strlist_free(&o->find_links);
    pw_strlist_free(&o->from_index);
    pw_strlist_free(&o->upgrade_packages);
}

static int run_lock(cli_context *ctx, int argc, char **argv)
{
    cli_lock_options o;
    memset(&o, 0, sizeof(o));
    int exit_code = cli_parse_lock_options(ctx, &cli_cmd_lock, argc, argv, NULL, &o);
    if (exit_code >= 0) {
        cli_lock_options_free(&o);
        return exit_code;
    }
    cli_reporter_install(ctx);

    pw_error err = {0};
    pw_pipeline_lock_outcome out;
    pw_pipeline_lock_mode mode = o.check ? PW_PIPELINE_LOCK_CHECK : PW_PIPELINE_LOCK_WRITE;
    int rc = pw_pipeline_lock(&o.request, mode, &out, &err);
    if (o.check && out.resolved) {
        exit_code = print_check(ctx, &o, &out, rc, &err);
    } else if (rc) {
        exit_code = cli_fail(ctx, "lock", &err);
    } else {
        if (ctx->json)
            print_json_result("ok", &o, &out.lock, out.changed, NULL);
        else
            print_summary(ctx, &o, &out.lock, out.changed);
        exit_code = CLI_EXIT_OK;
    }
    pw_pipeline_lock_outcome_free(&out);
    pw_error_clear(&err);
    cli_lock_options_free(&o);
    return exit_code;
}

const cli_command cli_cmd_lock = {
    .name = "lock",
    .summary = "resolve requirements against a Pyodide release and write pwpkg.lock",
    .help = lock_help,
    .run = run_lock,
    .options = cli_lock_option_table,
};
