/*
 * pipeline: each command's work as one call, above resolver/, fetch/,
 * bundle/, runtime-check/ and report/. A command in cli/ parses its
 * options into a job struct, calls its pipeline (pw_pipeline_lock, _edit,
 * _fetch, _bundle, _check, _verify) and prints the outcome; nothing here
 * prints (messages go through pw_report). The steps the pipelines share
 * (a lock's artifacts fetched and checked, the import check, --compile,
 * the slim plan and its proof, the trace writer) are written once, in
 * pipeline_private.h.
 */
#ifndef PW_PIPELINE_H
#define PW_PIPELINE_H

#include "bundle.h"
#include "common.h"
#include "fetch.h"
#include "lockfile.h"
#include "report.h"
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

void pw_locked_artifacts_free(pw_locked_artifacts *a);

typedef struct pw_pipeline_fetch_outcome {
    bool loaded; /* lock was read */
    pw_lock lock;
    pw_locked_artifacts artifacts;
} pw_pipeline_fetch_outcome;

/* pwpkg fetch, whole: the lock read and its artifacts fetched, checked
 * against what would be installed. Free `out` in every case. */
int pw_pipeline_fetch(const char *lock_path, const pw_transfer_options *t,
                      pw_pipeline_fetch_outcome *out, pw_error *err);
void pw_pipeline_fetch_outcome_free(pw_pipeline_fetch_outcome *out);

/* ---------------------------------------------------------------- check */

/* pwpkg check's options, as parsed. */
typedef struct pw_pipeline_check_job {
    const char *lock_path;
    const char *bundle;
    const char *runtime_dir;   /* NULL: the cache */
    bool install_runtime;      /* from npm when the runtime is missing */
    const char *env;           /* the wrangler config's [env.NAME]; may be NULL */
    const char *trace_path;    /* --trace: written when the check passes */
    const char *exercise;      /* --exercise script; may be NULL */
    const pw_transfer_options *transfer;
    pw_check_options options;  /* entry, snapshot, call, node, timeout, profile */
} pw_pipeline_check_job;

typedef struct pw_pipeline_check_outcome {
    bool ran;                       /* report holds a finished run */
    pw_check_report report;
    const pw_check_worker *worker;  /* the Worker checked; NULL: packages only */
    pw_check_worker worker_found;
    pw_check_trace trace;           /* what the run opened, the exercise's end */
    bool profiled;                  /* profile is built (--profile) */
    pw_profile profile;
    bool traced;                    /* trace_written is in the --trace file */
    pw_trace trace_written;
} pw_pipeline_check_outcome;

/*
 * pwpkg check, whole: the lock read, the bundle's Worker found (wrangler
 * config or options.entry), the import check run, the profile built and
 * the trace written. PW_ECHECK when the check ran (out->ran) and found a
 * problem. Free `out` in every case.
 */
int pw_pipeline_check(const pw_pipeline_check_job *job, pw_pipeline_check_outcome *out,
                      pw_error *err);
void pw_pipeline_check_outcome_free(pw_pipeline_check_outcome *out);

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

/* Mean cold start of the traced runs: as traced (full bundle), or in the
 * proof (slim bundle). */
double pw_slim_plan_cold_ms(const pw_slim_plan *s, bool after);
void pw_slim_plan_free(pw_slim_plan *s);

/* --------------------------------------------------------------- bundle */

/* Whether the bundle is a Worker's python_modules/ (wrangler's rules
 * apply): as a wrangler config beside the output says, or as the user
 * forces it. */
typedef enum pw_pipeline_target {
    PW_PIPELINE_TARGET_AUTO,
    PW_PIPELINE_TARGET_WORKERS,
    PW_PIPELINE_TARGET_PYODIDE,
} pw_pipeline_target;

/* pwpkg bundle's options, as parsed. */
typedef struct pw_pipeline_bundle_job {
    const char *lock_path;
    const char *output;
    bool mirror;               /* an offline mirror; the rest below is for trees */
    enum pw_bundle_format format;
    pw_pipeline_target target;
    const char *env;           /* the wrangler config's [env.NAME]; may be NULL */
    unsigned strip;            /* pw_bundle_strip_parse */
    const pw_strlist *exclude; /* may be NULL */
    uint64_t max_size_gz;      /* 0: no budget */
    bool strict_record;
    bool sizes;                /* a size report is shown: compute gzip sizes */
    bool compile;              /* add .pyc files compiled by the lock's runtime */
    const char *runtime_dir;   /* for compile and the slim proof; NULL: the cache */
    const pw_strlist *slim_traces; /* --slim; NULL or empty: no slimming */
    const pw_strlist *keep;        /* --keep */
    const pw_transfer_options *transfer;
} pw_pipeline_bundle_job;

typedef struct pw_pipeline_bundle_outcome {
    bool built;                       /* report is a finished (or over-budget) build */
    pw_bundle_report report;
    const pw_bundle_workers *workers; /* the Worker bundled for; NULL: none */
    pw_bundle_project project;        /* what workers points into */
    pw_slim_plan *slim;               /* with slim traces; its lock is gone */
    char *compiled_with;              /* the runtime that compiled the .pyc files */
    size_t mirrored;                  /* artifacts written to the mirror */
} pw_pipeline_bundle_outcome;

/*
 * Builds what `job` asks for. PW_ECHECK when an artifact fails
 * verification, the size budget is exceeded (out->built: the report is
 * there) or the slim proof fails; PW_EINVAL for options wrangler would
 * undo, refused before anything is fetched. Free `out` in every case.
 */
