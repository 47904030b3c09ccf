/* pwpkg check: import the bundle in real Pyodide of the locked release;
 * pwpkg runtime list|install|path: the Pyodide runtimes in the cache. */
#include "cli.h"
#include "pipeline.h"

#include <cJSON.h>

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char check_help[] =
    "usage: pwpkg check [--bundle DIR] [--entry FILE] [--snapshot FILE]\n"
    "                   [--request 'METHOD /path' | --scheduled | --queue MSG] [OPTIONS]\n"
    "\n"
    "Load the bundle in real Pyodide of the locked release under Node.js, import\n"
    "every module of every locked package (and the Worker's entry module), and\n"
    "report what failed, with Python tracebacks. Cloudflare's deploy-time rules\n"
    "are checked too: randomness used at import time, and module globals holding\n"
    "JavaScript objects that cannot go into a memory snapshot.\n"
    "\n"
    "  --lock FILE        the lock (default: pwpkg.lock)\n"
    "  --bundle DIR       the bundle to load (default: python_modules)\n"
    "  --entry FILE       the Worker's entry module (default: main of the wrangler\n"
    "                     config), imported under the name wrangler uploads it as,\n"
    "                     with the modules wrangler would upload beside it\n"
    "  --env NAME         apply [env.NAME] of the wrangler config\n"
    "  --request 'GET /p' after restoring the snapshot, call the Worker's fetch handler\n"
    "                     and print status, headers, the body's first bytes and the\n"
    "                     time to the first response\n"
    "  --scheduled        the same with the scheduled handler\n"
    "  --queue MSG        the same with the queue handler and one message\n"
    "  --snapshot FILE    take a memory snapshot after the imports, write it, restore\n"
    "                     it in a fresh process and check the modules are there;\n"
    "                     reports cold start with and without the snapshot\n"
    "  --trace FILE       record every file the run opens from the bundle and every\n"
    "                     shared library it loads, in load order, into FILE (for\n"
    "                     pwpkg bundle --slim); written only when the check passes\n"
    "  --exercise FILE.py run this script after the imports (e.g. calling the\n"
    "                     handler's code paths); its traceback fails the check\n"
    "  --profile          per package: import time (self and cumulative, as\n"
    "                     python -X importtime), size raw and gzipped, shared\n"
    "                     libraries, heap growth; most costly first (with --json:\n"
    "                     \"profile\", which `pwpkg report --profile` reads)\n"
    "  --runtime DIR      the Pyodide runtime (default: the cache; see pwpkg runtime)\n"
    "  --install-runtime  install the release's runtime from npm when it is missing\n"
    "  --timeout SECONDS  per Node.js process (default 120)\n"
    "  --node PATH        the node binary (default: $PWPKG_NODE, else node on PATH)\n"
    "  --cache-dir DIR / -q / -v / --json\n"
    "\n"
    "exit codes: 0 every import succeeded, 1 an import failed, a deploy-time\n"
    "rule was broken or the handler raised, 2 usage error, 3 the runtime cannot\n"
    "start (node missing, wrong version, runtime files missing).\n";

static const char runtime_help[] =
    "usage: pwpkg runtime list\n"
    "       pwpkg runtime install VERSION\n"
    "       pwpkg runtime path VERSION\n"
    "\n"
    "Manage the Pyodide runtimes (pyodide.mjs, pyodide.asm.wasm, python_stdlib.zip,\n"
    "pyodide-lock.json) in the cache. `install` uses your npm (`npm pack\n"
    "pyodide@VERSION`; $PWPKG_NPM overrides the npm binary). An installed runtime\n"
    "also serves `pwpkg lock` as the release's package index, offline.\n"
    "\n"
    "  --cache-dir DIR   cache location\n"
    "\n"
    "exit codes: 0 ok, 2 usage error or unknown version, 3 npm or I/O error.\n";

