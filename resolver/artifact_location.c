/*
 * Where each artifact of a release index comes from.
 *
 * A self-hosted Pyodide (an app's vendored pyodide/ folder, or one served
 * by its own web server) holds its pyodide-lock.json and only the artifacts
 * the app uses; the rest live on the release's CDN. So the choice is made
 * per artifact: beside the index when the file is there (a folder: stat; a
 * URL: a one-byte range request), else from the release's base URL. A file
 * found beside the index must have the index's sha256: a different file is
 * refused, never replaced by the CDN's.
 */
#include "fetch.h"
#include "resolve_context.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_http_url(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

/* "https://host:port/" of an http(s) URL, lowercased scheme and host. */
static char *url_origin(const char *url)
{
    const char *host = strstr(url, "://");
    if (!host)
        return NULL;
    host += 3;
    size_t n = (size_t)(host - url) + strcspn(host, "/?#");
    char *o = pw_xstrndup(url, n);
    for (char *p = o; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    /* user:pass@ is never part of what is compared */
    char *at = strchr(o + (host - url), '@');
    if (at)
        memmove(o + (host - url), at + 1, strlen(at + 1) + 1);
    return o;
}

/* pyodide-lock 0.2.0: file_name is a path relative to the lock, or a URL.
 * A path that climbs out of the index's folder, or is absolute, points at
 * something the index's publisher does not control. */
static int check_file_name(const pw_pyodide_package *src, pw_error *err)
{
    const char *f = src->file_name;
    if (strstr(f, "://")) {
        if (!is_http_url(f))
            return pw_error_set(err, PW_EINVAL,
                                "file_name '%s' in the release index is a URL that is not "
                                "http or https",
                                f);
        return PW_OK;
    }
    if (f[0] == '/' || f[0] == '\\')
        return pw_error_set(err, PW_EINVAL,
                            "file_name '%s' in the release index is an absolute path; "
                            "expected a path relative to the index, or a URL",
                            f);
    /* %2e%2e and %2f reach a server as ".." and "/" once it decodes them. */
    bool encoded = strcasestr(f, "%2e") || strcasestr(f, "%2f") || strcasestr(f, "%5c");
    if (!*f || strchr(f, '\\') || strchr(f, '?') || strchr(f, '#') || encoded)
        return pw_error_set(err, PW_EINVAL,
                            "file_name '%s' in the release index is not a plain relative path",
                            f);
    for (const char *seg = f; *seg;) {
        size_t n = strcspn(seg, "/");
        if ((n == 2 && seg[0] == '.' && seg[1] == '.') || n == 0)
            return pw_error_set(err, PW_EINVAL,
                                "file_name '%s' in the release index leaves the index's "
                                "folder ('..' or an empty segment)",
                                f);
        seg += n;
        if (*seg == '/')
            seg++;
    }
    return PW_OK;
}

/* Is the artifact beside a remote index? A one-byte range request: 206 (or
 * a 200 from a server that ignores Range) says yes, 404 says no, anything
 * else is an error, since guessing would put a wrong source in the lock. */
static int probe_remote(pw_fetch_session *session, const char *url, bool *present, pw_error *err)
{
    pw_buf byte = PW_BUF_INIT;
    uint64_t total = 0;
    int rc = pw_fetch_range(session, url, 0, 1, &byte, &total, err);
    pw_buf_free(&byte);
    *present = rc == PW_OK || rc == PW_EUNSUPPORTED || rc == PW_EINVAL;
    if (rc == PW_OK || rc == PW_EUNSUPPORTED || rc == PW_EINVAL || rc == PW_ENOTFOUND) {
        pw_error_clear(err);
        return PW_OK;
    }
    return rc;
}

static void note_remote(pw_resolve_context *ctx, const pw_pyodide_package *src, const char *why)
{
    pw_buf line = PW_BUF_INIT;
    pw_buf_printf(&line, "%s (%s)%s%s", src->name, src->file_name, why ? ": " : "",
                  why ? why : "");
    pw_strlist_push(&ctx->artifacts.not_local, line.data);
    pw_buf_free(&line);
}

int pw_resolve_locate_artifact(pw_resolve_context *ctx, pw_fetch_session *session,
                            const pw_pyodide_package *src, char **url_out, pw_error *err)
{
    pw_artifact_locations *loc = &ctx->artifacts;
    *url_out = NULL;
    int rc = check_file_name(src, err);
    if (rc)
        return rc;
    if (strstr(src->file_name, "://")) {
        char *url = pw_url_strip_credentials(src->file_name);
        bool beside = false;
        if (loc->local_url) {
            char *a = url_origin(url), *b = url_origin(loc->local_url);
            beside = a && b && strcmp(a, b) == 0;
            free(a);
            free(b);
        }
        if (beside) {
            loc->n_local++;
        } else {
            loc->n_remote++;
            if (ctx->request->no_remote_artifacts)
                note_remote(ctx, src, "an absolute URL on another host than the index");
        }
        *url_out = url;
        return PW_OK;
    }
    bool present = false;
    if (loc->local_dir) {
        char *path = pw_path_join(loc->local_dir, src->file_name);
        present = pw_file_exists(path);
        if (present) {
            char hex[PW_SHA256_HEX_LEN + 1];
            rc = pw_sha256_file_hex(path, hex, NULL, err);
            if (rc == PW_OK && strcasecmp(hex, src->sha256) != 0)
                rc = pw_error_set(err, PW_EHASH,
                                  "%s has sha256 %s, but the release index says %s; the "
                                  "file beside the index is refused (it is not replaced by "
                                  "another copy)",
                                  path, hex, src->sha256);
        }
        free(path);
        if (rc)
            return rc;
    } else if (loc->local_url) {
        pw_buf url = PW_BUF_INIT;
        pw_buf_printf(&url, "%s%s", loc->local_url, src->file_name);
        const pw_lock_package *prev =
            ctx->has_previous ? pw_lock_find(&ctx->previous, src->key) : NULL;
        if (ctx->request->transfer.offline && prev && prev->url && prev->sha256 &&
            strcmp(prev->sha256, src->sha256) == 0) {
            /* The same artifact as in the existing lock: where it was found
             * then is where it is. */
            pw_buf_free(&url);
            bool beside = strncmp(prev->url, loc->local_base, strlen(loc->local_base)) == 0;
            if (beside)
                loc->n_local++;
            else
                loc->n_remote++;
            if (!beside && ctx->request->no_remote_artifacts)
                note_remote(ctx, src, NULL);
            *url_out = pw_xstrdup(prev->url);
            return PW_OK;
        }
        if (ctx->request->transfer.offline) {
            /* Offline, a remote folder cannot be asked: the lock would
             * guess, so the artifact is listed and the lock refused. */
            note_remote(ctx, src, "offline, whether it is beside the index cannot be checked");
            pw_buf_free(&url);
            loc->n_remote++;
            pw_buf remote = PW_BUF_INIT;
            pw_buf_printf(&remote, "%s%s", loc->remote_base, src->file_name);
            *url_out = pw_buf_detach(&remote);
            return PW_OK;
        }
        int known = PW_ENET;
        for (size_t i = 0; i < loc->probed.len; i++)
            if (strcmp(loc->probed.items[i], url.data) == 0)
                known = loc->probe_results[i];
        if (known == PW_OK || known == PW_ENOTFOUND)
            present = known == PW_OK;
        else
            rc = probe_remote(session, url.data, &present, err);
        pw_buf_free(&url);
        if (rc)
            return pw_error_wrap(err, "is its artifact beside the index?");
    }
    pw_buf url = PW_BUF_INIT;
    if (present) {
        pw_buf_printf(&url, "%s%s", loc->local_base, src->file_name);
        loc->n_local++;
    } else {
        pw_buf_printf(&url, "%s%s", loc->remote_base, src->file_name);
        loc->n_remote++;
        if (ctx->request->no_remote_artifacts)
            note_remote(ctx, src, NULL);
    }
    *url_out = pw_buf_detach(&url);
    return PW_OK;
}

void pw_resolve_probe_artifacts(pw_resolve_context *ctx, pw_fetch_session *session,
                             const pw_pyodide_package *const *pkgs, size_t n)
{
    pw_artifact_locations *loc = &ctx->artifacts;
    if (!loc->local_url || ctx->request->transfer.offline)
        return;
    for (size_t i = 0; i < n; i++) {
        /* A file_name that leaves the folder is refused later; never ask
         * the server for it. */
        pw_error unsafe = {0};
        bool refused = check_file_name(pkgs[i], &unsafe) != PW_OK;
        pw_error_clear(&unsafe);
        if (refused || strstr(pkgs[i]->file_name, "://"))
            continue;
        pw_buf url = PW_BUF_INIT;
        pw_buf_printf(&url, "%s%s", loc->local_url, pkgs[i]->file_name);
        pw_strlist_push(&loc->probed, url.data);
        pw_buf_free(&url);
    }
    loc->probe_results = pw_xcalloc(loc->probed.len ? loc->probed.len : 1, sizeof(int));
    pw_fetch_probe(session, (const char *const *)loc->probed.items, loc->probed.len,
                   loc->probe_results);
}

int pw_resolve_finish_locations(pw_resolve_context *ctx, pw_error *err)
{
    pw_artifact_locations *loc = &ctx->artifacts;
    size_t total = loc->n_local + loc->n_remote;
    /* An index folder with no artifact at all (the npm package's) is the
     * common case and not worth a line. */
    if (loc->local_base && total)
        pw_report(loc->n_local ? PW_REPORT_INFO : PW_REPORT_DEBUG, "%zu artifact%s from %s, %zu from %s", loc->n_local,
                  loc->n_local == 1 ? "" : "s", loc->local_display, loc->n_remote,
                  loc->remote_display);
    if (!loc->not_local.len)
        return PW_OK;
    pw_buf list = PW_BUF_INIT;
    for (size_t i = 0; i < loc->not_local.len; i++)
        pw_buf_printf(&list, "\n  %s", loc->not_local.items[i]);
    int rc = pw_error_set(err, PW_EINVAL,
                          "%s: %zu artifact%s not beside the release index %s:%s",
                          ctx->request->no_remote_artifacts ? "--no-remote-artifacts"
                                                            : "--offline",
                          loc->not_local.len, loc->not_local.len == 1 ? " is" : "s are",
                          loc->local_display ? loc->local_display : "(none given)", list.data);
    pw_buf_free(&list);
    return rc;
}

void pw_artifact_locations_free(pw_artifact_locations *loc)
{
    free(loc->local_dir);
    free(loc->local_url);
    free(loc->local_base);
    free(loc->local_display);
    free(loc->remote_base);
    free(loc->remote_display);
    pw_strlist_free(&loc->not_local);
    pw_strlist_free(&loc->probed);
    free(loc->probe_results);
    memset(loc, 0, sizeof(*loc));
}
