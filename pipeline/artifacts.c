/* The artifacts of a lock, fetched and checked against it: the step fetch,
 * bundle, verify and check share. */
#include "pipeline_private.h"

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
    if (build_git(p->url, p->git_commit, pw_fetch_session_cache_dir(s),
                  pw_fetch_session_offline(s), commit, &wheel, err)) {
        pw_error_wrap(err, "%s", p->name);
        return NULL;
    }
    pw_buf url = PW_BUF_INIT;
    pw_buf_printf(&url, "file://%s", wheel);
    free(wheel);
    return pw_buf_detach(&url);
}

/* Every artifact of `lock` (URLs relative to `lock_dir` allowed), verified
 * against the lock's sha256 and size, in one parallel batch. Git packages
 * come from the cache, else are rebuilt from their pinned commit and must
 * reproduce the locked sha256. `*out` gets one request per package,
 * parallel to lock->packages, even on failure (each with its own result). */
static int fetch_lock_artifacts(pw_fetch_session *s, const pw_lock *lock, const char *lock_dir,
                                pw_git_wheel_builder build_git, pw_fetch_request **out,
                                pw_error *err)
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
        rc = fetch_lock_artifacts(out->session, lock, lock_dir, pw_bundle_git_wheel,
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

int pw_pipeline_fetch(const char *lock_path, const pw_transfer_options *t,
                      pw_pipeline_fetch_outcome *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    int rc = pw_lock_load(lock_path, &out->lock, err);
    if (rc)
        return rc;
    out->loaded = true;
    return pw_pipeline_fetch_lock(&out->lock, lock_path, t, true, &out->artifacts, err);
}

void pw_pipeline_fetch_outcome_free(pw_pipeline_fetch_outcome *out)
{
    pw_locked_artifacts_free(&out->artifacts);
    if (out->loaded)
        pw_lock_free(&out->lock);
    memset(out, 0, sizeof(*out));
}
