/* pwpkg bundle: fetch the locked artifacts, then build python_modules/,
 * a zip, or an offline mirror. */
#include "bundle_slim.h"
#include "cli.h"
#include "pipeline.h"

#include <cJSON.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char bundle_help[] =
    "usage: pwpkg bundle [--format dir|zip|mirror] [-o OUT] [OPTIONS]\n"
    "\n"
    "Build a byte-reproducible bundle from the lock: every artifact is fetched\n"
    "(verified against the lock), every wheel member verified against its\n"
    "RECORD, and unsafe archives are refused.\n"
    "\n"
    "  --lock FILE           the lock (default: pwpkg.lock)\n"
    "  --format FORMAT       dir: python_modules/, the tree Cloudflare Workers upload\n"
    "                        (default); zip: the same tree in one zip; mirror: the\n"
    "                        locked wheels, a pyodide-lock.json and a PEP 503/691\n"
    "                        simple index, usable offline as --index-url or\n"
    "                        --pyodide-index\n"
    "  -o, --output OUT      default: python_modules, bundle.zip or vendor\n"
    "  --strip CLASSES       drop files a Worker does not need: tests, pycache,\n"
    "                        stubs, or all (comma-separated)\n"
    "  --exclude GLOB        drop installed paths matching GLOB (repeatable)\n"
    "  --max-size SIZE       fail when the gzipped bundle (for a Worker: its whole\n"
    "                        upload, as wrangler counts it) exceeds SIZE: free (3 MB)\n"
    "                        or paid (10 MB), Cloudflare's limits, or a size such as\n"
    "                        2.5MB (B, KB, MB, GB, KiB, MiB, GiB)\n"
    "  --target TARGET       workers: the bundle is a Worker's python_modules/, even\n"
    "                        without a wrangler config; pyodide: it is not, even with\n"
    "                        one (default: workers when a wrangler config sits in the\n"
    "                        output's directory). For a Worker, wrangler's\n"
    "                        python_modules.exclude applies (default **/*.pyc) and the\n"
    "                        report ends with the upload wrangler deploy makes\n"
    "  --env NAME            the wrangler config's [env.NAME], as wrangler deploy --env\n"
    "  --slim TRACE          keep only the files TRACE (a trace of pwpkg check) saw used,\n"
    "                        each package's .dist-info (RECORD rewritten for what is\n"
    "                        kept) and what --keep names; repeat to merge traces of\n"
    "                        one lock. The slim tree is then proven: every traced run\n"
    "                        is replayed on it in Pyodide, and a failure names the\n"
    "                        dropped file it needed (exit 1, nothing written)\n"
    "  --keep GLOB           with --slim: keep installed paths matching GLOB too\n"
    "                        (repeatable, as --exclude globs match)\n"
    "  --compile             add .pyc files compiled by the release's own Python\n"
    "                        (needs Node.js and the runtime: pwpkg runtime install);\n"
    "                        refused for a Worker whose python_modules.exclude\n"
    "                        drops them, as wrangler's default does\n"
    "  --runtime DIR         the Pyodide runtime for --compile\n"
    "  --strict-record       refuse wheel members RECORD does not list (a .pyc of a\n"
    "                        listed .py, as pyodide py-compile leaves it, aside) and\n"
    "                        wheels without RECORD; by default they are warned about\n"
    "  -j N / --offline / --cache-dir DIR / --cert FILE / --proxy URL /\n"
    "  --timeout SECONDS / --retries N (as in `pwpkg help fetch`)\n"
    "  -q / -v / --json\n"
    "\n"
    "SOURCE_DATE_EPOCH sets the timestamps written (default 1980-01-01).\n"
    "\n"
    "exit codes: 0 built, 1 an artifact failed verification (hash, RECORD, unsafe\n"
    "path, symlink, decompression bomb...) or the size budget is exceeded,\n"
    "2 usage error, unreadable lock or wrangler config, --compile for a Worker whose\n"
    "python_modules.exclude drops .pyc files, 3 network or I/O error.\n";

