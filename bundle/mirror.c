/*
 * The offline mirror (docs/export.md, "Mirror"): the locked artifacts, a
 * pyodide-lock.json beside them and a PEP 503/691 simple index, built in a
 * staging directory next to the output and renamed into place, so that a
 * failure at any point leaves nothing behind and a reader never sees half a
 * mirror.
 */
#include "bundle.h"
#include "export.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lockfile.h"
#include "packaging.h"

#define COPY_CHUNK (64 * 1024)

typedef struct mirror_state {
    const pw_lock *lock;
    const char *const *paths;
    char *out;   /* out_dir without trailing '/' */
    char *stage; /* the staging directory, NULL once renamed into place */
    int64_t *sizes; /* measured size of each artifact, parallel to packages */
    int output_lock; /* pw_output_claim on out's directory */
} mirror_state;

/* ----------------------------------------------------------- artifacts */

static int copy_file(const char *src, const char *dst, pw_error *err)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return pw_error_set(err, errno == ENOENT ? PW_ENOTFOUND : PW_EIO, "%s: cannot open: %s",
                            src, strerror(errno));
    int outfd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (outfd < 0) {
        int rc = pw_error_set(err, PW_EIO, "%s: cannot create: %s", dst, strerror(errno));
        close(in);
        return rc;
    }
    char *chunk = pw_xmalloc(COPY_CHUNK);
    int rc = PW_OK;
    for (;;) {
        ssize_t n = read(in, chunk, COPY_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = pw_error_set(err, PW_EIO, "%s: cannot read: %s", src, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(outfd, chunk + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                rc = pw_error_set(err, PW_EIO, "%s: cannot write: %s", dst, strerror(errno));
                break;
            }
            done += w;
        }
        if (rc != PW_OK)
            break;
    }
    if (rc == PW_OK && fsync(outfd) != 0)
        rc = pw_error_set(err, PW_EIO, "%s: cannot sync: %s", dst, strerror(errno));
    if (close(outfd) != 0 && rc == PW_OK)
        rc = pw_error_set(err, PW_EIO, "%s: cannot close: %s", dst, strerror(errno));
    close(in);
    free(chunk);
    return rc;
}

/* Places one artifact unchanged: a hard link shares the cache's bytes for
 * free; a copy when linking is impossible (another file system, a file
 * system without links, a link count at its limit). Either way the result
 * is checked against the lock, since the mirror's pyodide-lock.json and
 * index pages vouch for these digests. */
