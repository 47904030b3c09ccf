/*
 * Resolution against the Pyodide release alone. The release provides one
 * version of each package, so there is nothing to search: the requested
 * packages are checked against their specifiers and the `depends` closure
 * is taken. Every problem found is reported, not only the first.
 */
#include "lock_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct closure {
    pw_lock_context *ctx;
    pw_lock *lock;
    pw_buf problems;      /* one line per problem */
    int problem_code;     /* the most severe code seen */
} closure;

static void add_problem(closure *c, int code, const char *fmt, ...) PW_PRINTF(3, 4);
static void add_problem(closure *c, int code, const char *fmt, ...)
{
    if (c->problems.len)
        pw_buf_putc(&c->problems, '\n');
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&c->problems, fmt, ap);
    va_end(ap);
    /* An input error outranks a conflict: it must be fixed first. */
    if (c->problem_code == PW_OK || code == PW_EINVAL || code == PW_EUNSUPPORTED)
        c->problem_code = code;
}

static const char *release_name(const closure *c)
{
    return c->ctx->release_version;
}

static void entry_location(const pw_reqfile_entry *e, pw_buf *out)
{
    pw_buf_printf(out, "%s:%zu", e->file, e->line);
}

/* "did you mean" candidates: close names by edit distance, at most three. */
static void suggest_names(const pw_pyodide_index *idx, const char *key, pw_buf *out)
{
    size_t limit = strlen(key) / 3 + 1;
    const char *best[3] = {NULL, NULL, NULL};
    size_t best_d[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX};
    for (size_t i = 0; i < idx->n_packages; i++) {
        const char *name = idx->packages[i].key;
        size_t d = pw_edit_distance(key, name);
        /* a prefix or suffix match ("pandas" for "panda") is a good hint too */
        if (d > limit && !(strlen(key) >= 4 && strstr(name, key)))
            continue;
        for (size_t k = 0; k < 3; k++) {
            if (d < best_d[k]) {
                for (size_t m = 2; m > k; m--) {
                    best[m] = best[m - 1];
                    best_d[m] = best_d[m - 1];
                }
                best[k] = name;
                best_d[k] = d;
                break;
            }
        }
    }
    if (!best[0])
        return;
    pw_buf_puts(out, " (did you mean ");
    for (size_t k = 0; k < 3 && best[k]; k++)
        pw_buf_printf(out, "%s'%s'", k == 0 ? "" : (k + 1 < 3 && best[k + 1]) ? ", " : " or ",
                      best[k]);
    pw_buf_puts(out, "?)");
}

static bool version_satisfies(const pw_specifier_set *specs, const char *version_text)
{
    if (specs->len == 0)
        return true;
    pw_version v;
    if (pw_version_parse(pw_slice_from(version_text), &v, NULL) != PW_OK)
        return false;
    /* The release offers exactly one version. When that one is a
     * pre-release, pip's rule applies: pre-releases are accepted when no
     * final release satisfies the specifier, and here none exists. */
    return pw_specifier_set_contains(specs, &v, true);
}

static bool hash_listed(const pw_strlist *hashes, const char *sha256)
{
    for (size_t i = 0; i < hashes->len; i++) {
        const char *h = hashes->items[i];
        if (strncmp(h, "sha256:", 7) == 0 && strcmp(h + 7, sha256) == 0)
            return true;
    }
    return false;
}

static void fill_package(closure *c, pw_lock_package *p, const pw_pyodide_package *src)
{
    pw_lock_context *ctx = c->ctx;
    p->version = pw_xstrdup(src->version);
    p->file_name = pw_xstrdup(pw_path_basename(src->file_name));
    if (strstr(src->file_name, "://")) {
        p->url = pw_redact_url(src->file_name);
    } else {
        pw_buf url = PW_BUF_INIT;
        pw_buf_printf(&url, "%s%s", ctx->artifact_base, src->file_name);
        p->url = pw_buf_detach(&url);
    }
    p->sha256 = pw_xstrdup(src->sha256);
    p->source = pw_xstrdup(PW_SOURCE_PYODIDE);
    p->package_type = pw_xstrdup(src->package_type);
    p->install_dir = pw_xstrdup(src->install_dir);
    for (size_t i = 0; i < src->imports.len; i++)
        pw_strlist_push(&p->imports, src->imports.items[i]);
    for (size_t i = 0; i < src->depends.len; i++) {
        char *dep = pw_normalize_name(src->depends.items[i]);
        pw_strlist_push_owned(&p->dependencies, dep);
    }
}

/* Adds `src` (and, through the work list, its closure) to the lock. */
static pw_lock_package *add_to_lock(closure *c, const pw_pyodide_package *src)
{
    pw_lock_package *p = pw_lock_find(c->lock, src->key);
    if (p)
        return p;
    p = pw_lock_add_package(c->lock, src->key);
    fill_package(c, p, src);
    return p;
}

static void check_constraints(closure *c, const pw_lock_package *p)
{
    const pw_reqfile *rf = &c->ctx->reqfile;
    for (size_t i = 0; i < rf->n_constraints; i++) {
        const pw_reqfile_entry *e = &rf->constraints[i];
        if (strcmp(e->req.key, p->name) != 0 ||
            !pw_requirement_applies(&e->req, &c->ctx->env, NULL))
            continue;
        if (version_satisfies(&e->req.specifiers, p->version))
            continue;
        pw_buf loc = PW_BUF_INIT;
        entry_location(e, &loc);
        add_problem(c, PW_ECONFLICT, "%s: constraint %s; Pyodide %s provides %s %s",
                    pw_buf_cstr(&loc), e->text, release_name(c), p->name, p->version);
        pw_buf_free(&loc);
    }
}

