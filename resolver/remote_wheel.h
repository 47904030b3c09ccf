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

/*
 * Reads the "<name>.dist-info/METADATA" member of the wheel at `url`
 * (http(s)://, file:// or a path) with range requests: the last
 * PW_WHEEL_TAIL bytes, then what pw_wheel_metadata_from asks for outside
 * them (the central directory when it was not in the tail, then the
 * member's local header and data in one range). `out` is reset and gets
 * the METADATA bytes.
 *
 * Errors name the (redacted) URL and what was wrong: those of
 * pw_wheel_metadata_from (PW_EUNSUPPORTED for another compression or
 * encryption: download the whole wheel instead), PW_EUNSUPPORTED when the
 * server does not do ranges, PW_EINVAL when the file changes between two
 * ranges, and what pw_fetch_range returns for transfer errors (PW_ENET,
 * offline...).
 */
int pw_remote_wheel_metadata(pw_fetch_session *s, const char *url, pw_buf *out, pw_error *err);

#endif
