/*
 * common: the few pieces every pwpkg module shares.
 *
 *  - pw_slice: a counted view into someone else's bytes (parsers walk these);
 *  - pw_buf: the one growable byte/string buffer;
 *  - pw_arena: bump allocation for data that lives as long as one command;
 *  - pw_error: the one error convention (negative PW_E... code + message);
 *  - file helpers, with the single atomic-write path (temp file + rename);
 *  - sha256 (OpenSSL EVP underneath);
 *  - deterministic JSON output of cJSON trees;
 *  - the reporter, the one piece of global state (chosen by cli/ at start-up).
 *
 * Allocation failure aborts the process (pw_xmalloc): a CLI that cannot
 * allocate a few bytes has no useful way to go on, and threading ENOMEM
 * through every parser would bury the real error paths.
 */
#ifndef PW_COMMON_H
#define PW_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define PW_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define PW_PRINTF(fmt_index, first_arg)
#endif

/* ---------------------------------------------------------------- errors */

enum pw_status {
    PW_OK = 0,
    PW_EINVAL = -1,      /* bad input: a parse error, a bad option value */
    PW_EIO = -2,         /* local file system */
    PW_ENET = -3,        /* network transfer */
    PW_ENOTFOUND = -4,   /* a file, package or version that does not exist */
    PW_ECONFLICT = -5,   /* no resolution satisfies the requirements */
    PW_EHASH = -6,       /* a digest did not match */
    PW_ECHECK = -7,      /* a check ran and found a problem (stale lock...) */
    PW_EUNSUPPORTED = -8,/* valid input that pwpkg does not handle (yet) */
    PW_ELIMIT = -9,      /* a resource limit was hit (size, depth, count) */
    PW_ERUNTIME = -10,   /* the Node.js/Pyodide runtime could not start */
};

typedef struct pw_error {
    int code;          /* one of enum pw_status, PW_OK when unset */
    char *message;     /* heap-owned, NULL when unset */
} pw_error;

/* Sets the error (replacing any earlier one) and returns `code`, so that
 * callers can write `return pw_error_set(err, PW_EINVAL, "...")`. */
int pw_error_set(pw_error *err, int code, const char *fmt, ...) PW_PRINTF(3, 4);
int pw_error_setv(pw_error *err, int code, const char *fmt, va_list ap);
/* Prefixes context to an existing message: "context: old message". */
int pw_error_wrap(pw_error *err, const char *fmt, ...) PW_PRINTF(2, 3);
void pw_error_clear(pw_error *err);
const char *pw_error_message(const pw_error *err); /* never NULL */
const char *pw_status_name(int code);

/* What a status says of the run, the one grouping exit codes and callers
 * that re-file an error (a bundle's artifact, a verify check) go by. */
typedef enum pw_status_class {
    PW_STATUS_OK,
    PW_STATUS_FOUND, /* a check ran and found a problem: ECHECK, ECONFLICT, EHASH */
    PW_STATUS_INPUT, /* the input is wrong: EINVAL, EUNSUPPORTED, ENOTFOUND, ELIMIT */
    PW_STATUS_IO,    /* the machine: EIO, ENET, ERUNTIME, anything else */
} pw_status_class;
pw_status_class pw_status_classify(int code);

/* ------------------------------------------------------------ allocation */

void *pw_xmalloc(size_t size);
void *pw_xcalloc(size_t count, size_t size);
void *pw_xrealloc(void *ptr, size_t size);
char *pw_xstrdup(const char *s);
char *pw_xstrndup(const char *s, size_t len);
/* Grows *array (of *cap elements of elem_size) so that index `need-1` fits. */
void pw_grow(void **array, size_t *cap, size_t need, size_t elem_size);
#define PW_GROW(array, cap, need) pw_grow((void **)&(array), &(cap), (need), sizeof(*(array)))

/* ----------------------------------------------------------------- slices */

typedef struct pw_slice {
    const char *ptr;
    size_t len;
} pw_slice;

#define PW_SLICE_FMT "%.*s"
#define PW_SLICE_ARG(s) (int)(s).len, (s).ptr

