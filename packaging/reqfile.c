/*
 * requirements.txt, read the way pip reads it (pip/_internal/req/req_file.py):
 *
 *   1. split into physical lines (str.splitlines);
 *   2. join lines ending in '\' with the next one, except full-line
 *      comments, which end a continuation (join_lines);
 *   3. strip comments: '#' at the start or after whitespace (COMMENT_RE);
 *      strip whitespace, drop empty lines (ignore_comments);
 *   4. expand ${NAME} with NAME in [A-Z0-9_] when set and non-empty
 *      (expand_env_variables);
 *   5. split at the first space-separated token starting with '-': what is
 *      before is the requirement, what follows are options, split like a
 *      POSIX shell and parsed like optparse (break_args_options).
 *
 * Every byte of a logical line remembers its offset in the file, so that
 * errors name the physical line and column even across continuations and
 * expanded variables.
 */
#include "reqfile.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------- contexts */

typedef struct rf_ctx {
    const pw_reqfile_io *io;
    pw_reqfile *out;
    size_t req_cap, con_cap;
    pw_strlist chain_keys;  /* normalized paths of the -r/-c chain being read */
    pw_strlist chain_names; /* the same, as given, for messages */
    pw_error *err;
} rf_ctx;

/* One file being read: its text and where its physical lines start. */
typedef struct rf_file {
    const char *path;
    const char *text;
    size_t len;
    size_t *line_starts;
    size_t n_lines;
    bool constraint;
} rf_file;

/* A logical line: bytes, and for each byte its offset in the file text. */
typedef struct rf_line {
    pw_buf text;
    size_t *origin;
    size_t cap;
    size_t line; /* 1-based physical line where it starts */
} rf_line;

static void line_push(rf_line *l, char c, size_t origin)
{
    PW_GROW(l->origin, l->cap, l->text.len + 1);
    l->origin[l->text.len] = origin;
    pw_buf_putc(&l->text, c);
}

static void line_reset(rf_line *l)
{
    pw_buf_reset(&l->text);
    if (l->text.data)
        l->text.data[0] = '\0';
}

static void line_free(rf_line *l)
{
    pw_buf_free(&l->text);
    free(l->origin);
    memset(l, 0, sizeof(*l));
}

/* Physical line and column (1-based, in bytes) of logical offset `off`. */
static void locate(const rf_file *f, const rf_line *l, size_t off, size_t *line, size_t *col)
{
    size_t file_off;
    if (l->text.len == 0)
        file_off = f->n_lines && l->line ? f->line_starts[l->line - 1] : 0;
    else if (off < l->text.len)
        file_off = l->origin[off];
    else
        file_off = l->origin[l->text.len - 1] + 1;
    size_t lo = 0, hi = f->n_lines;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->line_starts[mid] <= file_off)
            lo = mid;
        else
            hi = mid;
    }
    *line = lo + 1;
    *col = file_off - (f->n_lines ? f->line_starts[lo] : 0) + 1;
}

static int fail_at(rf_ctx *c, const rf_file *f, const rf_line *l, size_t off, int code, const char *fmt,
                   ...) PW_PRINTF(6, 7);

static int fail_at(rf_ctx *c, const rf_file *f, const rf_line *l, size_t off, int code, const char *fmt,
                   ...)
{
    size_t line, col;
    locate(f, l, off, &line, &col);
    pw_buf msg = PW_BUF_INIT;
    pw_buf_printf(&msg, "%s:%zu:%zu: ", f->path, line, col);
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    pw_error_set(c->err, code, "%s", pw_buf_cstr(&msg));
    pw_buf_free(&msg);
    return code;
}

/* Prefixes "file:line:col: " to an error some other parser produced. */
static int wrap_at(rf_ctx *c, const rf_file *f, const rf_line *l, size_t off)
{
    size_t line, col;
    locate(f, l, off, &line, &col);
    return pw_error_wrap(c->err, "%s:%zu:%zu", f->path, line, col);
}

/* ---------------------------------------------------------------- helpers */

/* What Python's str.strip() strips, ASCII part. */
static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v' ||
           (ch >= 0x1c && ch <= 0x1f);
}

static bool is_hex(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static bool starts_with_icase(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && strncasecmp(s, prefix, n) == 0;
}

static bool ends_with_icase(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && strncasecmp(s + len - n, suffix, n) == 0;
}

static void strlist_push_unique(pw_strlist *l, const char *s)
{
    if (!pw_strlist_contains(l, s))
        pw_strlist_push(l, s);
}

static void strlist_remove(pw_strlist *l, const char *s)
{
    size_t out = 0;
    for (size_t i = 0; i < l->len; i++) {
        if (strcmp(l->items[i], s) == 0)
            free(l->items[i]);
        else
            l->items[out++] = l->items[i];
    }
    l->len = out;
}

static void strlist_clear(pw_strlist *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->items[i]);
    l->len = 0;
}

