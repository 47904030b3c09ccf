/* Private to fetch/: the session, one transfer's state, and the helpers the
 * engine, the cache and the local-file path share. */
#ifndef PW_FETCH_INTERNAL_H
#define PW_FETCH_INTERNAL_H

#include "fetch.h"

#include <curl/curl.h>

typedef struct pw_fetch_hasher pw_fetch_hasher;

struct pw_fetch_session {
    pw_fetch_options opt; /* string members point at the copies below */
    char *cache_dir;
    char *ca_file;
    char *ca_path;
    char *user_agent;
    char *proxy;
    /* ~/.netrc when use_netrc and it exists: looked for once per session
     * (libcurl would open it for every transfer, found or not). */
    char *netrc_file;
    char *dir_http;
    char *dir_artifacts;
    char *dir_urls;
    char *dir_tmp;
    int cache_lock_fd; /* the cache held shared: prune and clean wait for it */
    /* NULL until the first transfer (pw_fetch_transfers_ready): a session
     * that is answered from the cache and local files never opens
     * libcurl. */
    CURLM *multi;
    /* Credentials seen in a URL, by "scheme://host:port", reused for other
     * URLs on the same server (links in an index page are usually given
     * without them, and returned URLs never carry them). */
    pw_strlist cred_origin;
    pw_strlist cred_userinfo;
    uint64_t rng;
    /* Origins ("scheme://host:port") that answered a Range request with the
     * whole file (RFC 9110 14.2 lets them): suffix reads there ask for the
     * whole file at once. */
    pw_strlist no_range_origins;
    /* Redacted URL -> sha256 (heap) of the whole body such a 200 carried,
     * stored as an artifact: later ranges of that URL and its download as
     * an artifact are answered from the store, without a request. */
    pw_map whole_bodies;
    /* Fan-out folders (cache paths) known to exist: each is created or
     * checked once per session, not once per stored file. */
    pw_map known_dirs;
    /* The URL index (urls/index.log): opened for appending on the first
     * store, read whole into url_log (u -> sha256, heap) on the first
     * lookup. */
    int url_log_fd;
    bool url_log_loaded;
    pw_map url_log;
    /* Hashes artifact bodies during a batch (hasher.c); NULL: they are
     * hashed on the transfer thread. hasher_decided, hasher_wanted: whether
     * to start one, decided at the session's first download. */
    pw_fetch_hasher *hasher;
    bool hasher_decided;
    bool hasher_wanted;
    /* Whether artifacts/ may hold folders of the old fan-out layout:
     * looked at once, at the first miss. */
    bool fanout_checked;
    bool fanout_dirs;
};

enum xfer_kind { XFER_PAGE, XFER_ARTIFACT };
enum xfer_state { XFER_PENDING, XFER_ACTIVE, XFER_DONE };

typedef struct xfer {
    pw_fetch_session *s;
    pw_fetch_request *req;
    enum xfer_kind kind;
    enum xfer_state state;
    int64_t ready_at;      /* monotonic ms before which it must not start */
    char *url;             /* what curl gets (may carry credentials) */
    char *redacted;        /* what messages and keys get */
    char *label;           /* progress label */
    char *expected;        /* lowercase expected sha256 or NULL */

    CURL *easy;
    struct curl_slist *headers;
    char curl_err[CURL_ERROR_SIZE];

    /* the response of the current attempt */
    char *etag;
    char *last_modified;
    char *content_type;
    int64_t max_age;       /* Cache-Control max-age in seconds; -1: none (or no-cache) */
    int64_t range_start;   /* Content-Range first byte, -1 when absent */
    bool body_started;
    bool sink_file;        /* artifact body goes to the partial file */
    bool too_big;
    bool io_failed;
    bool range_mismatch;
    bool size_exceeded;
    bool over_cap;      /* no declared size, and more than max_artifact_size arrived */

    /* pages */
    char *cache_path;
    bool have_cached;
    pw_buf cached_body;
    char *cached_etag;
    char *cached_content_type;
    char *cached_last_modified;
    bool cached_fresh;     /* inside the lifetime its response gave it */

    /* artifacts */
    char *part_path;
    int fd;                /* locked partial file, -1 when not held */
    uint64_t offset;       /* bytes already in the partial file this attempt */
    uint64_t written;      /* bytes written this attempt */
    pw_sha256 hash;        /* the hasher's while hash_jobs > 0 */
    bool hashing;
    /* Under the hasher's lock: ranges queued or being hashed, whether
     * reading one back failed, and whether the transfer has ended and
     * waits for them to be judged (hash_next: the hasher's list of those
     * it has finished). */
    unsigned hash_jobs;
    bool hash_failed;
    bool hash_deferred;
    struct xfer *hash_next;
    /* How the attempt ended, kept while its hashing finishes. */
    CURLcode end_rc;
    long end_status;
    long end_retry_after;
    /* Body bytes not yet written: libcurl hands them over 16 kB at a
     * time, written in pieces of up to PW_FETCH_WRITE_BUF (small enough
     * that a killed download leaves most of its bytes to resume). */
    char *wbuf;
    size_t wlen;
    uint64_t wat;          /* file offset of wbuf[0] */
    bool restarted;        /* a resumed download was restarted from byte 0 */
    uint64_t last_progress;
} xfer;

