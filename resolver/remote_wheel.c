/*
 * METADATA of a remote wheel through range requests on its zip structure:
 * packaging/'s pw_wheel_metadata_from walks it, this file reads the bytes.
 */
#include "remote_wheel.h"

#include "metadata.h"

#include <stdlib.h>
#include <string.h>

/* A remote file read piece by piece. */
typedef struct remote_zip {
    pw_fetch_session *s;
    const char *url;
    const char *redacted;
    uint64_t total;
    pw_buf piece; /* the last range read outside the tail */
} remote_zip;

static int read_range(void *ctx, uint64_t at, uint64_t len, const unsigned char **p,
                      pw_error *err)
{
    remote_zip *z = ctx;
    uint64_t total = 0;
    int rc = pw_fetch_range(z->s, z->url, (int64_t)at, len, &z->piece, &total, err);
    if (rc != PW_OK)
        return rc;
    /* The file must not change between two ranges of one read. */
    if (total != z->total || z->piece.len != len)
        return pw_error_set(err, PW_EINVAL,
                            "%s: the file changed while being read (%llu bytes, then %llu)",
                            z->redacted, (unsigned long long)z->total,
                            (unsigned long long)total);
    *p = (const unsigned char *)z->piece.data;
    return PW_OK;
}

int pw_remote_wheel_metadata(pw_fetch_session *s, const char *url, pw_buf *out, pw_error *err)
{
    pw_buf_reset(out);
    char *redacted = pw_redact_url(url ? url : "");
    remote_zip z = {.s = s, .url = url, .redacted = redacted};
    pw_buf_init(&z.piece);
    pw_buf tail = PW_BUF_INIT;
    int rc = pw_fetch_range(s, url, -(int64_t)PW_WHEEL_TAIL, 0, &tail, &z.total, err);
    if (rc == PW_OK) {
        pw_wheel_bytes src = {
            .origin = redacted,
            .total = z.total,
            .tail = (const unsigned char *)tail.data,
            .tail_len = tail.len,
            .read = read_range,
            .ctx = &z,
        };
        rc = pw_wheel_metadata_from(&src, out, err);
    }
    pw_buf_free(&tail);
    pw_buf_free(&z.piece);
    free(redacted);
    return rc;
}
