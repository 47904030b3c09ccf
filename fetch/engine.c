/* The transfer loop: one curl multi handle, at most `jobs` transfers in
 * flight, retries scheduled with exponential backoff or Retry-After. */
#include "fetch_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------- callbacks */

static void reset_hash(xfer *x)
{
    pw_fetch_hash_settle(x);
    x->hash_failed = false;
    if (x->hashing) {
        unsigned char discard[PW_SHA256_LEN];
        pw_sha256_final_raw(&x->hash, discard);
    }
    pw_sha256_init(&x->hash);
    x->hashing = true;
}

/* Writes what the buffer holds; false (and io_failed) when it cannot. */
static bool flush_body(xfer *x)
{
    for (size_t done = 0; done < x->wlen;) {
        ssize_t n = pwrite(x->fd, x->wbuf + done, x->wlen - done, (off_t)(x->wat + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            x->io_failed = true;
            x->wlen = 0;
            return false;
        }
        done += (size_t)n;
    }
    pw_fetch_hash_written(x, x->wbuf, x->wat, x->wlen);
    x->wat += x->wlen;
    x->wlen = 0;
    return true;
}

/* Drops the partial file's content: the server sent the whole body again,
 * or the partial cannot be trusted. */
static void restart_partial(xfer *x)
{
    pw_fetch_hash_settle(x); /* before the hasher's bytes go */
    x->wlen = 0;
    if (x->fd >= 0 && ftruncate(x->fd, 0) != 0)
        x->io_failed = true;
    reset_hash(x);
    x->offset = 0;
    x->written = 0;
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *ud)
{
    xfer *x = ud;
    size_t len = size * nitems;
    pw_slice line = pw_slice_trim(pw_slice_make(buf, len));
    /* Each response (redirects, 1xx) starts with a status line; only the
     * headers of the last one describe the body. */
    if (pw_slice_starts_with(line, "HTTP/")) {
        free(x->etag);
        free(x->last_modified);
        free(x->content_type);
        x->etag = x->last_modified = x->content_type = NULL;
        x->range_start = -1;
        x->max_age = -1;
        return len;
    }
    long colon = pw_slice_find_char(line, ':');
    if (colon <= 0)
        return len;
    pw_slice name = pw_slice_trim(pw_slice_make(line.ptr, (size_t)colon));
    pw_slice value = pw_slice_trim(pw_slice_make(line.ptr + colon + 1, line.len - (size_t)colon - 1));
    if (pw_slice_eq_icase_cstr(name, "etag")) {
        free(x->etag);
        x->etag = pw_xstrndup(value.ptr, value.len);
    } else if (pw_slice_eq_icase_cstr(name, "content-type")) {
        free(x->content_type);
        x->content_type = pw_xstrndup(value.ptr, value.len);
    } else if (pw_slice_eq_icase_cstr(name, "cache-control")) {
        char *v = pw_xstrndup(value.ptr, value.len);
        x->max_age = pw_fetch_parse_max_age(v);
        free(v);
    } else if (pw_slice_eq_icase_cstr(name, "last-modified")) {
        free(x->last_modified);
        x->last_modified = pw_xstrndup(value.ptr, value.len);
    } else if (pw_slice_eq_icase_cstr(name, "content-range") &&
               pw_slice_starts_with(value, "bytes ")) {
        /* RFC 9110 14.4: Content-Range: bytes first-last/complete */
        char *v = pw_xstrndup(value.ptr + 6, value.len - 6);
        char *end = NULL;
        long long first = strtoll(v, &end, 10);
        x->range_start = end != v && *end == '-' && first >= 0 ? first : -1;
        free(v);
    }
    return len;
}

/* Decides, at the first body byte, where this response's body goes. */
static bool begin_artifact_body(xfer *x)
{
    long code = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    x->sink_file = false;
    if (code == 206) {
        if (x->offset == 0 || x->range_start != (int64_t)x->offset) {
            x->range_mismatch = true;
            return false;
        }
        x->sink_file = true;
    } else if (code == 200) {
        /* RFC 9110 14.2: a server may ignore Range and send everything. */
        if (x->offset > 0)
            restart_partial(x);
        x->sink_file = true;
    }
    return true;
}

static size_t on_body(char *data, size_t size, size_t nitems, void *ud)
{
    xfer *x = ud;
    size_t len = size * nitems;
    pw_fetch_request *r = x->req;
    if (x->kind == XFER_PAGE) {
        long code = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
        if (code != 200)
            return len;
        if ((uint64_t)r->body.len + len > x->s->opt.max_page_size) {
            x->too_big = true;
            return 0;
        }
        pw_buf_append(&r->body, data, len);
        return len;
    }
    if (!x->body_started) {
        x->body_started = true;
        if (!begin_artifact_body(x))
            return 0;
    }
    if (!x->sink_file)
        return len;
    uint64_t at = x->offset + x->written;
    if (r->expected_size > 0 && at + len > (uint64_t)r->expected_size) {
        x->size_exceeded = true;
        return 0;
    }
    /* Nobody declared a size: an endless body still ends, at the cap. */
    if (r->expected_size <= 0 && x->s->opt.max_artifact_size &&
        at + len > x->s->opt.max_artifact_size) {
        x->over_cap = true;
        return 0;
    }
    if (x->wlen == 0)
        x->wat = at;
    if (x->wlen + len > PW_FETCH_WRITE_BUF && !flush_body(x))
        return 0;
    if (x->wlen == 0)
        x->wat = at;
    if (!x->wbuf)
        x->wbuf = pw_xmalloc(PW_FETCH_WRITE_BUF);
    if (len > PW_FETCH_WRITE_BUF) {
        for (size_t done = 0; done < len;) {
            ssize_t n = pwrite(x->fd, data + done, len - done, (off_t)(at + done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                x->io_failed = true;
                return 0;
            }
            done += (size_t)n;
        }
        pw_fetch_hash_written(x, data, at, len);
    } else {
        /* Hashed when it is written (flush_body). */
        memcpy(x->wbuf + x->wlen, data, len);
        x->wlen += len;
    }
    x->written += len;
    return len;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    xfer *x = ud;
    uint64_t done = x->offset + (uint64_t)(dlnow > 0 ? dlnow : 0);
    uint64_t total = dltotal > 0 ? x->offset + (uint64_t)dltotal
                     : x->req->expected_size > 0 ? (uint64_t)x->req->expected_size
                                                 : 0;
    if (done != x->last_progress) {
        x->last_progress = done;
        pw_report_progress(x->label, done, total);
    }
    return 0;
}

/* ------------------------------------------------------------- attempts */

/* Re-hashes the bytes already in the partial file, so that the digest of a
 * resumed download covers the whole file. Returns false when it cannot be
 * read (then it is emptied and the download starts over). */
static bool rehash_partial(xfer *x, uint64_t size)
{
    char chunk[65536];
    return pw_fetch_hash_file_range(x, 0, size, chunk, sizeof(chunk));
}

enum start_result { STARTED, WAITING, FINISHED };

static enum start_result start_attempt(pw_fetch_session *s, xfer *x)
{
    pw_fetch_request *r = x->req;
    if (x->kind == XFER_ARTIFACT) {
        bool had_lock = x->fd >= 0;
        int rc = pw_fetch_partial_lock(s, x, &r->error);
        if (rc == 1) {
            /* Another process is downloading the same file: wait for it,
             * then take its result from the store or resume its partial. */
            x->ready_at = pw_fetch_now_ms() + 50;
            return WAITING;
        }
        if (rc < 0) {
            pw_fetch_xfer_done(x, rc);
            return FINISHED;
        }
        if (!had_lock && x->expected) {
            /* Another process may have stored it meanwhile (only ever
             * under its flat name; an old-layout entry was looked for
             * before). */
            char *final = pw_fetch_artifact_path(s, x->expected);
            bool exists = pw_file_exists(final);
            free(final);
            bool found = false;
            if (exists && pw_fetch_artifact_check(s, x, x->expected, &found) == PW_OK && found) {
                pw_fetch_partial_release(x, true);
                free(r->final_url);
                r->final_url = pw_fetch_strip_userinfo(r->url);
                pw_fetch_xfer_done(x, PW_OK);
                return FINISHED;
            }
            pw_error_clear(&r->error);
        }
        struct stat st;
        bool stat_ok = fstat(x->fd, &st) == 0;
        uint64_t have = stat_ok ? (uint64_t)st.st_size : 0;
        if (r->expected_size > 0 && have > (uint64_t)r->expected_size)
            have = 0;
        reset_hash(x);
        if (have > 0 && !rehash_partial(x, have))
            have = 0;
        if (have == 0 && !(stat_ok && st.st_size == 0))
            restart_partial(x);
        else if (have == 0)
            reset_hash(x); /* a new, empty partial: nothing to truncate */
        x->offset = have;
        x->written = 0;
        x->sink_file = false;
    } else {
        pw_buf_reset(&r->body);
    }
    x->body_started = false;
    x->too_big = x->io_failed = x->range_mismatch = x->size_exceeded = x->over_cap = false;
    x->range_start = -1;
    x->max_age = -1;
    x->curl_err[0] = '\0';
    x->last_progress = 0;

    int ready = pw_fetch_transfers_ready(s, &r->error);
    if (ready != PW_OK) {
        pw_error_wrap(&r->error, "%s", x->redacted);
        pw_fetch_xfer_done(x, ready);
        return FINISHED;
    }
    if (x->kind == XFER_ARTIFACT)
        pw_fetch_hasher_start(s);
    CURL *e = curl_easy_init();
    if (!e) {
        pw_fetch_xfer_done(x, pw_error_set(&r->error, PW_ENET, "%s: libcurl could not create a handle",
                                           x->redacted));
        return FINISHED;
    }
    x->easy = e;
    pw_fetch_curl_setup(s, e, x->url, x->curl_err);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);

    pw_buf h = PW_BUF_INIT;
    if (x->kind == XFER_PAGE) {
        /* Pages may be compressed in transit; artifacts are hashed as the
         * bytes of the file, so they are asked for without encoding. */
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
        if (r->accept) {
            pw_buf_printf(&h, "Accept: %s", r->accept);
            x->headers = curl_slist_append(x->headers, h.data);
        }
        if (x->have_cached && x->cached_etag) {
            pw_buf_reset(&h);
            pw_buf_printf(&h, "If-None-Match: %s", x->cached_etag);
            x->headers = curl_slist_append(x->headers, h.data);
        }
        if (x->have_cached && x->cached_last_modified) {
            pw_buf_reset(&h);
            pw_buf_printf(&h, "If-Modified-Since: %s", x->cached_last_modified);
            x->headers = curl_slist_append(x->headers, h.data);
        }
    } else {
        /* The curl tool's own receive buffer (100 kB, against libcurl's
         * 16 kB default): a sixth of the wake-ups, write callbacks and
         * pwrite calls per artifact. */
        curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 102400L);
        if (x->offset > 0) {
            pw_buf_printf(&h, "%llu-", (unsigned long long)x->offset);
            curl_easy_setopt(e, CURLOPT_RANGE, h.data);
        }
    }
    pw_buf_free(&h);
    if (x->headers)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    CURLMcode mc = curl_multi_add_handle(s->multi, e);
    if (mc != CURLM_OK) {
        curl_easy_cleanup(e);
        x->easy = NULL;
        pw_fetch_xfer_done(x, pw_error_set(&r->error, PW_ENET, "%s: libcurl: %s", x->redacted,
                                           curl_multi_strerror(mc)));
        return FINISHED;
    }
    r->attempts++;
    x->state = XFER_ACTIVE;
    return STARTED;
}