static void add_root(closure *c, const pw_reqfile_entry *e)
{
    pw_lock_context *ctx = c->ctx;
    const pw_requirement *r = &e->req;
    pw_buf loc = PW_BUF_INIT;
    entry_location(e, &loc);
    pw_buf canonical = PW_BUF_INIT;
    pw_requirement_format(r, &canonical);

    if (!pw_requirement_applies(r, &ctx->env, NULL)) {
        pw_strlist_push(&c->lock->dropped, canonical.data);
        pw_report(PW_REPORT_INFO, "%s: dropped %s: its marker is false in Pyodide %s",
                  pw_buf_cstr(&loc), canonical.data, release_name(c));
        goto done;
    }
    pw_strlist_push(&c->lock->requirements, canonical.data);
    if (r->url) {
        add_problem(c, PW_EUNSUPPORTED,
                    "%s: %s: direct URL requirements are resolved from package indexes, "
                    "which this release-only resolution does not use yet",
                    pw_buf_cstr(&loc), e->text);
        goto done;
    }
    const pw_pyodide_package *src = pw_pyodide_index_find(&ctx->index, r->key);
    if (!src) {
        pw_buf hint = PW_BUF_INIT;
        suggest_names(&ctx->index, r->key, &hint);
        add_problem(c, PW_ECONFLICT, "%s: no package named '%s' in Pyodide %s%s",
                    pw_buf_cstr(&loc), r->name, release_name(c), pw_buf_cstr(&hint));
        pw_buf_free(&hint);
        goto done;
    }
    if (!version_satisfies(&r->specifiers, src->version)) {
        add_problem(c, PW_ECONFLICT, "%s: %s requested; Pyodide %s provides %s %s",
                    pw_buf_cstr(&loc), e->text, release_name(c), src->name, src->version);
        goto done;
    }
    if (e->hashes.len && !hash_listed(&e->hashes, src->sha256)) {
        add_problem(c, PW_EHASH,
                    "%s: %s: none of the given --hash values matches %s, whose sha256 in "
                    "Pyodide %s is %s",
                    pw_buf_cstr(&loc), e->text, src->file_name, release_name(c), src->sha256);
        goto done;
    }
    pw_lock_package *p = add_to_lock(c, src);
    pw_strlist_push(&p->requested, canonical.data);
    for (size_t i = 0; i < r->extras.len; i++)
        pw_strlist_push(&p->extras, r->extras.items[i]);
done:
    pw_buf_free(&canonical);
    pw_buf_free(&loc);
}

static void take_closure(closure *c)
{
    /* The lock grows while we walk it: index, not pointer. */
    for (size_t i = 0; i < c->lock->n_packages; i++) {
        for (size_t d = 0; d < c->lock->packages[i].dependencies.len; d++) {
            const char *dep = c->lock->packages[i].dependencies.items[d];
            const pw_pyodide_package *src = pw_pyodide_index_find(&c->ctx->index, dep);
            if (!src) {
                add_problem(c, PW_ECONFLICT,
                            "Pyodide %s's package index is inconsistent: %s depends on %s, "
                            "which it does not provide",
                            release_name(c), c->lock->packages[i].name, dep);
                continue;
            }
            char *parent = pw_xstrdup(c->lock->packages[i].name);
            pw_lock_package *p = add_to_lock(c, src);
            pw_strlist_push_owned(&p->required_by, parent);
        }
    }
}

int pw_lock_resolve_pyodide(pw_lock_context *ctx, pw_lock *out, pw_error *err)
{
    closure c = {ctx, out, PW_BUF_INIT, PW_OK};
    for (size_t i = 0; i < ctx->reqfile.n_requirements; i++)
        add_root(&c, &ctx->reqfile.requirements[i]);
    take_closure(&c);
    for (size_t i = 0; i < out->n_packages; i++)
        check_constraints(&c, &out->packages[i]);

    int rc = PW_OK;
    if (c.problems.len) {
        rc = pw_error_set(err, c.problem_code, "%s", c.problems.data);
    } else {
        pw_lock_release *r = &out->release;
        r->pyodide = pw_xstrdup(ctx->release_version);
        r->index_release = pw_xstrdup(ctx->release ? ctx->release->index_version
                                                   : ctx->release_version);
        r->python = pw_xstrdup(ctx->release ? ctx->release->python : ctx->index.python);
        r->abi_version = ctx->index.abi_version ? pw_xstrdup(ctx->index.abi_version) : NULL;
        r->platform = pw_xstrdup(ctx->index.platform);
        r->arch = pw_xstrdup(ctx->index.arch ? ctx->index.arch : "wasm32");
        pw_tagset tags;
        memset(&tags, 0, sizeof(tags));
        pw_tagset_for_release(&tags, r->python, r->abi_version, r->platform, r->arch);
        r->wheel_platform = pw_xstrdup(tags.len ? tags.tags[0].platform : r->platform);
        pw_tagset_free(&tags);
        r->index_url = pw_xstrdup(ctx->index_url);
        r->index_sha256 = pw_xstrdup(ctx->index.sha256);
        r->selected_by = pw_xstrdup(ctx->selected_by);
    }
    pw_buf_free(&c.problems);
    return rc;
}
