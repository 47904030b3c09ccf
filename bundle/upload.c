/*
 * The Workers upload: what `wrangler deploy` (4.164.0) sends for a project
 * whose python_modules/ pwpkg built. Everything here follows wrangler's
 * own code (wrangler-dist/cli.js: findAdditionalModules, matchFiles,
 * parseRules, getFiles, getSize), not its documentation; docs/bundle.md,
 * "What Cloudflare receives", lists what was read there.
 */
#include "bundle_private.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#define DEFAULT_EXCLUDE "**/*.pyc"

/* ------------------------------------------------------------- globs */

static bool glob_at(const char *start, const char *p, const char *s)
{
    for (;;) {
        if (*p != '*') {
            if (!*p)
                return !*s;
            if (*p != *s)
                return false;
            p++;
            s++;
            continue;
        }
        const char *q = p;
        while (*q == '*')
            q++;
        bool globstar = q - p > 1 && (p == start || p[-1] == '/') && (*q == '/' || !*q);
        if (!globstar) {
            /* "([^/]*)": any run within the component. */
            for (const char *t = s;; t++) {
                if (glob_at(start, q, t))
                    return true;
                if (!*t || *t == '/')
                    return false;
            }
        }
        /* "((?:[^/]*(?:/|$))*)", which also swallows the '/' after the
         * stars: nothing, everything up to any later '/', or the rest. */
        const char *rest = *q ? q + 1 : q;
        if (glob_at(start, rest, s))
            return true;
        for (const char *t = s; *t; t++)
            if (*t == '/' && glob_at(start, rest, t + 1))
                return true;
        return glob_at(start, rest, s + strlen(s));
    }
}

bool pw_bundle_wrangler_glob(const char *glob, const char *path)
{
    return glob_at(glob, glob, path);
}

void pw_bundle_workers_exclude(const pw_bundle_workers *w, pw_strlist *out, pw_buf *origin)
{
    const pw_wrangler_config *c = w ? w->config : NULL;
    if (c && c->has_python_modules_exclude) {
        for (size_t i = 0; i < c->python_modules_exclude.len; i++)
            pw_strlist_push(out, c->python_modules_exclude.items[i]);
        if (origin)
            pw_buf_printf(origin, "%s:%zu", c->path, c->python_modules_exclude_line);
        return;
    }
    pw_strlist_push(out, DEFAULT_EXCLUDE);
    if (origin)
        pw_buf_puts(origin, "wrangler's default");
}

static bool excluded(const pw_strlist *exclude, const char *path)
{
    for (size_t i = 0; i < exclude->len; i++)
        if (pw_bundle_wrangler_glob(exclude->items[i], path))
            return true;
    return false;
}

/* ------------------------------------------------------- module rules */

typedef struct rule {
    const char *type;
    const pw_strlist *globs;
    bool fallthrough;
} rule;

/* wrangler's DEFAULT_MODULE_RULES. Before them, a Python Worker without a
 * PythonModule rule gets one for every .py file (applyPythonConfig appends
 * it to the config's rules, whose validation refuses PythonModule). */
static const char *const default_text[] = {"**/*.txt", "**/*.html", "**/*.sql"};
static const char *const default_data[] = {"**/*.bin"};
static const char *const default_wasm[] = {"**/*.wasm", "**/*.wasm?module"};
static const char *const default_python[] = {"**/*.py"};

typedef struct rule_set {
    rule *rules;
    size_t n;
    pw_strlist owned[4]; /* the default globs */
} rule_set;

static void push_defaults(pw_strlist *l, const char *const *globs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pw_strlist_push(l, globs[i]);
}

/* parseRules: a rule without `fallthrough = true` completes its type, and
 * every later rule of that type is dropped. */
static void rules_build(const pw_wrangler_config *c, rule_set *rs)
{
    memset(rs, 0, sizeof(*rs));
    push_defaults(&rs->owned[0], default_python, 1);
    push_defaults(&rs->owned[1], default_text, 3);
    push_defaults(&rs->owned[2], default_data, 1);
    push_defaults(&rs->owned[3], default_wasm, 2);
    size_t user = c ? c->n_rules : 0;
    rule *all = pw_xcalloc(user + 4, sizeof(*all));
    size_t n = 0;
    bool has_python = false;
    for (size_t i = 0; i < user; i++) {
        all[n++] = (rule){c->rules[i].type, &c->rules[i].globs, c->rules[i].fallthrough};
        has_python |= strcmp(c->rules[i].type, "PythonModule") == 0;
    }
    if (!has_python)
        all[n++] = (rule){"PythonModule", &rs->owned[0], false};
    all[n++] = (rule){"Text", &rs->owned[1], false};
    all[n++] = (rule){"Data", &rs->owned[2], false};
    all[n++] = (rule){"CompiledWasm", &rs->owned[3], false};
    rs->rules = pw_xcalloc(n, sizeof(*rs->rules));
    for (size_t i = 0; i < n; i++) {
        bool completed = false;
        for (size_t j = 0; j < i && !completed; j++)
            completed = strcmp(all[j].type, all[i].type) == 0 && !all[j].fallthrough;
        if (!completed)
            rs->rules[rs->n++] = all[i];
    }
    free(all);
}