bool pw_fetch_retryable(CURLcode rc, long code)
{
    switch (rc) {
    case CURLE_OK:
        return code == 429 || (code >= 500 && code <= 599);
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

void pw_fetch_describe_curl_error(const pw_fetch_session *s, CURLcode rc, const char *curl_err,
                                  pw_buf *out)
{
    const char *detail = curl_err && curl_err[0] ? curl_err : curl_easy_strerror(rc);
    switch (rc) {
    case CURLE_TOO_MANY_REDIRECTS:
        pw_buf_printf(out, "too many redirects (more than %ld): a redirect loop? (%s)",
                      s->opt.max_redirects, detail);
        break;
    case CURLE_SSL_CACERT_BADFILE:
        pw_buf_printf(out, "cannot use the CA bundle %s: %s",
                      s->ca_file ? s->ca_file : "(system default)", detail);
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
        pw_buf_printf(out,
                      "TLS certificate verification failed: %s (give the CA bundle that signs "
                      "this server with --cert or SSL_CERT_FILE)",
                      detail);
        break;
    case CURLE_OPERATION_TIMEDOUT:
        pw_buf_printf(out, "timed out: %s", detail);
        break;
    default:
        pw_buf_puts(out, detail);
    }
}

void pw_fetch_describe_status(long code, pw_buf *out)
{
    const char *what = code == 401 ? " (authentication required: put credentials in the URL or "
                                     "~/.netrc)"
                       : code == 403 ? " (forbidden)"
                       : code == 404 || code == 410 ? " (not found)"
                       : code == 429 ? " (too many requests)"
                                     : "";
    pw_buf_printf(out, "HTTP %ld%s", code, what);
}

int64_t pw_fetch_retry_delay(pw_fetch_session *s, int attempt, long retry_after_s)
{
    int64_t delay = s->opt.backoff_base_ms;
    for (int i = 1; i < attempt && delay < s->opt.backoff_max_ms; i++)
        delay *= 2;
    if (delay > s->opt.backoff_max_ms)
        delay = s->opt.backoff_max_ms;
    /* Jitter (up to a quarter) keeps processes sharing a server from
     * retrying in lockstep. */
    if (delay > 0)
        delay -= (int64_t)(pw_fetch_random(s) % (uint64_t)(delay / 4 + 1));
    if (retry_after_s > 0) {
        /* RFC 9110 10.2.3: Retry-After; capped so a server cannot park us. */
        int64_t ra = (int64_t)retry_after_s * 1000;
        if (ra > s->opt.retry_after_max_ms)
            ra = s->opt.retry_after_max_ms;
        if (ra > delay)
            delay = ra;
    }
    return delay;
}

void pw_fetch_curl_setup(pw_fetch_session *s, CURL *e, const char *url, char *errbuf)
{
    const pw_fetch_options *o = &s->opt;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    /* Only HTTP(S), even after a redirect: a server must not be able to
     * point us at file:// or another protocol. */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, o->max_redirects);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    if (o->idle_timeout_s > 0) {
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, o->idle_timeout_s);
    }
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, s->user_agent);
    if (s->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, s->ca_file);
    if (s->ca_path)
        curl_easy_setopt(e, CURLOPT_CAPATH, s->ca_path);
    if (s->netrc_file) {
        curl_easy_setopt(e, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
        curl_easy_setopt(e, CURLOPT_NETRC_FILE, s->netrc_file);
    }
    if (o->proxy)
        curl_easy_setopt(e, CURLOPT_PROXY, o->proxy);
}

