#include "fetch_internal.h"
#include "libcurl_lazy.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void pw_fetch_options_default(pw_fetch_options *o)
{
    memset(o, 0, sizeof(*o));
    o->jobs = PW_FETCH_DEFAULT_JOBS;
    o->connect_timeout_ms = 30000;
    o->idle_timeout_s = 30;
    o->max_redirects = 10;
    o->retries = 3;
    o->backoff_base_ms = 200;
    o->backoff_max_ms = 10000;
    o->retry_after_max_ms = 60000;
    o->max_page_size = (uint64_t)64 << 20;
    o->max_artifact_size = (uint64_t)4 << 30;
    o->use_netrc = true;
}

void pw_fetch_options_for_transfer(pw_fetch_options *o, const pw_transfer_options *t)
{
    pw_fetch_options_default(o);
    if (!t)
        return;
    if (t->jobs > 0)
        o->jobs = t->jobs;
    o->offline = t->offline;
    o->refresh = t->refresh;
    o->cache_dir = t->cache_dir;
    o->ca_file = t->ca_file;
    o->proxy = t->proxy;
    if (t->timeout_s > 0)
        o->idle_timeout_s = t->timeout_s;
    if (t->retries_given)
        o->retries = t->retries;
}

char *pw_fetch_default_cache_dir(void)
{
    const char *v = getenv("PWPKG_CACHE_DIR");
    if (v && *v)
        return pw_xstrdup(v);
    v = getenv("XDG_CACHE_HOME");
    if (v && *v)
        return pw_path_join(v, "pwpkg");
    v = getenv("HOME");
    if (v && *v)
        return pw_path_join(v, ".cache/pwpkg");
    return NULL;
}

static char *dup_or_null(const char *s)
{
    return s && *s ? pw_xstrdup(s) : NULL;
}

/* Partial downloads abandoned for a week are not worth resuming; anything
 * younger may belong to a process that is still writing it. */
static void sweep_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    time_t limit = time(NULL) - 7 * 24 * 3600;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *path = pw_path_join(dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime < limit)
            unlink(path);
        free(path);
    }
    closedir(d);
}

int pw_fetch_session_open(const pw_transfer_options *t, pw_fetch_session **out, pw_error *err)
{
    pw_fetch_options o;
    pw_fetch_options_for_transfer(&o, t);
    return pw_fetch_session_new(&o, out, err);
}

int pw_fetch_session_new(const pw_fetch_options *o, pw_fetch_session **out, pw_error *err)
{
    *out = NULL;
    pw_fetch_options defaults;
    if (!o) {
        pw_fetch_options_default(&defaults);
        o = &defaults;
    }
    if (o->jobs < 1 || o->retries < 0 || o->max_redirects < 0 || o->backoff_base_ms < 0 ||
        o->idle_timeout_s < 0 || o->connect_timeout_ms < 0)
        return pw_error_set(err, PW_EINVAL,
                            "fetch options: jobs must be >= 1 and timeouts, retries and "
                            "redirect limits >= 0 (got jobs=%d retries=%d max_redirects=%ld)",
                            o->jobs, o->retries, o->max_redirects);
    char *cache = o->cache_dir && *o->cache_dir ? pw_xstrdup(o->cache_dir)
                                                : pw_fetch_default_cache_dir();
    if (!cache)
        return pw_error_set(err, PW_EINVAL,
                            "no cache directory: set PWPKG_CACHE_DIR, XDG_CACHE_HOME or HOME");

    pw_fetch_session *s = pw_xcalloc(1, sizeof(*s));
    s->cache_lock_fd = -1;
    s->url_log_fd = -1;
    s->opt = *o;
    s->cache_dir = cache;
    s->dir_http = pw_path_join(cache, "http");
    s->dir_artifacts = pw_path_join(cache, "artifacts");
    s->dir_urls = pw_path_join(cache, "urls");
    s->dir_tmp = pw_path_join(cache, "tmp");
    const char *dirs[] = {s->dir_http, s->dir_artifacts, s->dir_urls, s->dir_tmp};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        int rc = pw_mkdirs(dirs[i], err);
        if (rc != PW_OK) {
            pw_error_wrap(err, "cache directory %s", cache);
            pw_fetch_session_free(s);
            return rc;
        }
    }
    int rc = pw_fetch_cache_hold(cache, false, &s->cache_lock_fd, err);
    if (rc != PW_OK) {
        pw_fetch_session_free(s);
        return rc;
    }
    sweep_tmp(s->dir_tmp);
    s->ca_file = dup_or_null(o->ca_file ? o->ca_file : getenv("SSL_CERT_FILE"));
    s->ca_path = dup_or_null(getenv("SSL_CERT_DIR"));
    if (o->user_agent && *o->user_agent) {
        s->user_agent = pw_xstrdup(o->user_agent);
    } else {
        pw_buf ua = PW_BUF_INIT;
        pw_buf_printf(&ua, "pwpkg/%s", PWPKG_VERSION);
        s->user_agent = pw_buf_detach(&ua);
    }
    s->opt.cache_dir = s->cache_dir;
    s->opt.ca_file = s->ca_file;
    s->opt.user_agent = s->user_agent;
    s->proxy = dup_or_null(o->proxy);
    const char *home = getenv("HOME");
    if (o->use_netrc && home && *home) {
        char *netrc = pw_path_join(home, ".netrc");
        if (pw_file_exists(netrc))
            s->netrc_file = netrc;
        else
            free(netrc);
    }
    s->opt.proxy = s->proxy;

    s->rng = (uint64_t)getpid() * 0x9E3779B97F4A7C15ull ^ (uint64_t)pw_fetch_now_ms();
    if (!s->rng)
        s->rng = 1;
    *out = s;
    return PW_OK;
}

