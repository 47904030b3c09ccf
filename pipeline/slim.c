/* bundle --slim: the traces read and merged, and the slim tree proven in
 * Pyodide before it is written (docs/bundle.md, "Slimming from a trace"). */
#include "pipeline_private.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int pw_slim_plan_load(pw_slim_plan *s, const pw_strlist *trace_paths, const pw_strlist *keep,
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
static int proof_failed(pw_slim_plan *s, const pw_trace_run *run, const pw_check_report *r,
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

int pw_slim_plan_prove(pw_slim_plan *s, const char *staging, pw_error *err)
{
    int rc = PW_OK;
    free(s->cold_after);
    s->cold_after = pw_xcalloc(s->trace.n_runs + 1, sizeof(double));
    for (size_t i = 0; rc == PW_OK && i < s->trace.n_runs; i++) {
        const pw_trace_run *run = &s->trace.runs[i];
        pw_check_worker worker;
        memset(&worker, 0, sizeof(worker));
        bool have_worker = false;
        rc = pw_pipeline_find_worker(s->env, run->entry, false, &worker, &have_worker, err);
        pw_check_trace trace;
        memset(&trace, 0, sizeof(trace));
        trace.exercise = run->exercise;
        pw_check_report report;
        memset(&report, 0, sizeof(report));
        if (rc == PW_OK) {
            pw_check_options o;
            memset(&o, 0, sizeof(o));
            o.worker = have_worker ? &worker : NULL;
            o.trace = &trace;
            pw_report(PW_REPORT_INFO, "proving the slim bundle: %s%s%s",
                      run->entry ? run->entry : "the lock's imports",
                      run->exercise ? " + " : "", run->exercise ? run->exercise : "");
            rc = pw_pipeline_import_check(s->lock, staging, s->transfer, s->runtime_dir, false,
                                          &o, &report, err);
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
        if (have_worker)
            pw_check_worker_free(&worker);
    }
    return rc;
}

double pw_slim_plan_cold_ms(const pw_slim_plan *s, bool after)
{
    double sum = 0;
    for (size_t i = 0; i < s->trace.n_runs; i++)
        sum += after ? (s->cold_after ? s->cold_after[i] : 0) : s->trace.runs[i].cold_ms;
    return s->trace.n_runs ? sum / (double)s->trace.n_runs : 0;
}


void pw_slim_plan_free(pw_slim_plan *s)
{
    pw_trace_free(&s->trace);
    pw_strlist_free(&s->traced);
    pw_strlist_free(&s->keep);
    pw_strlist_free(&s->sources);
    pw_strlist_free(&s->slimmed);
    free(s->cold_after);
    memset(s, 0, sizeof(*s));
}
