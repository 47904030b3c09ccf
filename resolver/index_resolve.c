/*
 * Resolution: root requirements -> friendly checks -> PubGrub -> pw_lock.
 *
 * The root requirements are checked one by one before the search, so that
 * the common mistakes get a message that names file:line ("pandas<2
 * requested; Pyodide 0.27.7 provides pandas 2.2.3", an unknown name with
 * suggestions, a project without a compatible wheel). Everything else is
 * the solver's, whose explanation names the root requirements involved.
 */
#include "provider.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

typedef struct problems {
    pw_buf text;
    int code;
} problems;

static void add_problem(problems *pr, int code, const char *fmt, ...) PW_PRINTF(3, 4);
static void add_problem(problems *pr, int code, const char *fmt, ...)
{
    if (pr->text.len)
        pw_buf_putc(&pr->text, '\n');
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&pr->text, fmt, ap);
    va_end(ap);
    /* An input error outranks a conflict: it must be fixed first. */
    if (pr->code == PW_OK || code == PW_EINVAL || code == PW_EUNSUPPORTED)
        pr->code = code;
}

/* A plausible typo, as pip and uv judge it: few edits relative to the
 * name's length ("pandsa" for "pandas"), so that an unrelated short name
 * ("casadi" for "fastapi") is never offered. */
static bool plausible_typo(const char *key, const char *name, size_t *distance)
{
    size_t len = strlen(key), other = strlen(name);
    size_t longer = len > other ? len : other;
    size_t limit = longer <= 4 ? 1 : longer <= 8 ? 2 : 3;
    size_t d = pw_edit_distance(key, name);
    *distance = d;
    /* a name that is the key with a prefix or suffix ("pandas" for "panda",
     * "python-dateutil" for "dateutil") is a good hint too */
    bool contains = len >= 4 && strstr(name, key) != NULL;
    return (d > 0 && d <= limit) || contains;
}

/* "did you mean" candidates from the release's names, at most three. */
static void suggest_names(const pw_pyodide_index *idx, const char *key, pw_buf *out)
{
    const char *best[3] = {NULL, NULL, NULL};
    size_t best_d[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX};
    for (size_t i = 0; i < idx->n_packages; i++) {
        const char *name = idx->packages[i].key;
        size_t d;
        if (!plausible_typo(key, name, &d))
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

static int compare_versions(const void *a, const void *b)
{
    return pw_version_cmp_text(*(const char *const *)a, *(const char *const *)b);
}

/* The releases whose runtime is installed (`pwpkg runtime install`, whose
 * pyodide-lock.json is at hand) and that build `key`: ", but numpy is in
 * Pyodide 0.28.2 and 314.0.6 (installed runtimes)". Read only on this error
 * path: a few MB of JSON against a failed lock. */
static void releases_with(const pw_resolve_context *ctx, const char *key, const char *name,
                          pw_buf *out)
{
    char *cache = ctx->request->transfer.cache_dir ? pw_xstrdup(ctx->request->transfer.cache_dir)
                                          : pw_fetch_default_cache_dir();
    if (!cache)
        return;
    char *dir = pw_path_join(cache, "runtimes");
    free(cache);
    DIR *d = opendir(dir);
    pw_strlist found = PW_STRLIST_INIT;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, ctx->release_version) == 0)
            continue;
        pw_buf path = PW_BUF_INIT, text = PW_BUF_INIT;
        pw_buf_printf(&path, "%s/%s/pyodide-lock.json", dir, e->d_name);
        pw_error ignored = {0};
        pw_pyodide_index idx;
        if (pw_read_file(path.data, &text, &ignored) == PW_OK &&
            pw_pyodide_index_parse(path.data, text.data, text.len, &idx, &ignored) == PW_OK) {
            if (pw_pyodide_index_find(&idx, key))
                pw_strlist_push(&found, e->d_name);
            pw_pyodide_index_free(&idx);
        }
        pw_error_clear(&ignored);
        pw_buf_free(&path);
        pw_buf_free(&text);
    }
    if (d)
        closedir(d);
    free(dir);
    if (found.len) {
        qsort(found.items, found.len, sizeof(found.items[0]), compare_versions);
        pw_buf_printf(out, "; %s is in Pyodide ", name);
        for (size_t i = 0; i < found.len; i++)
            pw_buf_printf(out, "%s%s", i == 0 ? "" : i + 1 == found.len ? " and " : ", ",
                          found.items[i]);
        pw_buf_puts(out, " (installed runtimes): choose one of those releases");
    }
    pw_strlist_free(&found);
}

