/*
 * fetch: the one transfer engine of pwpkg (libcurl's multi interface).
 *
 * A session owns one curl multi handle (so connections, TLS sessions and
 * HTTP/2 streams are reused across batches) and one on-disk cache:
 *
 *   <cache>/http/<k[0:2]>/<k>           pages: a JSON header line + the body,
 *                                       k = sha256(redacted URL "\n" Accept)
 *   <cache>/artifacts/<h>               artifacts, content-addressed by sha256
 *                                       (one flat folder; older fan-out entries
 *                                       artifacts/<h[0:2]>/<h> are still read)
 *   <cache>/urls/index.log              "<u> <sha256>" lines: the artifact last
 *                                       fetched from a URL (offline use without
 *                                       a hash), appended; u = sha256(URL "\n")
 *   <cache>/tmp/                        temporary and partial (resumable) files
 *
 * Two kinds of requests:
 *  - pages (index pages, metadata): the body comes back in memory; used
 *    without a request while its Cache-Control max-age lasts, else
 *    revalidated with ETag / Last-Modified;
 *  - artifacts (wheels, pyodide-lock.json): streamed to disk while hashed,
 *    verified against an expected sha256 before they become visible.
 *
 * Both run in batches: N requests are transferred in parallel (at most
 * `jobs` at once) and each request gets its own result. file:// URLs and
 * plain paths go through the same API without the network.
 *
 * Credentials in URLs (user:pass@host) and ~/.netrc are used for transfers
 * but never appear in cache keys, error messages or returned URLs.
 */
#ifndef PW_FETCH_H
#define PW_FETCH_H

#include "common.h"

#include <stdbool.h>
#include <stdint.h>

/* Where a download's sha256 is computed while it streams. A thread beside
 * the transfer loop is faster when a CPU is idle to run it and slower when
 * none is (docs/fetch.md, "Hashing"); AUTO decides by the CPUs this process
 * may use and the load average, THREAD uses one whenever it can be started
 * (tests of that path), LOOP never. */
typedef enum pw_fetch_hashing {
    PW_FETCH_HASH_AUTO = 0,
    PW_FETCH_HASH_THREAD,
    PW_FETCH_HASH_LOOP,
} pw_fetch_hashing;

/* Parallel transfers when none are asked for: what a session opens, and
 * what callers planning batches for it assume. */
#define PW_FETCH_DEFAULT_JOBS 8

typedef struct pw_fetch_options {
    int jobs;                  /* parallel transfers; default PW_FETCH_DEFAULT_JOBS */
    long connect_timeout_ms;   /* default 30000 */
    long idle_timeout_s;       /* abort when no byte arrives for this long; default 30 */
    long max_redirects;        /* default 10 */
    int retries;               /* extra attempts after the first; default 3 */
    long backoff_base_ms;      /* first retry delay, doubled each time; default 200 */
    long backoff_max_ms;       /* cap of the exponential backoff; default 10000 */
    long retry_after_max_ms;   /* cap of a server's Retry-After; default 60000 */
    uint64_t max_page_size;    /* bytes; default 64 MiB; larger pages fail with PW_ELIMIT */
    uint64_t max_artifact_size;/* bytes of an artifact whose size nobody declared; default
                                * 4 GiB; a body that goes on past it fails with PW_ELIMIT */
    const char *cache_dir;     /* NULL: pw_fetch_default_cache_dir() */
    bool offline;              /* never touch the network */
    bool refresh;              /* ignore cached pages (artifacts with a known hash stay cached) */
    const char *ca_file;       /* NULL: $SSL_CERT_FILE, else the system store */
    const char *user_agent;    /* NULL: "pwpkg/VERSION" */
    bool use_netrc;            /* read ~/.netrc for hosts without URL credentials; default true */
    const char *proxy;         /* NULL: libcurl's http_proxy/https_proxy/no_proxy environment */
    pw_fetch_hashing hashing;  /* where downloads are hashed; default PW_FETCH_HASH_AUTO */
} pw_fetch_options;

void pw_fetch_options_default(pw_fetch_options *o);