enum {
    OPT_FORMAT = CLI_OPT_FIRST_COMMAND_OPTION,
    OPT_STRIP,
    OPT_EXCLUDE,
    OPT_MAX_SIZE,
    OPT_COMPILE,
    OPT_RUNTIME,
    OPT_STRICT_RECORD,
    OPT_TARGET,
    OPT_ENV,
    OPT_SLIM,
    OPT_KEEP,
};

typedef struct bundle_cli {
    const char *lock_path;
    const char *format;
    const char *output;
    pw_strlist strip;
    unsigned strip_mask; /* strip, parsed */
    pw_strlist exclude;
    uint64_t max_size;
    bool compile;
    bool strict_record;
    const char *runtime_dir;
    pw_pipeline_target target;
    const char *env;
    pw_transfer_options transfer;
    pw_strlist slim_traces; /* --slim */
    pw_strlist keep;        /* --keep */
} bundle_cli;

static void split_commas(const char *text, pw_strlist *out)
{
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, ",");
        pw_slice s = pw_slice_trim(pw_slice_make(p, n));
        if (s.len)
            pw_strlist_push_owned(out, pw_xstrndup(s.ptr, s.len));
        p += n;
        if (*p == ',')
            p++;
    }
}

static const struct option bundle_option_table[] = {
    CLI_COMMON_LONG_OPTIONS,
    CLI_TRANSFER_LONG_OPTIONS,
    {"lock", required_argument, NULL, CLI_OPT_LOCK},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, 'o'},
    {"strip", required_argument, NULL, OPT_STRIP},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"max-size", required_argument, NULL, OPT_MAX_SIZE},
    {"compile", no_argument, NULL, OPT_COMPILE},
    {"runtime", required_argument, NULL, OPT_RUNTIME},
    {"strict-record", no_argument, NULL, OPT_STRICT_RECORD},
    {"target", required_argument, NULL, OPT_TARGET},
    {"env", required_argument, NULL, OPT_ENV},
    {"slim", required_argument, NULL, OPT_SLIM},
    {"keep", required_argument, NULL, OPT_KEEP},
    {NULL, 0, NULL, 0},
};

static int bundle_option(cli_context *ctx, void *state, int opt, const char *arg)
{
    bundle_cli *o = state;
    switch (opt) {
    case CLI_OPT_LOCK: o->lock_path = arg; break;
    case OPT_FORMAT: o->format = arg; break;
    case 'o': o->output = arg; break;
    case OPT_STRIP: split_commas(arg, &o->strip); break;
    case OPT_EXCLUDE: pw_strlist_push(&o->exclude, arg); break;
    case OPT_MAX_SIZE:
        if (strcmp(arg, "free") == 0)
            o->max_size = PW_WORKERS_LIMIT_FREE;
        else if (strcmp(arg, "paid") == 0)
            o->max_size = PW_WORKERS_LIMIT_PAID;
        else if (!cli_parse_size(arg, &o->max_size) || o->max_size == 0)
            return cli_usage_error(ctx, &cli_cmd_bundle,
                                   "--max-size takes free, paid or a size such as 3MB or "
                                   "10MiB, not '%s'",
                                   arg);
        break;
    case OPT_TARGET:
        if (strcmp(arg, "workers") == 0)
            o->target = PW_PIPELINE_TARGET_WORKERS;
        else if (strcmp(arg, "pyodide") == 0)
            o->target = PW_PIPELINE_TARGET_PYODIDE;
        else
            return cli_usage_error(ctx, &cli_cmd_bundle,
                                   "--target takes workers or pyodide, not '%s'", arg);
        break;
    case OPT_ENV: o->env = arg; break;
    case OPT_COMPILE: o->compile = true; break;
    case OPT_RUNTIME: o->runtime_dir = arg; break;
    case OPT_STRICT_RECORD: o->strict_record = true; break;
    case OPT_SLIM: pw_strlist_push(&o->slim_traces, arg); break;
    case OPT_KEEP: pw_strlist_push(&o->keep, arg); break;
    default: return CLI_OPTION_UNKNOWN;
    }
    return -1;
}

