/*
 * PEP 508 dependency specifiers and environment markers.
 *
 * The grammar is the PEP's, read the way pypa/packaging (and so pip) reads
 * it where the PEP leaves room: whitespace is only space and tab, a URL is
 * a run of non-whitespace, a trailing comma after the last specifier is
 * allowed, "and" binds tighter than "or".
 *
 * Markers are kept as a small tree whose and/or nodes are n-ary (chains of
 * "and" do not deepen it), so that only parentheses add depth, and those
 * are limited to PW_MARKER_MAX_DEPTH.
 */
#include "pep508.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ variables */

enum marker_var {
    MV_PYTHON_VERSION,
    MV_PYTHON_FULL_VERSION,
    MV_OS_NAME,
    MV_SYS_PLATFORM,
    MV_PLATFORM_RELEASE,
    MV_PLATFORM_SYSTEM,
    MV_PLATFORM_VERSION,
    MV_PLATFORM_MACHINE,
    MV_PLATFORM_PYTHON_IMPLEMENTATION,
    MV_IMPLEMENTATION_NAME,
    MV_IMPLEMENTATION_VERSION,
    MV_EXTRA,
    MV_COUNT
};

static const char *const var_names[MV_COUNT] = {
    "python_version",    "python_full_version", "os_name",
    "sys_platform",      "platform_release",    "platform_system",
    "platform_version",  "platform_machine",    "platform_python_implementation",
    "implementation_name", "implementation_version", "extra",
};

/* PEP 508 keeps these pre-PEP 345 spellings working as aliases. */
static const struct {
    const char *name;
    enum marker_var var;
} legacy_vars[] = {
    {"os.name", MV_OS_NAME},
    {"sys.platform", MV_SYS_PLATFORM},
    {"platform.version", MV_PLATFORM_VERSION},
    {"platform.machine", MV_PLATFORM_MACHINE},
    {"platform.python_implementation", MV_PLATFORM_PYTHON_IMPLEMENTATION},
    {"python_implementation", MV_PLATFORM_PYTHON_IMPLEMENTATION},
};

/* PEP 508: "The <version_cmp> operators use the PEP 440 version comparison
 * rules when those are defined"; these are the variables whose values are
 * versions. */
static bool var_is_version(enum marker_var v)
{
    return v == MV_PYTHON_VERSION || v == MV_PYTHON_FULL_VERSION ||
           v == MV_IMPLEMENTATION_VERSION || v == MV_PLATFORM_RELEASE;
}

/* ------------------------------------------------------------ operators */

enum marker_op {
    MO_LE, MO_LT, MO_NE, MO_EQ, MO_GE, MO_GT, MO_COMPATIBLE, MO_ARBITRARY, MO_IN, MO_NOT_IN
};

static const char *const op_names[] = {"<=", "<", "!=", "==", ">=", ">", "~=", "===", "in", "not in"};

/* Longest first, so that "===" is not read as "==" and "<=" not as "<". */
static const struct {
    const char *text;
    enum marker_op op;
} symbolic_ops[] = {
    {"===", MO_ARBITRARY}, {"==", MO_EQ}, {"!=", MO_NE}, {"<=", MO_LE},
    {">=", MO_GE},         {"~=", MO_COMPATIBLE}, {"<", MO_LT}, {">", MO_GT},
};

/* ----------------------------------------------------------------- tree */

enum node_kind { NODE_CMP, NODE_AND, NODE_OR };

typedef struct operand {
    bool is_var;
    enum marker_var var; /* when is_var */
    char *value;         /* heap, when !is_var */
} operand;

struct pw_marker {
    enum node_kind kind;
    operand lhs, rhs;   /* NODE_CMP */
    enum marker_op op;  /* NODE_CMP */
    pw_marker **kids;   /* NODE_AND / NODE_OR, at least two */
    size_t n_kids;
    size_t cap_kids;
};

void pw_marker_free(pw_marker *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_kids; i++)
        pw_marker_free(m->kids[i]);
    free(m->kids);
    free(m->lhs.value);
    free(m->rhs.value);
    free(m);
}

