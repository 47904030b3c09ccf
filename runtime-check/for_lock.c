/* The lock's side of the runtime check: which runtime, which modules. */
#include "lockfile.h"
#include "runtime_check.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

/* The runtime release for a lock: the release it runs on, or, when that one
 * was never published (Cloudflare's 0.26.0a2), the release whose index the
 * lock used, which has the same Python minor and ABI. */
int pw_check_runtime_for_lock(const pw_lock *lock, const char *cache_dir, const char *explicit_dir,
                              bool install, char **runtime_dir_out, pw_error *err)
{
    const char *versions[2] = {lock->release.pyodide, lock->release.index_release};
    int rc = PW_ENOTFOUND;
    for (int i = 0; i < 2 && rc; i++) {
        if (!versions[i] || (i == 1 && strcmp(versions[0], versions[1]) == 0))
            continue;
        pw_error_clear(err);
        rc = pw_runtime_locate(versions[i], cache_dir, explicit_dir, runtime_dir_out, err);
        if (rc == PW_ENOTFOUND && install && !explicit_dir)
            rc = pw_runtime_install(versions[i], cache_dir, runtime_dir_out, err);
        if (rc == PW_OK && i == 1)
            pw_report(PW_REPORT_WARN,
                      "Pyodide %s is not published; checking with %s (same Python minor and ABI)",
                      versions[0], versions[1]);
        if (explicit_dir)
            break;
    }
    if (rc)
        return rc == PW_ENOTFOUND
                   ? pw_error_set(err, PW_ERUNTIME,
                                  "no Pyodide runtime %s installed; run `pwpkg runtime install %s` "
                                  "or pass --runtime DIR",
                                  versions[0], versions[1] ? versions[1] : versions[0])
                   : rc;
    /* The runtime must run the lock's Python minor and ABI; the patch
     * version may differ for a stand-in release. */
    pw_runtime_info info;
    if ((rc = pw_runtime_read_info(*runtime_dir_out, &info, err)))
        return rc;
    size_t minor = strcspn(lock->release.python, ".");
    if (lock->release.python[minor] == '.')
        minor += strcspn(lock->release.python + minor + 1, ".") + 1;
    bool same_python = info.python && strncmp(info.python, lock->release.python, minor) == 0;
    bool same_abi = (!info.abi_version && !lock->release.abi_version) ||
                    (info.abi_version && lock->release.abi_version &&
                     strcmp(info.abi_version, lock->release.abi_version) == 0);
    if (!same_python || !same_abi)
        rc = pw_error_set(err, PW_ERUNTIME,
                          "%s runs Python %s with ABI %s, but the lock is for Python %s with ABI %s",
                          *runtime_dir_out, info.python ? info.python : "?",
                          info.abi_version ? info.abi_version : "(none)", lock->release.python,
                          lock->release.abi_version ? lock->release.abi_version : "(none)");
    pw_runtime_info_free(&info);
    return rc;
}

/* Top-level names of one installed distribution: top_level.txt, else the
 * first path segment of its RECORD entries that are packages or modules. */
static void dist_modules(const char *bundle_dir, const char *dist_info, pw_strlist *out)
{
    pw_buf path = PW_BUF_INIT, text = PW_BUF_INIT;
    pw_error ignored = {0};
    pw_buf_printf(&path, "%s/%s/top_level.txt", bundle_dir, dist_info);
    bool have_top_level = pw_read_file(path.data, &text, &ignored) == PW_OK;
    if (!have_top_level) {
        pw_buf_reset(&path);
        pw_buf_printf(&path, "%s/%s/RECORD", bundle_dir, dist_info);
        if (pw_read_file(path.data, &text, &ignored) != PW_OK)
            pw_buf_reset(&text);
    }
    char *save = NULL;
    for (char *line = strtok_r(text.data ? text.data : (char[]){0}, "\r\n", &save); line;
         line = strtok_r(NULL, "\r\n", &save)) {
        char *name = NULL;
        if (have_top_level) {
            pw_slice s = pw_slice_trim(pw_slice_from(line));
            if (s.len)
                name = pw_xstrndup(s.ptr, s.len);
        } else {
            size_t field = strcspn(line, ",");
            size_t seg = strcspn(line, "/");
            if (seg < field && pw_slice_ends_with(pw_slice_make(line, field), "/__init__.py") &&
                seg + strlen("/__init__.py") == field)
                name = pw_xstrndup(line, seg);
            else if (seg >= field && pw_slice_ends_with(pw_slice_make(line, field), ".py"))
                name = pw_xstrndup(line, field - 3);
        }
        if (!name)
            continue;
        /* private modules and the dist-info itself are not import targets */
        if (name[0] == '_' || strchr(name, '.') || strchr(name, '-'))
            free(name);
        else
            pw_strlist_push_owned(out, name);
    }
    pw_buf_free(&path);
    pw_buf_free(&text);
    pw_error_clear(&ignored);
}

void pw_check_modules_for_lock(const pw_lock *lock, const char *bundle_dir, pw_strlist *out)
{
    for (size_t i = 0; i < lock->n_packages; i++) {
        const pw_lock_package *p = &lock->packages[i];
        if (strcmp(p->package_type, "package") != 0 && strcmp(p->package_type, "cpython_module") != 0)
            continue;
        for (size_t k = 0; k < p->imports.len; k++)
            pw_strlist_push(out, p->imports.items[k]);
    }
    /* Packages the lock has no import names for (index packages): read the
     * installed metadata of the bundle. */
    DIR *d = bundle_dir ? opendir(bundle_dir) : NULL;
    if (d) {
        pw_strlist dists = PW_STRLIST_INIT;
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (pw_slice_ends_with(pw_slice_from(e->d_name), ".dist-info"))
                pw_strlist_push(&dists, e->d_name);
        closedir(d);
        pw_strlist_sort(&dists);
        for (size_t i = 0; i < dists.len; i++) {
            size_t dash = strcspn(dists.items[i], "-");
            char *name = pw_xstrndup(dists.items[i], dash);
            const pw_lock_package *p = pw_lock_find(lock, name);
            if (!p || p->imports.len == 0)
                dist_modules(bundle_dir, dists.items[i], out);
            free(name);
        }
        pw_strlist_free(&dists);
    }
    /* keep the first occurrence of each name, in order */
    pw_strlist unique = PW_STRLIST_INIT;
    for (size_t i = 0; i < out->len; i++)
        if (!pw_strlist_contains(&unique, out->items[i]))
            pw_strlist_push(&unique, out->items[i]);
    pw_strlist_free(out);
    *out = unique;
}