/* The scheme before ':' when it is made of URL scheme characters. */
static pw_slice url_scheme(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && (s[i] == '+' || s[i] == '-' || s[i] == '.' || (s[i] >= 'a' && s[i] <= 'z') ||
                       (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
        i++;
    if (i == 0 || i >= len || s[i] != ':')
        return pw_slice_make(NULL, 0);
    return pw_slice_make(s, i);
}

/* pip's vcs schemes: git, git+https, hg+ssh, svn, svn+https, bzr+lp... */
static bool scheme_is_vcs(pw_slice scheme)
{
    return pw_slice_eq_icase_cstr(scheme, "git") || pw_slice_eq_icase_cstr(scheme, "svn") ||
           starts_with_icase(scheme.ptr, scheme.len, "git+") ||
           starts_with_icase(scheme.ptr, scheme.len, "hg+") ||
           starts_with_icase(scheme.ptr, scheme.len, "svn+") ||
           starts_with_icase(scheme.ptr, scheme.len, "bzr+");
}

/* pip's is_url(): a scheme pip knows how to fetch from. */
static bool is_url(const char *s, size_t len)
{
    pw_slice scheme = url_scheme(s, len);
    if (!scheme.ptr)
        return false;
    return pw_slice_eq_icase_cstr(scheme, "http") || pw_slice_eq_icase_cstr(scheme, "https") ||
           pw_slice_eq_icase_cstr(scheme, "file") || pw_slice_eq_icase_cstr(scheme, "ftp") ||
           scheme_is_vcs(scheme);
}

/* pip's is_archive_file() extensions (ARCHIVE_EXTENSIONS). */
static bool is_archive(const char *s, size_t len)
{
    static const char *const exts[] = {".whl", ".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz",
                                       ".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma"};
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
        if (ends_with_icase(s, len, exts[i]))
            return true;
    return false;
}

/* pip's _looks_like_path(). */
static bool looks_like_path(const char *s, size_t len)
{
    return memchr(s, '/', len) != NULL || (len > 0 && s[0] == '.');
}

/* The last path segment of a URL or path, without query and fragment. */
static pw_slice link_filename(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '#' || s[i] == '?') {
            len = i;
            break;
        }
    }
    size_t start = len;
    while (start > 0 && s[start - 1] != '/')
        start--;
    return pw_slice_make(s + start, len - start);
}

/* PEP 427: {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl.
 * Returns the distribution name (URL-decoded) or NULL. */
static char *wheel_name(pw_slice file)
{
    pw_buf decoded = PW_BUF_INIT;
    pw_percent_decode(file, &decoded);
    const char *s = pw_buf_cstr(&decoded);
    size_t len = decoded.len;
    char *name = NULL;
    if (len > 4 && ends_with_icase(s, len, ".whl")) {
        size_t parts = 1, first_dash = 0;
        for (size_t i = 0; i < len - 4; i++) {
            if (s[i] == '-') {
                if (parts == 1)
                    first_dash = i;
                parts++;
            }
        }
        bool ok = (parts == 5 || parts == 6) && first_dash > 0;
        for (size_t i = 0; ok && i < first_dash; i++) {
            char ch = s[i];
            ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '_' || ch == '.';
        }
        if (ok)
            name = pw_xstrndup(s, first_dash);
    }
    pw_buf_free(&decoded);
    return name;
}

/* Lexical normalization for cycle detection: "a/./b//../c" is "a/c". */
static char *path_key(const char *path)
{
    pw_strlist parts = PW_STRLIST_INIT;
    bool absolute = path[0] == '/';
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *end = p;
        while (*end && *end != '/')
            end++;
        size_t n = (size_t)(end - p);
        if (n == 0 || (n == 1 && p[0] == '.')) {
            /* nothing */
        } else if (n == 2 && p[0] == '.' && p[1] == '.' && parts.len &&
                   strcmp(parts.items[parts.len - 1], "..") != 0) {
            free(parts.items[--parts.len]);
        } else if (!(n == 2 && p[0] == '.' && p[1] == '.' && absolute)) {
            pw_strlist_push_owned(&parts, pw_xstrndup(p, n));
        }
        p = end;
    }
    pw_buf b = PW_BUF_INIT;
    if (absolute)
        pw_buf_putc(&b, '/');
    for (size_t i = 0; i < parts.len; i++) {
        if (i)
            pw_buf_putc(&b, '/');
        pw_buf_puts(&b, parts.items[i]);
    }
    if (b.len == 0)
        pw_buf_putc(&b, '.');
    pw_strlist_free(&parts);
    return pw_buf_detach(&b);
}

/* os.path.join(os.path.dirname(parent), name), as pip joins -r paths. */
static char *join_relative(const char *parent, const char *name)
{
    if (name[0] == '/')
        return pw_xstrdup(name);
    const char *slash = strrchr(parent, '/');
    pw_buf b = PW_BUF_INIT;
    if (slash)
        pw_buf_append(&b, parent, (size_t)(slash - parent) + 1);
    pw_buf_puts(&b, name);
    return pw_buf_detach(&b);
}

/* ------------------------------------------------------------ options */

enum opt_id {
    OPT_INDEX_URL,
    OPT_EXTRA_INDEX_URL,
    OPT_NO_INDEX,
    OPT_CONSTRAINT,
    OPT_REQUIREMENT,
    OPT_EDITABLE,
    OPT_FIND_LINKS,
    OPT_NO_BINARY,
    OPT_ONLY_BINARY,
    OPT_PREFER_BINARY,
    OPT_REQUIRE_HASHES,
    OPT_PRE,
    OPT_TRUSTED_HOST,
    OPT_USE_FEATURE,
    OPT_HASH,
    OPT_CONFIG_SETTINGS,
    OPT_GLOBAL_OPTION,
};

/* pip's SUPPORTED_OPTIONS and SUPPORTED_OPTIONS_REQ. */
static const struct opt_def {
    const char *long_name;
    char short_name;
    bool takes_value;
    enum opt_id id;
} opt_defs[] = {
    {"--index-url", 'i', true, OPT_INDEX_URL},
    {"--extra-index-url", 0, true, OPT_EXTRA_INDEX_URL},
    {"--no-index", 0, false, OPT_NO_INDEX},
    {"--constraint", 'c', true, OPT_CONSTRAINT},
    {"--requirement", 'r', true, OPT_REQUIREMENT},
    {"--editable", 'e', true, OPT_EDITABLE},
    {"--find-links", 'f', true, OPT_FIND_LINKS},
    {"--no-binary", 0, true, OPT_NO_BINARY},
    {"--only-binary", 0, true, OPT_ONLY_BINARY},
    {"--prefer-binary", 0, false, OPT_PREFER_BINARY},
    {"--require-hashes", 0, false, OPT_REQUIRE_HASHES},
    {"--pre", 0, false, OPT_PRE},
    {"--trusted-host", 0, true, OPT_TRUSTED_HOST},
    {"--use-feature", 0, true, OPT_USE_FEATURE},
    {"--hash", 0, true, OPT_HASH},
    {"--config-settings", 'C', true, OPT_CONFIG_SETTINGS},
    {"--global-option", 0, true, OPT_GLOBAL_OPTION},
};
#define N_OPT_DEFS (sizeof(opt_defs) / sizeof(opt_defs[0]))