enum {
    OPT_BUNDLE = CLI_OPT_FIRST_COMMAND_OPTION,
    OPT_ENTRY,
    OPT_SNAPSHOT,
    OPT_RUNTIME,
    OPT_INSTALL_RUNTIME,
    OPT_TIMEOUT,
    OPT_NODE,
    OPT_ENV,
    OPT_REQUEST,
    OPT_SCHEDULED,
    OPT_QUEUE,
    OPT_TRACE,
    OPT_EXERCISE,
    OPT_PROFILE,
};

static void print_check_report(const cli_context *ctx, const pw_check_report *r,
                               const char *snapshot, const pw_profile *profile)
{
    if (ctx->json) {
        pw_buf out = PW_BUF_INIT;
        pw_check_report_write_json(r, &out);
        cJSON *root = profile ? cJSON_Parse(pw_buf_cstr(&out)) : NULL;
        if (root) {
            cJSON_AddItemToObject(root, "profile", pw_profile_to_json(profile));
            pw_buf_reset(&out);
            pw_json_write(root, &out);
            cJSON_Delete(root);
        }
        fputs(pw_buf_cstr(&out), stdout);
        if (out.len && out.data[out.len - 1] != '\n')
            fputc('\n', stdout);
        pw_buf_free(&out);
        return;
    }
    const char *red = cli_style(ctx, "\033[31m"), *green = cli_style(ctx, "\033[32m"),
               *reset = cli_style(ctx, "\033[0m");
    for (size_t i = 0; i < r->n_results; i++) {
        const pw_check_module_result *m = &r->results[i];
        if (m->ok && ctx->verbosity < 0)
            continue;
        fprintf(stderr, "  %s%s%s %-30s %8.1f ms%s\n", m->ok ? green : red, m->ok ? "ok  " : "FAIL",
                reset, m->module, m->ms, m->entry ? "  (entry)" : "");
        if (!m->ok) {
            fprintf(stderr, "       %s\n", m->error ? m->error : "failed");
            if (m->traceback && ctx->verbosity >= 0)
                for (const char *line = m->traceback; *line;) {
                    size_t n = strcspn(line, "\n");
                    fprintf(stderr, "       | %.*s\n", (int)n, line);
                    line += n + (line[n] == '\n');
                }
        }
    }
    for (size_t i = 0; i < r->n_random; i++)
        fprintf(stderr, "  %sdeploy rule%s: %s uses randomness at import time (%s, called from %s):"
                        " Cloudflare's snapshot poisons the seed\n",
                red, reset, r->random_at_import[i].module, r->random_at_import[i].detail,
                r->random_at_import[i].name);
    for (size_t i = 0; i < r->n_unsnapshottable; i++)
        fprintf(stderr, "  %sdeploy rule%s: %s.%s holds a JavaScript object (%s) at top level; "
                        "it cannot go into a memory snapshot\n",
                red, reset, r->unsnapshottable[i].module, r->unsnapshottable[i].name,
                r->unsnapshottable[i].detail);
    if (r->timed_out)
        fprintf(stderr, "  %stimeout%s while importing %s\n", red, reset,
                r->timed_out_module ? r->timed_out_module : "(loading Pyodide)");
    if (profile) {
        pw_buf table = PW_BUF_INIT;
        pw_profile_format(profile, &table);
        /* Package and file names come from wheels: no terminal controls. */
        cli_print_untrusted(stdout, table.data ? table.data : "", table.len);
        pw_buf_free(&table);
    }
    if (ctx->verbosity < 0)
        return;
    fprintf(stderr, "Pyodide %s: %zu module%s, %zu failed; cold start %.0f ms (load %.0f ms + "
                    "imports %.0f ms)",
            r->runtime_version ? r->runtime_version : "?", r->n_results,
            r->n_results == 1 ? "" : "s", r->n_failed, r->cold_ms, r->load_ms, r->imports_ms);
    if (r->snapshot_made)
        fprintf(stderr, "; snapshot %.1f MB -> %s, restore %.0f ms (%.2fx of cold)",
                (double)r->snapshot_bytes / 1e6, snapshot ? snapshot : "(temporary)", r->restore_ms,
                r->cold_ms > 0 ? r->restore_ms / r->cold_ms : 0.0);
    else if (r->snapshot_error)
        fprintf(stderr, "; snapshot failed: %s", r->snapshot_error);
    fprintf(stderr, "; peak RSS %.0f MB; pwpkg overhead %.1f ms\n",
            (double)r->peak_rss_bytes / 1048576.0, r->overhead_ms);
    for (size_t i = 0; i < r->restore_missing.len; i++)
        fprintf(stderr, "  %safter restore%s: %s is not in sys.modules\n", red, reset,
                r->restore_missing.items[i]);
}

