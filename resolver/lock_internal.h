/* Private to resolver/: the state of one `pwpkg lock` run. */
#ifndef PW_LOCK_INTERNAL_H
#define PW_LOCK_INTERNAL_H

#include "resolver.h"

typedef struct pw_lock_context {
    const pw_lock_request *request;
    char *lock_dir;                  /* input paths in the lock are relative to it */
    char *requirements_display;
    pw_reqfile reqfile;
    const pw_release_info *release;  /* NULL for a release pwpkg does not know */
    char *release_version;
    char *selected_by;
    pw_pyodide_index index;
    char *index_url;                 /* as recorded in the lock */
    char *artifact_base;             /* file_name in the index is relative to it */
    pw_marker_env env;
    pw_lock previous;                /* the lock already at lock_path: its pins are kept */
    bool has_previous;
    /* `request` with the previous lock's recorded options applied: the
     * lists and strings it points at live here */
    pw_lock_request effective;
    pw_strlist effective_lists[6];
    pw_strlist effective_strings;
} pw_lock_context;

/* Finds, reads and checks the release's pyodide-lock.json (release_index.c). */
int pw_lock_load_release_index(pw_lock_context *ctx, pw_error *err);
/* Resolves the requirements over the release and the indexes (index_resolve.c). */
int pw_lock_resolve(pw_lock_context *ctx, pw_lock *out, pw_error *err);
/* Applies the previous lock's recorded options to what was not given;
 * ctx->request then points at the result (recorded_options.c). */
int pw_lock_apply_recorded(pw_lock_context *ctx, pw_error *err);
/* The options to record in the lock, from ctx->request. */
void pw_lock_record_options(const pw_lock_context *ctx, pw_lock_options *out);
void pw_lock_recorded_free(pw_lock_context *ctx);
/* `path` relative to `base_dir` when both exist, else `path` unchanged. */
char *pw_lock_relative_path(const char *base_dir, const char *path);

#endif
