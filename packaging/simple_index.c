#include "simple_index.h"

#include "tags.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --------------------------------------------------------------- helpers */

/* HTML's ASCII whitespace (no \v). */
static bool is_html_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool is_hex(pw_slice s)
{
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (pw_hex_value(s.ptr[i]) < 0)
            return false;
    return true;
}

static char *lower_dup(pw_slice s)
{
    char *out = pw_xstrndup(s.ptr, s.len);
    for (size_t i = 0; i < s.len; i++)
        out[i] = pw_ascii_lower(out[i]);
    return out;
}

static bool ends_with_icase(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && pw_slice_eq_icase_cstr(pw_slice_make(s + n - m, m), suffix);
}

static void put_utf8(pw_buf *out, unsigned long cp)
{
    /* HTML: NUL, surrogates and values past U+10FFFF become U+FFFD. */
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        pw_buf_putc(out, (char)cp);
    } else if (cp < 0x800) {
        pw_buf_putc(out, (char)(0xC0 | (cp >> 6)));
        pw_buf_putc(out, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        pw_buf_putc(out, (char)(0xE0 | (cp >> 12)));
        pw_buf_putc(out, (char)(0x80 | ((cp >> 6) & 0x3F)));
        pw_buf_putc(out, (char)(0x80 | (cp & 0x3F)));
    } else {
        pw_buf_putc(out, (char)(0xF0 | (cp >> 18)));
        pw_buf_putc(out, (char)(0x80 | ((cp >> 12) & 0x3F)));
        pw_buf_putc(out, (char)(0x80 | ((cp >> 6) & 0x3F)));
        pw_buf_putc(out, (char)(0x80 | (cp & 0x3F)));
    }
}

/* Decodes one character reference at s[0] == '&'; returns the bytes
 * consumed, 0 when it is not one (then '&' stands for itself). */
static size_t decode_entity(const char *s, size_t len, pw_buf *out)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"lt;", '<'}, {"gt;", '>'}, {"amp;", '&'}, {"quot;", '"'}, {"apos;", '\''}};
    for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
        size_t n = strlen(named[k].name);
        if (len > n && memcmp(s + 1, named[k].name, n) == 0) {
            pw_buf_putc(out, named[k].c);
            return n + 1;
        }
    }
    if (len < 3 || s[1] != '#')
        return 0;
    bool hex = s[2] == 'x' || s[2] == 'X';
    size_t i = hex ? 3 : 2, digits = 0;
    unsigned long cp = 0;
    while (i < len && (hex ? pw_hex_value(s[i]) >= 0 : pw_is_digit(s[i]))) {
        /* Saturate instead of overflowing: anything this big is invalid. */
        if (cp <= 0x10FFFF)
            cp = cp * (hex ? 16 : 10) + (unsigned long)(hex ? pw_hex_value(s[i]) : s[i] - '0');
        i++;
        digits++;
    }
    if (digits == 0 || i >= len || s[i] != ';')
        return 0;
    put_utf8(out, cp);
    return i + 1;
}

static void decode_entities(pw_slice s, pw_buf *out)
{
    size_t i = 0;
    while (i < s.len) {
        const char *amp = memchr(s.ptr + i, '&', s.len - i);
        size_t run = amp ? (size_t)(amp - (s.ptr + i)) : s.len - i;
        pw_buf_append(out, s.ptr + i, run);
        i += run;
        if (i >= s.len)
            break;
        size_t used = decode_entity(s.ptr + i, s.len - i, out);
        if (used == 0) {
            pw_buf_putc(out, '&');
            used = 1;
        }
        i += used;
    }
}

/* Decoded, trimmed copy; NULL when empty. */
static char *decoded_or_null(pw_slice raw)
{
    pw_buf b = PW_BUF_INIT;
    decode_entities(raw, &b);
    pw_slice t = pw_slice_trim(pw_slice_make(pw_buf_cstr(&b), b.len));
    char *out = t.len ? pw_xstrndup(t.ptr, t.len) : NULL;
    pw_buf_free(&b);
    return out;
}

/* ------------------------------------------------------------ file entries */

/*
 * The one rule for a file name, in both forms of a page: not empty, one
 * line (no control character), a name rather than a path (no '/'), no
 * surrounding white space. The HTML reader takes an anchor's text (decoded,
 * trimmed) as the name only when it passes, else the URL's last segment,
 * and drops a link whose name still does not; the JSON reader refuses the
 * page. A name one form can carry reads back the same from the other.
 * NULL when `name` passes, else what is wrong with it.
 */
static const char *file_name_problem(const char *name)
{
    if (!name || !*name)
        return "is empty";
    size_t n = 0;
    for (; name[n]; n++) {
        if ((unsigned char)name[n] < 0x20)
            return "holds a control character";
        if (name[n] == '/')
            return "holds a '/'";
    }
    if (pw_is_space(name[0]) || pw_is_space(name[n - 1]))
        return "starts or ends with white space";
    return NULL;
}


static void file_free(pw_index_file *f)
{
    free(f->filename);
    free(f->url);
    free(f->sha256);
    pw_strlist_free(&f->hashes);
    free(f->requires_python);
    free(f->yanked_reason);
    free(f->metadata_sha256);
    free(f->upload_time);
    memset(f, 0, sizeof(*f));
}

void pw_index_page_free(pw_index_page *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_files; i++)
        file_free(&p->files[i]);
    free(p->files);
    free(p->project);
    memset(p, 0, sizeof(*p));
}

typedef struct page_ctx {
    const char *shown; /* page URL for messages, credentials redacted */
    bool remote;       /* the page came over http(s): its links may only be http(s) */
    pw_error *err;
    pw_index_page *page;
    size_t cap;
} page_ctx;

static int page_error(page_ctx *c, int code, const char *fmt, ...) PW_PRINTF(3, 4);

static int page_error(page_ctx *c, int code, const char *fmt, ...)
{
    pw_buf b = PW_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    pw_error_set(c->err, code, "%s: %s", c->shown, pw_buf_cstr(&b));
    pw_buf_free(&b);
    return code;
}

static pw_index_file *page_add_file(page_ctx *c)
{
    if (c->page->n_files >= PW_INDEX_MAX_FILES)
        return NULL;
    PW_GROW(c->page->files, c->cap, c->page->n_files + 1);
    pw_index_file *f = &c->page->files[c->page->n_files++];
    memset(f, 0, sizeof(*f));
    f->size = -1;
    return f;
}

/* One "name=hexvalue" pair from a PEP 503 fragment or a PEP 691 "hashes"
 * entry. The hash name is lowercased as hashlib spells it. */
