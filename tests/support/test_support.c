#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_support.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void pw_test_assert_ok(int rc, const pw_error *err, const char *call, const char *file, int line)
{
    if (rc == PW_OK)
        return;
    print_error("%s\n  returned %d (%s): %s\n", call, rc, pw_status_name(rc),
                err && err->code ? pw_error_message(err) : "(no message)");
    _fail(file, line);
}

static const char *scratch_base(void)
{
    const char *base = getenv("PWPKG_TEST_TMP");
    if (!base || !*base)
        base = getenv("TMPDIR");
    return base && *base ? base : "/tmp";
}

char *pw_test_tempdir(const char *tag)
{
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_mkdirs(scratch_base(), &err), &err);
    pw_buf b = PW_BUF_INIT;
    pw_buf_printf(&b, "%s/%s-XXXXXX", scratch_base(), tag);
    if (!mkdtemp(b.data))
        fail_msg("cannot make a scratch directory %s", b.data);
    chmod(b.data, 0755);
    return pw_buf_detach(&b);
}

void pw_test_write(const char *dir, const char *rel, const void *data, size_t len)
{
    char *path = pw_path_join(dir, rel);
    char *parent = pw_path_dirname(path);
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_mkdirs(parent, &err), &err);
    PW_ASSERT_OK(pw_write_file_atomic(path, data, len, &err), &err);
    free(parent);
    free(path);
}

void pw_test_write_text(const char *dir, const char *rel, const char *text)
{
    pw_test_write(dir, rel, text, strlen(text));
}
