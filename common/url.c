/* RFC 3986 URLs: splitting and reference resolution (section 5.2). */
#include "common.h"

#include <stdlib.h>
#include <string.h>

/* RFC 3986 appendix B, with the scheme checked against section 3.1 so
 * that a relative path holding ':' after a '/' is not taken for one. */
void pw_url_split(const char *s, pw_url_parts *u)
{
    memset(u, 0, sizeof(*u));
    size_t n = strlen(s), i = 0;
    size_t colon = strcspn(s, ":/?#");
    if (colon < n && s[colon] == ':' && colon > 0 && pw_is_alpha(s[0])) {
        bool ok = true;
        for (size_t k = 1; k < colon; k++)
            if (!pw_is_alpha(s[k]) && !pw_is_digit(s[k]) && s[k] != '+' && s[k] != '-' && s[k] != '.')
                ok = false;
        if (ok) {
            u->has_scheme = true;
            u->scheme = pw_slice_make(s, colon);
            i = colon + 1;
        }
    }
    if (n - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
        size_t start = i + 2, end = start + strcspn(s + start, "/?#");
        u->has_authority = true;
        u->authority = pw_slice_make(s + start, end - start);
        i = end;
    }
    size_t path_end = i + strcspn(s + i, "?#");
    u->path = pw_slice_make(s + i, path_end - i);
    i = path_end;
    if (i < n && s[i] == '?') {
        size_t end = i + 1 + strcspn(s + i + 1, "#");
        u->has_query = true;
        u->query = pw_slice_make(s + i + 1, end - i - 1);
        i = end;
    }
    if (i < n && s[i] == '#') {
        u->has_fragment = true;
        u->fragment = pw_slice_make(s + i + 1, n - i - 1);
    }
}

/* RFC 3986 section 5.2.4. `in` is consumed (modified in place). */
static void remove_dot_segments(char *in, size_t len, pw_buf *out)
{
    size_t i = 0;
    size_t out_start = out->len;
    while (i < len) {
        size_t rest = len - i;
        const char *p = in + i;
        if (rest >= 3 && memcmp(p, "../", 3) == 0) {
            i += 3;
        } else if (rest >= 2 && memcmp(p, "./", 2) == 0) {
            i += 2;
        } else if (rest >= 3 && memcmp(p, "/./", 3) == 0) {
            i += 2;
        } else if (rest == 2 && memcmp(p, "/.", 2) == 0) {
            in[i + 1] = '/';
            i += 1;
        } else if ((rest >= 4 && memcmp(p, "/../", 4) == 0) ||
                   (rest == 3 && memcmp(p, "/..", 3) == 0)) {
            if (rest == 3) {
                in[i + 2] = '/';
                i += 2;
            } else {
                i += 3;
            }
            size_t cut = out->len;
            while (cut > out_start && out->data[cut - 1] != '/')
                cut--;
            if (cut > out_start)
                cut--;
            out->len = cut;
            if (out->data)
                out->data[cut] = '\0';
        } else if ((rest == 1 && p[0] == '.') || (rest == 2 && memcmp(p, "..", 2) == 0)) {
            i = len;
        } else {
            size_t seg = p[0] == '/' ? 1 : 0;
            while (seg < rest && p[seg] != '/')
                seg++;
            pw_buf_append(out, p, seg);
            i += seg;
        }
    }
}

static void put_dotless(pw_buf *out, pw_slice path)
{
    char *copy = pw_xstrndup(path.ptr, path.len);
    remove_dot_segments(copy, path.len, out);
    free(copy);
}

/* RFC 3986 sections 5.2.2 (strict) and 5.3. `base` may be NULL when the
 * reference is absolute. */
int pw_url_resolve_parts(const pw_url_parts *b, const char *ref, char **out)
{
    pw_url_parts r;
    pw_url_split(ref, &r);
    *out = NULL;
    if (!r.has_scheme && (!b || !b->has_scheme))
        return PW_EINVAL;
    pw_buf t = PW_BUF_INIT;
    const pw_url_parts *auth_from, *query_from;
    pw_slice scheme = r.has_scheme ? r.scheme : b->scheme;
    pw_buf_put_slice(&t, scheme);
    pw_buf_putc(&t, ':');
    if (r.has_scheme || r.has_authority) {
        auth_from = &r;
        query_from = &r;
    } else {
        auth_from = b;
        query_from = r.path.len == 0 && !r.has_query ? b : &r;
    }
    if (auth_from->has_authority) {
        pw_buf_puts(&t, "//");
        pw_buf_put_slice(&t, auth_from->authority);
    }
    if (r.has_scheme || r.has_authority) {
        put_dotless(&t, r.path);
    } else if (r.path.len == 0) {
        pw_buf_put_slice(&t, b->path);
    } else if (r.path.ptr[0] == '/') {
        put_dotless(&t, r.path);
    } else {
        /* 5.2.3 merge */
        pw_buf merged = PW_BUF_INIT;
        if (b->has_authority && b->path.len == 0) {
            pw_buf_putc(&merged, '/');
        } else {
            size_t keep = b->path.len;
            while (keep > 0 && b->path.ptr[keep - 1] != '/')
                keep--;
            pw_buf_append(&merged, b->path.ptr, keep);
        }
        pw_buf_put_slice(&merged, r.path);
        remove_dot_segments(merged.data, merged.len, &t);
        pw_buf_free(&merged);
    }
    if (query_from->has_query) {
        pw_buf_putc(&t, '?');
        pw_buf_put_slice(&t, query_from->query);
    }
    if (r.has_fragment) {
        pw_buf_putc(&t, '#');
        pw_buf_put_slice(&t, r.fragment);
    }
    *out = pw_buf_detach(&t);
    return PW_OK;
}