typedef struct token {
    char *value;
    size_t off; /* logical offset of its first byte */
} token;

typedef struct parsed_opt {
    const struct opt_def *def;
    char *value;      /* NULL for flags */
    size_t off;       /* where the option is written */
    size_t value_off; /* where its value starts */
} parsed_opt;

typedef struct line_opts {
    token *tokens;
    size_t n_tokens, cap_tokens;
    parsed_opt *opts;
    size_t n_opts, cap_opts;
} line_opts;

static void line_opts_free(line_opts *lo)
{
    for (size_t i = 0; i < lo->n_tokens; i++)
        free(lo->tokens[i].value);
    free(lo->tokens);
    for (size_t i = 0; i < lo->n_opts; i++)
        free(lo->opts[i].value);
    free(lo->opts);
    memset(lo, 0, sizeof(*lo));
}

/* shlex.split(s) in POSIX mode: whitespace separates, '...' is literal,
 * "..." keeps backslash escapes of '"' and '\' only, '\' outside quotes
 * escapes any character. */
static int shell_split(rf_ctx *c, const rf_file *f, const rf_line *l, size_t start, line_opts *lo)
{
    const char *s = l->text.data;
    size_t len = l->text.len;
    size_t i = start;
    while (i < len) {
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            i++;
        if (i >= len)
            break;
        size_t tok_start = i;
        pw_buf tok = PW_BUF_INIT;
        pw_buf_puts(&tok, "");
        while (i < len && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) {
            char ch = s[i];
            if (ch == '\'' || ch == '"') {
                size_t open = i++;
                while (i < len && s[i] != ch) {
                    if (ch == '"' && s[i] == '\\' && i + 1 < len && (s[i + 1] == '"' || s[i + 1] == '\\'))
                        i++;
                    pw_buf_putc(&tok, s[i++]);
                }
                if (i >= len) {
                    pw_buf_free(&tok);
                    return fail_at(c, f, l, open, PW_EINVAL,
                                   "expected a closing %c for the quote that starts here", ch);
                }
                i++;
            } else if (ch == '\\') {
                if (i + 1 >= len) {
                    pw_buf_free(&tok);
                    return fail_at(c, f, l, i, PW_EINVAL, "expected a character after '\\'");
                }
                pw_buf_putc(&tok, s[i + 1]);
                i += 2;
            } else {
                pw_buf_putc(&tok, ch);
                i++;
            }
        }
        PW_GROW(lo->tokens, lo->cap_tokens, lo->n_tokens + 1);
        lo->tokens[lo->n_tokens].value = pw_buf_detach(&tok);
        lo->tokens[lo->n_tokens].off = tok_start;
        lo->n_tokens++;
    }
    return 0;
}

/* optparse: long options by exact name or unique prefix, "--opt=value" or
 * "--opt value", short options "-r value" or "-rvalue". */
static int parse_options(rf_ctx *c, const rf_file *f, const rf_line *l, line_opts *lo)
{
    for (size_t t = 0; t < lo->n_tokens; t++) {
        const char *tok = lo->tokens[t].value;
        size_t off = lo->tokens[t].off;
        const struct opt_def *def = NULL;
        const char *value = NULL;
        size_t value_off = off;
        if (tok[0] != '-' || tok[1] == '\0' || strcmp(tok, "--") == 0)
            return fail_at(c, f, l, off, PW_EINVAL,
                           "unexpected argument '%s': a requirement must come before its options, "
                           "and each option takes at most one value",
                           tok);
        if (tok[1] == '-') {
            const char *eq = strchr(tok, '=');
            size_t name_len = eq ? (size_t)(eq - tok) : strlen(tok);
            size_t matches = 0;
            for (size_t d = 0; d < N_OPT_DEFS; d++) {
                if (strlen(opt_defs[d].long_name) == name_len &&
                    strncmp(opt_defs[d].long_name, tok, name_len) == 0) {
                    def = &opt_defs[d];
                    matches = 1;
                    break;
                }
                if (strncmp(opt_defs[d].long_name, tok, name_len) == 0) {
                    def = &opt_defs[d];
                    matches++;
                }
            }
            if (matches == 0)
                return fail_at(c, f, l, off, PW_EINVAL, "unknown option %.*s", (int)name_len, tok);
            if (matches > 1) {
                pw_buf names = PW_BUF_INIT;
                for (size_t d = 0; d < N_OPT_DEFS; d++) {
                    if (strncmp(opt_defs[d].long_name, tok, name_len) == 0)
                        pw_buf_printf(&names, "%s%s", names.len ? ", " : "", opt_defs[d].long_name);
                }
                int rc = fail_at(c, f, l, off, PW_EINVAL, "ambiguous option %.*s (could be %s)",
                                 (int)name_len, tok, pw_buf_cstr(&names));
                pw_buf_free(&names);
                return rc;
            }
            if (eq) {
                if (!def->takes_value)
                    return fail_at(c, f, l, off, PW_EINVAL, "option %s does not take a value",
                                   def->long_name);
                value = eq + 1;
                value_off = off + name_len + 1;
            }
        } else {
            for (size_t d = 0; d < N_OPT_DEFS; d++)
                if (opt_defs[d].short_name == tok[1])
                    def = &opt_defs[d];
            if (!def)
                return fail_at(c, f, l, off, PW_EINVAL, "unknown option -%c", tok[1]);
            /* Every short option of pip's requirement files takes a value. */
            if (tok[2]) {
                value = tok + 2;
                value_off = off + 2;
            }
        }
        if (def->takes_value && !value) {
            if (t + 1 >= lo->n_tokens)
                return fail_at(c, f, l, l->text.len, PW_EINVAL, "expected a value after %s",
                               tok[1] == '-' ? def->long_name : tok);
            t++;
            value = lo->tokens[t].value;
            value_off = lo->tokens[t].off;
        }
        PW_GROW(lo->opts, lo->cap_opts, lo->n_opts + 1);
        parsed_opt *o = &lo->opts[lo->n_opts++];
        o->def = def;
        o->value = value ? pw_xstrdup(value) : NULL;
        o->off = off;
        o->value_off = value_off;
    }
    return 0;
}