static int parse_bundle_options(cli_context *ctx, int argc, char **argv, bundle_cli *o)
{
    cli_option_set set = {
        .options = bundle_option_table,
        .handle = bundle_option,
        .state = o,
        .transfer = &o->transfer,
    };
    int exit_code = cli_parse_options(ctx, &cli_cmd_bundle, argc, argv, &set);
    if (exit_code >= 0)
        return exit_code;
    if (strcmp(o->format, "dir") != 0 && strcmp(o->format, "zip") != 0 &&
        strcmp(o->format, "mirror") != 0)
        return cli_usage_error(ctx, &cli_cmd_bundle, "--format takes dir, zip or mirror, not '%s'",
                               o->format);
    if (!o->output)
        o->output = strcmp(o->format, "dir") == 0   ? "python_modules"
                    : strcmp(o->format, "zip") == 0 ? "bundle.zip"
                                                    : "vendor";
    /* A bundle replaces its output: never a file system root or ".". */
    char real[PATH_MAX], cwd[PATH_MAX];
    if (!*o->output || (realpath(o->output, real) &&
                        (strcmp(real, "/") == 0 ||
                         (getcwd(cwd, sizeof(cwd)) && strcmp(real, cwd) == 0))))
        return cli_usage_error(ctx, &cli_cmd_bundle,
                               "-o '%s' would replace %s; name a directory of its own",
                               o->output, *o->output ? real : "nothing");
    struct stat link_st;
    if (lstat(o->output, &link_st) == 0 && S_ISLNK(link_st.st_mode))
        return cli_usage_error(ctx, &cli_cmd_bundle,
                               "-o %s is a symbolic link; an output is replaced as a whole, and a "
                               "link is not replaced: name the directory it points to",
                               o->output);
    if (o->keep.len && !o->slim_traces.len)
        return cli_usage_error(ctx, &cli_cmd_bundle, "--keep applies with --slim TRACE");
    if (o->slim_traces.len && strcmp(o->format, "mirror") == 0)
        return cli_usage_error(ctx, &cli_cmd_bundle, "--slim applies to dir and zip bundles");
    if (o->compile && strcmp(o->format, "mirror") == 0)
        return cli_usage_error(ctx, &cli_cmd_bundle, "--compile applies to dir and zip bundles");
    if ((o->target != PW_PIPELINE_TARGET_AUTO || o->env) && strcmp(o->format, "mirror") == 0)
        return cli_usage_error(ctx, &cli_cmd_bundle, "--target and --env apply to dir and zip "
                                                     "bundles");
    if (o->env && o->target == PW_PIPELINE_TARGET_PYODIDE)
        return cli_usage_error(ctx, &cli_cmd_bundle, "--env names a wrangler environment; "
                                                     "--target pyodide reads no wrangler config");
    pw_error err = {0};
    if (pw_bundle_strip_parse(&o->strip, &o->strip_mask, &err) != PW_OK) {
        int code = cli_usage_error(ctx, &cli_cmd_bundle, "--strip: %s", pw_error_message(&err));
        pw_error_clear(&err);
        return code;
    }
    return -1;
}

static const char *const upload_kinds[] = {"own", "python_modules", "main"};

