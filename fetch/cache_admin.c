/*
 * pwpkg cache info | prune | clean: the cache as a whole.
 *
 * Every pwpkg process that uses the cache holds a shared lock on
 * <cache>/.pwpkg-cache.lock for as long as it runs (pw_fetch_cache_hold);
 * prune and clean take it exclusively, so they wait for the others to end
 * and nobody starts while they remove files. Within that lock no download
 * is under way, so partial files are garbage too.
 */
#include "fetch_internal.h"
#include "lockfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CACHE_LOCK_NAME ".pwpkg-cache.lock"

/* The layout, as fetch.h, runtime-check/ and the git sources write it.
 * `fanout`: entries sit one level down, in <xx>/ folders. `kept_by_lock`:
 * how a lock names an entry of this kind. */
enum kept_by { KEPT_ALWAYS, KEPT_BY_SHA256, KEPT_BY_RELEASE, KEPT_BY_COMMIT, KEPT_NEVER };

static const struct cache_kind {
    const char *dir;
    const char *what;
    bool fanout;
    enum kept_by kept_by;
} kinds[] = {
    /* Pages are small and `lock --offline` needs them: only age prunes them. */
    {"http", "index pages", true, KEPT_ALWAYS},
    {"urls", "URL index", true, KEPT_ALWAYS},
    {"artifacts", "artifacts", true, KEPT_BY_SHA256},
    {"runtimes", "runtimes", false, KEPT_BY_RELEASE},
    {"git", "git repositories", false, KEPT_ALWAYS},
    {"git-checkouts", "git checkouts", false, KEPT_BY_COMMIT},
    {"git-wheels", "git wheels", false, KEPT_BY_COMMIT},
    {"tmp", "partial downloads", false, KEPT_NEVER},
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

int pw_fetch_cache_hold(const char *cache_dir, bool exclusive, int *fd_out, pw_error *err)
{
    *fd_out = -1;
    int rc = pw_mkdirs(cache_dir, err);
    if (rc)
        return rc;
    char *path = pw_path_join(cache_dir, CACHE_LOCK_NAME);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = pw_error_set(err, PW_EIO, "cannot open %s: %s", path, strerror(errno));
        free(path);
        return rc;
    }
    int op = exclusive ? LOCK_EX : LOCK_SH;
    if (flock(fd, op | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            rc = pw_error_set(err, PW_EIO, "cannot lock %s: %s", path, strerror(errno));
            close(fd);
            free(path);
            return rc;
        }
        pw_report(PW_REPORT_INFO, exclusive ? "waiting for the other pwpkg processes using %s"
                                            : "waiting: %s is being pruned",
                  cache_dir);
        while (flock(fd, op) != 0) {
            if (errno != EINTR) {
                rc = pw_error_set(err, PW_EIO, "cannot lock %s: %s", path, strerror(errno));
                close(fd);
                free(path);
                return rc;
            }
        }
    }
    free(path);
    *fd_out = fd;
    return PW_OK;
}

void pw_fetch_cache_release(int fd)
{
    if (fd >= 0)
        close(fd);
}

/* Bytes under `path` and the newest access or change of anything in it. */
static void measure(const char *path, uint64_t *bytes, int64_t *last_used)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    int64_t t = st.st_atime > st.st_mtime ? st.st_atime : st.st_mtime;
    if (t > *last_used)
        *last_used = t;
    if (!S_ISDIR(st.st_mode)) {
        *bytes += (uint64_t)st.st_size;
        return;
    }
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *child = pw_path_join(path, e->d_name);
        measure(child, bytes, last_used);
        free(child);
    }
    closedir(d);
}

typedef struct entry_visit {
    const struct cache_kind *kind;
    const char *name; /* the entry's own name: a digest, a version, a commit */
    const char *path;
} entry_visit;

typedef int (*entry_fn)(const entry_visit *v, void *ctx, pw_error *err);

