/* The public batch API: what can be answered from the cache or the local
 * file system is answered here; the rest goes to the engine. */
#include "fetch_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void pw_fetch_request_free(pw_fetch_request *r)
{
    if (!r)
        return;
    pw_error_clear(&r->error);
    pw_buf_free(&r->body);
    free(r->path);
    free(r->filename);
    free(r->final_url);
    free(r->content_type);
    r->result = PW_OK;
    r->path = r->filename = r->final_url = r->content_type = NULL;
    r->sha256[0] = '\0';
    r->size = 0;
    r->http_status = 0;
    r->from_cache = false;
    r->attempts = 0;
    r->retry_wait_ms = 0;
}

void pw_fetch_xfer_done(xfer *x, int code)
{
    pw_fetch_request *r = x->req;
    pw_fetch_hash_settle(x);
    x->state = XFER_DONE;
    r->result = code;
    /* Flushed by now (finish_attempt); a batch of 200 must not keep 200. */
    free(x->wbuf);
    x->wbuf = NULL;
    x->wlen = 0;
    if (x->hashing) {
        unsigned char discard[PW_SHA256_LEN];
        pw_sha256_final_raw(&x->hash, discard);
        x->hashing = false;
    }
    pw_fetch_partial_release(x, false);
    if (code != PW_OK) {
        free(r->path);
        r->path = NULL;
        if (r->error.code == PW_OK)
            pw_error_set(&r->error, code, "%s: failed", x->redacted);
    } else {
        pw_error_clear(&r->error);
    }
}

static void xfer_free(xfer *x)
{
    pw_fetch_hash_settle(x);
    if (x->easy) {
        curl_multi_remove_handle(x->s->multi, x->easy);
        curl_easy_cleanup(x->easy);
    }
    curl_slist_free_all(x->headers);
    if (x->hashing) {
        unsigned char discard[PW_SHA256_LEN];
        pw_sha256_final_raw(&x->hash, discard);
    }
    pw_fetch_partial_release(x, false);
    free(x->url);
    free(x->redacted);
    free(x->label);
    free(x->expected);
    free(x->etag);
    free(x->last_modified);
    free(x->cache_path);
    pw_buf_free(&x->cached_body);
    free(x->cached_etag);
    free(x->cached_last_modified);
    free(x->cached_content_type);
    free(x->content_type);
    free(x->part_path);
    free(x->wbuf);
}

static void offline_miss(xfer *x)
{
    pw_fetch_xfer_done(x, pw_error_set(&x->req->error, PW_ENET,
                                       "offline: %s is not in the cache", x->redacted));
}

static void prepare_page(pw_fetch_session *s, xfer *x)
{
    pw_fetch_request *r = x->req;
    x->cache_path = pw_fetch_page_cache_path(s, x->redacted, r->accept);
    if (!s->opt.refresh || s->opt.offline)
        x->have_cached = pw_fetch_page_cache_load(x->cache_path, &x->cached_body, &x->cached_etag,
                                                  &x->cached_last_modified,
                                                  &x->cached_content_type, &x->cached_fresh);
    /* Inside the lifetime its server gave it (Cache-Control max-age), a
     * page is used without asking again, as a browser would. */
    if (!s->opt.offline && !(x->have_cached && x->cached_fresh))
        return;
    if (!x->have_cached) {
        offline_miss(x);
        return;
    }
    r->body = x->cached_body;
    pw_buf_init(&x->cached_body);
    r->content_type = x->cached_content_type;
    x->cached_content_type = NULL;
    if (!r->body.data)
        pw_buf_puts(&r->body, "");
    r->size = r->body.len;
    r->from_cache = true;
    pw_fetch_xfer_done(x, PW_OK);
}

static void prepare_artifact(pw_fetch_session *s, xfer *x)
{
    pw_fetch_request *r = x->req;
    char known[65];
    const char *sha = x->expected;
    if (!sha && s->opt.offline && pw_fetch_url_index_load(s, x->redacted, known))
        sha = known;
    /* A range request of this session got the whole file (the server
     * ignores Range): that body is the artifact, already in the store. */
    if (!sha && pw_fetch_whole_body(s, x->redacted, known))
        sha = known;
    if (sha) {
        bool found = false;
        int rc = pw_fetch_artifact_check(s, x, sha, &found);
        if (found) {
            pw_fetch_xfer_done(x, PW_OK);
            return;
        }
        if (rc != PW_OK) {
            if (s->opt.offline || rc != PW_EHASH) {
                pw_fetch_xfer_done(x, rc);
                return;
            }
            pw_report(PW_REPORT_WARN, "%s; downloading it again", pw_error_message(&r->error));
            pw_error_clear(&r->error);
        }
    }
    if (s->opt.offline)
        offline_miss(x);
}

