#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lockfile.h"

static void make_package(pw_lock *lock, const char *name, const char *version, const char *sha)
{
    pw_lock_package *p = pw_lock_add_package(lock, name);
    p->version = pw_xstrdup(version);
    pw_buf file = PW_BUF_INIT;
    pw_buf_printf(&file, "%s-%s-py3-none-any.whl", name, version);
    p->url = pw_xstrdup(file.data);
    p->file_name = pw_buf_detach(&file);
    p->sha256 = pw_xstrdup(sha);
    p->source = pw_xstrdup(PW_SOURCE_PYODIDE);
    p->package_type = pw_xstrdup("package");
    p->install_dir = pw_xstrdup("site");
    pw_strlist_push(&p->imports, name);
    pw_strlist_push(&p->requested, name);
}

static const char *sha_a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char *sha_b = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

static void make_lock(pw_lock *lock)
{
    pw_lock_init(lock);
    lock->release.pyodide = pw_xstrdup("0.27.7");
    lock->release.python = pw_xstrdup("3.12.7");
    lock->release.platform = pw_xstrdup("emscripten_3_1_58");
    lock->release.abi_version = pw_xstrdup("2024_0");
    lock->inputs_digest = pw_xstrdup("sha256:00");
    /* added out of order on purpose: serialization sorts */
    make_package(lock, "six", "1.16.0", sha_a);
    make_package(lock, "numpy", "2.0.2", sha_b);
    pw_strlist_push(&lock->packages[0].dependencies, "zzz");
    pw_strlist_push(&lock->packages[0].dependencies, "aaa");
    pw_lock_sort(lock);
}

