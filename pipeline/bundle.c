/* pwpkg bundle, whole: the Worker project found, the lock read, the slim
 * traces read, the artifacts fetched and checked, then a mirror written or
 * a tree built (compiled and proven on the way). Every refusal that is
 * the user's comes before anything is fetched. */
#include "pipeline_private.h"

#include <stdlib.h>
#include <string.h>

typedef struct staging_step {
    const pw_pipeline_bundle_job *job;
    const pw_lock *lock;
    pw_pipeline_bundle_outcome *out;
} staging_step;

/* Runs on the staged tree, before it replaces the output. */
static int finish_staging(void *opaque, const char *staging_dir, pw_error *err)
{
    staging_step *step = opaque;
    int rc = PW_OK;
    if (step->job->compile)
        rc = pw_pipeline_compile_tree(step->lock, staging_dir, step->job->runtime_dir,
                                      step->job->transfer, &step->out->compiled_with, err);
    /* The proof runs on the tree as it will be shipped, .pyc files included. */
    if (rc == PW_OK && step->out->slim)
        rc = pw_slim_plan_prove(step->out->slim, staging_dir, err);
    return rc;
}

static void build_options(const pw_pipeline_bundle_job *job, pw_pipeline_bundle_outcome *out,
                          staging_step *step,
                          pw_bundle_options *bo)
{
    *bo = (pw_bundle_options){
        .format = job->format,
        .output = job->output,
        .source_date_epoch = -1,
        .max_size_gz = job->max_size_gz,
        .strip = job->strip,
        .exclude = job->exclude,
        .strict_record = job->strict_record,
        .workers = out->workers,
        .no_sizes = !job->sizes,
        .compiles_pyc = job->compile,
    };
    if (step && (job->compile || out->slim)) {
        bo->after_install = finish_staging;
        bo->after_install_ctx = step;
    }
    if (out->slim) {
        bo->slim = &out->slim->slim;
        bo->slimmed_out = &out->slim->slimmed;
    }
}

static int load_slim_plan(const pw_pipeline_bundle_job *job, const pw_lock *lock,
                          pw_pipeline_bundle_outcome *out,
                          pw_error *err)
{
    out->slim = pw_xcalloc(1, sizeof(*out->slim));
    *out->slim = (pw_slim_plan){
        .lock_path = job->lock_path,
        .lock = lock,
        .runtime_dir = job->runtime_dir,
        .env = job->env,
        .transfer = job->transfer,
    };
    return pw_slim_plan_load(out->slim, job->slim_traces, job->keep, lock, err);
}

static int bundle_artifacts(const pw_pipeline_bundle_job *job, const pw_lock *lock,
                            pw_pipeline_bundle_outcome *out,
                            pw_error *err)
{
    pw_locked_artifacts got;
    int rc = pw_pipeline_fetch_lock(lock, job->lock_path, job->transfer, false, &got, err);
    bool fetched = rc == PW_OK;
    if (rc == PW_OK && job->mirror) {
        rc = pw_bundle_write_mirror(lock, got.paths, job->output, err);
        out->mirrored = rc == PW_OK ? lock->n_packages : 0;
    } else if (rc == PW_OK) {
        staging_step step = {.job = job, .lock = lock, .out = out};
        pw_bundle_options bo;
        build_options(job, out, &step, &bo);
        rc = pw_bundle_from_lock(lock, got.paths, &bo, &out->report, err);
        /* Over budget is a finished build with a report; a failed proof is not. */
        out->built = rc == PW_OK || (rc == PW_ECHECK && !(out->slim && out->slim->proof_failed));
    }
    /* Once the artifacts are in hand, what fails (unsafe paths, a bomb, a
     * RECORD mismatch...) is a failed check of them, not a usage error. */
    if (fetched && pw_status_classify(rc) == PW_STATUS_INPUT)
        rc = err->code = PW_ECHECK;
    pw_locked_artifacts_free(&got);
    return rc;
}

int pw_pipeline_bundle(const pw_pipeline_bundle_job *job, pw_pipeline_bundle_outcome *out,
                       pw_error *err)
{
    memset(out, 0, sizeof(*out));
    bool found_worker = false;
    int rc = PW_OK;
    if (!job->mirror && job->target != PW_PIPELINE_TARGET_PYODIDE)
        rc = pw_bundle_project_find(job->output, job->env,
                                    job->target == PW_PIPELINE_TARGET_WORKERS,
                                    &out->project, &found_worker, err);
    if (found_worker)
        out->workers = &out->project.workers;
    if (rc == PW_OK) {
        pw_bundle_options planned;
        build_options(job, out, NULL, &planned);
        rc = pw_bundle_check_workers(&planned, err);
    }
    if (rc)
        return rc;
    pw_lock lock;
    if ((rc = pw_lock_load(job->lock_path, &lock, err)))
        return rc;
    /* Traces are input: a bad one fails before anything is fetched. */
    if (job->slim_traces && job->slim_traces->len)
        rc = load_slim_plan(job, &lock, out, err);
    if (rc == PW_OK)
        rc = bundle_artifacts(job, &lock, out, err);
    /* The plan points at the lock, which ends here. */
    if (out->slim) {
        out->slim->lock = NULL;
        out->slim->transfer = NULL;
    }
    pw_lock_free(&lock);
    return rc;
}

void pw_pipeline_bundle_outcome_free(pw_pipeline_bundle_outcome *out)
{
    pw_bundle_report_free(&out->report);
    if (out->slim) {
        pw_slim_plan_free(out->slim);
        free(out->slim);
    }
    pw_bundle_project_free(&out->project);
    free(out->compiled_with);
    memset(out, 0, sizeof(*out));
}