pw_slice pw_slice_from(const char *cstr);
pw_slice pw_slice_make(const char *ptr, size_t len);
pw_slice pw_slice_trim(pw_slice s);
bool pw_slice_eq(pw_slice a, pw_slice b);
bool pw_slice_eq_cstr(pw_slice a, const char *b);
bool pw_slice_eq_icase_cstr(pw_slice a, const char *b);
bool pw_slice_starts_with(pw_slice s, const char *prefix);
bool pw_slice_ends_with(pw_slice s, const char *suffix);
/* Index of the first `c`, or -1. */
long pw_slice_find_char(pw_slice s, char c);

/* ----------------------------------------------------------------- buffer */

typedef struct pw_buf {
    char *data; /* always NUL-terminated once anything was added */
    size_t len;
    size_t cap;
} pw_buf;

#define PW_BUF_INIT {NULL, 0, 0}

void pw_buf_init(pw_buf *b);
void pw_buf_free(pw_buf *b);
void pw_buf_reset(pw_buf *b); /* len = 0, keeps the allocation */
void pw_buf_reserve(pw_buf *b, size_t extra);
void pw_buf_append(pw_buf *b, const void *data, size_t len);
void pw_buf_puts(pw_buf *b, const char *s);
void pw_buf_putc(pw_buf *b, char c);
void pw_buf_put_slice(pw_buf *b, pw_slice s);
void pw_buf_printf(pw_buf *b, const char *fmt, ...) PW_PRINTF(2, 3);
void pw_buf_vprintf(pw_buf *b, const char *fmt, va_list ap);
const char *pw_buf_cstr(const pw_buf *b); /* "" for an empty buffer */
/* Hands the heap string to the caller and leaves `b` empty. */
char *pw_buf_detach(pw_buf *b);

/* ------------------------------------------------------------------ arena */

typedef struct pw_arena_block pw_arena_block;
typedef struct pw_arena {
    pw_arena_block *head;
} pw_arena;

#define PW_ARENA_INIT {NULL}

void *pw_arena_alloc(pw_arena *a, size_t size);   /* zeroed, 16-aligned */
char *pw_arena_strdup(pw_arena *a, const char *s);
char *pw_arena_strndup(pw_arena *a, const char *s, size_t len);
char *pw_arena_slice(pw_arena *a, pw_slice s);
char *pw_arena_printf(pw_arena *a, const char *fmt, ...) PW_PRINTF(2, 3);
void pw_arena_free(pw_arena *a);

/* ------------------------------------------------------------ string list */

/* A growable list of heap strings the list owns. */
typedef struct pw_strlist {
    char **items;
    size_t len;
    size_t cap;
} pw_strlist;

#define PW_STRLIST_INIT {NULL, 0, 0}

void pw_strlist_push(pw_strlist *l, const char *s);
void pw_strlist_push_owned(pw_strlist *l, char *s);
bool pw_strlist_contains(const pw_strlist *l, const char *s);
void pw_strlist_sort(pw_strlist *l); /* byte order (strcmp) */
void pw_strlist_sort_unique(pw_strlist *l);
void pw_strlist_free(pw_strlist *l);

/* -------------------------------------------------------------------- map */

/* A string-keyed hash map (open addressing). Keys are copied; values are
 * the caller's. */
typedef struct pw_map {
    char **keys;
    void **values;
    size_t len;
    size_t cap; /* a power of two, or 0 */
} pw_map;

#define PW_MAP_INIT {NULL, NULL, 0, 0}

void *pw_map_get(const pw_map *m, const char *key);
/* Inserts or replaces; returns the previous value (or NULL). */
void *pw_map_put(pw_map *m, const char *key, void *value);
void pw_map_free(pw_map *m); /* frees keys, not values */

/* ------------------------------------------------------------------ files */

