/*
 * PEP 440 versions and version specifiers.
 *
 * The grammar follows the PEP's normalization rules as the reference
 * implementation (pypa/packaging) reads them: each optional part accepts
 * one separator before its label and one after it, even when no number
 * follows, so "1.0a." and "1.0.dev-" parse (as 1.0a0 and 1.0.dev0) exactly
 * as pip parses them. The specifier semantics are the PEP's literal text as
 * packaging >= 26.1 implements it: "<V" only hides pre-releases of V itself
 * and ">V" only hides post-releases and local versions of V itself.
 *
 * Choices where the PEP leaves room:
 *  - pw_version keeps no original spelling, so "===" compares against the
 *    normalized text of the candidate, and also against its published text
 *    when the caller passes it (pw_specifier_set_contains_raw);
 *  - "===" needs a non-empty value (packaging accepts "===" alone, which can
 *    never match a version anyway);
 *  - empty items of a specifier list (">=1.0,,<2") are skipped, as packaging
 *    does.
 */
#include "pep440.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Error messages quote the input; a pathological megabyte of input should
 * not become a megabyte of message. */
#define QUOTE_MAX 120

/*
 * A position inside the text being reported on. `text`/`text_len` is the
 * whole input (a version, or a whole specifier set) so that columns count
 * from its start even when a version sits inside a specifier.
 */
typedef struct cursor {
    const char *text;
    size_t text_len;
    const char *what; /* "version", "specifier" */
    size_t pos;
    size_t end;
} cursor;

static int fail_at(const cursor *c, pw_error *err, int code, size_t pos, const char *fmt, ...)
    PW_PRINTF(5, 6);

static int fail_at(const cursor *c, pw_error *err, int code, size_t pos, const char *fmt, ...)
{
    pw_buf b = PW_BUF_INIT;
    size_t shown = c->text_len > QUOTE_MAX ? QUOTE_MAX : c->text_len;
    pw_buf_printf(&b, "invalid %s '%.*s%s': expected ", c->what, (int)shown,
                  c->text ? c->text : "", shown < c->text_len ? "..." : "");
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    pw_buf_printf(&b, " at column %zu", pos + 1);
    pw_error_set(err, code, "%s", pw_buf_cstr(&b));
    pw_buf_free(&b);
    return code;
}

/* PEP 440: '.', '-' and '_' are interchangeable separators. */
static bool is_sep(char ch) { return ch == '.' || ch == '-' || ch == '_'; }

static char at(const cursor *c, size_t pos) { return pos < c->end ? c->text[pos] : '\0'; }

static int parse_number(cursor *c, pw_error *err, uint64_t *out)
{
    size_t start = c->pos;
    uint64_t n = 0;
    while (c->pos < c->end && pw_is_digit(c->text[c->pos])) {
        unsigned d = (unsigned)(c->text[c->pos] - '0');
        if (n > (UINT64_MAX - d) / 10)
            return fail_at(c, err, PW_ELIMIT, start, "a number below 2^64");
        n = n * 10 + d;
        c->pos++;
    }
    *out = n;
    return 0;
}

typedef struct label {
    const char *text;
    int value;
} label;

/* Longer spellings first so that "preview" is not read as "pre" + "view". */
static const label pre_labels[] = {
    {"alpha", PW_PRE_ALPHA}, {"a", PW_PRE_ALPHA},     {"beta", PW_PRE_BETA}, {"b", PW_PRE_BETA},
    {"preview", PW_PRE_RC},  {"pre", PW_PRE_RC},      {"rc", PW_PRE_RC},     {"c", PW_PRE_RC},
    {NULL, 0},
};
static const label post_labels[] = {{"post", 1}, {"rev", 1}, {"r", 1}, {NULL, 0}};
static const label dev_labels[] = {{"dev", 1}, {NULL, 0}};

