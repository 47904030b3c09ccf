/*
 * The provider: what exists, where it comes from, and what it depends on.
 * See provider.h for the source priority rules.
 */
#include "provider.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define DEFAULT_INDEX "https://pypi.org/simple"

typedef struct provider_page {
    int rc;          /* PW_OK, PW_ENOTFOUND (no such project), or the failure */
    char *message;   /* for failures */
    pw_buf body;
    char *content_type; /* the server's, NULL for local pages: the body is sniffed */
    bool released;   /* parsed once and the body dropped (memory: a 3,000-project
                      * lock kept every page twice, raw and parsed) */
} provider_page;

/* ------------------------------------------------------------- locations */

static bool has_scheme(const char *s)
{
    return strstr(s, "://") != NULL;
}

/* Local directories become absolute file:// URLs ending in '/', so that
 * relative links on their pages resolve like any other URL. */
static char *location_to_url(const char *location, bool is_index)
{
    pw_buf url = PW_BUF_INIT;
    if (has_scheme(location)) {
        pw_buf_puts(&url, location);
    } else {
        char real[PATH_MAX];
        const char *path = realpath(location, real) ? real : location;
        /* A pwpkg mirror keeps its PEP 503 tree under simple/. */
        char *simple = pw_path_join(path, "simple");
        pw_buf_printf(&url, "file://%s", is_index && pw_is_dir(simple) ? simple : path);
        free(simple);
    }
    /* "/simple?token=x" -> "/simple/?token=x": the slash goes before the
     * query, where project names are added */
    char *query = has_scheme(url.data) ? strchr(url.data, '?') : NULL;
    char *kept = query ? pw_xstrdup(query) : NULL;
    if (query) {
        url.len = (size_t)(query - url.data);
        url.data[url.len] = '\0';
    }
    if (url.len && url.data[url.len - 1] != '/' && !pw_slice_ends_with(pw_slice_from(url.data), ".html"))
        pw_buf_putc(&url, '/');
    if (kept)
        pw_buf_puts(&url, kept);
    free(kept);
    return pw_buf_detach(&url);
}

static void add_locations(pw_strlist *to, const pw_strlist *from, bool is_index)
{
    for (size_t i = 0; from && i < from->len; i++) {
        char *url = location_to_url(from->items[i], is_index);
        if (pw_strlist_contains(to, url))
            free(url);
        else
            pw_strlist_push_owned(to, url);
    }
}

static int provider_init(pw_provider *p, pw_resolve_context *ctx, const pw_transfer_options *t,
                         pw_error *err)
{
    memset(p, 0, sizeof(*p));
    p->lock = ctx;
    const pw_resolve_request *req = ctx->request;
    const pw_reqfile *rf = &ctx->reqfile;

    int rc = pw_fetch_session_open(t, &p->session, err);
    if (rc)
        return rc;

    const char *python = ctx->release ? ctx->release->python : ctx->index.python;
    pw_tagset_for_release(&p->tags, python, ctx->index.abi_version, ctx->index.platform,
                          ctx->index.arch ? ctx->index.arch : "wasm32");
    if ((rc = pw_version_parse(pw_slice_from(python), &p->python, err)))
        return rc;

    bool no_index = req->no_index || rf->no_index;
    const char *primary = req->index_url ? req->index_url : rf->index_url;
    if (!no_index) {
        pw_strlist first = PW_STRLIST_INIT;
        pw_strlist_push(&first, primary ? primary : DEFAULT_INDEX);
        add_locations(&p->indexes, &first, true);
        pw_strlist_free(&first);
        add_locations(&p->indexes, req->extra_index_urls, true);
        add_locations(&p->indexes, &rf->extra_index_urls, true);
    }
    add_locations(&p->find_links, req->find_links, false);
    add_locations(&p->find_links, &rf->find_links, false);
    p->best_match = req->best_match;
    p->pre = req->pre || rf->pre;
    p->exclude_newer = req->exclude_newer;
    p->previous = ctx->has_previous ? &ctx->previous : NULL;
    p->upgrade_all = req->upgrade;
    p->upgrade_packages = req->upgrade_packages;
    p->from_index = req->from_index;
    return PW_OK;
}

int pw_provider_init(pw_provider *p, pw_resolve_context *ctx, pw_error *err)
{
    return provider_init(p, ctx, &ctx->request->transfer, err);
}

/* Drops what a load filled in, keeping the names: a load that failed
 * half-way is retried from scratch when the package is asked for again. */
static void package_unload(pw_package *pkg)
{
    for (size_t i = 0; i < pkg->n_candidates && !pkg->extra; i++) {
        pw_metadata_free(&pkg->info[i].metadata);
        free(pkg->info[i].artifact_path);
        free(pkg->info[i].git_commit);
        free(pkg->info[i].git_url);
    }
    if (!pkg->extra) {
        free(pkg->candidates);
        free(pkg->info);
    }
    for (size_t i = 0; i < pkg->n_pages; i++)
        pw_index_page_free(&pkg->pages[i]);
    free(pkg->pages);
    for (size_t i = 0; pkg->deps && i < pkg->n_candidates; i++)
        free(pkg->deps[i]);
    free(pkg->deps);
    free(pkg->n_deps);
    free(pkg->deps_loaded);
    free(pkg->hint);
    pkg->kind = PW_PKG_PYODIDE;
    pkg->pyodide = NULL;
    pkg->candidates = NULL;
    pkg->info = NULL;
    pkg->n_candidates = 0;
    pkg->pages = NULL;
    pkg->n_pages = 0;
    pkg->deps = NULL;
    pkg->n_deps = NULL;
    pkg->deps_loaded = NULL;
    pkg->hint = NULL;
}

static void package_free(pw_package *pkg)
{
    package_unload(pkg);
    free(pkg->key);
    free(pkg->base);
    free(pkg->extra);
    free(pkg);
}

static void speculation_free(pw_provider *p); /* below */

