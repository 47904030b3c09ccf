/* pw_strlist: a list of owned strings. */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
