/* Private to resolver/: the state of one `pwpkg lock` run. */
#ifndef PW_RESOLVE_CONTEXT_H
#define PW_RESOLVE_CONTEXT_H

#include "resolver.h"

/* Where the artifacts of the release index come from (artifact_location.c). */
typedef struct pw_artifact_locations {
    char *local_dir;       /* the index's folder on disk; NULL when it is a URL or none */
    char *local_url;       /* the index's folder as a URL ("http://h/app/pyodide/"), or NULL */
    char *local_base;      /* the same as the lock records it (relative path or URL), or
                            * NULL when nothing is taken from beside the index */
    char *local_display;   /* for messages: "public/pyodide" */
    char *remote_base;     /* everything else: the CDN folder, or --pyodide-base-url */
    char *remote_display;  /* "the CDN", or the base URL */
    size_t n_local, n_remote;
    pw_strlist not_local;  /* refused under --no-remote-artifacts / --offline */
    pw_strlist probed;     /* URLs beside a remote index asked in one batch ... */
    int *probe_results;    /* ... and pw_fetch_probe's answer for each */
} pw_artifact_locations;

typedef struct pw_resolve_context {
    const pw_resolve_request *request;
    char *lock_dir;                  /* input paths in the lock are relative to it */
    char *requirements_display;
    pw_reqfile reqfile;
    const pw_release_info *release;  /* NULL for a release pwpkg does not know */
    char *release_version;
    char *selected_by;
    pw_pyodide_index index;
    char *index_url;                 /* as recorded in the lock */
    pw_artifact_locations artifacts;
    pw_marker_env env;
    pw_lock previous;                /* the lock already at lock_path: its pins are kept */
    bool has_previous;
    /* `request` with the previous lock's recorded options applied: the
     * lists and strings it points at live here */
    pw_resolve_request effective;
    pw_strlist effective_lists[6];
    pw_strlist effective_strings;
} pw_resolve_context;

/* Finds, reads and checks the release's pyodide-lock.json (release_index.c). */
int pw_resolve_load_release_index(pw_resolve_context *ctx, pw_error *err);
/* The URL (or path relative to the lock) of one artifact of the release
 * index, chosen per artifact; refuses file_names that leave the index's
 * folder and local files whose sha256 differs from the index. */
int pw_resolve_locate_artifact(pw_resolve_context *ctx, pw_fetch_session *session,
                            const pw_pyodide_package *src, char **url_out, pw_error *err);
/* Asks a remote index's folder for the artifacts of `pkgs` at once, so
 * that pw_resolve_locate_artifact need not ask them one by one. */
void pw_resolve_probe_artifacts(pw_resolve_context *ctx, pw_fetch_session *session,
                             const pw_pyodide_package *const *pkgs, size_t n);
/* Reports the split ("22 artifacts from public/pyodide, 354 from the CDN")
 * and refuses what --no-remote-artifacts or --offline do not allow. */
int pw_resolve_finish_locations(pw_resolve_context *ctx, pw_error *err);
void pw_artifact_locations_free(pw_artifact_locations *loc);
/* Resolves the requirements over the release and the indexes (index_resolve.c). */
int pw_resolve_requirements(pw_resolve_context *ctx, pw_lock *out, pw_error *err);
/* Applies the previous lock's recorded options to what was not given;
 * ctx->request then points at the result (recorded_options.c). */
int pw_resolve_apply_recorded(pw_resolve_context *ctx, pw_error *err);
/* The options to record in the lock, from ctx->request. */
void pw_resolve_record_options(const pw_resolve_context *ctx, pw_lock_options *out);
void pw_resolve_recorded_free(pw_resolve_context *ctx);
/* `path` relative to `base_dir` when both exist, else `path` unchanged. */
char *pw_resolve_relative_path(const char *base_dir, const char *path);

#endif