#define PW_FETCH_WRITE_BUF ((size_t)64 * 1024)

/* session.c */
int64_t pw_fetch_now_ms(void);
bool pw_fetch_is_local(const char *url);
/* file://[localhost]/p and plain paths -> a decoded local path (heap). */
char *pw_fetch_local_path(const char *url);
/* The URL without its user:password@ part (heap). */
char *pw_fetch_strip_userinfo(const char *url);
/* Last path segment, percent-decoded, '/' replaced (heap; never empty). */
char *pw_fetch_url_filename(const char *url);
/* The URL to hand to curl: credentials remembered for its origin added. */
char *pw_fetch_url_with_credentials(pw_fetch_session *s, const char *url);
uint64_t pw_fetch_random(pw_fetch_session *s);

/* cache.c */
char *pw_fetch_page_cache_path(pw_fetch_session *s, const char *redacted, const char *accept);
/* Loads a cached page; false when absent or unreadable (a bad entry is a
 * miss). `fresh` (may be NULL): stored with a Cache-Control max-age that
 * has not run out (RFC 9111 4.2). */
bool pw_fetch_page_cache_load(const char *path, pw_buf *body, char **etag, char **last_modified,
                              char **content_type, bool *fresh);
/* `max_age` < 0: no lifetime (revalidated on every use). */
int pw_fetch_page_cache_store(pw_fetch_session *s, const char *path, const char *redacted, const char *accept,
                              const char *content_type,
                              const char *etag, const char *last_modified, int64_t max_age,
                              const void *body, size_t len, pw_error *err);
/* Cache-Control of a response: max-age in seconds, -1 when absent or when
 * no-cache / no-store / private forbid reusing it unchecked. */
int64_t pw_fetch_parse_max_age(const char *cache_control);
/* artifacts/<sha256>, whether it is there or not. */
char *pw_fetch_artifact_path(pw_fetch_session *s, const char *sha256);
/* The stored file of `sha256` (heap), or NULL when there is none; an entry
 * of the old fan-out layout (artifacts/<h[0:2]>/<h>) is moved to its flat
 * name first. Not verified: callers hash it. */
char *pw_fetch_artifact_find(pw_fetch_session *s, const char *sha256);
/* Content-addressed file present and hashing to `sha256`? A file that does
 * not is removed (it was tampered with or damaged). */
int pw_fetch_artifact_check(pw_fetch_session *s, xfer *x, const char *sha256, bool *found);
/* Records which artifact a URL gave, for offline use without a known hash;
 * local.c also keys a local file's path and stat fields with it, to find
 * the stored copy a warm lock compares the file with. */
void pw_fetch_url_index_store(pw_fetch_session *s, const char *redacted, const char *sha256);
#define PW_FETCH_URL_LOG "index.log"
char *pw_fetch_url_log_path(const char *dir_urls);
/* Lines "<u> <sha256>" of the URL index into `into` (u -> heap sha256),
 * the last of a key winning; lines that do not parse are skipped. */
