#include "support_runtime.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

#include "runtime_check.h"

static const char *test_tmp(void)
{
    const char *t = getenv("PWPKG_TEST_TMP");
    return t && *t ? t : "/tmp";
}

const char *rt_cache_dir(void)
{
    static char *cache;
    if (!cache) {
        const char *env = getenv("PWPKG_TEST_RUNTIME_CACHE");
        cache = env && *env ? pw_xstrdup(env) : pw_path_join(test_tmp(), "runtime-cache");
    }
    return cache;
}

char *rt_runtime(const char *version)
{
    pw_error err = {0};
    char *dir = NULL;
    int rc = pw_runtime_install(version, rt_cache_dir(), &dir, &err);
    if (rc != 0)
        fail_msg("installing Pyodide %s: %s", version, pw_error_message(&err));
    return dir;
}

void rt_write(const char *root, const char *rel, const char *text)
{
    pw_error err = {0};
    char *path = pw_path_join(root, rel);
    char *dir = pw_path_dirname(path);
    PW_ASSERT_OK(pw_mkdirs(dir, &err), &err);
    if (pw_write_file_atomic(path, text, strlen(text), &err) != 0)
        fail_msg("%s", pw_error_message(&err));
    free(dir);
    free(path);
}

void rt_use_source_harness(void)
{
    setenv("PWPKG_HARNESS", PWPKG_SOURCE_DIR "/runtime-check/harness.mjs", 1);
}

char *rt_read(const char *path, size_t *len)
{
    pw_buf b = PW_BUF_INIT;
    pw_error err = {0};
    if (pw_read_file(path, &b, &err) != 0) {
        pw_error_clear(&err);
        pw_buf_free(&b);
        return NULL;
    }
    if (len)
        *len = b.len;
    if (!b.data)
        return pw_xstrdup("");
    return pw_buf_detach(&b);
}

void rt_cleanup(char *dir)
{
    pw_error err = {0};
    if (dir && pw_remove_tree(dir, &err) != 0)
        fail_msg("%s", pw_error_message(&err));
    free(dir);
}