static int add_hash(page_ctx *c, pw_index_file *f, pw_slice name, pw_slice value)
{
    if (!is_hex(value))
        return page_error(c, PW_EINVAL, "file '%s': %.*s hash '%.*s' is not hexadecimal",
                          f->filename ? f->filename : f->url, PW_SLICE_ARG(name), PW_SLICE_ARG(value));
    char *lname = lower_dup(name);
    char *lvalue = lower_dup(value);
    if (strcmp(lname, "sha256") == 0) {
        if (value.len != PW_SHA256_HEX_LEN) {
            free(lname);
            free(lvalue);
            return page_error(c, PW_EINVAL, "file '%s': sha256 hash must be %d hexadecimal digits",
                              f->filename ? f->filename : f->url, PW_SHA256_HEX_LEN);
        }
        if (!f->sha256)
            f->sha256 = pw_xstrdup(lvalue);
    }
    pw_buf b = PW_BUF_INIT;
    pw_buf_printf(&b, "%s=%s", lname, lvalue);
    /* Duplicates go at the end (pw_strlist_sort_unique), keeping this linear. */
    pw_strlist_push_owned(&f->hashes, pw_buf_detach(&b));
    free(lname);
    free(lvalue);
    return PW_OK;
}

static bool is_hash_name(pw_slice s)
{
    if (s.len == 0 || s.len > 32)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (!pw_is_alpha(s.ptr[i]) && !pw_is_digit(s.ptr[i]) && s.ptr[i] != '_' && s.ptr[i] != '-')
            return false;
    return true;
}

/* PEP 503: "#<hashname>=<hashvalue>". Pairs are '&'-separated as pip
 * reads them; pairs that are not hashes (egg=, subdirectory=) are skipped. */
static int parse_hash_fragment(page_ctx *c, pw_index_file *f, pw_slice frag)
{
    size_t start = 0;
    for (size_t i = 0; i <= frag.len; i++) {
        if (i < frag.len && frag.ptr[i] != '&')
            continue;
        pw_slice pair = pw_slice_make(frag.ptr + start, i - start);
        start = i + 1;
        long eq = pw_slice_find_char(pair, '=');
        if (eq <= 0)
            continue;
        pw_slice name = pw_slice_make(pair.ptr, (size_t)eq);
        pw_slice value = pw_slice_make(pair.ptr + eq + 1, pair.len - (size_t)eq - 1);
        if (!is_hash_name(name))
            continue;
        bool known = pw_slice_eq_icase_cstr(name, "sha256");
        if (!known && !is_hex(value))
            continue;
        int rc = add_hash(c, f, name, value);
        if (rc)
            return rc;
    }
    pw_strlist_sort_unique(&f->hashes);
    return PW_OK;
}

/* PEP 658 / PEP 714 attribute value: "true" or "<hashname>=<hex>". As pip
 * does, anything else means no usable metadata file. */
static void set_metadata_attr(pw_index_file *f, pw_slice v)
{
    v = pw_slice_trim(v);
    if (pw_slice_eq_icase_cstr(v, "true")) {
        f->has_metadata = true;
        return;
    }
    long eq = pw_slice_find_char(v, '=');
    if (eq <= 0)
        return;
    pw_slice name = pw_slice_make(v.ptr, (size_t)eq);
    pw_slice value = pw_slice_make(v.ptr + eq + 1, v.len - (size_t)eq - 1);
    if (!is_hash_name(name) || !is_hex(value))
        return;
    f->has_metadata = true;
    if (pw_slice_eq_icase_cstr(name, "sha256") && value.len == PW_SHA256_HEX_LEN)
        f->metadata_sha256 = lower_dup(value);
}

/* %XX-decoded copy, for file names taken from a URL path. */
static char *percent_decode(pw_slice s)
{
    pw_buf b = PW_BUF_INIT;
    pw_percent_decode(s, &b);
    if (!b.data)
        pw_buf_puts(&b, "");
    return pw_buf_detach(&b);
}

static char *url_basename(const char *url)
{
    pw_url_parts u;
    pw_url_split(url, &u);
    size_t k = u.path.len;
    while (k > 0 && u.path.ptr[k - 1] != '/')
        k--;
    return percent_decode(pw_slice_make(u.path.ptr + k, u.path.len - k));
}

/* Resolves every file URL against `base` (NULL: URLs must be absolute)
 * and drops the fragment. */
static bool text_or_null(const char *s)
{
    return !s || pw_utf8_valid(s, strlen(s));
}

static bool file_is_text(const pw_index_file *f)
{
    if (!text_or_null(f->filename) || !text_or_null(f->url) || !text_or_null(f->sha256) ||
        !text_or_null(f->requires_python) || !text_or_null(f->yanked_reason) ||
        !text_or_null(f->metadata_sha256) || !text_or_null(f->upload_time))
        return false;
    for (size_t i = 0; i < f->hashes.len; i++)
        if (!text_or_null(f->hashes.items[i]))
            return false;
    return true;
}

static bool scheme_is(const char *url, const char *scheme)
{
    size_t n = strlen(scheme);
    return strncasecmp(url, scheme, n) == 0 && url[n] == ':';
}

/* Which links a page may make pwpkg follow. A page served over http(s)
 * names http(s) files only: a file: link (or a <base href> pointing
 * there) would make a remote index read the developer's disk, lock a
 * local path, or hash /etc/passwd into an error message. A local page (a
 * mirror, --find-links DIR) may name local files too. Other schemes
 * (javascript:, data:, ftp:) name no file anyone can install. */
static bool link_allowed(const page_ctx *c, const char *url)
{
    if (scheme_is(url, "http") || scheme_is(url, "https"))
        return true;
    return !c->remote && scheme_is(url, "file");
}

