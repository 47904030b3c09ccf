#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ allocation */

static void out_of_memory(size_t size)
{
    fprintf(stderr, "pwpkg: out of memory (allocating %zu bytes)\n", size);
    abort();
}

void *pw_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *pw_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *pw_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

char *pw_xstrdup(const char *s)
{
    return pw_xstrndup(s, strlen(s));
}

char *pw_xstrndup(const char *s, size_t len)
{
    char *p = pw_xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void pw_grow(void **array, size_t *cap, size_t need, size_t elem_size)
{
    if (need <= *cap)
        return;
    size_t new_cap = *cap ? *cap : 8;
    while (new_cap < need)
        new_cap *= 2;
    *array = pw_xrealloc(*array, new_cap * elem_size);
    *cap = new_cap;
}

/* ----------------------------------------------------------------- slices */

pw_slice pw_slice_from(const char *cstr)
{
    return (pw_slice){cstr, cstr ? strlen(cstr) : 0};
}

pw_slice pw_slice_make(const char *ptr, size_t len)
{
    return (pw_slice){ptr, len};
}

pw_slice pw_slice_trim(pw_slice s)
{
    while (s.len && pw_is_space(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len && pw_is_space(s.ptr[s.len - 1]))
        s.len--;
    return s;
}

bool pw_slice_eq(pw_slice a, pw_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool pw_slice_eq_cstr(pw_slice a, const char *b)
{
    return pw_slice_eq(a, pw_slice_from(b));
}

bool pw_slice_eq_icase_cstr(pw_slice a, const char *b)
{
    size_t n = strlen(b);
    if (n != a.len)
        return false;
    for (size_t i = 0; i < n; i++)
        if (pw_ascii_lower(a.ptr[i]) != pw_ascii_lower(b[i]))
            return false;
    return true;
}

bool pw_slice_starts_with(pw_slice s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.len >= n && memcmp(s.ptr, prefix, n) == 0;
}

bool pw_slice_ends_with(pw_slice s, const char *suffix)
{
    size_t n = strlen(suffix);
    return s.len >= n && memcmp(s.ptr + s.len - n, suffix, n) == 0;
}

long pw_slice_find_char(pw_slice s, char c)
{
    const char *p = s.len ? memchr(s.ptr, c, s.len) : NULL;
    return p ? (long)(p - s.ptr) : -1;
}

/* ----------------------------------------------------------------- buffer */

void pw_buf_init(pw_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void pw_buf_free(pw_buf *b)
{
    free(b->data);
    pw_buf_init(b);
}

void pw_buf_reset(pw_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void pw_buf_reserve(pw_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = pw_xrealloc(b->data, cap);
    b->cap = cap;
}

void pw_buf_append(pw_buf *b, const void *data, size_t len)
{
    pw_buf_reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void pw_buf_puts(pw_buf *b, const char *s)
{
    pw_buf_append(b, s, strlen(s));
}

void pw_buf_putc(pw_buf *b, char c)
{
    pw_buf_append(b, &c, 1);
}

void pw_buf_put_slice(pw_buf *b, pw_slice s)
{
    pw_buf_append(b, s.ptr, s.len);
}

void pw_buf_vprintf(pw_buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return;
    pw_buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void pw_buf_printf(pw_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *pw_buf_cstr(const pw_buf *b)
{
    return b->data ? b->data : "";
}

char *pw_buf_detach(pw_buf *b)
{
    char *s = b->data ? b->data : pw_xstrdup("");
    pw_buf_init(b);
    return s;
}

/* ------------------------------------------------------------------ arena */

struct pw_arena_block {
    pw_arena_block *next;
    size_t used;
    size_t size;
    _Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK_SIZE (64 * 1024)

void *pw_arena_alloc(pw_arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    pw_arena_block *blk = a->head;
    if (!blk || blk->size - blk->used < size) {
        size_t block_size = size > ARENA_BLOCK_SIZE / 4 ? size : ARENA_BLOCK_SIZE;
        blk = pw_xmalloc(sizeof(*blk) + block_size);
        blk->size = block_size;
        blk->used = 0;
        /* A large one-off allocation goes behind the current block so the
         * current block's free space stays usable. */
        if (a->head && size > ARENA_BLOCK_SIZE / 4) {
            blk->next = a->head->next;
            a->head->next = blk;
        } else {
            blk->next = a->head;
            a->head = blk;
        }
    }
    void *p = blk->data + blk->used;
    blk->used += size;
    memset(p, 0, size);
    return p;
}

char *pw_arena_strndup(pw_arena *a, const char *s, size_t len)
{
    char *p = pw_arena_alloc(a, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *pw_arena_strdup(pw_arena *a, const char *s)
{
    return pw_arena_strndup(a, s, strlen(s));
}

char *pw_arena_slice(pw_arena *a, pw_slice s)
{
    return pw_arena_strndup(a, s.ptr ? s.ptr : "", s.len);
}

char *pw_arena_printf(pw_arena *a, const char *fmt, ...)
{
    pw_buf b = PW_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *p = pw_arena_strndup(a, pw_buf_cstr(&b), b.len);
    pw_buf_free(&b);
    return p;
}

void pw_arena_free(pw_arena *a)
{
    pw_arena_block *blk = a->head;
    while (blk) {
        pw_arena_block *next = blk->next;
        free(blk);
        blk = next;
    }
    a->head = NULL;
}

/* ------------------------------------------------------------ string list */

void pw_strlist_push_owned(pw_strlist *l, char *s)
{
    PW_GROW(l->items, l->cap, l->len + 1);
    l->items[l->len++] = s;
}

void pw_strlist_push(pw_strlist *l, const char *s)
{
    pw_strlist_push_owned(l, pw_xstrdup(s));
}

bool pw_strlist_contains(const pw_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

static int compare_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void pw_strlist_sort(pw_strlist *l)
{
    if (l->len > 1)
        qsort(l->items, l->len, sizeof(char *), compare_cstr);
}

void pw_strlist_sort_unique(pw_strlist *l)
{
    pw_strlist_sort(l);
    size_t out = 0;
    for (size_t i = 0; i < l->len; i++) {
        if (out > 0 && strcmp(l->items[out - 1], l->items[i]) == 0) {
            free(l->items[i]);
            continue;
        }
        l->items[out++] = l->items[i];
    }
    l->len = out;
}

void pw_strlist_free(pw_strlist *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->len = l->cap = 0;
}

/* ----------------------------------------------------------------- names */

static bool is_name_separator(char c)
{
    return c == '-' || c == '_' || c == '.';
}

void pw_normalize_name_buf(pw_slice name, pw_buf *out)
{
    bool in_separator = false;
    for (size_t i = 0; i < name.len; i++) {
        char c = name.ptr[i];
        if (is_name_separator(c)) {
            in_separator = true;
            continue;
        }
        if (in_separator)
            pw_buf_putc(out, '-');
        in_separator = false;
        pw_buf_putc(out, pw_ascii_lower(c));
    }
    if (out->len == 0)
        pw_buf_puts(out, "");
}

char *pw_normalize_name(const char *name)
{
    pw_buf b = PW_BUF_INIT;
    pw_normalize_name_buf(pw_slice_from(name), &b);
    return pw_buf_detach(&b);
}

bool pw_names_equal(const char *a, const char *b)
{
    char *na = pw_normalize_name(a);
    char *nb = pw_normalize_name(b);
    bool eq = strcmp(na, nb) == 0;
    free(na);
    free(nb);
    return eq;
}

size_t pw_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = pw_xcalloc(lb + 1, sizeof(size_t));
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t above = row[j];
            size_t cost = pw_ascii_lower(a[i - 1]) == pw_ascii_lower(b[j - 1]) ? 0 : 1;
            size_t best = diagonal + cost;
            if (above + 1 < best)
                best = above + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

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
