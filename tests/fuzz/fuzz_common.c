/* Helpers shared by every fuzz harness; see fuzz.h. */
#include "fuzz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fuzz_check(bool cond, const char *fmt, ...)
{
    if (cond)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz invariant: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

void fuzz_check_status(const char *what, int rc, const pw_error *err)
{
    /* PWPKG_FUZZ_VERBOSE=1 shows what each input did, to check that seeds
     * reach the paths they were written for. */
    const char *verbose = getenv("PWPKG_FUZZ_VERBOSE");
    if (verbose && verbose[0] == '1')
        fprintf(stderr, "  %s: %s%s%s\n", what, pw_status_name(rc), rc ? ": " : "",
                rc ? pw_error_message(err) : "");
    if (rc == 0)
        return;
    fuzz_check(rc < 0 && rc >= PW_ERUNTIME, "%s returned %d, not a PW_E* code", what, rc);
    fuzz_check(err->code == rc, "%s returned %s but the error holds %s", what, pw_status_name(rc),
               pw_status_name(err->code));
    fuzz_check(err->message != NULL && err->message[0] != '\0', "%s failed (%s) without a message",
               what, pw_status_name(rc));
}

char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = pw_xmalloc(size + 1);
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

size_t fuzz_split(const uint8_t *data, size_t size, const char *sep, pw_slice *parts, size_t max)
{
    const char *p = (const char *)data;
    size_t left = size, n = 0, seplen = strlen(sep);
    while (n + 1 < max) {
        const char *hit = seplen <= left ? memmem(p, left, sep, seplen) : NULL;
        if (!hit)
            break;
        parts[n++] = pw_slice_make(p, (size_t)(hit - p));
        left -= (size_t)(hit - p) + seplen;
        p = hit + seplen;
    }
    parts[n++] = pw_slice_make(p, left);
    return n;
}

void fuzz_check_same_text(const char *what, const pw_buf *a, const pw_buf *b)
{
    if (a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0))
        return;
    fprintf(stderr, "fuzz invariant: %s differ\n--- first (%zu bytes)\n%s\n--- second (%zu bytes)\n%s\n",
            what, a->len, pw_buf_cstr(a), b->len, pw_buf_cstr(b));
    abort();
}
