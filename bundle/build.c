/*
 * pw_bundle_build: locked artifacts in, one reproducible python_modules/
 * tree (or zip of it) out, with bundle.json and a size report.
 *
 * Everything happens in a staging directory next to the output; the output
 * only changes by renames at the very end, so a failure at any point leaves
 * the previous output (or nothing) in place. Reproducibility rules are in
 * docs/bundle.md: sorted entries, fixed timestamps and modes, nothing taken
 * from the host (user, time zone, locale, umask, directory order).
 */
#include "bundle_private.h"
#include "archive_libraries.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>
/* Deterministic as long as the deflate implementation is the same (zlib). */
#define ZIP_LEVEL 6
#define BUDGET_CONTRIBUTORS 5

typedef struct bundle_file {
    const pw_installed_file *f;
    size_t pkg;
} bundle_file;

typedef struct build_state {
    const pw_bundle_item *items;
    size_t n_items;
    const pw_bundle_options *o;
    int64_t epoch;
    char *stage;
    char *zip_tmp;
    pw_bundle_install_result *results;
    bool *installed;
    bundle_file *files; /* unique paths, sorted */
    size_t n_files;
    uint64_t *gz;
    size_t added_files; /* by the after_install hook */
    uint64_t added_bytes;
    int output_lock;    /* pw_output_claim on the output's directory */
    char *manifest_tmp; /* PW_BUNDLE_DIR: the manifest moved out of the tree, not yet placed */
    pw_strlist upload_exclude; /* o->workers: wrangler's python_modules.exclude */
    bool sizes;       /* per-package gzip sizes wanted (report, budget) */
    bool stage_files; /* the archives' files are written to the staging tree */
} build_state;


static int bundle_file_cmp(const void *a, const void *b)
{
    const bundle_file *x = a, *y = b;
    int c = strcmp(x->f->path, y->f->path);
    if (c)
        return c;
    return x->pkg < y->pkg ? -1 : x->pkg > y->pkg;
}

/* -------------------------------------------------------------- install */

static int install_items(build_state *s, pw_bundle_report *rep, pw_error *err)
{
    const pw_bundle_options *o = s->o;
    uint64_t limit = o->max_total_uncompressed ? o->max_total_uncompressed
                                               : PW_BUNDLE_DEFAULT_MAX_UNCOMPRESSED;
    uint64_t used = 0;
    pw_buf skipped = PW_BUF_INIT;
    int rc = PW_OK;
    for (size_t i = 0; i < s->n_items && rc == PW_OK; i++) {
        const pw_bundle_item *it = &s->items[i];
        if (!it->path) {
            rc = pw_error_set(err, PW_EINVAL, "%s %s: no local artifact path", it->name,
                              it->version ? it->version : "");
            break;
        }
        /* Static libraries are link-time inputs for building other
         * packages; nothing in them is loaded at run time. */
        if (it->package_type && strcmp(it->package_type, "static_library") == 0) {
            if (skipped.len)
                pw_buf_puts(&skipped, ", ");
            pw_buf_puts(&skipped, it->name);
            continue;
        }
        pw_bundle_install_options wo = {
            .install_dir = it->install_dir,
            .file_name = it->file_name,
            .name = it->name,
            .version = it->version,
            .sha256 = it->sha256,
            .max_total_uncompressed = limit - used,
            .max_ratio = o->max_ratio,
            .strip = o->strip,
            .exclude = o->exclude,
            .strict_record = o->strict_record,
            .upload_exclude = o->workers ? &s->upload_exclude : NULL,
            .slim = o->slim,
            .verify_only = !s->stage_files,
        };
        pw_report(PW_REPORT_DEBUG, "bundle: installing %s %s", it->name,
                  it->version ? it->version : "");
        rc = pw_bundle_install_wheel(it->path, s->stage, &wo, &s->results[i], err);
        if (rc != PW_OK) {
            pw_error_wrap(err, "bundling %s", it->name);
            break;
        }
        s->installed[i] = true;
        used += s->results[i].uncompressed;
        for (size_t k = 0; o->slimmed_out && k < s->results[i].slimmed.len; k++)
            pw_strlist_push(o->slimmed_out, s->results[i].slimmed.items[k]);
    }
    if (skipped.len)
        rep->skipped = pw_buf_detach(&skipped);
    pw_buf_free(&skipped);
    return rc;
}

/* ------------------------------------------------- files of the hook */

/* Which item owns a file the after_install hook created: the one that
 * installed its source ("pkg/__pycache__/m.cpython-312.pyc" -> "pkg/m.py"),
 * else the one that installed something in the same top-level folder. */
