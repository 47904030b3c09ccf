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
 * PW_METADATA_MAX_SIZE); `origin` names the wheel in errors. */
int pw_wheel_read_metadata(const char *path, const char *origin, pw_buf *out, pw_error *err);

#endif