pw_marker *pw_marker_copy(const pw_marker *m)
{
    if (!m)
        return NULL;
    pw_marker *c = pw_xcalloc(1, sizeof(*c));
    c->kind = m->kind;
    c->op = m->op;
    c->lhs = m->lhs;
    c->rhs = m->rhs;
    c->lhs.value = m->lhs.value ? pw_xstrdup(m->lhs.value) : NULL;
    c->rhs.value = m->rhs.value ? pw_xstrdup(m->rhs.value) : NULL;
    if (m->n_kids) {
        c->kids = pw_xcalloc(m->n_kids, sizeof(*c->kids));
        c->cap_kids = c->n_kids = m->n_kids;
        for (size_t i = 0; i < m->n_kids; i++)
            c->kids[i] = pw_marker_copy(m->kids[i]);
    }
    return c;
}

/* Adds `kid` to an and/or node, splicing in the children of a kid of the
 * same kind: "a and (b and c)" is "a and b and c". */
static void node_add(pw_marker *node, pw_marker *kid)
{
    if (kid->kind == node->kind) {
        for (size_t i = 0; i < kid->n_kids; i++) {
            PW_GROW(node->kids, node->cap_kids, node->n_kids + 1);
            node->kids[node->n_kids++] = kid->kids[i];
        }
        kid->n_kids = 0;
        pw_marker_free(kid);
        return;
    }
    PW_GROW(node->kids, node->cap_kids, node->n_kids + 1);
    node->kids[node->n_kids++] = kid;
}

/* --------------------------------------------------------------- parser */

typedef struct parser {
    const char *s;
    size_t len;
    size_t pos;
    int depth;
    size_t err_pos;
    pw_error *err;
} parser;

static int fail(parser *p, int code, size_t pos, const char *fmt, ...) PW_PRINTF(4, 5);

static int fail(parser *p, int code, size_t pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pw_error_setv(p->err, code, fmt, ap);
    va_end(ap);
    p->err_pos = pos;
    return code;
}

/* PEP 508: wsp = ' ' | '\t'. */
static bool is_wsp(char c) { return c == ' ' || c == '\t'; }
static bool is_name_char(char c) { return pw_is_alnum(c) || c == '-' || c == '_' || c == '.'; }
/* Characters of a marker variable token, and what a keyword must not be
 * followed by ("android" is not "and"). */
static bool is_word_char(char c) { return pw_is_alnum(c) || c == '_' || c == '.'; }
/* PEP 508: version = (letterOrDigit | '-' | '_' | '.' | '*' | '+' | '!')+ */
static bool is_version_char(char c)
{
    return pw_is_alnum(c) || c == '-' || c == '_' || c == '.' || c == '*' || c == '+' || c == '!';
}

static char peek(const parser *p) { return p->pos < p->len ? p->s[p->pos] : '\0'; }
static bool at_end(const parser *p) { return p->pos >= p->len; }

static void skip_wsp(parser *p)
{
    while (p->pos < p->len && is_wsp(p->s[p->pos]))
        p->pos++;
}

static bool at_keyword(const parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return false;
    return p->pos + n == p->len || !is_word_char(p->s[p->pos + n]);
}

/* What the parser found at the current position, for messages. */
static void describe_here(const parser *p, pw_buf *out)
{
    if (at_end(p)) {
        pw_buf_puts(out, "the end");
        return;
    }
    unsigned char c = (unsigned char)p->s[p->pos];
    if (c >= 0x20 && c < 0x7f)
        pw_buf_printf(out, "'%c'", c);
    else
        pw_buf_printf(out, "byte 0x%02x", c);
}

static int fail_expected(parser *p, const char *expected)
{
    pw_buf here = PW_BUF_INIT;
    describe_here(p, &here);
    int rc = fail(p, PW_EINVAL, p->pos, "expected %s, found %s", expected, pw_buf_cstr(&here));
    pw_buf_free(&here);
    return rc;
}

static int parse_or(parser *p, pw_marker **out);

static int parse_string(parser *p, operand *o)
{
    char quote = peek(p);
    size_t open = p->pos;
    const char *close = memchr(p->s + open + 1, quote, p->len - open - 1);
    if (!close) {
        p->pos = p->len;
        return fail(p, PW_EINVAL, open, "expected a closing %c for the string that starts here",
                    quote);
    }
    o->is_var = false;
    o->value = pw_xstrndup(p->s + open + 1, (size_t)(close - (p->s + open + 1)));
    p->pos = (size_t)(close - p->s) + 1;
    return 0;
}