/* Reads a whole file. Errors name the path. */
/* Bound of every file read whole (inputs, locks, indexes, cached pages). */
#define PW_MAX_INPUT_BYTES ((uint64_t)256 << 20)
int pw_read_file(const char *path, pw_buf *out, pw_error *err);
/*
 * The one way pwpkg writes a file: into a temporary file in the same
 * directory, fsync, then rename over `path`, so that a reader (or a crash)
 * never sees half a file. The temporary is removed on every failure path.
 */
int pw_write_file_atomic(const char *path, const void *data, size_t len, pw_error *err);
/* The same without fsync, for caches whose entries are checked when read
 * (a torn entry after a crash is a miss, never a wrong answer). */
int pw_write_cache_file(const char *path, const void *data, size_t len, pw_error *err);
/* Staging entries beside an output are named "<output>.pwpkg-tmp-XXXXXX"
 * (mkstemp's and mkdtemp's template; pw_staging_template gives it, heap).
 * Nothing else beside an output is ever removed. */
#define PW_STAGING_INFIX ".pwpkg-tmp-"
char *pw_staging_template(const char *output);
/*
 * Before writing `path` (a file or a tree, through staging entries): takes
 * an exclusive lock on its directory and removes the staging entries that a
 * killed writer of the same path left behind (exactly pwpkg's pattern), or
 * puts back the previous output a killed pw_replace_tree had moved aside.
 * Concurrent writers of one directory take turns. *lock_fd gets the lock
 * (-1 when the directory cannot be locked, which is not an error); release
 * it with pw_output_release.
 */
int pw_output_claim(const char *path, int *lock_fd, pw_error *err);
void pw_output_release(int lock_fd);
/* Puts the staged tree `stage` in place of `out` (held with
 * pw_output_claim): atomically with renameat2(RENAME_EXCHANGE) where the
 * file system has it, else with two renames that the next claim repairs. */
int pw_replace_tree(const char *stage, const char *out, pw_error *err);
bool pw_file_exists(const char *path);
bool pw_is_dir(const char *path);
/* mkdir -p; mode 0755 before umask. */
int pw_mkdirs(const char *path, pw_error *err);
/* rm -rf; a missing path is not an error. */
int pw_remove_tree(const char *path, pw_error *err);
/* Joins with exactly one '/', into a new heap string. */
char *pw_path_join(const char *dir, const char *name);
/* New heap string: the directory part of `path` ("." when there is none). */
char *pw_path_dirname(const char *path);
const char *pw_path_basename(const char *path);

/* write(2) until all of data is written, through EINTR; -1 with errno set. */
int pw_write_all(int fd, const void *data, size_t len);
/* pread(2) of `len` bytes at offset `at`, through EINTR and short reads:
 * the bytes read (fewer only where the file ends), or -1 with errno set. */
int64_t pw_read_at(int fd, void *to, size_t len, uint64_t at);

/* ---------------------------------------------------------------- digests */

#define PW_SHA256_LEN 32
#define PW_SHA256_HEX_LEN 64

typedef struct pw_sha256 {
    void *evp; /* EVP_MD_CTX * */
} pw_sha256;

void pw_sha256_init(pw_sha256 *h);
void pw_sha256_update(pw_sha256 *h, const void *data, size_t len);
/* Writes 64 lowercase hex digits and a NUL into hex[65]; frees the context. */
void pw_sha256_final_hex(pw_sha256 *h, char hex[PW_SHA256_HEX_LEN + 1]);
void pw_sha256_final_raw(pw_sha256 *h, unsigned char raw[PW_SHA256_LEN]);
void pw_sha256_hex(const void *data, size_t len, char hex[PW_SHA256_HEX_LEN + 1]);
int pw_sha256_file_hex(const char *path, char hex[PW_SHA256_HEX_LEN + 1], uint64_t *size_out,
                       pw_error *err);
bool pw_is_sha256_hex(const char *s);

/* -------------------------------------------------------------------- JSON */

struct cJSON;
/*
 * Deterministic JSON text: two-space indentation, object keys in byte order,
 * "\n" line ends, a trailing newline, no floating-point noise (integers are
 * written as integers). Used for every JSON file pwpkg writes.
 */
