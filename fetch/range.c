/* Byte-range GETs (range_api.h): one small transfer at a time on the
 * session's multi handle, so that connections and TLS sessions are shared
 * with the batch engine. */
#include "fetch_internal.h"
#include "range_api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ local files */

static int local_range(const char *url, const char *redacted, int64_t offset, uint64_t want,
                       pw_buf *out, uint64_t *total_size, pw_error *err)
{
    char *path = pw_fetch_local_path(url);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    if (fd < 0)
        return pw_error_set(err, errno == ENOENT ? PW_ENOTFOUND : PW_EIO, "%s: cannot open: %s",
                            redacted, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return pw_error_set(err, PW_EIO, "%s: not a regular file", redacted);
    }
    uint64_t size = (uint64_t)st.st_size;
    uint64_t first;
    if (offset < 0) {
        first = size > want ? size - want : 0;
    } else {
        /* Like HTTP 416 (RFC 9110 15.5.17): a range must start inside the file. */
        if ((uint64_t)offset >= size) {
            close(fd);
            return pw_error_set(err, PW_EINVAL,
                                "%s: range starts at byte %lld, past the end of the file "
                                "(%llu bytes)",
                                redacted, (long long)offset, (unsigned long long)size);
        }
        first = (uint64_t)offset;
    }
    uint64_t len = size - first < want ? size - first : want;
    pw_buf_reserve(out, (size_t)len + 1);
    int64_t got = pw_read_at(fd, out->data, (size_t)len, first);
    if (got != (int64_t)len) {
        int e = errno;
        close(fd);
        pw_buf_reset(out);
        return pw_error_set(err, PW_EIO, "%s: read error at byte %llu: %s", redacted,
                            (unsigned long long)(first + (got < 0 ? 0 : (uint64_t)got)),
                            got >= 0 ? "the file shrank while being read" : strerror(e));
    }
    close(fd);
    out->len = (size_t)len;
    out->data[out->len] = '\0';
    *total_size = size;
    return PW_OK;
}

/* ----------------------------------------------------------------- HTTP */

typedef struct range_xfer {
    CURL *easy;
    pw_buf *out;
    uint64_t limit;     /* the most bytes a correct 206 can carry */
    long code;          /* status of the response whose body arrives */
    bool body_started;
    bool ignored;       /* 200: the whole file was coming */
    bool too_long;
    /* keep_whole: a 200 is the whole file, kept (fd, hashed) rather than
     * cut; the caller would download it next anyway. */
    bool keep_whole;
    const char *tmp_dir;
    char *whole_tmp; /* created at the first byte of a 200 */
    int whole_fd;
    uint64_t whole_len;
    uint64_t whole_cap;
    pw_sha256 whole_hash;
    bool whole_failed;
    /* RFC 9110 14.4: Content-Range: bytes first-last/complete | bytes * /complete */
    bool have_range;
    bool have_total;
    uint64_t first, last, total;
} range_xfer;

static bool parse_u64(pw_slice s, uint64_t *out)
{
    if (s.len == 0 || s.len > 19)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s.ptr[i] - '0');
    }
    *out = v;
    return true;
}

static void parse_content_range(range_xfer *x, pw_slice v)
{
    x->have_range = x->have_total = false;
    if (!pw_slice_starts_with(v, "bytes "))
        return;
    v = pw_slice_trim(pw_slice_make(v.ptr + 6, v.len - 6));
    long slash = pw_slice_find_char(v, '/');
    if (slash < 0)
        return;
    pw_slice range = pw_slice_make(v.ptr, (size_t)slash);
    pw_slice total = pw_slice_make(v.ptr + slash + 1, v.len - (size_t)slash - 1);
    x->have_total = parse_u64(total, &x->total);
    long dash = pw_slice_find_char(range, '-');
    if (dash > 0 && parse_u64(pw_slice_make(range.ptr, (size_t)dash), &x->first) &&
        parse_u64(pw_slice_make(range.ptr + dash + 1, range.len - (size_t)dash - 1), &x->last) &&
        x->first <= x->last)
        x->have_range = true;
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *ud)
{
    range_xfer *x = ud;
    size_t len = size * nitems;
    pw_slice line = pw_slice_trim(pw_slice_make(buf, len));
    /* Only the last response (after redirects and 1xx) describes the body. */
    if (pw_slice_starts_with(line, "HTTP/")) {
        x->have_range = x->have_total = false;
        return len;
    }
    long colon = pw_slice_find_char(line, ':');
    if (colon <= 0)
        return len;
    pw_slice name = pw_slice_trim(pw_slice_make(line.ptr, (size_t)colon));
    if (pw_slice_eq_icase_cstr(name, "content-range"))
        parse_content_range(x, pw_slice_trim(pw_slice_make(line.ptr + colon + 1,
                                                            line.len - (size_t)colon - 1)));
    return len;
}

