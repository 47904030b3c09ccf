/*
 * `pwpkg add` / `pwpkg remove`: edits of requirements.txt and pyproject.toml
 * made as a person would make them. Only the requirement's own bytes change:
 * comments, order, quoting, indentation and trailing-comma style stay, so
 * that an add followed by a remove gives the file back byte for byte.
 *
 * Both editors parse first (with the readers `lock` uses, so what they edit
 * is what `lock` reads), then change the text at the positions found.
 */
#include "input_edit.h"

#include "pyproject.h"
#include "toml.h"

#include <stdlib.h>
#include <string.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* [start, end) of the physical line holding `pos`, end past its '\n'. */
static void line_bounds(const char *text, size_t len, size_t pos, size_t *start, size_t *end)
{
    size_t s = pos;
    while (s > 0 && text[s - 1] != '\n')
        s--;
    size_t e = pos;
    while (e < len && text[e] != '\n')
        e++;
    if (e < len)
        e++;
    *start = s;
    *end = e;
}

/* Offset of the first byte of 1-based line `line`. */
static size_t line_offset(const char *text, size_t len, size_t line)
{
    size_t off = 0;
    for (size_t l = 1; l < line && off < len; off++)
        if (text[off] == '\n')
            l++;
    return off;
}

static void splice(const char *text, size_t len, size_t from, size_t to, const char *insert,
                   pw_buf *out)
{
    pw_buf_reset(out);
    pw_buf_append(out, text, from);
    pw_buf_puts(out, insert);
    pw_buf_append(out, text + to, len - to);
}

/* Moves `from` into `to` (which is emptied first). */
static void buf_move(pw_buf *from, pw_buf *to)
{
    pw_buf_free(to);
    *to = *from;
    *from = (pw_buf)PW_BUF_INIT;
}

static int parse_requirement(const char *spec, pw_requirement *req, pw_error *err)
{
    int rc = pw_requirement_parse(pw_slice_from(spec), req, err);
    if (rc)
        pw_error_wrap(err, "'%s'", spec);
    return rc;
}

/* ----------------------------------------------------------- requirements */

/* No includes: an edit touches only the file it names. */
static int refuse_include(void *ctx, const char *path, pw_buf *out, pw_error *err)
{
    const char *file = ctx;
    return pw_error_set(err, PW_EUNSUPPORTED, "%s includes %s: pwpkg add/remove edit only %s",
                        file, path, file);
}

/* The physical lines of the logical line starting at `line` (backslash
 * continuations), as [start, end) offsets. */
static void logical_line(const char *text, size_t len, size_t line, size_t *start, size_t *end)
{
    size_t s = line_offset(text, len, line), e = s;
    for (;;) {
        size_t ls, le;
        line_bounds(text, len, e, &ls, &le);
        size_t content = le;
        while (content > ls && (text[content - 1] == '\n' || text[content - 1] == '\r'))
            content--;
        e = le;
        if (content == ls || text[content - 1] != '\\' || e >= len)
            break;
    }
    *start = s;
    *end = e;
}

