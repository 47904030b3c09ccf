#include "lockfile.h"

#include <stdlib.h>
#include <string.h>

static bool package_is_root(const pw_lock_package *p)
{
    return p->requested.len > 0;
}

typedef struct tree_walk {
    const pw_lock *lock;
    const pw_lock_tree_options *opt;
    bool *shown;
    pw_buf prefix; /* the guides drawn left of the current level */
    pw_buf *out;
} tree_walk;

static const char *glyph(const tree_walk *w, bool last, bool stem)
{
    if (w->opt->ascii)
        return stem ? (last ? "   " : "|  ") : (last ? "`- " : "|- ");
    return stem ? (last ? "   " : "│  ") : (last ? "└─ " : "├─ ");
}

static void format_size(int64_t size, pw_buf *out)
{
    if (size < 0)
        pw_buf_puts(out, "size not locked");
    else if (size < 1024)
        pw_buf_printf(out, "%lld B", (long long)size);
    else if (size < 1024 * 1024)
        pw_buf_printf(out, "%.1f KiB", (double)size / 1024);
    else
        pw_buf_printf(out, "%.1f MiB", (double)size / (1024 * 1024));
}

static void node_label(const tree_walk *w, const pw_lock_package *p, pw_buf *out)
{
    pw_buf_printf(out, "%s %s", p->name, p->version);
    if (strcmp(p->source, PW_SOURCE_PYODIDE) != 0)
        pw_buf_printf(out, " [%s]", p->source);
    if (w->opt->sizes) {
        pw_buf_puts(out, " (");
        format_size(p->size, out);
        pw_buf_putc(out, ')');
    }
}

/* Edges of a node: its dependencies, or with --invert its dependents. */
static const pw_strlist *edges(const tree_walk *w, const pw_lock_package *p)
{
    return w->opt->invert ? &p->required_by : &p->dependencies;
}

static void tree_children(tree_walk *w, const pw_lock_package *p, int depth);

static void tree_node(tree_walk *w, const pw_lock_package *p, int depth, bool last)
{
    size_t index = (size_t)(p - w->lock->packages);
    pw_buf_puts(w->out, pw_buf_cstr(&w->prefix));
    if (depth > 0)
        pw_buf_puts(w->out, glyph(w, last, false));
    node_label(w, p, w->out);
    bool expandable = edges(w, p)->len > 0;
    if (w->shown[index] && expandable) {
        pw_buf_puts(w->out, " (*)\n");
        return;
    }
    pw_buf_putc(w->out, '\n');
    w->shown[index] = true;
    if (w->opt->depth >= 0 && depth >= w->opt->depth)
        return;
    size_t saved = w->prefix.len;
    if (depth > 0)
        pw_buf_puts(&w->prefix, glyph(w, last, true));
    tree_children(w, p, depth);
    w->prefix.len = saved;
    if (w->prefix.data)
        w->prefix.data[saved] = '\0';
}

static void tree_children(tree_walk *w, const pw_lock_package *p, int depth)
{
    const pw_strlist *next = edges(w, p);
    for (size_t d = 0; d < next->len; d++) {
        bool last = d + 1 == next->len;
        const pw_lock_package *dep = pw_lock_find(w->lock, next->items[d]);
        if (dep) {
            tree_node(w, dep, depth + 1, last);
        } else {
            pw_buf_puts(w->out, pw_buf_cstr(&w->prefix));
            pw_buf_printf(w->out, "%s%s (not in the lock)\n", glyph(w, last, false),
                          next->items[d]);
        }
    }
}

int pw_lock_format_tree(const pw_lock *lock, const pw_lock_tree_options *opt, pw_buf *out,
                             pw_error *err)
{
    static const pw_lock_tree_options defaults = {.depth = -1};
    if (!opt)
        opt = &defaults;
    tree_walk w = {lock, opt, pw_xcalloc(lock->n_packages + 1, sizeof(bool)), PW_BUF_INIT, out};
    int rc = PW_OK;
    if (opt->invert) {
        const pw_lock_package *p = pw_lock_find(lock, opt->invert);
        if (!p)
            rc = pw_error_set(err, PW_ENOTFOUND, "%s is not in the lock", opt->invert);
        else
            tree_node(&w, p, 0, true);
    } else {
        for (size_t i = 0; i < lock->n_packages; i++)
            if (package_is_root(&lock->packages[i]))
                tree_node(&w, &lock->packages[i], 0, true);
    }
    pw_buf_free(&w.prefix);
    free(w.shown);
    return rc;
}

/* Shared sub-dependencies (diamonds) multiply the paths: past this many the
 * answer is long enough, and the search must stay bounded. */
#define WHY_MAX_PATHS 200

/* Depth-first search of reverse edges (required_by) up to the roots. */
static void why_paths(const pw_lock *lock, const pw_lock_package *p, pw_strlist *chain,
                      size_t *paths, pw_buf *out)
{
    for (size_t i = 0; i < p->requested.len && *paths < WHY_MAX_PATHS; i++) {
        pw_buf_printf(out, "  %s (requirement)", p->requested.items[i]);
        for (size_t c = chain->len; c-- > 1;)
            pw_buf_printf(out, " -> %s", chain->items[c - 1]);
        pw_buf_putc(out, '\n');
        (*paths)++;
    }
    for (size_t i = 0; i < p->required_by.len && *paths < WHY_MAX_PATHS; i++) {
        const pw_lock_package *parent = pw_lock_find(lock, p->required_by.items[i]);
        /* every package appears at most once on a path: cycles end here */
        if (!parent || pw_strlist_contains(chain, parent->name))
            continue;
        pw_strlist_push(chain, parent->name);
        why_paths(lock, parent, chain, paths, out);
        free(chain->items[--chain->len]);
    }
}

int pw_lock_explain_why(const pw_lock *lock, const char *name, pw_buf *out, pw_error *err)
{
    const pw_lock_package *p = pw_lock_find(lock, name);
    if (!p)
        return pw_error_set(err, PW_ENOTFOUND, "%s is not in the lock", name);
    pw_buf_printf(out, "%s %s is required by:\n", p->name, p->version);
    pw_strlist chain = PW_STRLIST_INIT;
    pw_strlist_push(&chain, p->name);
    size_t paths = 0;
    why_paths(lock, p, &chain, &paths, out);
    pw_strlist_free(&chain);
    if (paths == 0)
        pw_buf_puts(out, "  (nothing: no root requirement leads to it)\n");
    else if (paths >= WHY_MAX_PATHS)
        pw_buf_printf(out, "  (the first %d paths)\n", WHY_MAX_PATHS);
    return PW_OK;
}
