/* pwpkg bundle --slim (cli/bundle_slim.c), private to cli/. */
#ifndef PW_CLI_BUNDLE_SLIM_H
#define PW_CLI_BUNDLE_SLIM_H

#include "bundle.h"
#include "cli.h"
#include "runtime_check.h"

struct cJSON;

typedef struct cli_slim {
    /* What the proof needs, set by the command. */
    const char *lock_path;
    const struct pw_lock *lock;
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
} cli_slim;

/* Reads and merges the traces; PW_EINVAL for a malformed trace or one of
 * another lock (exit 2). */
int cli_slim_load(cli_slim *s, const pw_strlist *trace_paths, const pw_strlist *keep,
                  const struct pw_lock *lock, pw_error *err);
/* Replays every traced run (entry, exercise) on the staged slim tree in
 * Pyodide; PW_ECHECK names the dropped file a failure needed. */
int cli_slim_prove(cli_slim *s, const char *staging, pw_error *err);
struct cJSON *cli_slim_json(const cli_slim *s, const pw_bundle_report *rep);
void cli_slim_print(const cli_context *ctx, const cli_slim *s, const pw_bundle_report *rep);
void cli_slim_free(cli_slim *s);

#endif