static size_t owner_of(const build_state *s, const char *path)
{
    pw_buf source = PW_BUF_INIT;
    const char *cache = strstr(path, "__pycache__/");
    if (cache) {
        pw_buf_append(&source, path, (size_t)(cache - path));
        const char *name = cache + strlen("__pycache__/");
        pw_buf_append(&source, name, strcspn(name, "."));
        pw_buf_puts(&source, ".py");
    }
    size_t top = strcspn(path, "/");
    size_t fallback = SIZE_MAX;
    for (size_t i = 0; i < s->n_items; i++) {
        for (size_t j = 0; j < s->results[i].n_files; j++) {
            const char *f = s->results[i].files[j].path;
            if (source.len && strcmp(f, source.data) == 0) {
                pw_buf_free(&source);
                return i;
            }
            if (fallback == SIZE_MAX && strncmp(f, path, top) == 0 && f[top] == '/')
                fallback = i;
        }
    }
    pw_buf_free(&source);
    return fallback == SIZE_MAX ? 0 : fallback;
}

static bool installed_path(const build_state *s, const char *path)
{
    for (size_t i = 0; i < s->n_items; i++)
        for (size_t j = 0; j < s->results[i].n_files; j++)
            if (strcmp(s->results[i].files[j].path, path) == 0)
                return true;
    return false;
}

/* Adds the files the hook wrote to the install results, so that sizes, the
 * manifest and the zip include them. */
static int adopt_new_files(build_state *s, const char *rel, pw_error *err)
{
    char *dir = rel[0] ? pw_path_join(s->stage, rel) : pw_xstrdup(s->stage);
    DIR *d = opendir(dir);
    if (!d) {
        int rc = pw_error_set(err, PW_EIO, "%s: cannot read: %s", dir, strerror(errno));
        free(dir);
        return rc;
    }
    pw_strlist names = PW_STRLIST_INIT;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            pw_strlist_push(&names, e->d_name);
    closedir(d);
    pw_strlist_sort(&names);
    int rc = PW_OK;
    for (size_t i = 0; rc == PW_OK && i < names.len; i++) {
        char *child_rel = rel[0] ? pw_path_join(rel, names.items[i]) : pw_xstrdup(names.items[i]);
        char *child = pw_path_join(s->stage, child_rel);
        struct stat st;
        if (lstat(child, &st) != 0) {
            rc = pw_error_set(err, PW_EIO, "%s: %s", child, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            rc = adopt_new_files(s, child_rel, err);
        } else if (S_ISREG(st.st_mode) && !installed_path(s, child_rel)) {
            pw_bundle_install_result *r = &s->results[owner_of(s, child_rel)];
            r->files = pw_xrealloc(r->files, (r->n_files + 1) * sizeof(*r->files));
            pw_installed_file *f = &r->files[r->n_files];
            memset(f, 0, sizeof(*f));
            rc = pw_sha256_file_hex(child, f->sha256, &f->size, err);
            if (rc == PW_OK) {
                f->path = pw_xstrdup(child_rel);
                f->executable = (st.st_mode & 0111) != 0;
                r->raw_bytes += f->size;
                r->n_files++;
                s->added_files++;
                s->added_bytes += f->size;
            }
        } else if (!S_ISREG(st.st_mode)) {
            rc = pw_error_set(err, PW_EINVAL, "%s: only regular files may be added to a bundle",
                              child_rel);
        }
        free(child);
        free(child_rel);
    }
    pw_strlist_free(&names);
    free(dir);
    return rc;
}

static int collect_files(build_state *s, pw_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < s->n_items; i++)
        total += s->results[i].n_files;
    bundle_file *all = pw_xcalloc(total ? total : 1, sizeof(*all));
    size_t k = 0;
    for (size_t i = 0; i < s->n_items; i++)
        for (size_t j = 0; j < s->results[i].n_files; j++)
            all[k++] = (bundle_file){&s->results[i].files[j], i};
    if (k)
        qsort(all, k, sizeof(*all), bundle_file_cmp);
    /* A path two packages install with the same content (pip-style shared
     * namespace files) is listed once, owned by the first package. Other
     * content is a conflict, found here when the files were not written
     * (a zip copies them from the wheels). */
    size_t w = 0;
    for (size_t i = 0; i < k; i++) {
        if (w && strcmp(all[w - 1].f->path, all[i].f->path) == 0) {
            if (strcmp(all[w - 1].f->sha256, all[i].f->sha256) != 0) {
                int rc = pw_error_set(err, PW_ECONFLICT,
                                      "%s and %s both install %s, with different content",
                                      s->items[all[w - 1].pkg].name, s->items[all[i].pkg].name,
                                      all[i].f->path);
                free(all);
                return rc;
            }
            continue;
        }
        all[w++] = all[i];
    }
    s->files = all;
    s->n_files = w;
    /* A file where another package needs a directory ("a" and "a/b"). */
    for (size_t i = 0; i < w; i++) {
        const char *p = all[i].f->path;
        for (const char *slash = strchr(p, '/'); slash; slash = strchr(slash + 1, '/')) {
            size_t len = (size_t)(slash - p);
            size_t lo = 0, hi = w;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strncmp(all[mid].f->path, p, len);
                if (c == 0 && all[mid].f->path[len] != '\0')
                    c = 1;
                if (c < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < w && strncmp(all[lo].f->path, p, len) == 0 && all[lo].f->path[len] == '\0')
                return pw_error_set(err, PW_ECONFLICT,
                                    "%s installs the file %s, where %s needs a directory",
                                    s->items[all[lo].pkg].name, all[lo].f->path,
                                    s->items[all[i].pkg].name);
        }
    }
    for (size_t i = 0; i < w; i++)
        if (strcmp(all[i].f->path, PW_BUNDLE_MANIFEST) == 0)
            return pw_error_set(err, PW_ECONFLICT,
                                "%s installs %s, the name of the bundle manifest",
                                s->items[all[i].pkg].name, PW_BUNDLE_MANIFEST);
    return PW_OK;
}

