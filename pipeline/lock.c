/* pwpkg lock (and add/remove/outdated): the inputs resolved, then the lock
 * written (only when its bytes change), compared with the one on disk, or
 * handed back. */
#include "pipeline_private.h"
#include "resolver.h"

#include <string.h>

int pw_pipeline_lock(const struct pw_resolve_request *request, pw_pipeline_lock_mode mode,
                     pw_pipeline_lock_outcome *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    int rc = pw_resolver_lock(request, &out->lock, err);
    if (rc)
        return rc;
    out->resolved = true;
    if (mode == PW_PIPELINE_LOCK_WRITE)
        return pw_lock_save(request->lock_path, &out->lock, &out->changed, err);
    if (mode == PW_PIPELINE_LOCK_CHECK) {
        out->compared = true;
        return pw_resolver_compare(request->lock_path, &out->lock, &out->diff, err);
    }
    return PW_OK;
}

void pw_pipeline_lock_outcome_free(pw_pipeline_lock_outcome *out)
{
    if (out->resolved)
        pw_lock_free(&out->lock);
    if (out->compared)
        pw_lock_diff_free(&out->diff);
    memset(out, 0, sizeof(*out));
}
