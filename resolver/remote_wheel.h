/*
 * The METADATA of a remote wheel without downloading it: HTTP range
 * requests on the zip structure (APPNOTE.TXT 4.3), for indexes that offer
 * no PEP 658 / PEP 714 core-metadata file. Private to resolver/: other
 * modules include resolver.h.
 *
 * Trust: bytes read this way are not covered by the wheel's sha256 (only
 * the whole file is). That is acceptable because they only steer the
 * resolution: the lock records the index's sha256 of the wheel, and every
 * later download of it (bundle, install, pwpkg check) is verified against
 * that digest. The CRC-32 of the member is checked, against accidents.
 */
#ifndef PW_REMOTE_WHEEL_H
#define PW_REMOTE_WHEEL_H

#include "common.h"
#include "fetch.h"

/* The tail read first: the End Of Central Directory record (22 bytes), a
 * zip comment of at most 65535 bytes, the ZIP64 locator (20) and ZIP64
 * record (56) before it. Central directories of small wheels fit too. */
#define PW_REMOTE_WHEEL_TAIL ((uint64_t)65 * 1024)
/* Defensive limit on the central directory (PW_ELIMIT beyond). */
#define PW_REMOTE_WHEEL_MAX_CD ((uint64_t)16 << 20)

/*
 * Reads the "<name>.dist-info/METADATA" member of the wheel at `url`
 * (http(s)://, file:// or a path) with range requests: the tail, the
 * central directory when it was not in the tail, then the member's local
 * header and data in one range (none when they were in the tail).
 * Stored or deflated members only; the CRC-32 and size are checked.
 * `out` is reset and gets the METADATA bytes.
 *
 * Errors name the (redacted) URL and what was wrong:
 *  - PW_EUNSUPPORTED: the server does not do ranges, or the member uses
 *    another compression or encryption: download the whole wheel instead;
 *  - PW_EINVAL: not a zip (no end record; a truncated file), a damaged
 *    central directory or member, no or more than one .dist-info/METADATA
 *    at depth 1, an implausible compression ratio, a CRC mismatch;
 *  - PW_ELIMIT: central directory above PW_REMOTE_WHEEL_MAX_CD, METADATA
 *    above PW_METADATA_MAX_SIZE;
 *  - what pw_fetch_range returns for transfer errors (PW_ENET, offline...).
 */
int pw_remote_wheel_metadata(pw_fetch_session *s, const char *url, pw_buf *out, pw_error *err);

#endif