/* What was asked and what to do about a name nobody had: the release does
 * not build it; either no index was asked (--no-index), or none had it. */
static void missing_name_advice(const pw_provider *p, const char *name, pw_buf *out)
{
    if (p->indexes.len == 0 && p->find_links.len == 0) {
        pw_buf_puts(out, ": it is not built into the release, and --no-index means no index was "
                         "asked; pure-Python packages come from an index (remove --no-index, or "
                         "add --index-url URL or --find-links DIR)");
        return;
    }
    size_t asked = p->indexes.len + p->find_links.len;
    pw_buf_printf(out, ": it is not built into the release, and %s "
                       "(check the name, or add the --index-url that serves %s)",
                  asked == 1 ? "the one source asked does not have it"
                             : "none of the sources asked has it",
                  name);
}

static bool admits_any(const pw_package *pkg, const pw_specifier_set *spec, bool pre)
{
    /* pip's rule: pre-releases count when nothing final satisfies */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < pkg->n_candidates; i++)
            if (pw_specifier_set_contains(spec, &pkg->candidates[i].version, pre || pass == 1))
                return true;
    return false;
}

static char *sources_text(const pw_provider *p)
{
    pw_buf b = PW_BUF_INIT;
    for (size_t i = 0; i < p->indexes.len; i++) {
        char *r = pw_redact_url(p->indexes.items[i]);
        pw_buf_printf(&b, " or %s", r);
        free(r);
    }
    for (size_t i = 0; i < p->find_links.len; i++)
        pw_buf_printf(&b, " or --find-links %s", p->find_links.items[i]);
    return pw_buf_detach(&b);
}

static void check_root(pw_provider *p, const pw_reqfile_entry *e, problems *pr, pw_error *err)
{
    pw_resolve_context *ctx = p->lock;
    const pw_requirement *r = &e->req;
    pw_package *pkg = NULL;
    int rc = pw_provider_package(p, r->key, &pkg, err);
    if (rc) {
        add_problem(pr, rc, "%s:%zu: %s", e->file, e->line, pw_error_message(err));
        pw_error_clear(err);
        return;
    }
    if (pkg->kind == PW_PKG_MISSING) {
        pw_buf hint = PW_BUF_INIT;
        suggest_names(&ctx->index, r->key, &hint);
        missing_name_advice(p, r->name, &hint);
        releases_with(ctx, r->key, r->name, &hint);
        char *where = sources_text(p);
        add_problem(pr, PW_ECONFLICT, "%s:%zu: no package named '%s' in Pyodide %s%s%s", e->file,
                    e->line, r->name, ctx->release_version, where, pw_buf_cstr(&hint));
        free(where);
        pw_buf_free(&hint);
        return;
    }
    if (pkg->kind == PW_PKG_PYODIDE && pkg->n_candidates == 1 &&
        !admits_any(pkg, &r->specifiers, true)) {
        add_problem(pr, PW_ECONFLICT, "%s:%zu: %s requested; Pyodide %s provides %s %s", e->file,
                    e->line, e->text, ctx->release_version, pkg->pyodide->name,
                    pkg->pyodide->version);
        return;
    }
    if (pkg->n_candidates == 0) {
        add_problem(pr, PW_ECONFLICT, "%s:%zu: %s: %s", e->file, e->line, e->text,
                    pkg->hint ? pkg->hint : "no usable version");
        return;
    }
    if (!admits_any(pkg, &r->specifiers, p->pre)) {
        pw_buf have = PW_BUF_INIT;
        for (size_t i = 0; i < pkg->n_candidates && i < 5; i++)
            pw_buf_printf(&have, "%s%s", i ? ", " : "", pkg->candidates[i].version_text);
        if (pkg->n_candidates > 5)
            pw_buf_puts(&have, ", ...");
        add_problem(pr, PW_ECONFLICT, "%s:%zu: %s requested; the versions with a wheel for Pyodide "
                    "%s are %s%s%s",
                    e->file, e->line, e->text, ctx->release_version, have.data,
                    pkg->hint ? "; " : "", pkg->hint ? pkg->hint : "");
        pw_buf_free(&have);
    }
}

