/* Where a directory bundle's manifest lives (bundle.h, docs/bundle.md). */
#include "bundle.h"

#include <stdlib.h>
#include <string.h>

char *pw_bundle_manifest_path(const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    pw_buf b = PW_BUF_INIT;
    pw_buf_append(&b, dir, n);
    pw_buf_puts(&b, "." PW_BUNDLE_MANIFEST);
    return pw_buf_detach(&b);
}

int pw_bundle_manifest_find(const char *dir, char **path, bool *legacy, pw_error *err)
{
    *path = pw_bundle_manifest_path(dir);
    *legacy = false;
    if (pw_file_exists(*path))
        return PW_OK;
    char *inside = pw_path_join(dir, PW_BUNDLE_MANIFEST);
    if (pw_file_exists(inside)) {
        free(*path);
        *path = inside;
        *legacy = true;
        return PW_OK;
    }
    int rc = pw_error_set(err, PW_ENOTFOUND, "%s: no bundle manifest (%s, or %s of an older pwpkg)",
                          dir, *path, inside);
    free(inside);
    free(*path);
    *path = NULL;
    return rc;
}