/* Case-insensitive match of one of `labels` at `pos`; returns its length. */
static size_t match_label(const cursor *c, size_t pos, const label *labels, int *value)
{
    for (const label *l = labels; l->text; l++) {
        size_t n = strlen(l->text);
        if (c->end - pos < n)
            continue;
        size_t i = 0;
        while (i < n && pw_ascii_lower(c->text[pos + i]) == l->text[i])
            i++;
        if (i == n) {
            *value = l->value;
            return n;
        }
    }
    return 0;
}

/*
 * One optional "[sep]label[sep][N]" part. Returns 1 when present (number in
 * *number, 0 when implicit), 0 when absent, negative on error.
 */
static int parse_labelled(cursor *c, const label *labels, int *value, uint64_t *number,
                          pw_error *err)
{
    size_t p = c->pos;
    if (p < c->end && is_sep(c->text[p]))
        p++;
    size_t n = p < c->end ? match_label(c, p, labels, value) : 0;
    if (n == 0)
        return 0;
    c->pos = p + n;
    *number = 0; /* PEP 440: an omitted number is implicitly 0 */
    if (is_sep(at(c, c->pos)))
        c->pos++;
    if (pw_is_digit(at(c, c->pos))) {
        int rc = parse_number(c, err, number);
        if (rc < 0)
            return rc;
    }
    return 1;
}

static int parse_local(cursor *c, pw_version *v, pw_error *err)
{
    for (;;) {
        size_t start = c->pos;
        bool all_digits = true;
        while (c->pos < c->end && pw_is_alnum(c->text[c->pos])) {
            if (!pw_is_digit(c->text[c->pos]))
                all_digits = false;
            c->pos++;
        }
        size_t len = c->pos - start;
        if (len == 0)
            return fail_at(c, err, PW_EINVAL, start, "a local version segment (letters and digits)");
        if (v->local_len == PW_VERSION_MAX_LOCAL)
            return fail_at(c, err, PW_ELIMIT, start, "at most %d local version segments",
                           PW_VERSION_MAX_LOCAL);
        pw_local_segment *seg = &v->local[v->local_len++];
        if (all_digits) {
            seg->is_number = true;
            c->pos = start;
            int rc = parse_number(c, err, &seg->number);
            if (rc < 0)
                return rc;
        } else {
            if (len >= sizeof(seg->text))
                return fail_at(c, err, PW_ELIMIT, start,
                               "a local version segment of at most %zu characters",
                               sizeof(seg->text) - 1);
            for (size_t i = 0; i < len; i++)
                seg->text[i] = pw_ascii_lower(c->text[start + i]);
            seg->text[len] = '\0';
        }
        /* PEP 440: '-' and '_' in local versions normalize to '.' */
        if (!is_sep(at(c, c->pos)))
            return 0;
        c->pos++;
    }
}