static void test_serialize_is_sorted_and_stable(void **state)
{
    (void)state;
    pw_lock lock;
    make_lock(&lock);
    pw_buf a = PW_BUF_INIT, b = PW_BUF_INIT;
    pw_lock_serialize(&lock, &a);
    pw_lock_serialize(&lock, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    assert_true(a.data[a.len - 1] == '\n');
    const char *numpy = strstr(a.data, "\"name\": \"numpy\"");
    const char *six = strstr(a.data, "\"name\": \"six\"");
    assert_non_null(numpy);
    assert_non_null(six);
    assert_true(numpy < six);
    const char *aaa = strstr(a.data, "\"aaa\"");
    const char *zzz = strstr(a.data, "\"zzz\"");
    assert_true(aaa && zzz && aaa < zzz);
    assert_null(strchr(a.data, '\t'));
    pw_buf_free(&a);
    pw_buf_free(&b);
    pw_lock_free(&lock);
}

static void test_round_trip(void **state)
{
    (void)state;
    pw_lock lock, back;
    make_lock(&lock);
    lock.packages[0].size = 1234;
    lock.provenance.commit = pw_xstrdup("0123456789abcdef0123456789abcdef01234567");
    lock.provenance.dirty = true;
    pw_buf text = PW_BUF_INIT, again = PW_BUF_INIT;
    pw_lock_serialize(&lock, &text);
    pw_error err = {0};
    PW_ASSERT_OK(pw_lock_parse("pwpkg.lock", text.data, text.len, &back, &err), &err);
    assert_int_equal(back.n_packages, 2);
    assert_string_equal(back.packages[0].name, "numpy");
    assert_int_equal(back.packages[0].size, 1234);
    assert_int_equal(back.packages[1].size, -1);
    assert_string_equal(back.provenance.commit, lock.provenance.commit);
    assert_true(back.provenance.dirty);
    pw_lock_serialize(&back, &again);
    assert_int_equal(text.len, again.len);
    assert_memory_equal(text.data, again.data, text.len);
    pw_buf_free(&text);
    pw_buf_free(&again);
    pw_lock_free(&lock);
    pw_lock_free(&back);
}

struct bad_case {
    const char *text;
    int code;
    const char *message_part;
};

static void test_bad_input(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"", PW_EINVAL, "pwpkg.lock:1:1"},
        {"{\"lock_version\": 1,\n \"release\": }", PW_EINVAL, "pwpkg.lock:2:"},
        {"[]", PW_EINVAL, "expected a JSON object"},
        {"{\"release\": {}}", PW_EINVAL, "'lock_version'"},
        {"{\"lock_version\": 99}", PW_EUNSUPPORTED, "lock_version 99"},
        {"{\"lock_version\": 1, \"release\": 3}", PW_EINVAL, "'release'"},
        {"{\"lock_version\": 1, \"release\": {\"pyodide\": \"0.27.7\"}}", PW_EINVAL, "'python'"},
        {"{\"lock_version\": 1, \"release\": {\"pyodide\": \"0.27.7\", \"python\": \"3.12.7\", "
         "\"platform\": \"x\"}, \"inputs\": {}, \"packages\": [{\"name\": \"six\"}]}",
         PW_EINVAL, "package 'six': field 'version'"},
        {"{\"lock_version\": 1, \"release\": {\"pyodide\": \"0.27.7\", \"python\": \"3.12.7\", "
         "\"platform\": \"x\"}, \"inputs\": {}, \"packages\": [{\"name\": \"six\", \"version\": "
         "\"1\", \"file_name\": \"f\", \"url\": \"u\", \"sha256\": \"xyz\", \"source\": \"pyodide\", "
         "\"package_type\": \"package\", \"install_dir\": \"site\", \"imports\": [], "
         "\"dependencies\": [], \"requested\": [], \"required_by\": []}]}",
         PW_EINVAL, "'sha256' must be 64 hexadecimal digits"},
        {"{\"lock_version\": 1, \"release\": {\"pyodide\": \"0.27.7\", \"python\": \"3.12.7\", "
         "\"platform\": \"x\"}, \"inputs\": {}, \"packages\": [{\"name\": \"Six\"}]}",
         PW_EINVAL, "package 'Six': field 'name' must be a normalized project name"},
        {"{\"lock_version\": 1, \"release\": {\"pyodide\": \"0.27.7\", \"python\": \"3.12.7\", "
         "\"platform\": \"x\"}, \"inputs\": {}, \"packages\": [7]}",
         PW_EINVAL, "packages[0]: expected an object"},
        {"{\"lock_version\": 1, \"release\": {\"pyodide\": \"0.27.7\", \"python\": \"3.12.7\", "
         "\"platform\": \"x\"}, \"inputs\": {}, \"packages\": {}}",
         PW_EINVAL, "'packages' must be a list"},
        /* the recorded resolution options (schema 2) */
        {"{\"lock_version\": 2, \"release\": {\"pyodide\": \"0.27.7\", \"python\": \"3.12.7\", "
         "\"platform\": \"x\"}, \"inputs\": {}, \"packages\": [], \"resolution\": 3}",
         PW_EINVAL, "field 'resolution' must be an object"},
        {"{\"lock_version\": 2, \"release\": {\"pyodide\": \"0.27.7\", \"python\": \"3.12.7\", "
         "\"platform\": \"x\"}, \"inputs\": {}, \"packages\": [], \"resolution\": {\"pre\": \"yes\"}}",
         PW_EINVAL, "resolution: field 'pre' must be true or false"},
        {"{\"lock_version\": 2, \"release\": {\"pyodide\": \"0.27.7\", \"python\": \"3.12.7\", "
         "\"platform\": \"x\"}, \"inputs\": {}, \"packages\": [], \"resolution\": {\"find_links\": \"wheels\"}}",
         PW_EINVAL, "resolution: field 'find_links' must be a list of strings"},
        {"{\"lock_version\": 2, \"release\": {\"pyodide\": \"0.27.7\", \"python\": \"3.12.7\", "
         "\"platform\": \"x\"}, \"inputs\": {}, \"packages\": [], \"resolution\": {\"pyodide\": 7}}",
         PW_EINVAL, "resolution: field 'pyodide' must be a string or null"},
        {"{\"lock_version\": 2, \"release\": {\"pyodide\": \"0.27.7\", \"python\": \"3.12.7\", "
         "\"platform\": \"x\"}, \"inputs\": {}, \"packages\": [], \"resolution\": {\"index_strategy\": \"best\"}}",
         PW_EINVAL, "resolution: field 'index_strategy' must be"},
        {"{\"lock_version\": 0}", PW_EUNSUPPORTED, "reads versions 1 to 2"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pw_lock lock;
        pw_error err = {0};
        int rc = pw_lock_parse("pwpkg.lock", cases[i].text, strlen(cases[i].text), &lock, &err);
        if (rc != cases[i].code || !strstr(pw_error_message(&err), cases[i].message_part))
            fail_msg("case %zu: rc %d, message '%s'", i, rc, pw_error_message(&err));
        assert_int_equal(lock.n_packages, 0);
        pw_error_clear(&err);
    }
}