static void print_snapshot_kind(const cli_context *ctx, const pw_check_worker *w)
{
    if (ctx->json || ctx->verbosity < 0 || !w)
        return;
    if (w->dedicated_snapshot)
        fprintf(stderr, "Cloudflare takes a dedicated snapshot (python_dedicated_snapshot, %s): "
                        "the entry's top level runs at deploy and is in the snapshot\n",
                w->snapshot_origin);
    else
        fprintf(stderr, "Cloudflare takes a package snapshot (python_dedicated_snapshot not set): "
                        "only packages are in it; the entry's top level runs in each isolate\n");
}

/* The response is the result of --request: it goes to stdout. */
static void print_response(const cli_context *ctx, const pw_check_report *r)
{
    const pw_check_response *resp = &r->response;
    if (ctx->json || !resp->called)
        return;
    for (const char *line = resp->logs ? resp->logs : ""; *line;) {
        size_t n = strcspn(line, "\n");
        fprintf(stderr, "  log | %.*s\n", (int)n, line);
        line += n + (line[n] == '\n');
    }
    if (!resp->ok) {
        fprintf(stderr, "  %sFAIL%s %s raised %s\n", cli_style(ctx, "\033[31m"),
                cli_style(ctx, "\033[0m"), resp->handler ? resp->handler : "the handler",
                resp->error ? resp->error : "");
        for (const char *line = resp->traceback ? resp->traceback : ""; *line;) {
            size_t n = strcspn(line, "\n");
            fprintf(stderr, "       | %.*s\n", (int)n, line);
            line += n + (line[n] == '\n');
        }
        return;
    }
    const char *text = resp->status_text ? resp->status_text : "";
    if (resp->status)
        printf("%d%s%s\n", resp->status, *text ? " " : "", text);
    else
        printf("%s returned\n", resp->handler ? resp->handler : "the handler");
    for (size_t i = 0; i < resp->headers.len; i++)
        printf("%s\n", resp->headers.items[i]);
    if (resp->status) {
        pw_buf body = PW_BUF_INIT;
        pw_check_response_body_text(resp, &body);
        printf("\n%s%s\n", pw_buf_cstr(&body),
               resp->body_size > resp->body_head_len ? "..." : "");
        pw_buf_free(&body);
    }
    if (ctx->verbosity >= 0)
        fprintf(stderr, "%s: first response %.0f ms after the restore (restore %.0f ms)\n",
                resp->handler ? resp->handler : "handler", resp->first_response_ms, r->restore_ms);
}

static const struct option check_options[] = {
    CLI_COMMON_LONG_OPTIONS,
    CLI_TRANSFER_LONG_OPTIONS_NO_TIMEOUT,
    {"lock", required_argument, NULL, CLI_OPT_LOCK},
    {"bundle", required_argument, NULL, OPT_BUNDLE},
    {"entry", required_argument, NULL, OPT_ENTRY},
    {"snapshot", required_argument, NULL, OPT_SNAPSHOT},
    {"runtime", required_argument, NULL, OPT_RUNTIME},
    {"install-runtime", no_argument, NULL, OPT_INSTALL_RUNTIME},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"node", required_argument, NULL, OPT_NODE},
    {"env", required_argument, NULL, OPT_ENV},
    {"request", required_argument, NULL, OPT_REQUEST},
    {"scheduled", no_argument, NULL, OPT_SCHEDULED},
    {"queue", required_argument, NULL, OPT_QUEUE},
    {"trace", required_argument, NULL, OPT_TRACE},
    {"exercise", required_argument, NULL, OPT_EXERCISE},
    {"profile", no_argument, NULL, OPT_PROFILE},
    {NULL, 0, NULL, 0},
};

