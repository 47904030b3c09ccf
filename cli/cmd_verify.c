/* pwpkg verify: the CI gate. Each check is a module call; this file only
 * runs them in order and reports every problem, one line each. */
#include "bundle.h"
#include "cli.h"
#include "pipeline.h"
#include "fetch.h"
#include "lockfile.h"
#include "runtime_check.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char verify_help[] =
    "usage: pwpkg verify [LOCK OPTIONS] [--bundle PATH] [--mirror DIR] [--check-runtime]\n"
    "\n"
    "One command for CI. It checks that:\n"
    "  - the lock is current with its inputs (as `pwpkg lock --check` does; it takes\n"
    "    the same options as `pwpkg lock`, e.g. --pyodide-index, --index-url);\n"
    "  - every artifact in the cache (and in --mirror DIR) matches the lock's sha256;\n"
    "  - with --bundle PATH: a bundle rebuilt from scratch is byte-identical to PATH\n"
    "    (a python_modules/ directory or a .zip);\n"
    "  - with --check-runtime: the bundle imports in Pyodide (as `pwpkg check`).\n"
    "\n"
    "Problems are printed one per line as FILE:LINE: message, the form CI systems\n"
    "annotate; --format github prints GitHub Actions annotations instead\n"
    "(::error file=...,line=...::message); --json gives them as a list. With no\n"
    "lock options, the options recorded in the lock are used (see pwpkg help lock).\n"
    "\n"
    "  --bundle PATH       the bundle to rebuild and compare\n"
    "  --mirror DIR        an offline mirror whose artifacts are checked too\n"
    "  --check-runtime     run the import check on --bundle (default python_modules)\n"
    "  --runtime DIR       the Pyodide runtime for --check-runtime\n"
    "  --format F          text (default) or github\n"
    "\n"
    "exit codes: 0 everything holds, 1 a problem was found, 2 usage or input\n"
    "error, 3 network, I/O or runtime error.\n";

enum { OPT_BUNDLE = CLI_OPT_FIRST_EXTRA_OPTION, OPT_MIRROR, OPT_CHECK_RUNTIME, OPT_RUNTIME, OPT_FORMAT };

enum verify_format { FORMAT_TEXT, FORMAT_GITHUB };

typedef struct verify_cli {
    const char *bundle;
    const char *mirror;
    bool check_runtime;
    const char *runtime_dir;
    const char *format;
} verify_cli;

typedef struct problem_list {
    cJSON *json; /* array */
    size_t count;
    bool quiet;
    enum verify_format format;
} problem_list;

static int handle_verify_option(void *opaque, int opt, const char *arg)
{
    verify_cli *v = opaque;
    switch (opt) {
    case OPT_BUNDLE: v->bundle = arg; break;
    case OPT_MIRROR: v->mirror = arg; break;
    case OPT_CHECK_RUNTIME: v->check_runtime = true; break;
    case OPT_RUNTIME: v->runtime_dir = arg; break;
    case OPT_FORMAT: v->format = arg; break;
    }
    return -1;
}

/* GitHub Actions workflow commands: data escapes %, CR and LF; property
 * values also ':' and ','. */
static void print_escaped(const char *s, bool property)
{
    for (; *s; s++) {
        if (*s == '%')
            fputs("%25", stdout);
        else if (*s == '\r')
            fputs("%0D", stdout);
        else if (*s == '\n')
            fputs("%0A", stdout);
        else if (property && *s == ':')
            fputs("%3A", stdout);
        else if (property && *s == ',')
            fputs("%2C", stdout);
        else
            putchar(*s);
    }
}

static void print_github_annotation(const char *check, const char *file, size_t line,
                                    const char *msg)
{
    fputs("::error file=", stdout);
    print_escaped(file, true);
    printf(",line=%zu,title=", line);
    pw_buf title = PW_BUF_INIT;
    pw_buf_printf(&title, "pwpkg verify: %s", check);
    print_escaped(pw_buf_cstr(&title), true);
    pw_buf_free(&title);
    fputs("::", stdout);
    print_escaped(msg, false);
    putchar('\n');
}

static void add_problem(problem_list *pl, const char *check, const char *file, size_t line,
                        const char *fmt, ...) PW_PRINTF(5, 6);
