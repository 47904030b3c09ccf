/* file:// URLs and plain paths: same results as a download, no curl. */
#include "fetch_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_local(xfer *x, const char *path, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pw_error_set(&x->req->error, errno == ENOENT ? PW_ENOTFOUND : PW_EIO,
                            "%s: cannot open: %s", x->redacted, strerror(errno));
    if (fstat(fd, st) != 0 || S_ISDIR(st->st_mode)) {
        close(fd);
        return pw_error_set(&x->req->error, PW_EIO, "%s: is a directory, expected a file",
                            x->redacted);
    }
    return fd;
}

void pw_fetch_local_page(pw_fetch_session *s, xfer *x)
{
    pw_fetch_request *r = x->req;
    char *path = pw_fetch_local_path(r->url);
    struct stat st;
    int fd = open_local(x, path, &st);
    free(path);
    if (fd < 0) {
        pw_fetch_xfer_done(x, fd);
        return;
    }
    if ((uint64_t)st.st_size > s->opt.max_page_size) {
        close(fd);
        pw_fetch_xfer_done(x, pw_error_set(&r->error, PW_ELIMIT,
                                           "%s: %lld bytes, more than the page limit of %llu",
                                           x->redacted, (long long)st.st_size,
                                           (unsigned long long)s->opt.max_page_size));
        return;
    }
    int rc = PW_OK;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = pw_error_set(&r->error, PW_EIO, "%s: read error: %s", x->redacted,
                              strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if (r->body.len + (size_t)n > s->opt.max_page_size) {
            rc = pw_error_set(&r->error, PW_ELIMIT, "%s: larger than the page limit of %llu bytes",
                              x->redacted, (unsigned long long)s->opt.max_page_size);
            break;
        }
        pw_buf_append(&r->body, chunk, (size_t)n);
    }
    close(fd);
    if (rc == PW_OK) {
        if (!r->body.data)
            pw_buf_puts(&r->body, "");
        r->size = r->body.len;
    } else {
        pw_buf_free(&r->body);
    }
    pw_fetch_xfer_done(x, rc);
}

/* The URL index key of a local file as it is now: its path and what
 * changes when its bytes do (inode, size, modification and change times),
 * so that a hint is found only for the file as it was when it was stored. */