int pw_url_resolve(const char *base, const char *ref, char **out)
{
    pw_url_parts b;
    pw_url_split(base, &b);
    if (!b.has_scheme) {
        *out = NULL;
        return PW_EINVAL;
    }
    return pw_url_resolve_parts(&b, ref, out);
}

/* ------------------------------------------------------ credentials */

/* Where the user:password@ of `url` is: [*start, *end); false when none. */
static bool find_userinfo(const char *url, const char **start, const char **end)
{
    const char *scheme_end = strstr(url, "://");
    if (!scheme_end)
        return false;
    const char *authority = scheme_end + 3;
    size_t authority_len = strcspn(authority, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < authority_len; i++)
        if (authority[i] == '@')
            at = authority + i;
    if (!at)
        return false;
    *start = authority;
    *end = at + 1;
    return true;
}

bool pw_is_url(const char *location)
{
    const char *sep = strstr(location, "://");
    if (!sep || sep == location)
        return false;
    for (const char *c = location; c < sep; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '+' || *c == '-' || *c == '.'))
            return false;
    return true;
}

/* Where the query of `url` starts ('?'), or NULL: only for URLs, and
 * before any fragment. */
static const char *query_of(const char *url)
{
    if (!pw_is_url(url))
        return NULL;
    const char *q = strchr(url, '?');
    const char *hash = strchr(url, '#');
    return q && (!hash || q < hash) ? q : NULL;
}

char *pw_url_strip_credentials(const char *url)
{
    /* userinfo, and the query: index tokens travel as ?token=... too */
    const char *start, *end;
    pw_buf b = PW_BUF_INIT;
    if (find_userinfo(url, &start, &end)) {
        pw_buf_append(&b, url, (size_t)(start - url));
        pw_buf_puts(&b, end);
    } else {
        pw_buf_puts(&b, url);
    }
    const char *q = query_of(b.data);
    if (q) {
        const char *hash = strchr(q, '#');
        size_t at = (size_t)(q - b.data);
        char *rest = hash ? pw_xstrdup(hash) : NULL;
        b.len = at;
        b.data[at] = '\0';
        if (rest)
            pw_buf_puts(&b, rest);
        free(rest);
    }
    return pw_buf_detach(&b);
}

char *pw_redact_url(const char *url)
{
    const char *start, *end;
    pw_buf b = PW_BUF_INIT;
    if (find_userinfo(url, &start, &end)) {
        pw_buf_append(&b, url, (size_t)(start - url));
        pw_buf_puts(&b, "***@");
        pw_buf_puts(&b, end);
    } else {
        pw_buf_puts(&b, url);
    }
    /* every query value: "?token=s3cret&x=1" -> "?token=***&x=***" */
    const char *q = query_of(b.data);
    if (!q)
        return pw_buf_detach(&b);
    pw_buf out = PW_BUF_INIT;
    pw_buf_append(&out, b.data, (size_t)(q - b.data) + 1);
    bool in_value = false;
    for (const char *c = q + 1; *c; c++) {
        if (*c == '#') {
            pw_buf_puts(&out, c);
            break;
        }
        if (*c == '&') {
            in_value = false;
            pw_buf_putc(&out, '&');
        } else if (*c == '=' && !in_value) {
            in_value = true;
            pw_buf_puts(&out, "=***");
        } else if (!in_value) {
            pw_buf_putc(&out, *c);
        }
    }
    pw_buf_free(&b);
    return pw_buf_detach(&out);
}

void pw_percent_decode(pw_slice s, pw_buf *out)
{
    for (size_t i = 0; i < s.len; i++) {
        int hi = s.ptr[i] == '%' && i + 2 < s.len ? pw_hex_value(s.ptr[i + 1]) : -1;
        int lo = hi >= 0 ? pw_hex_value(s.ptr[i + 2]) : -1;
        if (lo >= 0) {
            pw_buf_putc(out, (char)(hi * 16 + lo));
            i += 2;
        } else {
            pw_buf_putc(out, s.ptr[i]);
        }
    }
}