static void add_problem(problem_list *pl, const char *check, const char *file, size_t line,
                        const char *fmt, ...)
{
    pw_buf msg = PW_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "check", check);
    cJSON_AddStringToObject(p, "file", file);
    cJSON_AddNumberToObject(p, "line", (double)line);
    cJSON_AddStringToObject(p, "message", pw_buf_cstr(&msg));
    cJSON_AddItemToArray(pl->json, p);
    pl->count++;
    if (!pl->quiet) {
        /* one line per problem: continuation lines are folded */
        for (char *c = msg.data; c && *c; c++)
            if (*c == '\n')
                *c = ';';
        if (pl->format == FORMAT_GITHUB)
            print_github_annotation(check, file, line, pw_buf_cstr(&msg));
        else
        {
            pw_buf text = PW_BUF_INIT;
            pw_buf_printf(&text, "%s:%zu: %s: %s", file, line, check, pw_buf_cstr(&msg));
            cli_print_untrusted(stdout, text.data, text.len);
            putchar('\n');
            pw_buf_free(&text);
        }
    }
    pw_buf_free(&msg);
}

/* The line of a package's entry in the lock text, for annotations. */
static size_t package_line(const char *lock_text, const char *name)
{
    pw_buf needle = PW_BUF_INIT;
    if (name)
        pw_buf_printf(&needle, "\"name\": \"%s\"", name);
    else
        pw_buf_puts(&needle, "\"resolution\"");
    const char *at = strstr(lock_text, needle.data);
    pw_buf_free(&needle);
    size_t line = 1;
    for (const char *c = lock_text; at && c < at; c++)
        line += *c == '\n';
    return at ? line : 1;
}

/* The line of `fresh`'s input file that names requirement `text`
 * ("router<2"): where a CI annotation of a changed requirement belongs. */
static size_t requirement_line(const char *path, const char *text)
{
    pw_buf file = PW_BUF_INIT;
    pw_error ignored = {0};
    size_t found = 0;
    if (pw_read_file(path, &file, &ignored) == PW_OK) {
        size_t name_len = strcspn(text, " <>=!~;[@(");
        char *name = pw_xstrndup(text, name_len);
        char *wanted = pw_normalize_name(name);
        size_t line = 1;
        for (const char *c = pw_buf_cstr(&file); *c && !found; line++) {
            const char *end = strchr(c, '\n');
            size_t n = end ? (size_t)(end - c) : strlen(c);
            pw_slice l = pw_slice_trim(pw_slice_make(c, n));
            size_t ln = 0;
            while (ln < l.len && !strchr(" <>=!~;[@(\t", l.ptr[ln]))
                ln++;
            char *head = pw_xstrndup(l.ptr, ln);
            char *norm = pw_normalize_name(head);
            if (ln && strcmp(norm, wanted) == 0)
                found = line;
            free(head);
            free(norm);
            c = end ? end + 1 : c + n;
        }
        free(name);
        free(wanted);
    }
    pw_error_clear(&ignored);
    pw_buf_free(&file);
    return found;
}

/* One problem per drift, each where it belongs: a requirement at its line
 * in the input file, a package at its entry in the lock. */
