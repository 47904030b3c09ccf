#include "fetch_internal.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* <dir>/<hex[0:2]>/<hex><suffix>: two-level fan-out keeps directories small. */
static char *fanout_path(const char *dir, const char *hex, const char *suffix)
{
    pw_buf b = PW_BUF_INIT;
    pw_buf_printf(&b, "%s/%.2s/%s%s", dir, hex, hex, suffix);
    return pw_buf_detach(&b);
}

static void key_hex(const char *a, const char *b, char hex[65])
{
    pw_buf k = PW_BUF_INIT;
    pw_buf_printf(&k, "%s\n%s", a, b ? b : "");
    pw_sha256_hex(k.data, k.len, hex);
    pw_buf_free(&k);
}

int pw_fetch_cache_parent(pw_fetch_session *s, const char *path, pw_error *err)
{
    char *dir = pw_path_dirname(path);
    int rc = PW_OK;
    if (!pw_map_get(&s->known_dirs, dir)) {
        rc = pw_mkdirs(dir, err);
        /* Nothing removes cache folders while a session holds the cache
         * (prune and clean wait for it), so once there they stay. */
        if (rc == PW_OK)
            pw_map_put(&s->known_dirs, dir, (void *)1);
    }
    free(dir);
    return rc;
}

/* A small cache file, replaced atomically: written under a unique name in
 * tmp/ (same file system) and renamed over `path`. Unlike
 * pw_write_cache_file it neither locks nor sweeps the target's folder: the
 * unique name needs no lock, and what a killed run leaves in tmp/ is swept
 * with the stale partials. */
static int write_entry(pw_fetch_session *s, const char *path, const void *data, size_t len,
                       pw_error *err)
{
    int rc = pw_fetch_cache_parent(s, path, err);
    if (rc != PW_OK)
        return rc;
    pw_buf tmp = PW_BUF_INIT;
    pw_buf_printf(&tmp, "%s/entry.XXXXXX", s->dir_tmp);
    int fd = mkstemp(tmp.data);
    if (fd < 0) {
        rc = pw_error_set(err, PW_EIO, "%s: cannot create a temporary file in %s: %s", path,
                          s->dir_tmp, strerror(errno));
        pw_buf_free(&tmp);
        return rc;
    }
    const char *p = data;
    size_t left = len;
    bool ok = fchmod(fd, 0644) == 0;
    while (ok && left) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0;
        if (ok) {
            p += n;
            left -= (size_t)n;
        }
    }
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && rename(tmp.data, path) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        unlink(tmp.data);
        rc = pw_error_set(err, PW_EIO, "%s: write failed: %s", path, strerror(saved));
    }
    pw_buf_free(&tmp);
    return rc;
}

/* ------------------------------------------------------------------ pages */

char *pw_fetch_page_cache_path(pw_fetch_session *s, const char *redacted, const char *accept)
{
    char hex[65];
    key_hex(redacted, accept, hex);
    return fanout_path(s->dir_http, hex, "");
}

static char *json_string_member(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) && v->valuestring[0] ? pw_xstrdup(v->valuestring) : NULL;
}

/* An entry is one file, a JSON header line then the body, so that one
 * rename replaces both together: two processes refreshing the same page
 * can never pair one's validators with the other's body. */
bool pw_fetch_page_cache_load(const char *path, pw_buf *body, char **etag, char **last_modified,
                              char **content_type, bool *fresh)
{
    if (fresh)
        *fresh = false;
    pw_buf raw = PW_BUF_INIT;
    pw_error e = {0};
    *etag = *last_modified = *content_type = NULL;
    if (pw_read_file(path, &raw, &e) != PW_OK) {
        pw_error_clear(&e);
        pw_buf_free(&raw);
        return false;
    }
    const char *nl = raw.len ? memchr(raw.data, '\n', raw.len) : NULL;
    cJSON *meta = NULL;
    if (!nl || pw_json_parse(path, raw.data, (size_t)(nl - raw.data), &meta, &e) != PW_OK ||
        !cJSON_IsObject(meta)) {
        pw_error_clear(&e);
        cJSON_Delete(meta);
        pw_buf_free(&raw);
        return false;
    }
    /* Entries are written without fsync: a torn one (a crash) must read
     * as a miss, so the body's length and digest are checked. */
    size_t off = (size_t)(nl - raw.data) + 1;
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(meta, "size");
    const cJSON *digest = cJSON_GetObjectItemCaseSensitive(meta, "sha256");
    char hex[PW_SHA256_HEX_LEN + 1];
    pw_sha256_hex(raw.data + off, raw.len - off, hex);
    if (!cJSON_IsNumber(size) || size->valuedouble != (double)(raw.len - off) ||
        !cJSON_IsString(digest) || strcmp(digest->valuestring, hex) != 0) {
        cJSON_Delete(meta);
        pw_buf_free(&raw);
        return false;
    }
    *etag = json_string_member(meta, "etag");
    *last_modified = json_string_member(meta, "last_modified");
    *content_type = json_string_member(meta, "content_type");
    /* RFC 9111 4.2.1: fresh while its age is below max-age. The age is
     * counted from when it was stored (wall clock: it must hold across
     * runs); a clock that went back makes it stale, never fresher. */
    const cJSON *stored = cJSON_GetObjectItemCaseSensitive(meta, "stored_at");
    const cJSON *max_age = cJSON_GetObjectItemCaseSensitive(meta, "max_age");
    if (fresh && cJSON_IsNumber(stored) && cJSON_IsNumber(max_age)) {
        double now = (double)time(NULL);
        *fresh = now >= stored->valuedouble && now - stored->valuedouble < max_age->valuedouble;
    }
    cJSON_Delete(meta);
    pw_buf_reset(body);
    pw_buf_append(body, raw.data + off, raw.len - off);
    pw_buf_free(&raw);
    return true;
}