static int resolve_file_urls(page_ctx *c, const char *base)
{
    pw_url_parts b;
    if (base)
        pw_url_split(base, &b);
    for (size_t i = 0; i < c->page->n_files; i++) {
        pw_index_file *f = &c->page->files[i];
        char *abs = NULL;
        if (pw_url_resolve_parts(base ? &b : NULL, f->url, &abs) != PW_OK) {
            return page_error(c, PW_EINVAL,
                              "file '%s': relative URL '%s' and no absolute page URL to "
                              "resolve it against",
                              f->filename ? f->filename : f->url, f->url);
        }
        char *hash = strchr(abs, '#');
        if (hash) {
            *hash = '\0';
            /* "x #frag": the space before the fragment is not part of it */
            while (hash > abs && (hash[-1] == ' ' || hash[-1] == '\f'))
                *--hash = '\0';
        }
        free(f->url);
        f->url = abs;
        if (!f->filename || !*f->filename) {
            free(f->filename);
            /* Trimmed like anchor text, so that a written page reads back
             * the same. */
            char *last = url_basename(f->url);
            pw_slice t = pw_slice_trim(pw_slice_from(last));
            f->filename = pw_xstrndup(t.ptr ? t.ptr : "", t.len);
            free(last);
        }
        f->is_wheel = ends_with_icase(f->filename, ".whl");
    }
    /* A link without a file name ("https://h/x/"), or whose name breaks
     * file_name_problem's rule (percent-decoded: "a%2Fb" holds a '/'),
     * names no distribution; nor does one whose resolved URL holds a
     * control character (from a <base href>). */
    size_t kept = 0, refused = 0;
    for (size_t i = 0; i < c->page->n_files; i++) {
        pw_index_file *f = &c->page->files[i];
        bool control = file_name_problem(f->filename) != NULL;
        for (const char *k = f->url; k && *k && !control; k++)
            control = (unsigned char)*k < 0x20;
        /* nor one with a field that is not text: JSON (PEP 691) cannot
         * carry it, and nothing could print it */
        if (!control && !file_is_text(f))
            control = true;
        if (control) {
            file_free(f);
            continue;
        }
        if (!link_allowed(c, f->url)) {
            if (refused++ == 0) {
                char *shown = pw_redact_url(f->url);
                pw_report(PW_REPORT_WARN, "%s: link to %s ignored: %s", c->shown, shown,
                          c->remote ? "a page served over HTTP may only link to http(s) files"
                                    : "not an http(s) or file URL");
                free(shown);
            }
            file_free(f);
            continue;
        }
        c->page->files[kept++] = *f;
    }
    if (refused > 1)
        pw_report(PW_REPORT_WARN, "%s: %zu links ignored in all", c->shown, refused);
    c->page->n_files = kept;
    return PW_OK;
}

/* PEP 691 "api-version" / PEP 629 "pypi:repository-version": MAJOR.MINOR;
 * only major 1 is understood. */
static int check_api_version(page_ctx *c, const char *what, pw_slice v)
{
    v = pw_slice_trim(v);
    size_t i = 0;
    while (i < v.len && pw_is_digit(v.ptr[i]))
        i++;
    bool well_formed = i > 0 && i <= 9;
    if (well_formed && i < v.len) {
        size_t j = i + 1;
        well_formed = v.ptr[i] == '.' && j < v.len;
        while (well_formed && j < v.len)
            well_formed = pw_is_digit(v.ptr[j++]);
    }
    if (!well_formed)
        return page_error(c, PW_EINVAL, "%s '" PW_SLICE_FMT "' is not MAJOR.MINOR", what,
                          PW_SLICE_ARG(v));
    if (!(i == 1 && v.ptr[0] == '1'))
        return page_error(c, PW_EUNSUPPORTED,
                          "%s " PW_SLICE_FMT " is not supported (pwpkg understands 1.x)", what,
                          PW_SLICE_ARG(v));
    return PW_OK;
}

/* ------------------------------------------------------------ PEP 503 HTML */

enum html_attr_id {
    ATTR_HREF,
    ATTR_REQUIRES_PYTHON,
    ATTR_YANKED,
    ATTR_CORE_METADATA,
    ATTR_DIST_INFO_METADATA,
    ATTR_NAME,
    ATTR_CONTENT,
    ATTR_COUNT
};

static const char *const html_attr_names[ATTR_COUNT] = {
    "href",        "data-requires-python", "data-yanked", "data-core-metadata",
    "data-dist-info-metadata", "name",     "content",
};

typedef struct html_tag {
    pw_slice name;
    bool present[ATTR_COUNT];
    pw_slice value[ATTR_COUNT];
} html_tag;

static size_t skip_space(const char *s, size_t len, size_t i)
{
    while (i < len && is_html_space(s[i]))
        i++;
    return i;
}

/*
 * Reads a start tag's attributes from s[i] (just after the tag name) to
 * its '>', keeping the ones html_attr_names lists (the first of each, as
 * HTML does). Returns the index after '>', or `len` when the input ends
 * inside the tag (the partial tag is dropped).
 */
static size_t read_attributes(const char *s, size_t len, size_t i, html_tag *tag, bool *complete)
{
    *complete = false;
    for (;;) {
        while (i < len && (is_html_space(s[i]) || s[i] == '/'))
            i++;
        if (i >= len)
            return len;
        if (s[i] == '>') {
            *complete = true;
            return i + 1;
        }
        size_t name_start = i;
        if (s[i] == '=')
            i++;
        while (i < len && !is_html_space(s[i]) && s[i] != '>' && s[i] != '/' && s[i] != '=')
            i++;
        pw_slice name = pw_slice_make(s + name_start, i - name_start);
        pw_slice value = pw_slice_make(s + i, 0);
        i = skip_space(s, len, i);
        if (i < len && s[i] == '=') {
            i = skip_space(s, len, i + 1);
            if (i >= len)
                return len;
            if (s[i] == '"' || s[i] == '\'') {
                const char *close = memchr(s + i + 1, s[i], len - i - 1);
                if (!close)
                    return len;
                value = pw_slice_make(s + i + 1, (size_t)(close - (s + i + 1)));
                i = (size_t)(close - s) + 1;
            } else {
                size_t start = i;
                while (i < len && !is_html_space(s[i]) && s[i] != '>')
                    i++;
                value = pw_slice_make(s + start, i - start);
            }
        }
        for (int k = 0; k < ATTR_COUNT; k++) {
            if (!tag->present[k] && pw_slice_eq_icase_cstr(name, html_attr_names[k])) {
                tag->present[k] = true;
                tag->value[k] = value;
            }
        }
    }
}

/* Index just past the end tag "</name", case-insensitive, for elements
 * whose content is raw text; `len` when there is none. */
static size_t skip_raw_text(const char *s, size_t len, size_t i, pw_slice name)
{
    while (i < len) {
        const char *lt = memchr(s + i, '<', len - i);
        if (!lt)
            return len;
        i = (size_t)(lt - s) + 1;
        if (i < len && s[i] == '/' && len - i - 1 >= name.len) {
            bool match = true;
            for (size_t k = 0; k < name.len && match; k++)
                match = pw_ascii_lower(s[i + 1 + k]) == pw_ascii_lower(name.ptr[k]);
            if (match)
                return i - 1;
        }
    }
    return len;
}

typedef struct anchor_state {
    bool open;
    html_tag tag;
    pw_buf text;
} anchor_state;