static cJSON *workers_json(const pw_bundle_report *rep, const pw_bundle_workers *w)
{
    cJSON *j = cJSON_CreateObject();
    if (w->config)
        cJSON_AddStringToObject(j, "config", w->config->path);
    else
        cJSON_AddNullToObject(j, "config");
    if (w->config && w->config->env)
        cJSON_AddStringToObject(j, "env", w->config->env);
    cJSON *ex = cJSON_AddArrayToObject(j, "exclude");
    for (size_t i = 0; i < rep->exclude.len; i++)
        cJSON_AddItemToArray(ex, cJSON_CreateString(rep->exclude.items[i]));
    cJSON_AddStringToObject(j, "exclude_from", rep->exclude_origin ? rep->exclude_origin : "");
    cJSON *dropped = cJSON_AddArrayToObject(j, "dropped");
    for (size_t i = 0; i < rep->dropped.len; i++)
        cJSON_AddItemToArray(dropped, cJSON_CreateString(rep->dropped.items[i]));
    cJSON_AddNumberToObject(j, "dropped_bytes", (double)rep->dropped_bytes);
    cJSON_AddNumberToObject(j, "dropped_sourceless", (double)rep->dropped_sourceless);
    if (!rep->has_upload)
        return j;
    const pw_bundle_upload *u = &rep->upload;
    cJSON *up = cJSON_AddObjectToObject(j, "upload");
    cJSON_AddBoolToObject(up, "main", u->has_main);
    cJSON_AddBoolToObject(up, "main_only", u->no_additional);
    cJSON_AddNumberToObject(up, "modules_count", (double)u->n_modules);
    cJSON_AddNumberToObject(up, "own_modules", (double)u->own_modules);
    cJSON_AddNumberToObject(up, "vendored_modules", (double)u->vendored_modules);
    cJSON_AddNumberToObject(up, "raw_bytes", (double)u->raw_bytes);
    cJSON_AddNumberToObject(up, "gzip_bytes", (double)u->gz_bytes);
    cJSON_AddNumberToObject(up, "limit_free", (double)PW_WORKERS_LIMIT_FREE);
    cJSON_AddNumberToObject(up, "limit_paid", (double)PW_WORKERS_LIMIT_PAID);
    cJSON_AddBoolToObject(up, "fits_free", u->gz_bytes <= PW_WORKERS_LIMIT_FREE);
    cJSON_AddBoolToObject(up, "fits_paid", u->gz_bytes <= PW_WORKERS_LIMIT_PAID);
    cJSON *mods = cJSON_AddArrayToObject(up, "modules");
    for (size_t i = 0; i < u->n_modules; i++) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "name", u->modules[i].name);
        cJSON_AddNumberToObject(m, "size", (double)u->modules[i].size);
        cJSON_AddStringToObject(m, "kind", upload_kinds[u->modules[i].kind]);
        cJSON_AddItemToArray(mods, m);
    }
    cJSON *kept = cJSON_AddArrayToObject(up, "not_uploaded");
    for (size_t i = 0; i < u->dropped.len; i++)
        cJSON_AddItemToArray(kept, cJSON_CreateString(u->dropped.items[i]));
    return j;
}

static double percent(uint64_t part, uint64_t whole)
{
    return 100.0 * (double)part / (double)whole;
}

static void print_workers_text(const pw_bundle_report *rep)
{
    if (rep->dropped_files)
        fprintf(stderr, "wrangler drops %zu file%s, %.1fK (python_modules.exclude, %s): left out\n",
                rep->dropped_files, rep->dropped_files == 1 ? "" : "s",
                (double)rep->dropped_bytes / 1024.0, rep->exclude_origin);
    if (!rep->has_upload)
        return;
    const pw_bundle_upload *u = &rep->upload;
    fprintf(stderr, "%-32s %9.1fK %9.1fK %8zu\n", "upload (wrangler deploy)",
            (double)u->raw_bytes / 1024.0, (double)u->gz_bytes / 1024.0, u->n_modules);
    fprintf(stderr, "  %zu from python_modules/, %zu own module%s%s\n", u->vendored_modules,
            u->own_modules, u->own_modules == 1 ? "" : "s", u->has_main ? " and the main module" : "");
    if (!u->has_main)
        fprintf(stderr, "  no Python main module found (wrangler config `main`): python_modules/ "
                        "only\n");
    if (u->dropped.len)
        fprintf(stderr, "  %zu file%s in the tree not uploaded (python_modules.exclude), e.g. %s\n",
                u->dropped.len, u->dropped.len == 1 ? "" : "s", u->dropped.items[0]);
    /* wrangler's own line, so that the two can be compared. */
    fprintf(stderr, "Total Upload: %.2f KiB / gzip: %.2f KiB\n", (double)u->raw_bytes / 1024.0,
            (double)u->gz_bytes / 1024.0);
    fprintf(stderr, "  gzip against Cloudflare's limits: %.1f%% of 3 MB (free)%s, %.1f%% of 10 MB "
                    "(paid)%s\n",
            percent(u->gz_bytes, PW_WORKERS_LIMIT_FREE),
            u->gz_bytes > PW_WORKERS_LIMIT_FREE ? " OVER" : "",
            percent(u->gz_bytes, PW_WORKERS_LIMIT_PAID),
            u->gz_bytes > PW_WORKERS_LIMIT_PAID ? " OVER" : "");
}