/* ---------------------------------------------------------- size report */

/* A Worker's per-package figures: each package's files' shares of the
 * upload's one gzip stream (pw_bundle_upload_scan), instead of a second
 * deflate pass over the same bytes. False when the upload does not carry
 * python_modules/ (no main module, find_additional_modules = false). */
static bool sizes_from_upload(build_state *s, const pw_bundle_report *rep)
{
    const pw_bundle_upload *u = &rep->upload;
    if (!rep->has_upload || !u->has_main || u->no_additional || !u->vendor_gz)
        return false;
    for (size_t i = 0; i < u->vendor_files.len; i++) {
        const char *path = u->vendor_files.items[i];
        size_t lo = 0, hi = s->n_files;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(s->files[mid].f->path, path) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < s->n_files && strcmp(s->files[lo].f->path, path) == 0)
            s->gz[s->files[lo].pkg] += u->vendor_gz[i];
    }
    return true;
}

static int gzip_sizes(build_state *s, const pw_bundle_report *rep, pw_error *err)
{
    s->gz = pw_xcalloc(s->n_items ? s->n_items : 1, sizeof(*s->gz));
    /* A deflate pass over the whole tree costs as much as a zip -6 of it:
     * only when someone reads the figures, and only once. */
    if (!s->sizes || sizes_from_upload(s, rep))
        return PW_OK;
    char **paths = pw_xcalloc(s->n_files + 1, sizeof(char *));
    int rc = PW_OK;
    for (size_t p = 0; p < s->n_items && rc == PW_OK; p++) {
        if (!s->installed[p])
            continue;
        size_t n = 0;
        for (size_t i = 0; i < s->n_files; i++)
            if (s->files[i].pkg == p)
                paths[n++] = pw_path_join(s->stage, s->files[i].f->path);
        rc = pw_bundle_gzip_size((const char *const *)paths, n, &s->gz[p], err);
        for (size_t i = 0; i < n; i++)
            free(paths[i]);
    }
    free(paths);
    return rc;
}