/* Does `text` name the package `name` (not merely contain it, as "sixty"
 * contains "six")? Package names are made of [a-z0-9-]. */
static bool names_package(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *at = strstr(text, name); at; at = strstr(at + 1, name)) {
        char before = at == text ? ' ' : at[-1], after = at[n];
        bool inside = ((before >= 'a' && before <= 'z') || (before >= '0' && before <= '9') ||
                       before == '-') ||
                      ((after >= 'a' && after <= 'z') || (after >= '0' && after <= '9') ||
                       after == '-');
        if (!inside)
            return true;
    }
    return false;
}

/* Appends the hints of the packages a solver explanation mentions. */
static void append_hints(pw_provider *p, pw_error *err)
{
    pw_strlist hints = PW_STRLIST_INIT;
    const char *msg = pw_error_message(err);
    for (size_t i = 0; i < p->packages.cap; i++) {
        if (!p->packages.keys || !p->packages.keys[i])
            continue;
        const pw_package *pkg = p->packages.values[i];
        if (pkg->hint && !pkg->extra && names_package(msg, pkg->base))
            pw_strlist_push(&hints, pkg->hint);
    }
    /* The map's slot order depends on insertion history: sort, so that the
     * same conflict always reads the same. */
    pw_strlist_sort(&hints);
    pw_buf extra = PW_BUF_INIT;
    for (size_t i = 0; i < hints.len; i++)
        pw_buf_printf(&extra, "\nnote: %s", hints.items[i]);
    if (extra.len)
        pw_error_set(err, err->code, "%s%s", msg, extra.data);
    pw_buf_free(&extra);
    pw_strlist_free(&hints);
}

/* ------------------------------------------------------------ lock build */

static char *lock_url(const pw_resolve_context *ctx, const char *url)
{
    if (strncmp(url, "file://", 7) == 0)
        return pw_resolve_relative_path(ctx->lock_dir, url + 7);
    /* not even "***@": the lock is the same with and without credentials,
     * and fetching it later takes them from ~/.netrc */
    return pw_url_strip_credentials(url);
}

/* The release index's info decides the tags (tags.c); a wheel in it that
 * carries none of them (another Python minor, another ABI) means the info
 * contradicts the artifacts, and Pyodide would refuse to load it. */
static int check_release_wheel(const pw_provider *p, const pw_pyodide_package *src,
                               pw_error *err)
{
    const char *base = pw_path_basename(src->file_name);
    if (!pw_slice_ends_with(pw_slice_from(base), ".whl"))
        return PW_OK;
    pw_wheel_name w;
    int rc = pw_wheel_name_parse(base, &w, err);
    if (rc)
        return pw_error_wrap(err, "the release index");
    if (pw_tagset_rank(&p->tags, &w) < 0) {
        pw_buf tags = PW_BUF_INIT, accepted = PW_BUF_INIT;
        for (size_t a = 0; a < w.python_tags.len; a++)
            for (size_t b = 0; b < w.abi_tags.len; b++)
                for (size_t c = 0; c < w.platform_tags.len; c++)
                    pw_buf_printf(&tags, "%s%s-%s-%s", tags.len ? ", " : "", w.python_tags.items[a],
                                  w.abi_tags.items[b], w.platform_tags.items[c]);
        pw_tagset_describe(&p->tags, &accepted);
        const pw_resolve_context *ctx = p->lock;
        rc = pw_error_set(err, PW_EINVAL,
                          "%s in the release index has tag %s, which Pyodide %s (Python %s, ABI "
                          "%s) does not accept (it accepts %s): the index's info contradicts its "
                          "artifacts",
                          base, tags.data, ctx->release_version, ctx->index.python,
                          ctx->index.abi_version ? ctx->index.abi_version : "none",
                          pw_buf_cstr(&accepted));
        pw_buf_free(&tags);
        pw_buf_free(&accepted);
    }
    pw_wheel_name_free(&w);
    return rc;
}

