#include "common.h"

#include <string.h>

bool pw_cstr_in(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

size_t pw_utf8_sequence(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (len == 0 || s[0] > 0xF4 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (len == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0)))
        return 0; /* overlong, or a UTF-16 surrogate */
    if (len == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90)))
        return 0; /* overlong, or beyond U+10FFFF */
    return len;
}

bool pw_utf8_valid(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = pw_utf8_sequence((const unsigned char *)s + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

/* Code points a terminal acts on rather than shows: C1 controls (CSI is
 * U+009B) and the bidirectional overrides that reorder what is displayed
 * ("Trojan Source"). C0 controls and DEL are handled byte by byte. */
static bool is_hidden_control(const unsigned char *s, size_t n)
{
    if (n == 2)
        return s[0] == 0xC2 && s[1] <= 0x9F;
    if (n == 3 && s[0] == 0xE2 && s[1] == 0x80)
        return s[2] >= 0xAA && s[2] <= 0xAE;
    if (n == 3 && s[0] == 0xE2 && s[1] == 0x81)
        return s[2] >= 0xA6 && s[2] <= 0xA9;
    return false;
}

void pw_escape_untrusted(pw_buf *out, const char *text, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < len;) {
        size_t n = pw_utf8_sequence(s + i, len - i);
        bool shown = n == 1 ? (s[i] >= 0x20 && s[i] != 0x7f) || s[i] == '\n' || s[i] == '\t'
                            : n > 1 && !is_hidden_control(s + i, n);
        if (n == 0)
            n = 1;
        if (shown) {
            pw_buf_append(out, text + i, n);
        } else {
            for (size_t k = 0; k < n; k++) {
                char esc[4] = {'\\', 'x', hex[s[i + k] >> 4], hex[s[i + k] & 15]};
                pw_buf_append(out, esc, sizeof(esc));
            }
        }
        i += n;
    }
}

void pw_escape_html(pw_buf *out, const char *text)
{
    for (; *text; text++) {
        switch (*text) {
        case '&': pw_buf_puts(out, "&amp;"); break;
        case '<': pw_buf_puts(out, "&lt;"); break;
        case '>': pw_buf_puts(out, "&gt;"); break;
        case '"': pw_buf_puts(out, "&quot;"); break;
        case '\'': pw_buf_puts(out, "&#39;"); break;
        default: pw_buf_putc(out, *text);
        }
    }
}

void pw_format_size(pw_buf *out, uint64_t bytes)
{
    if (bytes >= 1000 * 1000)
        pw_buf_printf(out, "%.1f MB", (double)bytes / 1e6);
    else if (bytes >= 1000)
        pw_buf_printf(out, "%.1f kB", (double)bytes / 1e3);
    else
        pw_buf_printf(out, "%llu B", (unsigned long long)bytes);
}