static int size_cmp(const void *a, const void *b)
{
    const pw_bundle_package_size *x = a, *y = b;
    if (x->gz_bytes != y->gz_bytes)
        return x->gz_bytes > y->gz_bytes ? -1 : 1;
    if (x->raw_bytes != y->raw_bytes)
        return x->raw_bytes > y->raw_bytes ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void fill_report(build_state *s, pw_bundle_report *rep)
{
    rep->added_files = s->added_files;
    rep->added_bytes = s->added_bytes;
    rep->packages = pw_xcalloc(s->n_items ? s->n_items : 1, sizeof(*rep->packages));
    for (size_t p = 0; p < s->n_items; p++) {
        if (!s->installed[p])
            continue;
        pw_bundle_package_size *ps = &rep->packages[rep->n_packages++];
        ps->name = pw_xstrdup(s->items[p].name);
        ps->version = pw_xstrdup(s->items[p].version ? s->items[p].version : "");
        ps->gz_bytes = s->gz[p];
        ps->saved_bytes = s->results[p].saved_bytes;
        rep->saved_bytes += s->results[p].saved_bytes;
        rep->saved_files += s->results[p].saved_files;
        rep->py_compiled_wheels += s->results[p].py_compiled > 0;
        rep->py_compiled_members += s->results[p].py_compiled;
        rep->unlisted_members += s->results[p].unlisted;
        rep->no_record_wheels += s->results[p].no_record;
        ps->slimmed_files = s->results[p].slimmed.len;
        ps->slimmed_bytes = s->results[p].slimmed_bytes;
        ps->slimmed_gz = s->results[p].slimmed_gz;
        rep->slimmed_files += ps->slimmed_files;
        rep->slimmed_bytes += ps->slimmed_bytes;
        rep->slimmed_gz += ps->slimmed_gz;
    }
    for (size_t i = 0; i < s->n_files; i++) {
        const bundle_file *bf = &s->files[i];
        size_t slot = 0;
        for (size_t p = 0; p < bf->pkg; p++)
            slot += s->installed[p];
        rep->packages[slot].files++;
        rep->packages[slot].raw_bytes += bf->f->size;
        rep->raw_total += bf->f->size;
    }
    rep->files = s->n_files;
    for (size_t i = 0; i < rep->n_packages; i++)
        rep->gz_total += rep->packages[i].gz_bytes;
    for (size_t p = 0; p < s->n_items; p++) {
        const pw_bundle_install_result *r = &s->results[p];
        rep->dropped_files += r->dropped.len;
        for (size_t i = 0; i < r->dropped.len; i++)
            pw_strlist_push(&rep->dropped, r->dropped.items[i]);
        rep->dropped_bytes += r->dropped_bytes;
        rep->dropped_sourceless += r->dropped_sourceless;
        for (size_t i = 0; r->dropped_sourceless && !rep->dropped_example && i < r->dropped.len;
             i++) {
            const char *d = r->dropped.items[i];
            size_t len = strlen(d);
            if (len > 4 && strcmp(d + len - 4, ".pyc") == 0 && !strstr(d, "__pycache__/"))
                rep->dropped_example = pw_xstrdup(d);
        }
    }
    if (rep->n_packages)
        qsort(rep->packages, rep->n_packages, sizeof(*rep->packages), size_cmp);
    pw_strlist_sort(&rep->dropped);
}

static int check_budget(const pw_bundle_options *o, const pw_bundle_report *rep, pw_error *err)
{
    /* For a Worker the limit is Cloudflare's, on the whole upload. */
    uint64_t total = rep->has_upload ? rep->upload.gz_bytes : rep->gz_total;
    if (!o->max_size_gz || total <= o->max_size_gz)
        return PW_OK;
    pw_buf msg = PW_BUF_INIT;
    pw_buf_puts(&msg, rep->has_upload ? "the Worker's upload is " : "bundle is ");
    pw_format_size(&msg, total);
    pw_buf_printf(&msg, " (%llu bytes) gzipped%s, over the budget of ", (unsigned long long)total,
                  rep->has_upload ? " as wrangler counts it" : "");
    pw_format_size(&msg, o->max_size_gz);
    pw_buf_printf(&msg, " (%llu bytes); largest contributors:",
                  (unsigned long long)o->max_size_gz);
    for (size_t i = 0; i < rep->n_packages && i < BUDGET_CONTRIBUTORS; i++) {
        pw_buf_printf(&msg, "%s %s %s ", i ? "," : "", rep->packages[i].name,
                      rep->packages[i].version);
        pw_format_size(&msg, rep->packages[i].gz_bytes);
    }
    int rc = pw_error_set(err, PW_ECHECK, "%s", msg.data);
    pw_buf_free(&msg);
    return rc;
}

/* ------------------------------------------------------ Workers upload */

/* What wrangler will make of the staged tree, and the warnings that go
 * with it (docs/bundle.md, "What Cloudflare receives"). */
static int workers_report(build_state *s, pw_bundle_report *rep, pw_error *err)
{
    const pw_bundle_workers *w = s->o->workers;
    if (rep->dropped_sourceless)
        pw_report(PW_REPORT_WARN,
                  "python_modules.exclude (%s) drops %zu .pyc file%s that ha%s no .py beside "
                  "%s (%s): that code would never reach Cloudflare, so its module cannot be "
                  "imported there; keep .pyc files with an exclude list that does not match "
                  "them",
                  rep->exclude_origin, rep->dropped_sourceless,
                  rep->dropped_sourceless == 1 ? "" : "s",
                  rep->dropped_sourceless == 1 ? "s" : "ve",
                  rep->dropped_sourceless == 1 ? "it" : "them",
                  rep->dropped_example ? rep->dropped_example : "");
    if (rep->upload.duplicated)
        pw_report(PW_REPORT_WARN,
                  "the module root (%s) holds python_modules/: wrangler uploads %zu of its "
                  "files twice, once as the Worker's own modules; point base_dir or main at a "
                  "directory of its own (e.g. src/)",
                  w->config && w->config->base_dir ? w->config->base_dir
                                                   : "the main module's directory",
                  rep->upload.duplicated);
    if (rep->upload.no_additional)
        pw_report(PW_REPORT_WARN,
                  "%s:%zu: find_additional_modules = false: wrangler uploads the main module "
                  "alone, and none of python_modules/",
                  w->config->path, w->config->find_additional_modules_line);
    return PW_OK;
}

/* ------------------------------------------------------------- manifest */

static int write_manifest(build_state *s, const pw_bundle_report *rep, pw_error *err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "manifest_version", 1);
    cJSON_AddStringToObject(root, "generator", PW_BUNDLE_INSTALLER);
    if (s->o->lock_digest)
        cJSON_AddStringToObject(root, "lock_digest", s->o->lock_digest);
    else
        cJSON_AddNullToObject(root, "lock_digest");
    cJSON_AddNumberToObject(root, "source_date_epoch", (double)s->epoch);
    if (s->o->source_commit) {
        cJSON *prov = cJSON_AddObjectToObject(root, "provenance");
        cJSON_AddStringToObject(prov, "commit", s->o->source_commit);
        cJSON_AddBoolToObject(prov, "dirty", s->o->source_dirty);
    }
    cJSON *files = cJSON_AddArrayToObject(root, "files");
    for (size_t i = 0; i < s->n_files; i++) {
        const bundle_file *bf = &s->files[i];
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "path", bf->f->path);
        cJSON_AddStringToObject(f, "package", s->items[bf->pkg].name);
        cJSON_AddStringToObject(f, "sha256", bf->f->sha256);
        cJSON_AddNumberToObject(f, "size", (double)bf->f->size);
        if (bf->f->executable)
            cJSON_AddBoolToObject(f, "executable", 1);
        cJSON_AddItemToArray(files, f);
    }
    /* Packages in lock order, which the caller keeps sorted; sizes too,
     * so that `pwpkg check` can compare bundles without rebuilding. */
    cJSON *pkgs = cJSON_AddArrayToObject(root, "packages");
    for (size_t p = 0; p < s->n_items; p++) {
        if (!s->installed[p])
            continue;
        const pw_bundle_item *it = &s->items[p];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "name", it->name);
        cJSON_AddStringToObject(j, "version", it->version ? it->version : "");
        cJSON_AddStringToObject(j, "install_dir", it->install_dir ? it->install_dir : "site");
        cJSON_AddStringToObject(j, "package_type", it->package_type ? it->package_type : "package");
        if (it->sha256)
            cJSON_AddStringToObject(j, "sha256", it->sha256);
        for (size_t i = 0; i < rep->n_packages; i++) {
            if (strcmp(rep->packages[i].name, it->name) != 0)
                continue;
            cJSON_AddNumberToObject(j, "files", (double)rep->packages[i].files);
            cJSON_AddNumberToObject(j, "raw_bytes", (double)rep->packages[i].raw_bytes);
            cJSON_AddNumberToObject(j, "saved_bytes", (double)rep->packages[i].saved_bytes);
            if (s->o->slim) {
                cJSON_AddNumberToObject(j, "slimmed_files", (double)rep->packages[i].slimmed_files);
                cJSON_AddNumberToObject(j, "slimmed_bytes", (double)rep->packages[i].slimmed_bytes);
            }
            break;
        }
        cJSON_AddItemToArray(pkgs, j);
    }
    cJSON *slimming = pw_bundle_slimming_json(s->o->strip, s->o->exclude, s->o->slim);
    if (slimming)
        cJSON_AddItemToObject(root, "slimming", slimming);
    cJSON *totals = cJSON_AddObjectToObject(root, "totals");
    cJSON_AddNumberToObject(totals, "files", (double)rep->files);
    cJSON_AddNumberToObject(totals, "raw_bytes", (double)rep->raw_total);
    cJSON_AddNumberToObject(totals, "saved_bytes", (double)rep->saved_bytes);
    pw_buf text = PW_BUF_INIT;
    pw_json_write(root, &text);
    cJSON_Delete(root);
    char *path = pw_path_join(s->stage, PW_BUNDLE_MANIFEST);
    int rc = pw_write_file_atomic(path, pw_buf_cstr(&text), text.len, err);
    if (rc == PW_OK && chmod(path, 0644) != 0)
        rc = pw_error_set(err, PW_EIO, "%s: chmod: %s", path, strerror(errno));
    free(path);
    pw_buf_free(&text);
    return rc;
}