/* Parses the version in c->pos..c->end (surrounding whitespace allowed). */
static int parse_version(cursor *c, pw_version *v, pw_error *err)
{
    int rc;
    int value;
    uint64_t n = 0;

    memset(v, 0, sizeof(*v));
    while (c->pos < c->end && pw_is_space(c->text[c->pos]))
        c->pos++;
    while (c->end > c->pos && pw_is_space(c->text[c->end - 1]))
        c->end--;

    /* PEP 440: a leading 'v' is allowed and dropped */
    if (pw_ascii_lower(at(c, c->pos)) == 'v')
        c->pos++;
    if (!pw_is_digit(at(c, c->pos)))
        return fail_at(c, err, PW_EINVAL, c->pos, "a release number");
    if ((rc = parse_number(c, err, &n)) < 0)
        return rc;
    if (at(c, c->pos) == '!') {
        v->epoch = n;
        c->pos++;
        if (!pw_is_digit(at(c, c->pos)))
            return fail_at(c, err, PW_EINVAL, c->pos, "a release number after the epoch");
        if ((rc = parse_number(c, err, &n)) < 0)
            return rc;
    }
    v->release[v->release_len++] = n;
    while (at(c, c->pos) == '.' && pw_is_digit(at(c, c->pos + 1))) {
        if (v->release_len == PW_VERSION_MAX_RELEASE)
            return fail_at(c, err, PW_ELIMIT, c->pos + 1, "at most %d release segments",
                           PW_VERSION_MAX_RELEASE);
        c->pos++;
        if ((rc = parse_number(c, err, &v->release[v->release_len])) < 0)
            return rc;
        v->release_len++;
    }

    if ((rc = parse_labelled(c, pre_labels, &value, &n, err)) < 0)
        return rc;
    if (rc) {
        v->pre_kind = (enum pw_pre_kind)value;
        v->pre = n;
    }

    /* PEP 440: "1.0-1" is an implicit post release */
    if (at(c, c->pos) == '-' && pw_is_digit(at(c, c->pos + 1))) {
        c->pos++;
        if ((rc = parse_number(c, err, &v->post)) < 0)
            return rc;
        v->has_post = true;
    } else {
        if ((rc = parse_labelled(c, post_labels, &value, &n, err)) < 0)
            return rc;
        if (rc) {
            v->has_post = true;
            v->post = n;
        }
    }

    if ((rc = parse_labelled(c, dev_labels, &value, &n, err)) < 0)
        return rc;
    if (rc) {
        v->has_dev = true;
        v->dev = n;
    }

    if (at(c, c->pos) == '+') {
        c->pos++;
        if ((rc = parse_local(c, v, err)) < 0)
            return rc;
    }

    if (c->pos == c->end)
        return 0;
    /* PEP 440: nothing but a local version follows a dev release */
    if (v->local_len > 0 || v->has_dev)
        return fail_at(c, err, PW_EINVAL, c->pos, "%sthe end of the version",
                       v->local_len > 0 ? "" : "'+' or ");
    if (is_sep(c->text[c->pos]))
        return fail_at(c, err, PW_EINVAL, c->pos + 1,
                       "a number or a pre-release, post-release or dev-release label after '%c'",
                       c->text[c->pos]);
    return fail_at(c, err, PW_EINVAL, c->pos,
                   "a digit, a pre-release, post-release or dev-release label, '+' or the end "
                   "of the version");
}

int pw_version_parse(pw_slice text, pw_version *out, pw_error *err)
{
    long nul = pw_slice_find_char(text, '\0');
    if (nul >= 0) {
        memset(out, 0, sizeof(*out));
        return pw_error_set(err, PW_EINVAL,
                            "invalid version: a NUL byte at column %ld, expected text", nul + 1);
    }
    cursor c = {text.ptr, text.len, "version", 0, text.len};
    int rc = parse_version(&c, out, err);
    if (rc < 0)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ------------------------------------------------------------ comparison */

static int cmp_u64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b ? 1 : 0; }

/* PEP 440: a dev release of a final release (no pre, no post) sorts before
 * every pre-release of it: 1.0.dev1 < 1.0a1. A release without a pre part
 * sorts after all of its pre-releases. */
static int pre_rank(const pw_version *v)
{
    if (v->pre_kind == PW_PRE_NONE && !v->has_post && v->has_dev)
        return 0;
    if (v->pre_kind != PW_PRE_NONE)
        return (int)v->pre_kind; /* a=1 < b=2 < rc=3 */
    return 4;
}

static int compare_public(const pw_version *a, const pw_version *b)
{
    int r = cmp_u64(a->epoch, b->epoch);
    if (r)
        return r;
    /* PEP 440: trailing zeros are ignored, 1.0 == 1.0.0 */
    size_t n = a->release_len > b->release_len ? a->release_len : b->release_len;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = i < a->release_len ? a->release[i] : 0;
        uint64_t y = i < b->release_len ? b->release[i] : 0;
        if ((r = cmp_u64(x, y)))
            return r;
    }
    int ra = pre_rank(a), rb = pre_rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (ra >= 1 && ra <= 3 && (r = cmp_u64(a->pre, b->pre)))
        return r;
    /* no post release sorts before any post release */
    if (a->has_post != b->has_post)
        return a->has_post ? 1 : -1;
    if (a->has_post && (r = cmp_u64(a->post, b->post)))
        return r;
    /* a dev release sorts before the same version without .devN */
    if (a->has_dev != b->has_dev)
        return a->has_dev ? -1 : 1;
    if (a->has_dev && (r = cmp_u64(a->dev, b->dev)))
        return r;
    return 0;
}

