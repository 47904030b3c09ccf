#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support_bundle.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *tb_make(const pw_wheelgen_spec *spec, const char *dir)
{
    pw_error err = {0, NULL};
    char *path = NULL;
    int rc = pw_wheelgen_write(spec, dir, &path, &err);
    if (rc != PW_OK)
        fail_msg("wheelgen: %s", pw_error_message(&err));
    pw_error_clear(&err);
    return path;
}

char *tb_slurp(const char *dir, const char *rel, size_t *len)
{
    char *path = pw_path_join(dir, rel);
    pw_buf b = PW_BUF_INIT;
    pw_error err = {0, NULL};
    int rc = pw_read_file(path, &b, &err);
    free(path);
    pw_error_clear(&err);
    if (rc != PW_OK) {
        pw_buf_free(&b);
        return NULL;
    }
    if (len)
        *len = b.len;
    if (!b.data)
        pw_buf_puts(&b, "");
    return pw_buf_detach(&b);
}

size_t tb_count_prefixed(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(d);
    return n;
}

void tb_sha256(const char *path, char hex[PW_SHA256_HEX_LEN + 1])
{
    pw_error err = {0, NULL};
    int rc = pw_sha256_file_hex(path, hex, NULL, &err);
    if (rc != PW_OK)
        fail_msg("%s", pw_error_message(&err));
}

int tb_mode(const char *dir, const char *rel)
{
    char *path = pw_path_join(dir, rel);
    struct stat st;
    int rc = lstat(path, &st);
    free(path);
    return rc == 0 ? (int)(st.st_mode & 07777) : -1;
}

static const pw_wheelgen_file rich_files[] = {
    {"rich/__init__.py", "from .core import answer\n", 0, 0, 0},
    {"rich/core.py", "def answer():\n    return 42\n", 0, 0, 0},
    {"rich/core.pyi", "def answer() -> int: ...\n", 0, 0, 0},
    {"rich/py.typed", "", 0, 0, 0},
    {"rich/__pycache__/core.cpython-312.pyc", "\x42\x0d\x0d\x0a-cached-bytecode", 0, 0, 0},
    {"rich/tests/__init__.py", "", 0, 0, 0},
    {"rich/tests/test_core.py", "def test_answer():\n    assert True\n", 0, 0, 0},
    {"rich/_native.so", "\0asm-not-really", 15, S_IFREG | 0755, 0},
    {"rich-1.0.data/purelib/rich_extra.py", "EXTRA = 1\n", 0, 0, 0},
    {"rich-1.0.data/platlib/rich_plat.py", "PLAT = 1\n", 0, 0, 0},
    {"rich-1.0.data/scripts/rich-cli", "#!python\nimport rich\n", 0, 0, 0},
    {"rich-1.0.data/headers/rich.h", "int rich(void);\n", 0, 0, 0},
    {"rich-1.0.data/data/share/rich/notes.txt", "notes\n", 0, 0, 0},
};

pw_wheelgen_spec tb_rich_spec(void)
{
    static const char *const requires[] = {"bar>=1", "baz; extra == \"fast\""};
    static const char *const extras[] = {"fast"};
    pw_wheelgen_spec s;
    memset(&s, 0, sizeof(s));
    s.name = "rich";
    s.version = "1.0";
    s.files = rich_files;
    s.n_files = sizeof(rich_files) / sizeof(rich_files[0]);
    s.requires_dist = requires;
    s.n_requires_dist = 2;
    s.provides_extra = extras;
    s.n_provides_extra = 1;
    s.requires_python = ">=3.12";
    s.summary = "A test package";
    return s;
}
