/* A trace of `pwpkg check --trace` (docs/check.md, "Tracing what is
 * used"), read for the report's slimming estimate. */
#include "report_private.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

int pw_report_trace_parse(const char *path, const char *text, size_t len, pw_report_trace *out,
                          pw_error *err)
{
    memset(out, 0, sizeof *out);
    cJSON *root = NULL;
    int rc = pw_json_parse(path, text, len, &root, err);
    if (rc != PW_OK)
        return rc;
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "trace_version");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
    const cJSON *lock = cJSON_GetObjectItemCaseSensitive(root, "lock");
    const cJSON *digest = cJSON_GetObjectItemCaseSensitive(lock, "digest");
    if (!cJSON_IsNumber(version))
        rc = pw_error_set(err, PW_EINVAL,
                          "%s: expected a trace (trace_version), as written by `pwpkg check "
                          "--trace`",
                          path);
    else if (version->valuedouble != 1)
        rc = pw_error_set(err, PW_EINVAL, "%s: trace_version %g: this pwpkg reads version 1",
                          path, version->valuedouble);
    else if (!cJSON_IsArray(files))
        rc = pw_error_set(err, PW_EINVAL, "%s: files: expected an array of paths", path);
    else if (digest && !cJSON_IsString(digest))
        rc = pw_error_set(err, PW_EINVAL, "%s: lock.digest: expected a string", path);
    size_t i = 0;
    const cJSON *f, *list = rc == PW_OK ? files : NULL;
    cJSON_ArrayForEach(f, list) {
        if (!cJSON_IsString(f)) {
            rc = pw_error_set(err, PW_EINVAL, "%s: files[%zu]: expected a path", path, i);
            break;
        }
        pw_strlist_push(&out->files, f->valuestring);
        i++;
    }
    if (rc == PW_OK && cJSON_IsString(digest))
        out->lock_digest = pw_xstrdup(digest->valuestring);
    cJSON_Delete(root);
    if (rc != PW_OK)
        pw_report_trace_free(out);
    else
        pw_strlist_sort_unique(&out->files);
    return rc;
}

void pw_report_trace_free(pw_report_trace *t)
{
    pw_strlist_free(&t->files);
    free(t->lock_digest);
    memset(t, 0, sizeof *t);
}