static int fill_package(pw_provider *p, pw_package *pkg, size_t i, pw_lock_package *out,
                        pw_error *err)
{
    pw_resolve_context *ctx = p->lock;
    out->version = pw_xstrdup(pkg->candidates[i].version_text);
    if (pkg->kind == PW_PKG_PYODIDE) {
        const pw_pyodide_package *src = pkg->pyodide;
        int rc = check_release_wheel(p, src, err);
        if (rc == PW_OK)
            rc = pw_resolve_locate_artifact(ctx, p->session, src, &out->url, err);
        if (rc)
            return rc;
        out->file_name = pw_xstrdup(pw_path_basename(src->file_name));
        out->sha256 = pw_xstrdup(src->sha256);
        out->source = pw_xstrdup(PW_SOURCE_PYODIDE);
        out->package_type = pw_xstrdup(src->package_type);
        out->install_dir = pw_xstrdup(src->install_dir);
        for (size_t k = 0; k < src->imports.len; k++)
            pw_strlist_push(&out->imports, src->imports.items[k]);
        return PW_OK;
    }
    pw_candidate_info *info = &pkg->info[i];
    const pw_index_file *f = info->file;
    /* Every artifact in the lock has a digest: from the index when it gives
     * one, else from the downloaded file. */
    if (!f->sha256) {
        int rc = pw_provider_artifact(p, pkg, i, err);
        if (rc)
            return rc;
    }
    out->file_name = pw_xstrdup(f->filename);
    out->url = info->git_url ? pw_xstrdup(info->git_url) : lock_url(ctx, f->url);
    if (info->git_commit)
        out->git_commit = pw_xstrdup(info->git_commit);
    out->sha256 = pw_xstrdup(f->sha256 ? f->sha256 : info->sha256);
    out->size = f->size >= 0 ? f->size : info->size;
    out->source = pw_xstrdup(info->source_kind);
    if (info->source)
        out->index = lock_url(ctx, info->source);
    out->package_type = pw_xstrdup("package");
    out->install_dir = pw_xstrdup("site");
    if (f->requires_python)
        out->requires_python = pw_xstrdup(f->requires_python);
    return PW_OK;
}

static bool hash_listed(const pw_strlist *hashes, const char *sha256)
{
    for (size_t i = 0; i < hashes->len; i++)
        if (strncmp(hashes->items[i], "sha256:", 7) == 0 &&
            strcmp(hashes->items[i] + 7, sha256) == 0)
            return true;
    return false;
}

static bool hash_checking_mode(const pw_reqfile *rf)
{
    if (rf->require_hashes)
        return true;
    for (size_t i = 0; i < rf->n_requirements; i++)
        if (rf->requirements[i].hashes.len)
            return true;
    return false;
}

static void check_hashes(const pw_resolve_context *ctx, const pw_lock *lock, problems *pr)
{
    const pw_reqfile *rf = &ctx->reqfile;
    for (size_t i = 0; i < rf->n_requirements; i++) {
        const pw_reqfile_entry *e = &rf->requirements[i];
        const pw_lock_package *p = pw_lock_find(lock, e->req.key);
        if (!p || !e->hashes.len || hash_listed(&e->hashes, p->sha256))
            continue;
        add_problem(pr, PW_EHASH,
                    "%s:%zu: %s: none of the given --hash values matches %s, whose sha256 is %s",
                    e->file, e->line, e->text, p->file_name, p->sha256);
    }
    if (!hash_checking_mode(rf))
        return;
    /* pip's hash-checking mode: every package installed needs a hash from
     * the requirements, dependencies included. */
    for (size_t i = 0; i < lock->n_packages; i++) {
        const pw_lock_package *p = &lock->packages[i];
        bool listed = false;
        for (size_t k = 0; k < rf->n_requirements && !listed; k++)
            listed = strcmp(rf->requirements[k].req.key, p->name) == 0 &&
                     rf->requirements[k].hashes.len;
        if (!listed)
            add_problem(pr, PW_EINVAL,
                        "hash-checking mode: %s %s (a dependency) has no --hash in the "
                        "requirements; pin it with == and add its hash: --hash=sha256:%s",
                        p->name, p->version, p->sha256);
    }
}

