/* The artifacts of a lock, fetched in one parallel batch. */
#include "fetch_internal.h"
#include "lockfile.h"

#include <stdlib.h>
#include <string.h>

/* Lock URLs are absolute, or paths relative to the lock's directory. */
static char *artifact_location(const char *lock_dir, const char *url)
{
    if (strstr(url, "://") || url[0] == '/')
        return pw_xstrdup(url);
    return pw_path_join(lock_dir, url);
}

/* A git package: the cache's copy, else the wheel rebuilt from its commit. */
static char *git_artifact_location(pw_fetch_session *s, const pw_lock_package *p,
                                   pw_git_wheel_builder build_git, pw_error *err)
{
    char *cached = NULL;
    if (pw_fetch_cache_verify(s, p->sha256, &cached, NULL) == PW_OK) {
        pw_buf url = PW_BUF_INIT;
        pw_buf_printf(&url, "file://%s", cached);
        free(cached);
        return pw_buf_detach(&url);
    }
    free(cached);
    if (!build_git) {
        pw_error_set(err, PW_EUNSUPPORTED, "%s: git packages need a wheel builder", p->name);
        return NULL;
    }
    char commit[41];
    char *wheel = NULL;
    if (build_git(p->url, p->git_commit, s->cache_dir, s->opt.offline, commit, &wheel, err)) {
        pw_error_wrap(err, "%s", p->name);
        return NULL;
    }
    pw_buf url = PW_BUF_INIT;
    pw_buf_printf(&url, "file://%s", wheel);
    free(wheel);
    return pw_buf_detach(&url);
}

int pw_fetch_lock_artifacts(pw_fetch_session *s, const pw_lock *lock, const char *lock_dir,
                            pw_git_wheel_builder build_git, pw_fetch_request **out, pw_error *err)
{
    size_t n = lock->n_packages;
    pw_fetch_request *reqs = pw_xcalloc(n + 1, sizeof(*reqs));
    char **urls = pw_xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        const pw_lock_package *p = &lock->packages[i];
        if (strncmp(p->url, "git+", 4) == 0) {
            urls[i] = git_artifact_location(s, p, build_git, err);
            if (!urls[i]) {
                for (size_t k = 0; k < i; k++)
                    free(urls[k]);
                free(urls);
                *out = reqs;
                return err->code;
            }
        } else {
            urls[i] = artifact_location(lock_dir, p->url);
        }
        reqs[i].url = urls[i];
        reqs[i].expected_sha256 = p->sha256;
        reqs[i].expected_size = p->size;
    }
    int rc = n ? pw_fetch_artifacts(s, reqs, n, err) : PW_OK;
    /* The URLs were only borrowed for the transfer. */
    for (size_t i = 0; i < n; i++)
        reqs[i].url = NULL;
    for (size_t i = 0; i < n; i++)
        free(urls[i]);
    free(urls);
    *out = reqs;
    return rc;
}

void pw_fetch_requests_free(pw_fetch_request *reqs, size_t n)
{
    for (size_t i = 0; reqs && i < n; i++)
        pw_fetch_request_free(&reqs[i]);
    free(reqs);
}

int pw_fetch_cache_verify(pw_fetch_session *s, const char *sha256, char **path_out,
                          pw_error *err)
{
    char *path = pw_fetch_artifact_path(s, sha256);
    if (path_out)
        *path_out = NULL;
    if (!pw_file_exists(path)) {
        free(path);
        return PW_ENOTFOUND;
    }
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