/* pip's handle_mutual_excludes for --no-binary / --only-binary. */
static void binary_option(const char *value, pw_strlist *target, pw_strlist *other)
{
    const char *p = value;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        pw_slice item = pw_slice_make(p, n);
        if (pw_slice_eq_cstr(item, ":all:")) {
            strlist_clear(other);
            strlist_clear(target);
            pw_strlist_push(target, ":all:");
        } else if (pw_slice_eq_cstr(item, ":none:")) {
            strlist_clear(target);
        } else if (n > 0) {
            pw_buf name = PW_BUF_INIT;
            pw_normalize_name_buf(item, &name);
            strlist_remove(other, pw_buf_cstr(&name));
            strlist_push_unique(target, pw_buf_cstr(&name));
            pw_buf_free(&name);
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    /* ":all:" covers every name given after it, as in pip. */
    if (pw_strlist_contains(target, ":all:")) {
        strlist_clear(target);
        pw_strlist_push(target, ":all:");
    }
    pw_strlist_sort(target);
}

static int parse_hash(rf_ctx *c, const rf_file *f, const rf_line *l, const parsed_opt *o,
                      pw_strlist *hashes)
{
    const char *colon = strchr(o->value, ':');
    if (!colon)
        return fail_at(c, f, l, o->value_off, PW_EINVAL,
                       "expected --hash=<algorithm>:<hex digest>, like --hash=sha256:abcd...");
    size_t algo_len = (size_t)(colon - o->value);
    size_t want = 0;
    if (algo_len == 6 && strncmp(o->value, "sha256", 6) == 0)
        want = 64;
    else if (algo_len == 6 && strncmp(o->value, "sha384", 6) == 0)
        want = 96;
    else if (algo_len == 6 && strncmp(o->value, "sha512", 6) == 0)
        want = 128;
    if (!want)
        /* pip: "Allowed hash algorithms for --hash are sha256, sha384, sha512." */
        return fail_at(c, f, l, o->value_off, PW_EINVAL,
                       "hash algorithm '%.*s' is not allowed: expected sha256, sha384 or sha512",
                       (int)algo_len, o->value);
    const char *hex = colon + 1;
    size_t n = 0;
    while (is_hex(hex[n]))
        n++;
    if (n != want || hex[n] != '\0')
        return fail_at(c, f, l, o->value_off + algo_len + 1 + (n < want && hex[n] ? n : 0), PW_EINVAL,
                       "expected %zu hexadecimal digits after '%.*s:'", want, (int)algo_len, o->value);
    pw_buf h = PW_BUF_INIT;
    pw_buf_append(&h, o->value, algo_len + 1);
    for (size_t i = 0; i < n; i++)
        pw_buf_putc(&h, (char)(hex[i] >= 'A' && hex[i] <= 'F' ? hex[i] - 'A' + 'a' : hex[i]));
    strlist_push_unique(hashes, pw_buf_cstr(&h));
    pw_buf_free(&h);
    return 0;
}

/* --------------------------------------------------------- requirements */

static int parse_file_text(rf_ctx *c, const char *path, const char *text, size_t len, bool constraint);

/* A requirement pip reads as a wheel file: "name @ path-or-url". */
static int wheel_requirement(rf_ctx *c, const rf_file *f, const rf_line *l, size_t loc_start,
                             size_t loc_len, size_t extras_start, size_t extras_len,
                             pw_requirement *req)
{
    const char *s = l->text.data;
    pw_slice file = link_filename(s + loc_start, loc_len);
    char *name = wheel_name(file);
    if (!name)
        return fail_at(c, f, l, (size_t)(file.ptr - s), PW_EINVAL,
                       "expected a wheel file name {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl, "
                       "found '%.*s'",
                       (int)file.len, file.ptr);
    /* Extras written after the path: "./pkg-1.0-py3-none-any.whl[extra]". */
    if (extras_len) {
        pw_buf synthetic = PW_BUF_INIT;
        pw_buf_putc(&synthetic, 'x');
        pw_buf_append(&synthetic, s + extras_start, extras_len);
        size_t off = 0;
        int rc = pw_requirement_parse_at(pw_slice_make(synthetic.data, synthetic.len), req, &off, c->err);
        pw_buf_free(&synthetic);
        if (rc) {
            free(name);
            return wrap_at(c, f, l, extras_start + (off ? off - 1 : 0));
        }
        free(req->name);
        free(req->key);
    }
    req->name = name;
    req->key = pw_normalize_name(name);
    req->url = pw_xstrndup(s + loc_start, loc_len);
    /* The lock records the canonical "name @ url": it must parse again (a
     * valid project name, no spaces in the location). */
    pw_buf canonical = PW_BUF_INIT;
    pw_requirement_format(req, &canonical);
    pw_requirement check;
    pw_error why = {0};
    int rc = pw_requirement_parse(pw_slice_make(canonical.data, canonical.len), &check, &why);
    if (rc == PW_OK) {
        pw_requirement_free(&check);
    } else {
        rc = fail_at(c, f, l, loc_start, PW_EINVAL,
                     "'%.*s' does not make a valid requirement '%s' (%s): expected a wheel "
                     "named after a valid project, at a location without spaces",
                     (int)loc_len, s + loc_start, pw_buf_cstr(&canonical), pw_error_message(&why));
        pw_requirement_free(req);
    }
    pw_error_clear(&why);
    pw_buf_free(&canonical);
    return rc;
}

static int unsupported_url(rf_ctx *c, const rf_file *f, const rf_line *l, size_t off, const char *url,
                           size_t len)
{
    pw_slice scheme = url_scheme(url, len);
    if (scheme.ptr && scheme_is_vcs(scheme))
        return fail_at(c, f, l, off, PW_EUNSUPPORTED,
                       "VCS requirements other than 'name @ git+URL' are not supported: '%.*s' "
                       "(pin a released version or a wheel URL instead)",
                       (int)len, url);
    if (scheme.ptr && pw_slice_eq_icase_cstr(scheme, "file"))
        return fail_at(c, f, l, off, PW_EUNSUPPORTED,
                       "local directories and source archives are not supported: pwpkg installs "
                       "wheels only (found '%.*s')",
                       (int)len, url);
    return fail_at(c, f, l, off, PW_EUNSUPPORTED,
                   "source distributions are not supported: pwpkg installs wheels only "
                   "(expected a URL of a .whl file, found '%.*s')",
                   (int)len, url);
}

/* pip's parse_req_from_line: URLs, paths and PEP 508 requirements. The
 * requirement is the logical line's bytes [0, len). */
static int parse_requirement_line(rf_ctx *c, const rf_file *f, const rf_line *l, size_t len,
                                  pw_requirement *req)
{
    const char *s = l->text.data;
    memset(req, 0, sizeof(*req));
    /* pip: markers follow "; " after a URL (URLs may contain ';'), ';'
     * otherwise. */
    bool url = is_url(s, len);
    size_t body_len = len;
    size_t marker_start = len;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ';' && (!url || (i + 1 < len && s[i + 1] == ' '))) {
            body_len = i;
            marker_start = i + 1;
            break;
        }
    }
    size_t body_start = 0;
    size_t body_end = body_len;
    while (body_end > body_start && is_space(s[body_end - 1]))
        body_end--;

    int rc = 0;
    if (url) {
        pw_slice scheme = url_scheme(s, len);
        pw_slice file = link_filename(s, body_end);
        if (scheme_is_vcs(scheme) || !ends_with_icase(file.ptr, file.len, ".whl"))
            return unsupported_url(c, f, l, 0, s, body_end);
        rc = wheel_requirement(c, f, l, 0, body_end, 0, 0, req);
    } else {
        /* pip's _strip_extras: "path[extra1,extra2]". */
        size_t path_end = body_end;
        size_t extras_start = 0, extras_len = 0;
        if (body_end > 0 && s[body_end - 1] == ']') {
            size_t i = body_end - 1;
            while (i > 0 && s[i - 1] != '[' && s[i - 1] != ']')
                i--;
            if (i > 1 && s[i - 1] == '[') {
                path_end = i - 1;
                extras_start = i - 1;
                extras_len = body_end - extras_start;
            }
        }
        /* pip's _get_url_from_path: "name @ url" is a PEP 508 requirement
         * when what precedes the '@' does not look like a path. pip also
         * asks the file system whether a path is a directory; a parser
         * cannot, and anything path-like that is no wheel is refused. */
        const char *at = memchr(s, '@', path_end);
        bool pep508_url = at && !looks_like_path(s, (size_t)(at - s));
        if (!pep508_url && (looks_like_path(s, path_end) || is_archive(s, path_end))) {
            if (!ends_with_icase(s, path_end, ".whl"))
                return fail_at(c, f, l, 0, PW_EUNSUPPORTED,
                               "local directories and source archives are not supported: pwpkg "
                               "installs wheels only (found '%.*s')",
                               (int)path_end, s);
            rc = wheel_requirement(c, f, l, 0, path_end, extras_start, extras_len, req);
        } else {
            size_t off = 0;
            rc = pw_requirement_parse_at(pw_slice_make(s, body_len), req, &off, c->err);
            if (rc)
                return wrap_at(c, f, l, off);
            if (req->url) {
                size_t url_off = (size_t)(strstr(s, req->url) - s);
                pw_slice file = link_filename(req->url, strlen(req->url));
                pw_slice scheme = url_scheme(req->url, strlen(req->url));
                /* "name @ git+https://...@REF": built from the commit by the
                 * resolver (git sources); other VCS stay unsupported. */
                bool git = scheme.ptr && starts_with_icase(scheme.ptr, scheme.len, "git+");
                if (!git && ((scheme.ptr && scheme_is_vcs(scheme)) ||
                             !ends_with_icase(file.ptr, file.len, ".whl"))) {
                    rc = unsupported_url(c, f, l, url_off, req->url, strlen(req->url));
                    pw_requirement_free(req);
                    return rc;
                }
            }
        }
    }
    if (rc) {
        pw_requirement_free(req);
        return rc;
    }
    /* The marker part; pip ignores an empty one ("name;"). */
    size_t m = marker_start;
    while (m < len && is_space(s[m]))
        m++;
    if (m < len) {
        size_t off = 0;
        rc = pw_marker_parse_at(pw_slice_make(s + marker_start, len - marker_start), &req->marker, &off,
                                c->err);
        if (rc) {
            pw_requirement_free(req);
            return wrap_at(c, f, l, marker_start + off);
        }
    }
    return 0;
}

