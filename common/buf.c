/* pw_buf: a growable byte buffer, always NUL-terminated once written. */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
