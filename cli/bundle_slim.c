/* pwpkg bundle --slim: the traces read, the slim tree proven in Pyodide,
 * and the kept/dropped report (docs/bundle.md, "Slimming from a trace"). */
#include "bundle_slim.h"
#include "lockfile.h"

#include <cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int cli_slim_load(cli_slim *s, const pw_strlist *trace_paths, const pw_strlist *keep,
                  const pw_lock *lock, pw_error *err)
{
    char digest[PW_BUNDLE_DIGEST_LEN];
    pw_bundle_lock_digest(lock, digest);
    int rc = PW_OK;
    for (size_t i = 0; rc == PW_OK && i < trace_paths->len; i++) {
        const char *path = trace_paths->items[i];
        pw_trace t;
        rc = pw_trace_load(path, &t, err);
        if (rc == PW_OK && strcmp(t.lock_digest, digest) != 0)
            rc = pw_error_set(err, PW_EINVAL,
                              "%s: traced from another lock (%s%s%s) than %s (%s): run `pwpkg "
                              "check --trace` again on the bundle of this lock",
                              path, t.lock_digest, t.lock_path ? ", " : "",
                              t.lock_path ? t.lock_path : "", s->lock_path, digest);
        if (rc == PW_OK)
            rc = pw_trace_merge(&s->trace, &t, path, err);
        if (rc == PW_OK) {
            char hex[PW_SHA256_HEX_LEN + 1];
            rc = pw_sha256_file_hex(path, hex, NULL, err);
            pw_buf src = PW_BUF_INIT;
            pw_buf_printf(&src, "%s sha256:%s", path, hex);
            pw_strlist_push_owned(&s->sources, pw_buf_detach(&src));
        }
        pw_trace_free(&t);
    }
    /* The proof replays each run: its files must be here, as traced. */
    for (size_t i = 0; rc == PW_OK && i < s->trace.n_runs; i++) {
        const pw_trace_run *run = &s->trace.runs[i];
        const char *missing = run->entry && !pw_file_exists(run->entry) ? run->entry
                              : run->exercise && !pw_file_exists(run->exercise) ? run->exercise
                                                                                  : NULL;
        if (missing)
            rc = pw_error_set(err, PW_EINVAL,
                              "%s: the traced run %zu needs %s, which does not exist here: "
                              "slim from the directory the trace was made in",
                              trace_paths->items[0], i + 1, missing);
    }
    if (rc != PW_OK)
        return rc;
    pw_trace_keep_set(&s->trace, &s->traced);
    for (size_t i = 0; keep && i < keep->len; i++)
        pw_strlist_push(&s->keep, keep->items[i]);
    s->slim = (pw_bundle_slim){&s->traced, &s->keep, &s->sources};
    return PW_OK;
}

/* "python_modules/<path>" in a message, as the harness mounts the bundle. */
static void paths_in(const char *text, const pw_strlist *slimmed, pw_strlist *out)
{
    static const char mount[] = "python_modules/";
    for (const char *p = text ? strstr(text, mount) : NULL; p; p = strstr(p + 1, mount)) {
        const char *start = p + strlen(mount);
        size_t n = strcspn(start, "'\" \n,)");
        char *rel = pw_xstrndup(start, n);
        if (pw_strlist_contains(slimmed, rel) && !pw_strlist_contains(out, rel))
            pw_strlist_push(out, rel);
        free(rel);
    }
}

/* "No module named 'a.b'": the dropped files that were a.b (a/b.py,
 * a/b/__init__.py, an extension a/b.cpython-...so). */
static void modules_in(const char *text, const pw_strlist *slimmed, pw_strlist *out)
{
    static const char marker[] = "No module named '";
    for (const char *p = text ? strstr(text, marker) : NULL; p; p = strstr(p + 1, marker)) {
        const char *name = p + strlen(marker);
        size_t n = strcspn(name, "':");
        pw_buf stem = PW_BUF_INIT;
        for (size_t i = 0; i < n; i++)
            pw_buf_putc(&stem, name[i] == '.' ? '/' : name[i]);
        for (size_t i = 0; i < slimmed->len; i++) {
            const char *f = slimmed->items[i];
            if (strncmp(f, stem.data, stem.len) != 0)
                continue;
            const char *rest = f + stem.len;
            bool hit = strcmp(rest, ".py") == 0 || strcmp(rest, "/__init__.py") == 0 ||
                       (rest[0] == '.' && strstr(rest, ".so") != NULL && !strchr(rest, '/'));
            if (hit && !pw_strlist_contains(out, f))
                pw_strlist_push(out, f);
        }
        pw_buf_free(&stem);
    }
}