static int check_attr_len(page_ctx *c, const html_tag *tag)
{
    for (int k = 0; k < ATTR_COUNT; k++)
        if (tag->present[k] && tag->value[k].len > PW_INDEX_MAX_ATTR)
            return page_error(c, PW_ELIMIT, "attribute %s is longer than %d bytes",
                              html_attr_names[k], PW_INDEX_MAX_ATTR);
    return PW_OK;
}

static int finish_anchor(page_ctx *c, anchor_state *a)
{
    if (!a->open)
        return PW_OK;
    a->open = false;
    const html_tag *t = &a->tag;
    if (!t->present[ATTR_HREF])
        return PW_OK;
    /* WHATWG URL: surrounding whitespace is stripped, tabs and newlines
     * inside are removed. */
    pw_buf href = PW_BUF_INIT;
    decode_entities(pw_slice_trim(t->value[ATTR_HREF]), &href);
    size_t w = 0;
    for (size_t i = 0; i < href.len; i++)
        if (href.data[i] != '\t' && href.data[i] != '\n' && href.data[i] != '\r')
            href.data[w++] = href.data[i];
    href.len = w;
    if (!href.data || w == 0) {
        pw_buf_free(&href);
        return PW_OK;
    }
    href.data[w] = '\0';

    pw_index_file *f = page_add_file(c);
    if (!f) {
        pw_buf_free(&href);
        return page_error(c, PW_ELIMIT, "more than %d files", PW_INDEX_MAX_FILES);
    }
    /* A link holding a control character names no distribution file (and
     * would read differently in the JSON form of the page): skip it. */
    for (size_t i = 0; i < href.len; i++)
        if ((unsigned char)href.data[i] < 0x20) {
            c->page->n_files--;
            pw_buf_free(&href);
            return PW_OK;
        }
    char *text = decoded_or_null(pw_slice_make(pw_buf_cstr(&a->text), a->text.len));
    if (text && file_name_problem(text)) {
        free(text);
        text = NULL;
    }
    f->filename = text; /* NULL: taken from the URL once resolved */
    f->url = pw_buf_detach(&href);
    char *frag = strchr(f->url, '#');
    if (frag) {
        int rc = parse_hash_fragment(c, f, pw_slice_from(frag + 1));
        if (rc)
            return rc;
    }
    if (t->present[ATTR_REQUIRES_PYTHON])
        f->requires_python = decoded_or_null(t->value[ATTR_REQUIRES_PYTHON]);
    if (t->present[ATTR_YANKED]) {
        /* PEP 592: the attribute's presence yanks; its value is the reason. */
        f->yanked = true;
        f->yanked_reason = decoded_or_null(t->value[ATTR_YANKED]);
    }
    /* PEP 714: data-core-metadata wins over the older data-dist-info-metadata. */
    int meta = t->present[ATTR_CORE_METADATA]        ? ATTR_CORE_METADATA
               : t->present[ATTR_DIST_INFO_METADATA] ? ATTR_DIST_INFO_METADATA
                                                     : -1;
    if (meta >= 0) {
        pw_buf v = PW_BUF_INIT;
        decode_entities(t->value[meta], &v);
        set_metadata_attr(f, pw_slice_make(pw_buf_cstr(&v), v.len));
        pw_buf_free(&v);
    }
    return PW_OK;
}

/* The project is the last path segment of a ".../simple/<project>/" URL. */
static char *project_from_url(const char *url)
{
    if (!url)
        return NULL;
    pw_url_parts u;
    pw_url_split(url, &u);
    pw_slice p = u.path;
    while (p.len && p.ptr[p.len - 1] == '/')
        p.len--;
    size_t k = p.len;
    while (k > 0 && p.ptr[k - 1] != '/')
        k--;
    if (k == p.len)
        return NULL;
    return percent_decode(pw_slice_make(p.ptr + k, p.len - k));
}

static int parse_html(page_ctx *c, const char *page_url, const char *s, size_t len)
{
    anchor_state a = {0};
    char *base_href = NULL;
    bool base_seen = false;
    int rc = PW_OK;
    size_t i = 0;
    while (i < len && rc == PW_OK) {
        const char *lt = memchr(s + i, '<', len - i);
        size_t run = lt ? (size_t)(lt - (s + i)) : len - i;
        if (a.open) {
            if (a.text.len + run > PW_INDEX_MAX_ATTR) {
                rc = page_error(c, PW_ELIMIT, "link text is longer than %d bytes",
                                PW_INDEX_MAX_ATTR);
                break;
            }
            pw_buf_append(&a.text, s + i, run);
        }
        i += run;
        if (i >= len)
            break;
        /* s[i] == '<' */
        size_t rest = len - i;
        if (rest >= 4 && memcmp(s + i, "<!--", 4) == 0) {
            size_t j = i + 4;
            i = len;
            while (j + 3 <= len) {
                const char *dash = memchr(s + j, '-', len - j);
                if (!dash || (size_t)(dash - s) + 3 > len)
                    break;
                j = (size_t)(dash - s);
                if (s[j + 1] == '-' && s[j + 2] == '>') {
                    i = j + 3;
                    break;
                }
                j++;
            }
            continue;
        }
        if (rest >= 2 && (s[i + 1] == '!' || s[i + 1] == '?')) {
            const char *gt = memchr(s + i, '>', len - i);
            i = gt ? (size_t)(gt - s) + 1 : len;
            continue;
        }
        if (rest >= 2 && s[i + 1] == '/') {
            size_t j = i + 2, name_start = j;
            while (j < len && (pw_is_alpha(s[j]) || pw_is_digit(s[j])))
                j++;
            pw_slice name = pw_slice_make(s + name_start, j - name_start);
            const char *gt = memchr(s + j, '>', len - j);
            i = gt ? (size_t)(gt - s) + 1 : len;
            if (pw_slice_eq_icase_cstr(name, "a"))
                rc = finish_anchor(c, &a);
            continue;
        }
        if (rest < 2 || !pw_is_alpha(s[i + 1])) {
            if (a.open)
                pw_buf_putc(&a.text, '<');
            i++;
            continue;
        }
        size_t j = i + 1, name_start = j;
        while (j < len && (pw_is_alpha(s[j]) || pw_is_digit(s[j])))
            j++;
        html_tag tag;
        memset(&tag, 0, sizeof(tag));
        tag.name = pw_slice_make(s + name_start, j - name_start);
        bool complete;
        i = read_attributes(s, len, j, &tag, &complete);
        if (!complete)
            break;
        if (pw_slice_eq_icase_cstr(tag.name, "a")) {
            /* An <a> inside an open <a> closes it, as HTML parsers do. */
            rc = finish_anchor(c, &a);
            if (rc == PW_OK)
                rc = check_attr_len(c, &tag);
            if (rc == PW_OK) {
                a.open = true;
                a.tag = tag;
                pw_buf_reset(&a.text);
            }
        } else if (pw_slice_eq_icase_cstr(tag.name, "base")) {
            /* HTML: the first <base href> sets the document's base URL,
             * wherever it sits, so links are resolved after the scan. */
            if (!base_seen && tag.present[ATTR_HREF]) {
                base_seen = true;
                if (tag.value[ATTR_HREF].len > 8192) {
                    rc = page_error(c, PW_ELIMIT, "<base href> is longer than 8192 bytes");
                    break;
                }
                base_href = decoded_or_null(tag.value[ATTR_HREF]);
                /* As for <a href>: URL parsers drop ASCII tabs and newlines. */
                if (base_href) {
                    size_t w = 0;
                    for (size_t k = 0; base_href[k]; k++)
                        if (base_href[k] != '\t' && base_href[k] != '\n' && base_href[k] != '\r')
                            base_href[w++] = base_href[k];
                    base_href[w] = '\0';
                    if (w == 0) {
                        free(base_href);
                        base_href = NULL;
                    }
                }
            }
        } else if (pw_slice_eq_icase_cstr(tag.name, "meta")) {
            if (tag.present[ATTR_NAME] && tag.present[ATTR_CONTENT] &&
                pw_slice_eq_icase_cstr(pw_slice_trim(tag.value[ATTR_NAME]),
                                       "pypi:repository-version"))
                rc = check_api_version(c, "pypi:repository-version", tag.value[ATTR_CONTENT]);
        } else if (pw_slice_eq_icase_cstr(tag.name, "script") ||
                   pw_slice_eq_icase_cstr(tag.name, "style") ||
                   pw_slice_eq_icase_cstr(tag.name, "textarea") ||
                   pw_slice_eq_icase_cstr(tag.name, "title")) {
            i = skip_raw_text(s, len, i, tag.name);
        }
    }
    if (rc == PW_OK)
        rc = finish_anchor(c, &a);
    pw_buf_free(&a.text);
    if (rc == PW_OK) {
        char *base = NULL;
        if (base_href) {
            if (page_url) {
                pw_url_parts p;
                pw_url_split(page_url, &p);
                if (pw_url_resolve_parts(&p, base_href, &base) != PW_OK)
                    base = NULL;
            } else if (pw_url_resolve_parts(NULL, base_href, &base) != PW_OK) {
                base = NULL;
            }
            if (!base)
                rc = page_error(c, PW_EINVAL, "<base href=\"%s\"> is not an absolute URL",
                                base_href);
        }
        if (rc == PW_OK)
            rc = resolve_file_urls(c, base ? base : page_url);
        free(base);
    }
    free(base_href);
    if (rc == PW_OK)
        c->page->project = project_from_url(page_url);
    return rc;
}

