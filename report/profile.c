/* The per-package profile: the check's timed imports grouped by the
 * package that owns each module's file (docs/check.md, "Profile"). */
#include "report_private.h"

#include "runtime_check.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Where harness.mjs mounts the bundle and lays out the Worker. */
#define BUNDLE_MOUNT "/session/metadata/python_modules/"
#define WORKER_MOUNT "/session/metadata/"

static pw_profile_package *find_or_add(pw_profile *p, const char *name, const char *version)
{
    for (size_t i = 0; i < p->n_packages; i++)
        if (strcmp(p->packages[i].name, name) == 0)
            return &p->packages[i];
    p->packages = pw_xrealloc(p->packages, (p->n_packages + 1) * sizeof *p->packages);
    pw_profile_package *pk = &p->packages[p->n_packages++];
    memset(pk, 0, sizeof *pk);
    pk->name = pw_xstrdup(name);
    pk->version = pw_xstrdup(version ? version : "");
    return pk;
}

static void add_lib(pw_profile_package *pk, const char *path, uint64_t bytes, uint64_t us)
{
    pk->libs = pw_xrealloc(pk->libs, (pk->n_libs + 1) * sizeof *pk->libs);
    pk->libs[pk->n_libs++] = (pw_profile_lib){pw_xstrdup(path), bytes, us};
    pk->lib_bytes += bytes;
}

/* The owner of a module file under the bundle: the manifest's, else the
 * package owning another file of the same top-level folder (a file made
 * after the manifest, such as a .pyc Python wrote). */