void pw_json_write(const struct cJSON *value, pw_buf *out);
/* Parses JSON text; errors name `origin` with line and column. */
int pw_json_parse(const char *origin, const char *text, size_t len, struct cJSON **out, pw_error *err);
/* Removes // and block comments and trailing commas (JSONC), keeping strings
 * and line numbers intact. */
void pw_jsonc_strip(const char *text, size_t len, pw_buf *out);

/* --------------------------------------------------------------- reporter */

enum pw_report_level { PW_REPORT_DEBUG, PW_REPORT_INFO, PW_REPORT_WARN };

/* Progress of a batch of transfers, as the fetch engine runs it: BEGIN
 * (files to transfer, their known total size, and what they are), UPDATE
 * of one file (label, bytes done, its total or 0), FILE_DONE (label, its
 * size), END. An UPDATE outside a batch (a git fetch) stands alone. */
enum pw_progress_kind {
    PW_PROGRESS_BEGIN,
    PW_PROGRESS_UPDATE,
    PW_PROGRESS_FILE_DONE,
    PW_PROGRESS_END,
};

typedef struct pw_progress_event {
    enum pw_progress_kind kind;
    const char *label;  /* UPDATE, FILE_DONE */
    uint64_t done;      /* UPDATE: bytes so far; FILE_DONE: the file's size */
    uint64_t total;     /* UPDATE: the file's size, 0 when unknown; BEGIN: the batch's */
    size_t files;       /* BEGIN: files in the batch */
    bool artifacts;     /* BEGIN: artifacts (wheels, indexes) rather than index pages */
    bool failed;        /* FILE_DONE: the transfer failed (after its retries) */
} pw_progress_event;

/* Modules never print; they report through this. cli/ installs one. */
typedef struct pw_reporter {
    void (*message)(void *ctx, enum pw_report_level level, const char *text);
    void (*progress)(void *ctx, const pw_progress_event *event);
    void *ctx;
} pw_reporter;

void pw_reporter_set(const pw_reporter *r); /* NULL: silence */
void pw_report(enum pw_report_level level, const char *fmt, ...) PW_PRINTF(2, 3);
void pw_report_progress(const char *label, uint64_t done, uint64_t total);
void pw_report_progress_begin(size_t files, uint64_t total_bytes, bool artifacts);
void pw_report_progress_file_done(const char *label, uint64_t size, bool failed);
void pw_report_progress_end(void);

/* ------------------------------------------------------------------ ctype */

/* ASCII classes, whatever the locale: the standards pwpkg reads define
 * their characters in ASCII, and <ctype.h> follows setlocale. */
static inline bool pw_is_digit(int c) { return c >= '0' && c <= '9'; }
static inline bool pw_is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static inline bool pw_is_alnum(int c) { return pw_is_digit(c) || pw_is_alpha(c); }
static inline char pw_ascii_lower(int c) { return (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); }
/* The value of a hexadecimal digit, -1 for any other character. */
static inline int pw_hex_value(int c)
{
    return pw_is_digit(c) ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}
/* What Python's str.strip() strips of ASCII (and C's isspace in "C"). */
static inline bool pw_is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* ------------------------------------------------------------------- URLs */

/* RFC 3986 appendix B: the parts of a URL or reference, as slices of it. */
typedef struct pw_url_parts {
    bool has_scheme, has_authority, has_query, has_fragment;
    pw_slice scheme, authority, path, query, fragment;
} pw_url_parts;
void pw_url_split(const char *s, pw_url_parts *u);
/* Resolves `ref` against split `base` (NULL when `ref` must be absolute),
 * RFC 3986 sections 5.2.2 (strict) and 5.3; PW_EINVAL when it cannot. */
int pw_url_resolve_parts(const pw_url_parts *base, const char *ref, char **out);
/*
 * RFC 3986 section 5.2 reference resolution (strict: a reference with a
 * scheme is taken as is) into a new heap string. `base` must be absolute
 * (have a scheme); otherwise PW_EINVAL and *out is NULL.
 */
int pw_url_resolve(const char *base, const char *ref, char **out);

/* ------------------------------------------------------------------- time */