/* ------------------------------------------------------------ PEP 691 JSON */

static const cJSON *json_get(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static int json_file(page_ctx *c, size_t index, const cJSON *jf)
{
    if (!cJSON_IsObject(jf))
        return page_error(c, PW_EINVAL, "files[%zu] must be an object", index);
    const cJSON *filename = json_get(jf, "filename");
    if (!cJSON_IsString(filename) || !filename->valuestring[0])
        return page_error(c, PW_EINVAL, "files[%zu]: \"filename\" must be a non-empty string",
                          index);
    const char *fn = filename->valuestring;
    const cJSON *url = json_get(jf, "url");
    if (!cJSON_IsString(url) || !url->valuestring[0])
        return page_error(c, PW_EINVAL, "files[%zu] (%s): \"url\" must be a non-empty string",
                          index, fn);
    if (strlen(fn) > PW_INDEX_MAX_ATTR || strlen(url->valuestring) > PW_INDEX_MAX_ATTR)
        return page_error(c, PW_ELIMIT, "files[%zu]: file name or URL longer than %d bytes",
                          index, PW_INDEX_MAX_ATTR);
    /* The names the HTML form cannot carry are refused, not read
     * differently from it. */
    const char *problem = file_name_problem(fn);
    if (problem)
        return page_error(c, PW_EINVAL,
                          "files[%zu]: file name '%s' %s (expected the name of a distribution "
                          "file, e.g. \"pkg-1.0-py3-none-any.whl\": one line, no '/', no "
                          "surrounding white space)",
                          index, fn, problem);
    /* URLs are single-line text; a control character would read
     * differently in the HTML form of the same page. */
    for (const char *k = url->valuestring; *k; k++)
        if ((unsigned char)*k < 0x20)
            return page_error(c, PW_EINVAL, "files[%zu] (%s): \"url\" holds a control character",
                              index, fn);
    const cJSON *hashes = json_get(jf, "hashes");
    if (!cJSON_IsObject(hashes))
        return page_error(c, PW_EINVAL, "files[%zu] (%s): \"hashes\" must be an object", index,
                          fn);

    pw_index_file *f = page_add_file(c);
    if (!f)
        return page_error(c, PW_ELIMIT, "more than %d files", PW_INDEX_MAX_FILES);
    f->filename = pw_xstrdup(fn);
    f->url = pw_xstrdup(url->valuestring);
    for (const cJSON *h = hashes->child; h; h = h->next) {
        if (!cJSON_IsString(h) || !h->string)
            return page_error(c, PW_EINVAL, "files[%zu] (%s): hash \"%s\" must be a string",
                              index, fn, h->string ? h->string : "");
        /* A key that is no hash name ("", "a=b") is skipped, as the PEP 503
         * fragment parser skips one: written back as a fragment it would
         * read as another hash, or as none. */
        if (!is_hash_name(pw_slice_from(h->string)))
            continue;
        int rc = add_hash(c, f, pw_slice_from(h->string), pw_slice_from(h->valuestring));
        if (rc)
            return rc;
    }
    pw_strlist_sort_unique(&f->hashes);

    const cJSON *rp = json_get(jf, "requires-python");
    if (rp && !cJSON_IsNull(rp)) {
        if (!cJSON_IsString(rp))
            return page_error(c, PW_EINVAL,
                              "files[%zu] (%s): \"requires-python\" must be a string", index, fn);
        pw_slice t = pw_slice_trim(pw_slice_from(rp->valuestring));
        f->requires_python = t.len ? pw_xstrndup(t.ptr, t.len) : NULL;
    }
    const cJSON *yanked = json_get(jf, "yanked");
    if (yanked && !cJSON_IsNull(yanked)) {
        /* PEP 691: a boolean, or a string that both yanks and gives the reason. */
        if (cJSON_IsBool(yanked)) {
            f->yanked = cJSON_IsTrue(yanked);
        } else if (cJSON_IsString(yanked)) {
            f->yanked = true;
            f->yanked_reason = yanked->valuestring[0] ? pw_xstrdup(yanked->valuestring) : NULL;
        } else {
            return page_error(c, PW_EINVAL,
                              "files[%zu] (%s): \"yanked\" must be a boolean or a string", index,
                              fn);
        }
    }
    /* PEP 714: "core-metadata" wins over the older "dist-info-metadata". */
    const char *meta_key = "core-metadata";
    const cJSON *meta = json_get(jf, meta_key);
    if (!meta || cJSON_IsNull(meta)) {
        meta_key = "dist-info-metadata";
        meta = json_get(jf, meta_key);
    }
    if (meta && !cJSON_IsNull(meta)) {
        if (cJSON_IsBool(meta)) {
            f->has_metadata = cJSON_IsTrue(meta);
        } else if (cJSON_IsObject(meta)) {
            f->has_metadata = true;
            for (const cJSON *h = meta->child; h; h = h->next) {
                if (!cJSON_IsString(h) || !is_hex(pw_slice_from(h->valuestring)))
                    return page_error(c, PW_EINVAL,
                                      "files[%zu] (%s): \"%s\" hash \"%s\" must be a hex string",
                                      index, fn, meta_key, h->string ? h->string : "");
                if (h->string && pw_slice_eq_icase_cstr(pw_slice_from(h->string), "sha256")) {
                    if (strlen(h->valuestring) != PW_SHA256_HEX_LEN)
                        return page_error(c, PW_EINVAL,
                                          "files[%zu] (%s): \"%s\" sha256 must be %d "
                                          "hexadecimal digits",
                                          index, fn, meta_key, PW_SHA256_HEX_LEN);
                    free(f->metadata_sha256);
                    f->metadata_sha256 = lower_dup(pw_slice_from(h->valuestring));
                }
            }
        } else {
            return page_error(c, PW_EINVAL,
                              "files[%zu] (%s): \"%s\" must be a boolean or an object of hashes",
                              index, fn, meta_key);
        }
    }
    const cJSON *up = json_get(jf, "upload-time");
    if (up && !cJSON_IsNull(up)) {
        int64_t when;
        pw_error terr = {0};
        if (!cJSON_IsString(up) || pw_parse_timestamp(up->valuestring, &when, &terr) != PW_OK) {
            pw_error_clear(&terr);
            return page_error(c, PW_EINVAL,
                              "files[%zu] (%s): \"upload-time\" must be an ISO 8601 timestamp "
                              "string",
                              index, fn);
        }
        f->upload_time = pw_xstrdup(up->valuestring);
    }
    const cJSON *size = json_get(jf, "size");
    if (size && !cJSON_IsNull(size)) {
        double d = cJSON_IsNumber(size) ? size->valuedouble : -1;
        /* PEP 700: an integer; doubles hold integers exactly up to 2^53. */
        if (!(d >= 0 && d <= 9007199254740992.0 && d == floor(d)))
            return page_error(c, PW_EINVAL,
                              "files[%zu] (%s): \"size\" must be a non-negative integer", index,
                              fn);
        f->size = (int64_t)d;
    }
    return PW_OK;
}

static int parse_json(page_ctx *c, const char *page_url, const char *body, size_t len)
{
    cJSON *root = NULL;
    int rc = pw_json_parse(c->shown, body, len, &root, c->err);
    if (rc)
        return rc;
    if (!cJSON_IsObject(root)) {
        rc = page_error(c, PW_EINVAL, "expected a JSON object at the top level");
        goto out;
    }
    const cJSON *meta = json_get(root, "meta");
    const cJSON *ver = cJSON_IsObject(meta) ? json_get(meta, "api-version") : NULL;
    if (!cJSON_IsString(ver)) {
        rc = page_error(c, PW_EINVAL, "expected \"meta\": {\"api-version\": \"1.x\"} (PEP 691)");
        goto out;
    }
    rc = check_api_version(c, "api-version", pw_slice_from(ver->valuestring));
    if (rc)
        goto out;
    const cJSON *name = json_get(root, "name");
    if (!cJSON_IsString(name) || !name->valuestring[0]) {
        rc = page_error(c, PW_EINVAL, "\"name\" must be a project name");
        goto out;
    }
    const cJSON *files = json_get(root, "files");
    if (!cJSON_IsArray(files)) {
        rc = page_error(c, PW_EINVAL, "\"files\" must be an array");
        goto out;
    }
    const cJSON *versions = json_get(root, "versions");
    if (versions && !cJSON_IsArray(versions)) {
        rc = page_error(c, PW_EINVAL, "\"versions\" must be an array");
        goto out;
    }
    size_t index = 0;
    for (const cJSON *jf = files->child; jf && rc == PW_OK; jf = jf->next)
        rc = json_file(c, index++, jf);
    if (rc == PW_OK)
        rc = resolve_file_urls(c, page_url);
    if (rc == PW_OK)
        c->page->project = pw_xstrdup(name->valuestring);
out:
    cJSON_Delete(root);
    return rc;
}

/* ---------------------------------------------------------- entry point */

enum page_format { FORMAT_HTML, FORMAT_JSON, FORMAT_UNKNOWN };

static int classify_content_type(page_ctx *c, const char *content_type, enum page_format *fmt)
{
    pw_slice ct = pw_slice_from(content_type);
    long semi = pw_slice_find_char(ct, ';');
    if (semi >= 0)
        ct.len = (size_t)semi;
    ct = pw_slice_trim(ct);
    if (pw_slice_eq_icase_cstr(ct, "text/html") ||
        pw_slice_eq_icase_cstr(ct, "application/vnd.pypi.simple.v1+html") ||
        pw_slice_eq_icase_cstr(ct, "application/xhtml+xml")) {
        *fmt = FORMAT_HTML;
        return PW_OK;
    }
    if (pw_slice_eq_icase_cstr(ct, "application/vnd.pypi.simple.v1+json") ||
        pw_slice_eq_icase_cstr(ct, "application/json")) {
        *fmt = FORMAT_JSON;
        return PW_OK;
    }
    if (ct.len > 26 && pw_slice_starts_with(ct, "application/vnd.pypi.simple."))
        return page_error(c, PW_EUNSUPPORTED,
                          "content type '" PW_SLICE_FMT "' is not supported (pwpkg understands "
                          "application/vnd.pypi.simple.v1+json and +html)",
                          PW_SLICE_ARG(ct));
    /* Static hosting often labels pages text/plain or octet-stream: the
     * body decides, as when no type was sent. A declared type never does:
     * a page that says JSON and is not is an error, not an empty page. */
    if (pw_slice_eq_icase_cstr(ct, "text/plain") ||
        pw_slice_eq_icase_cstr(ct, "application/octet-stream")) {
        *fmt = FORMAT_UNKNOWN;
        return PW_OK;
    }
    return page_error(c, PW_EINVAL,
                      "unexpected content type '" PW_SLICE_FMT "' for a simple index page",
                      PW_SLICE_ARG(ct));
}

int pw_index_page_parse(const char *page_url, const char *content_type, const char *body,
                        size_t len, pw_index_page *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    char *shown = pw_redact_url(page_url ? page_url : "(index page)");
    page_ctx c = {.shown = shown, .err = err, .page = out, .cap = 0};
    c.remote = page_url && (scheme_is(page_url, "http") || scheme_is(page_url, "https"));
    enum page_format fmt = FORMAT_UNKNOWN;
    int rc = PW_OK;
    /* Index pages are text: a NUL would silently cut names and URLs. */
    const char *nul = len ? memchr(body, '\0', len) : NULL;
    if (nul)
        rc = pw_error_set(err, PW_EINVAL, "%s: a NUL byte at offset %zu; an index page is text",
                          shown, (size_t)(nul - body));
    else if (content_type && *content_type)
        rc = classify_content_type(&c, content_type, &fmt);
    if (rc == PW_OK && fmt == FORMAT_UNKNOWN) {
        size_t i = 0;
        if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
            i = 3;
        i = skip_space(body, len, i);
        fmt = i < len && body[i] == '{' ? FORMAT_JSON : FORMAT_HTML;
    }
    if (rc == PW_OK && page_url) {
        pw_url_parts u;
        pw_url_split(page_url, &u);
        if (!u.has_scheme)
            rc = page_error(&c, PW_EINVAL, "the page URL must be absolute");
    }
    if (rc == PW_OK)
        rc = fmt == FORMAT_JSON ? parse_json(&c, page_url, body ? body : "", body ? len : 0)
                                : parse_html(&c, page_url, body ? body : "", body ? len : 0);
    if (rc != PW_OK)
        pw_index_page_free(out);
    free(shown);
    return rc;
}

/* ---------------------------------------------------------------- writers */

static int compare_files(const void *a, const void *b)
{
    const pw_index_file *x = *(const pw_index_file *const *)a;
    const pw_index_file *y = *(const pw_index_file *const *)b;
    int r = strcmp(x->filename ? x->filename : "", y->filename ? y->filename : "");
    return r ? r : strcmp(x->url ? x->url : "", y->url ? y->url : "");
}

static const pw_index_file **sorted_files(const pw_index_page *p)
{
    const pw_index_file **v = pw_xcalloc(p->n_files ? p->n_files : 1, sizeof(*v));
    for (size_t i = 0; i < p->n_files; i++)
        v[i] = &p->files[i];
    qsort(v, p->n_files, sizeof(*v), compare_files);
    return v;
}

/* The hash the HTML fragment carries: sha256 when known, else the first. */
static char *fragment_hash(const pw_index_file *f)
{
    pw_buf b = PW_BUF_INIT;
    if (f->sha256) {
        pw_buf_printf(&b, "sha256=%s", f->sha256);
    } else if (f->hashes.len) {
        pw_strlist sorted = PW_STRLIST_INIT;
        for (size_t i = 0; i < f->hashes.len; i++)
            pw_strlist_push(&sorted, f->hashes.items[i]);
        pw_strlist_sort(&sorted);
        pw_buf_puts(&b, sorted.items[0]);
        pw_strlist_free(&sorted);
    }
    return b.len ? pw_buf_detach(&b) : NULL;
}

void pw_index_page_write_html(const pw_index_page *p, pw_buf *out)
{
    const char *project = p->project ? p->project : "";
    pw_buf_puts(out, "<!DOCTYPE html>\n<html>\n  <head>\n"
                     "    <meta name=\"pypi:repository-version\" content=\"1.0\">\n"
                     "    <title>Links for ");
    pw_escape_html(out, project);
    pw_buf_puts(out, "</title>\n  </head>\n  <body>\n    <h1>Links for ");
    pw_escape_html(out, project);
    pw_buf_puts(out, "</h1>\n");
    const pw_index_file **files = sorted_files(p);
    for (size_t i = 0; i < p->n_files; i++) {
        const pw_index_file *f = files[i];
        pw_buf_puts(out, "    <a href=\"");
        pw_escape_html(out, f->url ? f->url : "");
        char *frag = fragment_hash(f);
        if (frag) {
            pw_buf_putc(out, '#');
            pw_escape_html(out, frag);
            free(frag);
        }
        pw_buf_putc(out, '"');
        if (f->requires_python) {
            pw_buf_puts(out, " data-requires-python=\"");
            pw_escape_html(out, f->requires_python);
            pw_buf_putc(out, '"');
        }
        if (f->yanked) {
            pw_buf_puts(out, " data-yanked=\"");
            pw_escape_html(out, f->yanked_reason ? f->yanked_reason : "");
            pw_buf_putc(out, '"');
        }
        if (f->has_metadata) {
            /* PEP 714: both spellings, for clients that know only the old one. */
            pw_buf meta = PW_BUF_INIT;
            if (f->metadata_sha256)
                pw_buf_printf(&meta, "sha256=%s", f->metadata_sha256);
            else
                pw_buf_puts(&meta, "true");
            pw_buf_printf(out, " data-core-metadata=\"%s\" data-dist-info-metadata=\"%s\"",
                          meta.data, meta.data);
            pw_buf_free(&meta);
        }
        pw_buf_putc(out, '>');
        pw_escape_html(out, f->filename ? f->filename : "");
        pw_buf_puts(out, "</a><br>\n");
    }
    free(files);
    pw_buf_puts(out, "  </body>\n</html>\n");
}

static const char *const sdist_suffixes[] = {".tar.gz", ".tar.bz2", ".tar.xz", ".tar.Z", ".tgz",
                                             ".tbz",    ".zip",     ".tar"};

/* The version a file name carries, NULL when it cannot be told. */
static char *version_from_filename(const char *project_key, const char *filename)
{
    if (ends_with_icase(filename, ".whl")) {
        pw_wheel_name w;
        pw_error err = {0};
        if (pw_wheel_name_parse(filename, &w, &err) != PW_OK) {
            pw_error_clear(&err);
            return NULL;
        }
        char *v = pw_xstrdup(w.version);
        pw_wheel_name_free(&w);
        return v;
    }
    size_t n = strlen(filename), stem = 0;
    for (size_t k = 0; k < sizeof(sdist_suffixes) / sizeof(sdist_suffixes[0]); k++) {
        if (ends_with_icase(filename, sdist_suffixes[k])) {
            stem = n - strlen(sdist_suffixes[k]);
            break;
        }
    }
    if (stem == 0)
        return NULL;
    /* The name part may itself hold '-': find the split whose left side
     * normalizes to the project. */
    for (size_t k = stem; k-- > 1;) {
        if (filename[k] != '-' || k + 1 >= stem)
            continue;
        if (project_key) {
            pw_buf nb = PW_BUF_INIT;
            pw_normalize_name_buf(pw_slice_make(filename, k), &nb);
            bool match = strcmp(pw_buf_cstr(&nb), project_key) == 0;
            pw_buf_free(&nb);
            if (!match)
                continue;
        }
        return pw_xstrndup(filename + k + 1, stem - k - 1);
    }
    return NULL;
}

void pw_index_page_write_json(const pw_index_page *p, pw_buf *out)
{
    char *key = pw_normalize_name(p->project ? p->project : "");
    cJSON *root = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(root, "meta");
    /* PEP 700 fields ("size", "upload-time", "versions") make this 1.1. */
    cJSON_AddStringToObject(meta, "api-version", "1.1");
    cJSON_AddStringToObject(root, "name", key);
    cJSON *files = cJSON_AddArrayToObject(root, "files");
    pw_strlist versions = PW_STRLIST_INIT;
    const pw_index_file **sorted = sorted_files(p);
    for (size_t i = 0; i < p->n_files; i++) {
        const pw_index_file *f = sorted[i];
        cJSON *jf = cJSON_CreateObject();
        cJSON_AddStringToObject(jf, "filename", f->filename ? f->filename : "");
        cJSON_AddStringToObject(jf, "url", f->url ? f->url : "");
        cJSON *hashes = cJSON_AddObjectToObject(jf, "hashes");
        for (size_t h = 0; h < f->hashes.len; h++) {
            const char *eq = strchr(f->hashes.items[h], '=');
            if (!eq)
                continue;
            char *name = pw_xstrndup(f->hashes.items[h], (size_t)(eq - f->hashes.items[h]));
            if (!cJSON_GetObjectItemCaseSensitive(hashes, name))
                cJSON_AddStringToObject(hashes, name, eq + 1);
            free(name);
        }
        if (f->sha256 && !cJSON_GetObjectItemCaseSensitive(hashes, "sha256"))
            cJSON_AddStringToObject(hashes, "sha256", f->sha256);
        if (f->requires_python)
            cJSON_AddStringToObject(jf, "requires-python", f->requires_python);
        if (f->yanked) {
            if (f->yanked_reason)
                cJSON_AddStringToObject(jf, "yanked", f->yanked_reason);
            else
                cJSON_AddTrueToObject(jf, "yanked");
        }
        if (f->has_metadata) {
            /* PEP 714: both keys, for clients that know only the old one. */
            for (int k = 0; k < 2; k++) {
                const char *name = k == 0 ? "core-metadata" : "dist-info-metadata";
                if (f->metadata_sha256) {
                    cJSON *m = cJSON_AddObjectToObject(jf, name);
                    cJSON_AddStringToObject(m, "sha256", f->metadata_sha256);
                } else {
                    cJSON_AddTrueToObject(jf, name);
                }
            }
        }
        if (f->upload_time)
            cJSON_AddStringToObject(jf, "upload-time", f->upload_time);
        if (f->size >= 0)
            cJSON_AddNumberToObject(jf, "size", (double)f->size);
        cJSON_AddItemToArray(files, jf);
        char *v = f->filename ? version_from_filename(key, f->filename) : NULL;
        if (v)
            pw_strlist_push_owned(&versions, v);
    }
    free(sorted);
    pw_strlist_sort_unique(&versions);
    cJSON *jv = cJSON_AddArrayToObject(root, "versions");
    for (size_t i = 0; i < versions.len; i++)
        cJSON_AddItemToArray(jv, cJSON_CreateString(versions.items[i]));
    pw_strlist_free(&versions);
    pw_json_write(root, out);
    cJSON_Delete(root);
    free(key);
}

typedef struct root_entry {
    char *key;
    const char *name;
} root_entry;

static int compare_root_entries(const void *a, const void *b)
{
    const root_entry *x = a, *y = b;
    int r = strcmp(x->key, y->key);
    return r ? r : strcmp(x->name, y->name);
}

/* Projects sorted by normalized name, one entry per normalized name. */
static root_entry *root_entries(const pw_strlist *projects, size_t *n)
{
    root_entry *v = pw_xcalloc(projects->len ? projects->len : 1, sizeof(*v));
    for (size_t i = 0; i < projects->len; i++) {
        v[i].key = pw_normalize_name(projects->items[i]);
        v[i].name = projects->items[i];
    }
    qsort(v, projects->len, sizeof(*v), compare_root_entries);
    size_t w = 0;
    for (size_t i = 0; i < projects->len; i++) {
        if (w > 0 && strcmp(v[w - 1].key, v[i].key) == 0) {
            free(v[i].key);
            continue;
        }
        v[w++] = v[i];
    }
    *n = w;
    return v;
}

void pw_index_root_write_html(const pw_strlist *projects, pw_buf *out)
{
    size_t n;
    root_entry *v = root_entries(projects, &n);
    pw_buf_puts(out, "<!DOCTYPE html>\n<html>\n  <head>\n"
                     "    <meta name=\"pypi:repository-version\" content=\"1.0\">\n"
                     "    <title>Simple index</title>\n  </head>\n  <body>\n");
    for (size_t i = 0; i < n; i++) {
        pw_buf_puts(out, "    <a href=\"");
        pw_escape_html(out, v[i].key);
        pw_buf_puts(out, "/\">");
        pw_escape_html(out, v[i].name);
        pw_buf_puts(out, "</a><br>\n");
        free(v[i].key);
    }
    pw_buf_puts(out, "  </body>\n</html>\n");
    free(v);
}

void pw_index_root_write_json(const pw_strlist *projects, pw_buf *out)
{
    size_t n;
    root_entry *v = root_entries(projects, &n);
    cJSON *root = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(root, "meta");
    cJSON_AddStringToObject(meta, "api-version", "1.1");
    cJSON *list = cJSON_AddArrayToObject(root, "projects");
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", v[i].name);
        cJSON_AddItemToArray(list, e);
        free(v[i].key);
    }
    free(v);
    pw_json_write(root, out);
    cJSON_Delete(root);
}