typedef struct check_cli {
    int calls; /* of --request, --scheduled, --queue */
    pw_pipeline_check_job job;
} check_cli;

static int check_option(cli_context *ctx, void *state, int opt, const char *arg)
{
    check_cli *c = state;
    pw_pipeline_check_job *j = &c->job;
    long seconds = 0;
    switch (opt) {
    case CLI_OPT_LOCK: j->lock_path = arg; break;
    case OPT_BUNDLE: j->bundle = arg; break;
    case OPT_ENTRY: j->options.entry = arg; break;
    case OPT_SNAPSHOT: j->options.snapshot_path = arg; break;
    case OPT_RUNTIME: j->runtime_dir = arg; break;
    case OPT_INSTALL_RUNTIME: j->install_runtime = true; break;
    case OPT_NODE: j->options.node = arg; break;
    case OPT_ENV: j->env = arg; break;
    case OPT_REQUEST: {
        pw_error perr = {0, NULL};
        if (pw_check_call_parse_request(arg, &j->options.call, &perr) != PW_OK) {
            int code = cli_usage_error(ctx, &cli_cmd_check, "%s", pw_error_message(&perr));
            pw_error_clear(&perr);
            return code;
        }
        c->calls++;
        break;
    }
    case OPT_TRACE: j->trace_path = arg; break;
    case OPT_EXERCISE: j->exercise = arg; break;
    case OPT_PROFILE: j->options.profile = true; break;
    case OPT_SCHEDULED: j->options.call.kind = PW_CHECK_CALL_SCHEDULED; c->calls++; break;
    case OPT_QUEUE:
        j->options.call.kind = PW_CHECK_CALL_QUEUE;
        j->options.call.message = arg;
        c->calls++;
        break;
    case OPT_TIMEOUT:
        if (!cli_parse_count(arg, 1, 86400, &seconds))
            return cli_usage_error(ctx, &cli_cmd_check, "--timeout takes seconds (1 to 86400)");
        j->options.timeout_ms = (int)(seconds * 1000);
        break;
    default: return CLI_OPTION_UNKNOWN;
    }
    return -1;
}

static void print_check(const cli_context *ctx, const pw_pipeline_check_job *job,
                        const pw_pipeline_check_outcome *out, bool passed)
{
    print_check_report(ctx, &out->report, job->options.snapshot_path,
                       out->profiled ? &out->profile : NULL);
    print_snapshot_kind(ctx, out->worker);
    print_response(ctx, &out->report);
    if (ctx->json || ctx->verbosity < 0)
        return;
    if (job->exercise && passed)
        fprintf(stderr, "exercise %s ran to its end\n", job->exercise);
    const pw_trace *t = &out->trace_written;
    if (out->traced)
        fprintf(stderr, "traced %zu file%s (%zu shared librar%s) opened from the bundle -> %s\n",
                t->files.len, t->files.len == 1 ? "" : "s", t->dynlibs.len,
                t->dynlibs.len == 1 ? "y" : "ies", job->trace_path);
}