static size_t on_body(char *data, size_t size, size_t nitems, void *ud)
{
    range_xfer *x = ud;
    size_t len = size * nitems;
    if (!x->body_started) {
        x->body_started = true;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->code);
    }
    if (x->code == 200) {
        /* RFC 9110 14.2: a server may ignore Range. */
        x->ignored = true;
        if (!x->keep_whole)
            return 0; /* a probe: the first bytes said enough */
        if (x->whole_fd < 0 && !x->whole_failed) {
            /* Only a body that says how long it is: one without a length
             * could be endless, and the size the index declared is not
             * known here; the caller's download bounds it by that size. */
            curl_off_t declared = -1;
            if (curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &declared) !=
                    CURLE_OK ||
                declared < 0 || (uint64_t)declared > x->whole_cap)
                return 0;
            pw_buf t = PW_BUF_INIT;
            pw_buf_printf(&t, "%s/range.XXXXXX", x->tmp_dir);
            x->whole_tmp = pw_buf_detach(&t);
            x->whole_fd = mkstemp(x->whole_tmp);
            if (x->whole_fd < 0) {
                free(x->whole_tmp);
                x->whole_tmp = NULL;
                x->whole_failed = true;
            }
        }
        if (x->whole_failed)
            return 0;
        /* A suffix of a wheel: this body IS the wheel, which the caller
         * would download next; keep it instead of asking twice. */
        if (x->whole_len + len > x->whole_cap) {
            x->whole_failed = true;
            return 0;
        }
        for (size_t done = 0; done < len;) {
            ssize_t n = write(x->whole_fd, data + done, len - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                x->whole_failed = true;
                return 0;
            }
            done += (size_t)n;
        }
        pw_sha256_update(&x->whole_hash, data, len);
        x->whole_len += len;
        return len;
    }
    if (x->code != 206)
        return len; /* an error page: the status says enough */
    if ((uint64_t)x->out->len + len > x->limit) {
        x->too_long = true;
        return 0;
    }
    pw_buf_append(x->out, data, len);
    return len;
}

static CURL *new_handle(pw_fetch_session *s, const char *curl_url, const char *range,
                        range_xfer *x, char *errbuf)
{
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    pw_fetch_curl_setup(s, e, curl_url, errbuf);
    curl_easy_setopt(e, CURLOPT_RANGE, range);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    return e;
}

