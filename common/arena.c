/* pw_arena: many small allocations freed at once. */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