static int add_requirement(rf_ctx *c, const rf_file *f, const rf_line *l, size_t len, line_opts *lo)
{
    pw_reqfile_entry e;
    memset(&e, 0, sizeof(e));
    for (size_t i = 0; i < lo->n_opts; i++) {
        const parsed_opt *o = &lo->opts[i];
        int rc = 0;
        if (o->def->id == OPT_HASH)
            rc = parse_hash(c, f, l, o, &e.hashes);
        else if (o->def->id == OPT_CONFIG_SETTINGS || o->def->id == OPT_GLOBAL_OPTION)
            rc = fail_at(c, f, l, o->off, PW_EUNSUPPORTED,
                         "option %s is not supported: pwpkg installs wheels and never builds",
                         o->def->long_name);
        /* pip ignores every other option on a requirement line. */
        if (rc) {
            pw_strlist_free(&e.hashes);
            return rc;
        }
    }
    int rc = parse_requirement_line(c, f, l, len, &e.req);
    if (rc) {
        pw_strlist_free(&e.hashes);
        return rc;
    }
    e.text = pw_xstrndup(l->text.data, len);
    e.file = pw_xstrdup(f->path);
    e.line = l->line;
    pw_reqfile *out = c->out;
    if (f->constraint) {
        PW_GROW(out->constraints, c->con_cap, out->n_constraints + 1);
        out->constraints[out->n_constraints++] = e;
    } else {
        PW_GROW(out->requirements, c->req_cap, out->n_requirements + 1);
        out->requirements[out->n_requirements++] = e;
    }
    return 0;
}