void pw_provider_free(pw_provider *p)
{
    for (size_t i = 0; i < p->packages.cap; i++)
        if (p->packages.keys && p->packages.keys[i])
            package_free(p->packages.values[i]);
    pw_map_free(&p->packages);
    for (size_t i = 0; i < p->pages.cap; i++) {
        if (!p->pages.keys || !p->pages.keys[i])
            continue;
        provider_page *page = p->pages.values[i];
        pw_buf_free(&page->body);
        free(page->message);
        free(page->content_type);
        free(page);
    }
    pw_map_free(&p->pages);
    speculation_free(p);
    for (size_t i = 0; i < p->n_find_links_pages; i++)
        pw_index_page_free(&p->find_links_pages[i]);
    free(p->find_links_pages);
    for (size_t i = 0; i < p->n_owned_specs; i++) {
        pw_specifier_set_free(p->owned_specs[i]);
        free(p->owned_specs[i]);
    }
    free(p->owned_specs);
    free(p->find_links_error);
    pw_strlist_free(&p->indexes);
    pw_strlist_free(&p->find_links);
    pw_tagset_free(&p->tags);
    pw_arena_free(&p->arena);
    pw_fetch_session_free(p->session);
    memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------------ pages */

static char *project_page_url(const char *index, const char *base)
{
    pw_buf url = PW_BUF_INIT;
    const char *query = has_scheme(index) ? strchr(index, '?') : NULL;
    if (query)
        pw_buf_printf(&url, "%.*s%s/%s", (int)(query - index), index, base, query);
    else
        pw_buf_printf(&url, "%s%s/", index, base);
    /* A file:// tree has no server to pick index.html for us. */
    if (strncmp(index, "file://", 7) == 0)
        pw_buf_puts(&url, "index.html");
    return pw_buf_detach(&url);
}

/* Fetches every URL not yet known, in one parallel batch. */
static void fetch_pages(pw_provider *p, const pw_strlist *urls)
{
    pw_fetch_request *reqs = pw_xcalloc(urls->len + 1, sizeof(*reqs));
    size_t n = 0;
    for (size_t i = 0; i < urls->len; i++) {
        if (pw_map_get(&p->pages, urls->items[i]))
            continue;
        bool duplicate = false;
        for (size_t j = 0; j < n && !duplicate; j++)
            duplicate = strcmp(reqs[j].url, urls->items[i]) == 0;
        if (duplicate)
            continue;
        reqs[n].url = urls->items[i];
        reqs[n].accept = PW_INDEX_ACCEPT;
        n++;
    }
    if (n) {
        pw_error ignored = {0};
        pw_fetch_pages(p->session, reqs, n, &ignored);
        pw_error_clear(&ignored);
    }
    for (size_t i = 0; i < n; i++) {
        provider_page *page = pw_xcalloc(1, sizeof(*page));
        page->rc = reqs[i].result;
        if (page->rc == PW_OK) {
            page->body = reqs[i].body;
            pw_buf_init(&reqs[i].body);
            page->content_type = reqs[i].content_type;
            reqs[i].content_type = NULL;
        } else if (page->rc != PW_ENOTFOUND) {
            page->message = pw_xstrdup(pw_error_message(&reqs[i].error));
        }
        pw_map_put(&p->pages, reqs[i].url, page);
        pw_fetch_request_free(&reqs[i]);
    }
    free(reqs);
}

static provider_page *get_page(pw_provider *p, const char *url)
{
    provider_page *page = pw_map_get(&p->pages, url);
    if (page && page->released) {
        /* Parsed before, by a load that failed later and is retried: fetch
         * it again (from the HTTP cache, revalidated). */
        pw_fetch_request req;
        pw_error e = {0};
        page->rc = pw_fetch_page(p->session, url, PW_INDEX_ACCEPT, &req, &e);
        free(page->message);
        page->message = NULL;
        free(page->content_type);
        page->content_type = NULL;
        if (page->rc == PW_OK) {
            page->body = req.body;
            pw_buf_init(&req.body);
            page->content_type = req.content_type;
            req.content_type = NULL;
        } else if (page->rc != PW_ENOTFOUND) {
            page->message = pw_xstrdup(pw_error_message(&e));
        }
        page->released = false;
        pw_error_clear(&e);
        pw_fetch_request_free(&req);
    }
    if (page)
        return page;
    pw_strlist one = PW_STRLIST_INIT;
    pw_strlist_push(&one, url);
    fetch_pages(p, &one);
    pw_strlist_free(&one);
    return pw_map_get(&p->pages, url);
}

static bool from_pyodide(const pw_provider *p, const char *base)
{
    if (p->from_index && pw_strlist_contains(p->from_index, base))
        return false;
    return pw_pyodide_index_find(&p->lock->index, base) != NULL;
}

void pw_provider_prefetch(pw_provider *p, const pw_strlist *keys)
{
    pw_strlist urls = PW_STRLIST_INIT;
    for (size_t i = 0; i < keys->len; i++) {
        char *base = pw_xstrndup(keys->items[i], strcspn(keys->items[i], "["));
        pw_package *known = pw_map_get(&p->packages, base);
        if (!(known && known->loaded) && !from_pyodide(p, base))
            for (size_t j = 0; j < p->indexes.len; j++)
                pw_strlist_push_owned(&urls, project_page_url(p->indexes.items[j], base));
        free(base);
    }
    if (urls.len)
        fetch_pages(p, &urls);
    pw_strlist_free(&urls);
}

/* --find-links: a directory of wheels, or an HTML page of links. */
static int read_find_links(pw_provider *p, pw_error *err);

/* Read once; a failure is remembered and reported to every package that
 * asks, not only to the first. */
static int load_find_links(pw_provider *p, pw_error *err)
{
    if (!p->find_links_loaded) {
        p->find_links_loaded = true;
        pw_error first = {0};
        p->find_links_rc = read_find_links(p, &first);
        if (p->find_links_rc)
            p->find_links_error = pw_xstrdup(pw_error_message(&first));
        pw_error_clear(&first);
    }
    if (p->find_links_rc)
        return pw_error_set(err, p->find_links_rc, "%s", p->find_links_error);
    return PW_OK;
}

static int read_find_links(pw_provider *p, pw_error *err)
{
    p->find_links_pages = pw_xcalloc(p->find_links.len + 1, sizeof(pw_index_page));
    for (size_t i = 0; i < p->find_links.len; i++) {
        const char *url = p->find_links.items[i];
        pw_index_page *page = &p->find_links_pages[p->n_find_links_pages++];
        const char *dir = strncmp(url, "file://", 7) == 0 ? url + 7 : NULL;
        if (dir && pw_is_dir(dir)) {
            DIR *d = opendir(dir);
            if (!d)
                return pw_error_set(err, PW_EIO, "--find-links %s: cannot read the directory", dir);
            pw_strlist names = PW_STRLIST_INIT;
            struct dirent *e;
            while ((e = readdir(d)) != NULL)
                if (pw_slice_ends_with(pw_slice_from(e->d_name), ".whl"))
                    pw_strlist_push(&names, e->d_name);
            closedir(d);
            /* readdir order is the file system's: sort for determinism. */
            pw_strlist_sort(&names);
            page->files = pw_xcalloc(names.len + 1, sizeof(pw_index_file));
            for (size_t k = 0; k < names.len; k++) {
                pw_index_file *f = &page->files[page->n_files++];
                f->filename = pw_xstrdup(names.items[k]);
                pw_buf u = PW_BUF_INIT;
                pw_buf_printf(&u, "%s%s", url, names.items[k]);
                f->url = pw_buf_detach(&u);
                f->size = -1;
                f->is_wheel = true;
            }
            pw_strlist_free(&names);
            continue;
        }
        provider_page *raw = get_page(p, url);
        if (raw->rc != PW_OK)
            return pw_error_set(err, raw->rc == PW_ENOTFOUND ? PW_EINVAL : raw->rc,
                                "--find-links %s: %s", url,
                                raw->message ? raw->message : "not found");
        int rc = pw_index_page_parse(url, raw->content_type, pw_buf_cstr(&raw->body), raw->body.len,
                                     page, err);
        if (rc)
            return rc;
    }
    return PW_OK;
}

/* -------------------------------------------------------------- candidates */

typedef struct scan_notes {
    size_t wheels_other_platform;
    size_t wheels_other_python;  /* Requires-Python */
    size_t sdists;
    size_t too_new;              /* --exclude-newer */
    size_t constrained;          /* constraint files */
    char *newest_any;            /* newest version among all files */
    pw_version newest_any_v;
    pw_strlist other_tags;       /* tags of incompatible wheels ("cp312-cp312-manylinux_..."), unique */
} scan_notes;

/* Enough distinct tags to see what was built, few enough to read. */
#define HINT_MAX_TAGS 5

static void note_version(scan_notes *notes, const char *text)
{
    pw_version v;
    if (pw_version_parse(pw_slice_from(text), &v, NULL) != PW_OK)
        return;
    if (!notes->newest_any || pw_version_compare(&v, &notes->newest_any_v) > 0) {
        free(notes->newest_any);
        notes->newest_any = pw_xstrdup(text);
        notes->newest_any_v = v;
    }
}

/* "lxml-5.3.0.tar.gz" -> "5.3.0" when the name part matches `base`. */
static char *sdist_version(const char *filename, const char *base)
{
    static const char *const exts[] = {".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz"};
    size_t len = strlen(filename);
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        size_t n = strlen(exts[i]);
        if (len > n && strcmp(filename + len - n, exts[i]) == 0) {
            len -= n;
            break;
        }
    }
    const char *dash = NULL;
    for (size_t i = 0; i < len; i++)
        if (filename[i] == '-')
            dash = filename + i;
    if (!dash)
        return NULL;
    char *name = pw_xstrndup(filename, (size_t)(dash - filename));
    char *key = pw_normalize_name(name);
    bool match = strcmp(key, base) == 0;
    free(name);
    free(key);
    return match ? pw_xstrndup(dash + 1, (size_t)(filename + len - dash - 1)) : NULL;
}

/* The constraint (-c) that excludes version v of base, or NULL. */
static const pw_reqfile_entry *excluding_constraint(const pw_provider *p, const char *base,
                                                    const pw_version *v)
{
    const pw_reqfile *rf = &p->lock->reqfile;
    for (size_t i = 0; i < rf->n_constraints; i++) {
        const pw_requirement *c = &rf->constraints[i].req;
        if (strcmp(c->key, base) == 0 && pw_requirement_applies(c, &p->lock->env, NULL) &&
            !pw_specifier_set_contains(&c->specifiers, v, true))
            return &rf->constraints[i];
    }
    return NULL;
}

typedef struct pending_candidate {
    pw_version version;
    const char *version_text;
    const pw_index_file *file;
    const char *source;
    const char *source_kind;
    int rank;
} pending_candidate;

static int compare_pending(const void *a, const void *b)
{
    /* newest first */
    return pw_version_compare(&((const pending_candidate *)b)->version,
                              &((const pending_candidate *)a)->version);
}