static int visit_dir(const struct cache_kind *kind, const char *dir, bool fanout, entry_fn fn,
                     void *ctx, pw_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? PW_OK
                               : pw_error_set(err, PW_EIO, "cannot list %s: %s", dir,
                                              strerror(errno));
    /* Names first, then visits: a visit may remove what it sees. */
    pw_strlist names = PW_STRLIST_INIT;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            pw_strlist_push(&names, e->d_name);
    closedir(d);
    pw_strlist_sort(&names);
    int rc = PW_OK;
    for (size_t i = 0; i < names.len && rc == PW_OK; i++) {
        char *path = pw_path_join(dir, names.items[i]);
        if (fanout && pw_is_dir(path)) {
            rc = visit_dir(kind, path, false, fn, ctx, err);
        } else {
            entry_visit v = {.kind = kind, .name = names.items[i], .path = path};
            rc = fn(&v, ctx, err);
        }
        free(path);
    }
    pw_strlist_free(&names);
    return rc;
}

static int visit_all(const char *cache_dir, entry_fn fn, void *ctx, pw_error *err)
{
    int rc = PW_OK;
    for (size_t k = 0; k < N_KINDS && rc == PW_OK; k++) {
        char *dir = pw_path_join(cache_dir, kinds[k].dir);
        rc = visit_dir(&kinds[k], dir, kinds[k].fanout, fn, ctx, err);
        free(dir);
    }
    return rc;
}

/* ------------------------------------------------------------------ info */

static int count_entry(const entry_visit *v, void *ctx, pw_error *err)
{
    pw_cache_usage *u = ctx;
    pw_cache_kind_usage *k = &u->kinds[v->kind - kinds];
    int64_t last = 0;
    measure(v->path, &k->bytes, &last);
    k->entries++;
    return PW_OK;
}

int pw_fetch_cache_usage(const char *cache_dir, pw_cache_usage *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    for (size_t k = 0; k < N_KINDS; k++) {
        out->kinds[k].kind = kinds[k].dir;
        out->kinds[k].what = kinds[k].what;
    }
    out->n_kinds = N_KINDS;
    int rc = visit_all(cache_dir, count_entry, out, err);
    for (size_t k = 0; k < N_KINDS; k++) {
        out->total_bytes += out->kinds[k].bytes;
        out->total_entries += out->kinds[k].entries;
    }
    return rc;
}

/* ----------------------------------------------------------------- prune */

typedef struct prune_ctx {
    const pw_cache_prune_options *opt;
    pw_cache_prune_result *result;
    int64_t now;
} prune_ctx;

static bool lock_keeps(const pw_lock *lock, enum kept_by how, const char *name)
{
    if (how == KEPT_BY_RELEASE)
        return (lock->release.pyodide && strcmp(lock->release.pyodide, name) == 0) ||
               (lock->release.index_release && strcmp(lock->release.index_release, name) == 0);
    if (how == KEPT_BY_SHA256 && lock->release.index_sha256 &&
        strcmp(lock->release.index_sha256, name) == 0)
        return true;
    for (size_t i = 0; i < lock->n_packages; i++) {
        const pw_lock_package *p = &lock->packages[i];
        const char *key = how == KEPT_BY_SHA256 ? p->sha256 : p->git_commit;
        if (key && strcmp(key, name) == 0)
            return true;
    }
    return false;
}

/* An entry goes when every criterion given says it may: not needed by any
 * of the locks, and not used for the given time. */
static bool may_remove(const prune_ctx *c, const entry_visit *v, int64_t last_used)
{
    const pw_cache_prune_options *o = c->opt;
    if (v->kind->kept_by == KEPT_NEVER)
        return true;
    if (o->unused_for_s >= 0 && c->now - last_used < o->unused_for_s)
        return false;
    if (o->n_keep > 0) {
        if (v->kind->kept_by == KEPT_ALWAYS && o->unused_for_s < 0)
            return false;
        for (size_t i = 0; i < o->n_keep; i++)
            if (lock_keeps(o->keep[i], v->kind->kept_by, v->name))
                return false;
    }
    return o->n_keep > 0 || o->unused_for_s >= 0;
}