int64_t pw_fetch_parse_max_age(const char *cache_control)
{
    int64_t max_age = -1;
    bool forbidden = false;
    pw_slice rest = pw_slice_make(cache_control ? cache_control : "", cache_control ? strlen(cache_control) : 0);
    while (rest.len) {
        long comma = pw_slice_find_char(rest, ',');
        size_t n = comma < 0 ? rest.len : (size_t)comma;
        pw_slice d = pw_slice_trim(pw_slice_make(rest.ptr, n));
        rest = comma < 0 ? pw_slice_make(rest.ptr + rest.len, 0)
                         : pw_slice_make(rest.ptr + n + 1, rest.len - n - 1);
        if (pw_slice_eq_icase_cstr(d, "no-cache") || pw_slice_eq_icase_cstr(d, "no-store"))
            forbidden = true;
        else if (d.len > 8 && strncasecmp(d.ptr, "max-age=", 8) == 0) {
            int64_t v = 0;
            size_t i = 8;
            for (; i < d.len && d.ptr[i] >= '0' && d.ptr[i] <= '9' && v < INT64_C(1) << 40; i++)
                v = v * 10 + (d.ptr[i] - '0');
            if (i == d.len)
                max_age = v;
        }
    }
    return forbidden ? -1 : max_age;
}

int pw_fetch_page_cache_store(pw_fetch_session *s, const char *path, const char *redacted, const char *accept,
                              const char *content_type, const char *etag, const char *last_modified,
                              int64_t max_age, const void *body, size_t len, pw_error *err)
{
    cJSON *meta = cJSON_CreateObject();
    cJSON_AddStringToObject(meta, "url", redacted);
    cJSON_AddStringToObject(meta, "accept", accept ? accept : "");
    cJSON_AddStringToObject(meta, "etag", etag ? etag : "");
    cJSON_AddStringToObject(meta, "last_modified", last_modified ? last_modified : "");
    cJSON_AddStringToObject(meta, "content_type", content_type ? content_type : "");
    char hex[PW_SHA256_HEX_LEN + 1];
    pw_sha256_hex(body, len, hex);
    cJSON_AddNumberToObject(meta, "size", (double)len);
    cJSON_AddStringToObject(meta, "sha256", hex);
    if (max_age > 0) {
        cJSON_AddNumberToObject(meta, "stored_at", (double)time(NULL));
        cJSON_AddNumberToObject(meta, "max_age", (double)max_age);
    }
    char *line = cJSON_PrintUnformatted(meta);
    cJSON_Delete(meta);
    pw_buf b = PW_BUF_INIT;
    pw_buf_puts(&b, line);
    free(line);
    pw_buf_putc(&b, '\n');
    pw_buf_append(&b, body, len);
    int rc = write_entry(s, path, b.data, b.len, err);
    pw_buf_free(&b);
    return rc;
}

/* -------------------------------------------------------------- artifacts */

/* Artifacts sit flat in artifacts/, named by their digest: the folder is
 * made once, when the session opens, so storing one costs the inode of its
 * partial file and a rename, nothing more. (Each of up to 256 fan-out
 * folders was an inode too, and on ext4 inode creation dominated a cold
 * fetch; ext4 and other current file systems index large directories.) */
char *pw_fetch_artifact_path(pw_fetch_session *s, const char *sha256)
{
    return pw_path_join(s->dir_artifacts, sha256);
}

/* Before the flat layout an artifact lived in artifacts/<h[0:2]>/<h>. */
static char *legacy_artifact_path(pw_fetch_session *s, const char *sha256)
{
    return fanout_path(s->dir_artifacts, sha256, "");
}