/* --------------------------------------------------------------- output */

static int set_times(build_state *s, pw_error *err)
{
    struct timespec ts[2] = {{(time_t)s->epoch, 0}, {(time_t)s->epoch, 0}};
    pw_strlist paths = PW_STRLIST_INIT;
    pw_strlist_push(&paths, PW_BUNDLE_MANIFEST);
    for (size_t i = 0; i < s->n_files; i++) {
        const char *p = s->files[i].f->path;
        pw_strlist_push(&paths, p);
        for (const char *slash = strchr(p, '/'); slash; slash = strchr(slash + 1, '/'))
            pw_strlist_push_owned(&paths, pw_xstrndup(p, (size_t)(slash - p)));
    }
    pw_strlist_sort_unique(&paths);
    int rc = PW_OK;
    for (size_t i = 0; i < paths.len && rc == PW_OK; i++) {
        char *full = pw_path_join(s->stage, paths.items[i]);
        if (utimensat(AT_FDCWD, full, ts, AT_SYMLINK_NOFOLLOW) != 0)
            rc = pw_error_set(err, PW_EIO, "%s: cannot set time: %s", full, strerror(errno));
        free(full);
    }
    if (rc == PW_OK && (chmod(s->stage, 0755) != 0 || utimensat(AT_FDCWD, s->stage, ts, 0) != 0))
        rc = pw_error_set(err, PW_EIO, "%s: %s", s->stage, strerror(errno));
    pw_strlist_free(&paths);
    return rc;
}