static void report_drift(const char *lock_path, const char *lock_text, const pw_lock *fresh,
                         const pw_lock_diff *diff, problem_list *pl)
{
    char *lock_dir = pw_path_dirname(lock_path);
    char *input = NULL;
    if (fresh->inputs.len)
        input = strcmp(lock_dir, ".") == 0 ? pw_xstrdup(fresh->inputs.items[0])
                                           : pw_path_join(lock_dir, fresh->inputs.items[0]);
    for (size_t i = 0; i < diff->requirement_changes.len; i++) {
        const char *change = diff->requirement_changes.items[i];
        size_t line = input && change[0] == '+' ? requirement_line(input, change + 2) : 0;
        if (line)
            add_problem(pl, "lock", input, line, "requirement %s is not in %s; run `pwpkg lock`",
                        change + 2, lock_path);
        else
            add_problem(pl, "lock", lock_path, 1, "requirement %s %s; run `pwpkg lock`",
                        change + 2, change[0] == '+' ? "added" : "removed from the inputs");
    }
    for (size_t i = 0; i < diff->option_changes.len; i++)
        add_problem(pl, "lock", lock_path, package_line(lock_text, NULL), "option %s: %s",
                    diff->option_changes.items[i] + 2,
                    diff->option_changes.items[i][0] == '+' ? "given now, not in the lock"
                                                            : "in the lock, not given now");
    for (size_t i = 0; i < diff->release_changes.len; i++)
        add_problem(pl, "lock", lock_path, 1, "release %s", diff->release_changes.items[i]);
    if (diff->inputs_changed && !diff->requirement_changes.len)
        add_problem(pl, "lock", input ? input : lock_path, 1,
                    "inputs changed (hashes, constraints or options in the requirements files); "
                    "run `pwpkg lock`");
    for (size_t i = 0; i < diff->len; i++) {
        const pw_lock_change *c = &diff->changes[i];
        pw_buf versions = PW_BUF_INIT;
        if (c->old_version && c->new_version && strcmp(c->old_version, c->new_version) != 0)
            pw_buf_printf(&versions, "%s -> %s", c->old_version, c->new_version);
        else
            pw_buf_puts(&versions, c->new_version ? c->new_version : c->old_version);
        add_problem(pl, "lock", lock_path, package_line(lock_text, c->name), "%s %s %s%s%s",
                    c->name, pw_buf_cstr(&versions), pw_lock_change_kind_name(c->kind),
                    c->detail ? ": " : "", c->detail ? c->detail : "");
        pw_buf_free(&versions);
    }
    free(input);
    free(lock_dir);
}

static void verify_lock_current(const cli_lock_options *o, const char *lock_text,
                                problem_list *pl, int *io_rc)
{
    pw_error err = {0};
    pw_lock fresh;
    int rc = pw_resolver_lock(&o->request, &fresh, &err);
    if (rc) {
        /* inputs that do not parse, or no network: not "a problem found" */
        if (cli_exit_code(rc) != CLI_EXIT_CHECK)
            *io_rc = rc;
        add_problem(pl, "lock", o->request.lock_path, 1, "cannot resolve the inputs: %s",
                    pw_error_message(&err));
        pw_error_clear(&err);
        return;
    }
    pw_lock_diff diff;
    rc = pw_resolver_compare(o->request.lock_path, &fresh, &diff, &err);
    if (rc == PW_ECHECK && !pw_lock_diff_empty(&diff))
        report_drift(o->request.lock_path, lock_text, &fresh, &diff, pl);
    else if (rc)
        add_problem(pl, "lock", o->request.lock_path, 1, "%s", pw_error_message(&err));
    pw_lock_diff_free(&diff);
    pw_lock_free(&fresh);
    pw_error_clear(&err);
}

static void verify_artifacts(const cli_lock_options *o, const pw_lock *lock, const char *lock_text,
                             const char *mirror, problem_list *pl, size_t *checked)
{
    pw_transfer_options cache_only = o->request.transfer;
    cache_only.offline = true; /* what is in the cache, never the network */
    pw_fetch_session *s = NULL;
    pw_error err = {0};
    if (pw_fetch_session_open(&cache_only, &s, &err) != PW_OK) {
        add_problem(pl, "cache", o->request.lock_path, 1, "%s", pw_error_message(&err));
        pw_error_clear(&err);
        return;
    }
    for (size_t i = 0; i < lock->n_packages; i++) {
        const pw_lock_package *p = &lock->packages[i];
        int rc = pw_fetch_cache_verify(s, p->sha256, NULL, &err);
        if (rc == PW_OK)
            (*checked)++;
        else if (rc != PW_ENOTFOUND)
            add_problem(pl, "hash", o->request.lock_path, package_line(lock_text, p->name),
                        "%s %s: %s", p->name, p->version, pw_error_message(&err));
        pw_error_clear(&err);
        if (!mirror)
            continue;
        char *path = pw_path_join(mirror, p->file_name);
        char hex[PW_SHA256_HEX_LEN + 1];
        if (pw_sha256_file_hex(path, hex, NULL, &err) != PW_OK)
            add_problem(pl, "mirror", path, 1, "%s", pw_error_message(&err));
        else if (strcmp(hex, p->sha256) != 0)
            add_problem(pl, "mirror", path, 1, "sha256 is %s, the lock says %s", hex, p->sha256);
        else
            (*checked)++;
        pw_error_clear(&err);
        free(path);
    }
    pw_fetch_session_free(s);
}