/* ------------------------------------------------------------- includes */

static int read_input(rf_ctx *c, const char *path, pw_buf *out)
{
    if (c->io && c->io->read_file)
        return c->io->read_file(c->io->ctx, path, out, c->err);
    return pw_read_file(path, out, c->err);
}

static int include_file(rf_ctx *c, const rf_file *f, const rf_line *l, const parsed_opt *o)
{
    bool constraint = o->def->id == OPT_CONSTRAINT;
    const char *value = o->value;
    /* pip's SCHEME_RE: ^(http|https|file): */
    if (starts_with_icase(value, strlen(value), "http:") || starts_with_icase(value, strlen(value), "https:") ||
        starts_with_icase(value, strlen(value), "file:"))
        return fail_at(c, f, l, o->value_off, PW_EUNSUPPORTED,
                       "including requirements files from URLs is not supported yet: '%s'", value);
    if (!value[0])
        return fail_at(c, f, l, o->value_off, PW_EINVAL, "expected a file name after %s", o->def->long_name);
    char *child = join_relative(f->path, value);
    char *key = path_key(child);
    int rc = 0;
    if (pw_strlist_contains(&c->chain_keys, key)) {
        pw_buf chain = PW_BUF_INIT;
        size_t from = 0;
        while (strcmp(c->chain_keys.items[from], key) != 0)
            from++;
        for (size_t i = from; i < c->chain_names.len; i++)
            pw_buf_printf(&chain, "%s -> ", c->chain_names.items[i]);
        pw_buf_puts(&chain, child);
        rc = fail_at(c, f, l, o->value_off, PW_EINVAL, "requirements files include each other in a cycle: %s",
                     pw_buf_cstr(&chain));
        pw_buf_free(&chain);
    } else if (c->chain_keys.len >= PW_REQFILE_MAX_DEPTH) {
        rc = fail_at(c, f, l, o->value_off, PW_ELIMIT,
                     "-r/-c includes nested deeper than %d files (at '%s')", PW_REQFILE_MAX_DEPTH, child);
    } else {
        pw_buf text = PW_BUF_INIT;
        rc = read_input(c, child, &text);
        if (rc) {
            size_t line, col;
            locate(f, l, o->value_off, &line, &col);
            pw_error_wrap(c->err, "%s:%zu:%zu: cannot read %s file", f->path, line, col,
                          constraint ? "constraints" : "requirements");
        } else {
            rc = parse_file_text(c, child, text.data ? text.data : "", text.len, constraint);
        }
        pw_buf_free(&text);
    }
    free(key);
    free(child);
    return rc;
}

/* ----------------------------------------------------------- lines */

static const char *lookup_env(rf_ctx *c, const char *name)
{
    if (c->io && c->io->getenv)
        return c->io->getenv(c->io->ctx, name);
    return getenv(name);
}

/* pip's ENV_VAR_RE: \$\{([A-Z0-9_]+)\}; unset or empty variables stay as written. */
static void expand_vars(rf_ctx *c, const rf_line *in, rf_line *out)
{
    out->line = in->line;
    const char *s = in->text.data;
    size_t len = in->text.len;
    for (size_t i = 0; i < len;) {
        if (s[i] == '$' && i + 1 < len && s[i + 1] == '{') {
            size_t j = i + 2;
            while (j < len && ((s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= '0' && s[j] <= '9') || s[j] == '_'))
                j++;
            if (j > i + 2 && j < len && s[j] == '}') {
                char *name = pw_xstrndup(s + i + 2, j - i - 2);
                const char *value = lookup_env(c, name);
                free(name);
                if (value && value[0]) {
                    for (const char *v = value; *v; v++)
                        line_push(out, *v, in->origin[i]);
                    i = j + 1;
                    continue;
                }
            }
        }
        line_push(out, s[i], in->origin[i]);
        i++;
    }
}

