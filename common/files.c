#define _POSIX_C_SOURCE 200809L
#include "common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int pw_read_file(const char *path, pw_buf *out, pw_error *err)
{
    /* O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return pw_error_set(err, errno == ENOENT ? PW_ENOTFOUND : PW_EIO, "%s: cannot open: %s",
                            path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        close(fd);
        return pw_error_set(err, PW_EIO, "%s: cannot stat: %s", path, strerror(saved));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return pw_error_set(err, PW_EINVAL, "%s: is a directory, expected a file", path);
    }
    /* Inputs are files: /dev/zero, a FIFO or a socket would be read
     * without end (or block), and a huge file would exhaust memory. */
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return pw_error_set(err, PW_EINVAL, "%s: not a regular file (a device, FIFO or socket)",
                            path);
    }
    if ((uint64_t)st.st_size > PW_MAX_INPUT_BYTES) {
        close(fd);
        return pw_error_set(err, PW_ELIMIT, "%s: %lld bytes; an input file may hold at most %llu",
                            path, (long long)st.st_size,
                            (unsigned long long)PW_MAX_INPUT_BYTES);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    pw_buf_reset(out);
    if (st.st_size > 0)
        pw_buf_reserve(out, (size_t)st.st_size);
    for (;;) {
        pw_buf_reserve(out, 65536);
        ssize_t n = read(fd, out->data + out->len, out->cap - out->len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int saved = errno;
            close(fd);
            return pw_error_set(err, PW_EIO, "%s: read error: %s", path, strerror(saved));
        }
        if (n == 0)
            break;
        out->len += (size_t)n;
        if (out->len > PW_MAX_INPUT_BYTES) { /* it grew while being read */
            close(fd);
            return pw_error_set(err, PW_ELIMIT, "%s: more than %llu bytes", path,
                                (unsigned long long)PW_MAX_INPUT_BYTES);
        }
    }
    out->data[out->len] = '\0';
    close(fd);
    return PW_OK;
}

static int write_file_atomic_locked(const char *path, const void *data, size_t len,
                                    bool durable, pw_error *err);

int pw_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int64_t pw_read_at(int fd, void *to, size_t len, uint64_t at)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, (char *)to + done, len - done, (off_t)(at + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (int64_t)done;
}

char *pw_staging_template(const char *output)
{
    pw_buf b = PW_BUF_INIT;
    pw_buf_printf(&b, "%s" PW_STAGING_INFIX "XXXXXX", output);
    return pw_buf_detach(&b);
}