/* PEP 440: numeric local segments sort after alphanumeric ones, and a
 * shorter local version that is a prefix of a longer one sorts first. */
static int compare_local(const pw_version *a, const pw_version *b)
{
    size_t n = a->local_len < b->local_len ? a->local_len : b->local_len;
    for (size_t i = 0; i < n; i++) {
        const pw_local_segment *x = &a->local[i], *y = &b->local[i];
        int r;
        if (x->is_number != y->is_number)
            return x->is_number ? 1 : -1;
        r = x->is_number ? cmp_u64(x->number, y->number) : strcmp(x->text, y->text);
        if (r)
            return r < 0 ? -1 : 1;
    }
    return cmp_u64(a->local_len, b->local_len);
}

int pw_version_compare(const pw_version *a, const pw_version *b)
{
    int r = compare_public(a, b);
    return r ? r : compare_local(a, b);
}

void pw_version_format(const pw_version *v, pw_buf *out)
{
    static const char *const pre_text[] = {"", "a", "b", "rc"};
    if (v->epoch)
        pw_buf_printf(out, "%" PRIu64 "!", v->epoch);
    for (size_t i = 0; i < v->release_len; i++)
        pw_buf_printf(out, "%s%" PRIu64, i ? "." : "", v->release[i]);
    if (v->pre_kind != PW_PRE_NONE)
        pw_buf_printf(out, "%s%" PRIu64, pre_text[v->pre_kind], v->pre);
    if (v->has_post)
        pw_buf_printf(out, ".post%" PRIu64, v->post);
    if (v->has_dev)
        pw_buf_printf(out, ".dev%" PRIu64, v->dev);
    for (size_t i = 0; i < v->local_len; i++) {
        pw_buf_putc(out, i ? '.' : '+');
        if (v->local[i].is_number)
            pw_buf_printf(out, "%" PRIu64, v->local[i].number);
        else
            pw_buf_puts(out, v->local[i].text);
    }
}

bool pw_version_is_prerelease(const pw_version *v)
{
    return v->pre_kind != PW_PRE_NONE || v->has_dev;
}

bool pw_version_is_postrelease(const pw_version *v) { return v->has_post; }

/* ------------------------------------------------------------ specifiers */

typedef struct op_spelling {
    const char *text;
    enum pw_spec_op op;
} op_spelling;

/* "===" before "==", two-character operators before one-character ones. */
static const op_spelling operators[] = {
    {"===", PW_OP_ARBITRARY}, {"~=", PW_OP_COMPATIBLE}, {"==", PW_OP_EQ}, {"!=", PW_OP_NE},
    {"<=", PW_OP_LE},         {">=", PW_OP_GE},         {"<", PW_OP_LT},  {">", PW_OP_GT},
};

static const char *op_text(enum pw_spec_op op)
{
    for (size_t i = 0; i < sizeof(operators) / sizeof(operators[0]); i++)
        if (operators[i].op == op)
            return operators[i].text;
    return "?";
}

static void specifier_free(pw_specifier *spec)
{
    free(spec->arbitrary);
    spec->arbitrary = NULL;
}

