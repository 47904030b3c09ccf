#include "lockfile.h"

#include <stdlib.h>
#include <string.h>

static bool package_is_root(const pw_lock_package *p)
{
    return p->requested.len > 0;
}

static void tree_node(const pw_lock *lock, const pw_lock_package *p, int depth, bool *shown,
                      pw_buf *out)
{
    size_t index = (size_t)(p - lock->packages);
    for (int i = 0; i < depth; i++)
        pw_buf_puts(out, i + 1 == depth ? "└─ " : "   ");
    pw_buf_printf(out, "%s %s", p->name, p->version);
    if (strcmp(p->source, "pyodide") != 0)
        pw_buf_printf(out, " [%s]", p->source);
    if (shown[index]) {
        pw_buf_puts(out, p->dependencies.len ? " (*)\n" : "\n");
        return;
    }
    pw_buf_putc(out, '\n');
    shown[index] = true;
    for (size_t d = 0; d < p->dependencies.len; d++) {
        const pw_lock_package *dep = pw_lock_find(lock, p->dependencies.items[d]);
        if (dep)
            tree_node(lock, dep, depth + 1, shown, out);
        else
            pw_buf_printf(out, "%*s└─ %s (not in the lock)\n", 3 * depth, "",
                          p->dependencies.items[d]);
    }
}

void pw_lock_format_tree(const pw_lock *lock, pw_buf *out)
{
    bool *shown = pw_xcalloc(lock->n_packages + 1, sizeof(bool));
    for (size_t i = 0; i < lock->n_packages; i++)
        if (package_is_root(&lock->packages[i]))
            tree_node(lock, &lock->packages[i], 0, shown, out);
    free(shown);
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