static int build_lock(pw_provider *p, const pw_solution_entry *sol, size_t n, pw_lock *lock,
                      pw_error *err)
{
    pw_resolve_context *ctx = p->lock;
    for (size_t s = 0; s < n; s++) {
        pw_package *pkg = pw_map_get(&p->packages, sol[s].package);
        if (!pkg || pkg->extra)
            continue;
        pw_lock_package *out = pw_lock_add_package(lock, pkg->base);
        int rc = fill_package(p, pkg, sol[s].candidate_index, out, err);
        if (rc)
            return pw_error_wrap(err, "%s", pkg->base);
        /* PEP 592 allows a yanked file for a requirement that pins it
         * exactly; pip then warns, and so does this. */
        const pw_index_file *f = pkg->info ? pkg->info[sol[s].candidate_index].file : NULL;
        if (f && f->yanked)
            pw_report(PW_REPORT_WARN,
                      "%s %s is yanked%s%s%s; it is locked because a requirement pins it "
                      "exactly (==)",
                      pkg->base, out->version, f->yanked_reason ? " (reason: \"" : "",
                      f->yanked_reason ? f->yanked_reason : "", f->yanked_reason ? "\")" : "");
    }
    /* Names are normalized on both sides: a table instead of
     * pw_lock_find's scan keeps a 3,000-package lock linear. */
    pw_map by_name = PW_MAP_INIT;
    for (size_t k = 0; k < lock->n_packages; k++)
        pw_map_put(&by_name, lock->packages[k].name, &lock->packages[k]);
    /* Edges: what each chosen candidate depends on, and extras requested. */
    for (size_t s = 0; s < n; s++) {
        pw_package *pkg = pw_map_get(&p->packages, sol[s].package);
        size_t i = sol[s].candidate_index;
        if (!pkg)
            continue;
        pw_lock_package *self = pw_map_get(&by_name, pkg->base);
        if (pkg->extra)
            pw_strlist_push(&self->extras, pkg->extra);
        for (size_t d = 0; pkg->deps_loaded && d < pkg->n_deps[i]; d++) {
            const char *dep = pkg->deps[i][d].package;
            char *base = pw_xstrndup(dep, strcspn(dep, "["));
            pw_lock_package *target = pw_map_get(&by_name, base);
            if (target && strcmp(base, pkg->base) != 0) {
                pw_strlist_push(&self->dependencies, base);
                pw_strlist_push(&target->required_by, pkg->base);
            }
            free(base);
        }
    }
    const pw_reqfile *rf = &ctx->reqfile;
    for (size_t i = 0; i < rf->n_requirements; i++) {
        const pw_requirement *r = &rf->requirements[i].req;
        pw_lock_package *target = pw_map_get(&by_name, r->key);
        if (!target || !pw_requirement_applies(r, &ctx->env, NULL))
            continue;
        pw_buf canonical = PW_BUF_INIT;
        pw_requirement_format(r, &canonical);
        pw_strlist_push(&target->requested, canonical.data);
        pw_buf_free(&canonical);
    }
    pw_map_free(&by_name);
    return PW_OK;
}

static void fill_release(pw_resolve_context *ctx, pw_provider *p, pw_lock *out)
{
    pw_lock_release *r = &out->release;
    r->pyodide = pw_xstrdup(ctx->release_version);
    r->index_release = pw_xstrdup(ctx->release ? ctx->release->index_version : ctx->release_version);
    r->python = pw_xstrdup(ctx->release ? ctx->release->python : ctx->index.python);
    r->abi_version = ctx->index.abi_version ? pw_xstrdup(ctx->index.abi_version) : NULL;
    r->platform = pw_xstrdup(ctx->index.platform);
    r->arch = pw_xstrdup(ctx->index.arch ? ctx->index.arch : "wasm32");
    r->wheel_platform = pw_xstrdup(p->tags.len ? p->tags.tags[0].platform : r->platform);
    r->index_url = pw_xstrdup(ctx->index_url);
    r->index_sha256 = pw_xstrdup(ctx->index.sha256);
    r->selected_by = pw_xstrdup(ctx->selected_by);
}