static char *local_index_key(const xfer *x, const struct stat *st)
{
    pw_buf key = PW_BUF_INIT;
    pw_buf_printf(&key, "%s\nlocal %llu %llu %lld %lld.%09ld %lld.%09ld", x->redacted,
                  (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
                  (long long)st->st_size, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
                  (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
    return pw_buf_detach(&key);
}

/* A local file whose digest is not known yet (a find-links folder), read
 * again by a warm lock: when the URL index names the artifact it gave
 * before and the store holds it, the file is hashed and compared byte for
 * byte with the stored copy instead of being copied into the store again
 * (39 MB written per warm lock of 200 wheels). Equal bytes that hash to the
 * hint make the stored copy verified too. True when the stored copy is the
 * file; else `in` is back at its start for the copy. */
static bool same_as_stored(pw_fetch_session *s, xfer *x, int in, const struct stat *st,
                           const char *key)
{
    pw_fetch_request *r = x->req;
    char hint[65];
    if (!pw_fetch_url_index_load(s, key, hint))
        return false;
    char *stored = pw_fetch_artifact_find(s, hint);
    int fd = stored ? open(stored, O_RDONLY | O_CLOEXEC) : -1;
    struct stat stored_st;
    bool same = fd >= 0 && fstat(fd, &stored_st) == 0 && stored_st.st_size == st->st_size;
    pw_sha256 h;
    pw_sha256_init(&h);
    char chunk[65536], copy[65536];
    uint64_t at = 0;
    while (same) {
        int64_t n = pw_read_at(in, chunk, sizeof(chunk), at);
        if (n <= 0) {
            same = n == 0 && at == (uint64_t)st->st_size;
            break;
        }
        same = pw_read_at(fd, copy, (size_t)n, at) == n && memcmp(chunk, copy, (size_t)n) == 0;
        pw_sha256_update(&h, chunk, (size_t)n);
        at += (uint64_t)n;
    }
    char actual[65];
    pw_sha256_final_hex(&h, actual);
    same = same && strcmp(actual, hint) == 0;
    if (fd >= 0)
        close(fd);
    if (same) {
        free(r->path);
        r->path = stored;
        memcpy(r->sha256, actual, sizeof(r->sha256));
        r->size = at;
        r->from_cache = true;
    } else {
        free(stored);
    }
    return same;
}

/* Copied into the store while hashed, so that what was verified is what
 * the caller reads later even if the source file changes. */
void pw_fetch_local_artifact(pw_fetch_session *s, xfer *x)
{
    pw_fetch_request *r = x->req;
    char *path = pw_fetch_local_path(r->url);
    struct stat st;
    int in = open_local(x, path, &st);
    free(path);
    if (in < 0) {
        pw_fetch_xfer_done(x, in);
        return;
    }
    char *key = x->expected ? NULL : local_index_key(x, &st);
    if (key && same_as_stored(s, x, in, &st, key)) {
        free(key);
        close(in);
        pw_fetch_xfer_done(x, PW_OK);
        return;
    }
    pw_buf tmp = PW_BUF_INIT;
    pw_buf_printf(&tmp, "%s/local.XXXXXX", s->dir_tmp);
    int out = mkstemp(tmp.data);
    if (out < 0) {
        int rc = pw_error_set(&r->error, PW_EIO, "%s: cannot create a temporary file in %s: %s",
                              x->redacted, s->dir_tmp, strerror(errno));
        close(in);
        free(key);
        pw_buf_free(&tmp);
        pw_fetch_xfer_done(x, rc);
        return;
    }
    fchmod(out, 0644);
    pw_sha256 h;
    pw_sha256_init(&h);
    uint64_t total = 0;
    int rc = PW_OK;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(in, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = pw_error_set(&r->error, PW_EIO, "%s: read error: %s", x->redacted,
                              strerror(errno));
            break;
        }
        if (n == 0)
            break;
        pw_sha256_update(&h, chunk, (size_t)n);
        total += (uint64_t)n;
        if (pw_write_all(out, chunk, (size_t)n) != 0) {
            rc = pw_error_set(&r->error, PW_EIO, "%s: cannot write %s: %s", x->redacted, tmp.data,
                              strerror(errno));
            break;
        }
    }
    pw_sha256_final_hex(&h, r->sha256);
    r->size = total;
    close(in);
    /* No fsync: cached artifacts are re-hashed whenever they are used. */
    if (close(out) != 0 && rc == PW_OK)
        rc = pw_error_set(&r->error, PW_EIO, "%s: cannot write %s: %s", x->redacted, tmp.data,
                          strerror(errno));
    if (rc == PW_OK && x->expected && strcmp(x->expected, r->sha256) != 0)
        rc = pw_error_set(&r->error, PW_EHASH, "%s: sha256 mismatch: expected %s, actual %s",
                          x->redacted, x->expected, r->sha256);
    if (rc == PW_OK && r->expected_size > 0 && (uint64_t)r->expected_size != total)
        rc = pw_error_set(&r->error, PW_EHASH, "%s: size mismatch: expected %lld bytes, got %llu",
                          x->redacted, (long long)r->expected_size, (unsigned long long)total);
    if (rc == PW_OK)
        rc = pw_fetch_artifact_publish(s, x, tmp.data, &r->error);
    if (rc == PW_OK && key)
        pw_fetch_url_index_store(s, key, r->sha256);
    if (rc != PW_OK)
        unlink(tmp.data);
    free(key);
    pw_buf_free(&tmp);
    pw_fetch_xfer_done(x, rc);
}