static int run_check(cli_context *ctx, int argc, char **argv)
{
    pw_transfer_options t = {0};
    check_cli c = {.job = {.lock_path = PW_LOCK_DEFAULT_NAME, .bundle = "python_modules",
                           .transfer = &t}};
    cli_option_set set = {check_options, check_option, &c, &t, NULL};
    int exit_code = cli_parse_options(ctx, &cli_cmd_check, argc, argv, &set);
    if (exit_code >= 0)
        return exit_code;
    if (c.calls > 1)
        return cli_usage_error(ctx, &cli_cmd_check,
                               "give one of --request, --scheduled and --queue");
    cli_reporter_install(ctx);

    pw_error err = {0};
    pw_pipeline_check_outcome out;
    int rc = pw_pipeline_check(&c.job, &out, &err);
    if (out.ran)
        print_check(ctx, &c.job, &out, rc == PW_OK);
    if (rc == PW_OK)
        exit_code = CLI_EXIT_OK;
    else if (rc == PW_ECHECK && out.ran && ctx->json)
        exit_code = CLI_EXIT_CHECK; /* the report on stdout says what failed */
    else
        exit_code = cli_fail(ctx, "check", &err);
    pw_pipeline_check_outcome_free(&out);
    pw_error_clear(&err);
    return exit_code;
}

static const struct option runtime_options[] = {
    CLI_COMMON_LONG_OPTIONS,
    CLI_TRANSFER_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

static int run_runtime(cli_context *ctx, int argc, char **argv)
{
    pw_transfer_options t = {0};
    int arg = 0;
    cli_option_set set = {runtime_options, NULL, NULL, &t, &arg};
    int exit_code = cli_parse_options(ctx, &cli_cmd_runtime, argc, argv, &set);
    if (exit_code >= 0)
        return exit_code;
    if (arg >= argc)
        return cli_usage_error(ctx, &cli_cmd_runtime, "say list, install VERSION or path VERSION");
    const char *action = argv[arg++];
    const char *version = arg < argc ? argv[arg++] : NULL;
    if (arg < argc)
        return cli_usage_error(ctx, &cli_cmd_runtime, "unexpected argument '%s'", argv[arg]);
    bool needs_version = strcmp(action, "install") == 0 || strcmp(action, "path") == 0;
    if (needs_version && !version)
        return cli_usage_error(ctx, &cli_cmd_runtime, "runtime %s needs a VERSION", action);
    if (!needs_version && strcmp(action, "list") != 0)
        return cli_usage_error(ctx, &cli_cmd_runtime, "unknown action '%s'", action);
    cli_reporter_install(ctx);

    pw_error err = {0};
    char *cache = pw_pipeline_cache_dir(&t), *dir = NULL;
    int rc;
    if (strcmp(action, "list") == 0) {
        pw_strlist list = PW_STRLIST_INIT;
        rc = pw_runtime_list(cache, &list, &err);
        for (size_t i = 0; rc == PW_OK && i < list.len; i++)
            printf("%s\n", list.items[i]);
        pw_strlist_free(&list);
    } else if (strcmp(action, "install") == 0) {
        rc = pw_runtime_install(version, cache, &dir, &err);
        if (rc == PW_OK)
            printf("%s\n", dir);
    } else {
        rc = pw_runtime_locate(version, cache, NULL, &dir, &err);
        if (rc == PW_OK)
            printf("%s\n", dir);
        else if (rc == PW_ENOTFOUND)
            pw_error_set(&err, PW_ENOTFOUND, "Pyodide %s is not installed; run `pwpkg runtime "
                         "install %s`", version, version);
    }
    exit_code = rc ? cli_fail(ctx, "runtime", &err) : CLI_EXIT_OK;
    free(dir);
    free(cache);
    pw_error_clear(&err);
    return exit_code;
}

const cli_command cli_cmd_check = {
    .name = "check",
    .summary = "import the bundle in real Pyodide under Node.js, with snapshots",
    .help = check_help,
    .run = run_check,
    .options = check_options,
};
const cli_command cli_cmd_runtime = {
    .name = "runtime",
    .summary = "list, install or locate Pyodide runtimes",
    .help = runtime_help,
    .run = run_runtime,
    .options = runtime_options,
};