/* The wheels a zip bundle copies members from, opened once each and kept
 * open until the zip is written (libzip reads them in zip_close). */
typedef struct zip_sources {
    zip_t **archives; /* by item, NULL until needed */
    size_t n;
} zip_sources;

static zip_t *source_archive(const build_state *s, zip_sources *zs, size_t pkg, pw_error *err)
{
    if (zs->archives[pkg])
        return zs->archives[pkg];
    int zerr = 0;
    if (pw_archive_libraries_load(err) != PW_OK)
        return NULL;
    zs->archives[pkg] = zip_open(s->items[pkg].path, ZIP_RDONLY, &zerr);
    if (!zs->archives[pkg]) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        pw_error_set(err, PW_EIO, "%s: cannot open archive: %s", s->items[pkg].path,
                     zip_error_strerror(&ze));
        zip_error_fini(&ze);
    }
    return zs->archives[pkg];
}

/* One entry: a member of a wheel, its deflated bytes copied as they are
 * (install checked what they decompress to against RECORD), or a file of
 * the staging tree deflated here. */
static int add_zip_entry(zip_t *za, const build_state *s, zip_sources *zs, const char *path,
                         const bundle_file *bf, zip_uint16_t dtime, zip_uint16_t ddate,
                         pw_error *err)
{
    bool exec = bf && bf->f->executable;
    bool recompress = true;
    zip_source_t *src = NULL;
    char *full = NULL;
    if (bf && bf->f->from_member) {
        zip_t *from = source_archive(s, zs, bf->pkg, err);
        if (!from)
            return err->code;
        zip_stat_t st;
        if (zip_stat_index(from, bf->f->member, 0, &st) != 0)
            return pw_error_set(err, PW_EIO, "%s: member %s: %s", s->items[bf->pkg].path,
                                path, zip_strerror(from));
        /* Stored (or bzip2, lzma) members are deflated like any file, so
         * that a zip bundle holds deflate only. */
        recompress = !(st.valid & ZIP_STAT_COMP_METHOD) || st.comp_method != ZIP_CM_DEFLATE;
        src = zip_source_zip(za, from, bf->f->member, 0, 0, -1);
        full = pw_xstrdup(s->items[bf->pkg].path);
    } else {
        full = pw_path_join(s->stage, path);
        src = zip_source_file(za, full, 0, -1);
    }
    zip_int64_t idx = src ? zip_file_add(za, path, src, ZIP_FL_ENC_UTF_8) : -1;
    if (idx < 0) {
        if (src)
            zip_source_free(src);
        int rc = pw_error_set(err, PW_EIO, "%s: cannot add %s to zip: %s", full, path,
                              zip_strerror(za));
        free(full);
        return rc;
    }
    free(full);
    zip_uint32_t mode = S_IFREG | (exec ? 0755 : 0644);
    if ((recompress &&
         zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, ZIP_LEVEL) != 0) ||
        zip_file_set_dostime(za, (zip_uint64_t)idx, dtime, ddate, 0) != 0 ||
        zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX, mode << 16) !=
            0)
        return pw_error_set(err, PW_EIO, "%s: %s", path, zip_strerror(za));
    return PW_OK;
}

