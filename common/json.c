#include "common.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void write_string(const char *s, pw_buf *out)
{
    static const char hex[] = "0123456789abcdef";
    pw_buf_putc(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': pw_buf_puts(out, "\\\""); break;
        case '\\': pw_buf_puts(out, "\\\\"); break;
        case '\n': pw_buf_puts(out, "\\n"); break;
        case '\r': pw_buf_puts(out, "\\r"); break;
        case '\t': pw_buf_puts(out, "\\t"); break;
        case '\b': pw_buf_puts(out, "\\b"); break;
        case '\f': pw_buf_puts(out, "\\f"); break;
        default:
            if (*p < 0x20) {
                char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
                pw_buf_append(out, esc, sizeof(esc));
            } else {
                pw_buf_putc(out, (char)*p);
            }
        }
    }
    pw_buf_putc(out, '"');
}

static void write_number(double v, pw_buf *out)
{
    if (isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0)
        pw_buf_printf(out, "%.0f", v);
    else if (isfinite(v))
        pw_buf_printf(out, "%.17g", v);
    else
        pw_buf_puts(out, "null");
}

static void indent(int depth, pw_buf *out)
{
    for (int i = 0; i < depth; i++)
        pw_buf_puts(out, "  ");
}

static int compare_keys(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a;
    const cJSON *y = *(const cJSON *const *)b;
    return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

static void write_value(const cJSON *v, int depth, pw_buf *out)
{
    if (cJSON_IsNull(v)) {
        pw_buf_puts(out, "null");
    } else if (cJSON_IsTrue(v)) {
        pw_buf_puts(out, "true");
    } else if (cJSON_IsFalse(v)) {
        pw_buf_puts(out, "false");
    } else if (cJSON_IsNumber(v)) {
        write_number(v->valuedouble, out);
    } else if (cJSON_IsString(v)) {
        write_string(v->valuestring ? v->valuestring : "", out);
    } else if (cJSON_IsArray(v)) {
        if (!v->child) {
            pw_buf_puts(out, "[]");
            return;
        }
        pw_buf_puts(out, "[\n");
        for (const cJSON *c = v->child; c; c = c->next) {
            indent(depth + 1, out);
            write_value(c, depth + 1, out);
            pw_buf_puts(out, c->next ? ",\n" : "\n");
        }
        indent(depth, out);
        pw_buf_putc(out, ']');
    } else if (cJSON_IsObject(v)) {
        size_t n = 0;
        for (const cJSON *c = v->child; c; c = c->next)
            n++;
        if (n == 0) {
            pw_buf_puts(out, "{}");
            return;
        }
        const cJSON **members = pw_xmalloc(n * sizeof(*members));
        n = 0;
        for (const cJSON *c = v->child; c; c = c->next)
            members[n++] = c;
        qsort(members, n, sizeof(*members), compare_keys);
        pw_buf_puts(out, "{\n");
        for (size_t i = 0; i < n; i++) {
            indent(depth + 1, out);
            write_string(members[i]->string ? members[i]->string : "", out);
            pw_buf_puts(out, ": ");
            write_value(members[i], depth + 1, out);
            pw_buf_puts(out, i + 1 < n ? ",\n" : "\n");
        }
        free(members);
        indent(depth, out);
        pw_buf_putc(out, '}');
    } else {
        pw_buf_puts(out, "null");
    }
}

void pw_json_write(const cJSON *value, pw_buf *out)
{
    write_value(value, 0, out);
    pw_buf_putc(out, '\n');
}

static void line_and_column(const char *text, size_t offset, size_t *line, size_t *column)
{
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *column = 1;
        } else {
            (*column)++;
        }
    }
}

/* Deepest bracket nesting outside strings, and where it first gets there. */
static size_t nesting_depth(const char *text, size_t len, size_t limit, size_t *where)
{
    size_t depth = 0, max = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max) {
                max = depth;
                if (max > limit) {
                    *where = i;
                    return max;
                }
            }
        } else if ((c == ']' || c == '}') && depth) {
            depth--;
        }
    }
    return max;
}

typedef struct json_key {
    const char *text; /* raw, between the quotes */
    size_t len;
    size_t offset;    /* of the opening quote */
} json_key;

static int compare_raw_keys(const void *a, const void *b)
{
    const json_key *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->text, y->text, n);
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

typedef struct json_frame {
    bool object;
    bool want_key;
    json_key *keys;
    size_t n_keys, cap_keys;
} json_frame;

/*
 * What cJSON accepts but a document that decides a result must not hold:
 * the same key twice in an object (JSON.parse, and so wrangler, keeps the
 * last; cJSON's lookups find the first), "\u0000" (cJSON ends the string
 * there: "2025-10-01\u0000x" would read as 2025-10-01), raw control
 * characters and invalid UTF-8 in strings. The text already parsed, so its
 * structure is well formed. Returns the offset of the first problem, or
 * `len` when there is none, with *what saying what it is.
 */