/* Runs one transfer to its end on the session's multi handle. */
static CURLcode run_transfer(pw_fetch_session *s, CURL *e, bool *multi_failed)
{
    *multi_failed = false;
    if (curl_multi_add_handle(s->multi, e) != CURLM_OK) {
        *multi_failed = true;
        return CURLE_FAILED_INIT;
    }
    CURLcode result = CURLE_OK;
    for (bool done = false; !done;) {
        int running = 0;
        if (curl_multi_perform(s->multi, &running) != CURLM_OK) {
            *multi_failed = true;
            result = CURLE_FAILED_INIT;
            break;
        }
        CURLMsg *m;
        int queued;
        while ((m = curl_multi_info_read(s->multi, &queued)) != NULL) {
            if (m->msg == CURLMSG_DONE && m->easy_handle == e) {
                result = m->data.result;
                done = true;
            }
        }
        if (!done)
            curl_multi_poll(s->multi, NULL, 0, 1000, NULL);
    }
    curl_multi_remove_handle(s->multi, e);
    return result;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Checks a 206 against what was asked: RFC 9110 14.4 and 15.3.7. */
static int check_partial(const range_xfer *x, const char *redacted, const char *range,
                         int64_t offset, uint64_t want, pw_error *err)
{
    if (!x->have_range || !x->have_total || x->last >= x->total)
        return pw_error_set(err, PW_EUNSUPPORTED,
                            "%s: HTTP 206 for bytes=%s without a usable Content-Range "
                            "(a multipart answer?)",
                            redacted, range);
    uint64_t first = offset < 0 ? (x->total > want ? x->total - want : 0) : (uint64_t)offset;
    uint64_t last_max = offset < 0 ? x->total - 1 : first + want - 1;
    bool exact = x->first == first && x->last <= last_max &&
                 (x->last == x->total - 1 || x->last == last_max);
    if (!exact)
        return pw_error_set(err, PW_EUNSUPPORTED,
                            "%s: asked for bytes=%s, the server answered bytes %llu-%llu/%llu",
                            redacted, range, (unsigned long long)x->first,
                            (unsigned long long)x->last, (unsigned long long)x->total);
    if ((uint64_t)x->out->len != x->last - x->first + 1)
        return pw_error_set(err, PW_ENET,
                            "%s: bytes=%s: got %zu bytes, Content-Range announced %llu",
                            redacted, range, x->out->len,
                            (unsigned long long)(x->last - x->first + 1));
    return PW_OK;
}

/* Publishes a whole body that came for a range request: content-addressed
 * by the digest just computed while it streamed, so the store holds only
 * what its name says, and the URL remembered for this session. */
static int store_whole(pw_fetch_session *s, range_xfer *x, const char *tmp,
                       const char *redacted, char hex[65], pw_error *err)
{
    pw_sha256_final_hex(&x->whole_hash, hex);
    char *final = pw_fetch_artifact_path(s, hex);
    int rc = PW_OK;
    if (rename(tmp, final) != 0)
        rc = pw_error_set(err, PW_EIO, "%s: cannot move %s to %s: %s", redacted, tmp, final,
                          strerror(errno));
    free(final);
    if (rc != PW_OK)
        return rc;
    pw_fetch_url_index_store(s, redacted, hex);
    free(pw_map_put(&s->whole_bodies, redacted, pw_xstrdup(hex)));
    return PW_OK;
}

/* store_whole for bytes in memory; a failure only costs a download. */
static void store_bytes(pw_fetch_session *s, const char *redacted, const pw_buf *body)
{
    pw_buf t = PW_BUF_INIT;
    pw_buf_printf(&t, "%s/range.XXXXXX", s->dir_tmp);
    int fd = mkstemp(t.data);
    bool ok = fd >= 0;
    for (size_t done = 0; ok && done < body->len;) {
        ssize_t n = write(fd, body->data + done, body->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0;
        done += ok ? (size_t)n : 0;
    }
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    range_xfer x;
    memset(&x, 0, sizeof(x));
    pw_sha256_init(&x.whole_hash);
    pw_sha256_update(&x.whole_hash, body->data, body->len);
    char hex[65];
    pw_error e = {0};
    if (ok && store_whole(s, &x, t.data, redacted, hex, &e) != PW_OK)
        ok = false;
    if (!ok) {
        if (fd >= 0)
            unlink(t.data);
        if (e.code == PW_OK) {
            unsigned char discard[PW_SHA256_LEN];
            pw_sha256_final_raw(&x.whole_hash, discard);
        }
    }
    pw_error_clear(&e);
    pw_buf_free(&t);
}

/* A range of a body stored whole earlier in this session. */
static int stored_range(pw_fetch_session *s, const char *redacted, const char *hex,
                        int64_t offset, uint64_t want, pw_buf *out, uint64_t *total_size,
                        pw_error *err)
{
    char *path = pw_fetch_artifact_path(s, hex);
    int rc = local_range(path, redacted, offset, want, out, total_size, err);
    free(path);
    return rc;
}

static int http_range(pw_fetch_session *s, const char *url, const char *redacted, int64_t offset,
                      uint64_t want, pw_buf *out, uint64_t *total_size, pw_error *err)
{
    /* A suffix (the tail of a wheel) may be the start of reading the whole
     * file; forward ranges are probes and single pieces, never worth a
     * whole body. */
    bool keep_whole = offset < 0;
    int ready = pw_fetch_transfers_ready(s, err);
    if (ready != PW_OK)
        return ready;
    char *origin = pw_fetch_origin(redacted);
    bool origin_ignores = false;
    for (size_t i = 0; i < s->no_range_origins.len; i++)
        origin_ignores = origin_ignores || strcmp(s->no_range_origins.items[i], origin) == 0;
    pw_buf range = PW_BUF_INIT;
    if (offset < 0)
        pw_buf_printf(&range, "-%llu", (unsigned long long)want);
    else
        pw_buf_printf(&range, "%llu-%llu", (unsigned long long)offset,
                      (unsigned long long)((uint64_t)offset + want - 1));
    char *curl_url = pw_fetch_url_with_credentials(s, url);
    char curl_err[CURL_ERROR_SIZE];
    int rc = PW_OK;
    for (int attempt = 1;; attempt++) {
        pw_buf_reset(out);
        range_xfer x;
        memset(&x, 0, sizeof(x));
        x.out = out;
        x.limit = want;
        x.whole_fd = -1;
        if (keep_whole) {
            x.keep_whole = true;
            x.tmp_dir = s->dir_tmp;
            x.whole_cap = s->opt.max_artifact_size ? s->opt.max_artifact_size : UINT64_MAX;
            pw_sha256_init(&x.whole_hash);
        }
        curl_err[0] = '\0';
        /* Remembered: this server sends the whole file anyway, so ask for
         * it plainly (one request, as a download would be). */
        x.easy = new_handle(s, curl_url, origin_ignores && x.keep_whole ? NULL : range.data, &x,
                            curl_err);
        if (!x.easy) {
            rc = pw_error_set(err, PW_ENET, "%s: libcurl could not create a handle", redacted);
            break;
        }
        bool multi_failed = false;
        CURLcode cc = run_transfer(s, x.easy, &multi_failed);
        long code = 0;
        curl_easy_getinfo(x.easy, CURLINFO_RESPONSE_CODE, &code);
        curl_off_t retry_after = 0;
        if (curl_easy_getinfo(x.easy, CURLINFO_RETRY_AFTER, &retry_after) != CURLE_OK)
            retry_after = 0;
        curl_off_t body_len = -1;
        if (curl_easy_getinfo(x.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &body_len) != CURLE_OK)
            body_len = -1;
        curl_easy_cleanup(x.easy);
        if (x.keep_whole) {
            bool whole = cc == CURLE_OK && code == 200 && x.ignored && x.whole_fd >= 0 &&
                         !x.whole_failed && (body_len < 0 || (uint64_t)body_len == x.whole_len);
            char hex[65];
            int src = PW_ENOTFOUND;
            int fd = x.whole_fd;
            x.whole_fd = -1;
            if (fd >= 0 && close(fd) != 0)
                whole = false;
            if (whole)
                src = store_whole(s, &x, x.whole_tmp, redacted, hex, err);
            if (!whole) {
                /* store_whole finalised it otherwise */
                unsigned char discard[PW_SHA256_LEN];
                pw_sha256_final_raw(&x.whole_hash, discard);
            }
            if (src != PW_OK && x.whole_tmp)
                unlink(x.whole_tmp);
            free(x.whole_tmp);
            x.whole_tmp = NULL;
            if (code == 200 && x.ignored) {
                bool known = origin_ignores;
                for (size_t i = 0; !known && i < s->no_range_origins.len; i++)
                    known = strcmp(s->no_range_origins.items[i], origin) == 0;
                if (!known)
                    pw_strlist_push(&s->no_range_origins, origin);
                origin_ignores = true;
            }
            if (src == PW_OK) {
                pw_report(PW_REPORT_DEBUG,
                          "%s: the server ignores Range; kept the whole file it sent "
                          "(%llu bytes, sha256 %s)",
                          redacted, (unsigned long long)x.whole_len, hex);
                rc = stored_range(s, redacted, hex, offset, want, out, total_size, err);
                break;
            }
            pw_error_clear(err);
        }
        if (multi_failed) {
            rc = pw_error_set(err, PW_ENET, "%s: libcurl could not run the transfer", redacted);
            break;
        }
        if (cc == CURLE_OK && code == 200 && body_len == 0) {
            /* An empty file: servers (nginx) answer 200 rather than 416
             * for a suffix of it, and it has no bytes to range over. */
            if (offset < 0)
                break;
            rc = pw_error_set(err, PW_EINVAL,
                              "%s: range bytes=%s starts past the end of the file (0 bytes)",
                              redacted, range.data);
            break;
        }
        if (x.ignored || (cc == CURLE_OK && code == 200)) {
            rc = pw_error_set(err, PW_EUNSUPPORTED,
                              "%s: the server ignores Range requests (HTTP 200 for bytes=%s)",
                              redacted, range.data);
            break;
        }
        if (x.too_long) {
            rc = pw_error_set(err, PW_EUNSUPPORTED,
                              "%s: the server sent more than the %llu bytes of bytes=%s", redacted,
                              (unsigned long long)want, range.data);
            break;
        }
        if (cc == CURLE_OK && code == 206) {
            rc = check_partial(&x, redacted, range.data, offset, want, err);
            if (rc == PW_OK)
                *total_size = x.total;
            /* A tail that covers the whole file (a wheel under 65 KiB) is
             * the file: stored like a 200's body, so that its download
             * costs no second request. */
            if (rc == PW_OK && keep_whole && x.first == 0 && x.total == out->len)
                store_bytes(s, redacted, out);
            break;
        }
        if (cc == CURLE_OK && code == 416) {
            pw_buf size = PW_BUF_INIT;
            if (x.have_total)
                pw_buf_printf(&size, " (%llu bytes)", (unsigned long long)x.total);
            if (offset < 0)
                rc = pw_error_set(err, PW_EINVAL, "%s: HTTP 416 for bytes=%s: an empty file%s",
                                  redacted, range.data, pw_buf_cstr(&size));
            else
                rc = pw_error_set(err, PW_EINVAL,
                                  "%s: HTTP 416: range bytes=%s starts past the end of the file%s",
                                  redacted, range.data, pw_buf_cstr(&size));
            pw_buf_free(&size);
            break;
        }
        pw_buf reason = PW_BUF_INIT;
        if (cc != CURLE_OK)
            pw_fetch_describe_curl_error(s, cc, curl_err, &reason);
        else
            pw_fetch_describe_status(code, &reason);
        if (pw_fetch_retryable(cc, code) && attempt <= s->opt.retries) {
            long ra = retry_after > 86400 ? 86400L : retry_after > 0 ? (long)retry_after : 0;
            int64_t delay = pw_fetch_retry_delay(s, attempt, ra);
            pw_report(PW_REPORT_DEBUG, "%s: bytes=%s: %s; retrying in %lld ms", redacted,
                      range.data, reason.data, (long long)delay);
            pw_buf_free(&reason);
            sleep_ms(delay);
            continue;
        }
        int code_out = cc == CURLE_OK && (code == 404 || code == 410) ? PW_ENOTFOUND : PW_ENET;
        if (attempt > 1)
            rc = pw_error_set(err, code_out, "%s: bytes=%s: %s (gave up after %d attempts)",
                              redacted, range.data, reason.data, attempt);
        else
            rc = pw_error_set(err, code_out, "%s: bytes=%s: %s", redacted, range.data,
                              reason.data);
        pw_buf_free(&reason);
        break;
    }
    if (rc != PW_OK)
        pw_buf_reset(out);
    else if (!out->data)
        pw_buf_puts(out, "");
    free(curl_url);
    free(origin);
    pw_buf_free(&range);
    return rc;
}

int pw_fetch_range(pw_fetch_session *s, const char *url, int64_t offset, uint64_t length,
                   pw_buf *out, uint64_t *total_size, pw_error *err)
{
    pw_buf_reset(out);
    *total_size = 0;
    if (!url || !*url)
        return pw_error_set(err, PW_EINVAL, "range request without a URL");
    char *redacted = pw_redact_url(url);
    uint64_t want = length;
    int rc = PW_OK;
    if (offset < 0) {
        /* INT64_MIN has no positive counterpart; it is far past the limit anyway. */
        want = offset == INT64_MIN ? UINT64_MAX : (uint64_t)-offset;
        if (length != 0 && length != want)
            rc = pw_error_set(err, PW_EINVAL,
                              "%s: a suffix range of %llu bytes with a length of %llu", redacted,
                              (unsigned long long)want, (unsigned long long)length);
    } else if (length == 0) {
        rc = pw_error_set(err, PW_EINVAL, "%s: empty range at byte %lld", redacted,
                          (long long)offset);
    }
    if (rc == PW_OK && want > PW_FETCH_RANGE_MAX)
        rc = pw_error_set(err, PW_ELIMIT, "%s: range of %llu bytes, more than the limit of %llu",
                          redacted, (unsigned long long)want,
                          (unsigned long long)PW_FETCH_RANGE_MAX);
    if (rc != PW_OK) {
        free(redacted);
        return rc;
    }
    if (pw_fetch_is_local(url)) {
        rc = local_range(url, redacted, offset, want, out, total_size, err);
    } else if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
        rc = pw_error_set(err, PW_EUNSUPPORTED,
                          "%s: only http, https and file URLs are supported", redacted);
    } else if (s->opt.offline) {
        rc = pw_error_set(err, PW_ENET, "offline: %s: a range request needs the network",
                          redacted);
    } else {
        char hex[65];
        /* The whole file came for an earlier range: read it from the store. */
        if (pw_fetch_whole_body(s, redacted, hex) &&
            stored_range(s, redacted, hex, offset, want, out, total_size, err) == PW_OK) {
            free(redacted);
            return PW_OK;
        }
        pw_error_clear(err);
        rc = http_range(s, url, redacted, offset, want, out, total_size, err);
    }
    free(redacted);
    return rc;
}

/* ---------------------------------------------------------------- probes */

typedef struct probe_xfer {
    range_xfer x;
    pw_buf byte;
    char *curl_url;
    char errbuf[CURL_ERROR_SIZE];
    size_t index;
} probe_xfer;

static int probe_result(const probe_xfer *p, CURLcode cc)
{
    long code = 0;
    curl_easy_getinfo(p->x.easy, CURLINFO_RESPONSE_CODE, &code);
    /* A 200 (Range ignored, body cut short) or a 416 (empty file) is a file
     * that is there all the same. */
    if (p->x.ignored || code == 200 || code == 206 || code == 416)
        return PW_OK;
    if (cc == CURLE_OK && (code == 404 || code == 410))
        return PW_ENOTFOUND;
    return PW_ENET;
}

int pw_fetch_probe(pw_fetch_session *s, const char *const *urls, size_t n, int *results)
{
    probe_xfer *xs = pw_xcalloc(n ? n : 1, sizeof(*xs));
    size_t next = 0, running = 0;
    bool multi_failed = false;
    for (size_t i = 0; i < n; i++) {
        results[i] = PW_ENET;
        if (pw_fetch_is_local(urls[i])) {
            char *path = pw_fetch_local_path(urls[i]);
            results[i] = pw_file_exists(path) ? PW_OK : PW_ENOTFOUND;
            free(path);
        }
    }
    int jobs = s->opt.jobs > 0 ? s->opt.jobs : PW_FETCH_DEFAULT_JOBS;
    for (;;) {
        while (!multi_failed && !s->opt.offline && next < n && running < (size_t)jobs) {
            size_t i = next++;
            if (pw_fetch_is_local(urls[i]) || (strncasecmp(urls[i], "http://", 7) != 0 &&
                                               strncasecmp(urls[i], "https://", 8) != 0))
                continue;
            pw_error not_ready = {0};
            if (pw_fetch_transfers_ready(s, &not_ready) != PW_OK) {
                pw_error_clear(&not_ready);
                multi_failed = true;
                break;
            }
            probe_xfer *p = &xs[i];
            p->index = i;
            p->x.out = &p->byte;
            p->x.limit = 1;
            p->curl_url = pw_fetch_url_with_credentials(s, urls[i]);
            p->x.easy = new_handle(s, p->curl_url, "0-0", &p->x, p->errbuf);
            if (!p->x.easy)
                continue;
            curl_easy_setopt(p->x.easy, CURLOPT_PRIVATE, p);
            if (curl_multi_add_handle(s->multi, p->x.easy) != CURLM_OK) {
                curl_easy_cleanup(p->x.easy);
                p->x.easy = NULL;
                multi_failed = true;
                break;
            }
            running++;
        }
        if (running == 0)
            break;
        int still = 0;
        if (curl_multi_perform(s->multi, &still) != CURLM_OK)
            multi_failed = true;
        CURLMsg *m;
        int queued;
        while ((m = curl_multi_info_read(s->multi, &queued)) != NULL) {
            if (m->msg != CURLMSG_DONE)
                continue;
            probe_xfer *p = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&p);
            results[p->index] = probe_result(p, m->data.result);
            curl_multi_remove_handle(s->multi, p->x.easy);
            curl_easy_cleanup(p->x.easy);
            p->x.easy = NULL;
            running--;
        }
        if (multi_failed) {
            for (size_t i = 0; i < n; i++)
                if (xs[i].x.easy) {
                    curl_multi_remove_handle(s->multi, xs[i].x.easy);
                    curl_easy_cleanup(xs[i].x.easy);
                    xs[i].x.easy = NULL;
                }
            break;
        }
        if (running)
            curl_multi_poll(s->multi, NULL, 0, 1000, NULL);
    }
    for (size_t i = 0; i < n; i++) {
        pw_buf_free(&xs[i].byte);
        free(xs[i].curl_url);
    }
    free(xs);
    return PW_OK;
}