/* Schedules another attempt if the budget allows, else fails with `code`. */
static void retry_or_fail(xfer *x, int code, long retry_after_s, const pw_buf *reason)
{
    pw_fetch_session *s = x->s;
    pw_fetch_request *r = x->req;
    if (r->attempts > s->opt.retries) {
        pw_fetch_xfer_done(x, pw_error_set(&r->error, code, "%s: %s (gave up after %d attempts)",
                                           x->redacted, pw_buf_cstr(reason), r->attempts));
        return;
    }
    int64_t delay = pw_fetch_retry_delay(s, r->attempts, retry_after_s);
    pw_report(PW_REPORT_DEBUG, "%s: %s; retrying in %lld ms", x->redacted, pw_buf_cstr(reason),
              (long long)delay);
    r->retry_wait_ms += (long)delay;
    x->state = XFER_PENDING;
    x->ready_at = pw_fetch_now_ms() + delay;
}

static void fail(xfer *x, int code, const pw_buf *reason)
{
    pw_fetch_xfer_done(x, pw_error_set(&x->req->error, code, "%s: %s", x->redacted,
                                       pw_buf_cstr(reason)));
}

static void finish_page(xfer *x, CURLcode rc, long code, long retry_after)
{
    pw_fetch_session *s = x->s;
    pw_fetch_request *r = x->req;
    pw_buf reason = PW_BUF_INIT;
    if (x->too_big) {
        pw_buf_printf(&reason, "page larger than the limit of %llu bytes",
                      (unsigned long long)s->opt.max_page_size);
        fail(x, PW_ELIMIT, &reason);
    } else if (rc != CURLE_OK) {
        pw_fetch_describe_curl_error(x->s, rc, x->curl_err, &reason);
        if (pw_fetch_retryable(rc, 0))
            retry_or_fail(x, PW_ENET, 0, &reason);
        else
            fail(x, PW_ENET, &reason);
    } else if (code == 200) {
        if (!r->body.data)
            pw_buf_puts(&r->body, "");
        r->size = r->body.len;
        pw_error e = {0};
        free(r->content_type);
        r->content_type = x->content_type ? pw_xstrdup(x->content_type) : NULL;
        if (pw_fetch_page_cache_store(s, x->cache_path, x->redacted, r->accept, x->content_type,
                                      x->etag, x->last_modified, x->max_age, r->body.data,
                                      r->body.len, &e) != PW_OK)
            pw_report(PW_REPORT_WARN, "cache: %s", pw_error_message(&e));
        pw_error_clear(&e);
        pw_fetch_xfer_done(x, PW_OK);
    } else if (code == 304 && x->have_cached) {
        /* A 304 with a lifetime starts it again (RFC 9111 4.3.4): stored
         * anew so that the next run does not ask. */
        if (x->max_age > 0) {
            pw_error e = {0};
            if (pw_fetch_page_cache_store(s, x->cache_path, x->redacted, r->accept,
                                          x->cached_content_type,
                                          x->etag ? x->etag : x->cached_etag,
                                          x->last_modified ? x->last_modified
                                                           : x->cached_last_modified,
                                          x->max_age, x->cached_body.data ? x->cached_body.data : "",
                                          x->cached_body.len, &e) != PW_OK)
                pw_report(PW_REPORT_WARN, "cache: %s", pw_error_message(&e));
            pw_error_clear(&e);
        }
        pw_buf_free(&r->body);
        r->body = x->cached_body;
        pw_buf_init(&x->cached_body);
        free(r->content_type);
        r->content_type = x->cached_content_type;
        x->cached_content_type = NULL;
        if (!r->body.data)
            pw_buf_puts(&r->body, "");
        r->size = r->body.len;
        r->from_cache = true;
        pw_fetch_xfer_done(x, PW_OK);
    } else {
        pw_fetch_describe_status(code, &reason);
        if (pw_fetch_retryable(CURLE_OK, code))
            retry_or_fail(x, PW_ENET, retry_after, &reason);
        else
            fail(x, code == 404 || code == 410 ? PW_ENOTFOUND : PW_ENET, &reason);
    }
    if (r->result != PW_OK && x->state == XFER_DONE)
        pw_buf_free(&r->body);
    pw_buf_free(&reason);
}

