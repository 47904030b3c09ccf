#include "fetch_test.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "test_support.h"

void ft_blob(pw_buf *out, size_t len, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 1;
    pw_buf_reset(out);
    pw_buf_reserve(out, len + 1);
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out->data[i] = (char)(x & 0xff);
    }
    out->len = len;
    out->data[len] = '\0';
}

static void walk(const char *dir, size_t *count, const char *needle, bool *found)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *path = pw_path_join(dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            walk(path, count, needle, found);
        } else if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            (*count)++;
            if (needle && strstr(e->d_name, needle))
                *found = true;
            pw_buf content = PW_BUF_INIT;
            pw_error err = {0};
            if (needle && pw_read_file(path, &content, &err) == 0 && content.len &&
                memmem(content.data, content.len, needle, strlen(needle)))
                *found = true;
            pw_error_clear(&err);
            pw_buf_free(&content);
        }
        free(path);
    }
    closedir(d);
}

size_t ft_count_files(const char *dir)
{
    size_t n = 0;
    bool found = false;
    walk(dir, &n, NULL, &found);
    return n;
}

bool ft_tree_contains(const char *dir, const char *needle)
{
    size_t n = 0;
    bool found = false;
    walk(dir, &n, needle, &found);
    return found;
}

void ft_options(pw_fetch_options *o, const char *cache)
{
    pw_fetch_options_default(o);
    o->cache_dir = cache;
    o->backoff_base_ms = 1;
    o->backoff_max_ms = 20;
    o->connect_timeout_ms = 5000;
    o->idle_timeout_s = 10;
    o->use_netrc = false;
    /* The path with more to get wrong, whatever the machine's load (the
     * other is what a loaded machine or one CPU gets). */
    o->hashing = PW_FETCH_HASH_THREAD;
}

pw_fetch_session *ft_session(const pw_fetch_options *o)
{
    pw_fetch_session *s = NULL;
    pw_error err = {0};
    if (pw_fetch_session_new(o, &s, &err) != 0)
        fail_msg("session: %s", pw_error_message(&err));
    return s;
}
