/*
 * Output escaping (pw_escape_untrusted), the one place where untrusted text
 * (wheel METADATA, lock and index names, member names, URLs) meets a
 * terminal.
 *
 * Invariants: the escaped text is valid UTF-8 and holds no byte or code
 * point a terminal acts on (C0 but newline and tab, DEL, C1, bidi
 * overrides); text that holds none of them is left unchanged; and
 * escaping is idempotent, so a message escaped twice reads the same.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

static bool acts_on_terminal(const unsigned char *s, size_t n)
{
    if (n == 1)
        return (s[0] < 0x20 && s[0] != '\n' && s[0] != '\t') || s[0] == 0x7f;
    if (n == 2)
        return s[0] == 0xC2 && s[1] < 0xA0;
    if (n == 3 && s[0] == 0xE2 && s[1] == 0x80 && s[2] >= 0xAA && s[2] <= 0xAE)
        return true;
    return n == 3 && s[0] == 0xE2 && s[1] == 0x81 && s[2] >= 0xA6 && s[2] <= 0xA9;
}

/* True when text is valid UTF-8 with nothing a terminal acts on. */
static bool clean(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < len;) {
        size_t n = pw_utf8_sequence(s + i, len - i);
        if (n == 0 || acts_on_terminal(s + i, n))
            return false;
        i += n;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    pw_buf once = PW_BUF_INIT, twice = PW_BUF_INIT;
    pw_escape_untrusted(&once, text, size);
    fuzz_check(clean(pw_buf_cstr(&once), once.len), "escaped output still holds a terminal control");
    fuzz_check(once.len >= size, "escaping shortened the text");
    if (clean(text, size))
        fuzz_check(once.len == size && (size == 0 || memcmp(once.data, data, size) == 0),
                   "clean text was changed by escaping");
    pw_escape_untrusted(&twice, pw_buf_cstr(&once), once.len);
    fuzz_check(twice.len == once.len && (once.len == 0 || memcmp(twice.data, once.data, once.len) == 0),
               "escaping is not idempotent");
    pw_buf_free(&once);
    pw_buf_free(&twice);
    return 0;
}