static void scan_page(pw_provider *p, pw_package *pkg, const pw_index_page *page,
                      const char *source, const char *source_kind, pending_candidate **list,
                      size_t *n, size_t *cap, scan_notes *notes)
{
    for (size_t i = 0; i < page->n_files; i++) {
        const pw_index_file *f = &page->files[i];
        if (!f->is_wheel) {
            char *v = sdist_version(f->filename, pkg->base);
            if (v) {
                notes->sdists++;
                note_version(notes, v);
                free(v);
            }
            continue;
        }
        pw_wheel_name w;
        if (pw_wheel_name_parse(f->filename, &w, NULL) != PW_OK)
            continue;
        if (strcmp(w.key, pkg->base) != 0) {
            pw_wheel_name_free(&w);
            continue;
        }
        note_version(notes, w.version);
        pw_version v;
        int rank = pw_tagset_rank(&p->tags, &w);
        bool ok = pw_version_parse(pw_slice_from(w.version), &v, NULL) == PW_OK;
        if (ok && rank < 0) {
            notes->wheels_other_platform++;
            for (size_t t = 0; t < w.platform_tags.len && notes->other_tags.len <= HINT_MAX_TAGS;
                 t++) {
                pw_buf tag = PW_BUF_INIT;
                pw_buf_printf(&tag, "%s-%s-%s", w.python_tags.len ? w.python_tags.items[0] : "?",
                              w.abi_tags.len ? w.abi_tags.items[0] : "?", w.platform_tags.items[t]);
                if (!pw_strlist_contains(&notes->other_tags, pw_buf_cstr(&tag)))
                    pw_strlist_push(&notes->other_tags, pw_buf_cstr(&tag));
                pw_buf_free(&tag);
            }
            ok = false;
        }
        if (ok && f->requires_python) {
            pw_specifier_set rp = PW_SPECIFIER_SET_INIT;
            if (pw_specifier_set_parse(pw_slice_from(f->requires_python), &rp, NULL) == PW_OK &&
                !pw_specifier_set_contains(&rp, &p->python, true)) {
                notes->wheels_other_python++;
                ok = false;
            }
            pw_specifier_set_free(&rp);
        }
        if (ok && p->exclude_newer) {
            int64_t t = 0;
            if (!f->upload_time || pw_parse_timestamp(f->upload_time, &t, NULL) != PW_OK ||
                t > p->exclude_newer) {
                notes->too_new++;
                ok = false;
            }
        }
        if (ok && excluding_constraint(p, pkg->base, &v)) {
            notes->constrained++;
            ok = false;
        }
        if (ok) {
            /* one file per version: the best-ranked tag wins */
            size_t k = 0;
            while (k < *n && pw_version_compare(&(*list)[k].version, &v) != 0)
                k++;
            if (k == *n) {
                PW_GROW(*list, *cap, *n + 1);
                (*n)++;
                (*list)[k].rank = INT_MAX;
            }
            if (rank < (*list)[k].rank) {
                (*list)[k].version = v;
                (*list)[k].version_text = pw_arena_strdup(&p->arena, w.version);
                (*list)[k].file = f;
                (*list)[k].source = source;
                (*list)[k].source_kind = source_kind;
                (*list)[k].rank = rank;
            }
        }
        pw_wheel_name_free(&w);
    }
}

static void make_hint(pw_provider *p, pw_package *pkg, const scan_notes *notes)
{
    pw_buf tags = PW_BUF_INIT, reasons = PW_BUF_INIT, h = PW_BUF_INIT;
    pw_tagset_describe(&p->tags, &tags);
    if (notes->sdists)
        pw_buf_printf(&reasons, "; %zu file%s an sdist, which pwpkg does not build", notes->sdists,
                      notes->sdists == 1 ? " is" : "s are");
    if (notes->wheels_other_platform) {
        pw_buf_printf(&reasons, "; %zu wheel%s for other platforms (tags found: ",
                      notes->wheels_other_platform,
                      notes->wheels_other_platform == 1 ? " is" : "s are");
        for (size_t t = 0; t < notes->other_tags.len && t < HINT_MAX_TAGS; t++)
            pw_buf_printf(&reasons, "%s%s", t ? ", " : "", notes->other_tags.items[t]);
        pw_buf_puts(&reasons, notes->other_tags.len > HINT_MAX_TAGS ? ", ...)" : ")");
    }
    if (notes->wheels_other_python)
        pw_buf_printf(&reasons, "; %zu wheel%s another Python (Requires-Python)",
                      notes->wheels_other_python, notes->wheels_other_python == 1 ? " needs" : "s need");
    if (notes->too_new)
        pw_buf_printf(&reasons, "; %zu wheel%s newer than --exclude-newer", notes->too_new,
                      notes->too_new == 1 ? " is" : "s are");
    if (notes->constrained)
        pw_buf_printf(&reasons, "; %zu wheel%s excluded by constraints", notes->constrained,
                      notes->constrained == 1 ? " is" : "s are");
    if (pkg->n_candidates == 0) {
        pw_buf_printf(&h, "no wheel of %s for Pyodide %s (it accepts %s)", pkg->base,
                      p->lock->release_version, pw_buf_cstr(&tags));
        if (notes->newest_any)
            pw_buf_printf(&h, "; its newest version is %s", notes->newest_any);
        pw_buf_puts(&h, pw_buf_cstr(&reasons));
    } else if (notes->newest_any &&
               pw_version_compare(&notes->newest_any_v, &pkg->candidates[0].version) > 0) {
        pw_buf_printf(&h, "%s %s and newer have no wheel for Pyodide %s (it accepts %s); the newest version "
                          "with a compatible wheel is %s",
                      pkg->base, notes->newest_any, p->lock->release_version, pw_buf_cstr(&tags),
                      pkg->candidates[0].version_text);
        pw_buf_puts(&h, pw_buf_cstr(&reasons));
    }
    if (h.len)
        pkg->hint = pw_buf_detach(&h);
    pw_buf_free(&h);
    pw_buf_free(&tags);
    pw_buf_free(&reasons);
}

static void allocate_dep_slots(pw_package *pkg)
{
    size_t n = pkg->n_candidates + 1;
    pkg->deps = pw_xcalloc(n, sizeof(*pkg->deps));
    pkg->n_deps = pw_xcalloc(n, sizeof(*pkg->n_deps));
    pkg->deps_loaded = pw_xcalloc(n, sizeof(*pkg->deps_loaded));
}

static void load_pyodide(pw_provider *p, pw_package *pkg, const pw_pyodide_package *src)
{
    pkg->kind = PW_PKG_PYODIDE;
    pkg->pyodide = src;
    pw_version v;
    if (pw_version_parse(pw_slice_from(src->version), &v, NULL) != PW_OK)
        memset(&v, 0, sizeof(v));
    const pw_reqfile_entry *c = excluding_constraint(p, pkg->base, &v);
    if (c) {
        pw_buf h = PW_BUF_INIT;
        pw_buf_printf(&h, "%s:%zu: constraint %s; Pyodide %s provides %s %s", c->file, c->line,
                      c->text, p->lock->release_version, src->name, src->version);
        pkg->hint = pw_buf_detach(&h);
        allocate_dep_slots(pkg);
        return;
    }
    pkg->candidates = pw_xcalloc(1, sizeof(*pkg->candidates));
    pkg->info = pw_xcalloc(1, sizeof(*pkg->info));
    pkg->candidates[0].version = v;
    pkg->candidates[0].version_text = src->version;
    pkg->info[0].source_kind = PW_SOURCE_PYODIDE;
    pkg->info[0].size = -1;
    pkg->n_candidates = 1;
    allocate_dep_slots(pkg);
}

static int load_indexes(pw_provider *p, pw_package *pkg, pw_error *err)
{
    int rc = load_find_links(p, err);
    if (rc)
        return rc;
    pkg->kind = PW_PKG_INDEX;
    pkg->pages = pw_xcalloc(p->indexes.len + 1, sizeof(pw_index_page));
    pending_candidate *list = NULL;
    size_t n = 0, cap = 0;
    scan_notes notes;
    memset(&notes, 0, sizeof(notes));
    bool found = false;
    for (size_t i = 0; i < p->indexes.len; i++) {
        char *url = project_page_url(p->indexes.items[i], pkg->base);
        provider_page *page = get_page(p, url);
        if (page->rc == PW_ENOTFOUND) {
            free(url);
            continue;
        }
        if (page->rc != PW_OK) {
            rc = pw_error_set(err, page->rc, "%s", page->message ? page->message : url);
            free(url);
            goto done;
        }
        pw_index_page *parsed = &pkg->pages[pkg->n_pages];
        rc = pw_index_page_parse(url, page->content_type, pw_buf_cstr(&page->body), page->body.len,
                                 parsed, err);
        free(url);
        if (rc)
            goto done;
        pw_buf_free(&page->body);
        page->released = true;
        pkg->n_pages++;
        size_t before = n;
        scan_page(p, pkg, parsed, p->indexes.items[i], PW_SOURCE_INDEX, &list, &n, &cap, &notes);
        found = found || parsed->n_files > 0;
        (void)before;
        /* Against dependency confusion: the first index that has the
         * project is the only one asked, unless best-match was chosen. */
        if (parsed->n_files > 0 && !p->best_match)
            break;
    }
    for (size_t i = 0; i < p->n_find_links_pages; i++) {
        size_t before = n;
        scan_page(p, pkg, &p->find_links_pages[i], p->find_links.items[i],
                  PW_SOURCE_FIND_LINKS, &list, &n, &cap, &notes);
        for (size_t k = 0; k < p->find_links_pages[i].n_files && !found; k++) {
            pw_wheel_name w;
            if (pw_wheel_name_parse(p->find_links_pages[i].files[k].filename, &w, NULL) == PW_OK) {
                found = strcmp(w.key, pkg->base) == 0;
                pw_wheel_name_free(&w);
            }
        }
        (void)before;
    }
    if (!found && n == 0 && notes.sdists == 0) {
        pkg->kind = PW_PKG_MISSING;
        allocate_dep_slots(pkg);
        goto done;
    }
    if (n > 1)
        qsort(list, n, sizeof(*list), compare_pending);
    pkg->candidates = pw_xcalloc(n + 1, sizeof(*pkg->candidates));
    pkg->info = pw_xcalloc(n + 1, sizeof(*pkg->info));
    for (size_t i = 0; i < n; i++) {
        pkg->candidates[i].version = list[i].version;
        pkg->candidates[i].version_text = list[i].version_text;
        pkg->candidates[i].yanked = list[i].file->yanked;
        pkg->info[i].file = list[i].file;
        pkg->info[i].source = list[i].source;
        pkg->info[i].source_kind = list[i].source_kind;
        pkg->info[i].size = list[i].file->size;
    }
    pkg->n_candidates = n;
    allocate_dep_slots(pkg);
    make_hint(p, pkg, &notes);
done:
    free(list);
    free(notes.newest_any);
    pw_strlist_free(&notes.other_tags);
    return rc;
}