static void verify_bundle(const cli_lock_options *o, const pw_lock *lock, const char *bundle,
                          problem_list *pl, int *io_rc)
{
    pw_error err = {0};
    bool zip = pw_slice_ends_with(pw_slice_from(bundle), ".zip");
    pw_buf rebuilt = PW_BUF_INIT;
    pw_buf_printf(&rebuilt, "%s.verify.%ld%s", bundle, (long)getpid(), zip ? ".zip" : "");
    pw_bundle_project project;
    memset(&project, 0, sizeof(project));
    pw_locked_artifacts got;
    int rc = pw_pipeline_fetch_lock(lock, o->request.lock_path, &o->request.transfer, false, &got,
                                    &err);
    if (rc == PW_OK) {
        /* The bundle's own manifest says which slimming produced it; a
         * rebuild with other options differs, and that is the finding. */
        pw_bundle_options bo;
        memset(&bo, 0, sizeof(bo));
        bo.format = zip ? PW_BUNDLE_ZIP : PW_BUNDLE_DIR;
        bo.output = rebuilt.data;
        bo.source_date_epoch = -1;
        bo.no_sizes = true; /* only the files are compared */
        /* A Worker's bundle was built with wrangler's exclude rules. */
        bool worker = false;
        rc = pw_bundle_project_find(bundle, o->request.wrangler_env, false, &project, &worker,
                                    &err);
        if (worker)
            bo.workers = &project.workers;
        pw_bundle_slimming slimming;
        memset(&slimming, 0, sizeof(slimming));
        /* No bundle or no manifest: the comparison below says so. */
        if (rc == PW_OK && (rc = pw_bundle_slimming_read(bundle, &slimming, &err)) == PW_ENOTFOUND) {
            pw_error_clear(&err);
            rc = PW_OK;
        }
        bo.strip = slimming.strip;
        bo.exclude = &slimming.exclude;
        bo.slim = slimming.has_slim ? &slimming.slim : NULL;
        pw_bundle_report rep;
        memset(&rep, 0, sizeof(rep));
        if (rc == PW_OK)
            rc = pw_bundle_from_lock(lock, got.paths, &bo, &rep, &err);
        pw_bundle_report_free(&rep);
        pw_bundle_slimming_free(&slimming);
    }
    if (rc == PW_OK) {
        pw_strlist diffs = PW_STRLIST_INIT;
        /* the rebuild is what the bundle should be: a file only the
         * bundle has is "not expected", one only the rebuild has "missing" */
        rc = pw_bundle_compare(rebuilt.data, bundle, &diffs, &err);
        for (size_t i = 0; rc == PW_OK && i < diffs.len; i++)
            add_problem(pl, "bundle", bundle, 1, "not reproducible: %s", diffs.items[i]);
        pw_strlist_free(&diffs);
    }
    if (rc) {
        if (cli_exit_code(rc) == CLI_EXIT_IO)
            *io_rc = rc;
        add_problem(pl, "bundle", bundle, 1, "cannot rebuild: %s", pw_error_message(&err));
    }
    pw_error_clear(&err);
    pw_remove_tree(rebuilt.data, NULL);
    if (!zip) {
        char *manifest = pw_bundle_manifest_path(rebuilt.data);
        unlink(manifest);
        free(manifest);
    }
    pw_buf_free(&rebuilt);
    pw_bundle_project_free(&project);
    pw_locked_artifacts_free(&got);
}

static void verify_runtime(const cli_lock_options *o, const pw_lock *lock, const char *bundle,
                           const char *runtime_dir, problem_list *pl, int *io_rc)
{
    pw_error err = {0};
    pw_check_options co;
    memset(&co, 0, sizeof(co));
    pw_check_report rep;
    int rc = pw_pipeline_check(lock, bundle, &o->request.transfer, runtime_dir, false, &co, &rep,
                               &err);
    for (size_t i = 0; i < rep.n_results; i++)
        if (!rep.results[i].ok)
            add_problem(pl, "runtime", bundle, 1, "import %s failed: %s", rep.results[i].module,
                        rep.results[i].error ? rep.results[i].error : "?");
    for (size_t i = 0; i < rep.n_random; i++)
        add_problem(pl, "runtime", bundle, 1, "%s uses randomness at import time (%s)",
                    rep.random_at_import[i].module, rep.random_at_import[i].detail);
    for (size_t i = 0; i < rep.n_unsnapshottable; i++)
        add_problem(pl, "runtime", bundle, 1, "%s.%s holds a JavaScript object at top level",
                    rep.unsnapshottable[i].module, rep.unsnapshottable[i].name);
    if (rc && rc != PW_ECHECK) {
        *io_rc = rc;
        add_problem(pl, "runtime", bundle, 1, "%s", pw_error_message(&err));
    }
    pw_check_report_free(&rep);
    pw_error_clear(&err);
}