static int place_artifact(mirror_state *s, size_t i, pw_error *err)
{
    const pw_lock_package *p = &s->lock->packages[i];
    const char *src = s->paths[i];
    const char *file;
    int rc = pw_export_artifact_name(p, &file, err);
    if (rc != PW_OK)
        return rc;
    struct stat st;
    if (stat(src, &st) != 0)
        return pw_error_set(err, errno == ENOENT ? PW_ENOTFOUND : PW_EIO,
                            "package %s: artifact %s: %s", p->name, src, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return pw_error_set(err, PW_EINVAL, "package %s: artifact %s is not a regular file",
                            p->name, src);
    char *dst = pw_path_join(s->stage, file);
    if (link(src, dst) != 0) {
        rc = copy_file(src, dst, err);
        if (rc != PW_OK)
            pw_error_wrap(err, "package %s", p->name);
    }
    char hex[PW_SHA256_HEX_LEN + 1];
    uint64_t size = 0;
    if (rc == PW_OK)
        rc = pw_sha256_file_hex(dst, hex, &size, err);
    if (rc == PW_OK && strcasecmp(hex, p->sha256) != 0)
        rc = pw_error_set(err, PW_EHASH, "package %s: %s has sha256 %s, the lock says %s",
                          p->name, src, hex, p->sha256);
    if (rc == PW_OK && p->size >= 0 && (uint64_t)p->size != size)
        rc = pw_error_set(err, PW_EHASH, "package %s: %s is %llu bytes, the lock says %lld",
                          p->name, src, (unsigned long long)size, (long long)p->size);
    s->sizes[i] = (int64_t)size;
    free(dst);
    return rc;
}

/* -------------------------------------------------------------- writing */

static int write_text(const char *dir, const char *name, const pw_buf *text, pw_error *err)
{
    char *path = pw_path_join(dir, name);
    int rc = pw_write_file_atomic(path, text->data ? text->data : "", text->len, err);
    free(path);
    return rc;
}

/* PEP 503 and PEP 691 pages for one project, linking "../../<file>": the
 * artifacts sit at the mirror root, two levels above simple/<name>/, where
 * `pip --find-links` also finds them. */
static int write_project(mirror_state *s, const char *simple, size_t i, pw_error *err)
{
    const pw_lock_package *p = &s->lock->packages[i];
    pw_index_page page;
    memset(&page, 0, sizeof(page));
    page.project = pw_xstrdup(p->name);
    page.files = pw_xcalloc(1, sizeof(*page.files));
    page.n_files = 1;
    pw_index_file *f = &page.files[0];
    f->filename = pw_xstrdup(p->file_name);
    pw_buf url = PW_BUF_INIT;
    pw_buf_printf(&url, "../../%s", p->file_name);
    f->url = pw_buf_detach(&url);
    f->sha256 = pw_xstrdup(p->sha256);
    pw_buf h = PW_BUF_INIT;
    pw_buf_printf(&h, "sha256=%s", p->sha256);
    pw_strlist_push_owned(&f->hashes, pw_buf_detach(&h));
    f->requires_python = p->requires_python ? pw_xstrdup(p->requires_python) : NULL;
    f->size = s->sizes[i];
    f->is_wheel = true;

    char *key = pw_normalize_name(p->name);
    char *dir = pw_path_join(simple, key);
    int rc = pw_mkdirs(dir, err);
    pw_buf html = PW_BUF_INIT, json = PW_BUF_INIT;
    if (rc == PW_OK) {
        pw_index_page_write_html(&page, &html);
        rc = write_text(dir, "index.html", &html, err);
    }
    if (rc == PW_OK) {
        pw_index_page_write_json(&page, &json);
        rc = write_text(dir, "index.json", &json, err);
    }
    pw_buf_free(&html);
    pw_buf_free(&json);
    free(dir);
    free(key);
    pw_index_page_free(&page);
    return rc;
}

static int write_simple_index(mirror_state *s, pw_error *err)
{
    char *simple = pw_path_join(s->stage, PW_MIRROR_SIMPLE_DIR);
    int rc = pw_mkdirs(simple, err);
    pw_strlist projects = PW_STRLIST_INIT;
    for (size_t i = 0; rc == PW_OK && i < s->lock->n_packages; i++) {
        const pw_lock_package *p = &s->lock->packages[i];
        /* Only wheels: pip cannot install Pyodide's shared-library zips,
         * which pyodide-lock.json describes instead. */
        size_t n = strlen(p->file_name);
        if (n < 4 || strcasecmp(p->file_name + n - 4, ".whl") != 0)
            continue;
        rc = write_project(s, simple, i, err);
        pw_strlist_push(&projects, p->name);
    }
    pw_buf html = PW_BUF_INIT, json = PW_BUF_INIT;
    if (rc == PW_OK) {
        pw_index_root_write_html(&projects, &html);
        rc = write_text(simple, "index.html", &html, err);
    }
    if (rc == PW_OK) {
        pw_index_root_write_json(&projects, &json);
        rc = write_text(simple, "index.json", &json, err);
    }
    pw_buf_free(&html);
    pw_buf_free(&json);
    pw_strlist_free(&projects);
    free(simple);
    return rc;
}

/* ------------------------------------------------------------ replacing */

static bool dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return false;
    bool empty = true;
    for (struct dirent *e; empty && (e = readdir(d)) != NULL;)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

/* An existing output is replaced only when it is clearly an earlier mirror
 * (or empty): a mistyped output path must never wipe someone's tree. */
static int check_existing_output(const char *out, pw_error *err)
{
    struct stat st;
    if (lstat(out, &st) != 0)
        return PW_OK;
    if (S_ISLNK(st.st_mode))
        return pw_error_set(err, PW_EINVAL,
                            "%s: is a symbolic link; an output is replaced as a whole, and a "
                            "link is not replaced: name the directory it points to",
                            out);
    if (!S_ISDIR(st.st_mode))
        return pw_error_set(err, PW_EINVAL, "%s: exists and is not a directory", out);
    char *lockjson = pw_path_join(out, PW_MIRROR_PYODIDE_LOCK);
    char *simple = pw_path_join(out, PW_MIRROR_SIMPLE_DIR);
    bool mirror = pw_file_exists(lockjson) && pw_is_dir(simple);
    free(lockjson);
    free(simple);
    if (mirror || dir_is_empty(out))
        return PW_OK;
    return pw_error_set(err, PW_EINVAL,
                        "%s: refusing to replace a non-empty directory that is not a mirror "
                        "(no %s and %s/)",
                        out, PW_MIRROR_PYODIDE_LOCK, PW_MIRROR_SIMPLE_DIR);
}

static int replace_output(mirror_state *s, pw_error *err)
{
    return pw_replace_tree(s->stage, s->out, err);
}

/* ---------------------------------------------------------------- entry */

static int check_inputs(mirror_state *s, pw_error *err)
{
    const pw_lock *lock = s->lock;
    pw_strlist names = PW_STRLIST_INIT;
    int rc = PW_OK;
    for (size_t i = 0; rc == PW_OK && i < lock->n_packages; i++) {
        const pw_lock_package *p = &lock->packages[i];
        const char *file;
        rc = pw_export_artifact_name(p, &file, err);
        if (rc != PW_OK)
            break;
        if (!s->paths[i] || !*s->paths[i])
            rc = pw_error_set(err, PW_EINVAL, "package %s: no artifact path", p->name);
        else if (strcmp(file, PW_MIRROR_PYODIDE_LOCK) == 0 ||
                 strcmp(file, PW_MIRROR_SIMPLE_DIR) == 0)
            rc = pw_error_set(err, PW_EINVAL, "package %s: file_name '%s' is reserved in a mirror",
                              p->name, file);
        else
            pw_strlist_push(&names, file);
    }
    if (rc == PW_OK) {
        pw_strlist_sort(&names);
        for (size_t i = 1; i < names.len; i++) {
            if (strcmp(names.items[i - 1], names.items[i]) == 0) {
                rc = pw_error_set(err, PW_EINVAL, "lock: two packages share the file name %s",
                                  names.items[i]);
                break;
            }
        }
    }
    pw_strlist_free(&names);
    return rc;
}

static int build(mirror_state *s, pw_error *err)
{
    /* The pyodide-lock.json export checks every package first, before any
     * file is touched. */
    pw_buf lockjson = PW_BUF_INIT;
    int rc = pw_export_pyodide_lock(s->lock, &lockjson, err);
    if (rc == PW_OK)
        rc = check_inputs(s, err);
    if (rc == PW_OK)
        rc = check_existing_output(s->out, err);
    char *parent = rc == PW_OK ? pw_path_dirname(s->out) : NULL;
    if (rc == PW_OK)
        rc = pw_mkdirs(parent, err);
    free(parent);
    if (rc == PW_OK)
        rc = pw_output_claim(s->out, &s->output_lock, err);
    if (rc == PW_OK) {
        pw_buf stage = PW_BUF_INIT;
        pw_buf_puts(&stage, s->out);
        pw_buf_puts(&stage, PW_STAGING_INFIX "XXXXXX");
        if (mkdtemp(stage.data)) {
            /* mkdtemp makes it 0700; a mirror is meant to be served. */
            chmod(stage.data, 0755);
            s->stage = pw_buf_detach(&stage);
        } else {
            rc = pw_error_set(err, PW_EIO, "%s: cannot create a staging directory: %s",
                              stage.data, strerror(errno));
            pw_buf_free(&stage);
        }
    }
    for (size_t i = 0; rc == PW_OK && i < s->lock->n_packages; i++)
        rc = place_artifact(s, i, err);
    if (rc == PW_OK)
        rc = write_text(s->stage, PW_MIRROR_PYODIDE_LOCK, &lockjson, err);
    if (rc == PW_OK)
        rc = write_simple_index(s, err);
    if (rc == PW_OK)
        rc = replace_output(s, err);
    if (rc == PW_OK) {
        free(s->stage);
        s->stage = NULL;
    }
    pw_buf_free(&lockjson);
    return rc;
}

int pw_bundle_write_mirror(const pw_lock *lock, const char *const *artifact_paths,
                           const char *out_dir, pw_error *err)
{
    if (!lock || !out_dir || !*out_dir)
        return pw_error_set(err, PW_EINVAL, "mirror: no output directory");
    if (lock->n_packages && !artifact_paths)
        return pw_error_set(err, PW_EINVAL, "mirror: no artifact paths");
    /* a mirror's pyodide-lock.json would carry the lie on */
    int checked = pw_bundle_check_installed(lock, artifact_paths, err);
    if (checked != PW_OK)
        return checked;
    mirror_state s;
    memset(&s, 0, sizeof(s));
    s.lock = lock;
    s.paths = artifact_paths;
    /* "out/" names the same directory as "out"; the staging directory is
     * its sibling. */
    size_t len = strlen(out_dir);
    while (len > 1 && out_dir[len - 1] == '/')
        len--;
    s.out = pw_xstrndup(out_dir, len);
    s.sizes = pw_xcalloc(lock->n_packages ? lock->n_packages : 1, sizeof(*s.sizes));
    s.output_lock = -1;
    int rc = build(&s, err);
    if (s.stage) {
        pw_error scratch = {0, NULL};
        pw_remove_tree(s.stage, &scratch);
        pw_error_clear(&scratch);
        free(s.stage);
    }
    pw_output_release(s.output_lock);
    free(s.sizes);
    free(s.out);
    return rc;
}