static int check_expected(xfer *x)
{
    const char *e = x->req->expected_sha256;
    if (!e || !*e)
        return PW_OK;
    char *lower = pw_xstrdup(e);
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (!pw_is_sha256_hex(lower)) {
        free(lower);
        return pw_error_set(&x->req->error, PW_EINVAL,
                            "%s: expected sha256 \"%s\" is not 64 hexadecimal digits",
                            x->redacted, e);
    }
    x->expected = lower;
    return PW_OK;
}

static int run_batch(pw_fetch_session *s, pw_fetch_request *reqs, size_t n, enum xfer_kind kind,
                     pw_error *err)
{
    if (n == 0)
        return PW_OK;
    xfer *xs = pw_xcalloc(n, sizeof(*xs));
    for (size_t i = 0; i < n; i++) {
        pw_fetch_request *r = &reqs[i];
        xfer *x = &xs[i];
        pw_fetch_request_free(r);
        x->s = s;
        x->req = r;
        x->kind = kind;
        x->fd = -1;
        x->range_start = -1;
        x->max_age = -1;
        x->state = XFER_PENDING;
        x->redacted = pw_redact_url(r->url ? r->url : "");
        if (!r->url || !*r->url) {
            pw_fetch_xfer_done(x, pw_error_set(&r->error, PW_EINVAL, "request %zu has no URL", i));
            continue;
        }
        r->filename = pw_fetch_url_filename(r->url);
        r->final_url = pw_fetch_strip_userinfo(r->url);
        x->label = pw_xstrdup(r->filename);
        int rc = check_expected(x);
        if (rc != PW_OK) {
            pw_fetch_xfer_done(x, rc);
            continue;
        }
        if (pw_fetch_is_local(r->url)) {
            if (kind == XFER_PAGE) {
                pw_fetch_local_page(s, x);
            } else {
                bool found = false;
                if (x->expected && pw_fetch_artifact_check(s, x, x->expected, &found) != PW_OK)
                    pw_error_clear(&r->error); /* a damaged copy is replaced below */
                if (found)
                    pw_fetch_xfer_done(x, PW_OK);
                else
                    pw_fetch_local_artifact(s, x);
            }
            continue;
        }
        if (strncasecmp(r->url, "http://", 7) != 0 && strncasecmp(r->url, "https://", 8) != 0) {
            pw_fetch_xfer_done(x, pw_error_set(&r->error, PW_EUNSUPPORTED,
                                               "%s: only http, https and file URLs are supported",
                                               x->redacted));
            continue;
        }
        x->url = pw_fetch_url_with_credentials(s, r->url);
        if (kind == XFER_PAGE)
            prepare_page(s, x);
        else
            prepare_artifact(s, x);
    }
    pw_fetch_engine_run(s, xs, n);

    size_t failed = 0;
    int first = PW_OK;
    const char *first_msg = NULL;
    for (size_t i = 0; i < n; i++) {
        if (reqs[i].result == PW_OK)
            continue;
        if (failed++ == 0) {
            first = reqs[i].result;
            first_msg = pw_error_message(&reqs[i].error);
        }
    }
    if (failed == 1)
        pw_error_set(err, first, "%s", first_msg);
    else if (failed > 1)
        pw_error_set(err, first, "%zu of %zu %s failed; first: %s", failed, n,
                     kind == XFER_PAGE ? "pages" : "downloads", first_msg);
    for (size_t i = 0; i < n; i++)
        xfer_free(&xs[i]);
    free(xs);
    return first;
}

int pw_fetch_pages(pw_fetch_session *s, pw_fetch_request *reqs, size_t n, pw_error *err)
{
    return run_batch(s, reqs, n, XFER_PAGE, err);
}

int pw_fetch_artifacts(pw_fetch_session *s, pw_fetch_request *reqs, size_t n, pw_error *err)
{
    return run_batch(s, reqs, n, XFER_ARTIFACT, err);
}

int pw_fetch_page(pw_fetch_session *s, const char *url, const char *accept, pw_fetch_request *out,
                  pw_error *err)
{
    memset(out, 0, sizeof(*out));
    out->url = url;
    out->accept = accept;
    return run_batch(s, out, 1, XFER_PAGE, err);
}

int pw_fetch_artifact_sized(pw_fetch_session *s, const char *url, const char *expected_sha256,
                            int64_t expected_size, pw_fetch_request *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    out->url = url;
    out->expected_sha256 = expected_sha256;
    out->expected_size = expected_size;
    return run_batch(s, out, 1, XFER_ARTIFACT, err);
}

int pw_fetch_artifact(pw_fetch_session *s, const char *url, const char *expected_sha256,
                      pw_fetch_request *out, pw_error *err)
{
    return pw_fetch_artifact_sized(s, url, expected_sha256, 0, out, err);
}
