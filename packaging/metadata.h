/*
 * Core metadata (the METADATA file of a wheel's .dist-info, PKG-INFO of an
 * sdist): RFC 822-style headers, metadata versions 1.0 to 2.4. Part of
 * packaging/: other modules include packaging.h.
 */
#ifndef PW_METADATA_H
#define PW_METADATA_H

#include "common.h"
#include "pep508.h"

/* Defensive limits: larger input fails with PW_ELIMIT. */
#define PW_METADATA_MAX_SIZE (16u * 1024u * 1024u)
#define PW_METADATA_MAX_FIELDS 100000

typedef struct pw_metadata {
    char *metadata_version, *name, *version; /* always set after a successful parse */
    char *requires_python, *summary;         /* NULL when absent */
    pw_requirement *requires_dist;
    size_t n_requires_dist;
    pw_strlist provides_extra;     /* PEP 685-normalized, sorted, unique */
    pw_strlist dynamic;            /* metadata 2.2 "Dynamic", field names lowercased */
    char *license_expression;      /* metadata 2.4, NULL when absent */
} pw_metadata;

/*
 * Parses the header section of a METADATA / PKG-INFO file (the body after
 * the first blank line, the description, is ignored). Field names are
 * case-insensitive; continuation lines (starting with space or tab) are
 * joined with single spaces. Metadata-Version, Name and Version are
 * required; Version and Requires-Python must follow PEP 440, every
 * Requires-Dist PEP 508. Errors read "origin:LINE: Field: what was
 * expected". A Metadata-Version with a major other than 1 or 2 fails with
 * PW_EUNSUPPORTED. On error `out` holds nothing to free.
 */
int pw_metadata_parse(const char *origin, const char *text, size_t len, pw_metadata *out,
                      pw_error *err);

/*
 * Checks that the metadata describes `expected_name` (compared normalized)
 * at `expected_version` (compared by PEP 440 equality). Either may be NULL
 * to skip it. The error reads "<origin>: METADATA says Name: bar, expected
 * foo" (PW_ECHECK).
 */
int pw_metadata_check_identity(const pw_metadata *m, const char *origin, const char *expected_name,
                               const char *expected_version, pw_error *err);

void pw_metadata_free(pw_metadata *m);

/* The text of a wheel's .dist-info/METADATA (exactly one, at most
 * PW_METADATA_MAX_SIZE); `origin` names the wheel in errors. Read with
 * pw_wheel_metadata_from on the file's tail and two preads at most; only
 * a METADATA that is neither stored nor deflated (bzip2, lzma) opens
 * libzip. */
int pw_wheel_read_metadata(const char *path, const char *origin, pw_buf *out, pw_error *err);

/* The bytes of a wheel as pw_wheel_metadata_from reads them: a local file
 * or a remote one read by ranges. Zip layout and field offsets: PKWARE
 * APPNOTE.TXT 6.3.x, 4.3.7 (local file header), 4.3.12 (central
 * directory header), 4.3.14-16 (ZIP64 end record and locator, end of
 * central directory record), 4.5.3 (ZIP64 extended information). */
typedef struct pw_wheel_bytes {
    const char *origin; /* named in every error */
    uint64_t total;     /* the file's size */
    /* The file's last tail_len bytes, at least PW_WHEEL_TAIL of them (or
     * the whole file): the end records and often the central directory. */
    const unsigned char *tail;
    size_t tail_len;
    /* Points *p at bytes [at, at+len), which lie inside the file and
     * start before the tail; valid until the next call. */
    int (*read)(void *ctx, uint64_t at, uint64_t len, const unsigned char **p, pw_error *err);
    void *ctx;
} pw_wheel_bytes;

/* The tail read first: the end record (22 bytes), a zip comment of at most
 * 65535 bytes, the ZIP64 locator (20) and record (56) before it. */
#define PW_WHEEL_TAIL ((uint64_t)65 * 1024)
/* Defensive limit on the central directory (PW_ELIMIT beyond). */
#define PW_WHEEL_MAX_CENTRAL_DIRECTORY ((uint64_t)16 << 20)

/*
 * The "<name>.dist-info/METADATA" member at depth 1, read from its end
 * records, central directory and local header, with the fewest reads
 * outside the tail (the central directory when it is not in the tail,
 * then the member's header and data in one). Stored or deflated members
 * only; the size and CRC-32 are checked. `out` is reset and gets the
 * METADATA bytes. Errors name src->origin:
 *  - PW_EUNSUPPORTED: an encrypted member, or another compression;
 *  - PW_EINVAL: not a zip (no end record; truncated), a split archive, a
 *    damaged central directory or member, no or more than one METADATA,
 *    an implausible compression ratio, a CRC or size mismatch;
 *  - PW_ELIMIT: a central directory above PW_WHEEL_MAX_CENTRAL_DIRECTORY,
 *    METADATA above PW_METADATA_MAX_SIZE;
 *  - what src->read returns.
 */
int pw_wheel_metadata_from(const pw_wheel_bytes *src, pw_buf *out, pw_error *err);

#endif
