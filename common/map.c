#include "common.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a: short keys (package names), no adversary can pick them freely
 * enough to matter at these sizes, and it is one line. */
static size_t hash_key(const char *key)
{
    size_t h = 1469598103934665603ULL & SIZE_MAX;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * (1099511628211ULL & SIZE_MAX);
    return h;
}

static size_t find_slot(char *const *keys, size_t cap, const char *key)
{
    size_t i = hash_key(key) & (cap - 1);
    while (keys[i] && strcmp(keys[i], key) != 0)
        i = (i + 1) & (cap - 1);
    return i;
}

void *pw_map_get(const pw_map *m, const char *key)
{
    if (!m->cap)
        return NULL;
    size_t i = find_slot(m->keys, m->cap, key);
    return m->keys[i] ? m->values[i] : NULL;
}

static void grow(pw_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    char **keys = pw_xcalloc(cap, sizeof(char *));
    void **values = pw_xcalloc(cap, sizeof(void *));
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = find_slot(keys, cap, m->keys[i]);
        keys[j] = m->keys[i];
        values[j] = m->values[i];
    }
    free(m->keys);
    free(m->values);
    m->keys = keys;
    m->values = values;
    m->cap = cap;
}

void *pw_map_put(pw_map *m, const char *key, void *value)
{
    if ((m->len + 1) * 4 > m->cap * 3)
        grow(m);
    size_t i = find_slot(m->keys, m->cap, key);
    if (m->keys[i]) {
        void *old = m->values[i];
        m->values[i] = value;
        return old;
    }
    m->keys[i] = pw_xstrdup(key);
    m->values[i] = value;
    m->len++;
    return NULL;
}

void pw_map_free(pw_map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof(*m));
}