static const struct option verify_options[] = {
    {"bundle", required_argument, NULL, OPT_BUNDLE},
    {"mirror", required_argument, NULL, OPT_MIRROR},
    {"check-runtime", no_argument, NULL, OPT_CHECK_RUNTIME},
    {"runtime", required_argument, NULL, OPT_RUNTIME},
    {"format", required_argument, NULL, OPT_FORMAT},
    {NULL, 0, NULL, 0},
};

static int run_verify(cli_context *ctx, int argc, char **argv)
{
    verify_cli v = {.bundle = NULL};
    cli_extra_options extra = {.options = verify_options, .handle = handle_verify_option, .ctx = &v};
    cli_lock_options o;
    memset(&o, 0, sizeof(o));
    int exit_code = cli_parse_lock_options(ctx, &cli_cmd_verify, argc, argv, &extra, &o);
    if (exit_code >= 0) {
        cli_lock_options_free(&o);
        return exit_code;
    }
    enum verify_format format = FORMAT_TEXT;
    if (v.format && strcmp(v.format, "github") == 0) {
        format = FORMAT_GITHUB;
    } else if (v.format && strcmp(v.format, "text") != 0) {
        cli_lock_options_free(&o);
        return cli_usage_error(ctx, &cli_cmd_verify, "--format takes text or github");
    }
    cli_reporter_install(ctx);

    problem_list pl = {.json = cJSON_CreateArray(), .quiet = ctx->json, .format = format};
    pw_error err = {0};
    pw_buf lock_text = PW_BUF_INIT;
    pw_lock lock;
    int io_rc = PW_OK;
    size_t artifacts_checked = 0;
    int rc = pw_read_file(o.request.lock_path, &lock_text, &err);
    if (rc == PW_OK)
        rc = pw_lock_parse(o.request.lock_path, lock_text.data, lock_text.len, &lock, &err);
    if (rc) {
        exit_code = cli_fail(ctx, "verify", &err);
        goto done;
    }
    /* The cache first: resolving may download and so repair it. */
    verify_artifacts(&o, &lock, lock_text.data, v.mirror, &pl, &artifacts_checked);
    verify_lock_current(&o, lock_text.data, &pl, &io_rc);
    if (v.bundle)
        verify_bundle(&o, &lock, v.bundle, &pl, &io_rc);
    if (v.check_runtime)
        verify_runtime(&o, &lock, v.bundle ? v.bundle : "python_modules", v.runtime_dir, &pl,
                       &io_rc);
    pw_lock_free(&lock);

    if (ctx->json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "command", "verify");
        cJSON_AddStringToObject(root, "status", pl.count ? "failed" : "ok");
        cJSON_AddNumberToObject(root, "artifacts_checked", (double)artifacts_checked);
        cJSON_AddItemToObject(root, "problems", pl.json);
        pl.json = NULL;
        cli_print_json(root);
    } else if (ctx->verbosity >= 0) {
        fprintf(stderr, "verify: %zu problem%s (lock; %zu artifact%s checked%s%s)\n", pl.count,
                pl.count == 1 ? "" : "s", artifacts_checked, artifacts_checked == 1 ? "" : "s",
                v.bundle ? "; bundle rebuilt and compared" : "",
                v.check_runtime ? "; imports checked" : "");
    }
    exit_code = pl.count == 0 ? CLI_EXIT_OK : io_rc ? cli_exit_code(io_rc) : CLI_EXIT_CHECK;
done:
    cJSON_Delete(pl.json);
    pw_buf_free(&lock_text);
    pw_error_clear(&err);
    cli_lock_options_free(&o);
    return exit_code;
}

const cli_command cli_cmd_verify = {
    .name = "verify",
    .summary = "CI gate: lock current, hashes intact, bundle reproducible",
    .help = verify_help,
    .run = run_verify,
    .options = verify_options,
    .takes_lock_options = true,
};
