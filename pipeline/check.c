/* The check of a bundle in the lock's own Pyodide: the step check, verify
 * --check-runtime and the slim proof share. */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

int pw_pipeline_check(const pw_lock *lock, const char *bundle, const pw_transfer_options *t,
                      const char *runtime_dir, bool install, pw_check_options *o,
                      pw_check_report *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    char *cache = pw_pipeline_cache_dir(t), *runtime = NULL;
    pw_strlist modules = PW_STRLIST_INIT;
    int rc = pw_check_runtime_for_lock(lock, cache, runtime_dir, install, &runtime, err);
    if (rc == PW_OK) {
        pw_check_modules_for_lock(lock, bundle, &modules);
        o->runtime_dir = runtime;
        o->bundle_dir = bundle;
        o->modules = &modules;
        rc = pw_check_run(o, out, err);
        o->runtime_dir = NULL;
        o->modules = NULL;
    }
    pw_strlist_free(&modules);
    free(runtime);
    free(cache);
    return rc;
}