int pw_resolve_requirements(pw_resolve_context *ctx, pw_lock *out, pw_error *err)
{
    pw_provider p;
    int rc = pw_provider_init(&p, ctx, err);
    problems pr = {PW_BUF_INIT, PW_OK};
    pw_solver_dep *roots = NULL;
    size_t n_roots = 0, cap_roots = 0;
    pw_solution_entry *solution = NULL;
    size_t n_solution = 0;
    if (rc)
        goto done;

    const pw_reqfile *rf = &ctx->reqfile;
    /* Warm cache: the whole closure revalidated in one batch, the roots'
     * pages included (so before the prefetch; markers do not matter to a
     * guess). */
    pw_solver_dep *guess = pw_xcalloc(rf->n_requirements + 1, sizeof(*guess));
    for (size_t i = 0; i < rf->n_requirements; i++)
        guess[i] = (pw_solver_dep){rf->requirements[i].req.key,
                                   &rf->requirements[i].req.specifiers, rf->requirements[i].text};
    pw_provider_revalidate_closure(&p, guess, rf->n_requirements);
    free(guess);
    pw_strlist names = PW_STRLIST_INIT;
    for (size_t i = 0; i < rf->n_requirements; i++)
        pw_strlist_push(&names, rf->requirements[i].req.key);
    pw_provider_prefetch(&p, &names);
    pw_strlist_free(&names);

    for (size_t i = 0; i < rf->n_requirements; i++) {
        const pw_reqfile_entry *e = &rf->requirements[i];
        pw_buf canonical = PW_BUF_INIT;
        pw_requirement_format(&e->req, &canonical);
        if (!pw_requirement_applies(&e->req, &ctx->env, NULL)) {
            pw_strlist_push(&out->dropped, canonical.data);
            pw_report(PW_REPORT_INFO, "%s:%zu: dropped %s: its marker is false in Pyodide %s",
                      e->file, e->line, canonical.data, ctx->release_version);
            pw_buf_free(&canonical);
            continue;
        }
        pw_strlist_push(&out->requirements, canonical.data);
        pw_buf_free(&canonical);
        check_root(&p, e, &pr, err);
        PW_GROW(roots, cap_roots, n_roots + 1 + e->req.extras.len);
        roots[n_roots++] = (pw_solver_dep){e->req.key, &e->req.specifiers, e->text};
        for (size_t x = 0; x < e->req.extras.len; x++) {
            char *key = pw_arena_printf(&p.arena, "%s[%s]", e->req.key, e->req.extras.items[x]);
            roots[n_roots++] = (pw_solver_dep){key, &e->req.specifiers, e->text};
        }
    }
    if (pr.text.len) {
        rc = pw_error_set(err, pr.code, "%s", pr.text.data);
        goto done;
    }
    pw_provider_speculate(&p, roots, n_roots);
    pw_solver_provider sp = pw_provider_interface(&p);
    rc = pw_solve_hinted(&sp, pw_provider_upcoming, roots, n_roots, NULL, &solution, &n_solution,
                         err);
    if (rc == PW_ECONFLICT)
        append_hints(&p, err);
    if (rc)
        goto done;
    const pw_pyodide_package **release_pkgs = pw_xcalloc(n_solution + 1, sizeof(*release_pkgs));
    size_t n_release = 0;
    for (size_t s = 0; s < n_solution; s++) {
        const pw_package *pkg = pw_map_get(&p.packages, solution[s].package);
        if (pkg && !pkg->extra && pkg->kind == PW_PKG_PYODIDE)
            release_pkgs[n_release++] = pkg->pyodide;
    }
    pw_resolve_probe_artifacts(ctx, p.session, release_pkgs, n_release);
    free(release_pkgs);
    if ((rc = build_lock(&p, solution, n_solution, out, err)))
        goto done;
    if ((rc = pw_resolve_finish_locations(ctx, err)))
        goto done;
    pw_lock_sort(out);
    check_hashes(ctx, out, &pr);
    if (pr.text.len) {
        rc = pw_error_set(err, pr.code, "%s", pr.text.data);
        goto done;
    }
    fill_release(ctx, &p, out);
done:
    pw_solution_free(solution, n_solution);
    free(roots);
    pw_buf_free(&pr.text);
    pw_provider_free(&p);
    return rc;
}
