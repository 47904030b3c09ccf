/* pwpkg verify: the CI gate. Each check is a module call; this file only
 * runs them in order and reports every problem, one line each. */
#include "cli.h"
#include "pipeline.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

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

/* One line per problem: continuation lines are folded. */
static void print_finding(const pw_pipeline_finding *f, enum verify_format format)
{
    char *msg = pw_xstrdup(f->message);
    for (char *c = msg; *c; c++)
        if (*c == '\n')
            *c = ';';
    if (format == FORMAT_GITHUB) {
        print_github_annotation(f->check, f->file, f->line, msg);
    } else {
        pw_buf text = PW_BUF_INIT;
        pw_buf_printf(&text, "%s:%zu: %s: %s", f->file, f->line, f->check, msg);
        cli_print_untrusted(stdout, text.data, text.len);
        putchar('\n');
        pw_buf_free(&text);
    }
    free(msg);
}

static void print_json(const pw_pipeline_findings *found)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "command", "verify");
    cJSON_AddStringToObject(root, "status", found->len ? "failed" : "ok");
    cJSON_AddNumberToObject(root, "artifacts_checked", (double)found->artifacts_checked);
    cJSON *problems = cJSON_AddArrayToObject(root, "problems");
    for (size_t i = 0; i < found->len; i++) {
        const pw_pipeline_finding *f = &found->items[i];
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "check", f->check);
        cJSON_AddStringToObject(p, "file", f->file);
        cJSON_AddNumberToObject(p, "line", (double)f->line);
        cJSON_AddStringToObject(p, "message", f->message);
        cJSON_AddItemToArray(problems, p);
    }
    cli_print_json(root);
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

    pw_error err = {0};
    pw_pipeline_verify_job job = {
        .request = &o.request,
        .bundle = v.bundle,
        .mirror = v.mirror,
        .check_runtime = v.check_runtime,
        .runtime_dir = v.runtime_dir,
    };
    pw_pipeline_findings found;
    int rc = pw_pipeline_verify(&job, &found, &err);
    if (rc != PW_OK && rc != PW_ECHECK) {
        exit_code = cli_fail(ctx, "verify", &err);
    } else if (ctx->json) {
        print_json(&found);
    } else {
        for (size_t i = 0; i < found.len; i++)
            print_finding(&found.items[i], format);
        if (ctx->verbosity >= 0)
            fprintf(stderr, "verify: %zu problem%s (lock; %zu artifact%s checked%s%s)\n",
                    found.len, found.len == 1 ? "" : "s", found.artifacts_checked,
                    found.artifacts_checked == 1 ? "" : "s",
                    v.bundle ? "; bundle rebuilt and compared" : "",
                    v.check_runtime ? "; imports checked" : "");
    }
    if (rc == PW_OK || rc == PW_ECHECK)
        exit_code = found.len == 0          ? CLI_EXIT_OK
                    : found.error_status ? cli_exit_code(found.error_status)
                                         : CLI_EXIT_CHECK;
    pw_pipeline_findings_free(&found);
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
