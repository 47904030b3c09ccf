/* The steps the pipelines share, private to pipeline/: each command's
 * pipeline (pipeline.h) is made of these. */
#ifndef PW_PIPELINE_PRIVATE_H
#define PW_PIPELINE_PRIVATE_H

#include "pipeline.h"

/*
 * Fetches the artifacts of `lock` (git requirements built into wheels)
 * with `t`, paths relative to the lock's directory. With check_installed,
 * also checks that what would be installed is what was locked
 * (pw_bundle_check_installed; the bundle builders check it themselves).
 * On error `out` holds what was fetched so far; free it in every case.
 */
int pw_pipeline_fetch_lock(const pw_lock *lock, const char *lock_path,
                           const pw_transfer_options *t, bool check_installed,
                           pw_locked_artifacts *out, pw_error *err);

/*
 * The import check of a bundle: the lock's runtime found (in `runtime_dir`,
 * else in the cache `t` names; `install` fetches it from npm when missing),
 * the lock's modules listed from the bundle, and the run made with `o`
 * (whose runtime_dir, bundle_dir and modules this sets; the rest is the
 * caller's: worker, call, trace, profile...). PW_ECHECK when the check ran
 * and found a problem; `out` is filled whenever it ran. The step check,
 * verify --check-runtime and the slim proof share.
 */
int pw_pipeline_import_check(const pw_lock *lock, const char *bundle, const pw_transfer_options *t,
                             const char *runtime_dir, bool install, pw_check_options *o,
                             pw_check_report *out, pw_error *err);

/* -------------------------------------------------------------- compile */

/* bundle --compile: the .pyc files of `dir` written by the lock's own
 * runtime (found in `runtime_dir`, else in the cache), whose path is
 * returned in *runtime_used (heap; may be NULL). */
int pw_pipeline_compile_tree(const pw_lock *lock, const char *dir, const char *runtime_dir,
                             const pw_transfer_options *t, char **runtime_used, pw_error *err);

/* Reads and merges the traces; PW_EINVAL for a malformed trace or one of
 * another lock (exit 2). */
int pw_slim_plan_load(pw_slim_plan *s, const pw_strlist *trace_paths, const pw_strlist *keep,
                      const pw_lock *lock, pw_error *err);
/* Replays every traced run (entry, exercise) on the staged slim tree in
 * Pyodide; PW_ECHECK names the dropped file a failure needed. */
int pw_slim_plan_prove(pw_slim_plan *s, const char *staging, pw_error *err);

/* ---------------------------------------------------------------- trace */

/* check --trace: writes the trace of one run (atomically) to `path`; the
 * trace names the lock it was made from. */
int pw_pipeline_write_trace(const char *path, const char *lock_path, const pw_lock *lock,
                            const char *entry, const pw_check_trace *trace,
                            const pw_check_report *report, pw_trace *written, pw_error *err);

/* The Worker to check (entry, else main of the wrangler config in the
 * working directory, with [env.ENV]); *found false and PW_OK when there is
 * none and nothing asks for one (no entry, no handler to call). */
int pw_pipeline_find_worker(const char *env, const char *entry, bool calls_handler,
                            pw_check_worker *worker, bool *found, pw_error *err);

#endif