static int handle_line(rf_ctx *c, const rf_file *f, rf_line *raw)
{
    /* COMMENT_RE = (^|\s+)#.*$ */
    const char *s = raw->text.data;
    size_t len = raw->text.len;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '#' && (i == 0 || is_space(s[i - 1]))) {
            len = i;
            break;
        }
    }
    size_t start = 0;
    while (start < len && is_space(s[start]))
        start++;
    while (len > start && is_space(s[len - 1]))
        len--;
    if (start == len)
        return 0;

    rf_line stripped = {PW_BUF_INIT, NULL, 0, raw->line};
    for (size_t i = start; i < len; i++)
        line_push(&stripped, s[i], raw->origin[i]);
    rf_line l = {PW_BUF_INIT, NULL, 0, 0};
    expand_vars(c, &stripped, &l);
    line_free(&stripped);

    /* break_args_options: split on single spaces; the first token starting
     * with '-' begins the options. */
    const char *t = l.text.data;
    size_t n = l.text.len;
    size_t args_len = n, opts_start = n;
    for (size_t i = 0; i < n; i++) {
        if ((i == 0 || t[i - 1] == ' ') && t[i] == '-') {
            args_len = i ? i - 1 : 0;
            opts_start = i;
            break;
        }
    }
    while (args_len > 0 && is_space(t[args_len - 1]))
        args_len--;

    line_opts lo;
    memset(&lo, 0, sizeof(lo));
    int rc = shell_split(c, f, &l, opts_start, &lo);
    if (!rc)
        rc = parse_options(c, f, &l, &lo);
    if (!rc && args_len > 0) {
        rc = add_requirement(c, f, &l, args_len, &lo);
    } else if (!rc) {
        for (size_t i = 0; i < lo.n_opts; i++) {
            if (lo.opts[i].def->id == OPT_EDITABLE) {
                rc = fail_at(c, f, &l, lo.opts[i].off, PW_EUNSUPPORTED,
                             "editable requirements (-e) are not supported: pwpkg installs wheels only");
                break;
            }
        }
        pw_reqfile *out = c->out;
        for (size_t i = 0; !rc && i < lo.n_opts; i++) {
            const parsed_opt *o = &lo.opts[i];
            switch (o->def->id) {
            case OPT_INDEX_URL:
                free(out->index_url);
                out->index_url = pw_xstrdup(o->value);
                break;
            case OPT_EXTRA_INDEX_URL: strlist_push_unique(&out->extra_index_urls, o->value); break;
            case OPT_FIND_LINKS: strlist_push_unique(&out->find_links, o->value); break;
            case OPT_TRUSTED_HOST: strlist_push_unique(&out->trusted_hosts, o->value); break;
            case OPT_NO_INDEX: out->no_index = true; break;
            case OPT_PRE: out->pre = true; break;
            case OPT_PREFER_BINARY: out->prefer_binary = true; break;
            case OPT_REQUIRE_HASHES: out->require_hashes = true; break;
            case OPT_NO_BINARY:
            case OPT_ONLY_BINARY:
                if (o->value[0] == '-' || o->value[0] == '\0') {
                    rc = fail_at(c, f, &l, o->value_off, PW_EINVAL,
                                 "expected a comma-separated list of names, :all: or :none: after %s",
                                 o->def->long_name);
                    break;
                }
                if (o->def->id == OPT_NO_BINARY)
                    binary_option(o->value, &out->no_binary, &out->only_binary);
                else
                    binary_option(o->value, &out->only_binary, &out->no_binary);
                pw_strlist_sort(&out->no_binary);
                pw_strlist_sort(&out->only_binary);
                break;
            case OPT_REQUIREMENT:
            case OPT_CONSTRAINT: rc = include_file(c, f, &l, o); break;
            case OPT_HASH:
                /* pip warns and ignores; a hash that lost its requirement is
                 * almost always a missing '\' on the line before. */
                rc = fail_at(c, f, &l, o->off, PW_EINVAL,
                             "--hash must follow a requirement on the same logical line (missing '\\' at "
                             "the end of the line before?)");
                break;
            case OPT_CONFIG_SETTINGS:
            case OPT_GLOBAL_OPTION:
                rc = fail_at(c, f, &l, o->off, PW_EUNSUPPORTED,
                             "option %s is not supported: pwpkg installs wheels and never builds",
                             o->def->long_name);
                break;
            case OPT_USE_FEATURE: /* pip's own feature flags mean nothing to pwpkg */
            case OPT_EDITABLE: break;
            }
        }
    }
    line_opts_free(&lo);
    line_free(&l);
    return rc;
}

/* A full-line comment (pip: COMMENT_RE.match at the start of the line). */
static bool is_comment_line(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && is_space(s[i]))
        i++;
    return i < len && s[i] == '#';
}

static int parse_file_text(rf_ctx *c, const char *path, const char *text, size_t len, bool constraint)
{
    strlist_push_unique(&c->out->files, path);
    /* pip's auto_decode drops a UTF-8 byte order mark. */
    size_t begin = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

    rf_file f = {path, text, len, NULL, 0, constraint};
    size_t cap = 0;
    /* str.splitlines(): "\n", "\r\n" and "\r" end lines; no empty last line. */
    size_t *ends = NULL;
    size_t ends_cap = 0;
    for (size_t i = begin; i < len;) {
        PW_GROW(f.line_starts, cap, f.n_lines + 1);
        PW_GROW(ends, ends_cap, f.n_lines + 1);
        f.line_starts[f.n_lines] = i;
        size_t j = i;
        while (j < len && text[j] != '\n' && text[j] != '\r')
            j++;
        ends[f.n_lines++] = j;
        if (j < len && text[j] == '\r' && j + 1 < len && text[j + 1] == '\n')
            j++;
        i = j + 1;
    }

    char *key = path_key(path);
    pw_strlist_push_owned(&c->chain_keys, key);
    pw_strlist_push(&c->chain_names, path);

    int rc = 0;
    rf_line l = {PW_BUF_INIT, NULL, 0, 0};
    bool pending = false;
    for (size_t n = 0; n < f.n_lines && !rc; n++) {
        const char *s = text + f.line_starts[n];
        size_t slen = ends[n] - f.line_starts[n];
        const char *nul = memchr(s, '\0', slen);
        if (nul) {
            rf_line here = {PW_BUF_INIT, NULL, 0, n + 1};
            line_push(&here, '\0', (size_t)(nul - text));
            rc = fail_at(c, &f, &here, 0, PW_EINVAL, "unexpected NUL byte: expected a text file");
            line_free(&here);
            break;
        }
        bool comment = is_comment_line(s, slen);
        if (!pending)
            l.line = n + 1;
        if (slen == 0 || s[slen - 1] != '\\' || comment) {
            /* pip prefixes a space so that the comment is still recognized
             * once joined to a continued line. */
            if (comment)
                line_push(&l, ' ', f.line_starts[n]);
            for (size_t i = 0; i < slen; i++)
                line_push(&l, s[i], f.line_starts[n] + i);
            rc = handle_line(c, &f, &l);
            line_reset(&l);
            pending = false;
        } else {
            /* pip: line.strip("\\") */
            size_t a = 0, b = slen;
            while (a < b && s[a] == '\\')
                a++;
            while (b > a && s[b - 1] == '\\')
                b--;
            for (size_t i = a; i < b; i++)
                line_push(&l, s[i], f.line_starts[n] + i);
            pending = true;
        }
    }
    if (!rc && pending)
        rc = handle_line(c, &f, &l);
    line_free(&l);

    free(c->chain_keys.items[--c->chain_keys.len]);
    free(c->chain_names.items[--c->chain_names.len]);
    free(f.line_starts);
    free(ends);
    return rc;
}