/* Parses one specifier in c->pos..c->end, which is not blank. */
static int parse_specifier(cursor *c, pw_specifier *spec, pw_error *err)
{
    memset(spec, 0, sizeof(*spec));
    while (c->pos < c->end && pw_is_space(c->text[c->pos]))
        c->pos++;
    while (c->end > c->pos && pw_is_space(c->text[c->end - 1]))
        c->end--;

    size_t op_len = 0;
    for (size_t i = 0; i < sizeof(operators) / sizeof(operators[0]); i++) {
        size_t n = strlen(operators[i].text);
        if (c->end - c->pos >= n && memcmp(c->text + c->pos, operators[i].text, n) == 0) {
            spec->op = operators[i].op;
            op_len = n;
            break;
        }
    }
    if (op_len == 0)
        return fail_at(c, err, PW_EINVAL, c->pos,
                       "an operator (~=, ==, !=, <=, >=, <, > or ===)");
    c->pos += op_len;
    while (c->pos < c->end && pw_is_space(c->text[c->pos]))
        c->pos++;
    if (c->pos == c->end)
        return fail_at(c, err, PW_EINVAL, c->pos, "a version after '%s'", op_text(spec->op));

    if (spec->op == PW_OP_ARBITRARY) {
        /* PEP 440: === compares strings, so the version is kept as written */
        for (size_t i = c->pos; i < c->end; i++)
            if (pw_is_space(c->text[i]) || c->text[i] == ';' || c->text[i] == ')')
                return fail_at(c, err, PW_EINVAL, i, "no whitespace, ';' or ')' in a === version");
        spec->arbitrary = pw_xstrndup(c->text + c->pos, c->end - c->pos);
        return 0;
    }

    const char *star = memchr(c->text + c->pos, '*', c->end - c->pos);
    if (star) {
        size_t star_pos = (size_t)(star - c->text);
        if (spec->op != PW_OP_EQ && spec->op != PW_OP_NE)
            return fail_at(c, err, PW_EINVAL, star_pos,
                           "no '.*' wildcard after '%s' (only == and != take one)",
                           op_text(spec->op));
        if (star_pos == c->pos || c->text[star_pos - 1] != '.')
            return fail_at(c, err, PW_EINVAL, star_pos, "'.*' (a wildcard follows a '.')");
        if (star_pos + 1 != c->end)
            return fail_at(c, err, PW_EINVAL, star_pos + 1,
                           "the end of the specifier after '.*' (a wildcard cannot carry a "
                           "local version)");
        cursor vc = *c;
        vc.end = star_pos - 1;
        int rc = parse_version(&vc, &spec->version, err);
        if (rc < 0)
            return rc;
        if (vc.end != star_pos - 1)
            return fail_at(c, err, PW_EINVAL, vc.end, "'.*' right after the version");
        /* PEP 440: prefix matching applies to the release segment only */
        if (spec->version.pre_kind != PW_PRE_NONE || spec->version.has_post ||
            spec->version.has_dev || spec->version.local_len > 0)
            return fail_at(c, err, PW_EINVAL, star_pos - 1,
                           "only release numbers before '.*' (no pre, post, dev or local part)");
        spec->wildcard = true;
        return 0;
    }

    size_t version_pos = c->pos;
    int rc = parse_version(c, &spec->version, err);
    if (rc < 0)
        return rc;
    if (spec->op == PW_OP_COMPATIBLE && spec->version.release_len < 2)
        return fail_at(c, err, PW_EINVAL, version_pos,
                       "at least two release numbers after '~=' (as in ~=1.0)");
    if (spec->version.local_len > 0 && spec->op != PW_OP_EQ && spec->op != PW_OP_NE) {
        const char *plus = memchr(c->text + version_pos, '+', c->end - version_pos);
        return fail_at(c, err, PW_EINVAL, plus ? (size_t)(plus - c->text) : version_pos,
                       "a version without a local part after '%s' (only == and != take one)",
                       op_text(spec->op));
    }
    return 0;
}

int pw_specifier_set_parse(pw_slice text, pw_specifier_set *out, pw_error *err)
{
    pw_specifier_set set = PW_SPECIFIER_SET_INIT;
    size_t start = 0;
    *out = set;
    /* A NUL would end the C strings (=== values) that carry it onward. */
    long nul = pw_slice_find_char(text, '\0');
    if (nul >= 0)
        return pw_error_set(err, PW_EINVAL,
                            "invalid specifier: a NUL byte at column %ld, expected text", nul + 1);
    for (size_t i = 0; i <= text.len; i++) {
        if (i < text.len && text.ptr[i] != ',')
            continue;
        cursor c = {text.ptr, text.len, "specifier", start, i};
        start = i + 1;
        while (c.pos < c.end && pw_is_space(c.text[c.pos]))
            c.pos++;
        /* Like packaging, empty items (">=1.0,") are skipped. */
        if (c.pos == c.end)
            continue;
        PW_GROW(set.items, set.cap, set.len + 1);
        int rc = parse_specifier(&c, &set.items[set.len], err);
        if (rc < 0) {
            specifier_free(&set.items[set.len]);
            pw_specifier_set_free(&set);
            return rc;
        }
        set.len++;
    }
    *out = set;
    return 0;
}