static void print_report(const cli_context *ctx, const bundle_cli *o,
                         const pw_pipeline_bundle_outcome *out,
                         const char *status)
{
    const pw_bundle_report *rep = &out->report;
    if (out->compiled_with && !ctx->json && ctx->verbosity > 0)
        fprintf(stderr, "compiled .pyc files with the runtime in %s\n", out->compiled_with);
    if (ctx->json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "command", "bundle");
        cJSON_AddStringToObject(root, "status", status);
        cJSON_AddStringToObject(root, "format", o->format);
        cJSON_AddStringToObject(root, "output", o->output);
        cJSON_AddNumberToObject(root, "files", (double)rep->files);
        cJSON_AddNumberToObject(root, "raw_bytes", (double)rep->raw_total);
        cJSON_AddNumberToObject(root, "gzip_bytes", (double)rep->gz_total);
        cJSON_AddNumberToObject(root, "saved_bytes", (double)rep->saved_bytes);
        cJSON_AddNumberToObject(root, "compiled_files", (double)rep->added_files);
        cJSON_AddNumberToObject(root, "compiled_bytes", (double)rep->added_bytes);
        cJSON_AddNumberToObject(root, "py_compiled_wheels", (double)rep->py_compiled_wheels);
        cJSON_AddNumberToObject(root, "py_compiled_members", (double)rep->py_compiled_members);
        cJSON_AddNumberToObject(root, "unlisted_members", (double)rep->unlisted_members);
        cJSON_AddNumberToObject(root, "no_record_wheels", (double)rep->no_record_wheels);
        if (out->workers)
            cJSON_AddItemToObject(root, "workers", workers_json(rep, out->workers));
        if (out->slim)
            cJSON_AddItemToObject(root, "slim", cli_slim_json(out->slim, rep));
        cJSON *pkgs = cJSON_AddArrayToObject(root, "packages");
        for (size_t i = 0; i < rep->n_packages; i++) {
            const pw_bundle_package_size *p = &rep->packages[i];
            cJSON *j = cJSON_CreateObject();
            cJSON_AddStringToObject(j, "name", p->name);
            cJSON_AddStringToObject(j, "version", p->version);
            cJSON_AddNumberToObject(j, "files", (double)p->files);
            cJSON_AddNumberToObject(j, "raw_bytes", (double)p->raw_bytes);
            cJSON_AddNumberToObject(j, "gzip_bytes", (double)p->gz_bytes);
            cJSON_AddNumberToObject(j, "saved_bytes", (double)p->saved_bytes);
            cJSON_AddItemToArray(pkgs, j);
        }
        cli_print_json(root);
        return;
    }
    if (ctx->verbosity < 0)
        return;
    fprintf(stderr, "%-32s %10s %10s %8s\n", "package", "raw", "gzip", "files");
    for (size_t i = 0; i < rep->n_packages; i++) {
        const pw_bundle_package_size *p = &rep->packages[i];
        pw_buf label = PW_BUF_INIT;
        pw_buf_printf(&label, "%s %s", p->name, p->version);
        fprintf(stderr, "%-32s %9.1fK %9.1fK %8zu\n", label.data, (double)p->raw_bytes / 1024.0,
                (double)p->gz_bytes / 1024.0, p->files);
        pw_buf_free(&label);
    }
    fprintf(stderr, "%-32s %9.1fK %9.1fK %8zu\n", "total", (double)rep->raw_total / 1024.0,
            (double)rep->gz_total / 1024.0, rep->files);
    if (rep->saved_files)
        fprintf(stderr, "stripped %zu files, %.1f KB saved\n", rep->saved_files,
                (double)rep->saved_bytes / 1024.0);
    if (rep->skipped)
        fprintf(stderr, "left out (static libraries): %s\n", rep->skipped);
    if (rep->added_files)
        fprintf(stderr, "compiled: %zu .pyc file%s, +%.1f KB (raw)\n", rep->added_files,
                rep->added_files == 1 ? "" : "s", (double)rep->added_bytes / 1024.0);
    if (rep->py_compiled_wheels)
        fprintf(stderr, "py-compiled: %zu wheel%s, %zu .pyc member%s standing for the .py "
                        "their RECORD lists\n",
                rep->py_compiled_wheels, rep->py_compiled_wheels == 1 ? "" : "s",
                rep->py_compiled_members, rep->py_compiled_members == 1 ? "" : "s");
    /* PYODIDE-FACTS.md: wrangler's python_modules.exclude defaults to
     * every .pyc, which would drop these sourceless modules at upload. */
    if (rep->py_compiled_members)
        fprintf(stderr, "note: wrangler leaves out **/*.pyc of python_modules/ unless its "
                        "python_modules.exclude is set (e.g. to []); these modules have no .py\n");
    if (rep->unlisted_members || rep->no_record_wheels)
        fprintf(stderr, "not vouched for by RECORD: %zu member%s, %zu wheel%s without RECORD "
                        "(--strict-record refuses them)\n",
                rep->unlisted_members, rep->unlisted_members == 1 ? "" : "s",
                rep->no_record_wheels, rep->no_record_wheels == 1 ? "" : "s");
    print_workers_text(rep);
    if (out->slim)
        cli_slim_print(ctx, out->slim, rep);
    if (strcmp(status, "ok") == 0)
        fprintf(stderr, "Bundled %zu package%s -> %s\n", rep->n_packages,
                rep->n_packages == 1 ? "" : "s", o->output);
}

