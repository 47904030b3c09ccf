/* Are two bundles the same bytes? (pwpkg verify --bundle) */
#include "bundle.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int list_tree(const char *root, const char *rel, pw_strlist *out, pw_error *err)
{
    char *dir = rel[0] ? pw_path_join(root, rel) : pw_xstrdup(root);
    DIR *d = opendir(dir);
    if (!d) {
        int rc = pw_error_set(err, PW_EIO, "%s: cannot read the directory", dir);
        free(dir);
        return rc;
    }
    int rc = PW_OK;
    struct dirent *e;
    while (rc == PW_OK && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *child_rel = rel[0] ? pw_path_join(rel, e->d_name) : pw_xstrdup(e->d_name);
        char *child = pw_path_join(root, child_rel);
        struct stat st;
        if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
            rc = list_tree(root, child_rel, out, err);
        else
            pw_strlist_push(out, child_rel);
        free(child);
        free(child_rel);
    }
    closedir(d);
    free(dir);
    return rc;
}

static bool same_file(const char *a, const char *b)
{
    char ha[PW_SHA256_HEX_LEN + 1], hb[PW_SHA256_HEX_LEN + 1];
    uint64_t sa = 0, sb = 0;
    struct stat st_a, st_b;
    if (stat(a, &st_a) != 0 || stat(b, &st_b) != 0 || (st_a.st_mode & 0777) != (st_b.st_mode & 0777))
        return false;
    return pw_sha256_file_hex(a, ha, &sa, NULL) == PW_OK &&
           pw_sha256_file_hex(b, hb, &sb, NULL) == PW_OK && sa == sb && strcmp(ha, hb) == 0;
}

/* Drops the root "bundle.json" of an older pwpkg's bundle from `files`,
 * since the manifests are compared on their own. */
static void drop_legacy_manifest(pw_strlist *files)
{
    for (size_t i = 0; i < files->len; i++) {
        if (strcmp(files->items[i], PW_BUNDLE_MANIFEST) != 0)
            continue;
        free(files->items[i]);
        memmove(&files->items[i], &files->items[i + 1],
                (files->len - i - 1) * sizeof(files->items[0]));
        files->len--;
        return;
    }
}

/* The two manifests, wherever each bundle keeps it. */
static void compare_manifests(const char *expected, const char *actual,
                              pw_strlist *differences)
{
    char *ma = NULL, *mb = NULL;
    bool legacy_a = false, legacy_b = false;
    pw_error scratch = {0, NULL};
    bool has_a = pw_bundle_manifest_find(expected, &ma, &legacy_a, &scratch) == PW_OK;
    pw_error_clear(&scratch);
    bool has_b = pw_bundle_manifest_find(actual, &mb, &legacy_b, &scratch) == PW_OK;
    pw_error_clear(&scratch);
    if (legacy_a || legacy_b)
        pw_report(PW_REPORT_INFO,
                  "note: %s is the manifest location of an older pwpkg, inside the tree "
                  "wrangler uploads; `pwpkg bundle` now writes it beside the bundle",
                  legacy_a ? ma : mb);
    pw_buf line = PW_BUF_INIT;
    if (has_a && !has_b)
        pw_buf_printf(&line, "%s (missing)", PW_BUNDLE_MANIFEST);
    else if (!has_a && has_b)
        pw_buf_printf(&line, "%s (not expected)", PW_BUNDLE_MANIFEST);
    else if (has_a && !same_file(ma, mb))
        pw_buf_printf(&line, "%s (content or mode differs)", PW_BUNDLE_MANIFEST);
    if (line.len)
        pw_strlist_push_owned(differences, pw_buf_detach(&line));
    pw_buf_free(&line);
    free(ma);
    free(mb);
}

int pw_bundle_compare(const char *expected, const char *actual, pw_strlist *differences,
                      pw_error *err)
{
    bool dirs = pw_is_dir(expected);
    if (dirs != pw_is_dir(actual))
        return pw_error_set(err, PW_EINVAL, "%s and %s are not both directories or both files",
                            expected, actual);
    if (!dirs) {
        if (!same_file(expected, actual)) {
            pw_buf line = PW_BUF_INIT;
            pw_buf_printf(&line, "%s (content or mode differs)", pw_path_basename(expected));
            pw_strlist_push_owned(differences, pw_buf_detach(&line));
        }
        return PW_OK;
    }
    pw_strlist a = PW_STRLIST_INIT, b = PW_STRLIST_INIT;
    int rc = list_tree(expected, "", &a, err);
    if (rc == PW_OK)
        rc = list_tree(actual, "", &b, err);
    drop_legacy_manifest(&a);
    drop_legacy_manifest(&b);
    if (rc == PW_OK)
        compare_manifests(expected, actual, differences);
    pw_strlist_sort(&a);
    pw_strlist_sort(&b);
    size_t i = 0, j = 0;
    while (rc == PW_OK && (i < a.len || j < b.len)) {
        int order = i >= a.len ? 1 : j >= b.len ? -1 : strcmp(a.items[i], b.items[j]);
        pw_buf line = PW_BUF_INIT;
        if (order < 0) {
            pw_buf_printf(&line, "%s (missing)", a.items[i++]);
        } else if (order > 0) {
            pw_buf_printf(&line, "%s (not expected)", b.items[j++]);
        } else {
            char *pa = pw_path_join(expected, a.items[i]), *pb = pw_path_join(actual, b.items[j]);
            if (!same_file(pa, pb))
                pw_buf_printf(&line, "%s (content or mode differs)", a.items[i]);
            free(pa);
            free(pb);
            i++;
            j++;
        }
        if (line.len)
            pw_strlist_push_owned(differences, pw_buf_detach(&line));
        pw_buf_free(&line);
    }
    pw_strlist_free(&a);
    pw_strlist_free(&b);
    return rc;
}
