/* Project names (PEP 503) and "did you mean" distances. */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