static int load_url(pw_provider *p, pw_package *pkg, const char *url, pw_error *err)
{
    pkg->kind = PW_PKG_URL;
    const char *file_name = strrchr(url, '/') ? strrchr(url, '/') + 1 : url;
    size_t name_len = strcspn(file_name, "#?");
    char *bare = pw_xstrndup(file_name, name_len);
    pw_wheel_name w;
    int rc = pw_wheel_name_parse(bare, &w, err);
    free(bare);
    if (rc)
        return pw_error_wrap(err, "%s", url);
    if (strcmp(w.key, pkg->base) != 0) {
        rc = pw_error_set(err, PW_EINVAL, "%s is a wheel of %s, not of %s", url, w.name, pkg->base);
        pw_wheel_name_free(&w);
        return rc;
    }
    if (pw_tagset_rank(&p->tags, &w) < 0) {
        pw_buf tags = PW_BUF_INIT;
        pw_tagset_describe(&p->tags, &tags);
        rc = pw_error_set(err, PW_ECONFLICT, "%s: the wheel's tags do not match Pyodide %s (%s)",
                          url, p->lock->release_version, pw_buf_cstr(&tags));
        pw_buf_free(&tags);
        pw_wheel_name_free(&w);
        return rc;
    }
    pkg->n_pages = 0;
    pkg->pages = pw_xcalloc(1, sizeof(pw_index_page));
    pw_index_page *page = &pkg->pages[0];
    pkg->n_pages = 1;
    page->files = pw_xcalloc(1, sizeof(pw_index_file));
    page->n_files = 1;
    pw_index_file *f = &page->files[0];
    f->filename = pw_xstrndup(file_name, name_len);
    f->url = has_scheme(url) ? pw_xstrndup(url, strcspn(url, "#")) : location_to_url(url, false);
    if (!has_scheme(url) && f->url[strlen(f->url) - 1] == '/')
        f->url[strlen(f->url) - 1] = '\0';
    const char *fragment = strstr(url, "#sha256=");
    if (fragment && pw_is_sha256_hex(fragment + 8))
        f->sha256 = pw_xstrdup(fragment + 8);
    f->size = -1;
    f->is_wheel = true;
    pkg->candidates = pw_xcalloc(1, sizeof(*pkg->candidates));
    pkg->info = pw_xcalloc(1, sizeof(*pkg->info));
    rc = pw_version_parse(pw_slice_from(w.version), &pkg->candidates[0].version, err);
    pkg->candidates[0].version_text = pw_arena_strdup(&p->arena, w.version);
    pkg->info[0].file = f;
    pkg->info[0].source_kind = PW_SOURCE_URL;
    pkg->info[0].size = -1;
    pkg->n_candidates = rc ? 0 : 1;
    allocate_dep_slots(pkg);
    pw_wheel_name_free(&w);
    return rc;
}

/* The commit an existing lock pinned for this git source, unless upgrading. */
static const char *pinned_commit(const pw_provider *p, const char *base, const pw_git_source *src)
{
    if (!p->previous || p->upgrade_all ||
        (p->upgrade_packages && pw_strlist_contains(p->upgrade_packages, base)))
        return NULL;
    const pw_lock_package *old = pw_lock_find(p->previous, base);
    if (!old || !old->git_commit || strcmp(old->source, PW_SOURCE_GIT) != 0)
        return NULL;
    pw_git_source was;
    if (pw_git_source_parse(old->url, &was, NULL) != PW_OK)
        return NULL;
    bool same = strcmp(was.url, src->url) == 0 &&
                ((!was.subdirectory && !src->subdirectory) ||
                 (was.subdirectory && src->subdirectory &&
                  strcmp(was.subdirectory, src->subdirectory) == 0));
    pw_git_source_free(&was);
    return same ? old->git_commit : NULL;
}

/* "name @ git+URL@REF": the commit is checked out and its wheel built (the
 * bundle module's builder, passed in by the caller), then it is a local
 * wheel like any other, recorded with the commit. */
static int load_git(pw_provider *p, pw_package *pkg, const char *url, pw_error *err)
{
    const pw_resolve_request *req = p->lock->request;
    if (!req->build_git)
        return pw_error_set(err, PW_EUNSUPPORTED, "%s: git requirements need a wheel builder",
                            pkg->base);
    pw_git_source src;
    int rc = pw_git_source_parse(url, &src, err);
    if (rc)
        return rc;
    const char *pin = pinned_commit(p, pkg->base, &src);
    char commit[41];
    char *wheel = NULL;
    rc = req->build_git(url, pin, pw_fetch_session_cache_dir(p->session), req->transfer.offline, commit,
                        &wheel, err);
    if (rc == PW_OK)
        rc = load_url(p, pkg, wheel, err);
    if (rc == PW_OK) {
        pkg->info[0].source_kind = PW_SOURCE_GIT;
        pkg->info[0].git_commit = pw_xstrdup(commit);
        pw_buf u = PW_BUF_INIT;
        pw_buf_printf(&u, "git+%s@%s", src.url, commit);
        if (src.subdirectory)
            pw_buf_printf(&u, "#subdirectory=%s", src.subdirectory);
        pkg->info[0].git_url = pw_buf_detach(&u);
    }
    free(wheel);
    pw_git_source_free(&src);
    return rc;
}

static const char *url_of_root(const pw_provider *p, const char *base)
{
    const pw_reqfile *rf = &p->lock->reqfile;
    for (size_t i = 0; i < rf->n_requirements; i++)
        if (rf->requirements[i].req.url && strcmp(rf->requirements[i].req.key, base) == 0)
            return rf->requirements[i].req.url;
    return NULL;
}

int pw_provider_package(pw_provider *p, const char *key, pw_package **out, pw_error *err)
{
    pw_package *pkg = pw_map_get(&p->packages, key);
    if (pkg && pkg->loaded) {
        *out = pkg;
        return PW_OK;
    }
    if (!pkg) {
        pkg = pw_xcalloc(1, sizeof(*pkg));
        pkg->key = pw_xstrdup(key);
        const char *bracket = strchr(key, '[');
        pkg->base = pw_xstrndup(key, bracket ? (size_t)(bracket - key) : strlen(key));
        if (bracket)
            pkg->extra = pw_xstrndup(bracket + 1, strcspn(bracket + 1, "]"));
        pw_map_put(&p->packages, key, pkg);
    }
    int rc = PW_OK;
    pkg->loaded = true;
    if (pkg->extra) {
        pw_package *base = NULL;
        if ((rc = pw_provider_package(p, pkg->base, &base, err)))
            return rc;
        /* An extra shares the base's candidates; only its dependencies differ. */
        pkg->kind = base->kind;
        pkg->pyodide = base->pyodide;
        pkg->candidates = base->candidates;
        pkg->info = base->info;
        pkg->n_candidates = base->n_candidates;
        allocate_dep_slots(pkg);
        *out = pkg;
        return PW_OK;
    }
    const char *url = url_of_root(p, pkg->base);
    const pw_pyodide_package *src = pw_pyodide_index_find(&p->lock->index, pkg->base);
    if (url && strncmp(url, "git+", 4) == 0)
        rc = load_git(p, pkg, url, err);
    else if (url)
        rc = load_url(p, pkg, url, err);
    else if (src && from_pyodide(p, pkg->base))
        load_pyodide(p, pkg, src);
    else
        rc = load_indexes(p, pkg, err);
    if (rc) {
        package_unload(pkg);
        pkg->loaded = false;
        return rc;
    }
    *out = pkg;
    return PW_OK;
}

/* ------------------------------------------------------------ artifacts */