void pw_specifier_set_free(pw_specifier_set *set)
{
    for (size_t i = 0; i < set->len; i++)
        specifier_free(&set->items[i]);
    free(set->items);
    set->items = NULL;
    set->len = set->cap = 0;
}

void pw_specifier_set_extend(pw_specifier_set *set, const pw_specifier_set *from)
{
    size_t n = from->len; /* `from` may be `set` itself */
    /* Sized to fit, not PW_GROW's 8: a pw_specifier holds a whole
     * pw_version, most sets have one or two, and a 3,000-package lock keeps
     * tens of thousands of them (37 MB of empty slots before). */
    if (set->len + n > set->cap) {
        size_t cap = set->cap * 2 > set->len + n ? set->cap * 2 : set->len + n;
        set->items = pw_xrealloc(set->items, cap * sizeof(*set->items));
        set->cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        pw_specifier copy = from->items[i];
        if (copy.arbitrary)
            copy.arbitrary = pw_xstrdup(copy.arbitrary);
        set->items[set->len++] = copy;
    }
}

static void specifier_format(const pw_specifier *spec, pw_buf *out)
{
    pw_buf_puts(out, op_text(spec->op));
    if (spec->op == PW_OP_ARBITRARY) {
        pw_buf_puts(out, spec->arbitrary ? spec->arbitrary : "");
        return;
    }
    pw_version_format(&spec->version, out);
    if (spec->wildcard)
        pw_buf_puts(out, ".*");
}

void pw_specifier_set_format(const pw_specifier_set *set, pw_buf *out)
{
    for (size_t i = 0; i < set->len; i++) {
        if (i)
            pw_buf_putc(out, ',');
        specifier_format(&set->items[i], out);
    }
}

/* PEP 440 prefix matching: the candidate's release, padded with zeros,
 * starts with the specifier's release (which carries no pre/post/dev). */
static bool prefix_matches(const pw_version *prefix, size_t prefix_len, const pw_version *v)
{
    if (v->epoch != prefix->epoch)
        return false;
    for (size_t i = 0; i < prefix_len; i++) {
        uint64_t x = i < v->release_len ? v->release[i] : 0;
        if (x != prefix->release[i])
            return false;
    }
    return true;
}

static bool eq_icase(const char *a, size_t a_len, const char *b, size_t b_len)
{
    if (a_len != b_len)
        return false;
    for (size_t i = 0; i < a_len; i++)
        if (pw_ascii_lower(a[i]) != pw_ascii_lower(b[i]))
            return false;
    return true;
}

/* `raw` is the candidate's text as published, when the caller has it. */
static bool arbitrary_matches(const pw_specifier *spec, const pw_version *v, pw_slice raw)
{
    const char *want = spec->arbitrary ? spec->arbitrary : "";
    size_t want_len = strlen(want);
    raw = pw_slice_trim(raw);
    if (raw.len && eq_icase(raw.ptr, raw.len, want, want_len))
        return true;
    pw_buf b = PW_BUF_INIT;
    pw_version_format(v, &b);
    bool match = eq_icase(pw_buf_cstr(&b), b.len, want, want_len);
    pw_buf_free(&b);
    return match;
}