/* A folder's link count is 2 plus its subfolders (ext4, xfs, tmpfs...):
 * 2 says that no fan-out folder is there, and a miss needs no second
 * lookup. File systems that do not count them (btrfs gives 1) are looked
 * in as before. */
static bool may_hold_fanout(pw_fetch_session *s)
{
    if (!s->fanout_checked) {
        struct stat st;
        s->fanout_checked = true;
        s->fanout_dirs = stat(s->dir_artifacts, &st) != 0 || st.st_nlink != 2;
    }
    return s->fanout_dirs;
}

char *pw_fetch_artifact_find(pw_fetch_session *s, const char *sha256)
{
    char *path = pw_fetch_artifact_path(s, sha256);
    if (pw_file_exists(path))
        return path;
    if (!may_hold_fanout(s)) {
        free(path);
        return NULL;
    }
    /* An entry of the old layout is moved to its flat name and used from
     * there (it is re-hashed like any other before it is used). A missing
     * fan-out folder costs one failed lookup. */
    char *old = legacy_artifact_path(s, sha256);
    bool moved = rename(old, path) == 0;
    free(old);
    if (moved)
        return path;
    free(path);
    return NULL;
}

int pw_fetch_artifact_check(pw_fetch_session *s, xfer *x, const char *sha256, bool *found)
{
    pw_fetch_request *r = x->req;
    *found = false;
    char *path = pw_fetch_artifact_find(s, sha256);
    if (!path)
        return PW_OK;
    char actual[65];
    uint64_t size = 0;
    pw_error e = {0};
    int rc = pw_sha256_file_hex(path, actual, &size, &e);
    if (rc != PW_OK) {
        pw_error_set(&r->error, rc, "%s: cached artifact unreadable: %s", x->redacted,
                     pw_error_message(&e));
        pw_error_clear(&e);
        free(path);
        return rc;
    }
    if (strcmp(actual, sha256) != 0) {
        /* A content-addressed file whose content changed was damaged or
         * tampered with; it must never be handed out. */
        unlink(path);
        pw_error_set(&r->error, PW_EHASH,
                     "%s: cached artifact %s was corrupt (expected sha256 %s, actual %s); "
                     "removed it",
                     x->redacted, path, sha256, actual);
        free(path);
        return PW_EHASH;
    }
    free(r->path);
    r->path = path;
    memcpy(r->sha256, actual, sizeof(r->sha256));
    r->size = size;
    r->from_cache = true;
    *found = true;
    return PW_OK;
}

/* The URL index: which artifact a URL gave last, for offline use without a
 * known hash. One append-only file, urls/index.log, one line per stored
 * artifact ("<u> <sha256>\n", u = sha256(redacted URL "\n")), the last line
 * of a URL winning. A file per URL was a second inode per download (and the
 * temporary file it was written through a third). Each line goes out in one
 * write() on an O_APPEND descriptor, so processes sharing the cache never
 * interleave within a line; a line torn by a crash does not parse and is
 * skipped, and a line that parses only names a digest, which is checked
 * like any artifact before use. `cache prune` compacts the file. */
#define URL_LINE_LEN (64 + 1 + 64 + 1)

static bool parse_url_line(const char *p, size_t len, char key[65], char sha[65])
{
    if (len != URL_LINE_LEN - 1 || p[64] != ' ')
        return false;
    memcpy(key, p, 64);
    key[64] = '\0';
    memcpy(sha, p + 65, 64);
    sha[64] = '\0';
    return pw_is_sha256_hex(key) && pw_is_sha256_hex(sha);
}

char *pw_fetch_url_log_path(const char *dir_urls)
{
    return pw_path_join(dir_urls, PW_FETCH_URL_LOG);
}

void pw_fetch_url_log_parse(const char *data, size_t len, pw_map *into)
{
    const char *p = data, *end = data + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break; /* the last line, unfinished: a crash or a writer under way */
        char key[65], sha[65];
        if (parse_url_line(p, (size_t)(nl - p), key, sha))
            free(pw_map_put(into, key, pw_xstrdup(sha)));
        p = nl + 1;
    }
}

static void url_log_load(pw_fetch_session *s)
{
    if (s->url_log_loaded)
        return;
    s->url_log_loaded = true;
    char *path = pw_fetch_url_log_path(s->dir_urls);
    pw_buf b = PW_BUF_INIT;
    pw_error e = {0};
    if (pw_read_file(path, &b, &e) == PW_OK)
        pw_fetch_url_log_parse(b.data ? b.data : "", b.len, &s->url_log);
    pw_error_clear(&e);
    pw_buf_free(&b);
    free(path);
}