int pw_fetch_transfers_ready(pw_fetch_session *s, pw_error *err)
{
    if (s->multi)
        return PW_OK;
    int rc = pw_libcurl_load(err);
    if (rc != PW_OK)
        return rc;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return pw_error_set(err, PW_ENET, "libcurl could not be initialised");
    s->multi = curl_multi_init();
    if (!s->multi) {
        curl_global_cleanup();
        return pw_error_set(err, PW_ENET, "libcurl could not create a multi handle");
    }
    curl_multi_setopt(s->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    curl_multi_setopt(s->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)s->opt.jobs);
    curl_multi_setopt(s->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)s->opt.jobs);
    return PW_OK;
}

void pw_fetch_session_free(pw_fetch_session *s)
{
    if (!s)
        return;
    if (s->multi) {
        curl_multi_cleanup(s->multi);
        curl_global_cleanup();
    }
    free(s->cache_dir);
    free(s->ca_file);
    free(s->ca_path);
    free(s->user_agent);
    free(s->proxy);
    free(s->netrc_file);
    free(s->dir_http);
    free(s->dir_artifacts);
    free(s->dir_urls);
    free(s->dir_tmp);
    pw_fetch_cache_release(s->cache_lock_fd);
    pw_strlist_free(&s->cred_origin);
    pw_strlist_free(&s->cred_userinfo);
    pw_strlist_free(&s->no_range_origins);
    for (size_t i = 0; i < s->whole_bodies.cap; i++)
        if (s->whole_bodies.keys && s->whole_bodies.keys[i])
            free(s->whole_bodies.values[i]);
    pw_map_free(&s->whole_bodies);
    pw_map_free(&s->known_dirs);
    if (s->url_log_fd >= 0)
        close(s->url_log_fd);
    for (size_t i = 0; i < s->url_log.cap; i++)
        if (s->url_log.keys && s->url_log.keys[i])
            free(s->url_log.values[i]);
    pw_map_free(&s->url_log);
    free(s);
}

const char *pw_fetch_session_cache_dir(const pw_fetch_session *s)
{
    return s->cache_dir;
}

bool pw_fetch_session_offline(const pw_fetch_session *s)
{
    return s->opt.offline;
}

int64_t pw_fetch_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t pw_fetch_random(pw_fetch_session *s)
{
    /* xorshift64: jitter only needs to decorrelate processes, not be strong. */
    uint64_t x = s->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    s->rng = x;
    return x;
}

/* ------------------------------------------------------------ URL helpers */

bool pw_fetch_is_local(const char *url)
{
    return strncmp(url, "file://", 7) == 0 || strstr(url, "://") == NULL;
}

char *pw_fetch_local_path(const char *url)
{
    if (strncmp(url, "file://", 7) != 0)
        return pw_xstrdup(url);
    const char *p = url + 7;
    /* RFC 8089: file://host/path; only the local host means anything here. */
    if (strncmp(p, "localhost/", 10) == 0)
        p += 9;
    pw_buf b = PW_BUF_INIT;
    pw_percent_decode(pw_slice_make(p, strcspn(p, "?#")), &b);
    return pw_buf_detach(&b);
}

