/* Requests of a batch freed, and the cache's copy of an artifact checked. */
#include "fetch_internal.h"

#include <stdlib.h>
#include <string.h>

void pw_fetch_requests_free(pw_fetch_request *reqs, size_t n)
{
    for (size_t i = 0; reqs && i < n; i++)
        pw_fetch_request_free(&reqs[i]);
    free(reqs);
}

int pw_fetch_cache_verify(pw_fetch_session *s, const char *sha256, char **path_out,
                          pw_error *err)
{
    char *path = pw_fetch_artifact_find(s, sha256);
    if (path_out)
        *path_out = NULL;
    if (!path)
        return PW_ENOTFOUND;
    char hex[PW_SHA256_HEX_LEN + 1];
    int rc = pw_sha256_file_hex(path, hex, NULL, err);
    if (rc == PW_OK && strcmp(hex, sha256) != 0)
        rc = pw_error_set(err, PW_EHASH, "%s: sha256 mismatch: expected %s, actual %s", path,
                          sha256, hex);
    if (path_out)
        *path_out = path;
    else
        free(path);
    return rc;
}