void pw_fetch_url_index_store(pw_fetch_session *s, const char *redacted, const char *sha256)
{
    char hex[65];
    key_hex(redacted, NULL, hex);
    if (s->url_log_loaded)
        free(pw_map_put(&s->url_log, hex, pw_xstrdup(sha256)));
    if (s->url_log_fd < 0) {
        char *path = pw_fetch_url_log_path(s->dir_urls);
        s->url_log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (s->url_log_fd < 0)
            pw_report(PW_REPORT_WARN, "cache: cannot open %s: %s", path, strerror(errno));
        free(path);
        if (s->url_log_fd < 0)
            return;
    }
    char line[URL_LINE_LEN + 1];
    snprintf(line, sizeof(line), "%s %s\n", hex, sha256);
    ssize_t n;
    do
        n = write(s->url_log_fd, line, URL_LINE_LEN);
    while (n < 0 && errno == EINTR);
    /* A short write leaves a line that does not parse; only offline use of
     * a URL without a hash loses from it. */
    if (n != (ssize_t)URL_LINE_LEN)
        pw_report(PW_REPORT_WARN, "cache: cannot add to the URL index in %s: %s", s->dir_urls,
                  n < 0 ? strerror(errno) : "short write");
}

bool pw_fetch_url_index_load(pw_fetch_session *s, const char *redacted, char sha256[65])
{
    char hex[65];
    key_hex(redacted, NULL, hex);
    url_log_load(s);
    const char *logged = pw_map_get(&s->url_log, hex);
    if (logged) {
        memcpy(sha256, logged, 65);
        return true;
    }
    /* An entry of the old layout: one file per URL, urls/<u[0:2]>/<u>. */
    char *path = fanout_path(s->dir_urls, hex, "");
    pw_buf b = PW_BUF_INIT;
    pw_error e = {0};
    bool ok = pw_read_file(path, &b, &e) == PW_OK && b.len >= 64;
    if (ok) {
        memcpy(sha256, b.data, 64);
        sha256[64] = '\0';
        ok = pw_is_sha256_hex(sha256);
    }
    pw_error_clear(&e);
    pw_buf_free(&b);
    free(path);
    return ok;
}

int pw_fetch_artifact_publish(pw_fetch_session *s, xfer *x, const char *tmp_path, pw_error *err)
{
    pw_fetch_request *r = x->req;
    char *final = pw_fetch_artifact_path(s, r->sha256);
    int rc = PW_OK;
    if (rename(tmp_path, final) != 0)
        rc = pw_error_set(err, PW_EIO, "%s: cannot move %s to %s: %s", x->redacted, tmp_path,
                          final, strerror(errno));
    if (rc != PW_OK) {
        free(final);
        return rc;
    }
    free(r->path);
    r->path = final;
    if (!pw_fetch_is_local(x->req->url))
        pw_fetch_url_index_store(s, x->redacted, r->sha256);
    return PW_OK;
}

/* -------------------------------------------------------------- partials */

int pw_fetch_partial_lock(pw_fetch_session *s, xfer *x, pw_error *err)
{
    if (x->fd >= 0)
        return 0;
    if (!x->part_path) {
        char hex[65];
        key_hex(x->redacted, x->expected, hex);
        pw_buf b = PW_BUF_INIT;
        pw_buf_printf(&b, "%s/%s.part", s->dir_tmp, hex);
        x->part_path = pw_buf_detach(&b);
    }
    /* The holder may publish (rename) or remove the file between our open
     * and our lock; then the locked inode is no longer the partial file and
     * we start over with a fresh one. */
    for (int tries = 0; tries < 8; tries++) {
        int fd = open(x->part_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return pw_error_set(err, PW_EIO, "%s: cannot create %s: %s", x->redacted,
                                x->part_path, strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int saved = errno;
            close(fd);
            if (saved == EWOULDBLOCK || saved == EINTR)
                return 1;
            return pw_error_set(err, PW_EIO, "%s: cannot lock %s: %s", x->redacted,
                                x->part_path, strerror(saved));
        }
        struct stat held, named;
        if (fstat(fd, &held) == 0 && stat(x->part_path, &named) == 0 &&
            held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
            x->fd = fd;
            return 0;
        }
        close(fd);
    }
    return pw_error_set(err, PW_EIO, "%s: %s keeps changing under its lock", x->redacted,
                        x->part_path);
}

void pw_fetch_partial_release(xfer *x, bool remove)
{
    if (x->fd < 0)
        return;
    pw_fetch_hash_settle(x); /* the hasher may still read the file */
    /* Unlink before closing: the lock is ours until close, so nobody else
     * can be writing the file we remove. */
    if (remove)
        unlink(x->part_path);
    close(x->fd);
    x->fd = -1;
}
