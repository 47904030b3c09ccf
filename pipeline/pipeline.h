/*
 * pipeline: the steps the commands share, each written once, above fetch/,
 * bundle/ and runtime-check/: a lock's artifacts fetched and checked
 * against it, a tree compiled to .pyc with the lock's runtime, a slim
 * bundle planned from traces and proven, and a trace written. Commands in
 * cli/ parse their options, make these calls and print; nothing here
 * prints (messages go through pw_report).
 */
#ifndef PW_PIPELINE_H
#define PW_PIPELINE_H

#include "bundle.h"
#include "common.h"
#include "fetch.h"
#include "lockfile.h"
#include "runtime_check.h"

/* The cache directory the transfer options name, or the default. Heap. */
char *pw_pipeline_cache_dir(const pw_transfer_options *t);

/* ----------------------------------------------------------- artifacts */

/* Every artifact of a lock, verified, in the cache. */
typedef struct pw_locked_artifacts {
    pw_fetch_session *session;
    pw_fetch_request *requests; /* one per package of the lock, in its order */
    const char **paths;         /* requests[i].path; NULL-terminated */
    size_t n;
    uint64_t bytes;             /* of all artifacts */
    uint64_t downloaded;        /* of those that were not in the cache */
    size_t from_cache;
} pw_locked_artifacts;

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
void pw_locked_artifacts_free(pw_locked_artifacts *a);

/* ---------------------------------------------------------------- check */

/*
 * The check of a bundle: the lock's runtime found (in `runtime_dir`, else
 * in the cache `t` names; `install` fetches it from npm when missing),
 * the lock's modules listed from the bundle, and the run made with `o`
 * (whose runtime_dir, bundle_dir and modules this sets; the rest is the
 * caller's: worker, call, trace, profile...). PW_ECHECK when the check ran
 * and found a problem; `out` is filled whenever it ran.
 */
int pw_pipeline_check(const pw_lock *lock, const char *bundle, const pw_transfer_options *t,
                      const char *runtime_dir, bool install, pw_check_options *o,
                      pw_check_report *out, pw_error *err);

/* -------------------------------------------------------------- compile */

/* bundle --compile: the .pyc files of `dir` written by the lock's own
 * runtime (found in `runtime_dir`, else in the cache), whose path is
 * returned in *runtime_used (heap; may be NULL). */
int pw_pipeline_compile_tree(const pw_lock *lock, const char *dir, const char *runtime_dir,
                             const pw_transfer_options *t, char **runtime_used, pw_error *err);

/* ----------------------------------------------------------------- slim */

typedef struct pw_slim_plan {
    /* What the proof needs, set by the caller. */
    const char *lock_path;
    const pw_lock *lock;
    const char *runtime_dir;
    const char *env;
    const pw_transfer_options *transfer;
    /* The traces, merged, and what they keep. */
    pw_trace trace;
    pw_strlist traced;  /* pw_trace_keep_set */
    pw_strlist keep;    /* --keep globs */
    pw_strlist sources; /* "trace.json sha256:<hex>" each */
    pw_bundle_slim slim;
    pw_strlist slimmed;  /* filled by the build (pw_bundle_options.slimmed_out) */
    double *cold_after;  /* per run, from the proof */
    bool proof_failed;   /* the build failed in the proof: no report to print */
} pw_slim_plan;

/* Reads and merges the traces; PW_EINVAL for a malformed trace or one of
 * another lock (exit 2). */
int pw_slim_plan_load(pw_slim_plan *s, const pw_strlist *trace_paths, const pw_strlist *keep,
                      const pw_lock *lock, pw_error *err);
/* Replays every traced run (entry, exercise) on the staged slim tree in
 * Pyodide; PW_ECHECK names the dropped file a failure needed. */
int pw_slim_plan_prove(pw_slim_plan *s, const char *staging, pw_error *err);
/* Mean cold start of the traced runs: as traced (full bundle), or in the
 * proof (slim bundle). */
double pw_slim_plan_cold_ms(const pw_slim_plan *s, bool after);
void pw_slim_plan_free(pw_slim_plan *s);

/* ---------------------------------------------------------------- trace */

/* check --trace: writes the trace of one run (atomically) to `path`; the
 * trace names the lock it was made from. */
int pw_pipeline_write_trace(const char *path, const char *lock_path, const pw_lock *lock,
                            const char *entry, const pw_check_trace *trace,
                            const pw_check_report *report, pw_trace *written, pw_error *err);

#endif