/* ------------------------------------------------------------- public */

void pw_reqfile_free(pw_reqfile *rf)
{
    if (!rf)
        return;
    pw_reqfile_entry *lists[2] = {rf->requirements, rf->constraints};
    size_t counts[2] = {rf->n_requirements, rf->n_constraints};
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < counts[k]; i++) {
            pw_requirement_free(&lists[k][i].req);
            free(lists[k][i].text);
            free(lists[k][i].file);
            pw_strlist_free(&lists[k][i].hashes);
        }
        free(lists[k]);
    }
    free(rf->index_url);
    pw_strlist_free(&rf->extra_index_urls);
    pw_strlist_free(&rf->find_links);
    pw_strlist_free(&rf->trusted_hosts);
    pw_strlist_free(&rf->only_binary);
    pw_strlist_free(&rf->no_binary);
    pw_strlist_free(&rf->files);
    memset(rf, 0, sizeof(*rf));
}

static int finish(rf_ctx *c, int rc)
{
    pw_strlist_free(&c->chain_keys);
    pw_strlist_free(&c->chain_names);
    if (rc)
        pw_reqfile_free(c->out);
    return rc;
}

int pw_reqfile_parse_text(const char *path, const char *text, size_t len, const pw_reqfile_io *io,
                          pw_reqfile *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    rf_ctx c;
    memset(&c, 0, sizeof(c));
    c.io = io;
    c.out = out;
    c.err = err;
    return finish(&c, parse_file_text(&c, path, text ? text : "", text ? len : 0, false));
}

int pw_reqfile_parse(const char *path, const pw_reqfile_io *io, pw_reqfile *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    if (starts_with_icase(path, strlen(path), "http:") || starts_with_icase(path, strlen(path), "https:") ||
        starts_with_icase(path, strlen(path), "file:"))
        return pw_error_set(err, PW_EUNSUPPORTED, "%s: requirements files from URLs are not supported yet",
                            path);
    rf_ctx c;
    memset(&c, 0, sizeof(c));
    c.io = io;
    c.out = out;
    c.err = err;
    pw_buf text = PW_BUF_INIT;
    int rc = read_input(&c, path, &text);
    if (!rc)
        rc = parse_file_text(&c, path, text.data ? text.data : "", text.len, false);
    pw_buf_free(&text);
    return finish(&c, rc);
}

static bool weak_hash(const char *h)
{
    return strncmp(h, "md5:", 4) == 0 || strncmp(h, "sha1:", 5) == 0 || strncmp(h, "sha224:", 7) == 0;
}

int pw_reqfile_check_hashes(const pw_reqfile *rf, pw_error *err)
{
    bool hash_mode = rf->require_hashes;
    for (size_t i = 0; i < rf->n_requirements && !hash_mode; i++)
        hash_mode = rf->requirements[i].hashes.len > 0;
    if (!hash_mode)
        return 0;
    const char *why = rf->require_hashes ? "--require-hashes is given" : "some requirements have --hash";
    for (size_t i = 0; i < rf->n_requirements; i++) {
        const pw_reqfile_entry *e = &rf->requirements[i];
        const char *text = e->text ? e->text : (e->req.name ? e->req.name : "");
        if (e->hashes.len == 0)
            return pw_error_set(err, PW_EINVAL,
                                "%s:%zu: '%s' has no --hash: in hash-checking mode (%s) every "
                                "requirement needs one",
                                e->file, e->line, text, why);
        for (size_t h = 0; h < e->hashes.len; h++)
            if (weak_hash(e->hashes.items[h]))
                return pw_error_set(err, PW_EINVAL,
                                    "%s:%zu: --hash=%s uses a weak algorithm: expected sha256, sha384 or "
                                    "sha512",
                                    e->file, e->line, e->hashes.items[h]);
        if (e->req.url)
            continue; /* a direct URL names one file: pinned by construction */
        const pw_specifier_set *s = &e->req.specifiers;
        bool pinned = s->len == 1 && ((s->items[0].op == PW_OP_EQ && !s->items[0].wildcard) ||
                                      s->items[0].op == PW_OP_ARBITRARY);
        if (!pinned)
            return pw_error_set(err, PW_EINVAL,
                                "%s:%zu: '%s' is not pinned: in hash-checking mode (%s) every "
                                "requirement needs exactly one == or === version",
                                e->file, e->line, text, why);
    }
    return 0;
}
