/* pw_slice: counted views into bytes owned elsewhere. */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
