/* The check of a bundle in the lock's own Pyodide: the step check, verify
 * --check-runtime and the slim proof share. */
#include "pipeline_private.h"
#include "report.h"

#include <stdlib.h>
#include <string.h>

int pw_pipeline_import_check(const pw_lock *lock, const char *bundle,
                             const pw_transfer_options *t, const char *runtime_dir, bool install,
                             pw_check_options *o, pw_check_report *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    char *cache = pw_pipeline_cache_dir(t), *runtime = NULL;
    pw_strlist modules = PW_STRLIST_INIT;
    int rc = pw_check_runtime_for_lock(lock, cache, runtime_dir, install, &runtime, err);
    if (rc == PW_OK) {
        pw_check_modules_for_lock(lock, bundle, &modules);
        o->runtime_dir = runtime;
        o->bundle_dir = bundle;
        o->modules = &modules;
        rc = pw_check_run(o, out, err);
        o->runtime_dir = NULL;
        o->modules = NULL;
    }
    pw_strlist_free(&modules);
    free(runtime);
    free(cache);
    return rc;
}

/* Bundles of an older pwpkg hold their manifest inside the tree, where
 * wrangler uploads it with the modules. */
static void note_legacy_manifest(const char *bundle)
{
    char *manifest = NULL;
    bool legacy = false;
    pw_error scratch = {0, NULL};
    if (pw_bundle_manifest_find(bundle, &manifest, &legacy, &scratch) == PW_OK && legacy)
        pw_report(PW_REPORT_WARN,
                  "%s is the manifest location of an older pwpkg: wrangler uploads it with the "
                  "modules; run `pwpkg bundle` again to move it beside %s",
                  manifest, bundle);
    pw_error_clear(&scratch);
    free(manifest);
}

/* No entry and no main in a wrangler config: only packages are checked,
 * unless a handler is to be called. */
int pw_pipeline_find_worker(const char *env, const char *entry, bool calls_handler,
                            pw_check_worker *worker, bool *found, pw_error *err)
{
    int rc = pw_check_worker_load(".", env, entry, worker, err);
    *found = rc == PW_OK;
    if (rc == PW_ENOTFOUND && !entry && !calls_handler) {
        pw_error_clear(err);
        rc = PW_OK;
    }
    return rc;
}

static int run_on_lock(const pw_pipeline_check_job *job, const pw_lock *lock,
                       pw_pipeline_check_outcome *out,
                       pw_error *err)
{
    pw_check_options o = job->options;
    o.worker = out->worker;
    out->trace.exercise = job->exercise;
    out->trace.record = job->trace_path != NULL;
    if (job->exercise || job->trace_path)
        o.trace = &out->trace;
    int rc = pw_pipeline_import_check(lock, job->bundle, job->transfer, job->runtime_dir,
                                      job->install_runtime, &o, &out->report, err);
    if ((rc == PW_OK || rc == PW_ECHECK) && out->report.profile.made) {
        /* Sizes and owners come from the bundle's manifest. */
        int prc = pw_profile_build(&out->report.profile, job->bundle, &out->profile, err);
        out->profiled = prc == PW_OK;
        if (prc != PW_OK)
            return prc;
    }
    out->ran = rc == PW_OK || rc == PW_ECHECK;
    if (rc == PW_OK && job->trace_path) {
        rc = pw_pipeline_write_trace(job->trace_path, job->lock_path, lock, o.entry, &out->trace,
                                     &out->report, &out->trace_written, err);
        out->traced = rc == PW_OK;
    }
    return rc;
}

int pw_pipeline_check(const pw_pipeline_check_job *job, pw_pipeline_check_outcome *out,
                      pw_error *err)
{
    memset(out, 0, sizeof(*out));
    pw_lock lock;
    int rc = pw_lock_load(job->lock_path, &lock, err);
    if (rc)
        return rc;
    if (!pw_is_dir(job->bundle))
        rc = pw_error_set(err, PW_EINVAL, "%s: no such bundle directory; run `pwpkg bundle` first",
                          job->bundle);
    if (rc == PW_OK) {
        note_legacy_manifest(job->bundle);
        bool found = false;
        rc = pw_pipeline_find_worker(job->env, job->options.entry,
                                     job->options.call.kind != PW_CHECK_CALL_NONE,
                                     &out->worker_found, &found, err);
        out->worker = found ? &out->worker_found : NULL;
    }
    if (rc == PW_OK)
        rc = run_on_lock(job, &lock, out, err);
    pw_lock_free(&lock);
    return rc;
}

void pw_pipeline_check_outcome_free(pw_pipeline_check_outcome *out)
{
    pw_check_report_free(&out->report);
    if (out->worker)
        pw_check_worker_free(&out->worker_found);
    pw_profile_free(&out->profile);
    pw_trace_free(&out->trace_written);
    pw_check_trace_free(&out->trace);
    memset(out, 0, sizeof(*out));
}