static void finish_artifact(xfer *x, CURLcode rc, long code, long retry_after)
{
    pw_fetch_session *s = x->s;
    pw_fetch_request *r = x->req;
    pw_buf reason = PW_BUF_INIT;
    if (x->io_failed) {
        pw_buf_printf(&reason, "cannot write %s (disk full?)", x->part_path);
        pw_fetch_partial_release(x, true);
        fail(x, PW_EIO, &reason);
    } else if (x->hash_failed) {
        pw_buf_printf(&reason, "cannot read back %s to hash it", x->part_path);
        pw_fetch_partial_release(x, true);
        fail(x, PW_EIO, &reason);
    } else if (x->over_cap) {
        pw_buf_printf(&reason, "more than %llu bytes and no declared size: not an artifact",
                      (unsigned long long)x->s->opt.max_artifact_size);
        pw_fetch_partial_release(x, true);
        fail(x, PW_ELIMIT, &reason);
    } else if (x->size_exceeded) {
        pw_buf_printf(&reason, "larger than the expected %lld bytes",
                      (long long)r->expected_size);
        pw_fetch_partial_release(x, true);
        fail(x, PW_EHASH, &reason);
    } else if (x->range_mismatch) {
        restart_partial(x);
        pw_buf_puts(&reason, "server answered a Range request with another range");
        retry_or_fail(x, PW_ENET, 0, &reason);
    } else if (rc != CURLE_OK) {
        /* The partial file stays: the next attempt (or run) resumes it. */
        pw_fetch_describe_curl_error(x->s, rc, x->curl_err, &reason);
        if (pw_fetch_retryable(rc, 0))
            retry_or_fail(x, PW_ENET, 0, &reason);
        else
            fail(x, PW_ENET, &reason);
    } else if (code == 416 && x->offset > 0) {
        restart_partial(x);
        pw_buf_puts(&reason, "HTTP 416 for the rest of a partial download; starting over");
        retry_or_fail(x, PW_ENET, 0, &reason);
    } else if (code == 200 || code == 206) {
        if (code == 200 && !x->body_started && x->offset > 0)
            restart_partial(x);
        pw_sha256_final_hex(&x->hash, r->sha256);
        x->hashing = false;
        r->size = x->offset + x->written;
        bool size_bad = r->expected_size > 0 && r->size != (uint64_t)r->expected_size;
        bool hash_bad = x->expected && strcmp(x->expected, r->sha256) != 0;
        if ((size_bad || hash_bad) && x->offset > 0 && !x->restarted) {
            /* The partial may come from an older version of the file; one
             * full download decides. */
            x->restarted = true;
            restart_partial(x);
            pw_buf_puts(&reason, "resumed download does not verify; downloading it whole");
            pw_report(PW_REPORT_DEBUG, "%s: %s", x->redacted, reason.data);
            x->state = XFER_PENDING;
            x->ready_at = pw_fetch_now_ms();
        } else if (hash_bad) {
            pw_buf_printf(&reason, "sha256 mismatch: expected %s, actual %s (%llu bytes)",
                          x->expected, r->sha256, (unsigned long long)r->size);
            pw_fetch_partial_release(x, true);
            fail(x, PW_EHASH, &reason);
        } else if (size_bad) {
            pw_buf_printf(&reason, "size mismatch: expected %lld bytes, got %llu",
                          (long long)r->expected_size, (unsigned long long)r->size);
            pw_fetch_partial_release(x, true);
            fail(x, PW_EHASH, &reason);
        } else {
            /* No fsync: a cached artifact is re-hashed whenever it is used,
             * so one torn by a crash is detected and fetched again. */
            int prc = pw_fetch_artifact_publish(s, x, x->part_path, &r->error);
            pw_fetch_partial_release(x, prc != PW_OK);
            pw_fetch_xfer_done(x, prc);
        }
    } else {
        pw_fetch_describe_status(code, &reason);
        if (pw_fetch_retryable(CURLE_OK, code)) {
            retry_or_fail(x, PW_ENET, retry_after, &reason);
        } else {
            pw_fetch_partial_release(x, x->offset == 0);
            fail(x, code == 404 || code == 410 ? PW_ENOTFOUND : PW_ENET, &reason);
        }
    }
    pw_buf_free(&reason);
}