/* The check's failure, with the dropped files it needed named. */
static int proof_failed(cli_slim *s, const pw_trace_run *run, const pw_check_report *r,
                        const pw_error *cause, pw_error *err)
{
    pw_strlist needed = PW_STRLIST_INIT;
    for (size_t i = 0; i < r->n_results; i++) {
        if (r->results[i].ok)
            continue;
        paths_in(r->results[i].error, &s->slimmed, &needed);
        paths_in(r->results[i].traceback, &s->slimmed, &needed);
        modules_in(r->results[i].error, &s->slimmed, &needed);
    }
    pw_buf msg = PW_BUF_INIT;
    pw_buf_printf(&msg, "the slim bundle fails the proof (the traced run%s%s%s%s replayed in "
                        "Pyodide): %s",
                  run->entry ? " of " : "", run->entry ? run->entry : "",
                  run->exercise ? " with exercise " : "", run->exercise ? run->exercise : "",
                  pw_error_message(cause));
    if (needed.len) {
        pw_buf_puts(&msg, "; it needs ");
        for (size_t i = 0; i < needed.len; i++)
            pw_buf_printf(&msg, "%spython_modules/%s", i ? ", " : "", needed.items[i]);
        pw_buf_printf(&msg, ", which slimming dropped (no trace opened it): add --keep '%s' or "
                            "trace an --exercise that uses it",
                      needed.items[0]);
    } else {
        pw_buf_printf(&msg, "; %zu dropped file%s, none named by the error: widen --keep or "
                            "trace the code path",
                      s->slimmed.len, s->slimmed.len == 1 ? "" : "s");
    }
    int rc = pw_error_set(err, PW_ECHECK, "%s", msg.data);
    pw_buf_free(&msg);
    pw_strlist_free(&needed);
    return rc;
}

int cli_slim_prove(cli_slim *s, const char *staging, pw_error *err)
{
    char *cache = cli_cache_dir(s->transfer), *runtime = NULL;
    int rc = pw_check_runtime_for_lock(s->lock, cache, s->runtime_dir, false, &runtime, err);
    free(s->cold_after);
    s->cold_after = pw_xcalloc(s->trace.n_runs + 1, sizeof(double));
    for (size_t i = 0; rc == PW_OK && i < s->trace.n_runs; i++) {
        const pw_trace_run *run = &s->trace.runs[i];
        pw_check_worker worker;
        memset(&worker, 0, sizeof(worker));
        rc = pw_check_worker_load(".", s->env, run->entry, &worker, err);
        bool have_worker = rc == PW_OK;
        if (rc == PW_ENOTFOUND && !run->entry) {
            pw_error_clear(err);
            rc = PW_OK;
        }
        pw_strlist modules = PW_STRLIST_INIT;
        pw_check_trace trace;
        memset(&trace, 0, sizeof(trace));
        trace.exercise = run->exercise;
        pw_check_report report;
        memset(&report, 0, sizeof(report));
        if (rc == PW_OK) {
            pw_check_modules_for_lock(s->lock, staging, &modules);
            pw_check_options o;
            memset(&o, 0, sizeof(o));
            o.runtime_dir = runtime;
            o.bundle_dir = staging;
            o.modules = &modules;
            o.worker = have_worker ? &worker : NULL;
            o.trace = &trace;
            pw_report(PW_REPORT_INFO, "proving the slim bundle: %s%s%s",
                      run->entry ? run->entry : "the lock's imports",
                      run->exercise ? " + " : "", run->exercise ? run->exercise : "");
            rc = pw_check_run(&o, &report, err);
            s->cold_after[i] = report.cold_ms;
            if (rc == PW_ECHECK) {
                pw_error cause = *err;
                err->message = NULL;
                rc = proof_failed(s, run, &report, &cause, err);
                s->proof_failed = true;
                pw_error_clear(&cause);
            }
        }
        pw_check_report_free(&report);
        pw_check_trace_free(&trace);
        pw_strlist_free(&modules);
        if (have_worker)
            pw_check_worker_free(&worker);
    }
    free(runtime);
    free(cache);
    return rc;
}

static double run_cold(const cli_slim *s, bool after)
{
    double sum = 0;
    for (size_t i = 0; i < s->trace.n_runs; i++)
        sum += after ? (s->cold_after ? s->cold_after[i] : 0) : s->trace.runs[i].cold_ms;
    return s->trace.n_runs ? sum / (double)s->trace.n_runs : 0;
}