int pw_requirements_edit(const char *path, const char *text, size_t len, const char *spec,
                         bool remove, pw_buf *out, pw_error *err)
{
    pw_requirement wanted;
    int rc = parse_requirement(spec, &wanted, err);
    if (rc)
        return rc;
    pw_reqfile_io io = {.read_file = refuse_include, .ctx = (void *)path};
    pw_reqfile rf;
    rc = pw_reqfile_parse_text(path, text, len, &io, &rf, err);
    if (rc) {
        pw_requirement_free(&wanted);
        return rc;
    }
    const pw_reqfile_entry *found = NULL;
    for (size_t i = 0; i < rf.n_requirements && !found; i++)
        if (strcmp(rf.requirements[i].req.key, wanted.key) == 0)
            found = &rf.requirements[i];

    if (remove && !found) {
        rc = pw_error_set(err, PW_ENOTFOUND, "%s: %s is not a requirement here", path,
                          wanted.name);
    } else if (found) {
        size_t s, e;
        logical_line(text, len, found->line, &s, &e);
        bool newline = e > s && text[e - 1] == '\n';
        if (remove) {
            /* The last line without a newline takes the one before it. */
            if (!newline && s > 0)
                s--;
            splice(text, len, s, e, "", out);
        } else {
            pw_buf line = PW_BUF_INIT;
            pw_buf_puts(&line, spec);
            /* keep a comment that follows the requirement on its line */
            const char *comment = NULL;
            for (size_t k = s; k + 1 < e && !comment; k++)
                if (is_blank(text[k]) && text[k + 1] == '#')
                    comment = text + k;
            while (comment && comment > text + s && is_blank(comment[-1]))
                comment--;
            if (comment) {
                size_t clen = (size_t)(text + e - comment) - (newline ? 1 : 0);
                pw_buf_append(&line, comment, clen);
            }
            if (newline)
                pw_buf_putc(&line, '\n');
            splice(text, len, s, e, pw_buf_cstr(&line), out);
            pw_buf_free(&line);
        }
    } else {
        pw_buf_reset(out);
        pw_buf_append(out, text, len);
        if (len > 0 && text[len - 1] != '\n') {
            pw_buf_putc(out, '\n');
            pw_buf_puts(out, spec);
        } else {
            pw_buf_printf(out, "%s\n", spec);
        }
    }
    pw_reqfile_free(&rf);
    pw_requirement_free(&wanted);
    return rc;
}

/* --------------------------------------------------------------- pyproject */

typedef struct array_item {
    size_t start, end; /* the string literal, quotes included */
    size_t comma;      /* offset of the comma after it, or SIZE_MAX */
} array_item;

typedef struct array_span {
    size_t open, close; /* offsets of '[' and ']' */
    array_item *items;
    size_t n;
} array_span;

/* A TOML array of one-line strings, from its '['; false for anything else
 * (multi-line strings, nested values): those are left to a person. */
static bool scan_array(const char *text, size_t len, size_t open, array_span *a)
{
    memset(a, 0, sizeof(*a));
    a->open = open;
    size_t cap = 0, i = open + 1;
    for (;;) {
        while (i < len && (is_blank(text[i]) || text[i] == '\n' || text[i] == '\r'))
            i++;
        if (i < len && text[i] == '#') {
            while (i < len && text[i] != '\n')
                i++;
            continue;
        }
        if (i >= len)
            return false;
        if (text[i] == ']') {
            a->close = i;
            return true;
        }
        if (text[i] == ',' && a->n > 0 && a->items[a->n - 1].comma == SIZE_MAX) {
            a->items[a->n - 1].comma = i++;
            continue;
        }
        char quote = text[i];
        if (quote != '"' && quote != '\'')
            return false;
        if (i + 2 < len && text[i + 1] == quote && text[i + 2] == quote)
            return false; /* multi-line string */
        size_t s = i++;
        while (i < len && text[i] != quote && text[i] != '\n') {
            if (quote == '"' && text[i] == '\\' && i + 1 < len)
                i++;
            i++;
        }
        if (i >= len || text[i] != quote)
            return false;
        i++;
        PW_GROW(a->items, cap, a->n + 1);
        a->items[a->n++] = (array_item){s, i, SIZE_MAX};
    }
}

/* The requirement written as a TOML string, in the quotes it needs. */
static void toml_quote(const char *spec, char preferred, pw_buf *out)
{
    bool has_double = strchr(spec, '"') != NULL, has_single = strchr(spec, '\'') != NULL;
    char q = preferred == '\'' && !has_single ? '\'' : (has_double && !has_single ? '\'' : '"');
    pw_buf_putc(out, q);
    for (const char *c = spec; *c; c++) {
        if (q == '"' && (*c == '"' || *c == '\\'))
            pw_buf_putc(out, '\\');
        pw_buf_putc(out, *c);
    }
    pw_buf_putc(out, q);
}

static bool same_line(const char *text, size_t a, size_t b)
{
    return !memchr(text + a, '\n', b - a);
}

static void indentation_of(const char *text, size_t len, size_t pos, pw_buf *out)
{
    size_t s, e;
    line_bounds(text, len, pos, &s, &e);
    for (size_t k = s; k < e && is_blank(text[k]); k++)
        pw_buf_putc(out, text[k]);
}