static int length_cmp(const char *a, const char *b)
{
    /* a stand-in version order for the test: longer strings are newer */
    return (int)strlen(a) - (int)strlen(b);
}

/* pw_lock_save writes only when the bytes change, atomically, and says so. */
static void test_save_only_when_changed(void **state)
{
    (void)state;
    char *dir = pw_test_tempdir("lockfile-save");
    char *path = pw_path_join(dir, "pwpkg.lock");
    pw_lock lock, back;
    make_lock(&lock);
    pw_error err = {0};
    bool changed = false;
    PW_ASSERT_OK(pw_lock_save(path, &lock, &changed, &err), &err);
    assert_true(changed);
    struct stat first;
    assert_int_equal(stat(path, &first), 0);
    /* the same lock again: no write, the inode (a rename would change it) kept */
    PW_ASSERT_OK(pw_lock_save(path, &lock, &changed, &err), &err);
    assert_false(changed);
    struct stat second;
    assert_int_equal(stat(path, &second), 0);
    assert_int_equal(first.st_ino, second.st_ino);
    /* a change is written and reads back */
    lock.packages[0].size = 99;
    PW_ASSERT_OK(pw_lock_save(path, &lock, &changed, &err), &err);
    assert_true(changed);
    PW_ASSERT_OK(pw_lock_load(path, &back, &err), &err);
    assert_int_equal(back.packages[0].size, 99);
    pw_lock_free(&back);
    /* a directory where the lock should be: an error naming it, nothing written */
    char *sub = pw_path_join(dir, "sub");
    PW_ASSERT_OK(pw_mkdirs(sub, &err), &err);
    assert_int_not_equal(pw_lock_save(sub, &lock, &changed, &err), PW_OK);
    assert_false(changed);
    assert_non_null(strstr(pw_error_message(&err), "sub"));
    pw_error_clear(&err);
    pw_lock_free(&lock);
    pw_remove_tree(dir, &err);
    free(sub);
    free(path);
    free(dir);
}

static void test_diff(void **state)
{
    (void)state;
    pw_lock old_lock, new_lock;
    make_lock(&old_lock);
    make_lock(&new_lock);
    pw_lock_diff d;
    pw_lock_diff_compute(&old_lock, &new_lock, NULL, &d);
    assert_true(pw_lock_diff_empty(&d));
    pw_lock_diff_free(&d);

    /* numpy upgraded, six re-hashed, attrs added */
    free(new_lock.packages[0].version);
    new_lock.packages[0].version = pw_xstrdup("2.0.20");
    free(new_lock.packages[1].sha256);
    new_lock.packages[1].sha256 = pw_xstrdup(sha_b);
    make_package(&new_lock, "attrs", "23.1", sha_a);
    pw_lock_sort(&new_lock);
    pw_lock_diff_compute(&old_lock, &new_lock, length_cmp, &d);
    assert_int_equal(d.len, 3);
    assert_string_equal(d.changes[0].name, "attrs");
    assert_int_equal(d.changes[0].kind, PW_CHANGE_ADDED);
    assert_int_equal(d.changes[1].kind, PW_CHANGE_UPGRADED);
    assert_int_equal(d.changes[2].kind, PW_CHANGE_REHASHED);
    pw_buf text = PW_BUF_INIT, md = PW_BUF_INIT;
    pw_lock_diff_format_text(&d, &text);
    assert_non_null(strstr(text.data, "^ numpy 2.0.2 -> 2.0.20 (upgraded)"));
    pw_lock_diff_format_markdown(&d, &md);
    assert_non_null(strstr(md.data, "| `six` | re-hashed: sha256 | 1.16.0 | 1.16.0 |"));
    pw_buf_free(&text);
    pw_buf_free(&md);
    pw_lock_diff_free(&d);

    /* and back: downgraded, removed */
    pw_lock_diff_compute(&new_lock, &old_lock, length_cmp, &d);
    assert_int_equal(d.changes[0].kind, PW_CHANGE_REMOVED);
    assert_int_equal(d.changes[1].kind, PW_CHANGE_DOWNGRADED);
    pw_lock_diff_free(&d);
    pw_lock_free(&old_lock);
    pw_lock_free(&new_lock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serialize_is_sorted_and_stable),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_save_only_when_changed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
