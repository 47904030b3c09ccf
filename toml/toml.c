/*
 * A strict TOML 1.0 reader. References: the TOML v1.0.0 specification
 * (https://toml.io/en/v1.0.0) and its ABNF (toml.abnf at tag 1.0.0).
 *
 * The document is validated as UTF-8 first, so the rest of the parser can
 * walk bytes. Values carry flags that implement the specification's
 * redefinition rules:
 *  - a table is EXPLICIT once a [header] (or a [[header]] element) defines
 *    it; a table created only as the parent of a header is implicit and may
 *    still be defined later ("[x.y.z.w]" then "[x]");
 *  - DOTTED tables were created by dotted keys; a header may not define them
 *    but may define sub-tables inside them ("[fruit.apple.texture]");
 *  - FROZEN values (inline tables, static arrays) are complete once parsed.
 */
#include "toml.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    TABLE_EXPLICIT = 1u,
    TABLE_DOTTED = 2u,
    VALUE_FROZEN = 4u,
    ARRAY_OF_TABLES = 8u,
};

/* Tables with more keys than this get a hash index, so that a hostile or
 * merely large document cannot make key lookup quadratic. */
#define LINEAR_LOOKUP_MAX 8

typedef struct toml_entry {
    char *key;
    size_t key_len;
    pw_toml_value *value;
} toml_entry;

struct pw_toml_value {
    pw_toml_type type;
    unsigned flags;
    unsigned depth;
    size_t line;
    union {
        struct {
            char *ptr;
            size_t len;
        } str;
        int64_t integer;
        double number;
        bool boolean;
        struct {
            pw_toml_value **items;
            size_t len, cap;
        } array;
        struct {
            toml_entry *entries;
            size_t len, cap;
            size_t *index; /* entry position + 1; 0 marks an empty slot */
            size_t index_cap;
        } table;
    } u;
};

typedef struct key_part {
    char *text;
    size_t len;
    size_t pos; /* offset in the document, for messages */
} key_part;

typedef struct key_path {
    key_part *parts;
    size_t len, cap;
} key_path;

typedef struct parser {
    const char *origin;
    const char *s;
    size_t len;
    size_t pos;
    size_t *line_starts;
    size_t line_count;
    pw_error *err;
} parser;

/* ------------------------------------------------------------ tree nodes */

static void value_free(pw_toml_value *v)
{
    if (!v)
        return;
    switch (v->type) {
    case PW_TOML_STRING:
    case PW_TOML_DATETIME:
        free(v->u.str.ptr);
        break;
    case PW_TOML_ARRAY:
        for (size_t i = 0; i < v->u.array.len; i++)
            value_free(v->u.array.items[i]);
        free(v->u.array.items);
        break;
    case PW_TOML_TABLE:
        for (size_t i = 0; i < v->u.table.len; i++) {
            free(v->u.table.entries[i].key);
            value_free(v->u.table.entries[i].value);
        }
        free(v->u.table.entries);
        free(v->u.table.index);
        break;
    default:
        break;
    }
    free(v);
}

static uint64_t hash_key(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ull;
    }
    return h;
}

static void index_insert(pw_toml_value *t, size_t entry)
{
    size_t mask = t->u.table.index_cap - 1;
    const toml_entry *e = &t->u.table.entries[entry];
    size_t slot = (size_t)hash_key(e->key, e->key_len) & mask;
    while (t->u.table.index[slot])
        slot = (slot + 1) & mask;
    t->u.table.index[slot] = entry + 1;
}

static void index_rebuild(pw_toml_value *t)
{
    size_t cap = 32;
    while (cap < t->u.table.len * 4)
        cap *= 2;
    free(t->u.table.index);
    t->u.table.index = pw_xcalloc(cap, sizeof(size_t));
    t->u.table.index_cap = cap;
    for (size_t i = 0; i < t->u.table.len; i++)
        index_insert(t, i);
}

static pw_toml_value *table_find(const pw_toml_value *t, const char *key, size_t len)
{
    if (!t->u.table.index) {
        for (size_t i = 0; i < t->u.table.len; i++) {
            const toml_entry *e = &t->u.table.entries[i];
            if (e->key_len == len && memcmp(e->key, key, len) == 0)
                return e->value;
        }
        return NULL;
    }
    size_t mask = t->u.table.index_cap - 1;
    for (size_t slot = (size_t)hash_key(key, len) & mask; t->u.table.index[slot];
         slot = (slot + 1) & mask) {
        const toml_entry *e = &t->u.table.entries[t->u.table.index[slot] - 1];
        if (e->key_len == len && memcmp(e->key, key, len) == 0)
            return e->value;
    }
    return NULL;
}

/* Takes ownership of `key` and `v`. */
static void table_add(pw_toml_value *t, char *key, size_t len, pw_toml_value *v)
{
    PW_GROW(t->u.table.entries, t->u.table.cap, t->u.table.len + 1);
    t->u.table.entries[t->u.table.len++] = (toml_entry){key, len, v};
    if (t->u.table.index) {
        if (t->u.table.len * 2 > t->u.table.index_cap)
            index_rebuild(t);
        else
            index_insert(t, t->u.table.len - 1);
    } else if (t->u.table.len > LINEAR_LOOKUP_MAX) {
        index_rebuild(t);
    }
}

static void array_push(pw_toml_value *a, pw_toml_value *v)
{
    PW_GROW(a->u.array.items, a->u.array.cap, a->u.array.len + 1);
    a->u.array.items[a->u.array.len++] = v;
}

static const char *type_name(const pw_toml_value *v)
{
    switch (v->type) {
    case PW_TOML_STRING: return "a string";
    case PW_TOML_INTEGER: return "an integer";
    case PW_TOML_FLOAT: return "a float";
    case PW_TOML_BOOL: return "a boolean";
    case PW_TOML_DATETIME: return "a date-time";
    case PW_TOML_ARRAY:
        return (v->flags & ARRAY_OF_TABLES) ? "an array of tables" : "an array";
    case PW_TOML_TABLE:
        return (v->flags & VALUE_FROZEN) ? "an inline table" : "a table";
    }
    return "a value";
}

/* --------------------------------------------------------------- errors */