cJSON *cli_slim_json(const cli_slim *s, const pw_bundle_report *rep)
{
    cJSON *j = cJSON_CreateObject();
    cJSON *traces = cJSON_AddArrayToObject(j, "traces");
    for (size_t i = 0; i < s->sources.len; i++)
        cJSON_AddItemToArray(traces, cJSON_CreateString(s->sources.items[i]));
    cJSON *keep = cJSON_AddArrayToObject(j, "keep");
    for (size_t i = 0; i < s->keep.len; i++)
        cJSON_AddItemToArray(keep, cJSON_CreateString(s->keep.items[i]));
    cJSON_AddNumberToObject(j, "traced_files", (double)s->trace.files.len);
    cJSON_AddNumberToObject(j, "dropped_files", (double)rep->slimmed_files);
    cJSON_AddNumberToObject(j, "dropped_raw_bytes", (double)rep->slimmed_bytes);
    cJSON_AddNumberToObject(j, "dropped_gzip_bytes", (double)rep->slimmed_gz);
    cJSON_AddNumberToObject(j, "cold_ms_traced", (double)(long)(run_cold(s, false) + 0.5));
    cJSON_AddNumberToObject(j, "cold_ms_proof", (double)(long)(run_cold(s, true) + 0.5));
    cJSON *pkgs = cJSON_AddArrayToObject(j, "packages");
    for (size_t i = 0; i < rep->n_packages; i++) {
        const pw_bundle_package_size *p = &rep->packages[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", p->name);
        cJSON_AddNumberToObject(o, "kept_files", (double)p->files);
        cJSON_AddNumberToObject(o, "kept_raw_bytes", (double)p->raw_bytes);
        cJSON_AddNumberToObject(o, "kept_gzip_bytes", (double)p->gz_bytes);
        cJSON_AddNumberToObject(o, "dropped_files", (double)p->slimmed_files);
        cJSON_AddNumberToObject(o, "dropped_raw_bytes", (double)p->slimmed_bytes);
        cJSON_AddNumberToObject(o, "dropped_gzip_bytes", (double)p->slimmed_gz);
        cJSON_AddItemToArray(pkgs, o);
    }
    return j;
}

void cli_slim_print(const cli_context *ctx, const cli_slim *s, const pw_bundle_report *rep)
{
    if (ctx->json || ctx->verbosity < 0)
        return;
    fprintf(stderr, "slimmed from %zu trace%s (%zu files traced%s%zu keep glob%s):\n",
            s->sources.len, s->sources.len == 1 ? "" : "s", s->trace.files.len,
            ", ", s->keep.len, s->keep.len == 1 ? "" : "s");
    fprintf(stderr, "  %-24s %6s %10s %10s %8s %10s %10s\n", "package", "kept", "raw", "gzip",
            "dropped", "raw", "gzip");
    for (size_t i = 0; i < rep->n_packages; i++) {
        const pw_bundle_package_size *p = &rep->packages[i];
        fprintf(stderr, "  %-24s %6zu %9.1fK %9.1fK %8zu %9.1fK %9.1fK\n", p->name, p->files,
                (double)p->raw_bytes / 1024.0, (double)p->gz_bytes / 1024.0, p->slimmed_files,
                (double)p->slimmed_bytes / 1024.0, (double)p->slimmed_gz / 1024.0);
    }
    fprintf(stderr, "  %-24s %6zu %9.1fK %9.1fK %8zu %9.1fK %9.1fK\n", "total", rep->files,
            (double)rep->raw_total / 1024.0, (double)rep->gz_total / 1024.0, rep->slimmed_files,
            (double)rep->slimmed_bytes / 1024.0, (double)rep->slimmed_gz / 1024.0);
    fprintf(stderr, "proven in Pyodide: %zu traced run%s replayed on the slim bundle; cold start "
                    "%.0f ms traced (full bundle) -> %.0f ms (slim bundle)\n",
            s->trace.n_runs, s->trace.n_runs == 1 ? "" : "s", run_cold(s, false),
            run_cold(s, true));
}

void cli_slim_free(cli_slim *s)
{
    pw_trace_free(&s->trace);
    pw_strlist_free(&s->traced);
    pw_strlist_free(&s->keep);
    pw_strlist_free(&s->sources);
    pw_strlist_free(&s->slimmed);
    free(s->cold_after);
    memset(s, 0, sizeof(*s));
}