static const char *bundle_owner(const report_bundle *b, const char *rel)
{
    const report_file *f = report_bundle_file(b, rel);
    if (f)
        return f->package;
    size_t top = strcspn(rel, "/");
    for (size_t i = 0; i < b->n_files; i++)
        if (strncmp(b->files[i].path, rel, top) == 0 && b->files[i].path[top] == '/')
            return b->files[i].package;
    return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int cost_cmp(const void *a, const void *b)
{
    const pw_profile_package *x = a, *y = b;
    uint64_t cx = x->cumulative_us + x->dynlib_us, cy = y->cumulative_us + y->dynlib_us;
    if (cx != cy)
        return cx > cy ? -1 : 1;
    if (x->gz_bytes != y->gz_bytes)
        return x->gz_bytes > y->gz_bytes ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int lib_cmp(const void *a, const void *b)
{
    return strcmp(((const pw_profile_lib *)a)->path, ((const pw_profile_lib *)b)->path);
}

static void finish(pw_profile *p)
{
    for (size_t i = 0; i < p->n_packages; i++) {
        pw_profile_package *pk = &p->packages[i];
        if (pk->n_libs > 1)
            qsort(pk->libs, pk->n_libs, sizeof *pk->libs, lib_cmp);
        pk->memory_ppm = p->heap_end && pk->memory_bytes > 0
                             ? (uint64_t)llround((double)pk->memory_bytes * 1e6 /
                                                 (double)p->heap_end)
                             : 0;
    }
    if (p->n_packages > 1)
        qsort(p->packages, p->n_packages, sizeof *p->packages, cost_cmp);
}

int pw_profile_build(const pw_check_profile *raw, const char *bundle_dir, pw_profile *out,
                     pw_error *err)
{
    memset(out, 0, sizeof *out);
    report_bundle b;
    int rc = report_bundle_read(bundle_dir, &b, err);
    if (rc != PW_OK)
        return rc;
    /* Every package of the bundle is listed, imported or not. */
    for (size_t i = 0; i < b.n_packages; i++) {
        pw_profile_package *pk = find_or_add(out, b.packages[i].name, b.packages[i].version);
        pk->files = b.packages[i].files;
        pk->raw_bytes = b.packages[i].raw_bytes;
        pk->gz_bytes = b.packages[i].gz_bytes;
    }
    out->heap_start = raw->heap_start;
    out->heap_end = raw->heap_end;

    size_t n = raw->n_imports;
    /* Integer microseconds, made consistent bottom-up: rounding never lets
     * the nested imports of a module add up to more than the module. */
    uint64_t *cum = pw_xcalloc(n + 1, sizeof *cum), *nested = pw_xcalloc(n + 1, sizeof *nested);
    int64_t *mem = pw_xcalloc(n + 1, sizeof *mem), *mem_nested = pw_xcalloc(n + 1, sizeof *mem);
    const char **owner = pw_xcalloc(n + 1, sizeof *owner);
    for (size_t i = 0; i < n; i++) {
        cum[i] = (uint64_t)llround(raw->imports[i].cumulative_ms * 1000.0);
        mem[i] = raw->imports[i].memory_bytes > 0 ? raw->imports[i].memory_bytes : 0;
    }
    /* A child always comes after its parent (pw_check_profile). */
    for (size_t k = n; k-- > 0;) {
        if (cum[k] < nested[k])
            cum[k] = nested[k];
        if (mem[k] < mem_nested[k])
            mem[k] = mem_nested[k];
        long parent = raw->imports[k].parent;
        if (parent >= 0) {
            nested[parent] += cum[k];
            mem_nested[parent] += mem[k];
        }
    }
    for (size_t i = 0; i < n; i++) {
        const pw_check_import_time *t = &raw->imports[i];
        const char *o = t->origin;
        const char *who = NULL;
        if (o && strncmp(o, BUNDLE_MOUNT, strlen(BUNDLE_MOUNT)) == 0)
            who = bundle_owner(&b, o + strlen(BUNDLE_MOUNT));
        else if (o && strncmp(o, WORKER_MOUNT, strlen(WORKER_MOUNT)) == 0)
            who = PW_PROFILE_WORKER;
        if (!who)
            who = t->parent >= 0 ? owner[t->parent] : PW_PROFILE_STDLIB;
        owner[i] = who;
        pw_profile_package *pk = find_or_add(out, who, NULL);
        pk->modules++;
        pk->self_us += cum[i] - nested[i];
        pk->memory_bytes += mem[i] - mem_nested[i];
        /* Outermost: no import above it belongs to the same package. */
        bool outermost = true;
        for (long a = t->parent; a >= 0 && outermost; a = raw->imports[a].parent)
            outermost = strcmp(owner[a], who) != 0;
        if (outermost)
            pk->cumulative_us += cum[i];
        if (t->parent < 0)
            out->imports_us += cum[i];
        if (o && ends_with(o, ".so") && strncmp(o, BUNDLE_MOUNT, strlen(BUNDLE_MOUNT)) == 0) {
            const report_file *f = report_bundle_file(&b, o + strlen(BUNDLE_MOUNT));
            add_lib(pk, o + strlen(BUNDLE_MOUNT), f ? f->size : 0, cum[i]);
        }
    }
    for (size_t i = 0; i < raw->n_dynlibs; i++) {
        const pw_check_dynlib_cost *d = &raw->dynlibs[i];
        const report_file *f = report_bundle_file(&b, d->path);
        pw_profile_package *pk = find_or_add(out, f ? f->package : PW_PROFILE_STDLIB, NULL);
        uint64_t us = (uint64_t)llround(d->ms * 1000.0);
        pk->dynlib_us += us;
        pk->memory_bytes += d->memory_bytes > 0 ? d->memory_bytes : 0;
        add_lib(pk, d->path, f ? f->size : 0, us);
    }
    free(cum);
    free(nested);
    free(mem);
    free(mem_nested);
    free(owner);
    report_bundle_free(&b);
    finish(out);
    return PW_OK;
}

/* ------------------------------------------------------------------ JSON */

cJSON *pw_profile_to_json(const pw_profile *p)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "profile_version", 1);
    cJSON_AddNumberToObject(root, "imports_us", (double)p->imports_us);
    cJSON_AddNumberToObject(root, "heap_start_bytes", (double)p->heap_start);
    cJSON_AddNumberToObject(root, "heap_end_bytes", (double)p->heap_end);
    cJSON *pkgs = cJSON_AddArrayToObject(root, "packages");
    for (size_t i = 0; i < p->n_packages; i++) {
        const pw_profile_package *pk = &p->packages[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", pk->name);
        cJSON_AddStringToObject(o, "version", pk->version);
        cJSON_AddNumberToObject(o, "files", (double)pk->files);
        cJSON_AddNumberToObject(o, "raw_bytes", (double)pk->raw_bytes);
        cJSON_AddNumberToObject(o, "gz_bytes", (double)pk->gz_bytes);
        cJSON_AddNumberToObject(o, "modules", (double)pk->modules);
        cJSON_AddNumberToObject(o, "self_us", (double)pk->self_us);
        cJSON_AddNumberToObject(o, "cumulative_us", (double)pk->cumulative_us);
        cJSON_AddNumberToObject(o, "dynlib_us", (double)pk->dynlib_us);
        cJSON_AddNumberToObject(o, "memory_bytes", (double)pk->memory_bytes);
        cJSON_AddNumberToObject(o, "memory_ppm", (double)pk->memory_ppm);
        cJSON_AddNumberToObject(o, "shared_library_bytes", (double)pk->lib_bytes);
        cJSON *libs = cJSON_AddArrayToObject(o, "shared_libraries");
        for (size_t j = 0; j < pk->n_libs; j++) {
            cJSON *l = cJSON_CreateObject();
            cJSON_AddStringToObject(l, "path", pk->libs[j].path);
            cJSON_AddNumberToObject(l, "bytes", (double)pk->libs[j].bytes);
            cJSON_AddNumberToObject(l, "load_us", (double)pk->libs[j].load_us);
            cJSON_AddItemToArray(libs, l);
        }
        cJSON_AddItemToArray(pkgs, o);
    }
    return root;
}

typedef struct parse_ctx {
    const char *path;
    pw_error *err;
    int rc;
} parse_ctx;

static uint64_t want_count(parse_ctx *c, const cJSON *obj, const char *key, const char *where)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (c->rc == PW_OK && (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
                           v->valuedouble < 0 || v->valuedouble != floor(v->valuedouble) ||
                           v->valuedouble >= 9007199254740992.0 /* 2^53: exact in JSON */))
        c->rc = pw_error_set(c->err, PW_EINVAL,
                             "%s: %s.%s: expected a whole number from 0 to 2^53", c->path, where,
                             key);
    return c->rc == PW_OK ? (uint64_t)v->valuedouble : 0;
}