static void rules_free(rule_set *rs)
{
    for (size_t i = 0; i < 4; i++)
        pw_strlist_free(&rs->owned[i]);
    free(rs->rules);
}

static bool rules_match(const rule_set *rs, const char *path)
{
    for (size_t i = 0; i < rs->n; i++)
        for (size_t j = 0; j < rs->rules[i].globs->len; j++)
            if (pw_bundle_wrangler_glob(rs->rules[i].globs->items[j], path))
                return true;
    return false;
}

/* -------------------------------------------------------------- walk */

typedef struct file_id {
    dev_t dev;
    ino_t ino;
    bool set;
} file_id;

static file_id id_of(const char *path)
{
    struct stat st;
    file_id id = {0, 0, false};
    if (path && stat(path, &st) == 0)
        id = (file_id){st.st_dev, st.st_ino, true};
    return id;
}

static bool same(file_id id, const struct stat *st)
{
    return id.set && id.dev == st->st_dev && id.ino == st->st_ino;
}

typedef struct walk {
    file_id skip_dir;  /* <project>/.wrangler, wrangler's hidden directory */
    file_id skip_file; /* the config (own modules) or main (python_modules) */
    file_id skip_main;
    /* When the module root holds the project directory, wrangler walks
     * its python_modules/ as the Worker's own files too. What that will
     * hold is `vendor`, the tree being built, walked in its place; its
     * staging directory (vendor_id) is skipped, gone by the time wrangler
     * runs. */
    file_id project;
    file_id vendor_id;
    const char *vendor;
    pw_strlist *paths; /* relative, in walk order */
    pw_strlist *abs;
} walk;

/* getFiles: fs.readdir lists each directory in byte order (libuv's
 * scandir sorts with strcmp); directories are walked where they appear. */