static int prune_entry(const entry_visit *v, void *ctx, pw_error *err)
{
    prune_ctx *c = ctx;
    uint64_t bytes = 0;
    int64_t last_used = 0;
    measure(v->path, &bytes, &last_used);
    if (!may_remove(c, v, last_used))
        return PW_OK;
    if (!c->opt->dry_run) {
        int rc = pw_remove_tree(v->path, err);
        if (rc)
            return rc;
    }
    pw_buf line = PW_BUF_INIT;
    pw_buf_printf(&line, "%s/%s", v->kind->dir, v->name);
    pw_strlist_push(&c->result->removed, pw_buf_cstr(&line));
    pw_buf_free(&line);
    c->result->bytes += bytes;
    return PW_OK;
}

/* The URL index only grows (a line per download, the last of a URL
 * winning). Within the exclusive lock nobody appends, so it is rewritten
 * with one line per URL whose artifact is still stored. */
static int compact_url_log(const char *cache_dir, pw_error *err)
{
    char *urls = pw_path_join(cache_dir, "urls");
    char *path = pw_fetch_url_log_path(urls);
    char *artifacts = pw_path_join(cache_dir, "artifacts");
    pw_buf raw = PW_BUF_INIT, out = PW_BUF_INIT;
    pw_map m = PW_MAP_INIT;
    pw_error e = {0};
    int rc = PW_OK;
    if (pw_file_exists(path) && pw_read_file(path, &raw, &e) == PW_OK) {
        pw_fetch_url_log_parse(raw.data ? raw.data : "", raw.len, &m);
        pw_strlist keys = PW_STRLIST_INIT;
        for (size_t i = 0; i < m.cap; i++)
            if (m.keys[i])
                pw_strlist_push(&keys, m.keys[i]);
        pw_strlist_sort(&keys);
        for (size_t i = 0; i < keys.len; i++) {
            const char *sha = pw_map_get(&m, keys.items[i]);
            char *flat = pw_path_join(artifacts, sha);
            pw_buf old = PW_BUF_INIT;
            pw_buf_printf(&old, "%s/%.2s/%s", artifacts, sha, sha);
            if (pw_file_exists(flat) || pw_file_exists(pw_buf_cstr(&old)))
                pw_buf_printf(&out, "%s %s\n", keys.items[i], sha);
            pw_buf_free(&old);
            free(flat);
        }
        pw_strlist_free(&keys);
        if (out.len != raw.len)
            rc = pw_write_cache_file(path, out.data ? out.data : "", out.len, err);
    }
    pw_error_clear(&e);
    for (size_t i = 0; i < m.cap; i++)
        if (m.keys[i])
            free(m.values[i]);
    pw_map_free(&m);
    pw_buf_free(&raw);
    pw_buf_free(&out);
    free(artifacts);
    free(path);
    free(urls);
    return rc;
}

int pw_fetch_cache_prune(const char *cache_dir, const pw_cache_prune_options *o,
                         pw_cache_prune_result *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    if (o->n_keep == 0 && o->unused_for_s < 0)
        return pw_error_set(err, PW_EINVAL,
                            "cache prune needs a criterion: --lock FILE (keep what it needs) "
                            "or --unused-for DAYS");
    prune_ctx c = {.opt = o, .result = out, .now = (int64_t)time(NULL)};
    int rc = visit_all(cache_dir, prune_entry, &c, err);
    if (rc == PW_OK && !o->dry_run)
        rc = compact_url_log(cache_dir, err);
    return rc;
}

void pw_cache_prune_result_free(pw_cache_prune_result *r)
{
    pw_strlist_free(&r->removed);
    memset(r, 0, sizeof(*r));
}

/* ----------------------------------------------------------------- clean */

int pw_fetch_cache_clean(const char *cache_dir, uint64_t *bytes_removed, pw_error *err)
{
    pw_cache_usage u;
    int rc = pw_fetch_cache_usage(cache_dir, &u, err);
    if (rc)
        return rc;
    for (size_t k = 0; k < N_KINDS && rc == PW_OK; k++) {
        char *dir = pw_path_join(cache_dir, kinds[k].dir);
        rc = pw_remove_tree(dir, err);
        free(dir);
    }
    *bytes_removed = u.total_bytes;
    return rc;
}
