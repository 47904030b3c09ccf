#include "lockfile.h"

#include <stdlib.h>
#include <string.h>

static bool str_equal(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static bool strlist_equal(const pw_strlist *a, const pw_strlist *b)
{
    if (a->len != b->len)
        return false;
    for (size_t i = 0; i < a->len; i++)
        if (strcmp(a->items[i], b->items[i]) != 0)
            return false;
    return true;
}

static void add_change(pw_lock_diff *d, enum pw_lock_change_kind kind, const char *name,
                       const char *old_version, const char *new_version, const char *detail)
{
    PW_GROW(d->changes, d->cap, d->len + 1);
    pw_lock_change *c = &d->changes[d->len++];
    c->kind = kind;
    c->name = pw_xstrdup(name);
    c->old_version = old_version ? pw_xstrdup(old_version) : NULL;
    c->new_version = new_version ? pw_xstrdup(new_version) : NULL;
    c->detail = detail ? pw_xstrdup(detail) : NULL;
}

/* The first recorded field, other than version and artifact, that differs. */
static const char *first_modified_field(const pw_lock_package *a, const pw_lock_package *b)
{
    if (!str_equal(a->source, b->source))
        return "source";
    if (!str_equal(a->index, b->index))
        return "index";
    if (!str_equal(a->url, b->url))
        return "url";
    if (a->size != b->size)
        return "size";
    if (!str_equal(a->package_type, b->package_type))
        return "package_type";
    if (!str_equal(a->install_dir, b->install_dir))
        return "install_dir";
    if (!str_equal(a->requires_python, b->requires_python))
        return "requires_python";
    if (!str_equal(a->git_commit, b->git_commit))
        return "git_commit";
    if (!strlist_equal(&a->imports, &b->imports))
        return "imports";
    if (!strlist_equal(&a->dependencies, &b->dependencies))
        return "dependencies";
    if (!strlist_equal(&a->extras, &b->extras))
        return "extras";
    if (!strlist_equal(&a->requested, &b->requested))
        return "requested";
    if (!strlist_equal(&a->required_by, &b->required_by))
        return "required_by";
    return NULL;
}

static void compare_package(const pw_lock_package *a, const pw_lock_package *b,
                            pw_version_cmp_fn cmp, pw_lock_diff *d)
{
    if (!str_equal(a->version, b->version)) {
        int order = cmp ? cmp(a->version, b->version) : strcmp(a->version, b->version);
        add_change(d, order < 0 ? PW_CHANGE_UPGRADED : PW_CHANGE_DOWNGRADED, a->name, a->version,
                   b->version, NULL);
        return;
    }
    if (!str_equal(a->sha256, b->sha256) || !str_equal(a->file_name, b->file_name)) {
        add_change(d, PW_CHANGE_REHASHED, a->name, a->version, b->version,
                   str_equal(a->file_name, b->file_name) ? "sha256" : "file_name");
        return;
    }
    const char *field = first_modified_field(a, b);
    if (field)
        add_change(d, PW_CHANGE_MODIFIED, a->name, a->version, b->version, field);
}

static void compare_release_field(pw_lock_diff *d, const char *field, const char *a,
                                  const char *b)
{
    if (str_equal(a, b))
        return;
    pw_buf line = PW_BUF_INIT;
    pw_buf_printf(&line, "%s: %s -> %s", field, a ? a : "(none)", b ? b : "(none)");
    pw_strlist_push_owned(&d->release_changes, pw_buf_detach(&line));
}

static bool strlist_has(const pw_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

/* "- x" for each item only the old list has, "+ x" for each only the new. */
static void compare_lists(const pw_strlist *old_opts, const pw_strlist *new_opts, pw_strlist *out)
{
    pw_buf line = PW_BUF_INIT;
    for (size_t i = 0; i < old_opts->len; i++) {
        if (strlist_has(new_opts, old_opts->items[i]))
            continue;
        pw_buf_reset(&line);
        pw_buf_printf(&line, "- %s", old_opts->items[i]);
        pw_strlist_push(out, pw_buf_cstr(&line));
    }
    for (size_t i = 0; i < new_opts->len; i++) {
        if (strlist_has(old_opts, new_opts->items[i]))
            continue;
        pw_buf_reset(&line);
        pw_buf_printf(&line, "+ %s", new_opts->items[i]);
        pw_strlist_push(out, pw_buf_cstr(&line));
    }
    pw_buf_free(&line);
}

/* The resolution options as a user would see them change: "- --pre" for
 * one the old lock was made with, "+ --pre" for one the new lock is. */
static void compare_options(pw_lock_diff *d, const pw_lock *a, const pw_lock *b)
{
    if (!a->options.recorded || !b->options.recorded)
        return; /* a lock of schema 1 records none: nothing to compare */
    pw_strlist old_opts = PW_STRLIST_INIT, new_opts = PW_STRLIST_INIT;
    pw_lock_options_describe(&a->options, &old_opts);
    pw_lock_options_describe(&b->options, &new_opts);
    compare_lists(&old_opts, &new_opts, &d->option_changes);
    pw_strlist_free(&old_opts);
    pw_strlist_free(&new_opts);
}

void pw_lock_diff_compute(const pw_lock *old_lock, const pw_lock *new_lock, pw_version_cmp_fn cmp,
                          pw_lock_diff *out)
{
    memset(out, 0, sizeof(*out));
    compare_options(out, old_lock, new_lock);
    compare_lists(&old_lock->requirements, &new_lock->requirements, &out->requirement_changes);
    const pw_lock_release *a = &old_lock->release, *b = &new_lock->release;
    compare_release_field(out, "pyodide", a->pyodide, b->pyodide);
    compare_release_field(out, "index_release", a->index_release, b->index_release);
    compare_release_field(out, "python", a->python, b->python);
    compare_release_field(out, "abi_version", a->abi_version, b->abi_version);
    compare_release_field(out, "platform", a->platform, b->platform);
    compare_release_field(out, "wheel_platform", a->wheel_platform, b->wheel_platform);
    compare_release_field(out, "arch", a->arch, b->arch);
    compare_release_field(out, "index_url", a->index_url, b->index_url);
    compare_release_field(out, "index_sha256", a->index_sha256, b->index_sha256);
    out->inputs_changed = !str_equal(old_lock->inputs_digest, new_lock->inputs_digest);

    /* Both package arrays are sorted by name (pw_lock_sort): merge them. */
    size_t i = 0, j = 0;
    while (i < old_lock->n_packages || j < new_lock->n_packages) {
        const pw_lock_package *p = i < old_lock->n_packages ? &old_lock->packages[i] : NULL;
        const pw_lock_package *q = j < new_lock->n_packages ? &new_lock->packages[j] : NULL;
        int order = !p ? 1 : !q ? -1 : strcmp(p->name, q->name);
        if (order < 0) {
            add_change(out, PW_CHANGE_REMOVED, p->name, p->version, NULL, NULL);
            i++;
        } else if (order > 0) {
            add_change(out, PW_CHANGE_ADDED, q->name, NULL, q->version, NULL);
            j++;
        } else {
            compare_package(p, q, cmp, out);
            i++;
            j++;
        }
    }
}

bool pw_lock_diff_empty(const pw_lock_diff *d)
{
    return d->len == 0 && d->release_changes.len == 0 && d->option_changes.len == 0 &&
           !d->inputs_changed;
}

void pw_lock_diff_free(pw_lock_diff *d)
{
    for (size_t i = 0; i < d->len; i++) {
        free(d->changes[i].name);
        free(d->changes[i].old_version);
        free(d->changes[i].new_version);
        free(d->changes[i].detail);
    }
    free(d->changes);
    pw_strlist_free(&d->release_changes);
    pw_strlist_free(&d->option_changes);
    pw_strlist_free(&d->requirement_changes);
    memset(d, 0, sizeof(*d));
}

const char *pw_lock_change_kind_name(enum pw_lock_change_kind kind)
{
    switch (kind) {
    case PW_CHANGE_ADDED: return "added";
    case PW_CHANGE_REMOVED: return "removed";
    case PW_CHANGE_UPGRADED: return "upgraded";
    case PW_CHANGE_DOWNGRADED: return "downgraded";
    case PW_CHANGE_REHASHED: return "re-hashed";
    case PW_CHANGE_MODIFIED: return "modified";
    }
    return "changed";
}

static char change_sigil(enum pw_lock_change_kind kind)
{
    switch (kind) {
    case PW_CHANGE_ADDED: return '+';
    case PW_CHANGE_REMOVED: return '-';
    case PW_CHANGE_UPGRADED: return '^';
    case PW_CHANGE_DOWNGRADED: return 'v';
    case PW_CHANGE_REHASHED: return '#';
    case PW_CHANGE_MODIFIED: return '~';
    }
    return '?';
}

static void format_versions(const pw_lock_change *c, pw_buf *out)
{
    if (c->old_version && c->new_version && strcmp(c->old_version, c->new_version) != 0)
        pw_buf_printf(out, "%s -> %s", c->old_version, c->new_version);
    else
        pw_buf_puts(out, c->new_version ? c->new_version : c->old_version ? c->old_version : "");
}

void pw_lock_diff_format_text(const pw_lock_diff *d, pw_buf *out)
{
    for (size_t i = 0; i < d->release_changes.len; i++)
        pw_buf_printf(out, "  release %s\n", d->release_changes.items[i]);
    for (size_t i = 0; i < d->option_changes.len; i++)
        pw_buf_printf(out, "  option %s\n", d->option_changes.items[i]);
    for (size_t i = 0; i < d->requirement_changes.len; i++)
        pw_buf_printf(out, "  requirement %s\n", d->requirement_changes.items[i]);
    if (d->inputs_changed && !d->requirement_changes.len)
        pw_buf_puts(out, "  inputs changed (hashes, constraints or options in the requirements "
                         "files)\n");
    for (size_t i = 0; i < d->len; i++) {
        const pw_lock_change *c = &d->changes[i];
        pw_buf_printf(out, "  %c %s ", change_sigil(c->kind), c->name);
        format_versions(c, out);
        pw_buf_printf(out, " (%s", pw_lock_change_kind_name(c->kind));
        if (c->detail)
            pw_buf_printf(out, ": %s", c->detail);
        pw_buf_puts(out, ")\n");
    }
}

void pw_lock_diff_format_markdown(const pw_lock_diff *d, pw_buf *out)
{
    if (pw_lock_diff_empty(d)) {
        pw_buf_puts(out, "No changes to `pwpkg.lock`.\n");
        return;
    }
    for (size_t i = 0; i < d->release_changes.len; i++)
        pw_buf_printf(out, "- Release %s\n", d->release_changes.items[i]);
    for (size_t i = 0; i < d->option_changes.len; i++)
        pw_buf_printf(out, "- Option `%s` %s\n", d->option_changes.items[i] + 2,
                      d->option_changes.items[i][0] == '+' ? "added" : "removed");
    for (size_t i = 0; i < d->requirement_changes.len; i++)
        pw_buf_printf(out, "- Requirement `%s` %s\n", d->requirement_changes.items[i] + 2,
                      d->requirement_changes.items[i][0] == '+' ? "added" : "removed");
    if (d->release_changes.len || d->option_changes.len || d->requirement_changes.len)
        pw_buf_putc(out, '\n');
    if (d->len == 0)
        return;
    pw_buf_puts(out, "| Package | Change | Before | After |\n|---|---|---|---|\n");
    for (size_t i = 0; i < d->len; i++) {
        const pw_lock_change *c = &d->changes[i];
        pw_buf_printf(out, "| `%s` | %s%s%s | %s | %s |\n", c->name, pw_lock_change_kind_name(c->kind),
                      c->detail ? ": " : "", c->detail ? c->detail : "",
                      c->old_version ? c->old_version : "", c->new_version ? c->new_version : "");
    }
}