static bool contains(const pw_specifier *spec, const pw_version *v, pw_slice raw)
{
    const pw_version *V = &spec->version;
    int pub = compare_public(v, V);

    switch (spec->op) {
    case PW_OP_ARBITRARY:
        return arbitrary_matches(spec, v, raw);
    case PW_OP_EQ:
    case PW_OP_NE: {
        bool eq;
        if (spec->wildcard)
            eq = prefix_matches(V, V->release_len, v);
        else if (V->local_len == 0)
            eq = pub == 0; /* PEP 440: ==V ignores the candidate's local part */
        else
            eq = pw_version_compare(v, V) == 0;
        return spec->op == PW_OP_EQ ? eq : !eq;
    }
    case PW_OP_COMPATIBLE:
        if (V->release_len < 2) /* rejected by the parser; never index [-1] */
            return false;
        /* PEP 440: ~=V.N means >=V.N, ==V.* */
        return pub >= 0 && prefix_matches(V, V->release_len - 1, v);
    case PW_OP_LE:
        return pub <= 0;
    case PW_OP_GE:
        return pub >= 0;
    case PW_OP_LT: {
        if (pw_version_compare(v, V) >= 0)
            return false;
        /* PEP 440: <V does not allow a pre-release of V unless V is one;
         * V's pre-releases are the versions from V.dev0 up to V. */
        if (!pw_version_is_prerelease(V) && pw_version_is_prerelease(v)) {
            pw_version earliest = *V;
            earliest.has_dev = true;
            earliest.dev = 0;
            earliest.local_len = 0;
            if (pw_version_compare(v, &earliest) >= 0)
                return false;
        }
        return true;
    }
    case PW_OP_GT: {
        if (pw_version_compare(v, V) <= 0)
            return false;
        /* PEP 440: >V does not allow a post-release of V unless V is one */
        if (!V->has_post && v->has_post) {
            pw_version base = *v;
            base.has_post = base.has_dev = false;
            base.post = base.dev = 0;
            base.local_len = 0;
            if (compare_public(&base, V) == 0)
                return false;
        }
        /* PEP 440: >V does not match a local version of V */
        if (v->local_len > 0 && pub == 0)
            return false;
        return true;
    }
    }
    return false;
}

bool pw_specifier_contains(const pw_specifier *spec, const pw_version *v)
{
    return contains(spec, v, pw_slice_make(NULL, 0));
}

static bool specifier_mentions_prerelease(const pw_specifier *spec)
{
    /* Excluding a pre-release (!=1.0a1) does not opt into pre-releases. */
    if (spec->op == PW_OP_NE)
        return false;
    if (spec->op != PW_OP_ARBITRARY)
        return pw_version_is_prerelease(&spec->version);
    pw_version v;
    pw_error err = {0, NULL};
    bool pre = spec->arbitrary &&
               pw_version_parse(pw_slice_from(spec->arbitrary), &v, &err) == 0 &&
               pw_version_is_prerelease(&v);
    pw_error_clear(&err);
    return pre;
}

bool pw_specifier_set_mentions_prerelease(const pw_specifier_set *set)
{
    for (size_t i = 0; i < set->len; i++)
        if (specifier_mentions_prerelease(&set->items[i]))
            return true;
    return false;
}

bool pw_specifier_set_contains_raw(const pw_specifier_set *set, const pw_version *v, pw_slice raw,
                                   bool prereleases)
{
    if (pw_version_is_prerelease(v) && !prereleases && !pw_specifier_set_mentions_prerelease(set))
        return false;
    for (size_t i = 0; i < set->len; i++)
        if (!contains(&set->items[i], v, raw))
            return false;
    return true;
}

bool pw_specifier_set_contains(const pw_specifier_set *set, const pw_version *v, bool prereleases)
{
    return pw_specifier_set_contains_raw(set, v, pw_slice_make(NULL, 0), prereleases);
}

int pw_version_cmp_text(const char *a, const char *b)
{
    pw_version va, vb;
    bool ok_a = pw_version_parse(pw_slice_from(a), &va, NULL) == PW_OK;
    bool ok_b = pw_version_parse(pw_slice_from(b), &vb, NULL) == PW_OK;
    if (ok_a && ok_b)
        return pw_version_compare(&va, &vb);
    if (ok_a != ok_b)
        return ok_a ? 1 : -1;
    return strcmp(a, b);
}