int pw_provider_artifact(pw_provider *p, pw_package *pkg, size_t i, pw_error *err)
{
    pw_candidate_info *info = &pkg->info[i];
    if (info->artifact_path)
        return PW_OK;
    pw_fetch_request req;
    memset(&req, 0, sizeof(req));
    int rc = pw_fetch_artifact_sized(p->session, info->file->url, info->file->sha256,
                                     info->file->size, &req, err);
    if (rc == PW_OK) {
        info->artifact_path = pw_xstrdup(req.path);
        memcpy(info->sha256, req.sha256, sizeof(info->sha256));
        info->size = (int64_t)req.size;
    }
    pw_fetch_request_free(&req);
    return rc;
}

/* Range requests pay off only for a remote wheel that is not in the cache
 * yet; offline, the cache is all there is. */
static bool remote_metadata_worth_trying(pw_provider *p, const pw_candidate_info *info)
{
    const char *url = info->file->url;
    if (p->lock->request->transfer.offline || info->artifact_path ||
        (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
        return false;
    if (info->file->sha256) {
        pw_error e = {0};
        int cached = pw_fetch_cache_verify(p->session, info->file->sha256, NULL, &e);
        pw_error_clear(&e);
        if (cached == PW_OK)
            return false;
    }
    return true;
}

/* Parses METADATA text into candidate i, checking that it is that wheel's. */
static int install_metadata(pw_package *pkg, size_t i, const char *origin, const pw_buf *text,
                            pw_error *err)
{
    pw_candidate_info *info = &pkg->info[i];
    int rc = pw_metadata_parse(origin, pw_buf_cstr(text), text->len, &info->metadata, err);
    if (rc == PW_OK) {
        info->metadata_loaded = true;
        rc = pw_metadata_check_identity(&info->metadata, info->file->filename, pkg->base,
                                        pkg->candidates[i].version_text, err);
    }
    return rc;
}

static int load_metadata(pw_provider *p, pw_package *pkg, size_t i, pw_error *err)
{
    pw_candidate_info *info = &pkg->info[i];
    if (info->metadata_loaded)
        return PW_OK;
    const pw_index_file *f = info->file;
    pw_buf text = PW_BUF_INIT;
    pw_buf origin = PW_BUF_INIT;
    int rc;
    if (f->has_metadata) {
        /* PEP 658: the METADATA file beside the wheel, no download of the
         * wheel itself. Immutable when its hash is known: cached by hash. */
        pw_buf url = PW_BUF_INIT;
        pw_buf_printf(&url, "%s.metadata", f->url);
        pw_buf_printf(&origin, "%s.metadata", f->filename);
        pw_fetch_request req;
        memset(&req, 0, sizeof(req));
        if (f->metadata_sha256) {
            rc = pw_fetch_artifact(p->session, url.data, f->metadata_sha256, &req, err);
            if (rc == PW_OK)
                rc = pw_read_file(req.path, &text, err);
        } else {
            rc = pw_fetch_page(p->session, url.data, NULL, &req, err);
            if (rc == PW_OK)
                pw_buf_append(&text, req.body.data, req.body.len);
        }
        pw_fetch_request_free(&req);
        pw_buf_free(&url);
    } else {
        pw_buf_printf(&origin, "%s", f->filename);
        rc = PW_EUNSUPPORTED;
        if (remote_metadata_worth_trying(p, info)) {
            /* No PEP 658 file: METADATA through range requests on the zip.
             * Those bytes are not covered by the wheel's sha256: the lock
             * records the index's digest, and every later download of the
             * wheel is verified against it. */
            pw_error rerr = {0};
            rc = pw_remote_wheel_metadata(p->session, f->url, &text, &rerr);
            if (rc != PW_OK)
                pw_report(PW_REPORT_DEBUG, "%s; downloading the wheel instead",
                          pw_error_message(&rerr));
            pw_error_clear(&rerr);
        }
        /* Any failure of the partial read (no ranges, a zip layout it does
         * not handle, a transfer error) leaves the verdict to the verified
         * whole wheel and libzip. */
        if (rc != PW_OK) {
            pw_buf_reset(&text);
            rc = pw_provider_artifact(p, pkg, i, err);
            if (rc == PW_OK)
                rc = pw_wheel_read_metadata(info->artifact_path, f->filename, &text, err);
        }
    }
    if (rc == PW_OK)
        rc = install_metadata(pkg, i, origin.data, &text, err);
    pw_buf_free(&text);
    pw_buf_free(&origin);
    return rc;
}

/* ------------------------------------------------------------ interface */

static pw_specifier_set *own_spec(pw_provider *p, const char *text)
{
    pw_specifier_set *set = pw_xcalloc(1, sizeof(*set));
    if (pw_specifier_set_parse(pw_slice_from(text), set, NULL) != PW_OK)
        memset(set, 0, sizeof(*set));
    PW_GROW(p->owned_specs, p->cap_owned_specs, p->n_owned_specs + 1);
    p->owned_specs[p->n_owned_specs++] = set;
    return set;
}

static void push_dep(pw_provider *p, pw_solver_dep **deps, size_t *n, size_t *cap,
                     const char *package, const pw_specifier_set *spec, const char *origin)
{
    PW_GROW(*deps, *cap, *n + 1);
    (*deps)[*n].package = pw_arena_strdup(&p->arena, package);
    (*deps)[*n].specifiers = spec;
    (*deps)[*n].origin = origin ? pw_arena_strdup(&p->arena, origin) : NULL;
    (*n)++;
}

/* A requirement "foo[a,b]>=1" is three solver packages: foo, foo[a], foo[b]. */
static void push_requirement(pw_provider *p, pw_solver_dep **deps, size_t *n, size_t *cap,
                             const pw_requirement *r)
{
    push_dep(p, deps, n, cap, r->key, &r->specifiers, NULL);
    for (size_t e = 0; e < r->extras.len; e++) {
        char *key = pw_arena_printf(&p->arena, "%s[%s]", r->key, r->extras.items[e]);
        push_dep(p, deps, n, cap, key, &r->specifiers, NULL);
    }
}

static int compute_deps(pw_provider *p, pw_package *pkg, size_t i, pw_error *err)
{
    pw_solver_dep *deps = NULL;
    size_t n = 0, cap = 0;
    if (pkg->extra) {
        char *pin = pw_arena_printf(&p->arena, "===%s", pkg->candidates[i].version_text);
        push_dep(p, &deps, &n, &cap, pkg->base, own_spec(p, pin), NULL);
    }
    if (pkg->kind == PW_PKG_PYODIDE) {
        /* pyodide-lock.json records plain names; extras are not part of it. */
        if (!pkg->extra)
            for (size_t d = 0; d < pkg->pyodide->depends.len; d++) {
                char *key = pw_normalize_name(pkg->pyodide->depends.items[d]);
                push_dep(p, &deps, &n, &cap, key, NULL, NULL);
                free(key);
            }
    } else {
        int rc = load_metadata(p, pkg, i, err);
        if (rc) {
            free(deps);
            return rc;
        }
        const pw_metadata *m = &pkg->info[i].metadata;
        if (pkg->extra && !pw_strlist_contains(&m->provides_extra, pkg->extra))
            pw_report(PW_REPORT_WARN, "%s %s does not provide the extra '%s'", pkg->base,
                      pkg->candidates[i].version_text, pkg->extra);
        for (size_t r = 0; r < m->n_requires_dist; r++) {
            const pw_requirement *req = &m->requires_dist[r];
            bool applies = pkg->extra ? pw_requirement_applies(req, &p->lock->env, pkg->extra) &&
                                            req->marker && pw_marker_mentions_extra(req->marker)
                                      : pw_requirement_applies(req, &p->lock->env, NULL);
            if (!applies)
                continue;
            /* As uv does (pip refuses it for index packages): a URL named by a
             * package is not trusted to pick the artifact; only the user's
             * own requirements may, and then theirs is the one used. */
            if (req->url && !url_of_root(p, req->key)) {
                free(deps);
                return pw_error_set(err, PW_EINVAL,
                                    "%s %s depends on '%s @ %s': a direct URL is allowed only "
                                    "in your own requirements; add '%s @ <url>' there to use it",
                                    pkg->base, pkg->candidates[i].version_text, req->key,
                                    req->url, req->key);
            }
            push_requirement(p, &deps, &n, &cap, req);
        }
    }
    pkg->deps[i] = deps;
    pkg->n_deps[i] = n;
    pkg->deps_loaded[i] = true;
    return PW_OK;
}

static int cb_candidates(void *ctx, const char *package, const pw_solver_candidate **out,
                         size_t *n, pw_error *err)
{
    pw_provider *p = ctx;
    pw_package *pkg = NULL;
    int rc = pw_provider_package(p, package, &pkg, err);
    if (rc)
        return rc;
    if (pkg->kind == PW_PKG_MISSING)
        return pw_error_set(err, PW_ENOTFOUND, "no package named '%s'", package);
    *out = pkg->candidates;
    *n = pkg->n_candidates;
    return PW_OK;
}

static void speculate_candidate(pw_provider *p, pw_package *pkg, size_t i); /* below */

static void fetch_one_metadata(pw_provider *p, pw_package *pkg, size_t i); /* below */

static int cb_dependencies(void *ctx, const char *package, size_t i, const pw_solver_dep **out,
                           size_t *n, pw_error *err)
{
    pw_provider *p = ctx;
    pw_package *pkg = NULL;
    int rc = pw_provider_package(p, package, &pkg, err);
    if (rc)
        return rc;
    if (!pkg->deps_loaded[i]) {
        /* The solver waits on this one: a batch of it, topped up. */
        fetch_one_metadata(p, pkg, i);
        if ((rc = compute_deps(p, pkg, i, err)))
            return rc;
        /* The solver will want most of what these lead to: fetch it all
         * now, in parallel waves, rather than one request per question. */
        speculate_candidate(p, pkg, i);
    }
    *out = pkg->deps[i];
    *n = pkg->n_deps[i];
    return PW_OK;
}

static long cb_preferred(void *ctx, const char *package)
{
    pw_provider *p = ctx;
    if (!p->previous || p->upgrade_all)
        return -1;
    pw_package *pkg = pw_map_get(&p->packages, package);
    if (!pkg || (p->upgrade_packages && pw_strlist_contains(p->upgrade_packages, pkg->base)))
        return -1;
    const pw_lock_package *locked = pw_lock_find(p->previous, pkg->base);
    if (!locked)
        return -1;
    for (size_t i = 0; i < pkg->n_candidates; i++)
        if (strcmp(pkg->candidates[i].version_text, locked->version) == 0)
            return (long)i;
    return -1;
}

/* ---------------------------------------------------------- speculation */

/*
 * What the solver is likely to ask for, fetched before it asks (as uv
 * does): from a set of requirements, the index pages of their packages in
 * one parallel batch, then the PEP 658 metadata of each one's likely
 * candidate in another, then the same for the dependencies of those
 * candidates, wave after wave until nothing new turns up. Each wave is as
 * wide as the dependency graph allows, so a lock costs about (requests /
 * jobs) x latency plus one round trip per page and per metadata level of
 * the graph, instead of a round trip per package.
 *
 * It only fills caches: what the solver is told does not depend on it. A
 * failure is forgotten here; the solver's own request meets it again and
 * reports it with its context.
 */

typedef struct spec_item {
    const char *key;
    const pw_specifier_set *spec; /* NULL: any version */
    pw_package *pkg;
    long candidate;
} spec_item;

/* Which candidate made a requirement; pkg NULL for the roots. */
typedef struct spec_source {
    pw_package *pkg;
    long candidate;
} spec_source;

/* One requirement speculation saw on a package, and who made it. */
typedef struct spec_seen {
    const pw_specifier_set *spec; /* NULL: any version */
    spec_source from;
} spec_seen;

/* What speculation knows of one package: every requirement on it seen so
 * far (from the likely candidates of its dependents). */
typedef struct spec_state {
    spec_seen *seen;
    size_t n, cap;
} spec_state;

/* Whether every requirement seen but the one at `skip` (SIZE_MAX: none)
 * admits v. */
static bool admits_all_but(const spec_state *st, size_t skip, const pw_version *v, bool pre)
{
    for (size_t k = 0; k < st->n; k++)
        if (k != skip && st->seen[k].spec && !pw_specifier_set_contains(st->seen[k].spec, v, pre))
            return false;
    return true;
}

static long likely_for_all_but(const pw_provider *p, const pw_package *pkg, const spec_state *st,
                               size_t skip)
{
    for (int pre = p->pre; pre < 2; pre++)
        for (size_t i = 0; i < pkg->n_candidates; i++)
            if (!pkg->candidates[i].yanked &&
                admits_all_but(st, skip, &pkg->candidates[i].version, pre))
                return (long)i;
    return -1;
}

/* The newest non-yanked candidate that every requirement seen admits (a
 * guess: some of those requirements come from guesses), else -1. */
static long likely_for_all(const pw_provider *p, const pw_package *pkg, const spec_state *st)
{
    return likely_for_all_but(p, pkg, st, SIZE_MAX);
}

static void speculation_free(pw_provider *p)
{
    for (size_t i = 0; i < p->speculated.cap; i++) {
        if (!p->speculated.keys || !p->speculated.keys[i])
            continue;
        spec_state *st = p->speculated.values[i];
        free(st->seen);
        free(st);
    }
    pw_map_free(&p->speculated);
    free(p->walks);
    p->walks = NULL;
    p->n_walks = p->cap_walks = 0;
}

/* Records a requirement on `key`; true when speculation should look at the
 * package (again): it is new, or the requirement narrows what was seen. */
static bool speculation_note(pw_provider *p, const char *key, const pw_specifier_set *spec,
                             spec_source from)
{
    spec_state *st = pw_map_get(&p->speculated, key);
    bool is_new = st == NULL;
    if (is_new) {
        st = pw_xcalloc(1, sizeof(*st));
        pw_map_put(&p->speculated, key, st);
    }
    for (size_t k = 0; k < st->n; k++)
        if (st->seen[k].spec == spec)
            return is_new;
    PW_GROW(st->seen, st->cap, st->n + 1);
    st->seen[st->n++] = (spec_seen){spec, from};
    return is_new || spec != NULL;
}

/* The solver's own rule on a package seen alone: the locked version when
 * the requirement admits it, else the newest non-yanked admitted one
 * (pre-releases only when nothing else is admitted). -1: none. */
static long likely_candidate(pw_provider *p, const pw_package *pkg, const pw_specifier_set *spec)
{
    long pref = cb_preferred(p, pkg->key);
    if (pref >= 0 && (!spec || pw_specifier_set_contains(spec, &pkg->candidates[pref].version, true)))
        return pref;
    for (int pre = p->pre; pre < 2; pre++)
        for (size_t i = 0; i < pkg->n_candidates; i++)
            if (!pkg->candidates[i].yanked &&
                (!spec || pw_specifier_set_contains(spec, &pkg->candidates[i].version, pre)))
                return (long)i;
    return -1;
}

/* Whether candidate i's metadata can be fetched in a batch (PEP 658). */
static bool metadata_wanted(const pw_package *pkg, long i)
{
    if (i < 0 || pkg->kind != PW_PKG_INDEX || pkg->deps_loaded[i])
        return false;
    const pw_candidate_info *info = &pkg->info[i];
    return !info->metadata_loaded && info->file && info->file->has_metadata;
}

/* One batch of PEP 658 files: those with a hash go to the artifact store
 * (as load_metadata would fetch them), the others are pages. */
static void fetch_metadata_batch(pw_provider *p, spec_item *items, size_t n)
{
    pw_fetch_request *art = pw_xcalloc(n + 1, sizeof(*art));
    pw_fetch_request *pages = pw_xcalloc(n + 1, sizeof(*pages));
    size_t *art_of = pw_xcalloc(n + 1, sizeof(size_t));
    size_t *page_of = pw_xcalloc(n + 1, sizeof(size_t));
    char **urls = pw_xcalloc(n + 1, sizeof(char *));
    size_t n_art = 0, n_pages = 0;
    for (size_t k = 0; k < n; k++) {
        spec_item *it = &items[k];
        if (!it->pkg || !metadata_wanted(it->pkg, it->candidate))
            continue;
        const pw_index_file *f = it->pkg->info[it->candidate].file;
        bool duplicate = false; /* extras share their base's candidates */
        for (size_t j = 0; j < k && !duplicate; j++)
            duplicate = items[j].pkg && items[j].candidate >= 0 &&
                        items[j].pkg->info == it->pkg->info && items[j].candidate == it->candidate &&
                        urls[j];
        if (duplicate)
            continue;
        pw_buf url = PW_BUF_INIT;
        pw_buf_printf(&url, "%s.metadata", f->url);
        urls[k] = pw_buf_detach(&url);
        if (f->metadata_sha256) {
            art[n_art].url = urls[k];
            art[n_art].expected_sha256 = f->metadata_sha256;
            art_of[n_art++] = k;
        } else {
            pages[n_pages].url = urls[k];
            page_of[n_pages++] = k;
        }
    }
    pw_error ignored = {0};
    if (n_art)
        pw_fetch_artifacts(p->session, art, n_art, &ignored);
    pw_error_clear(&ignored);
    if (n_pages)
        pw_fetch_pages(p->session, pages, n_pages, &ignored);
    pw_error_clear(&ignored);
    for (size_t r = 0; r < n_art + n_pages; r++) {
        bool is_art = r < n_art;
        pw_fetch_request *req = is_art ? &art[r] : &pages[r - n_art];
        spec_item *it = &items[is_art ? art_of[r] : page_of[r - n_art]];
        pw_buf text = PW_BUF_INIT;
        int rc = req->result;
        if (rc == PW_OK && is_art)
            rc = pw_read_file(req->path, &text, &ignored);
        else if (rc == PW_OK)
            pw_buf_append(&text, req->body.data, req->body.len);
        pw_candidate_info *info = &it->pkg->info[it->candidate];
        if (rc == PW_OK) {
            pw_buf origin = PW_BUF_INIT;
            pw_buf_printf(&origin, "%s.metadata", info->file->filename);
            rc = install_metadata(it->pkg, (size_t)it->candidate, origin.data, &text, &ignored);
            pw_buf_free(&origin);
        }
        if (rc != PW_OK) {
            /* Unreadable or not this wheel's: load_metadata will say so,
             * in context, when the solver asks. */
            pw_metadata_free(&info->metadata);
            memset(&info->metadata, 0, sizeof(info->metadata));
            info->metadata_loaded = false;
        }
        pw_error_clear(&ignored);
        pw_buf_free(&text);
        pw_fetch_request_free(req);
    }
    for (size_t k = 0; k < n; k++)
        free(urls[k]);
    free(urls);
    free(art_of);
    free(page_of);
    free(art);
    free(pages);
}

/* Dependencies of the likely candidate, when they need no transfer. */
static void speculate_deps(pw_provider *p, const spec_item *it, spec_item **next, size_t *n_next,
                           size_t *cap_next)
{
    pw_package *pkg = it->pkg;
    long i = it->candidate;
    if (!pkg || i < 0)
        return;
    if (!pkg->deps_loaded[i]) {
        if (pkg->kind == PW_PKG_INDEX && !pkg->info[i].metadata_loaded)
            return;
        /* compute_deps warns of a missing extra; that warning belongs to
         * a choice the solver makes, not to a guess. */
        if (pkg->extra && pkg->kind != PW_PKG_PYODIDE &&
            !pw_strlist_contains(&pkg->info[i].metadata.provides_extra, pkg->extra))
            return;
        pw_error ignored = {0};
        int rc = compute_deps(p, pkg, (size_t)i, &ignored);
        pw_error_clear(&ignored);
        if (rc)
            return;
    }
    for (size_t d = 0; d < pkg->n_deps[i]; d++) {
        const pw_solver_dep *dep = &pkg->deps[i][d];
        if (!speculation_note(p, dep->package, dep->specifiers, (spec_source){pkg, i}))
            continue;
        PW_GROW(*next, *cap_next, *n_next + 1);
        (*next)[(*n_next)++] = (spec_item){dep->package, dep->specifiers, NULL, -1};
    }
}

/* How many older versions come in one round trip when the solver walks
 * down a package's versions (pw_provider_upcoming), or is expected to
 * (queue_conflicts). Eight instead of three only added requests (200
 * projects, docs/benchmarks.md section 9). */
#ifndef UPCOMING_WINDOW
#define UPCOMING_WINDOW 3
#endif

/* The next older candidates of `src` that its own requirements seen so
 * far admit, for the wave being fetched. */
static void queue_older(pw_provider *p, spec_source src, spec_item **cur, size_t *n_cur,
                        size_t *cap_cur)
{
    pw_package *pkg = src.pkg;
    const spec_state *st = pw_map_get(&p->speculated, pkg->key);
    size_t window = UPCOMING_WINDOW;
    for (size_t i = (size_t)src.candidate + 1; i < pkg->n_candidates && window > 0; i++) {
        if (pkg->candidates[i].yanked ||
            (st && !admits_all_but(st, SIZE_MAX, &pkg->candidates[i].version, p->pre)))
            continue;
        window--;
        if (!metadata_wanted(pkg, (long)i))
            continue;
        PW_GROW(*cur, *cap_cur, *n_cur + 1);
        (*cur)[(*n_cur)++] = (spec_item){pkg->key, NULL, pkg, (long)i};
    }
}

/* Most walks remembered for the idle-slot filler: the newest matter, and
 * a bounded list keeps each top-up cheap. */
#define WALKS_KEPT 64

/* Remembers that the solver may walk down `src.pkg`'s versions older than
 * `src.candidate` (a conflict maker, a decision off the newest): the idle
 * slots of later batches fetch them. Newest last. */
static void walks_note(pw_provider *p, spec_source src)
{
    if (!src.pkg || src.candidate < 0 || p->shadow)
        return;
    size_t k = 0;
    while (k < p->n_walks && p->walks[k].pkg != src.pkg)
        k++;
    if (k == p->n_walks && p->n_walks == WALKS_KEPT)
        k = 0; /* forget the oldest */
    if (k < p->n_walks) {
        memmove(&p->walks[k], &p->walks[k + 1], (p->n_walks - k - 1) * sizeof(*p->walks));
        p->n_walks--;
    }
    PW_GROW(p->walks, p->cap_walks, p->n_walks + 1);
    p->walks[p->n_walks++] = src;
}

static bool batch_has(const spec_item *items, size_t n, const pw_package *pkg, long i)
{
    for (size_t k = 0; k < n; k++)
        if (items[k].pkg && items[k].pkg->info == pkg->info && items[k].candidate == i)
            return true;
    return false;
}

/* A batch of fewer than -j metadata files leaves transfers idle for a
 * whole round trip (request logs: hundreds of slots of one to three
 * requests after the wide waves). They cost no wall time when filled, so
 * the rest of the batch takes the next older versions of the walks most
 * recently noted, a window each; the solver then finds them cached when it
 * backtracks there. Only their metadata: following their dependencies
 * would fetch pages, which a warm lock revalidates. */
static void fetch_metadata(pw_provider *p, spec_item *items, size_t n)
{
    const pw_transfer_options *t = &p->lock->request->transfer;
    size_t jobs = t->jobs > 0 ? (size_t)t->jobs : PW_FETCH_DEFAULT_JOBS;
    size_t wanted = 0;
    for (size_t k = 0; k < n; k++)
        if (items[k].pkg && metadata_wanted(items[k].pkg, items[k].candidate))
            wanted++;
    if (p->shadow || t->offline || wanted == 0 || wanted >= jobs || p->n_walks == 0) {
        fetch_metadata_batch(p, items, n);
        return;
    }
    spec_item *all = pw_xcalloc(n + jobs, sizeof(*all));
    memcpy(all, items, n * sizeof(*items));
    size_t n_all = n;
    for (size_t w = p->n_walks; w-- > 0 && wanted < jobs;) {
        pw_package *pkg = p->walks[w].pkg;
        const spec_state *st = pw_map_get(&p->speculated, pkg->key);
        size_t window = UPCOMING_WINDOW;
        for (size_t i = (size_t)p->walks[w].candidate + 1;
             i < pkg->n_candidates && window > 0 && wanted < jobs; i++) {
            if (pkg->candidates[i].yanked ||
                (st && !admits_all_but(st, SIZE_MAX, &pkg->candidates[i].version, p->pre)))
                continue;
            if (!metadata_wanted(pkg, (long)i) || batch_has(all, n_all, pkg, (long)i))
                continue;
            window--;
            all[n_all++] = (spec_item){pkg->key, NULL, pkg, (long)i};
            wanted++;
        }
    }
    fetch_metadata_batch(p, all, n_all);
    free(all);
}

/* A failure is left to load_metadata, which asks again and reports it. */
static void fetch_one_metadata(pw_provider *p, pw_package *pkg, size_t i)
{
    if (!metadata_wanted(pkg, (long)i))
        return;
    spec_item it = {pkg->key, NULL, pkg, (long)i};
    fetch_metadata(p, &it, 1);
}

/* Requirements on one package that no candidate satisfies together: the
 * solver will reject the candidate that made one of them and walk down its
 * versions, a round trip per step, after the wide waves are over (request
 * logs of the generated universe: hundreds of slots carrying one to three
 * requests each). Which maker it rejects is the solver's order; the likely
 * one is the maker of the odd requirement out, the one without which the
 * others agree. Its older versions are fetched now, in the wide waves; with
 * no single odd one, every maker's are. (Every maker's always: measured no
 * faster at -j 32 and 10% slower at -j 8, 1,000 projects.) */
static void queue_conflicts(pw_provider *p, spec_item **cur, size_t *n_cur, size_t *cap_cur)
{
    size_t n_seen = *n_cur;
    for (size_t k = 0; k < n_seen; k++) {
        pw_package *pkg = (*cur)[k].pkg;
        const spec_state *st = pkg ? pw_map_get(&p->speculated, (*cur)[k].key) : NULL;
        if (!st || st->n < 2 || likely_for_all(p, pkg, st) >= 0)
            continue;
        bool any_odd = false;
        for (int all = 0; all < 2 && !any_odd; all++) {
            for (size_t s = 0; s < st->n; s++) {
                spec_source maker = st->seen[s].from;
                if (!maker.pkg || maker.candidate < 0)
                    continue;
                if (!all && likely_for_all_but(p, pkg, st, s) < 0) {
                    /* Not the likely one; the solver may still reject it. */
                    walks_note(p, maker);
                    continue;
                }
                any_odd = true;
                queue_older(p, maker, cur, n_cur, cap_cur);
            }
        }
    }
}

/* Wave after wave from `cur` (heap, taken over) until nothing new turns up. */
static void speculate_waves(pw_provider *p, spec_item *cur, size_t n_cur, size_t cap_cur)
{
    spec_item *next = NULL;
    size_t n_next = 0, cap_next = 0;
    while (n_cur > 0) {
        pw_strlist keys = PW_STRLIST_INIT;
        for (size_t k = 0; k < n_cur; k++)
            pw_strlist_push(&keys, cur[k].key);
        pw_provider_prefetch(p, &keys);
        pw_strlist_free(&keys);
        for (size_t k = 0; k < n_cur; k++) {
            pw_error ignored = {0};
            pw_package *pkg = NULL;
            int rc = pw_provider_package(p, cur[k].key, &pkg, &ignored);
            pw_error_clear(&ignored);
            if (rc || pkg->kind == PW_PKG_MISSING)
                continue;
            cur[k].pkg = pkg;
            /* First seen: as the solver would pick for this requirement.
             * Seen again with another requirement: the newest that all of
             * them admit, which is where the solver is heading. */
            const spec_state *st = pw_map_get(&p->speculated, cur[k].key);
            long all = st && st->n > 1 ? likely_for_all(p, pkg, st) : -1;
            cur[k].candidate = all >= 0 ? all : likely_candidate(p, pkg, cur[k].spec);
        }
        /* The shadow walk follows every candidate, not only the likely
         * one: what the last lock read when it backtracked is cached too,
         * and its pages are as stale. Offline, a candidate whose metadata
         * is not in the store costs a failed lookup. */
        size_t n_likely = n_cur;
        for (size_t k = 0; p->shadow && k < n_likely; k++) {
            pw_package *pkg = cur[k].pkg;
            for (size_t i = 0; pkg && i < pkg->n_candidates; i++) {
                if ((long)i == cur[k].candidate || !metadata_wanted(pkg, (long)i))
                    continue;
                PW_GROW(cur, cap_cur, n_cur + 1);
                cur[n_cur++] = (spec_item){cur[k].key, cur[k].spec, pkg, (long)i};
            }
        }
        /* The shadow follows every cached candidate already. */
        if (!p->shadow)
            queue_conflicts(p, &cur, &n_cur, &cap_cur);
        fetch_metadata(p, cur, n_cur);
        n_next = 0;
        for (size_t k = 0; k < n_cur; k++)
            speculate_deps(p, &cur[k], &next, &n_next, &cap_next);
        spec_item *t = cur;
        cur = next;
        next = t;
        size_t tc = cap_cur;
        cap_cur = cap_next;
        cap_next = tc;
        n_cur = n_next;
    }
    free(cur);
    free(next);
}

static void speculate_from(pw_provider *p, spec_source from, const pw_solver_dep *deps, size_t n)
{
    spec_item *cur = NULL;
    size_t n_cur = 0, cap_cur = 0;
    for (size_t d = 0; d < n; d++) {
        if (!deps[d].package || !speculation_note(p, deps[d].package, deps[d].specifiers, from))
            continue;
        PW_GROW(cur, cap_cur, n_cur + 1);
        cur[n_cur++] = (spec_item){deps[d].package, deps[d].specifiers, NULL, -1};
    }
    speculate_waves(p, cur, n_cur, cap_cur);
}

void pw_provider_speculate(pw_provider *p, const pw_solver_dep *deps, size_t n)
{
    speculate_from(p, (spec_source){NULL, -1}, deps, n);
}

static void speculate_candidate(pw_provider *p, pw_package *pkg, size_t i)
{
    speculate_from(p, (spec_source){pkg, (long)i}, pkg->deps[i], pkg->n_deps[i]);
}

/* The solver's hint: the candidates it would choose now for the packages
 * next in line (after a conflict, often not the ones guessed). Their
 * metadata comes in one round trip, then what their dependencies lead to. */
void pw_provider_upcoming(void *ctx, const pw_solver_hint *hints, size_t n)
{
    pw_provider *p = ctx;
    spec_item *items = NULL;
    size_t n_items = 0, cap_items = 0;
    for (size_t h = 0; h < n; h++) {
        pw_package *pkg = pw_map_get(&p->packages, hints[h].package);
        long i = (long)hints[h].candidate_index;
        if (!pkg || !pkg->loaded || (size_t)i >= pkg->n_candidates || !metadata_wanted(pkg, i))
            continue;
        /* The first hint is the decision being made. Not the newest: a
         * conflict ruled the newer ones out, and the solver tends to walk
         * down the versions one round trip at a time (uv prefetches a
         * batch of versions then too). */
        size_t window = h == 0 && i > 0 ? UPCOMING_WINDOW : 1;
        for (long k = i; (size_t)k < pkg->n_candidates && window > 0; k++) {
            if (k != i && (pkg->candidates[k].yanked || !metadata_wanted(pkg, k)))
                continue;
            PW_GROW(items, cap_items, n_items + 1);
            items[n_items++] = (spec_item){pkg->key, NULL, pkg, k};
            window--;
        }
    }
    /* Any of these may be rejected next and walked down; the decision
     * being made most likely, so it is noted last (the filler takes the
     * newest walks first). */
    for (size_t h = n; h-- > 0;) {
        pw_package *pkg = pw_map_get(&p->packages, hints[h].package);
        if (pkg && pkg->loaded && hints[h].candidate_index < pkg->n_candidates)
            walks_note(p, (spec_source){pkg, (long)hints[h].candidate_index});
    }
    if (n_items == 0) {
        free(items);
        return;
    }
    fetch_metadata(p, items, n_items);
    spec_item *next = NULL;
    size_t n_next = 0, cap_next = 0;
    for (size_t k = 0; k < n_items; k++)
        speculate_deps(p, &items[k], &next, &n_next, &cap_next);
    free(items);
    speculate_waves(p, next, n_next, cap_next);
}

static bool cb_allow_prereleases(void *ctx, const char *package)
{
    (void)package;
    return ((pw_provider *)ctx)->pre;
}

pw_solver_provider pw_provider_interface(pw_provider *p)
{
    pw_solver_provider sp = {
        .candidates = cb_candidates,
        .dependencies = cb_dependencies,
        .preferred = cb_preferred,
        .allow_prereleases = cb_allow_prereleases,
        .ctx = p,
    };
    return sp;
}

/* ------------------------------------------------------- warm revalidation */

/*
 * A warm lock: every index page is in the HTTP cache, and those past their
 * max-age must be revalidated. Speculation discovers pages a dependency
 * level at a time, so a chain of N packages cost N round trips even when
 * all N answers are 304. The cache already tells what the closure was: a
 * shadow provider, on an offline session over the same cache, walks it
 * (cached pages, whatever their age; metadata from the artifact store) as
 * speculation would, and the pages it read are then revalidated in one
 * parallel batch (up to -j) by the real provider, which keeps them. Where
 * the index changed meanwhile, the real provider works from what the
 * revalidation returned and fetches anything new itself; the shadow only
 * chooses URLs. Pages only backtracking reaches, and PEP 658 files without
 * a hash (fetched as pages), are still revalidated when asked for.
 */
static bool any_remote_index(const pw_provider *p)
{
    for (size_t i = 0; i < p->indexes.len; i++)
        if (strncmp(p->indexes.items[i], "http://", 7) == 0 ||
            strncmp(p->indexes.items[i], "https://", 8) == 0)
            return true;
    return false;
}

void pw_provider_revalidate_closure(pw_provider *p, const pw_solver_dep *deps, size_t n)
{
    const pw_transfer_options *t = &p->lock->request->transfer;
    if (t->offline || t->refresh || !any_remote_index(p))
        return;
    pw_transfer_options offline = *t;
    offline.offline = true;
    pw_provider shadow;
    pw_error ignored = {0};
    if (provider_init(&shadow, p->lock, &offline, &ignored) != PW_OK) {
        pw_error_clear(&ignored);
        pw_provider_free(&shadow);
        return;
    }
    shadow.shadow = true;
    pw_provider_speculate(&shadow, deps, n);
    pw_strlist urls = PW_STRLIST_INIT;
    for (size_t i = 0; i < shadow.pages.cap; i++) {
        if (!shadow.pages.keys || !shadow.pages.keys[i])
            continue;
        const provider_page *page = shadow.pages.values[i];
        if (page->rc == PW_OK && !pw_map_get(&p->pages, shadow.pages.keys[i]))
            pw_strlist_push(&urls, shadow.pages.keys[i]);
    }
    pw_provider_free(&shadow);
    /* The map's order is its hash's; the batch's order need not be the
     * same from run to run, but the lock does not depend on it. */
    pw_strlist_sort(&urls);
    if (urls.len)
        fetch_pages(p, &urls);
    pw_strlist_free(&urls);
}
