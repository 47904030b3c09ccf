/* The runtime manager: real npm installs, verification, node detection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "test_support.h"

#include "runtime_check.h"
#include "support_runtime.h"

static void assert_contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("expected \"%s\" in \"%s\"", needle, hay ? hay : "(null)");
}

static void write_exec(const char *path, const char *text)
{
    pw_error err = {0};
    PW_ASSERT_OK(pw_write_file_atomic(path, text, strlen(text), &err), &err);
    assert_int_equal(chmod(path, 0755), 0);
}

static void test_install_locate_list(void **state)
{
    char *dir = rt_runtime("0.27.7");
    char *expect = pw_path_join(rt_cache_dir(), "runtimes/0.27.7");
    assert_string_equal(dir, expect);
    const char *files[] = {"pyodide.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *p = pw_path_join(dir, files[i]);
        assert_true(pw_file_exists(p));
        free(p);
    }

    /* A second install reuses the complete one. */
    char *again = rt_runtime("0.27.7");
    assert_string_equal(again, dir);

    pw_error err = {0};
    char *found = NULL;
    PW_ASSERT_OK(pw_runtime_locate("0.27.7", rt_cache_dir(), NULL, &found, &err), &err);
    assert_string_equal(found, dir);
    free(found);
    PW_ASSERT_OK(pw_runtime_locate("0.27.7", rt_cache_dir(), dir, &found, &err), &err);
    assert_string_equal(found, dir);
    free(found);
    /* --runtime naming another release is refused. */
    assert_int_equal(pw_runtime_locate("0.29.5", rt_cache_dir(), dir, &found, &err), PW_ERUNTIME);
    assert_contains(pw_error_message(&err), "is release 0.27.7, expected 0.29.5");

    pw_strlist list = PW_STRLIST_INIT;
    PW_ASSERT_OK(pw_runtime_list(rt_cache_dir(), &list, &err), &err);
    assert_true(pw_strlist_contains(&list, "0.27.7"));
    for (size_t i = 0; i < list.len; i++)
        assert_true(list.items[i][0] != '.');
    pw_strlist_free(&list);

    pw_error_clear(&err);
    free(expect);
    free(again);
    free(dir);
}

static void test_locate_errors(void **state)
{
    char *empty = pw_test_tempdir("empty-cache");
    pw_error err = {0};
    char *found = NULL;
    assert_int_equal(pw_runtime_locate("0.27.7", empty, NULL, &found, &err), PW_ENOTFOUND);
    assert_null(found);
    assert_contains(pw_error_message(&err), "run `pwpkg runtime install 0.27.7`");

    assert_int_equal(pw_runtime_locate("0.27.7", empty, empty, &found, &err), PW_ERUNTIME);
    assert_contains(pw_error_message(&err), "pyodide.mjs is missing");

    assert_int_equal(pw_runtime_locate("../etc", empty, NULL, &found, &err), PW_EINVAL);

    pw_strlist list = PW_STRLIST_INIT;
    PW_ASSERT_OK(pw_runtime_list(empty, &list, &err), &err);
    assert_int_equal(list.len, 0);

    char *dir = NULL;
    assert_int_equal(pw_runtime_install("-rf", empty, &dir, &err), PW_EINVAL);
    assert_int_equal(pw_runtime_install("0.27.7/../x", empty, &dir, &err), PW_EINVAL);
    assert_null(dir);
    pw_error_clear(&err);
    rt_cleanup(empty);
}

static void test_install_missing_npm_and_bad_release(void **state)
{
    char *cache = pw_test_tempdir("npm-cache");
    pw_error err = {0};
    char *dir = NULL;
    setenv("PWPKG_NPM", "/nonexistent/npm", 1);
    assert_int_equal(pw_runtime_install("0.27.7", cache, &dir, &err), PW_ERUNTIME);
    assert_contains(pw_error_message(&err), "/nonexistent/npm");
    unsetenv("PWPKG_NPM");

    /* npm itself says the release does not exist; nothing is left behind. */
    assert_int_equal(pw_runtime_install("0.0.0-pwpkg-no-such-release", cache, &dir, &err),
                     PW_ERUNTIME);
    assert_contains(pw_error_message(&err), "npm pack pyodide@0.0.0-pwpkg-no-such-release");
    assert_null(dir);
    pw_strlist list = PW_STRLIST_INIT;
    PW_ASSERT_OK(pw_runtime_list(cache, &list, &err), &err);
    assert_int_equal(list.len, 0);
    char *runtimes = pw_path_join(cache, "runtimes");
    char *leftover = pw_path_join(runtimes, "0.0.0-pwpkg-no-such-release");
    assert_false(pw_file_exists(leftover));
    free(leftover);
    free(runtimes);
    pw_error_clear(&err);
    rt_cleanup(cache);
}

