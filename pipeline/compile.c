/* bundle --compile: .pyc files written by the lock's own Pyodide, so that
 * their magic number is the one the runtime accepts. */
#include "pipeline_private.h"

#include <stdlib.h>
#include <string.h>

int pw_pipeline_compile_tree(const pw_lock *lock, const char *dir, const char *runtime_dir,
                             const pw_transfer_options *t, char **runtime_used, pw_error *err)
{
    char *cache = pw_pipeline_cache_dir(t);
    char *runtime = NULL;
    int rc = pw_check_runtime_for_lock(lock, cache, runtime_dir, false, &runtime, err);
    if (rc == PW_OK) {
        pw_check_options o;
        memset(&o, 0, sizeof(o));
        o.runtime_dir = runtime;
        rc = pw_check_compile_tree(&o, dir, err);
    }
    if (runtime_used)
        *runtime_used = runtime;
    else
        free(runtime);
    free(cache);
    return rc;
}