static void print_mirror(const cli_context *ctx, const bundle_cli *o, size_t artifacts)
{
    if (ctx->json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "command", "bundle");
        cJSON_AddStringToObject(root, "status", "ok");
        cJSON_AddStringToObject(root, "format", "mirror");
        cJSON_AddStringToObject(root, "output", o->output);
        cJSON_AddNumberToObject(root, "artifacts", (double)artifacts);
        cli_print_json(root);
    } else if (ctx->verbosity >= 0) {
        fprintf(stderr, "Mirrored %zu artifact%s -> %s (use it with --index-url %s/ or "
                        "--pyodide-index %s/)\n",
                artifacts, artifacts == 1 ? "" : "s", o->output, o->output, o->output);
    }
}

static pw_pipeline_bundle_job bundle_job(const cli_context *ctx, const bundle_cli *o)
{
    return (pw_pipeline_bundle_job){
        .lock_path = o->lock_path,
        .output = o->output,
        .mirror = strcmp(o->format, "mirror") == 0,
        .format = strcmp(o->format, "zip") == 0 ? PW_BUNDLE_ZIP : PW_BUNDLE_DIR,
        .target = o->target,
        .env = o->env,
        .strip = o->strip_mask,
        .exclude = &o->exclude,
        .max_size_gz = o->max_size,
        .strict_record = o->strict_record,
        /* -q prints no size table (--json does): no gzip pass for it. */
        .sizes = ctx->verbosity >= 0 || ctx->json,
        .compile = o->compile,
        .runtime_dir = o->runtime_dir,
        .slim_traces = &o->slim_traces,
        .keep = &o->keep,
        .transfer = &o->transfer,
    };
}

static int run_bundle(cli_context *ctx, int argc, char **argv)
{
    bundle_cli o = {.lock_path = PW_LOCK_DEFAULT_NAME, .format = "dir"};
    int exit_code = parse_bundle_options(ctx, argc, argv, &o);
    if (exit_code < 0) {
        cli_reporter_install(ctx);
        pw_error err = {0};
        pw_pipeline_bundle_job job = bundle_job(ctx, &o);
        pw_pipeline_bundle_outcome out;
        int rc = pw_pipeline_bundle(&job, &out, &err);
        if (rc == PW_OK && job.mirror)
            print_mirror(ctx, &o, out.mirrored);
        else if (out.built)
            print_report(ctx, &o, &out, rc == PW_OK ? "ok" : "over-budget");
        exit_code = rc ? cli_fail(ctx, "bundle", &err) : CLI_EXIT_OK;
        pw_pipeline_bundle_outcome_free(&out);
        pw_error_clear(&err);
    }
    pw_strlist_free(&o.strip);
    pw_strlist_free(&o.exclude);
    pw_strlist_free(&o.slim_traces);
    pw_strlist_free(&o.keep);
    return exit_code;
}

const cli_command cli_cmd_bundle = {
    .name = "bundle",
    .summary = "build python_modules/, a zip or an offline mirror from the lock",
    .help = bundle_help,
    .run = run_bundle,
    .options = bundle_option_table,
};
