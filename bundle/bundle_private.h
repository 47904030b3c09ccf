/*
 * Private to bundle/: the pure parsers (RECORD, WHEEL, wheel file names,
 * member paths) that install.c and build.c share, exposed here so that
 * tests/bundle can drive them directly.
 */
#ifndef PW_BUNDLE_PRIVATE_H
#define PW_BUNDLE_PRIVATE_H

#include "bundle.h"

/* 1980-01-01T00:00:00Z, the earliest time a ZIP entry can carry. */
#define PW_BUNDLE_DOS_EPOCH INT64_C(315532800)
/* `requested` when >= 0, else $SOURCE_DATE_EPOCH, else the DOS epoch;
 * never earlier than the DOS epoch. */
int pw_bundle_resolve_epoch(int64_t requested, int64_t *out, pw_error *err);
/* MS-DOS date and time of an epoch, in UTC. */
void pw_bundle_dos_datetime(int64_t epoch, uint16_t *dtime, uint16_t *ddate);

/* One RECORD row. Binary distribution format: "path,sha256=<urlsafe b64
 * without padding>,size"; hash and size are empty for RECORD itself. */
typedef struct pw_record_entry {
    char *path;
    bool has_hash;
    unsigned char digest[PW_SHA256_LEN];
    int64_t size; /* -1 when the field is empty */
    bool seen;    /* set by the installer when the member was found */
} pw_record_entry;

typedef struct pw_record {
    pw_record_entry *entries; /* sorted by path after a successful parse */
    size_t len;
    size_t cap;
} pw_record;

/* Parses RECORD text (CSV as Python's csv module writes it). `origin` names
 * the file for messages ("foo.whl: foo-1.0.dist-info/RECORD"). Rows that
 * repeat a path with the same values are merged; conflicting ones are
 * PW_EINVAL. Hash algorithms other than sha256 are PW_EUNSUPPORTED. */
int pw_bundle_record_parse(const char *origin, const char *text, size_t len, pw_record *out,
                           pw_error *err);
pw_record_entry *pw_bundle_record_find(const pw_record *r, const char *path);
void pw_bundle_record_free(pw_record *r);

/* Appends `s` as one CSV field, quoted only when it needs to be (as
 * Python's csv.writer does with QUOTE_MINIMAL). */
void pw_bundle_csv_field(pw_buf *out, const char *s);

/* RFC 4648 section 5 ("base64url"), without '=' padding, as RECORD wants. */
void pw_bundle_b64url_encode(const unsigned char *raw, size_t n, pw_buf *out);
/* Returns the decoded length, or -1 on a bad character or length. */
long pw_bundle_b64url_decode(pw_slice s, unsigned char *out, size_t cap);

/* Refuses member names that could escape the target or mean different
 * things on different systems: empty, absolute, drive letters, backslashes,
 * "." or ".." components, empty components, control characters. A trailing
 * '/' (a directory entry) is allowed. */
int pw_bundle_check_member_path(const char *archive, const char *name, pw_error *err);

/* The WHEEL file of a .dist-info directory. */
typedef struct pw_bundle_wheel_meta {
    int major, minor;      /* Wheel-Version */
    bool root_is_purelib;
} pw_bundle_wheel_meta;

/* Missing or malformed Wheel-Version is PW_EINVAL; a major version other
 * than 1 is PW_EUNSUPPORTED (binary distribution format: "refuse to install
 * a wheel whose major version is greater than supported"). */
int pw_bundle_wheel_meta_parse(const char *origin, const char *text, size_t len,
                               pw_bundle_wheel_meta *out, pw_error *err);

/* Versions as spelled in file names and .dist-info names: equal up to case
 * and the '-'/'_' escaping of the file name convention. */
bool pw_bundle_versions_equal(pw_slice a, pw_slice b);

/* The gzip size (zlib level 6) of the files' bytes concatenated, as one
 * stream with its header and trailer. */
int pw_bundle_gzip_size(const char *const *paths, size_t n, uint64_t *size, pw_error *err);
/* The same stream, and each file's share of it (`each`, n entries, may be
 * NULL): each piece of output, as it appears, shared by size among the
 * files fed since the last piece (deflate holds back up to a block, so
 * output trails its input). Exact in sum; per file to within a block. */
int pw_bundle_gzip_size_each(const char *const *paths, size_t n, uint64_t *each, uint64_t *size,
                             pw_error *err);

/* The same count over bytes fed piece by piece (the members slimming
 * leaves out, which are never written to disk). */
typedef struct pw_gzip_counter pw_gzip_counter;
pw_gzip_counter *pw_gzip_counter_new(void);
void pw_gzip_counter_feed(pw_gzip_counter *c, const void *data, size_t n);
/* Ends the stream, frees the counter and returns its size. */
uint64_t pw_gzip_counter_finish(pw_gzip_counter *c);

/* fnmatch(3) on the path or any directory that contains it (--exclude). */
bool pw_bundle_glob_matches(const char *pattern, const char *path);

/* bundle.json's "slimming": what made the tree smaller than the lock's
 * wheels (strip classes, --exclude globs, --slim), so that a rebuild can
 * apply the same; NULL when nothing did (slim.c). */
struct cJSON;
struct cJSON *pw_bundle_slimming_json(unsigned strip, const pw_strlist *exclude,
                                      const pw_bundle_slim *slim);

/* Whether slimming keeps an installed path (bundle/slim.c). */
bool pw_bundle_slim_keeps(const pw_bundle_slim *slim, const char *path);

#endif