/*
 * Parses an RFC 3339 / ISO 8601 timestamp ("2024-06-03T12:00:00Z",
 * "2024-06-03T12:00:00.123456+02:00", "2024-06-03 12:00:00") or a date
 * ("2024-06-03", midnight) into seconds since the epoch, UTC. A time
 * without an offset is taken as UTC; fractions of a second are dropped.
 */
int pw_parse_timestamp(const char *text, int64_t *out, pw_error *err);

/* ------------------------------------------------- libraries opened on use */

/*
 * A shared library opened at its first use instead of linked, and the
 * functions resolved from it (issue 14: no shared library a command does
 * not use; libcurl, libzip, zlib and libgit2 are opened this way). A module
 * defines one, static, with its soname (read at configure time), what the
 * library is for ("downloads need libcurl") and the names and addresses of
 * its function pointers:
 *
 *     static pw_library libcurl = {.soname = PW_LIBCURL_SONAME,
 *                                  .purpose = "downloads need libcurl",
 *                                  .names = names, .slots = slots,
 *                                  .n = PW_COUNT(names)};
 *
 * Opened with RTLD_NOW | RTLD_LOCAL: only the module sees its symbols, and a
 * process that already has the library gets that copy. It stays loaded.
 */
typedef struct pw_library {
    const char *soname;
    const char *purpose;
    const char *const *names;
    void **const *slots;
    size_t n;
    _Atomic int state; /* library.c */
    char error[640];   /* "<purpose> (<soname>): <the loader's reason>" once it failed */
} pw_library;

/* Opens it on the first call (once per process, thread-safe); whether every
 * function was resolved. */
bool pw_library_ready(pw_library *lib);
/* Whether an earlier call opened it; never opens it. */
bool pw_library_loaded(pw_library *lib);
/* pw_library_ready, or PW_EUNSUPPORTED with lib->error in `err`. */
int pw_library_require(pw_library *lib, pw_error *err);

/* ------------------------------------------------------------------- misc */

#define PW_COUNT(a) (sizeof(a) / sizeof((a)[0]))
/* Whether `s` is one of the n strings of `list`. */
bool pw_cstr_in(const char *s, const char *const *list, size_t n);

/* PEP 503: lowercase, runs of [-_.] become a single '-'. */
char *pw_normalize_name(const char *name);
void pw_normalize_name_buf(pw_slice name, pw_buf *out);
bool pw_names_equal(const char *a, const char *b); /* under PEP 503 */
/* Levenshtein distance, for "did you mean" suggestions. */
size_t pw_edit_distance(const char *a, const char *b);
/* Replaces the user:password part of a URL with "***". New heap string. */
char *pw_redact_url(const char *url);
/* Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF). */
bool pw_utf8_valid(const char *s, size_t len);
/* Bytes of the UTF-8 sequence at s (n >= 1 available): 0 when it is not
 * valid (overlong, a surrogate, above U+10FFFF, truncated). */
size_t pw_utf8_sequence(const unsigned char *s, size_t n);
/* Appends text as it may reach a terminal: every byte that is not valid
 * UTF-8, every C0 control but newline and tab, DEL, the C1 controls and
 * the bidirectional overrides become \xNN (one per byte). Clean text is
 * appended unchanged. */
void pw_escape_untrusted(pw_buf *out, const char *text, size_t len);
/* Appends text for HTML element content or a quoted attribute value. */
void pw_escape_html(pw_buf *out, const char *text);
/* Appends a size for people, in SI units: "512 B", "4.0 kB", "3.1 MB". */
void pw_format_size(pw_buf *out, uint64_t bytes);
/* Appends s with every %XX (two hex digits) decoded (RFC 3986); other
 * bytes, a lone '%' among them, as they are. */
void pw_percent_decode(pw_slice s, pw_buf *out);
/* The URL with its user:password@ part removed entirely (for what is
 * recorded: a lock must not even say that credentials were used). */
char *pw_url_strip_credentials(const char *url);
/* "scheme://" present: a URL rather than a local path. */
bool pw_is_url(const char *location);

#endif
