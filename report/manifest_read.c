/* The bundle's manifest (bundle.json, docs/bundle.md) read for the report:
 * files with their owner and size, and the size table of `pwpkg bundle`. */
#include "report_private.h"

#include "bundle.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool get_size(const cJSON *obj, const char *key, uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0)
        return false;
    *out = (uint64_t)v->valuedouble;
    return true;
}

static const char *get_string(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int file_cmp(const void *a, const void *b)
{
    return strcmp(((const report_file *)a)->path, ((const report_file *)b)->path);
}

/* Each package's gzip size where the manifest has none: one stream over
 * its files in the manifest's order, as the size table of `pwpkg bundle`;
 * the total is their sum, as there. */
static int gzip_missing(const char *dir, report_bundle *b, pw_error *err)
{
    bool any = false;
    for (size_t p = 0; p < b->n_packages; p++)
        any = any || b->packages[p].gz_bytes == UINT64_MAX;
    if (!any)
        return PW_OK;
    char **paths = pw_xcalloc(b->n_files + 1, sizeof *paths);
    int rc = PW_OK;
    uint64_t total = 0;
    for (size_t p = 0; p < b->n_packages && rc == PW_OK; p++) {
        report_package *pk = &b->packages[p];
        if (pk->gz_bytes == UINT64_MAX) {
            size_t n = 0;
            for (size_t i = 0; i < b->n_files; i++)
                if (strcmp(b->files[i].package, pk->name) == 0)
                    paths[n++] = pw_path_join(dir, b->files[i].path);
            rc = pw_bundle_gzip_size((const char *const *)paths, n, &pk->gz_bytes, err);
            for (size_t i = 0; i < n; i++)
                free(paths[i]);
        }
        total += pk->gz_bytes;
    }
    free(paths);
    if (rc == PW_OK && !b->gz_total)
        b->gz_total = total;
    return rc;
}

int report_bundle_read(const char *dir, report_bundle *out, pw_error *err)
{
    memset(out, 0, sizeof *out);
    bool legacy = false;
    int rc = pw_bundle_manifest_find(dir, &out->manifest_path, &legacy, err);
    if (rc != PW_OK)
        return rc;
    pw_buf text = PW_BUF_INIT;
    cJSON *root = NULL;
    rc = pw_read_file(out->manifest_path, &text, err);
    if (rc == PW_OK)
        rc = pw_json_parse(out->manifest_path, text.data, text.len, &root, err);
    pw_buf_free(&text);
    if (rc != PW_OK)
        return rc;
    const char *m = out->manifest_path;
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
    const cJSON *pkgs = cJSON_GetObjectItemCaseSensitive(root, "packages");
    const cJSON *totals = cJSON_GetObjectItemCaseSensitive(root, "totals");
    if (!cJSON_IsArray(files) || !cJSON_IsArray(pkgs) || !cJSON_IsObject(totals)) {
        cJSON_Delete(root);
        return pw_error_set(err, PW_EINVAL,
                            "%s: expected a bundle manifest with files, packages and totals", m);
    }
    const char *digest = get_string(root, "lock_digest");
    out->lock_digest = digest ? pw_xstrdup(digest) : NULL;
    get_size(totals, "raw_bytes", &out->raw_total);
    get_size(totals, "gz_bytes", &out->gz_total);
    out->files = pw_xcalloc((size_t)cJSON_GetArraySize(files) + 1, sizeof *out->files);
    const cJSON *f;
    cJSON_ArrayForEach(f, files) {
        const char *path = get_string(f, "path"), *pkg = get_string(f, "package");
        uint64_t size;
        if (!path || !pkg || !get_size(f, "size", &size)) {
            rc = pw_error_set(err, PW_EINVAL, "%s: files[%zu]: expected path, package and size", m,
                              out->n_files);
            break;
        }
        out->files[out->n_files++] = (report_file){pw_xstrdup(path), pw_xstrdup(pkg), size};
    }
    out->packages = pw_xcalloc((size_t)cJSON_GetArraySize(pkgs) + 1, sizeof *out->packages);
    const cJSON *p;
    cJSON_ArrayForEach(p, pkgs) {
        if (rc != PW_OK)
            break;
        const char *name = get_string(p, "name"), *version = get_string(p, "version");
        const char *type = get_string(p, "package_type");
        report_package *rp = &out->packages[out->n_packages];
        if (!name || !get_size(p, "raw_bytes", &rp->raw_bytes)) {
            rc = pw_error_set(err, PW_EINVAL, "%s: packages[%zu]: expected name and raw_bytes", m,
                              out->n_packages);
            break;
        }
        /* Manifests since the gzip pass became optional hold no gz_bytes:
         * computed below, as `pwpkg bundle` computes its table. */
        if (!get_size(p, "gz_bytes", &rp->gz_bytes))
            rp->gz_bytes = UINT64_MAX;
        uint64_t n = 0;
        get_size(p, "files", &n);
        rp->files = (size_t)n;
        rp->name = pw_xstrdup(name);
        rp->version = pw_xstrdup(version ? version : "");
        rp->package_type = pw_xstrdup(type ? type : "package");
        out->n_packages++;
    }
    cJSON_Delete(root);
    if (rc == PW_OK)
        rc = gzip_missing(dir, out, err);
    if (rc == PW_OK && out->n_files)
        qsort(out->files, out->n_files, sizeof *out->files, file_cmp);
    if (rc != PW_OK)
        report_bundle_free(out);
    return rc;
}

const report_file *report_bundle_file(const report_bundle *b, const char *path)
{
    report_file key = {(char *)path, NULL, 0};
    return b->n_files ? bsearch(&key, b->files, b->n_files, sizeof *b->files, file_cmp) : NULL;
}

const report_package *report_bundle_package(const report_bundle *b, const char *name)
{
    for (size_t i = 0; i < b->n_packages; i++)
        if (strcmp(b->packages[i].name, name) == 0)
            return &b->packages[i];
    return NULL;
}

void report_bundle_free(report_bundle *b)
{
    for (size_t i = 0; i < b->n_files; i++) {
        free(b->files[i].path);
        free(b->files[i].package);
    }
    free(b->files);
    for (size_t i = 0; i < b->n_packages; i++) {
        free(b->packages[i].name);
        free(b->packages[i].version);
        free(b->packages[i].package_type);
    }
    free(b->packages);
    free(b->lock_digest);
    free(b->manifest_path);
    memset(b, 0, sizeof *b);
}