static bool six_alnum(const char *s)
{
    for (int i = 0; i < 6; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

/* mkstemp/mkdtemp's six characters, then nothing, ".zip" (a zip bundle
 * being written), ".zip.XXXXXX" (libzip's own temporary for it) or ".old"
 * (a tree the fallback of pw_replace_tree moved aside). */
static bool staging_suffix(const char *rest, bool *is_old)
{
    if (!six_alnum(rest))
        return false;
    rest += 6;
    *is_old = strcmp(rest, ".old") == 0;
    if (*rest == '\0' || *is_old || strcmp(rest, ".zip") == 0)
        return true;
    return strncmp(rest, ".zip.", 5) == 0 && six_alnum(rest + 5) && rest[11] == '\0';
}

int pw_output_claim(const char *path, int *lock_fd, pw_error *err)
{
    *lock_fd = -1;
    char *dir = pw_path_dirname(path);
    const char *name = pw_path_basename(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        free(dir);
        return PW_OK; /* the write itself will say what is wrong */
    }
    while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
        ;
    *lock_fd = fd;
    /* Holding the lock, no live writer of `path` can own a staging entry.
     * Only pwpkg's exact names are touched: "<name>.pwpkg-tmp-XXXXXX" is
     * removed; "<name>.pwpkg-tmp-XXXXXX.old" is the previous output of a
     * writer killed between its two renames, and comes back when `path`
     * is missing. Anything else beside the output is the user's. */
    pw_buf prefix = PW_BUF_INIT;
    pw_buf_printf(&prefix, "%s" PW_STAGING_INFIX, name);
    DIR *d = opendir(dir);
    int rc = PW_OK;
    struct dirent *e;
    while (d && rc == PW_OK && (e = readdir(d)) != NULL) {
        bool is_old = false;
        if (strncmp(e->d_name, prefix.data, prefix.len) != 0 ||
            !staging_suffix(e->d_name + prefix.len, &is_old))
            continue;
        char *stale = pw_path_join(dir, e->d_name);
        struct stat st;
        if (is_old && lstat(path, &st) != 0 && errno == ENOENT) {
            if (rename(stale, path) != 0)
                rc = pw_error_set(err, PW_EIO, "%s: cannot restore the previous output %s: %s",
                                  path, stale, strerror(errno));
            else
                pw_report(PW_REPORT_WARN, "%s: restored from %s (a run was killed while "
                          "replacing it)", path, stale);
        } else {
            rc = pw_remove_tree(stale, err);
        }
        free(stale);
    }
    if (d)
        closedir(d);
    pw_buf_free(&prefix);
    free(dir);
    return rc;
}

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int pw_replace_tree(const char *stage, const char *out, pw_error *err)
{
    struct stat st;
    if (lstat(out, &st) != 0) {
        if (rename(stage, out) != 0)
            return pw_error_set(err, PW_EIO, "%s: cannot rename into place: %s", out,
                                strerror(errno));
        return PW_OK;
    }
#ifdef SYS_renameat2
    /* One atomic step: `out` is always either the old tree or the new one;
     * the old one is then at the staging name, where a kill leaves it for
     * the next run's sweep. */
    if (syscall(SYS_renameat2, AT_FDCWD, stage, AT_FDCWD, out, RENAME_EXCHANGE) == 0) {
        pw_error scratch = {0, NULL};
        pw_remove_tree(stage, &scratch);
        pw_error_clear(&scratch);
        return PW_OK;
    }
    if (errno != EINVAL && errno != ENOSYS && errno != EXDEV && errno != ENOTSUP)
        return pw_error_set(err, PW_EIO, "%s: cannot exchange with %s: %s", out, stage,
                            strerror(errno));
#endif
    /* A file system without RENAME_EXCHANGE: two renames. A kill between
     * them leaves the old tree at "<stage>.old", which the next
     * pw_output_claim puts back. */
    pw_buf old = PW_BUF_INIT;
    pw_buf_printf(&old, "%s.old", stage);
    int rc = PW_OK;
    if (rename(out, old.data) != 0) {
        rc = pw_error_set(err, PW_EIO, "%s: cannot move aside: %s", out, strerror(errno));
    } else if (rename(stage, out) != 0) {
        rc = pw_error_set(err, PW_EIO, "%s: cannot rename into place: %s", out, strerror(errno));
        if (rename(old.data, out) != 0)
            pw_error_wrap(err, "the previous output is left at %s", old.data);
    } else {
        pw_error scratch = {0, NULL};
        pw_remove_tree(old.data, &scratch);
        pw_error_clear(&scratch);
    }
    pw_buf_free(&old);
    return rc;
}

void pw_output_release(int lock_fd)
{
    if (lock_fd >= 0)
        close(lock_fd); /* closing drops the flock */
}

static int write_replacing(const char *path, const void *data, size_t len, bool durable,
                           pw_error *err)
{
    int lock_fd = -1;
    int claimed = pw_output_claim(path, &lock_fd, err);
    if (claimed != PW_OK)
        return claimed;
    int rc = write_file_atomic_locked(path, data, len, durable, err);
    pw_output_release(lock_fd);
    return rc;
}

int pw_write_file_atomic(const char *path, const void *data, size_t len, pw_error *err)
{
    return write_replacing(path, data, len, true, err);
}

int pw_write_cache_file(const char *path, const void *data, size_t len, pw_error *err)
{
    return write_replacing(path, data, len, false, err);
}

static int write_file_atomic_locked(const char *path, const void *data, size_t len, bool durable,
                                    pw_error *err)
{
    pw_buf tmp = PW_BUF_INIT;
    pw_buf_puts(&tmp, path);
    pw_buf_puts(&tmp, PW_STAGING_INFIX "XXXXXX");
    int fd = mkstemp(tmp.data);
    if (fd < 0) {
        int saved = errno;
        pw_buf_free(&tmp);
        return pw_error_set(err, PW_EIO, "%s: cannot create temporary file: %s", path,
                            strerror(saved));
    }
    /* mkstemp makes 0600; a written file should look like any other file
     * the user creates, so apply the umask to 0644. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0644 & ~mask);
    if (pw_write_all(fd, data, len) != 0 || (durable && fsync(fd) != 0)) {
        int saved = errno;
        close(fd);
        unlink(tmp.data);
        pw_buf_free(&tmp);
        return pw_error_set(err, PW_EIO, "%s: write failed: %s", path, strerror(saved));
    }
    if (close(fd) != 0 || rename(tmp.data, path) != 0) {
        int saved = errno;
        unlink(tmp.data);
        pw_buf_free(&tmp);
        return pw_error_set(err, PW_EIO, "%s: cannot replace file: %s", path, strerror(saved));
    }
    pw_buf_free(&tmp);
    return PW_OK;
}

bool pw_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

bool pw_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int pw_mkdirs(const char *path, pw_error *err)
{
    /* The common case (the cache's folders) already exists: one stat. */
    if (pw_is_dir(path))
        return PW_OK;
    /* Then the leaf first, and its parents only when it has none: a new
     * fan-out folder costs one mkdir, not one per component of its path
     * (which all fail with EEXIST). */
    if (mkdir(path, 0755) == 0)
        return PW_OK;
    int rc = PW_OK;
    if (errno == ENOENT) {
        char *copy = pw_xstrdup(path);
        size_t len = strlen(copy);
        while (len > 1 && copy[len - 1] == '/')
            copy[--len] = '\0';
        char *slash = strrchr(copy, '/');
        if (slash && slash != copy) {
            *slash = '\0';
            rc = pw_mkdirs(copy, err);
        }
        free(copy);
        if (rc != PW_OK)
            return rc;
        if (mkdir(path, 0755) == 0)
            return PW_OK;
    }
    if (errno != EEXIST)
        return pw_error_set(err, PW_EIO, "%s: cannot create directory: %s", path, strerror(errno));
    if (!pw_is_dir(path))
        return pw_error_set(err, PW_EIO, "%s: exists and is not a directory", path);
    return PW_OK;
}

int pw_remove_tree(const char *path, pw_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? PW_OK
                               : pw_error_set(err, PW_EIO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d)
            return pw_error_set(err, PW_EIO, "%s: cannot open directory: %s", path,
                                strerror(errno));
        struct dirent *e;
        int rc = PW_OK;
        while (rc == PW_OK && (e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *child = pw_path_join(path, e->d_name);
            rc = pw_remove_tree(child, err);
            free(child);
        }
        closedir(d);
        if (rc != PW_OK)
            return rc;
        if (rmdir(path) != 0)
            return pw_error_set(err, PW_EIO, "%s: cannot remove: %s", path, strerror(errno));
        return PW_OK;
    }
    if (unlink(path) != 0)
        return pw_error_set(err, PW_EIO, "%s: cannot remove: %s", path, strerror(errno));
    return PW_OK;
}

char *pw_path_join(const char *dir, const char *name)
{
    if (!dir || !*dir)
        return pw_xstrdup(name);
    if (name[0] == '/')
        return pw_xstrdup(name);
    pw_buf b = PW_BUF_INIT;
    pw_buf_puts(&b, dir);
    while (b.len > 1 && b.data[b.len - 1] == '/')
        b.len--;
    b.data[b.len] = '\0';
    if (b.len != 1 || b.data[0] != '/')
        pw_buf_putc(&b, '/');
    while (name[0] == '.' && name[1] == '/')
        name += 2;
    pw_buf_puts(&b, name);
    return pw_buf_detach(&b);
}

char *pw_path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return pw_xstrdup(".");
    if (slash == path)
        return pw_xstrdup("/");
    return pw_xstrndup(path, (size_t)(slash - path));
}

const char *pw_path_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}