/* Finds the authority of scheme://[userinfo@]host[:port]/...; false when the
 * URL has no "://". `at` is NULL when there is no userinfo. */
static bool split_authority(const char *url, const char **authority, size_t *len, const char **at)
{
    const char *sep = strstr(url, "://");
    if (!sep)
        return false;
    *authority = sep + 3;
    *len = strcspn(*authority, "/?#");
    *at = NULL;
    for (size_t i = 0; i < *len; i++)
        if ((*authority)[i] == '@')
            *at = *authority + i;
    return true;
}

char *pw_fetch_strip_userinfo(const char *url)
{
    const char *authority, *at;
    size_t len;
    if (!split_authority(url, &authority, &len, &at) || !at)
        return pw_xstrdup(url);
    pw_buf b = PW_BUF_INIT;
    pw_buf_append(&b, url, (size_t)(authority - url));
    pw_buf_puts(&b, at + 1);
    return pw_buf_detach(&b);
}

char *pw_fetch_url_filename(const char *url)
{
    size_t end = strcspn(url, "?#");
    const char *start = url;
    const char *authority, *at;
    size_t alen;
    if (split_authority(url, &authority, &alen, &at))
        start = authority + alen;
    size_t seg = end;
    while (seg > (size_t)(start - url) && url[seg - 1] != '/')
        seg--;
    pw_buf b = PW_BUF_INIT;
    pw_percent_decode(pw_slice_make(url + seg, end - seg), &b);
    for (size_t i = 0; i < b.len; i++)
        if (b.data[i] == '/' || b.data[i] == '\0')
            b.data[i] = '_';
    if (b.len == 0 || strcmp(b.data, ".") == 0 || strcmp(b.data, "..") == 0) {
        pw_buf_reset(&b);
        pw_buf_puts(&b, "download");
    }
    return pw_buf_detach(&b);
}

static char *origin_of(const char *url, const char *authority, size_t len, const char *at)
{
    pw_buf b = PW_BUF_INIT;
    for (const char *p = url; p < authority; p++)
        pw_buf_putc(&b, (char)tolower((unsigned char)*p));
    const char *host = at ? at + 1 : authority;
    for (const char *p = host; p < authority + len; p++)
        pw_buf_putc(&b, (char)tolower((unsigned char)*p));
    return pw_buf_detach(&b);
}

char *pw_fetch_origin(const char *url)
{
    const char *authority, *at;
    size_t len;
    if (!split_authority(url, &authority, &len, &at))
        return pw_xstrdup(url);
    return origin_of(url, authority, len, at);
}

bool pw_fetch_whole_body(pw_fetch_session *s, const char *redacted, char sha256[65])
{
    const char *hex = pw_map_get(&s->whole_bodies, redacted);
    if (!hex)
        return false;
    memcpy(sha256, hex, 65);
    return true;
}

char *pw_fetch_url_with_credentials(pw_fetch_session *s, const char *url)
{
    const char *authority, *at;
    size_t len;
    if (!split_authority(url, &authority, &len, &at))
        return pw_xstrdup(url);
    char *origin = origin_of(url, authority, len, at);
    size_t found = s->cred_origin.len;
    for (size_t i = 0; i < s->cred_origin.len; i++)
        if (strcmp(s->cred_origin.items[i], origin) == 0)
            found = i;
    char *result;
    if (at) {
        char *userinfo = pw_xstrndup(authority, (size_t)(at - authority));
        if (found < s->cred_origin.len) {
            free(s->cred_userinfo.items[found]);
            s->cred_userinfo.items[found] = userinfo;
        } else {
            pw_strlist_push(&s->cred_origin, origin);
            pw_strlist_push_owned(&s->cred_userinfo, userinfo);
        }
        result = pw_xstrdup(url);
    } else if (found < s->cred_origin.len) {
        pw_buf b = PW_BUF_INIT;
        pw_buf_append(&b, url, (size_t)(authority - url));
        pw_buf_printf(&b, "%s@%s", s->cred_userinfo.items[found], authority);
        result = pw_buf_detach(&b);
    } else {
        result = pw_xstrdup(url);
    }
    free(origin);
    return result;
}