static void array_add(const char *text, size_t len, const array_span *a, const char *spec,
                      pw_buf *out)
{
    char preferred = a->n ? text[a->items[0].start] : '"';
    pw_buf q = PW_BUF_INIT, ins = PW_BUF_INIT;
    toml_quote(spec, preferred, &q);
    const array_item *last = a->n ? &a->items[a->n - 1] : NULL;
    bool multiline = !same_line(text, last ? last->end : a->open, a->close);
    if (!multiline) {
        size_t at = last ? last->end : a->open + 1;
        pw_buf_printf(&ins, "%s%s", last ? ", " : "", pw_buf_cstr(&q));
        splice(text, len, at, at, pw_buf_cstr(&ins), out);
    } else {
        /* a new line before the one holding ']', indented like the last item */
        size_t close_line, close_end;
        line_bounds(text, len, a->close, &close_line, &close_end);
        bool trailing_comma = !last || last->comma != SIZE_MAX;
        if (last)
            indentation_of(text, len, last->start, &ins);
        else
            pw_buf_puts(&ins, "    ");
        pw_buf_printf(&ins, "%s%s\n", pw_buf_cstr(&q), trailing_comma ? "," : "");
        pw_buf tmp = PW_BUF_INIT;
        splice(text, len, close_line, close_line, pw_buf_cstr(&ins), &tmp);
        if (last && !trailing_comma)
            splice(tmp.data, tmp.len, last->end, last->end, ",", out);
        else
            buf_move(&tmp, out);
        pw_buf_free(&tmp);
    }
    pw_buf_free(&q);
    pw_buf_free(&ins);
}

static void array_remove(const char *text, size_t len, const array_span *a, size_t k,
                         pw_buf *out)
{
    const array_item *it = &a->items[k];
    size_t ls, le;
    line_bounds(text, len, it->start, &ls, &le);
    size_t after = it->comma != SIZE_MAX ? it->comma + 1 : it->end;
    bool alone = true;
    for (size_t c = ls; c < it->start; c++)
        alone = alone && is_blank(text[c]);
    for (size_t c = after; c < le && text[c] != '\n' && text[c] != '#'; c++)
        alone = alone && (is_blank(text[c]) || text[c] == '\r');
    bool last = k + 1 == a->n;
    if (alone) {
        pw_buf tmp = PW_BUF_INIT;
        splice(text, len, ls, le, "", &tmp);
        /* the new last item loses the comma this one did not have */
        const array_item *prev = k > 0 ? &a->items[k - 1] : NULL;
        if (last && it->comma == SIZE_MAX && prev && prev->comma != SIZE_MAX &&
            prev->comma < ls)
            splice(tmp.data, tmp.len, prev->comma, prev->comma + 1, "", out);
        else
            buf_move(&tmp, out);
        pw_buf_free(&tmp);
    } else if (!last) {
        size_t to = after;
        while (to < len && is_blank(text[to]))
            to++;
        splice(text, len, it->start, to, "", out);
    } else {
        size_t from = k > 0 ? a->items[k - 1].end : it->start;
        splice(text, len, from, after, "", out);
    }
}

/* Offset just past the last key line of the table whose header is
 * `header` ("[project]"), or SIZE_MAX when the file has no such header. */
static size_t table_end(const char *text, size_t len, const char *header)
{
    size_t hlen = strlen(header), off = 0, end = SIZE_MAX;
    bool inside = false;
    while (off < len) {
        size_t s = off, e;
        line_bounds(text, len, off, &s, &e);
        size_t c = s;
        while (c < e && is_blank(text[c]))
            c++;
        if (c < e && text[c] == '[') {
            if (inside)
                break;
            inside = e - c >= hlen && memcmp(text + c, header, hlen) == 0;
            if (inside)
                end = e;
        } else if (inside && c < e && text[c] != '#' && text[c] != '\n' && text[c] != '\r') {
            end = e;
        }
        off = e;
    }
    return end;
}