/* False when the artifact is left to the hasher: the loop judges it when
 * pw_fetch_hash_next_settled gives it back, its bytes all hashed. */
static bool finish_attempt(pw_fetch_session *s, xfer *x, CURLcode rc)
{
    pw_fetch_request *r = x->req;
    long code = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    char *effective = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &effective);
    free(r->final_url);
    r->final_url = pw_fetch_strip_userinfo(effective ? effective : x->url);
    curl_off_t retry_after = 0;
    if (curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &retry_after) != CURLE_OK)
        retry_after = 0;
    r->http_status = code;
    /* Everything received is in the file, and hashed, before it is
     * judged. */
    if (x->kind == XFER_ARTIFACT && x->wlen)
        flush_body(x);
    curl_multi_remove_handle(s->multi, x->easy);
    curl_easy_cleanup(x->easy);
    x->easy = NULL;
    curl_slist_free_all(x->headers);
    x->headers = NULL;
    long ra = retry_after > 0 ? (retry_after > 86400 ? 86400L : (long)retry_after) : 0;
    if (x->kind == XFER_PAGE) {
        finish_page(x, rc, code, ra);
        return true;
    }
    if (pw_fetch_hash_defer(x)) {
        x->end_rc = rc;
        x->end_status = code;
        x->end_retry_after = ra;
        return false;
    }
    finish_artifact(x, rc, code, ra);
    return true;
}