static char *want_string(parse_ctx *c, const cJSON *obj, const char *key, const char *where)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (c->rc == PW_OK && !cJSON_IsString(v))
        c->rc = pw_error_set(c->err, PW_EINVAL, "%s: %s.%s: expected a string", c->path, where,
                             key);
    return c->rc == PW_OK ? pw_xstrdup(v->valuestring) : NULL;
}

int pw_profile_parse(const char *path, const char *text, size_t len, pw_profile *out,
                     pw_error *err)
{
    memset(out, 0, sizeof *out);
    cJSON *root = NULL;
    int rc = pw_json_parse(path, text, len, &root, err);
    if (rc != PW_OK)
        return rc;
    const cJSON *prof = cJSON_GetObjectItemCaseSensitive(root, "profile");
    if (!prof)
        prof = root;
    parse_ctx c = {path, err, PW_OK};
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(prof, "profile_version");
    if (!cJSON_IsObject(prof) || !cJSON_IsNumber(version)) {
        c.rc = pw_error_set(err, PW_EINVAL,
                            "%s: expected a profile (profile_version), as written by `pwpkg "
                            "--json check --profile`",
                            path);
    } else if (version->valuedouble != 1) {
        c.rc = pw_error_set(err, PW_EINVAL, "%s: profile_version %g: this pwpkg reads version 1",
                            path, version->valuedouble);
    }
    const cJSON *pkgs = c.rc == PW_OK ? cJSON_GetObjectItemCaseSensitive(prof, "packages") : NULL;
    if (c.rc == PW_OK && !cJSON_IsArray(pkgs))
        c.rc = pw_error_set(err, PW_EINVAL, "%s: packages: expected an array", path);
    out->imports_us = want_count(&c, prof, "imports_us", "profile");
    out->heap_start = want_count(&c, prof, "heap_start_bytes", "profile");
    out->heap_end = want_count(&c, prof, "heap_end_bytes", "profile");
    size_t n = c.rc == PW_OK ? (size_t)cJSON_GetArraySize(pkgs) : 0;
    out->packages = pw_xcalloc(n + 1, sizeof *out->packages);
    for (size_t i = 0; i < n && c.rc == PW_OK; i++) {
        const cJSON *o = cJSON_GetArrayItem(pkgs, (int)i);
        pw_buf wb = PW_BUF_INIT;
        pw_buf_printf(&wb, "packages[%zu]", i);
        const char *where = pw_buf_cstr(&wb);
        pw_profile_package *pk = &out->packages[out->n_packages++];
        pk->name = want_string(&c, o, "name", where);
        pk->version = want_string(&c, o, "version", where);
        pk->files = (size_t)want_count(&c, o, "files", where);
        pk->raw_bytes = want_count(&c, o, "raw_bytes", where);
        pk->gz_bytes = want_count(&c, o, "gz_bytes", where);
        pk->modules = (size_t)want_count(&c, o, "modules", where);
        pk->self_us = want_count(&c, o, "self_us", where);
        pk->cumulative_us = want_count(&c, o, "cumulative_us", where);
        pk->dynlib_us = want_count(&c, o, "dynlib_us", where);
        pk->memory_bytes = (int64_t)want_count(&c, o, "memory_bytes", where);
        pk->memory_ppm = want_count(&c, o, "memory_ppm", where);
        if (c.rc == PW_OK && pk->self_us > pk->cumulative_us)
            c.rc = pw_error_set(err, PW_EINVAL,
                                "%s: %s: self_us %llu is more than cumulative_us %llu", path,
                                where, (unsigned long long)pk->self_us,
                                (unsigned long long)pk->cumulative_us);
        const cJSON *libs = cJSON_GetObjectItemCaseSensitive(o, "shared_libraries");
        if (c.rc == PW_OK && !cJSON_IsArray(libs))
            c.rc = pw_error_set(err, PW_EINVAL, "%s: %s.shared_libraries: expected an array",
                                path, where);
        const cJSON *l;
        cJSON_ArrayForEach(l, libs) {
            if (c.rc != PW_OK)
                break;
            pw_buf lb = PW_BUF_INIT;
            pw_buf_printf(&lb, "%s.shared_libraries[%zu]", where, pk->n_libs);
            char *lp = want_string(&c, l, "path", pw_buf_cstr(&lb));
            uint64_t bytes = want_count(&c, l, "bytes", pw_buf_cstr(&lb));
            uint64_t us = want_count(&c, l, "load_us", pw_buf_cstr(&lb));
            if (c.rc == PW_OK)
                add_lib(pk, lp, bytes, us);
            free(lp);
            pw_buf_free(&lb);
        }
        pw_buf_free(&wb);
    }
    cJSON_Delete(root);
    if (c.rc != PW_OK)
        pw_profile_free(out);
    return c.rc;
}