void pw_fetch_url_log_parse(const char *data, size_t len, pw_map *into);
bool pw_fetch_url_index_load(pw_fetch_session *s, const char *redacted, char sha256[65]);
/* The origin ("scheme://host:port", lowercase, no credentials) of a URL. */
char *pw_fetch_origin(const char *url);
/* The sha256 of the whole body of `redacted` that a range request stored
 * in this session; false when there is none. */
bool pw_fetch_whole_body(pw_fetch_session *s, const char *redacted, char sha256[65]);
/* mkdir -p of the parent of a cache file, remembered for the session. */
int pw_fetch_cache_parent(pw_fetch_session *s, const char *path, pw_error *err);
/* Moves a verified temp/partial file into the store; fills req->path. */
int pw_fetch_artifact_publish(pw_fetch_session *s, xfer *x, const char *tmp_path, pw_error *err);
/* Opens and locks the partial file; 1 when another process holds it. */
int pw_fetch_partial_lock(pw_fetch_session *s, xfer *x, pw_error *err);
void pw_fetch_partial_release(xfer *x, bool remove);

/* hasher.c */
/* Starts the session's hasher thread (once the multi handle exists) when
 * opt.hashing asks for one, or leaves it to the machine and a CPU is idle
 * to run it. */
void pw_fetch_hasher_start(pw_fetch_session *s);
/* Hashes what is queued, then ends the thread. */
void pw_fetch_hasher_stop(pw_fetch_session *s);
/* Adds bytes [at, at + len) of x's partial file, just written from
 * `data`, to x's digest: queued for the hasher, or hashed from `data` now
 * when there is none. */
void pw_fetch_hash_written(xfer *x, const void *data, uint64_t at, size_t len);
/* At the end of x's attempt: true when ranges of x are still queued; then
 * x is the hasher's until pw_fetch_hash_next_settled returns it. */
bool pw_fetch_hash_defer(xfer *x);
/* A deferred transfer whose ranges are all hashed, or NULL. */
xfer *pw_fetch_hash_next_settled(pw_fetch_session *s);
/* Before the loop polls while transfers are deferred: false when one is
 * already settled (do not sleep); else the hasher wakes the poll when it
 * settles one. Only the engine's poll is woken, never its work. */
bool pw_fetch_hash_before_poll(pw_fetch_session *s);
/* Adds bytes [at, at + len) of x's partial file, read back through
 * chunk[chunk_size], to x->hash; false when they cannot be read. */
bool pw_fetch_hash_file_range(xfer *x, uint64_t at, uint64_t len, char *chunk, size_t chunk_size);
/* Waits until x's queued ranges are hashed (x must not be deferred);
 * after it, x->hash and x->fd are the caller's again. False when a range
 * could not be read back. */
bool pw_fetch_hash_settle(xfer *x);

/* engine.c */
int pw_fetch_engine_run(pw_fetch_session *s, xfer *xs, size_t n);

/* local.c */
void pw_fetch_local_page(pw_fetch_session *s, xfer *x);
void pw_fetch_local_artifact(pw_fetch_session *s, xfer *x);

/* fetch.c */
void pw_fetch_xfer_done(xfer *x, int code);

/* Shared by the batch engine and range requests (range.c). */
/* Opens libcurl and the session's multi handle, once, before the first
 * handle is made (libcurl_lazy.h says why not earlier). */
int pw_fetch_transfers_ready(pw_fetch_session *s, pw_error *err);
void pw_fetch_curl_setup(pw_fetch_session *s, CURL *e, const char *url, char *errbuf);
bool pw_fetch_retryable(CURLcode rc, long http_status);
int64_t pw_fetch_retry_delay(pw_fetch_session *s, int attempt, long retry_after_s);
void pw_fetch_describe_curl_error(const pw_fetch_session *s, CURLcode rc, const char *curl_err,
                                  pw_buf *out);
void pw_fetch_describe_status(long code, pw_buf *out);

#endif