/* ------------------------------------------------------------------ loop */

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* The batch as progress reports see it: what is left to transfer. */
static size_t report_begin(xfer *xs, size_t n)
{
    size_t files = 0;
    uint64_t bytes = 0;
    bool artifacts = false;
    for (size_t i = 0; i < n; i++) {
        if (xs[i].state != XFER_PENDING)
            continue;
        files++;
        artifacts = artifacts || xs[i].kind == XFER_ARTIFACT;
        if (xs[i].req->expected_size > 0)
            bytes += (uint64_t)xs[i].req->expected_size;
    }
    if (files)
        pw_report_progress_begin(files, bytes, artifacts);
    return files;
}

/* After finish_attempt or a deferred judgement: the end of a file, or when
 * its next attempt may start. */
static void attempt_ended(xfer *x, int64_t *next)
{
    if (x->state == XFER_DONE)
        pw_report_progress_file_done(x->label, x->req->size, x->req->error.code != PW_OK);
    if (x->state == XFER_PENDING && x->ready_at < *next)
        *next = x->ready_at;
}

int pw_fetch_engine_run(pw_fetch_session *s, xfer *xs, size_t n)
{
    size_t active = 0;
    size_t hashing = 0; /* ended, judged once the hasher is done with them */
    size_t reported = report_begin(xs, n);
    for (;;) {
        int64_t now = pw_fetch_now_ms();
        size_t pending = 0;
        int64_t next = INT64_MAX;
        for (size_t i = 0; i < n; i++) {
            xfer *x = &xs[i];
            if (x->state != XFER_PENDING)
                continue;
            if (active < (size_t)s->opt.jobs && x->ready_at <= now &&
                start_attempt(s, x) == STARTED) {
                active++;
                continue;
            }
            if (x->state == XFER_PENDING) {
                pending++;
                if (x->ready_at < next)
                    next = x->ready_at;
            }
        }
        if (active == 0 && pending == 0 && hashing == 0)
            break;
        if (active > 0) {
            int running = 0;
            CURLMcode mc = curl_multi_perform(s->multi, &running);
            if (mc != CURLM_OK)
                pw_report(PW_REPORT_WARN, "libcurl: %s", curl_multi_strerror(mc));
            CURLMsg *m;
            int queued;
            while ((m = curl_multi_info_read(s->multi, &queued)) != NULL) {
                if (m->msg != CURLMSG_DONE)
                    continue;
                CURL *e = m->easy_handle;
                CURLcode rc = m->data.result;
                xfer *x = NULL;
                curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
                active--;
                if (finish_attempt(s, x, rc))
                    attempt_ended(x, &next);
                else
                    hashing++;
            }
        }
        for (xfer *x; hashing > 0 && (x = pw_fetch_hash_next_settled(s)) != NULL;) {
            hashing--;
            finish_artifact(x, x->end_rc, x->end_status, x->end_retry_after);
            attempt_ended(x, &next);
        }
        if (active == 0 && hashing == 0 && next == INT64_MAX)
            continue; /* nothing in flight or waiting: the loop ends above */
        /* Waiting requests matter only when a slot is free; otherwise the
         * end of a transfer (which wakes the poll) comes first. */
        int64_t wait = 1000;
        if (next != INT64_MAX && active < (size_t)s->opt.jobs) {
            wait = next - pw_fetch_now_ms();
            if (wait < 0)
                wait = 0;
            if (wait > 1000)
                wait = 1000;
        }
        if (hashing > 0 && !pw_fetch_hash_before_poll(s))
            continue;
        if (active > 0 || hashing > 0)
            curl_multi_poll(s->multi, NULL, 0, (int)wait, NULL);
        else if (wait > 0)
            sleep_ms(wait);
    }
    pw_fetch_hasher_stop(s);
    if (reported)
        pw_report_progress_end();
    return PW_OK;
}