static int parse_variable(parser *p, operand *o)
{
    size_t start = p->pos;
    while (p->pos < p->len && is_word_char(p->s[p->pos]))
        p->pos++;
    pw_slice word = pw_slice_make(p->s + start, p->pos - start);
    for (int v = 0; v < MV_COUNT; v++) {
        if (pw_slice_eq_cstr(word, var_names[v])) {
            o->is_var = true;
            o->var = (enum marker_var)v;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof(legacy_vars) / sizeof(legacy_vars[0]); i++) {
        if (pw_slice_eq_cstr(word, legacy_vars[i].name)) {
            o->is_var = true;
            o->var = legacy_vars[i].var;
            return 0;
        }
    }
    /* Suggest the closest real name for a typo such as "pyhton_version". */
    char *typed = pw_xstrndup(word.ptr, word.len < 64 ? word.len : 64);
    const char *best = NULL;
    size_t best_distance = 3;
    for (int v = 0; v < MV_COUNT; v++) {
        size_t d = pw_edit_distance(typed, var_names[v]);
        if (d < best_distance) {
            best_distance = d;
            best = var_names[v];
        }
    }
    int rc;
    if (best)
        rc = fail(p, PW_EINVAL, start, "expected a marker variable, found unknown name '%s' (did you mean '%s'?)",
                  typed, best);
    else
        rc = fail(p, PW_EINVAL, start, "expected a marker variable, found unknown name '%s'", typed);
    free(typed);
    return rc;
}

static int parse_operand(parser *p, operand *o, bool left)
{
    char c = peek(p);
    if (c == '"' || c == '\'')
        return parse_string(p, o);
    if (!at_end(p) && (pw_is_alpha(c) || c == '_'))
        return parse_variable(p, o);
    return fail_expected(p, left ? "a marker variable or a quoted string"
                                 : "a quoted string (or a marker variable)");
}

static int parse_op(parser *p, enum marker_op *op)
{
    if (at_keyword(p, "in")) {
        p->pos += 2;
        *op = MO_IN;
        return 0;
    }
    if (at_keyword(p, "not")) {
        p->pos += 3;
        if (!is_wsp(peek(p)))
            return fail_expected(p, "whitespace after 'not'");
        skip_wsp(p);
        if (!at_keyword(p, "in"))
            return fail_expected(p, "'in' after 'not'");
        p->pos += 2;
        *op = MO_NOT_IN;
        return 0;
    }
    for (size_t i = 0; i < sizeof(symbolic_ops) / sizeof(symbolic_ops[0]); i++) {
        size_t n = strlen(symbolic_ops[i].text);
        if (p->len - p->pos >= n && memcmp(p->s + p->pos, symbolic_ops[i].text, n) == 0) {
            p->pos += n;
            *op = symbolic_ops[i].op;
            return 0;
        }
    }
    return fail_expected(p, "a marker operator (==, !=, <, <=, >, >=, ~=, ===, in, not in)");
}

static int parse_atom(parser *p, pw_marker **out)
{
    skip_wsp(p);
    if (peek(p) == '(') {
        if (p->depth >= PW_MARKER_MAX_DEPTH)
            return fail(p, PW_ELIMIT, p->pos, "parentheses nested deeper than %d levels",
                        PW_MARKER_MAX_DEPTH);
        p->pos++;
        p->depth++;
        pw_marker *inner = NULL;
        int rc = parse_or(p, &inner);
        if (rc)
            return rc;
        skip_wsp(p);
        if (peek(p) != ')') {
            pw_marker_free(inner);
            return fail_expected(p, "'and', 'or' or ')'");
        }
        p->pos++;
        p->depth--;
        *out = inner;
        return 0;
    }
    pw_marker *m = pw_xcalloc(1, sizeof(*m));
    m->kind = NODE_CMP;
    size_t lhs_pos = p->pos;
    int rc = parse_operand(p, &m->lhs, true);
    if (!rc) {
        skip_wsp(p);
        rc = parse_op(p, &m->op);
    }
    if (!rc) {
        skip_wsp(p);
        rc = parse_operand(p, &m->rhs, false);
    }
    if (!rc && !m->lhs.is_var && !m->rhs.is_var)
        rc = fail(p, PW_EINVAL, lhs_pos,
                  "expected a marker variable on one side of the comparison, found two strings");
    if (rc) {
        pw_marker_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

/* marker_and = marker_expr ('and' marker_expr)*, marker_or likewise: "and"
 * binds tighter (PEP 508). */
static int parse_chain(parser *p, enum node_kind kind, pw_marker **out)
{
    const char *word = kind == NODE_AND ? "and" : "or";
    pw_marker *first = NULL;
    int rc = kind == NODE_AND ? parse_atom(p, &first) : parse_chain(p, NODE_AND, &first);
    if (rc)
        return rc;
    pw_marker *node = NULL;
    for (;;) {
        size_t save = p->pos;
        skip_wsp(p);
        if (!at_keyword(p, word)) {
            p->pos = save;
            break;
        }
        p->pos += strlen(word);
        pw_marker *next = NULL;
        rc = kind == NODE_AND ? parse_atom(p, &next) : parse_chain(p, NODE_AND, &next);
        if (rc) {
            pw_marker_free(node ? node : first);
            return rc;
        }
        if (!node) {
            node = pw_xcalloc(1, sizeof(*node));
            node->kind = kind;
            node_add(node, first);
        }
        node_add(node, next);
    }
    *out = node ? node : first;
    return 0;
}

static int parse_or(parser *p, pw_marker **out)
{
    return parse_chain(p, NODE_OR, out);
}

/* A whole marker up to the end of the text. */
static int parse_marker_to_end(parser *p, pw_marker **out)
{
    pw_marker *m = NULL;
    int rc = parse_or(p, &m);
    if (rc)
        return rc;
    skip_wsp(p);
    if (!at_end(p)) {
        pw_marker_free(m);
        return fail_expected(p, "'and', 'or' or the end of the marker");
    }
    *out = m;
    return 0;
}

/* Turns the bare message into the "column N: ..." form of the public
 * parse functions. */
static int with_column(int rc, size_t offset, pw_error *err)
{
    if (rc && err && err->message) {
        char *bare = err->message;
        err->message = NULL;
        pw_error_set(err, rc, "column %zu: %s", offset + 1, bare);
        free(bare);
    }
    return rc;
}

/* A NUL would end the C strings (names, URLs) that carry the text onward. */
static int refuse_nul(pw_slice text, size_t *err_offset, pw_error *err)
{
    long nul = pw_slice_find_char(text, '\0');
    if (nul < 0)
        return PW_OK;
    if (err_offset)
        *err_offset = (size_t)nul;
    return pw_error_set(err, PW_EINVAL, "a NUL byte, expected text");
}

int pw_marker_parse_at(pw_slice text, pw_marker **out, size_t *err_offset, pw_error *err)
{
    *out = NULL;
    if (refuse_nul(text, err_offset, err))
        return PW_EINVAL;
    parser p = {text.ptr ? text.ptr : "", text.ptr ? text.len : 0, 0, 0, 0, err};
    int rc = parse_marker_to_end(&p, out);
    if (rc && err_offset)
        *err_offset = p.err_pos;
    return rc;
}

int pw_marker_parse(pw_slice text, pw_marker **out, pw_error *err)
{
    size_t offset = 0;
    int rc = pw_marker_parse_at(text, out, &offset, err);
    return with_column(rc, offset, err);
}

/* ------------------------------------------------------------ evaluation */

static const char *env_value(const pw_marker_env *env, enum marker_var v)
{
    const char *s = NULL;
    switch (v) {
    case MV_PYTHON_VERSION: s = env->python_version; break;
    case MV_PYTHON_FULL_VERSION: s = env->python_full_version; break;
    case MV_OS_NAME: s = env->os_name; break;
    case MV_SYS_PLATFORM: s = env->sys_platform; break;
    case MV_PLATFORM_RELEASE: s = env->platform_release; break;
    case MV_PLATFORM_SYSTEM: s = env->platform_system; break;
    case MV_PLATFORM_VERSION: s = env->platform_version; break;
    case MV_PLATFORM_MACHINE: s = env->platform_machine; break;
    case MV_PLATFORM_PYTHON_IMPLEMENTATION: s = env->platform_python_implementation; break;
    case MV_IMPLEMENTATION_NAME: s = env->implementation_name; break;
    case MV_IMPLEMENTATION_VERSION: s = env->implementation_version; break;
    case MV_EXTRA:
    case MV_COUNT: break;
    }
    return s ? s : "";
}

/* PEP 440 comparison "lhs <op> rhs", read as the specifier "<op>rhs"
 * applied to lhs (packaging's rule). Returns false in *valid when either
 * side is not a version, so the caller falls back to strings. */
static bool compare_versions(const char *lhs, enum marker_op op, const char *rhs, bool *valid)
{
    *valid = false;
    pw_buf spec_text = PW_BUF_INIT;
    pw_buf_puts(&spec_text, op_names[op]);
    pw_buf_puts(&spec_text, rhs);
    pw_specifier_set set = PW_SPECIFIER_SET_INIT;
    pw_error err = {0, NULL};
    pw_version v;
    bool result = false;
    if (pw_specifier_set_parse(pw_slice_make(spec_text.data, spec_text.len), &set, &err) == 0 &&
        set.len == 1 && pw_version_parse(pw_slice_from(lhs), &v, &err) == 0) {
        *valid = true;
        result = pw_specifier_contains(&set.items[0], &v);
    }
    pw_error_clear(&err);
    pw_specifier_set_free(&set);
    pw_buf_free(&spec_text);
    return result;
}

static bool compare_strings(const char *lhs, enum marker_op op, const char *rhs)
{
    int c = strcmp(lhs, rhs);
    switch (op) {
    case MO_LT: return c < 0;
    case MO_LE: return c <= 0;
    case MO_EQ: return c == 0;
    case MO_NE: return c != 0;
    case MO_GE: return c >= 0;
    case MO_GT: return c > 0;
    /* PEP 440 arbitrary equality is case-insensitive string equality. */
    case MO_ARBITRARY: return strcasecmp(lhs, rhs) == 0;
    case MO_IN: return strstr(rhs, lhs) != NULL;
    case MO_NOT_IN: return strstr(rhs, lhs) == NULL;
    /* "~=" has no meaning outside versions; packaging raises, a marker
     * that cannot be evaluated does not hold. */
    case MO_COMPATIBLE: return false;
    }
    return false;
}

static bool eval_cmp(const pw_marker *m, const pw_marker_env *env, const char *extra)
{
    const operand *sides[2] = {&m->lhs, &m->rhs};
    const char *values[2];
    bool versionish = false, is_extra = false;
    for (int i = 0; i < 2; i++) {
        const operand *o = sides[i];
        if (!o->is_var) {
            values[i] = o->value;
            continue;
        }
        if (o->var == MV_EXTRA) {
            if (!extra)
                return false;
            is_extra = true;
            values[i] = extra;
            continue;
        }
        versionish = versionish || var_is_version(o->var);
        values[i] = env_value(env, o->var);
    }
    if (is_extra) {
        /* PEP 685: extras compare as normalized names. */
        char *a = pw_normalize_name(values[0]);
        char *b = pw_normalize_name(values[1]);
        bool r = compare_strings(a, m->op, b);
        free(a);
        free(b);
        return r;
    }
    if (versionish && m->op != MO_IN && m->op != MO_NOT_IN && m->op != MO_ARBITRARY) {
        bool valid;
        bool r = compare_versions(values[0], m->op, values[1], &valid);
        if (valid)
            return r;
    }
    return compare_strings(values[0], m->op, values[1]);
}

bool pw_marker_evaluate(const pw_marker *m, const pw_marker_env *env, const char *extra)
{
    if (!m)
        return true;
    switch (m->kind) {
    case NODE_CMP:
        return eval_cmp(m, env, extra);
    case NODE_AND:
        for (size_t i = 0; i < m->n_kids; i++)
            if (!pw_marker_evaluate(m->kids[i], env, extra))
                return false;
        return true;
    case NODE_OR:
        for (size_t i = 0; i < m->n_kids; i++)
            if (pw_marker_evaluate(m->kids[i], env, extra))
                return true;
        return false;
    }
    return false;
}

bool pw_marker_mentions_extra(const pw_marker *m)
{
    if (!m)
        return false;
    if (m->kind == NODE_CMP)
        return (m->lhs.is_var && m->lhs.var == MV_EXTRA) || (m->rhs.is_var && m->rhs.var == MV_EXTRA);
    for (size_t i = 0; i < m->n_kids; i++)
        if (pw_marker_mentions_extra(m->kids[i]))
            return true;
    return false;
}

/* ------------------------------------------------------------ formatting */

static void format_operand(const operand *o, pw_buf *out)
{
    if (o->is_var) {
        pw_buf_puts(out, var_names[o->var]);
        return;
    }
    /* PEP 508 strings have no escapes: a value holding '"' was written in
     * single quotes and can only be written back that way. */
    char quote = strchr(o->value, '"') ? '\'' : '"';
    pw_buf_putc(out, quote);
    pw_buf_puts(out, o->value);
    pw_buf_putc(out, quote);
}

static void format_node(const pw_marker *m, pw_buf *out, bool inside_and)
{
    if (m->kind == NODE_CMP) {
        format_operand(&m->lhs, out);
        pw_buf_printf(out, " %s ", op_names[m->op]);
        format_operand(&m->rhs, out);
        return;
    }
    bool parens = m->kind == NODE_OR && inside_and;
    if (parens)
        pw_buf_putc(out, '(');
    for (size_t i = 0; i < m->n_kids; i++) {
        if (i)
            pw_buf_puts(out, m->kind == NODE_AND ? " and " : " or ");
        format_node(m->kids[i], out, m->kind == NODE_AND);
    }
    if (parens)
        pw_buf_putc(out, ')');
}

void pw_marker_format(const pw_marker *m, pw_buf *out)
{
    if (m)
        format_node(m, out, false);
    else
        pw_buf_puts(out, "");
}

/* ---------------------------------------------------------- environment */

void pw_marker_env_pyodide(pw_marker_env *env, const char *python_full_version,
                           const char *emscripten_version, const char *arch)
{
    memset(env, 0, sizeof(*env));
    const char *full = python_full_version ? python_full_version : "";
    /* python_version is "X.Y": platform.python_version()[:3] in the PEP,
     * which breaks for two-digit minors; the first two components are meant. */
    const char *dot = strchr(full, '.');
    const char *second = dot ? strchr(dot + 1, '.') : NULL;
    env->python_version = second ? pw_xstrndup(full, (size_t)(second - full)) : pw_xstrdup(full);
    env->python_full_version = pw_xstrdup(full);
    env->implementation_version = pw_xstrdup(full);
    env->sys_platform = pw_xstrdup("emscripten");
    env->platform_system = pw_xstrdup("Emscripten");
    env->platform_machine = pw_xstrdup(arch ? arch : "wasm32");
    env->os_name = pw_xstrdup("posix");
    env->platform_release = pw_xstrdup(emscripten_version ? emscripten_version : "");
    env->platform_version = pw_xstrdup("#1");
    env->implementation_name = pw_xstrdup("cpython");
    env->platform_python_implementation = pw_xstrdup("CPython");
}

void pw_marker_env_free(pw_marker_env *env)
{
    if (!env)
        return;
    free(env->python_version);
    free(env->python_full_version);
    free(env->sys_platform);
    free(env->platform_system);
    free(env->platform_machine);
    free(env->os_name);
    free(env->platform_release);
    free(env->platform_version);
    free(env->implementation_name);
    free(env->implementation_version);
    free(env->platform_python_implementation);
    memset(env, 0, sizeof(*env));
}

/* ---------------------------------------------------------- requirements */

/* identifier = letterOrDigit ( ('-' | '_' | '.')* letterOrDigit )* */
static int parse_identifier(parser *p, const char *what, pw_slice *out)
{
    if (!pw_is_alnum(peek(p)) || at_end(p)) {
        pw_buf expected = PW_BUF_INIT;
        pw_buf_printf(&expected, "%s %s", strchr("aeiou", what[0]) ? "an" : "a", what);
        int rc = fail_expected(p, pw_buf_cstr(&expected));
        pw_buf_free(&expected);
        return rc;
    }
    size_t start = p->pos;
    while (p->pos < p->len && is_name_char(p->s[p->pos]))
        p->pos++;
    if (!pw_is_alnum(p->s[p->pos - 1]))
        return fail(p, PW_EINVAL, p->pos - 1, "expected a letter or digit at the end of the %s '%.*s'",
                    what, (int)(p->pos - start), p->s + start);
    *out = pw_slice_make(p->s + start, p->pos - start);
    return 0;
}

static int parse_extras(parser *p, pw_requirement *out)
{
    p->pos++; /* '[' */
    skip_wsp(p);
    if (peek(p) == ']') {
        p->pos++;
        return 0;
    }
    for (;;) {
        pw_slice extra;
        int rc = parse_identifier(p, "extra name", &extra);
        if (rc)
            return rc;
        pw_buf norm = PW_BUF_INIT;
        pw_normalize_name_buf(extra, &norm);
        pw_strlist_push_owned(&out->extras, pw_buf_detach(&norm));
        skip_wsp(p);
        if (peek(p) == ',' && !at_end(p)) {
            p->pos++;
            skip_wsp(p);
            continue;
        }
        if (peek(p) == ']' && !at_end(p)) {
            p->pos++;
            break;
        }
        return fail_expected(p, "']' or ','");
    }
    pw_strlist_sort_unique(&out->extras);
    return 0;
}

static size_t match_version_op(const parser *p)
{
    /* Version specifiers use the same operator set as markers, minus in/not in. */
    for (size_t i = 0; i < sizeof(symbolic_ops) / sizeof(symbolic_ops[0]); i++) {
        size_t n = strlen(symbolic_ops[i].text);
        if (p->len - p->pos >= n && memcmp(p->s + p->pos, symbolic_ops[i].text, n) == 0)
            return n;
    }
    return 0;
}

/* pep440.c ends its messages with " at column N" (1-based within the text
 * it was given); splits that off so the position can be re-based. */
static size_t take_pep440_column(char *message)
{
    const char *marker = " at column ";
    char *found = NULL;
    for (char *s = strstr(message, marker); s; s = strstr(s + 1, marker))
        found = s;
    if (!found)
        return 0;
    char *digits = found + strlen(marker);
    size_t n = 0;
    char *d = digits;
    while (pw_is_digit(*d))
        n = n * 10 + (size_t)(*d++ - '0');
    if (d == digits || *d != '\0')
        return 0;
    *found = '\0';
    return n;
}

/* version_many = version_one (',' version_one)* (',' wsp*)? */
static int parse_version_many(parser *p, pw_requirement *out, bool *any)
{
    for (;;) {
        skip_wsp(p);
        size_t op_start = p->pos;
        size_t op_len = match_version_op(p);
        if (op_len == 0)
            return 0;
        p->pos += op_len;
        skip_wsp(p);
        size_t v_start = p->pos;
        while (p->pos < p->len && is_version_char(p->s[p->pos]))
            p->pos++;
        if (p->pos == v_start) {
            pw_buf expected = PW_BUF_INIT;
            pw_buf_printf(&expected, "a version after '%.*s'", (int)op_len, p->s + op_start);
            int rc = fail_expected(p, pw_buf_cstr(&expected));
            pw_buf_free(&expected);
            return rc;
        }
        pw_specifier_set one = PW_SPECIFIER_SET_INIT;
        pw_error spec_err = {0, NULL};
        int rc = pw_specifier_set_parse(pw_slice_make(p->s + op_start, p->pos - op_start), &one,
                                        &spec_err);
        if (rc == 0 && one.len != 1)
            rc = pw_error_set(&spec_err, PW_EINVAL, "expected exactly one version specifier");
        if (rc) {
            char *msg = spec_err.message ? spec_err.message : pw_xstrdup("invalid version specifier");
            spec_err.message = NULL;
            size_t column = take_pep440_column(msg);
            size_t at = column ? op_start + column - 1 : v_start;
            if (at < v_start || at > p->pos)
                at = v_start;
            fail(p, rc, at, "%s", msg);
            free(msg);
            pw_specifier_set_free(&one);
            return rc;
        }
        pw_specifier_set_extend(&out->specifiers, &one);
        pw_specifier_set_free(&one);
        *any = true;
        skip_wsp(p);
        if (peek(p) != ',' || at_end(p))
            return 0;
        p->pos++;
    }
}

static int parse_requirement(parser *p, pw_requirement *out)
{
    skip_wsp(p);
    pw_slice name;
    int rc = parse_identifier(p, "package name", &name);
    if (rc)
        return rc;
    out->name = pw_xstrndup(name.ptr, name.len);
    out->key = pw_normalize_name(out->name);
    skip_wsp(p);
    if (peek(p) == '[' && !at_end(p)) {
        if ((rc = parse_extras(p, out)))
            return rc;
        skip_wsp(p);
    }
    if (peek(p) == '@' && !at_end(p)) {
        /* url_req = name extras? '@' wsp* URI (wsp+ quoted_marker?)? */
        p->pos++;
        skip_wsp(p);
        size_t start = p->pos;
        while (p->pos < p->len && !is_wsp(p->s[p->pos]))
            p->pos++;
        if (p->pos == start)
            return fail_expected(p, "a URL after '@'");
        out->url = pw_xstrndup(p->s + start, p->pos - start);
        skip_wsp(p);
        if (at_end(p))
            return 0;
        if (peek(p) != ';')
            return fail_expected(p, "';' and a marker after the URL, or the end");
    } else {
        bool any = false;
        if (peek(p) == '(' && !at_end(p)) {
            p->pos++;
            if ((rc = parse_version_many(p, out, &any)))
                return rc;
            skip_wsp(p);
            if (peek(p) != ')' || at_end(p))
                return fail_expected(p, any ? "',' or ')'" : "a version specifier or ')'");
            p->pos++;
        } else if ((rc = parse_version_many(p, out, &any))) {
            return rc;
        }
        skip_wsp(p);
        if (at_end(p))
            return 0;
        if (peek(p) != ';') {
            if (any)
                return fail_expected(p, "',', ';' or the end of the requirement");
            return fail_expected(p, "a version specifier, '@', ';' or the end of the requirement");
        }
    }
    p->pos++; /* ';' */
    return parse_marker_to_end(p, &out->marker);
}

void pw_requirement_free(pw_requirement *r)
{
    if (!r)
        return;
    free(r->name);
    free(r->key);
    pw_strlist_free(&r->extras);
    pw_specifier_set_free(&r->specifiers);
    free(r->url);
    pw_marker_free(r->marker);
    memset(r, 0, sizeof(*r));
}

int pw_requirement_parse_at(pw_slice text, pw_requirement *out, size_t *err_offset, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    if (refuse_nul(text, err_offset, err))
        return PW_EINVAL;
    parser p = {text.ptr ? text.ptr : "", text.ptr ? text.len : 0, 0, 0, 0, err};
    int rc = parse_requirement(&p, out);
    if (rc) {
        pw_requirement_free(out);
        if (err_offset)
            *err_offset = p.err_pos;
    }
    return rc;
}

int pw_requirement_parse(pw_slice text, pw_requirement *out, pw_error *err)
{
    size_t offset = 0;
    int rc = pw_requirement_parse_at(text, out, &offset, err);
    return with_column(rc, offset, err);
}

void pw_requirement_format(const pw_requirement *r, pw_buf *out)
{
    pw_buf_puts(out, r->name ? r->name : "");
    if (r->extras.len) {
        pw_buf_putc(out, '[');
        for (size_t i = 0; i < r->extras.len; i++) {
            if (i)
                pw_buf_putc(out, ',');
            pw_buf_puts(out, r->extras.items[i]);
        }
        pw_buf_putc(out, ']');
    }
    pw_specifier_set_format(&r->specifiers, out);
    if (r->url) {
        pw_buf_puts(out, " @ ");
        pw_buf_puts(out, r->url);
    }
    if (r->marker) {
        /* PEP 508 needs whitespace between a URL and the ';'. */
        pw_buf_puts(out, r->url ? " ; " : "; ");
        pw_marker_format(r->marker, out);
    }
}

bool pw_requirement_applies(const pw_requirement *r, const pw_marker_env *env, const char *extra)
{
    return !r->marker || pw_marker_evaluate(r->marker, env, extra);
}

void pw_requirement_copy(pw_requirement *dst, const pw_requirement *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->name = src->name ? pw_xstrdup(src->name) : NULL;
    dst->key = src->key ? pw_xstrdup(src->key) : NULL;
    for (size_t i = 0; i < src->extras.len; i++)
        pw_strlist_push(&dst->extras, src->extras.items[i]);
    pw_specifier_set_extend(&dst->specifiers, &src->specifiers);
    dst->url = src->url ? pw_xstrdup(src->url) : NULL;
    dst->marker = pw_marker_copy(src->marker);
}
