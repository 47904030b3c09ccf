/*
 * Byte ranges of a remote (or local) file, for readers that need a few
 * pieces of a large artifact: the zip central directory and the METADATA
 * member of a wheel (resolver/remote_wheel.c), without downloading it.
 *
 * HTTP: one GET with "Range: bytes=first-last" or "bytes=-N" (RFC 9110
 * 14.1.2), answered with 206 and "Content-Range: bytes first-last/complete"
 * (RFC 9110 14.4). Same TLS, CA bundle, netrc, credential, redirect,
 * timeout and retry settings as every other transfer of the session.
 * Ranges are not cached: they are small, and the artifact they come from is
 * cached whole by hash once it is downloaded.
 *
 * file:// URLs and plain paths read the range from the file directly, so
 * local indexes work the same way and the callers are testable without a
 * server. Included by fetch.h.
 */
#ifndef PW_FETCH_RANGE_API_H
#define PW_FETCH_RANGE_API_H

#include "common.h"

#include <stdint.h>

typedef struct pw_fetch_session pw_fetch_session;

/* The largest range one call may ask for. */
#define PW_FETCH_RANGE_MAX ((uint64_t)16 << 20)

/*
 * GET bytes [offset, offset+length) of `url`. A negative offset asks for a
 * suffix range, the last -offset bytes ("bytes=-N"); `length` must then be
 * 0 or -offset. `out` is reset and filled with the bytes: fewer than asked
 * when the file ends first (a suffix longer than the file gives the whole
 * file). *total_size gets the full size of the resource (from
 * Content-Range).
 *
 * Errors name the redacted URL:
 *  - PW_EUNSUPPORTED: the server answered 200 (it ignores Range) or a 206
 *    without a usable Content-Range; the caller downloads the whole file.
 *    The 200 body is not read past its first bytes.
 *  - PW_ENET: offline session (for http/https; local files still work), a
 *    transfer error or an HTTP error status (after the session's retries);
 *  - PW_ENOTFOUND: HTTP 404/410, a missing local file;
 *  - PW_EINVAL: a range that starts at or past the end of the file (416),
 *    bad arguments; PW_ELIMIT: length above PW_FETCH_RANGE_MAX.
 */
int pw_fetch_range(pw_fetch_session *s, const char *url, int64_t offset, uint64_t length,
                   pw_buf *out, uint64_t *total_size, pw_error *err);

/*
 * Are these files there? One-byte range requests, `jobs` of them at once,
 * without retries: results[i] is PW_OK (206, a 200 of a server that ignores
 * Range, or a 416 for an empty file), PW_ENOTFOUND (404, 410, a missing
 * local file), or PW_ENET when it could not be told (offline, a transfer
 * error, another status): ask pw_fetch_range for those, which retries and
 * says why. Always returns PW_OK.
 */
int pw_fetch_probe(pw_fetch_session *s, const char *const *urls, size_t n, int *results);

#endif