static size_t strict_check(const char *text, size_t len, const char **what)
{
    json_frame *stack = NULL;
    size_t depth = 0, cap = 0, bad = len;
    for (size_t i = 0; i < len && bad == len; i++) {
        char c = text[i];
        if (c == '"') {
            size_t start = i++;
            while (i < len && text[i] != '"' && bad == len) {
                unsigned char u = (unsigned char)text[i];
                if (u == '\\') {
                    if (i + 5 < len && text[i + 1] == 'u' && memcmp(text + i + 2, "0000", 4) == 0) {
                        bad = i;
                        *what = "a NUL character (\\u0000) in a string";
                    }
                    i += 2;
                    continue;
                }
                if (u < 0x20) {
                    bad = i;
                    *what = "a control character in a string";
                    break;
                }
                size_t n = pw_utf8_sequence((const unsigned char *)text + i, len - i);
                if (n == 0) {
                    bad = i;
                    *what = "invalid UTF-8 in a string";
                    break;
                }
                i += n;
            }
            json_frame *top = depth ? &stack[depth - 1] : NULL;
            if (bad == len && top && top->object && top->want_key) {
                if (top->n_keys == top->cap_keys) {
                    top->cap_keys = top->cap_keys ? top->cap_keys * 2 : 8;
                    top->keys = pw_xrealloc(top->keys, top->cap_keys * sizeof(json_key));
                }
                top->keys[top->n_keys++] = (json_key){text + start + 1, i - start - 1, start};
                top->want_key = false;
            }
        } else if (c == '{' || c == '[') {
            if (depth == cap) {
                cap = cap ? cap * 2 : 16;
                stack = pw_xrealloc(stack, cap * sizeof(json_frame));
            }
            stack[depth++] = (json_frame){c == '{', c == '{', NULL, 0, 0};
        } else if (c == ',' && depth && stack[depth - 1].object) {
            stack[depth - 1].want_key = true;
        } else if ((c == '}' || c == ']') && depth) {
            json_frame *top = &stack[--depth];
            if (top->object && top->n_keys > 1) {
                qsort(top->keys, top->n_keys, sizeof(json_key), compare_raw_keys);
                for (size_t k = 1; k < top->n_keys && bad == len; k++)
                    if (top->keys[k].len == top->keys[k - 1].len &&
                        memcmp(top->keys[k].text, top->keys[k - 1].text, top->keys[k].len) == 0) {
                        bad = top->keys[k].offset;
                        *what = "a key that this object already has (JSON.parse would keep "
                                "the last, and so a different value)";
                    }
            }
            free(top->keys);
        }
    }
    while (depth)
        free(stack[--depth].keys);
    free(stack);
    return bad;
}

int pw_json_parse(const char *origin, const char *text, size_t len, cJSON **out, pw_error *err)
{
    const char *end = NULL;
    *out = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    size_t offset = end && end >= text ? (size_t)(end - text) : 0;
    if (root) {
        while (offset < len && (text[offset] == ' ' || text[offset] == '\n' ||
                                text[offset] == '\r' || text[offset] == '\t'))
            offset++;
        if (offset < len && text[offset] != '\0') {
            cJSON_Delete(root);
            root = NULL;
        }
    }
    size_t deep_at = 0;
    if (!root && nesting_depth(text, len, CJSON_NESTING_LIMIT, &deep_at) > CJSON_NESTING_LIMIT) {
        size_t line, column;
        line_and_column(text, deep_at, &line, &column);
        return pw_error_set(err, PW_ELIMIT, "%s:%zu:%zu: JSON nested deeper than %d levels", origin,
                            line, column, CJSON_NESTING_LIMIT);
    }
    if (!root) {
        size_t line, column;
        if (offset > len)
            offset = len;
        line_and_column(text, offset, &line, &column);
        return pw_error_set(err, PW_EINVAL, "%s:%zu:%zu: invalid JSON%s", origin, line, column,
                            offset >= len ? " (unexpected end of input)"
                                          : ", expected a JSON value, ',' or a closing bracket");
    }
    const char *what = NULL;
    size_t bad = strict_check(text, len, &what);
    if (bad < len) {
        cJSON_Delete(root);
        size_t line, column;
        line_and_column(text, bad, &line, &column);
        return pw_error_set(err, PW_EINVAL, "%s:%zu:%zu: %s", origin, line, column, what);
    }
    *out = root;
    return PW_OK;
}

void pw_jsonc_strip(const char *text, size_t len, pw_buf *out)
{
    size_t i = 0;
    pw_buf_reset(out);
    while (i < len) {
        char c = text[i];
        if (c == '"') {
            size_t start = i++;
            while (i < len && text[i] != '"') {
                if (text[i] == '\\' && i + 1 < len)
                    i++;
                i++;
            }
            if (i < len)
                i++;
            pw_buf_append(out, text + start, i - start);
        } else if (c == '/' && i + 1 < len && text[i + 1] == '/') {
            while (i < len && text[i] != '\n') {
                pw_buf_putc(out, ' ');
                i++;
            }
        } else if (c == '/' && i + 1 < len && text[i + 1] == '*') {
            pw_buf_puts(out, "  ");
            i += 2;
            while (i < len && !(text[i] == '*' && i + 1 < len && text[i + 1] == '/')) {
                pw_buf_putc(out, text[i] == '\n' ? '\n' : ' ');
                i++;
            }
            if (i < len) {
                pw_buf_puts(out, "  ");
                i += 2;
            }
        } else if (c == ',') {
            /* A trailing comma before '}' or ']' (allowed in JSONC) becomes a space. */
            size_t j = i + 1;
            while (j < len) {
                if (text[j] == ' ' || text[j] == '\t' || text[j] == '\r' || text[j] == '\n') {
                    j++;
                } else if (text[j] == '/' && j + 1 < len && text[j + 1] == '/') {
                    while (j < len && text[j] != '\n')
                        j++;
                } else if (text[j] == '/' && j + 1 < len && text[j + 1] == '*') {
                    j += 2;
                    while (j + 1 < len && !(text[j] == '*' && text[j + 1] == '/'))
                        j++;
                    j += 2;
                } else {
                    break;
                }
            }
            pw_buf_putc(out, (j < len && (text[j] == '}' || text[j] == ']')) ? ' ' : ',');
            i++;
        } else {
            pw_buf_putc(out, c);
            i++;
        }
    }
    if (!out->data)
        pw_buf_puts(out, "");
}