static size_t line_index(const parser *p, size_t off)
{
    size_t lo = 0, hi = p->line_count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->line_starts[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static size_t line_of(const parser *p, size_t off)
{
    return line_index(p, off) + 1;
}

static PW_PRINTF(4, 5) int fail_at(parser *p, size_t off, int code, const char *fmt, ...)
{
    if (off > p->len)
        off = p->len;
    size_t li = line_index(p, off);
    size_t column = 1;
    for (size_t i = p->line_starts[li]; i < off; i++) {
        /* Columns count characters, not bytes: skip UTF-8 continuation bytes. */
        if (((unsigned char)p->s[i] & 0xC0) != 0x80)
            column++;
    }
    pw_buf msg = PW_BUF_INIT;
    pw_buf_printf(&msg, "%s:%zu:%zu: ", p->origin, li + 1, column);
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    pw_error_set(p->err, code, "%s", pw_buf_cstr(&msg));
    pw_buf_free(&msg);
    return code;
}

/* What sits at `off`, for "expected X, found Y" messages. */
static void describe_at(const parser *p, size_t off, pw_buf *out)
{
    if (off >= p->len) {
        pw_buf_puts(out, "end of file");
        return;
    }
    unsigned char c = (unsigned char)p->s[off];
    if (c == '\n' || (c == '\r' && off + 1 < p->len && p->s[off + 1] == '\n'))
        pw_buf_puts(out, "end of line");
    else if (c < 0x20 || c == 0x7f)
        pw_buf_printf(out, "control character U+%04X", c);
    else if (c < 0x80)
        pw_buf_printf(out, "'%c'", c);
    else {
        size_t n = 1;
        while (off + n < p->len && ((unsigned char)p->s[off + n] & 0xC0) == 0x80)
            n++;
        pw_buf_printf(out, "'%.*s'", (int)n, p->s + off);
    }
}

static int fail_expected(parser *p, const char *expected)
{
    pw_buf found = PW_BUF_INIT;
    describe_at(p, p->pos, &found);
    fail_at(p, p->pos, PW_EINVAL, "expected %s, found %s", expected, pw_buf_cstr(&found));
    pw_buf_free(&found);
    return PW_EINVAL;
}

static bool is_bare_key_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

/* Renders parts [0, upto] as a dotted key, quoting parts that are not bare. */
static void format_key(const key_path *k, size_t upto, pw_buf *out)
{
    for (size_t i = 0; i <= upto && i < k->len; i++) {
        const key_part *part = &k->parts[i];
        bool bare = part->len > 0;
        for (size_t j = 0; j < part->len; j++)
            bare = bare && is_bare_key_char((unsigned char)part->text[j]);
        if (i)
            pw_buf_putc(out, '.');
        if (bare) {
            pw_buf_append(out, part->text, part->len);
            continue;
        }
        pw_buf_putc(out, '"');
        for (size_t j = 0; j < part->len; j++) {
            unsigned char c = (unsigned char)part->text[j];
            if (c == '"' || c == '\\')
                pw_buf_printf(out, "\\%c", c);
            else if (c < 0x20 || c == 0x7f)
                pw_buf_printf(out, "\\u%04X", c);
            else
                pw_buf_putc(out, (char)c);
        }
        pw_buf_putc(out, '"');
    }
}

static PW_PRINTF(5, 6) int fail_key(parser *p, const key_path *k, size_t upto, int code,
                                    const char *fmt, ...)
{
    pw_buf what = PW_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&what, fmt, ap);
    va_end(ap);
    pw_buf key = PW_BUF_INIT;
    format_key(k, upto, &key);
    fail_at(p, k->parts[upto].pos, code, "'%s' %s", pw_buf_cstr(&key), pw_buf_cstr(&what));
    pw_buf_free(&key);
    pw_buf_free(&what);
    return code;
}

static int new_value(parser *p, pw_toml_type type, unsigned depth, size_t pos,
                     pw_toml_value **out)
{
    *out = NULL;
    if ((type == PW_TOML_ARRAY || type == PW_TOML_TABLE) && depth > PW_TOML_MAX_DEPTH)
        return fail_at(p, pos, PW_ELIMIT, "nesting deeper than %d arrays and tables",
                       PW_TOML_MAX_DEPTH);
    pw_toml_value *v = pw_xcalloc(1, sizeof(*v));
    v->type = type;
    v->depth = depth;
    v->line = line_of(p, pos);
    *out = v;
    return PW_OK;
}

/* -------------------------------------------------------------- scanning */

static int peek(const parser *p)
{
    return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static int peek_at(const parser *p, size_t off)
{
    return off < p->len ? (unsigned char)p->s[off] : -1;
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t'))
        p->pos++;
}

/* TOML: a newline is LF or CRLF. Returns its length at `off`, 0 if none. */
static size_t newline_len(const parser *p, size_t off)
{
    if (peek_at(p, off) == '\n')
        return 1;
    if (peek_at(p, off) == '\r' && peek_at(p, off + 1) == '\n')
        return 2;
    return 0;
}

static bool is_control(int c)
{
    /* TOML: U+0000..U+0008, U+000A..U+001F and U+007F; tab is allowed. */
    return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

static int skip_comment(parser *p)
{
    if (peek(p) != '#')
        return PW_OK;
    while (p->pos < p->len && !newline_len(p, p->pos)) {
        int c = peek(p);
        if (c == '\r')
            return fail_at(p, p->pos, PW_EINVAL, "a carriage return must be followed by a line feed");
        if (is_control(c))
            return fail_at(p, p->pos, PW_EINVAL,
                           "control character U+%04X is not allowed in a comment", c);
        p->pos++;
    }
    return PW_OK;
}

/* After a key/value pair or a table header only a comment may follow on the
 * same line. */
static int expect_line_end(parser *p, const char *after)
{
    skip_ws(p);
    int rc = skip_comment(p);
    if (rc)
        return rc;
    if (p->pos >= p->len)
        return PW_OK;
    size_t nl = newline_len(p, p->pos);
    if (!nl && peek(p) == '\r')
        return fail_at(p, p->pos, PW_EINVAL, "a carriage return must be followed by a line feed");
    if (!nl) {
        pw_buf what = PW_BUF_INIT;
        pw_buf_printf(&what, "a new line or a comment after %s", after);
        fail_expected(p, pw_buf_cstr(&what));
        pw_buf_free(&what);
        return PW_EINVAL;
    }
    p->pos += nl;
    return PW_OK;
}

/* Inside arrays: whitespace, newlines and comments in any number. */
static int skip_ws_comments_newlines(parser *p)
{
    for (;;) {
        skip_ws(p);
        int rc = skip_comment(p);
        if (rc)
            return rc;
        size_t nl = newline_len(p, p->pos);
        if (!nl)
            return PW_OK;
        p->pos += nl;
    }
}

/* -------------------------------------------------------------- strings */

static void put_utf8(pw_buf *b, uint32_t cp)
{
    char tmp[4];
    size_t n;
    if (cp < 0x80) {
        tmp[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char)(0xC0 | (cp >> 6));
        tmp[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char)(0xE0 | (cp >> 12));
        tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        tmp[0] = (char)(0xF0 | (cp >> 18));
        tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    pw_buf_append(b, tmp, n);
}

/* p->pos is at the backslash. */
static int parse_escape(parser *p, pw_buf *out)
{
    size_t start = p->pos;
    int c = peek_at(p, p->pos + 1);
    size_t digits = 0;
    switch (c) {
    case 'b': pw_buf_putc(out, '\b'); break;
    case 't': pw_buf_putc(out, '\t'); break;
    case 'n': pw_buf_putc(out, '\n'); break;
    case 'f': pw_buf_putc(out, '\f'); break;
    case 'r': pw_buf_putc(out, '\r'); break;
    case '"': pw_buf_putc(out, '"'); break;
    case '\\': pw_buf_putc(out, '\\'); break;
    case 'u': digits = 4; break;
    case 'U': digits = 8; break;
    default: {
        pw_buf found = PW_BUF_INIT;
        describe_at(p, p->pos + 1, &found);
        fail_at(p, start, PW_EINVAL,
                "invalid escape sequence: expected one of \\b \\t \\n \\f \\r \\\" \\\\ "
                "\\uXXXX \\UXXXXXXXX after '\\', found %s",
                pw_buf_cstr(&found));
        pw_buf_free(&found);
        return PW_EINVAL;
    }
    }
    p->pos += 2;
    if (!digits)
        return PW_OK;
    uint32_t cp = 0;
    for (size_t i = 0; i < digits; i++) {
        int h = pw_hex_value(peek(p));
        if (h < 0)
            return fail_at(p, start, PW_EINVAL, "expected %zu hexadecimal digits after '\\%c'",
                           digits, c);
        cp = (cp << 4) | (uint32_t)h;
        p->pos++;
    }
    /* TOML: "The escape codes must be valid Unicode scalar values." */
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return fail_at(p, start, PW_EINVAL,
                       "escape \\%c%0*X is not a Unicode scalar value (expected U+0000..U+D7FF "
                       "or U+E000..U+10FFFF)",
                       c, (int)digits, (unsigned)cp);
    put_utf8(out, cp);
    return PW_OK;
}

static int parse_basic_string(parser *p, pw_buf *out)
{
    size_t start = p->pos++;
    for (;;) {
        int c = peek(p);
        if (c < 0)
            return fail_at(p, start, PW_EINVAL, "unterminated string: expected a closing '\"'");
        if (c == '"') {
            p->pos++;
            return PW_OK;
        }
        if (c == '\\') {
            int rc = parse_escape(p, out);
            if (rc)
                return rc;
            continue;
        }
        if (c == '\n' || c == '\r')
            return fail_at(p, p->pos, PW_EINVAL,
                           "expected a closing '\"' before the end of the line (use \"\"\" for "
                           "a multi-line string)");
        if (is_control(c))
            return fail_at(p, p->pos, PW_EINVAL,
                           "control character U+%04X must be escaped in a string", c);
        pw_buf_putc(out, (char)c);
        p->pos++;
    }
}

static int parse_literal_string(parser *p, pw_buf *out)
{
    size_t start = p->pos++;
    for (;;) {
        int c = peek(p);
        if (c < 0)
            return fail_at(p, start, PW_EINVAL,
                           "unterminated literal string: expected a closing \"'\"");
        if (c == '\'') {
            p->pos++;
            return PW_OK;
        }
        if (c == '\n' || c == '\r')
            return fail_at(p, p->pos, PW_EINVAL,
                           "expected a closing \"'\" before the end of the line (use ''' for "
                           "a multi-line literal string)");
        if (is_control(c))
            return fail_at(p, p->pos, PW_EINVAL,
                           "control character U+%04X is not allowed in a literal string", c);
        pw_buf_putc(out, (char)c);
        p->pos++;
    }
}

/*
 * Multi-line basic ("""...""") and literal ('''...''') strings. TOML: a
 * newline right after the opening delimiter is trimmed; one or two quotes
 * may appear anywhere, including right before the closing delimiter, so a
 * run of four or five quotes ends the string with one or two quotes of
 * content. Newlines are returned as LF.
 */
static int parse_multiline_string(parser *p, char quote, pw_buf *out)
{
    size_t start = p->pos;
    bool basic = quote == '"';
    p->pos += 3;
    p->pos += newline_len(p, p->pos);
    for (;;) {
        int c = peek(p);
        if (c < 0)
            return fail_at(p, start, PW_EINVAL, "unterminated multi-line string: expected %s",
                           basic ? "\"\"\"" : "'''");
        if (c == quote) {
            size_t run = 0;
            while (peek_at(p, p->pos + run) == quote)
                run++;
            if (run < 3) {
                pw_buf_append(out, p->s + p->pos, run);
                p->pos += run;
                continue;
            }
            if (run > 5)
                return fail_at(p, p->pos, PW_EINVAL,
                               "expected at most five quotes closing a multi-line string "
                               "(escape the others)");
            pw_buf_append(out, p->s + p->pos, run - 3);
            p->pos += run;
            return PW_OK;
        }
        size_t nl = newline_len(p, p->pos);
        if (nl) {
            pw_buf_putc(out, '\n');
            p->pos += nl;
            continue;
        }
        if (basic && c == '\\') {
            /* TOML: a line-ending backslash trims all whitespace and newlines
             * up to the next non-whitespace character. */
            size_t j = p->pos + 1;
            while (peek_at(p, j) == ' ' || peek_at(p, j) == '\t')
                j++;
            if (newline_len(p, j)) {
                while (peek_at(p, j) == ' ' || peek_at(p, j) == '\t' || newline_len(p, j))
                    j += newline_len(p, j) ? newline_len(p, j) : 1;
                p->pos = j;
                continue;
            }
            int rc = parse_escape(p, out);
            if (rc)
                return rc;
            continue;
        }
        if (c == '\r')
            return fail_at(p, p->pos, PW_EINVAL, "a carriage return must be followed by a line feed");
        if (is_control(c))
            return fail_at(p, p->pos, PW_EINVAL,
                           "control character U+%04X is not allowed in a string%s", c,
                           basic ? " (escape it)" : "");
        pw_buf_putc(out, (char)c);
        p->pos++;
    }
}

/* ----------------------------------------------------------------- keys */

static void key_path_free(key_path *k)
{
    for (size_t i = 0; i < k->len; i++)
        free(k->parts[i].text);
    free(k->parts);
    k->parts = NULL;
    k->len = k->cap = 0;
}

static int parse_simple_key(parser *p, key_part *part)
{
    pw_buf text = PW_BUF_INIT;
    int rc = PW_OK;
    int c = peek(p);
    part->pos = p->pos;
    if (c == '"' || c == '\'') {
        if (peek_at(p, p->pos + 1) == c && peek_at(p, p->pos + 2) == c)
            return fail_at(p, p->pos, PW_EINVAL,
                           "expected a key, found a multi-line string (keys are single-line)");
        rc = c == '"' ? parse_basic_string(p, &text) : parse_literal_string(p, &text);
    } else if (is_bare_key_char(c)) {
        while (is_bare_key_char(peek(p)))
            pw_buf_putc(&text, p->s[p->pos++]);
    } else {
        rc = fail_expected(p, "a key (A-Za-z0-9_- or a quoted string)");
    }
    if (rc) {
        pw_buf_free(&text);
        return rc;
    }
    part->len = text.len;
    part->text = text.data ? pw_buf_detach(&text) : pw_xstrdup("");
    return PW_OK;
}

/* TOML: key = simple-key / dotted-key; whitespace around dots is ignored. */
static int parse_key(parser *p, key_path *k)
{
    for (;;) {
        if (k->len >= PW_TOML_MAX_DEPTH)
            return fail_at(p, p->pos, PW_ELIMIT, "key has more than %d dotted parts",
                           PW_TOML_MAX_DEPTH);
        key_part part;
        int rc = parse_simple_key(p, &part);
        if (rc)
            return rc;
        PW_GROW(k->parts, k->cap, k->len + 1);
        k->parts[k->len++] = part;
        skip_ws(p);
        if (peek(p) != '.')
            return PW_OK;
        p->pos++;
        skip_ws(p);
    }
}

/* --------------------------------------------------------------- values */

static int parse_value(parser *p, unsigned depth, pw_toml_value **out);
static int parse_keyval(parser *p, pw_toml_value *table);

static bool digits_at(const parser *p, size_t off, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!pw_is_digit(peek_at(p, off + i)))
            return false;
    return true;
}

static unsigned two_digits(const parser *p, size_t off)
{
    return (unsigned)(p->s[off] - '0') * 10 + (unsigned)(p->s[off + 1] - '0');
}

static bool is_value_end(const parser *p, size_t off)
{
    int c = peek_at(p, off);
    return c < 0 || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ']' ||
           c == '}' || c == '#';
}

/* RFC 3339 partial-time as TOML 1.0 has it: HH:MM:SS with optional
 * fraction; seconds are required. Leap second 60 is accepted as in RFC
 * 3339. Returns the offset after the time, or 0 on error (set). */
static size_t scan_time(parser *p, size_t off)
{
    if (!digits_at(p, off, 2) || peek_at(p, off + 2) != ':' || !digits_at(p, off + 3, 2)) {
        fail_at(p, off, PW_EINVAL, "expected a time HH:MM:SS");
        return 0;
    }
    if (peek_at(p, off + 5) != ':' || !digits_at(p, off + 6, 2)) {
        fail_at(p, off, PW_EINVAL, "expected a time HH:MM:SS (TOML 1.0 requires seconds)");
        return 0;
    }
    unsigned h = two_digits(p, off), m = two_digits(p, off + 3), s = two_digits(p, off + 6);
    if (h > 23 || m > 59 || s > 60) {
        fail_at(p, off, PW_EINVAL,
                "time %02u:%02u:%02u out of range (expected hour 00-23, minute 00-59, second "
                "00-60)",
                h, m, s);
        return 0;
    }
    off += 8;
    if (peek_at(p, off) == '.') {
        if (!pw_is_digit(peek_at(p, off + 1))) {
            fail_at(p, off, PW_EINVAL, "expected digits after the decimal point of the seconds");
            return 0;
        }
        off++;
        while (pw_is_digit(peek_at(p, off)))
            off++;
    }
    return off;
}

static bool is_leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int parse_datetime(parser *p, unsigned depth, pw_toml_value **out)
{
    size_t start = p->pos, off = start;
    if (peek_at(p, off + 2) == ':') {
        /* Local time. */
        off = scan_time(p, off);
        if (!off)
            return PW_EINVAL;
    } else {
        if (!digits_at(p, off, 4) || peek_at(p, off + 4) != '-' || !digits_at(p, off + 5, 2) ||
            peek_at(p, off + 7) != '-' || !digits_at(p, off + 8, 2))
            return fail_at(p, start, PW_EINVAL, "expected a date YYYY-MM-DD");
        unsigned y = two_digits(p, off) * 100 + two_digits(p, off + 2);
        unsigned mo = two_digits(p, off + 5), d = two_digits(p, off + 8);
        static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        if (mo < 1 || mo > 12)
            return fail_at(p, start, PW_EINVAL, "month %02u out of range (expected 01-12)", mo);
        unsigned max = mdays[mo - 1] + (mo == 2 && is_leap(y) ? 1 : 0);
        if (d < 1 || d > max)
            return fail_at(p, start, PW_EINVAL, "day %02u out of range for %04u-%02u (expected 01-%02u)",
                           d, y, mo, max);
        off += 10;
        int c = peek_at(p, off);
        /* RFC 3339 section 5.6, as TOML allows: 'T', 't' or a space between
         * date and time. A space followed by anything else ends a local date. */
        bool time_follows = c == 'T' || c == 't' ||
                            (c == ' ' && digits_at(p, off + 1, 2) && peek_at(p, off + 3) == ':');
        if (time_follows) {
            off = scan_time(p, off + 1);
            if (!off)
                return PW_EINVAL;
            c = peek_at(p, off);
            if (c == 'Z' || c == 'z') {
                off++;
            } else if (c == '+' || c == '-') {
                if (!digits_at(p, off + 1, 2) || peek_at(p, off + 3) != ':' ||
                    !digits_at(p, off + 4, 2))
                    return fail_at(p, off, PW_EINVAL, "expected a time offset +HH:MM or -HH:MM");
                if (two_digits(p, off + 1) > 23 || two_digits(p, off + 4) > 59)
                    return fail_at(p, off, PW_EINVAL,
                                   "time offset out of range (expected hour 00-23, minute 00-59)");
                off += 6;
            }
        }
    }
    if (!is_value_end(p, off)) {
        p->pos = off;
        return fail_expected(p, "the end of the date-time");
    }
    int rc = new_value(p, PW_TOML_DATETIME, depth, start, out);
    if (rc)
        return rc;
    (*out)->u.str.ptr = pw_xstrndup(p->s + start, off - start);
    (*out)->u.str.len = off - start;
    p->pos = off;
    return PW_OK;
}

/* Digits of `base` with single underscores between digits (TOML: "each
 * underscore must be surrounded by at least one digit on each side").
 * Copies the digits to `clean`. Returns the number of digits, or -1. */
static long scan_digits(const char *t, size_t n, size_t *i, int base, pw_buf *clean)
{
    long count = 0;
    bool last_digit = false;
    while (*i < n) {
        int c = (unsigned char)t[*i];
        int v = base == 16 ? pw_hex_value(c) : (pw_is_digit(c) ? c - '0' : -1);
        if (v >= 0 && v < base) {
            pw_buf_putc(clean, (char)c);
            count++;
            last_digit = true;
        } else if (c == '_') {
            if (!last_digit || *i + 1 >= n)
                return -1;
            int next = (unsigned char)t[*i + 1];
            int nv = base == 16 ? pw_hex_value(next) : (pw_is_digit(next) ? next - '0' : -1);
            if (nv < 0 || nv >= base)
                return -1;
            last_digit = false;
        } else {
            break;
        }
        (*i)++;
    }
    return count;
}

static int parse_number(parser *p, unsigned depth, pw_toml_value **out)
{
    size_t start = p->pos, end = start;
    while (end < p->len) {
        int c = (unsigned char)p->s[end];
        if (!(is_bare_key_char(c) || c == '+' || c == '.'))
            break;
        end++;
    }
    const char *tok = p->s + start;
    size_t n = end - start;
    if (n == 0 || !is_value_end(p, end)) {
        p->pos = end;
        return fail_expected(p, "a value (string, number, boolean, date-time, array or "
                                "inline table)");
    }
    size_t i = 0;
    bool negative = false, signed_ = false;
    if (tok[0] == '+' || tok[0] == '-') {
        signed_ = true;
        negative = tok[0] == '-';
        i = 1;
    }
    int rc;
    /* TOML: inf and nan are lowercase and may carry a sign. */
    if (n - i == 3 && (memcmp(tok + i, "inf", 3) == 0 || memcmp(tok + i, "nan", 3) == 0)) {
        rc = new_value(p, PW_TOML_FLOAT, depth, start, out);
        if (rc)
            return rc;
        double v = tok[i] == 'i' ? INFINITY : NAN;
        (*out)->u.number = negative ? -v : v;
        p->pos = end;
        return PW_OK;
    }
    pw_buf clean = PW_BUF_INIT;
    if (n - i >= 2 && tok[i] == '0' && (tok[i + 1] == 'x' || tok[i + 1] == 'o' || tok[i + 1] == 'b')) {
        /* TOML: hex/octal/binary are non-negative, without '+'; leading
         * zeros are allowed after the prefix. */
        int base = tok[i + 1] == 'x' ? 16 : tok[i + 1] == 'o' ? 8 : 2;
        size_t j = i + 2;
        long digits = scan_digits(tok, n, &j, base, &clean);
        if (signed_ || digits <= 0 || j != n) {
            pw_buf_free(&clean);
            return fail_at(p, start, PW_EINVAL,
                           "invalid %s integer '%.*s' (expected 0%c followed by %s digits, "
                           "underscores only between digits, no sign)",
                           base == 16 ? "hexadecimal" : base == 8 ? "octal" : "binary", (int)n,
                           tok, tok[i + 1],
                           base == 16 ? "hexadecimal" : base == 8 ? "octal" : "binary");
        }
        uint64_t v = 0;
        for (size_t k = 0; k < clean.len; k++) {
            uint64_t d = (uint64_t)pw_hex_value((unsigned char)clean.data[k]);
            if (v > ((uint64_t)INT64_MAX - d) / (uint64_t)base) {
                pw_buf_free(&clean);
                return fail_at(p, start, PW_EINVAL,
                               "integer '%.*s' does not fit in a signed 64-bit integer", (int)n,
                               tok);
            }
            v = v * (uint64_t)base + d;
        }
        pw_buf_free(&clean);
        rc = new_value(p, PW_TOML_INTEGER, depth, start, out);
        if (rc)
            return rc;
        (*out)->u.integer = (int64_t)v;
        p->pos = end;
        return PW_OK;
    }
    if (signed_)
        pw_buf_putc(&clean, tok[0]);
    size_t int_start = i;
    long int_digits = scan_digits(tok, n, &i, 10, &clean);
    bool is_float = false;
    const char *problem = NULL;
    if (int_digits <= 0)
        problem = "expected digits";
    else if (tok[int_start] == '0' && i - int_start > 1)
        problem = "leading zeros are not allowed";
    if (!problem && i < n && tok[i] == '.') {
        is_float = true;
        pw_buf_putc(&clean, '.');
        i++;
        if (scan_digits(tok, n, &i, 10, &clean) <= 0)
            problem = "expected digits after the decimal point";
    }
    if (!problem && i < n && (tok[i] == 'e' || tok[i] == 'E')) {
        is_float = true;
        pw_buf_putc(&clean, 'e');
        i++;
        if (i < n && (tok[i] == '+' || tok[i] == '-'))
            pw_buf_putc(&clean, tok[i++]);
        if (scan_digits(tok, n, &i, 10, &clean) <= 0)
            problem = "expected digits in the exponent";
    }
    if (!problem && i != n)
        problem = "unexpected characters (underscores must sit between digits)";
    if (problem) {
        pw_buf_free(&clean);
        return fail_at(p, start, PW_EINVAL, "invalid number '%.*s': %s", (int)n, tok, problem);
    }
    rc = new_value(p, is_float ? PW_TOML_FLOAT : PW_TOML_INTEGER, depth, start, out);
    if (rc) {
        pw_buf_free(&clean);
        return rc;
    }
    errno = 0;
    /* The text is plain ASCII in the C locale's syntax; pwpkg never calls
     * setlocale(LC_NUMERIC), so strtod reads '.' as the decimal point. */
    if (is_float) {
        (*out)->u.number = strtod(clean.data, NULL);
    } else {
        long long v = strtoll(clean.data, NULL, 10);
        if (errno == ERANGE) {
            pw_buf_free(&clean);
            value_free(*out);
            *out = NULL;
            return fail_at(p, start, PW_EINVAL,
                           "integer '%.*s' does not fit in a signed 64-bit integer", (int)n, tok);
        }
        (*out)->u.integer = (int64_t)v;
    }
    pw_buf_free(&clean);
    p->pos = end;
    return PW_OK;
}

static int parse_array(parser *p, unsigned depth, pw_toml_value **out)
{
    pw_toml_value *a;
    int rc = new_value(p, PW_TOML_ARRAY, depth, p->pos, &a);
    if (rc)
        return rc;
    a->flags = VALUE_FROZEN;
    p->pos++;
    for (;;) {
        rc = skip_ws_comments_newlines(p);
        if (rc)
            goto fail;
        if (peek(p) == ']')
            break;
        pw_toml_value *elem;
        rc = parse_value(p, depth + 1, &elem);
        if (rc)
            goto fail;
        array_push(a, elem);
        rc = skip_ws_comments_newlines(p);
        if (rc)
            goto fail;
        if (peek(p) == ',') {
            p->pos++;
            continue;
        }
        if (peek(p) == ']')
            break;
        rc = fail_expected(p, "',' or ']' in the array");
        goto fail;
    }
    p->pos++;
    *out = a;
    return PW_OK;
fail:
    value_free(a);
    return rc;
}

/* TOML: inline tables stay on one line (newlines only inside values), and
 * take no trailing comma. */
static int parse_inline_table(parser *p, unsigned depth, pw_toml_value **out)
{
    pw_toml_value *t;
    int rc = new_value(p, PW_TOML_TABLE, depth, p->pos, &t);
    if (rc)
        return rc;
    p->pos++;
    skip_ws(p);
    if (peek(p) == '}') {
        p->pos++;
        t->flags = VALUE_FROZEN;
        *out = t;
        return PW_OK;
    }
    for (;;) {
        skip_ws(p);
        rc = parse_keyval(p, t);
        if (rc)
            goto fail;
        skip_ws(p);
        if (peek(p) == '}')
            break;
        if (peek(p) != ',') {
            rc = fail_expected(p, "',' or '}' in the inline table (inline tables must stay on "
                                  "one line)");
            goto fail;
        }
        p->pos++;
        skip_ws(p);
        if (peek(p) == '}') {
            rc = fail_at(p, p->pos, PW_EINVAL,
                         "expected a key after ',': inline tables take no trailing comma");
            goto fail;
        }
    }
    p->pos++;
    t->flags = VALUE_FROZEN;
    *out = t;
    return PW_OK;
fail:
    value_free(t);
    return rc;
}

static int parse_value(parser *p, unsigned depth, pw_toml_value **out)
{
    *out = NULL;
    int c = peek(p);
    size_t start = p->pos;
    if (c == '"' || c == '\'') {
        pw_buf text = PW_BUF_INIT;
        int rc;
        if (peek_at(p, p->pos + 1) == c && peek_at(p, p->pos + 2) == c)
            rc = parse_multiline_string(p, (char)c, &text);
        else
            rc = c == '"' ? parse_basic_string(p, &text) : parse_literal_string(p, &text);
        if (!rc)
            rc = new_value(p, PW_TOML_STRING, depth, start, out);
        if (rc) {
            pw_buf_free(&text);
            return rc;
        }
        (*out)->u.str.len = text.len;
        (*out)->u.str.ptr = text.data ? pw_buf_detach(&text) : pw_xstrdup("");
        return PW_OK;
    }
    if (c == '[')
        return parse_array(p, depth, out);
    if (c == '{')
        return parse_inline_table(p, depth, out);
    if (c == 't' || c == 'f') {
        const char *word = c == 't' ? "true" : "false";
        size_t n = strlen(word);
        if (p->len - p->pos >= n && memcmp(p->s + p->pos, word, n) == 0 &&
            is_value_end(p, p->pos + n)) {
            int rc = new_value(p, PW_TOML_BOOL, depth, start, out);
            if (rc)
                return rc;
            (*out)->u.boolean = c == 't';
            p->pos += n;
            return PW_OK;
        }
        return fail_expected(p, "a value (booleans are lowercase 'true' or 'false'; strings "
                                "need quotes)");
    }
    if (digits_at(p, p->pos, 4) && peek_at(p, p->pos + 4) == '-')
        return parse_datetime(p, depth, out);
    if (digits_at(p, p->pos, 2) && peek_at(p, p->pos + 2) == ':')
        return parse_datetime(p, depth, out);
    if (pw_is_digit(c) || c == '+' || c == '-' || c == 'i' || c == 'n')
        return parse_number(p, depth, out);
    return fail_expected(p, "a value (string, number, boolean, date-time, array or inline "
                            "table)");
}

/* ------------------------------------------------------- keys and tables */

/* key = value, into `table` (the current table, or an inline table being
 * built). Dotted keys create DOTTED tables on the way. */
static int parse_keyval(parser *p, pw_toml_value *table)
{
    key_path k = {0};
    int rc = parse_key(p, &k);
    if (rc)
        goto done;
    if (peek(p) != '=') {
        rc = fail_expected(p, "'=' after the key");
        goto done;
    }
    p->pos++;
    skip_ws(p);
    pw_toml_value *t = table;
    for (size_t i = 0; i + 1 < k.len; i++) {
        key_part *part = &k.parts[i];
        pw_toml_value *child = table_find(t, part->text, part->len);
        if (!child) {
            rc = new_value(p, PW_TOML_TABLE, t->depth + 1, part->pos, &child);
            if (rc)
                goto done;
            child->flags = TABLE_DOTTED;
            table_add(t, part->text, part->len, child);
            part->text = NULL;
        } else if (child->type != PW_TOML_TABLE) {
            rc = fail_key(p, &k, i, PW_EINVAL, "is already %s (line %zu), not a table",
                          type_name(child), child->line);
            goto done;
        } else if (child->flags & VALUE_FROZEN) {
            rc = fail_key(p, &k, i, PW_EINVAL,
                          "is an inline table (line %zu); it cannot be extended", child->line);
            goto done;
        } else if (child->flags & TABLE_EXPLICIT) {
            /* TOML: "using dotted keys to redefine tables already defined in
             * [table] form is not allowed". */
            rc = fail_key(p, &k, i, PW_EINVAL,
                          "was defined by a table header on line %zu; dotted keys cannot add to it",
                          child->line);
            goto done;
        } else {
            child->flags |= TABLE_DOTTED;
        }
        t = child;
    }
    key_part *last = &k.parts[k.len - 1];
    pw_toml_value *existing = table_find(t, last->text, last->len);
    if (existing) {
        rc = fail_key(p, &k, k.len - 1, PW_EINVAL, "is defined twice (first on line %zu)",
                      existing->line);
        goto done;
    }
    pw_toml_value *v;
    rc = parse_value(p, t->depth + 1, &v);
    if (rc)
        goto done;
    table_add(t, last->text, last->len, v);
    last->text = NULL;
done:
    key_path_free(&k);
    return rc;
}

/* [a.b.c] or [[a.b.c]]; makes *current the table that follows. */
static int parse_header(parser *p, pw_toml_value *root, pw_toml_value **current)
{
    size_t start = p->pos;
    bool aot = peek_at(p, p->pos + 1) == '[';
    p->pos += aot ? 2 : 1;
    skip_ws(p);
    key_path k = {0};
    int rc = parse_key(p, &k);
    if (rc)
        goto done;
    if (peek(p) != ']' || (aot && peek_at(p, p->pos + 1) != ']')) {
        rc = fail_expected(p, aot ? "']]' closing the array-of-tables header"
                                  : "']' closing the table header");
        goto done;
    }
    p->pos += aot ? 2 : 1;
    pw_toml_value *t = root;
    for (size_t i = 0; i + 1 < k.len; i++) {
        key_part *part = &k.parts[i];
        pw_toml_value *child = table_find(t, part->text, part->len);
        if (!child) {
            rc = new_value(p, PW_TOML_TABLE, t->depth + 1, start, &child);
            if (rc)
                goto done;
            table_add(t, part->text, part->len, child);
            part->text = NULL;
        } else if (child->type == PW_TOML_ARRAY && (child->flags & ARRAY_OF_TABLES)) {
            /* TOML: a reference to an array of tables points to its most
             * recently defined element. */
            child = child->u.array.items[child->u.array.len - 1];
        } else if (child->type != PW_TOML_TABLE) {
            rc = fail_key(p, &k, i, PW_EINVAL, "is already %s (line %zu), not a table",
                          type_name(child), child->line);
            goto done;
        } else if (child->flags & VALUE_FROZEN) {
            rc = fail_key(p, &k, i, PW_EINVAL,
                          "is an inline table (line %zu); it cannot be extended", child->line);
            goto done;
        }
        t = child;
    }
    key_part *last = &k.parts[k.len - 1];
    pw_toml_value *existing = table_find(t, last->text, last->len);
    if (aot) {
        pw_toml_value *array = existing;
        if (!existing) {
            rc = new_value(p, PW_TOML_ARRAY, t->depth + 1, start, &array);
            if (rc)
                goto done;
            array->flags = ARRAY_OF_TABLES;
            table_add(t, last->text, last->len, array);
            last->text = NULL;
        } else if (!(existing->type == PW_TOML_ARRAY && (existing->flags & ARRAY_OF_TABLES))) {
            /* TOML: appending to a statically defined array, even an empty
             * one, or turning a table into an array must produce an error. */
            rc = fail_key(p, &k, k.len - 1, PW_EINVAL,
                          "is already %s (line %zu); it cannot become an array of tables",
                          type_name(existing), existing->line);
            goto done;
        }
        pw_toml_value *elem;
        rc = new_value(p, PW_TOML_TABLE, array->depth + 1, start, &elem);
        if (rc)
            goto done;
        elem->flags = TABLE_EXPLICIT;
        array_push(array, elem);
        *current = elem;
    } else if (!existing) {
        pw_toml_value *table;
        rc = new_value(p, PW_TOML_TABLE, t->depth + 1, start, &table);
        if (rc)
            goto done;
        table->flags = TABLE_EXPLICIT;
        table_add(t, last->text, last->len, table);
        last->text = NULL;
        *current = table;
    } else if (existing->type == PW_TOML_TABLE &&
               !(existing->flags & (TABLE_EXPLICIT | TABLE_DOTTED | VALUE_FROZEN))) {
        /* TOML: defining a super-table after its sub-tables is fine. */
        existing->flags |= TABLE_EXPLICIT;
        existing->line = line_of(p, start);
        *current = existing;
    } else if (existing->type == PW_TOML_TABLE) {
        rc = fail_key(p, &k, k.len - 1, PW_EINVAL, "is already defined (line %zu)%s",
                      existing->line,
                      (existing->flags & TABLE_DOTTED)
                          ? " by dotted keys; a header may only add sub-tables to it"
                          : "; a table cannot be defined twice");
        goto done;
    } else {
        rc = fail_key(p, &k, k.len - 1, PW_EINVAL, "is already %s (line %zu), not a table",
                      type_name(existing), existing->line);
        goto done;
    }
done:
    key_path_free(&k);
    return rc;
}

static int validate_utf8(parser *p)
{
    const unsigned char *s = (const unsigned char *)p->s;
    size_t i = 0;
    while (i < p->len) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            n = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return fail_at(p, i, PW_EINVAL, "invalid UTF-8 byte 0x%02X (TOML must be UTF-8)", c);
        }
        if (p->len - i <= n)
            return fail_at(p, i, PW_EINVAL, "truncated UTF-8 sequence (TOML must be UTF-8)");
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return fail_at(p, i, PW_EINVAL, "invalid UTF-8 sequence (TOML must be UTF-8)");
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return fail_at(p, i, PW_EINVAL,
                           "overlong or out-of-range UTF-8 sequence (TOML must be UTF-8)");
        i += n + 1;
    }
    return PW_OK;
}

int pw_toml_parse(const char *origin, const char *text, size_t len, pw_toml_value **root,
                  pw_error *err)
{
    *root = NULL;
    parser p = {origin ? origin : "<toml>", text ? text : "", text ? len : 0, 0, NULL, 0, err};
    size_t cap = 0;
    PW_GROW(p.line_starts, cap, 1);
    p.line_starts[p.line_count++] = 0;
    for (size_t i = 0; i < p.len; i++) {
        if (p.s[i] == '\n') {
            PW_GROW(p.line_starts, cap, p.line_count + 1);
            p.line_starts[p.line_count++] = i + 1;
        }
    }
    pw_toml_value *doc = NULL;
    int rc = validate_utf8(&p);
    if (!rc && p.len >= 3 && memcmp(p.s, "\xEF\xBB\xBF", 3) == 0)
        /* The TOML grammar has no byte order mark, and Python's tomllib
         * (which pip and build use) rejects one too. */
        rc = fail_at(&p, 0, PW_EINVAL, "expected a key or a table header, found a UTF-8 byte "
                                       "order mark (save the file without BOM)");
    if (!rc)
        rc = new_value(&p, PW_TOML_TABLE, 0, 0, &doc);
    if (!rc)
        doc->flags = TABLE_EXPLICIT;
    pw_toml_value *current = doc;
    while (!rc) {
        skip_ws(&p);
        int c = peek(&p);
        if (c < 0)
            break;
        if (c == '#' || c == '\n' || c == '\r') {
            rc = expect_line_end(&p, "the comment");
        } else if (c == '[') {
            rc = parse_header(&p, doc, &current);
            if (!rc)
                rc = expect_line_end(&p, "the table header");
        } else {
            rc = parse_keyval(&p, current);
            if (!rc)
                rc = expect_line_end(&p, "the value");
        }
    }
    free(p.line_starts);
    if (rc) {
        value_free(doc);
        return rc;
    }
    *root = doc;
    return PW_OK;
}

void pw_toml_free(pw_toml_value *root)
{
    value_free(root);
}

/* ------------------------------------------------------------- accessors */

pw_toml_type pw_toml_type_of(const pw_toml_value *v)
{
    return v ? v->type : PW_TOML_TABLE;
}

const pw_toml_value *pw_toml_get(const pw_toml_value *table, const char *key)
{
    if (!table || table->type != PW_TOML_TABLE || !key)
        return NULL;
    return table_find(table, key, strlen(key));
}

const pw_toml_value *pw_toml_get_path(const pw_toml_value *table, const char *dotted)
{
    if (!dotted)
        return NULL;
    const pw_toml_value *v = table;
    const char *part = dotted;
    for (;;) {
        if (!v || v->type != PW_TOML_TABLE)
            return NULL;
        const char *dot = strchr(part, '.');
        size_t n = dot ? (size_t)(dot - part) : strlen(part);
        v = table_find(v, part, n);
        if (!dot)
            return v;
        part = dot + 1;
    }
}

const char *pw_toml_string(const pw_toml_value *v)
{
    if (!v || (v->type != PW_TOML_STRING && v->type != PW_TOML_DATETIME))
        return NULL;
    return v->u.str.ptr;
}

size_t pw_toml_string_len(const pw_toml_value *v)
{
    if (!v || (v->type != PW_TOML_STRING && v->type != PW_TOML_DATETIME))
        return 0;
    return v->u.str.len;
}

int64_t pw_toml_integer(const pw_toml_value *v)
{
    return v && v->type == PW_TOML_INTEGER ? v->u.integer : 0;
}

double pw_toml_float(const pw_toml_value *v)
{
    return v && v->type == PW_TOML_FLOAT ? v->u.number : 0.0;
}

bool pw_toml_bool(const pw_toml_value *v)
{
    return v && v->type == PW_TOML_BOOL && v->u.boolean;
}

size_t pw_toml_len(const pw_toml_value *v)
{
    if (!v)
        return 0;
    if (v->type == PW_TOML_ARRAY)
        return v->u.array.len;
    if (v->type == PW_TOML_TABLE)
        return v->u.table.len;
    return 0;
}

const pw_toml_value *pw_toml_at(const pw_toml_value *v, size_t i)
{
    if (!v)
        return NULL;
    if (v->type == PW_TOML_ARRAY)
        return i < v->u.array.len ? v->u.array.items[i] : NULL;
    if (v->type == PW_TOML_TABLE)
        return i < v->u.table.len ? v->u.table.entries[i].value : NULL;
    return NULL;
}

const char *pw_toml_key_at(const pw_toml_value *table, size_t i)
{
    if (!table || table->type != PW_TOML_TABLE || i >= table->u.table.len)
        return NULL;
    return table->u.table.entries[i].key;
}

size_t pw_toml_line(const pw_toml_value *v)
{
    return v ? v->line : 0;
}
