/* The artifacts of a lock, fetched and checked against it: the step fetch,
 * bundle, verify and check share. */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

char *pw_pipeline_cache_dir(const pw_transfer_options *t)
{
    if (t->cache_dir)
        return pw_xstrdup(t->cache_dir);
    char *dir = pw_fetch_default_cache_dir();
    return dir ? dir : pw_xstrdup(".pwpkg-cache");
}

int pw_pipeline_fetch_lock(const pw_lock *lock, const char *lock_path,
                           const pw_transfer_options *t, bool check_installed,
                           pw_locked_artifacts *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    char *lock_dir = pw_path_dirname(lock_path);
    int rc = pw_fetch_session_open(t, &out->session, err);
    if (rc == PW_OK)
        rc = pw_fetch_lock_artifacts(out->session, lock, lock_dir, pw_bundle_git_wheel,
                                     &out->requests, err);
    free(lock_dir);
    if (out->requests)
        out->n = lock->n_packages;
    out->paths = pw_xcalloc(out->n + 1, sizeof(char *));
    for (size_t i = 0; i < out->n; i++) {
        out->paths[i] = out->requests[i].path;
        if (out->requests[i].result != PW_OK)
            continue;
        out->bytes += out->requests[i].size;
        if (out->requests[i].from_cache)
            out->from_cache++;
        else
            out->downloaded += out->requests[i].size;
    }
    if (rc == PW_OK && check_installed)
        rc = pw_bundle_check_installed(lock, out->paths, err);
    return rc;
}

void pw_locked_artifacts_free(pw_locked_artifacts *a)
{
    free(a->paths);
    pw_fetch_requests_free(a->requests, a->n);
    pw_fetch_session_free(a->session);
    memset(a, 0, sizeof(*a));
}