/*
 * The transfer options a user gives (--jobs, --offline, --refresh,
 * --cache-dir, --cert, --proxy, --timeout, --retries). Every command that
 * transfers or reads the cache keeps them in this one struct and passes it
 * down whole, so that no step of a pipeline can drop one. Zero values mean
 * "the default".
 */
typedef struct pw_transfer_options {
    int jobs;              /* parallel transfers; 0: PW_FETCH_DEFAULT_JOBS */
    bool offline;
    bool refresh;
    const char *cache_dir; /* NULL: pw_fetch_default_cache_dir() */
    const char *ca_file;   /* NULL: $SSL_CERT_FILE, else the system store */
    const char *proxy;     /* NULL: the *_proxy environment */
    long timeout_s;        /* abort a transfer idle this long; 0: 30 */
    int retries;           /* extra attempts; used when retries_given */
    bool retries_given;
} pw_transfer_options;

/* The session options for `t`, over pw_fetch_options_default(). */
void pw_fetch_options_for_transfer(pw_fetch_options *o, const pw_transfer_options *t);

typedef struct pw_fetch_session pw_fetch_session;

/* Creates the cache directories; errors name the cache path. */
int pw_fetch_session_new(const pw_fetch_options *o, pw_fetch_session **out, pw_error *err);
/* pw_fetch_session_new() with the options for `t`. */
int pw_fetch_session_open(const pw_transfer_options *t, pw_fetch_session **out, pw_error *err);
void pw_fetch_session_free(pw_fetch_session *s);
/* The cache directory the session uses (owned by the session). */
const char *pw_fetch_session_cache_dir(const pw_fetch_session *s);
bool pw_fetch_session_offline(const pw_fetch_session *s);

/*
 * One request. Zero-initialise it, set the inputs, and release the outputs
 * with pw_fetch_request_free (which leaves the inputs alone).
 */
typedef struct pw_fetch_request {
    /* inputs */
    const char *url;             /* http(s)://, file:// or a plain path */
    const char *accept;          /* pages: Accept header; NULL for none */
    const char *expected_sha256; /* artifacts: lowercase hex, or NULL */
    int64_t expected_size;       /* artifacts: bytes, or <= 0 when unknown */

    /* outputs */
    int result;          /* 0 or a negative PW_E... code */
    pw_error error;      /* message naming the (redacted) URL */
    pw_buf body;         /* pages: the body */
    char *path;          /* artifacts: the cached file (read-only; do not move it) */
    char *filename;      /* artifacts: the last path segment of the URL, decoded */
    char sha256[65];     /* artifacts: digest of the file; "" for pages */
    uint64_t size;       /* bytes of body / file */
    long http_status;    /* last HTTP status (304 for a revalidated page); 0 when local or
                          * a page still fresh in the cache (no request) */
    char *final_url;     /* after redirects, credentials removed */
    char *content_type;  /* pages: the response's Content-Type (kept with a cached page);
                          * NULL for local files or when the server sent none */
    bool from_cache;     /* no body was transferred */
    int attempts;        /* transfers started (retries included) */
    long retry_wait_ms;  /* total delay scheduled between attempts */
} pw_fetch_request;

void pw_fetch_request_free(pw_fetch_request *r);

/*
 * Batches: run all requests in parallel. Each request gets its own result;
 * the return value is 0 when all succeeded, else the code of the first
 * failed request, with `err` summarising the failures.
 */
int pw_fetch_pages(pw_fetch_session *s, pw_fetch_request *reqs, size_t n, pw_error *err);
int pw_fetch_artifacts(pw_fetch_session *s, pw_fetch_request *reqs, size_t n, pw_error *err);

/* One URL: `out` is overwritten (free an earlier result first); free it
 * with pw_fetch_request_free. */
int pw_fetch_page(pw_fetch_session *s, const char *url, const char *accept, pw_fetch_request *out,
                  pw_error *err);
int pw_fetch_artifact(pw_fetch_session *s, const char *url, const char *expected_sha256,
                      pw_fetch_request *out, pw_error *err);
/* The same with the size the index or the lock declares (<= 0: unknown):
 * the transfer stops as soon as more arrives, and the partial file goes. */
