/* requirements.txt as pip reads it. Part of packaging/: other modules
 * include packaging.h. */
#ifndef PW_REQFILE_H
#define PW_REQFILE_H

#include "common.h"
#include "pep508.h"

/* -r/-c chains longer than this many files fail with PW_ELIMIT. */
#define PW_REQFILE_MAX_DEPTH 32

typedef struct pw_reqfile_entry {
    pw_requirement req; /* a bare wheel path/URL becomes "name @ path-or-url"
                         * (name from the wheel file name; pip reads relative
                         * paths against the current directory, so they stay
                         * as written) */
    char *text;         /* the requirement text as written (after ${VAR} expansion) */
    char *file;         /* path of the file it came from, as given/joined */
    size_t line;        /* 1-based physical line where the logical line starts */
    pw_strlist hashes;  /* "<algorithm>:<lowercase hex>", algorithm sha256, sha384
                         * or sha512 (pip's set), in the order given, unique */
} pw_reqfile_entry;

typedef struct pw_reqfile {
    pw_reqfile_entry *requirements;
    size_t n_requirements;
    pw_reqfile_entry *constraints;
    size_t n_constraints;
    char *index_url;        /* --index-url/-i (the last one wins), NULL when not given */
    bool no_index;
    pw_strlist extra_index_urls, find_links, trusted_hosts; /* in the order given, unique */
    /* --only-binary / --no-binary, combined as pip does (":all:" clears the
     * other list, ":none:" clears this one); names PEP 503 normalized,
     * sorted. */
    pw_strlist only_binary, no_binary;
    bool pre, prefer_binary, require_hashes;
    pw_strlist files;       /* every file read, in read order, unique (for input digests) */
} pw_reqfile;

typedef struct pw_reqfile_io { /* NULL io (or a NULL member) = the real file system / getenv() */
    int (*read_file)(void *ctx, const char *path, pw_buf *out, pw_error *err);
    const char *(*getenv)(void *ctx, const char *name);
    void *ctx;
} pw_reqfile_io;

/*
 * Reads `path` and the files it includes (-r/-c, relative to the including
 * file's directory). Errors read "file:line:column: what was expected";
 * unsupported input (editables, VCS, source trees and archives, URL
 * includes) is PW_EUNSUPPORTED, a cycle of includes PW_EINVAL, too deep an
 * include chain PW_ELIMIT. On failure `out` is left empty.
 *
 * Deliberate departures from pip, where pip silently ignores what is almost
 * surely a mistake: a --hash on a line without a requirement and stray
 * arguments after options are errors.
 */
int pw_reqfile_parse(const char *path, const pw_reqfile_io *io, pw_reqfile *out, pw_error *err);
/* The same, for text already in memory that stands for the file `path`. */
int pw_reqfile_parse_text(const char *path, const char *text, size_t len, const pw_reqfile_io *io,
                          pw_reqfile *out, pw_error *err);
/*
 * pip's hash-checking mode: when require_hashes or any requirement has a
 * --hash, every requirement needs one and must be pinned with == (or ===)
 * to one version, no wildcard (a direct URL is pinned by the URL itself);
 * md5/sha1/sha224 are refused (pip's rule). Fails with PW_EINVAL; the
 * error names file:line.
 */
int pw_reqfile_check_hashes(const pw_reqfile *rf, pw_error *err);
void pw_reqfile_free(pw_reqfile *rf);

#endif
