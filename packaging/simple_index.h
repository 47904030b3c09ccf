/*
 * The "simple" repository API: PEP 503 HTML and PEP 691 JSON project pages
 * (with PEP 592 yanking, PEP 658/714 core metadata, PEP 700 sizes and
 * upload times), RFC 3986 URL resolution, page writers for mirrors, and
 * timestamps for --exclude-newer. Part of packaging/: other modules
 * include packaging.h.
 *
 * The parsers are pure: bytes in, structure or error out.
 */
#ifndef PW_SIMPLE_INDEX_H
#define PW_SIMPLE_INDEX_H

#include "common.h"

/* Defensive limits: a page beyond them fails with PW_ELIMIT. */
#define PW_INDEX_MAX_FILES 1000000
#define PW_INDEX_MAX_ATTR 65536 /* bytes of one kept attribute value or anchor text */

/* The Accept header pwpkg sends: PEP 691 content negotiation, JSON
 * preferred, HTML accepted. */
#define PW_INDEX_ACCEPT                                                                   \
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, " \
    "text/html;q=0.01"

typedef struct pw_index_file {
    char *filename, *url;     /* url absolute, fragment removed */
    char *sha256;             /* lowercase hex or NULL */
    pw_strlist hashes;        /* "name=hex" all of them, hex lowercased */
    char *requires_python;    /* NULL when absent */
    bool yanked;
    char *yanked_reason;      /* NULL when not yanked or no reason given */
    bool has_metadata;        /* PEP 658/714 */
    char *metadata_sha256;    /* NULL when absent */
    char *upload_time;        /* PEP 700 ISO 8601, NULL when absent */
    int64_t size;             /* -1 unknown */
    bool is_wheel;            /* filename ends in .whl */
} pw_index_file;

typedef struct pw_index_page {
    char *project; /* as the page names it; NULL when an HTML page does not say */
    pw_index_file *files;
    size_t n_files;
} pw_index_page;

/*
 * Parses one project page. `content_type` (parameters such as charset are
 * ignored) chooses the parser: text/html and application/vnd.pypi.simple.v1+html
 * read PEP 503 HTML; application/vnd.pypi.simple.v1+json and application/json
 * read PEP 691 JSON; NULL sniffs ('{' first means JSON). Relative URLs are
 * resolved against `page_url` (or an HTML <base href>). A PEP 691 api-version
 * (or PEP 629 pypi:repository-version) with a major version other than 1
 * fails with PW_EUNSUPPORTED. Errors name the page URL (credentials
 * redacted). On error `out` holds nothing to free.
 */
int pw_index_page_parse(const char *page_url, const char *content_type, const char *body,
                        size_t len, pw_index_page *out, pw_error *err);
void pw_index_page_free(pw_index_page *p);

/*
 * Page writers for mirrors. Deterministic: files sorted by file name, hash
 * names sorted. HTML carries one hash per file in the URL fragment (sha256
 * when known, else the first by name) and cannot carry sizes or upload
 * times. JSON is api-version 1.1 with "versions" derived from the file
 * names; "size" and "upload-time" appear only when known.
 */
void pw_index_page_write_html(const pw_index_page *p, pw_buf *out);
void pw_index_page_write_json(const pw_index_page *p, pw_buf *out);
/* The root page: one entry per project (sorted, unique), linking to the
 * normalized name relative to the root ("numpy/"). */
void pw_index_root_write_html(const pw_strlist *projects, pw_buf *out);
void pw_index_root_write_json(const pw_strlist *projects, pw_buf *out);

#endif