int pw_fetch_artifact_sized(pw_fetch_session *s, const char *url, const char *expected_sha256,
                            int64_t expected_size, pw_fetch_request *out, pw_error *err);

/* $PWPKG_CACHE_DIR, else $XDG_CACHE_HOME/pwpkg, else $HOME/.cache/pwpkg.
 * New heap string; NULL when none of these variables is set. */
char *pw_fetch_default_cache_dir(void);

/* ------------------------------------------------- git wheels, batches */

struct pw_lock;
/*
 * Builds the wheel of a git requirement ("git+https://host/r.git@REF#..."):
 * checkout of `pinned_commit` (or of REF when NULL) and a pure-Python wheel
 * build. The bundle module implements it (pw_bundle_git_wheel); the
 * resolver takes it as a parameter so that it does not link the wheel
 * builder.
 */
typedef int (*pw_git_wheel_builder)(const char *requirement_url, const char *pinned_commit,
                                    const char *cache_dir, bool offline,
                                    char commit_out[41], char **wheel_path_out, pw_error *err);
/* Frees the n requests of a batch (pipeline/'s pw_pipeline_fetch_lock
 * makes one per locked package) and the array. */
void pw_fetch_requests_free(pw_fetch_request *reqs, size_t n);
/* Checks the cache's copy of an artifact without any transfer: PW_OK when
 * it is there and intact, PW_ENOTFOUND when it is not cached, PW_EHASH
 * (naming the file, expected and actual digest) when it was altered.
 * `path_out` (may be NULL) gets the cache path when the file exists. */
int pw_fetch_cache_verify(pw_fetch_session *s, const char *sha256, char **path_out,
                          pw_error *err);

/* ------------------------------------------------------ cache as a whole */

/* Every process that uses the cache holds it shared (sessions do, for their
 * lifetime); prune and clean hold it exclusively. Waits, saying so, while
 * the other kind is held. Release with pw_fetch_cache_release. */
int pw_fetch_cache_hold(const char *cache_dir, bool exclusive, int *fd_out, pw_error *err);
void pw_fetch_cache_release(int fd);

typedef struct pw_cache_kind_usage {
    const char *kind;  /* the folder: "artifacts", "http", "runtimes", ... */
    const char *what;  /* for people: "index pages", "git checkouts", ... */
    uint64_t bytes;
    uint64_t entries;
} pw_cache_kind_usage;

typedef struct pw_cache_usage {
    pw_cache_kind_usage kinds[8];
    size_t n_kinds;
    uint64_t total_bytes;
    uint64_t total_entries;
} pw_cache_usage;

int pw_fetch_cache_usage(const char *cache_dir, pw_cache_usage *out, pw_error *err);

typedef struct pw_cache_prune_options {
    const struct pw_lock *const *keep; /* keep what these locks need */
    size_t n_keep;
    int64_t unused_for_s;              /* keep what was used more recently; -1: no limit */
    bool dry_run;
} pw_cache_prune_options;

typedef struct pw_cache_prune_result {
    pw_strlist removed; /* "artifacts/<sha256>", "runtimes/0.27.7", ... */
    uint64_t bytes;
} pw_cache_prune_result;

/* Removes the entries that every given criterion lets go (partial
 * downloads always); index pages and git repositories are kept unless
 * --unused-for is given, since `lock --offline` needs them. Call with the
 * cache held exclusively. PW_EINVAL when no criterion is given. */
int pw_fetch_cache_prune(const char *cache_dir, const pw_cache_prune_options *o,
                         pw_cache_prune_result *out, pw_error *err);
void pw_cache_prune_result_free(pw_cache_prune_result *r);
/* Removes everything pwpkg keeps in the cache; call with it held exclusively. */
int pw_fetch_cache_clean(const char *cache_dir, uint64_t *bytes_removed, pw_error *err);

/* git sources: clone/fetch into the cache, resolve refs, read files at a
 * revision (git_api.h, libgit2 underneath). */
#include "git_api.h"

/* byte ranges of a resource (range_api.h) */
#include "range_api.h"

#endif