int pw_pipeline_bundle(const pw_pipeline_bundle_job *job, pw_pipeline_bundle_outcome *out,
                       pw_error *err);
void pw_pipeline_bundle_outcome_free(pw_pipeline_bundle_outcome *out);

/* ----------------------------------------------------------------- lock */

struct pw_resolve_request;

typedef enum pw_pipeline_lock_mode {
    PW_PIPELINE_LOCK_WRITE,   /* write the lock (pw_lock_save: only when the bytes change) */
    PW_PIPELINE_LOCK_CHECK,   /* compare with the lock on disk (lock --check) */
    PW_PIPELINE_LOCK_RESOLVE, /* neither: the resolution is the result (outdated) */
} pw_pipeline_lock_mode;

typedef struct pw_pipeline_lock_outcome {
    bool resolved;      /* lock holds the resolution */
    pw_lock lock;
    bool changed;       /* WRITE: the file's bytes changed */
    bool compared;      /* CHECK: diff holds the differences */
    pw_lock_diff diff;
} pw_pipeline_lock_outcome;

/* Resolves `request` and does what `mode` says. CHECK: PW_ECHECK when the
 * lock on disk differs (the message says how). Free `out` in every case. */
int pw_pipeline_lock(const struct pw_resolve_request *request, pw_pipeline_lock_mode mode,
                     pw_pipeline_lock_outcome *out, pw_error *err);
void pw_pipeline_lock_outcome_free(pw_pipeline_lock_outcome *out);

/* pwpkg add / remove's options, as parsed. */
typedef struct pw_pipeline_edit_job {
    const struct pw_resolve_request *request; /* the lock options; its input is edited */
    const pw_strlist *specs;               /* requirements to add, or names to remove */
    bool remove;
    const char *optional; /* edit [project.optional-dependencies].NAME; may be NULL */
    const char *group;    /* edit [dependency-groups].NAME; may be NULL */
} pw_pipeline_edit_job;

typedef struct pw_pipeline_edit_outcome {
    char *input;          /* the file edited */
    pw_pipeline_lock_outcome lock; /* the lock written */
} pw_pipeline_edit_outcome;

/* Edits the input (pw_resolver_input_path) and re-locks; when the lock
 * fails, the input is restored. Free `out` in every case. */
int pw_pipeline_edit(const pw_pipeline_edit_job *job, pw_pipeline_edit_outcome *out, pw_error *err);
void pw_pipeline_edit_outcome_free(pw_pipeline_edit_outcome *out);

/* --------------------------------------------------------------- verify */

/* pwpkg verify's options, as parsed: the lock options (the lock, its
 * inputs, the transfer) and the checks asked for. */
typedef struct pw_pipeline_verify_job {
    const struct pw_resolve_request *request;
    const char *bundle;      /* rebuild and compare; NULL: not asked */
    const char *mirror;      /* its artifacts are checked too; may be NULL */
    bool check_runtime;      /* import check of bundle (default python_modules) */
    const char *runtime_dir; /* for check_runtime; NULL: the cache */
} pw_pipeline_verify_job;

/* One problem, where a CI annotation belongs. */
typedef struct pw_pipeline_finding {
    const char *check; /* "lock", "cache", "hash", "mirror", "bundle", "runtime" */
    char *file;
    size_t line;       /* 1-based */
    char *message;     /* may hold newlines (one problem per line) */
} pw_pipeline_finding;

typedef struct pw_pipeline_findings {
    pw_pipeline_finding *items;
    size_t len, cap;
    size_t artifacts_checked;
    int error_status; /* PW_OK, or the status of the first check that could not run */
} pw_pipeline_findings;

/*
 * Runs every check (cache, lock current, bundle rebuilt, imports) and
 * collects what each finds. PW_ECHECK when something was found; another
 * status when the lock cannot be read (then nothing ran). Free `out` in
 * every case.
 */
int pw_pipeline_verify(const pw_pipeline_verify_job *job, pw_pipeline_findings *out, pw_error *err);
void pw_pipeline_findings_free(pw_pipeline_findings *f);

/* ----------------------------------------------------------------- diff */

typedef struct pw_pipeline_diff_outcome {
    bool loaded;                     /* from, to and diff hold the two locks */
    pw_lock from, to;
    pw_lock_diff diff;
    pw_strlist requirements_added;   /* root requirements, canonical form */
    pw_strlist requirements_removed;
    bool changed;
} pw_pipeline_diff_outcome;

/* pwpkg diff: the lock at git revision `from` and at `to` (NULL: the
 * working tree) compared. Free `out` in every case. */
int pw_pipeline_diff(const char *lock_path, const char *from, const char *to,
                     pw_pipeline_diff_outcome *out, pw_error *err);
void pw_pipeline_diff_outcome_free(pw_pipeline_diff_outcome *out);

/* --------------------------------------------------------------- report */

typedef struct pw_pipeline_report_job {
    const char *lock_path;
    const char *bundle;       /* a directory bundle */
    const char *output;       /* the .html page, replaced atomically */
    const char *profile_path; /* check --profile --json output; may be NULL */
    const char *trace_path;   /* check --trace output; may be NULL */
} pw_pipeline_report_job;

/* pwpkg report: the inputs read and checked (PW_EINVAL names a missing or
 * malformed one), then the page written. */
int pw_pipeline_report(const pw_pipeline_report_job *job, pw_error *err);

#endif