/* A runtime dir made by hand, with the given lock info and npm version. */
static char *fake_runtime(const char *label, const char *info_json, const char *pkg_version)
{
    char *d = pw_test_tempdir(label);
    rt_write(d, "pyodide.mjs", "");
    rt_write(d, "pyodide.asm.wasm", "");
    rt_write(d, "python_stdlib.zip", "");
    pw_buf lock = PW_BUF_INIT;
    pw_buf_printf(&lock, "{\"info\": %s, \"packages\": {}}", info_json);
    rt_write(d, "pyodide-lock.json", pw_buf_cstr(&lock));
    pw_buf_free(&lock);
    pw_buf pkg = PW_BUF_INIT;
    if (pkg_version)
        pw_buf_printf(&pkg, "{\"name\": \"pyodide\", \"version\": \"%s\"}", pkg_version);
    else
        pw_buf_puts(&pkg, "{\"name\": \"pyodide\"}");
    rt_write(d, "package.json", pw_buf_cstr(&pkg));
    pw_buf_free(&pkg);
    return d;
}

static void test_verify_table(void **state)
{
    char *real = rt_runtime("0.27.7");
    /* Quirks of the real files (PYODIDE-FACTS.md): 0.29.5's lock has no
     * info.version; 0.28.3's says 0.28.0.dev0 while the package is 0.28.3. */
    char *no_version = fake_runtime("v0295", "{\"python\": \"3.13.2\", \"abi_version\": \"2025_0\", "
                                             "\"platform\": \"emscripten_4_0_9\", \"arch\": \"wasm32\"}",
                                    NULL);
    char *dev_version = fake_runtime("v0283", "{\"python\": \"3.13.2\", \"abi_version\": \"2025_0\", "
                                              "\"version\": \"0.28.0.dev0\"}",
                                     "0.28.3");
    char *no_abi = fake_runtime("v025", "{\"python\": \"3.11.3\", \"abi_version\": null, "
                                        "\"version\": \"0.25.1\"}",
                                "0.25.1");
    char *no_python = fake_runtime("nopy", "{\"version\": \"0.27.7\"}", "0.27.7");
    struct {
        const char *dir, *version, *python, *abi;
        int rc;
        const char *msg;
    } cases[] = {
        {real, "0.27.7", "3.12.7", "2024_0", 0, NULL},
        {real, NULL, "3.12.7", NULL, 0, NULL},
        {real, "0.27.7", "3.13.2", "2024_0", PW_ERUNTIME, "has Python 3.12.7, expected 3.13.2"},
        {real, "0.27.7", "3.12.7", "2025_0", PW_ERUNTIME, "has ABI 2024_0, expected 2025_0"},
        {real, "0.27.6", "3.12.7", "2024_0", PW_ERUNTIME, "is release 0.27.7, expected 0.27.6"},
        {no_version, "0.29.5", "3.13.2", "2025_0", 0, NULL},
        {no_version, "0.29.5", "3.12.7", "2025_0", PW_ERUNTIME, "expected 3.12.7"},
        {dev_version, "0.28.3", "3.13.2", "2025_0", 0, NULL},
        {no_abi, "0.25.1", "3.11.3", NULL, 0, NULL},
        {no_abi, "0.25.1", "3.11.3", "2024_0", PW_ERUNTIME, "has ABI (none), expected 2024_0"},
        {no_python, NULL, NULL, NULL, PW_ERUNTIME, "info.python is missing"},
        {"/nonexistent/pyodide", NULL, NULL, NULL, PW_ERUNTIME, "not a directory"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pw_error err = {0};
        int rc = pw_runtime_verify(cases[i].dir, cases[i].version, cases[i].python, cases[i].abi, &err);
        if (rc != cases[i].rc)
            fail_msg("case %zu: rc %d, expected %d (%s)", i, rc, cases[i].rc, pw_error_message(&err));
        if (cases[i].msg)
            assert_contains(pw_error_message(&err), cases[i].msg);
        pw_error_clear(&err);
    }
    pw_runtime_info info;
    pw_error err = {0};
    PW_ASSERT_OK(pw_runtime_read_info(real, &info, &err), &err);
    assert_string_equal(info.version, "0.27.7");
    assert_string_equal(info.python, "3.12.7");
    assert_string_equal(info.abi_version, "2024_0");
    assert_string_equal(info.platform, "emscripten_3_1_58");
    pw_runtime_info_free(&info);
    rt_cleanup(no_version);
    rt_cleanup(dev_version);
    rt_cleanup(no_abi);
    rt_cleanup(no_python);
    free(real);
}

static void test_node_detection(void **state)
{
    char *bin = pw_test_tempdir("fake-node");
    char *old16 = pw_path_join(bin, "node16");
    write_exec(old16, "#!/bin/sh\necho v16.20.0\n");
    char *garbage = pw_path_join(bin, "garbage");
    write_exec(garbage, "#!/bin/sh\necho hello\n");
    char *ok22 = pw_path_join(bin, "node22");
    write_exec(ok22, "#!/bin/sh\necho v22.1.0\n");
    struct {
        const char *env;
        const char *explicit_node;
        int rc;
        int major;
        const char *msg;
    } cases[] = {
        {"/nonexistent", NULL, PW_ERUNTIME, 0,
         "node not found at /nonexistent (from $PWPKG_NODE)"},
        {"/nonexistent", NULL, PW_ERUNTIME, 0, "install Node.js >= 18 (Debian: apt-get install nodejs)"},
        {old16, NULL, PW_ERUNTIME, 0, "is Node.js 16; Pyodide needs Node.js >= 18"},
        {garbage, NULL, PW_ERUNTIME, 0, "did not print a Node.js version"},
        {old16, ok22, 0, 22, NULL},
        {ok22, NULL, 0, 22, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setenv("PWPKG_NODE", cases[i].env, 1);
        pw_error err = {0};
        char *node = NULL;
        int major = 0;
        int rc = pw_runtime_find_node(cases[i].explicit_node, &node, &major, &err);
        if (rc != cases[i].rc)
            fail_msg("case %zu: rc %d (%s)", i, rc, pw_error_message(&err));
        if (cases[i].msg)
            assert_contains(pw_error_message(&err), cases[i].msg);
        else
            assert_int_equal(major, cases[i].major);
        free(node);
        pw_error_clear(&err);
    }
    unsetenv("PWPKG_NODE");

    /* No node on PATH at all. */
    const char *old_path = getenv("PATH");
    char *saved = pw_xstrdup(old_path ? old_path : "");
    setenv("PATH", bin, 1);
    pw_error err = {0};
    char *node = NULL;
    assert_int_equal(pw_runtime_find_node(NULL, &node, NULL, &err), PW_ERUNTIME);
    assert_string_equal(pw_error_message(&err),
                        "node not found on PATH; install Node.js >= 18 (Debian: apt-get install nodejs)");
    setenv("PATH", saved, 1);
    free(saved);
    /* The real one. */
    int major = 0;
    PW_ASSERT_OK(pw_runtime_find_node(NULL, &node, &major, &err), &err);
    assert_true(major >= PW_RUNTIME_NODE_MIN_MAJOR);
    free(node);
    pw_error_clear(&err);
    free(old16);
    free(garbage);
    free(ok22);
    rt_cleanup(bin);
}

static void test_check_without_node(void **state)
{
    char *runtime = rt_runtime("0.27.7");
    rt_use_source_harness();
    setenv("PWPKG_NODE", "/nonexistent", 1);
    pw_check_options o = {.runtime_dir = runtime};
    pw_check_report rep;
    pw_error err = {0};
    assert_int_equal(pw_check_run(&o, &rep, &err), PW_ERUNTIME);
    assert_contains(pw_error_message(&err), "node not found at /nonexistent");
    pw_check_report_free(&rep);
    assert_int_equal(pw_check_compile_tree(&o, runtime, &err), PW_ERUNTIME);
    unsetenv("PWPKG_NODE");

    /* A missing harness is named too. */
    setenv("PWPKG_HARNESS", "/nonexistent/harness.mjs", 1);
    assert_int_equal(pw_check_run(&o, &rep, &err), PW_ERUNTIME);
    assert_contains(pw_error_message(&err), "$PWPKG_HARNESS=/nonexistent/harness.mjs does not exist");
    pw_check_report_free(&rep);
    rt_use_source_harness();
    pw_error_clear(&err);
    free(runtime);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_install_locate_list),
        cmocka_unit_test(test_locate_errors),
        cmocka_unit_test(test_install_missing_npm_and_bad_release),
        cmocka_unit_test(test_verify_table),
        cmocka_unit_test(test_node_detection),
        cmocka_unit_test(test_check_without_node),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