/* ----------------------------------------------------------------- table */

void pw_profile_format(const pw_profile *p, pw_buf *out)
{
    pw_buf_printf(out, "%-28s %10s %10s %9s %9s %9s %7s  %s\n", "package", "self", "cumulative",
                  "size", "gzip", "heap", "share", "shared libraries");
    for (size_t i = 0; i < p->n_packages; i++) {
        const pw_profile_package *pk = &p->packages[i];
        pw_buf size = PW_BUF_INIT, gz = PW_BUF_INIT, mem = PW_BUF_INIT;
        pw_format_size(&size, pk->raw_bytes);
        pw_format_size(&gz, pk->gz_bytes);
        pw_format_size(&mem, pk->memory_bytes > 0 ? (uint64_t)pk->memory_bytes : 0);
        pw_buf_printf(out, "%-28s %7.1f ms %7.1f ms %9s %9s %9s %6.1f%%  ", pk->name,
                      (double)pk->self_us / 1000.0,
                      (double)pk->cumulative_us / 1000.0, pw_buf_cstr(&size),
                      pw_buf_cstr(&gz), pw_buf_cstr(&mem), (double)pk->memory_ppm / 1e4);
        if (pk->n_libs == 0)
            pw_buf_puts(out, "-");
        for (size_t j = 0; j < pk->n_libs; j++) {
            pw_buf lb = PW_BUF_INIT;
            pw_format_size(&lb, pk->libs[j].bytes);
            pw_buf_printf(out, "%s%s (%s, %.1f ms)", j ? ", " : "", pk->libs[j].path,
                          pw_buf_cstr(&lb), (double)pk->libs[j].load_us / 1000.0);
            pw_buf_free(&lb);
        }
        pw_buf_putc(out, '\n');
        pw_buf_free(&size);
        pw_buf_free(&gz);
        pw_buf_free(&mem);
    }
    pw_buf_printf(out, "imports %.1f ms in all; heap %.1f MB -> %.1f MB\n",
                  (double)p->imports_us / 1000.0, (double)p->heap_start / 1e6,
                  (double)p->heap_end / 1e6);
}

void pw_profile_free(pw_profile *p)
{
    for (size_t i = 0; i < p->n_packages; i++) {
        pw_profile_package *pk = &p->packages[i];
        free(pk->name);
        free(pk->version);
        for (size_t j = 0; j < pk->n_libs; j++)
            free(pk->libs[j].path);
        free(pk->libs);
    }
    free(p->packages);
    memset(p, 0, sizeof *p);
}