int pw_pyproject_edit(const char *path, const char *text, size_t len,
                      const pw_input_edit_target *target, const char *spec, bool remove,
                      pw_buf *out, pw_error *err)
{
    pw_requirement wanted;
    int rc = parse_requirement(spec, &wanted, err);
    if (rc)
        return rc;
    pw_toml_value *root = NULL;
    if ((rc = pw_toml_parse(path, text, len, &root, err))) {
        pw_requirement_free(&wanted);
        return rc;
    }
    const char *header = "[project]", *key = "dependencies", *where = "[project] dependencies";
    pw_buf where_buf = PW_BUF_INIT;
    if (target && target->kind == PW_EDIT_OPTIONAL) {
        header = "[project.optional-dependencies]";
        key = target->name;
        pw_buf_printf(&where_buf, "[project.optional-dependencies] %s", key);
        where = pw_buf_cstr(&where_buf);
    } else if (target && target->kind == PW_EDIT_GROUP) {
        header = "[dependency-groups]";
        key = target->name;
        pw_buf_printf(&where_buf, "[dependency-groups] %s", key);
        where = pw_buf_cstr(&where_buf);
    }
    const pw_toml_value *table = pw_toml_get_path(
        root, target && target->kind == PW_EDIT_OPTIONAL ? "project.optional-dependencies"
              : target && target->kind == PW_EDIT_GROUP  ? "dependency-groups"
                                                         : "project");
    const pw_toml_value *array = table ? pw_toml_get(table, key) : NULL;
    array_span a = {0};
    if (array && pw_toml_type_of(array) != PW_TOML_ARRAY) {
        rc = pw_error_set(err, PW_EINVAL, "%s:%zu: %s must be an array of strings", path,
                          pw_toml_line(array), where);
        goto done;
    }
    if (array) {
        size_t off = line_offset(text, len, pw_toml_line(array));
        const char *eq = memchr(text + off, '=', len - off);
        const char *open = eq ? memchr(eq, '[', len - (size_t)(eq - text)) : NULL;
        if (!open || !scan_array(text, len, (size_t)(open - text), &a) ||
            a.n != pw_toml_len(array)) {
            rc = pw_error_set(err, PW_EUNSUPPORTED,
                              "%s:%zu: %s is written in a form pwpkg does not edit (only arrays "
                              "of one-line strings); edit it by hand",
                              path, pw_toml_line(array), where);
            goto done;
        }
    }
    size_t found = SIZE_MAX;
    for (size_t i = 0; array && i < pw_toml_len(array) && found == SIZE_MAX; i++) {
        const pw_toml_value *v = pw_toml_at(array, i);
        pw_requirement r;
        pw_error ignored = {0};
        if (pw_toml_type_of(v) == PW_TOML_STRING &&
            pw_requirement_parse(pw_slice_from(pw_toml_string(v)), &r, &ignored) == PW_OK) {
            if (strcmp(r.key, wanted.key) == 0)
                found = i;
            pw_requirement_free(&r);
        }
        pw_error_clear(&ignored);
    }
    if (remove) {
        if (found == SIZE_MAX)
            rc = pw_error_set(err, PW_ENOTFOUND, "%s: %s is not in %s", path, wanted.name, where);
        else
            array_remove(text, len, &a, found, out);
    } else if (found != SIZE_MAX) {
        pw_buf q = PW_BUF_INIT;
        toml_quote(spec, text[a.items[found].start], &q);
        splice(text, len, a.items[found].start, a.items[found].end, pw_buf_cstr(&q), out);
        pw_buf_free(&q);
    } else if (array) {
        array_add(text, len, &a, spec, out);
    } else {
        /* no such key yet: a new line at the end of its table, or a new table */
        pw_buf line = PW_BUF_INIT, q = PW_BUF_INIT;
        toml_quote(spec, '"', &q);
        size_t at = table_end(text, len, header);
        bool unterminated = len && text[len - 1] != '\n';
        if (at == SIZE_MAX) {
            at = len;
            pw_buf_printf(&line, "%s\n%s\n", unterminated ? "\n" : "", header);
        } else if (at == len && unterminated) {
            pw_buf_putc(&line, '\n');
        }
        pw_buf_printf(&line, "%s = [%s]\n", key, pw_buf_cstr(&q));
        splice(text, len, at, at, pw_buf_cstr(&line), out);
        pw_buf_free(&line);
        pw_buf_free(&q);
    }
done:
    free(a.items);
    pw_buf_free(&where_buf);
    pw_toml_free(root);
    pw_requirement_free(&wanted);
    return rc;
}