static int write_zip(build_state *s, pw_error *err)
{
    pw_buf tmp = PW_BUF_INIT;
    pw_buf_printf(&tmp, "%s.zip", s->stage);
    s->zip_tmp = pw_buf_detach(&tmp);
    int zerr = 0;
    int loaded = pw_archive_libraries_load(err);
    if (loaded != PW_OK)
        return loaded;
    zip_t *za = zip_open(s->zip_tmp, ZIP_CREATE | ZIP_EXCL, &zerr);
    if (!za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        int rc = pw_error_set(err, PW_EIO, "%s: cannot create zip: %s", s->zip_tmp,
                              zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return rc;
    }
    zip_uint16_t dtime, ddate;
    pw_bundle_dos_datetime(s->epoch, &dtime, &ddate);
    zip_sources zs = {pw_xcalloc(s->n_items ? s->n_items : 1, sizeof(zip_t *)), s->n_items};
    int rc = PW_OK;
    bool manifest_added = false;
    for (size_t i = 0; i <= s->n_files && rc == PW_OK; i++) {
        const char *path = i < s->n_files ? s->files[i].f->path : NULL;
        /* bundle.json takes its place in path order like any other file. */
        if (!manifest_added && (!path || strcmp(PW_BUNDLE_MANIFEST, path) < 0)) {
            rc = add_zip_entry(za, s, &zs, PW_BUNDLE_MANIFEST, NULL, dtime, ddate, err);
            manifest_added = true;
        }
        if (path && rc == PW_OK)
            rc = add_zip_entry(za, s, &zs, path, &s->files[i], dtime, ddate, err);
    }
    if (rc == PW_OK && zip_close(za) != 0) {
        rc = pw_error_set(err, PW_EIO, "%s: cannot write zip: %s", s->zip_tmp, zip_strerror(za));
        zip_discard(za);
    } else if (rc != PW_OK) {
        zip_discard(za);
    }
    for (size_t i = 0; i < zs.n; i++)
        if (zs.archives[i])
            zip_discard(zs.archives[i]);
    free(zs.archives);
    if (rc == PW_OK && rename(s->zip_tmp, s->o->output) != 0)
        rc = pw_error_set(err, PW_EIO, "%s: cannot rename into place: %s", s->o->output,
                          strerror(errno));
    return rc;
}

static int replace_dir(build_state *s, pw_error *err)
{
    return pw_replace_tree(s->stage, s->o->output, err);
}

/* The output is replaced only when it is clearly an earlier bundle: a
 * mistyped --output must never wipe a source tree. */
static int check_existing_output(const pw_bundle_options *o, pw_error *err)
{
    struct stat st;
    if (lstat(o->output, &st) != 0)
        return PW_OK;
    if (S_ISLNK(st.st_mode))
        return pw_error_set(err, PW_EINVAL,
                            "%s: is a symbolic link; an output is replaced as a whole, and a "
                            "link is not replaced: name the directory it points to",
                            o->output);
    if (o->format == PW_BUNDLE_ZIP) {
        if (!S_ISREG(st.st_mode))
            return pw_error_set(err, PW_EINVAL, "%s: exists and is not a regular file",
                                o->output);
        return PW_OK;
    }
    if (!S_ISDIR(st.st_mode))
        return pw_error_set(err, PW_EINVAL, "%s: exists and is not a directory", o->output);
    char *manifest = pw_bundle_manifest_path(o->output);
    char *legacy = pw_path_join(o->output, PW_BUNDLE_MANIFEST);
    bool ours = pw_file_exists(manifest) || pw_file_exists(legacy);
    free(manifest);
    free(legacy);
    if (ours)
        return PW_OK;
    DIR *d = opendir(o->output);
    bool empty = d != NULL;
    for (struct dirent *e; d && empty && (e = readdir(d)) != NULL;)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    if (d)
        closedir(d);
    if (!empty)
        return pw_error_set(err, PW_EINVAL,
                            "%s: refusing to replace a non-empty directory that is no pwpkg "
                            "bundle (no %s beside it)",
                            o->output, PW_BUNDLE_MANIFEST);
    return PW_OK;
}

/* wrangler uploads every file under python_modules/, so a directory
 * bundle's manifest lives beside it (docs/bundle.md, "Layout"): it leaves
 * the staged tree for a temporary name beside the output first, and takes
 * its final name once the tree is in place. */
static int move_manifest_out(build_state *s, pw_error *err)
{
    char *staged = pw_path_join(s->stage, PW_BUNDLE_MANIFEST);
    char *final = pw_bundle_manifest_path(s->o->output);
    pw_buf tmp = PW_BUF_INIT;
    pw_buf_printf(&tmp, "%s.tmp.%ld", final, (long)getpid());
    free(final);
    int rc = PW_OK;
    if (rename(staged, tmp.data) != 0)
        rc = pw_error_set(err, PW_EIO, "%s: cannot move the manifest to %s: %s", staged, tmp.data,
                          strerror(errno));
    else
        s->manifest_tmp = pw_buf_detach(&tmp);
    pw_buf_free(&tmp);
    free(staged);
    return rc;
}

static int place_manifest(build_state *s, pw_error *err)
{
    char *final = pw_bundle_manifest_path(s->o->output);
    int rc = PW_OK;
    if (rename(s->manifest_tmp, final) != 0)
        rc = pw_error_set(err, PW_EIO, "%s: cannot rename into place: %s", final,
                          strerror(errno));
    free(s->manifest_tmp);
    s->manifest_tmp = NULL;
    free(final);
    return rc;
}

static int build(build_state *s, pw_bundle_report *rep, pw_error *err)
{
    const pw_bundle_options *o = s->o;
    int rc = pw_bundle_resolve_epoch(o->source_date_epoch, &s->epoch, err);
    if (rc == PW_OK)
        rc = check_existing_output(o, err);
    if (rc != PW_OK)
        return rc;
    char *parent = pw_path_dirname(o->output);
    rc = pw_mkdirs(parent, err);
    free(parent);
    if (rc != PW_OK)
        return rc;
    if ((rc = pw_output_claim(o->output, &s->output_lock, err)) != PW_OK)
        return rc;
    pw_buf stage = PW_BUF_INIT;
    pw_buf_puts(&stage, o->output);
    pw_buf_puts(&stage, PW_STAGING_INFIX "XXXXXX");
    if (!mkdtemp(stage.data)) {
        rc = pw_error_set(err, PW_EIO, "%s: cannot create staging directory: %s", stage.data,
                          strerror(errno));
        pw_buf_free(&stage);
        return rc;
    }
    s->stage = pw_buf_detach(&stage);
    rc = install_items(s, rep, err);
    if (rc == PW_OK && o->after_install) {
        rc = o->after_install(o->after_install_ctx, s->stage, err);
        if (rc == PW_OK)
            rc = adopt_new_files(s, "", err);
    }
    if (rc == PW_OK)
        rc = collect_files(s, err);
    /* The upload first: its one gzip pass also gives the packages' sizes. */
    if (rc == PW_OK && o->workers) {
        rc = pw_bundle_upload_scan(o->workers, s->stage, &rep->upload, err);
        rep->has_upload = rc == PW_OK;
    }
    if (rc == PW_OK)
        rc = gzip_sizes(s, rep, err);
    if (rc == PW_OK) {
        fill_report(s, rep);
        if (o->workers)
            rc = workers_report(s, rep, err);
    }
    if (rc == PW_OK)
        rc = check_budget(o, rep, err);
    if (rc == PW_OK)
        rc = write_manifest(s, rep, err);
    if (rc == PW_OK && o->format == PW_BUNDLE_DIR) {
        rc = set_times(s, err);
        if (rc == PW_OK)
            rc = move_manifest_out(s, err);
        if (rc == PW_OK)
            rc = replace_dir(s, err);
        if (rc == PW_OK) {
            free(s->stage);
            s->stage = NULL;
            rc = place_manifest(s, err);
        }
    } else if (rc == PW_OK) {
        rc = write_zip(s, err);
    }
    return rc;
}

int pw_bundle_build(const pw_bundle_item *items, size_t n, const pw_bundle_options *o,
                    pw_bundle_report *rep, pw_error *err)
{
    pw_bundle_report scratch;
    if (!rep)
        rep = &scratch;
    memset(rep, 0, sizeof(*rep));
    if (!o || !o->output || !*o->output)
        return pw_error_set(err, PW_EINVAL, "bundle: no output path");
    if (o->format != PW_BUNDLE_DIR && o->format != PW_BUNDLE_ZIP)
        return pw_error_set(err, PW_EINVAL, "bundle: unknown output format %d", (int)o->format);
    for (size_t i = 0; i < n; i++)
        if (!items[i].name || !*items[i].name)
            return pw_error_set(err, PW_EINVAL, "bundle: item #%zu has no name", i);
    build_state s;
    memset(&s, 0, sizeof(s));
    s.items = items;
    s.n_items = n;
    s.o = o;
    s.results = pw_xcalloc(n ? n : 1, sizeof(*s.results));
    s.installed = pw_xcalloc(n ? n : 1, sizeof(*s.installed));
    s.output_lock = -1;
    s.sizes = !o->no_sizes || o->max_size_gz;
    /* A zip copies the wheels' members; the tree is needed on disk only by
     * a dir bundle, the after_install hook, the Worker's upload scan and
     * the size report. */
    s.stage_files = o->format == PW_BUNDLE_DIR || o->after_install || o->workers || s.sizes;
    int rc = pw_bundle_check_workers(o, err);
    if (rc == PW_OK && o->workers) {
        pw_buf origin = PW_BUF_INIT;
        pw_bundle_workers_exclude(o->workers, &s.upload_exclude, &origin);
        for (size_t i = 0; i < s.upload_exclude.len; i++)
            pw_strlist_push(&rep->exclude, s.upload_exclude.items[i]);
        rep->exclude_origin = pw_buf_detach(&origin);
    }
    if (rc == PW_OK)
        rc = build(&s, rep, err);
    /* The staging tree and the temporary zip never outlive the call. */
    pw_error cleanup = {0, NULL};
    if (s.stage)
        pw_remove_tree(s.stage, &cleanup);
    if (s.zip_tmp)
        unlink(s.zip_tmp);
    if (s.manifest_tmp)
        unlink(s.manifest_tmp);
    pw_error_clear(&cleanup);
    free(s.stage);
    free(s.zip_tmp);
    free(s.manifest_tmp);
    pw_output_release(s.output_lock);
    for (size_t i = 0; i < n; i++)
        pw_bundle_install_result_free(&s.results[i]);
    free(s.results);
    free(s.installed);
    free(s.files);
    free(s.gz);
    pw_strlist_free(&s.upload_exclude);
    if (rc != PW_OK && rc != PW_ECHECK)
        pw_bundle_report_free(rep);
    if (rep == &scratch)
        pw_bundle_report_free(rep);
    return rc;
}

void pw_bundle_report_free(pw_bundle_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_packages; i++) {
        free(r->packages[i].name);
        free(r->packages[i].version);
    }
    free(r->packages);
    free(r->skipped);
    free(r->dropped_example);
    free(r->exclude_origin);
    pw_strlist_free(&r->exclude);
    pw_strlist_free(&r->dropped);
    pw_bundle_upload_free(&r->upload);
    memset(r, 0, sizeof(*r));
}