static int walk_dir(walk *w, const char *dir, const char *rel, pw_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return pw_error_set(err, PW_EIO, "%s: cannot read: %s", dir, strerror(errno));
    pw_strlist names = PW_STRLIST_INIT;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            pw_strlist_push(&names, e->d_name);
    closedir(d);
    struct stat self;
    bool at_project = w->vendor && stat(dir, &self) == 0 && same(w->project, &self);
    if (at_project && !pw_strlist_contains(&names, "python_modules"))
        pw_strlist_push(&names, "python_modules");
    pw_strlist_sort(&names);
    int rc = PW_OK;
    for (size_t i = 0; i < names.len && rc == PW_OK; i++) {
        char *full = pw_path_join(dir, names.items[i]);
        char *child = rel[0] ? pw_path_join(rel, names.items[i]) : pw_xstrdup(names.items[i]);
        struct stat st;
        if (at_project && strcmp(names.items[i], "python_modules") == 0) {
            if (pw_is_dir(w->vendor))
                rc = walk_dir(w, w->vendor, child, err);
        } else if (lstat(full, &st) != 0) {
            rc = pw_error_set(err, PW_EIO, "%s: %s", full, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            if (!same(w->skip_dir, &st) && !same(w->vendor_id, &st))
                rc = walk_dir(w, full, child, err);
        } else if (!same(w->skip_file, &st) && !same(w->skip_main, &st)) {
            pw_strlist_push(w->paths, child);
            pw_strlist_push(w->abs, full);
        }
        free(full);
        free(child);
    }
    pw_strlist_free(&names);
    return rc;
}

/* --------------------------------------------------------------- scan */

static void add_module(pw_bundle_upload *u, const char *name, uint64_t size,
                       enum pw_upload_kind kind)
{
    u->modules = pw_xrealloc(u->modules, (u->n_modules + 1) * sizeof(*u->modules));
    u->modules[u->n_modules++] = (pw_upload_module){pw_xstrdup(name), size, kind};
    u->raw_bytes += size;
}

static int file_size(const char *path, uint64_t *size, pw_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return pw_error_set(err, PW_EIO, "%s: %s", path, strerror(errno));
    *size = (uint64_t)st.st_size;
    return PW_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int pw_bundle_upload_scan(const pw_bundle_workers *w, const char *vendor_dir,
                          pw_bundle_upload *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    const pw_wrangler_config *c = w->config;
    const char *project = w->project_dir ? w->project_dir : ".";
    char *main_path = c && c->main ? pw_path_join(project, c->main) : NULL;
    char *own_vendor = pw_path_join(project, "python_modules");
    char *hidden = pw_path_join(project, ".wrangler");
    const char *vendor = vendor_dir ? vendor_dir : own_vendor;
    pw_strlist own = PW_STRLIST_INIT, own_abs = PW_STRLIST_INIT;
    pw_strlist vend = PW_STRLIST_INIT, vend_abs = PW_STRLIST_INIT;
    pw_strlist order = PW_STRLIST_INIT, exclude = PW_STRLIST_INIT;
    pw_map own_names;
    memset(&own_names, 0, sizeof(own_names));
    pw_bundle_workers_exclude(w, &exclude, NULL);
    int rc = PW_OK;

    /* Python Workers only: wrangler uploads python_modules/ for a main
     * module ending in .py, found relative to the config. */
    out->has_main = main_path && ends_with(main_path, ".py") && pw_file_exists(main_path);
    /* noBundleWorker(..., config.find_additional_modules): false skips
     * findAdditionalModules, and with it python_modules/. */
    out->no_additional = c && c->has_find_additional_modules && !c->find_additional_modules;
    if (out->has_main && !out->no_additional) {
        char *root = c->base_dir ? pw_path_join(project, c->base_dir) : pw_path_dirname(main_path);
        rule_set rs;
        rules_build(c, &rs);
        walk wk = {id_of(hidden), id_of(c->path), id_of(main_path), id_of(project),
                   id_of(vendor), vendor, &own, &own_abs};
        rc = walk_dir(&wk, root, "", err);
        for (size_t i = 0; rc == PW_OK && i < own.len; i++) {
            if (!rules_match(&rs, own.items[i]))
                continue;
            uint64_t size = 0;
            rc = file_size(own_abs.items[i], &size, err);
            if (rc == PW_OK) {
                add_module(out, own.items[i], size, PW_UPLOAD_OWN);
                out->own_modules++;
                if (strncmp(own.items[i], "python_modules/", 15) == 0) {
                    out->duplicated++;
                    pw_map_put(&own_names, own.items[i], &own_names);
                }
                pw_strlist_push(&order, own_abs.items[i]);
            }
        }
        rules_free(&rs);
        free(root);
    }
    if (rc == PW_OK && !out->no_additional && pw_is_dir(vendor)) {
        walk wk = {id_of(hidden), id_of(main_path), {0, 0, false}, {0, 0, false},
                   {0, 0, false}, NULL, &vend, &vend_abs};
        rc = walk_dir(&wk, vendor, "", err);
        pw_buf name = PW_BUF_INIT;
        for (size_t i = 0; rc == PW_OK && i < vend.len; i++) {
            uint64_t size = 0;
            rc = file_size(vend_abs.items[i], &size, err);
            if (rc != PW_OK)
                break;
            if (excluded(&exclude, vend.items[i])) {
                pw_strlist_push(&out->dropped, vend.items[i]);
                out->dropped_bytes += size;
                continue;
            }
            pw_buf_reset(&name);
            pw_buf_printf(&name, "python_modules/%s", vend.items[i]);
            pw_strlist_push(&order, vend_abs.items[i]);
            pw_strlist_push(&out->vendor_files, vend.items[i]);
            out->vendored_modules++;
            /* createWorkerUploadForm uses formData.set: a second module of
             * one name keeps the first one's place in the form, while
             * getSize still counts both. */
            if (out->duplicated && pw_map_get(&own_names, name.data)) {
                out->raw_bytes += size;
                continue;
            }
            add_module(out, name.data, size, PW_UPLOAD_VENDORED);
        }
        pw_buf_free(&name);
    }
    if (rc == PW_OK && out->has_main) {
        uint64_t size = 0;
        rc = file_size(main_path, &size, err);
        if (rc == PW_OK) {
            add_module(out, pw_path_basename(main_path), size, PW_UPLOAD_MAIN);
            pw_strlist_push(&order, main_path);
        }
    }
    /* getSize: zlib.gzipSync over the modules' bytes, concatenated; one
     * pass gives the upload's total and every file's share of it. */
    uint64_t *shares = pw_xcalloc(order.len ? order.len : 1, sizeof(*shares));
    if (rc == PW_OK)
        rc = pw_bundle_gzip_size_each((const char *const *)order.items, order.len, shares,
                                      &out->gz_bytes, err);
    if (rc == PW_OK) {
        /* The vendored files are the ones after the own modules, in order. */
        out->vendor_gz = pw_xcalloc(out->vendor_files.len ? out->vendor_files.len : 1,
                                    sizeof(*out->vendor_gz));
        size_t first = order.len - out->vendor_files.len - (out->has_main ? 1 : 0);
        for (size_t i = 0; i < out->vendor_files.len; i++)
            out->vendor_gz[i] = shares[first + i];
    }
    free(shares);
    if (rc != PW_OK)
        pw_bundle_upload_free(out);
    pw_strlist_free(&own);
    pw_strlist_free(&own_abs);
    pw_strlist_free(&vend);
    pw_strlist_free(&vend_abs);
    pw_strlist_free(&order);
    pw_strlist_free(&exclude);
    pw_map_free(&own_names);
    free(main_path);
    free(own_vendor);
    free(hidden);
    return rc;
}

void pw_bundle_upload_free(pw_bundle_upload *u)
{
    if (!u)
        return;
    for (size_t i = 0; i < u->n_modules; i++)
        free(u->modules[i].name);
    free(u->modules);
    pw_strlist_free(&u->dropped);
    pw_strlist_free(&u->vendor_files);
    free(u->vendor_gz);
    memset(u, 0, sizeof(*u));
}

/* ------------------------------------------------------- projects */

int pw_bundle_project_find(const char *output, const char *env, bool force,
                           pw_bundle_project *out, bool *found, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    *found = false;
    /* wrangler uploads <config dir>/python_modules/. */
    out->dir = pw_path_dirname(output);
    int rc = pw_wrangler_read_dir(out->dir, env, &out->config, err);
    if (rc == PW_OK) {
        out->has_config = true;
    } else if (rc == PW_ENOTFOUND && !env) {
        pw_error_clear(err);
        rc = PW_OK;
    } else if (rc == PW_ENOTFOUND) {
        pw_error_clear(err);
        rc = pw_error_set(err, PW_EINVAL, "--env %s: no wrangler config in %s", env, out->dir);
    }
    if (rc == PW_OK && (out->has_config || force)) {
        out->workers.config = out->has_config ? &out->config : NULL;
        out->workers.project_dir = out->dir;
        *found = true;
    }
    return rc;
}

void pw_bundle_project_free(pw_bundle_project *p)
{
    if (!p)
        return;
    if (p->has_config)
        pw_wrangler_config_free(&p->config);
    free(p->dir);
    memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------ refusals */

int pw_bundle_check_workers(const pw_bundle_options *o, pw_error *err)
{
    if (!o->workers || !o->compiles_pyc)
        return PW_OK;
    pw_strlist exclude = PW_STRLIST_INIT;
    pw_buf origin = PW_BUF_INIT;
    pw_bundle_workers_exclude(o->workers, &exclude, &origin);
    /* Where pw_check_compile_tree writes: PEP 3147 names in __pycache__/.
     * The names are no package's, so that only a pattern aimed at .pyc
     * files or caches in general matches them; one that drops some of
     * them shows in the report (not_uploaded). */
    static const char *const samples[] = {"0pwpkg/__pycache__/0pwpkg.cpython-313.pyc",
                                          "__pycache__/0pwpkg.cpython-313.pyc"};
    const char *hit = NULL;
    for (size_t i = 0; i < exclude.len && !hit; i++)
        for (size_t k = 0; k < 2 && !hit; k++)
            if (pw_bundle_wrangler_glob(exclude.items[i], samples[k]))
                hit = exclude.items[i];
    int rc = PW_OK;
    if (hit) {
        const pw_wrangler_config *c = o->workers->config;
        pw_buf keep = PW_BUF_INIT;
        if (!c)
            pw_buf_puts(&keep, "`[python_modules] exclude = []` in a wrangler.toml, or "
                               "`\"python_modules\": {\"exclude\": []}` in a wrangler.jsonc");
        else if (ends_with(c->path, ".toml"))
            pw_buf_printf(&keep, "`[python_modules] exclude = []` in %s", c->path);
        else
            pw_buf_printf(&keep, "`\"python_modules\": {\"exclude\": []}` in %s", c->path);
        rc = pw_error_set(err, PW_EINVAL,
                          "--compile: wrangler would drop every compiled .pyc file at upload "
                          "(python_modules.exclude \"%s\", %s%s); to upload them, set %s",
                          hit, c && c->has_python_modules_exclude ? "from " : "", origin.data,
                          keep.data);
        pw_buf_free(&keep);
    }
    pw_strlist_free(&exclude);
    pw_buf_free(&origin);
    return rc;
}
