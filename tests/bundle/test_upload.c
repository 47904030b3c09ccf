/* wrangler's globs (pw_bundle_wrangler_glob): python_modules.exclude and
 * module rules as wrangler 4.164.0 tests them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include "bundle.h"
#include "bundle_private.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Each row is what wrangler's bundled glob-to-regexp 0.4.1 answers with
 * {globstar: true} (run under the pinned Node from tests/cloudflare). */
static const struct {
    const char *glob, *path;
    bool match;
} cases[] = {
    {"**/*.pyc", "a.pyc", true},
    {"**/*.pyc", "pkg/a.pyc", true},
    {"**/*.pyc", "pkg/__pycache__/a.cpython-313.pyc", true},
    {"**/*.pyc", "pkg", false},
    {"**/*.pyc", "pkg/", false},
    {"**/*.pyc", "pkg/x/y", false},
    {"**/*.pyc", "tests/x.py", false},
    {"**/*.pyc", "a/tests/x.py", false},
    {"**/*.pyc", "a/tests", false},
    {"**/*.pyc", "a/b", false},
    {"**/*.pyc", "a/x/y/b", false},
    {"**/*.pyc", "ab/c", false},
    {"**/*.pyc", "axb/c", false},
    {"**/*.pyc", "a.py", false},
    {"**/*.pyc", "?.py", false},
    {"**/*.pyc", "[ab].py", false},
    {"**/*.pyc", "{a,b}.py", false},
    {"**/*.pyc", "x/q/y", false},
    {"**/*.pyc", "x/y", false},
    {"**/*.pyc", "", false},
    {"**/*.pyc", "abc", false},
    {"**/*.pyc", "aXb", false},
    {"*.pyc", "a.pyc", true},
    {"*.pyc", "pkg/a.pyc", false},
    {"*.pyc", "pkg/__pycache__/a.cpython-313.pyc", false},
    {"*.pyc", "pkg", false},
    {"*.pyc", "pkg/", false},
    {"*.pyc", "pkg/x/y", false},
    {"*.pyc", "tests/x.py", false},
    {"*.pyc", "a/tests/x.py", false},
    {"*.pyc", "a/tests", false},
    {"*.pyc", "a/b", false},
    {"*.pyc", "a/x/y/b", false},
    {"*.pyc", "ab/c", false},
    {"*.pyc", "axb/c", false},
    {"*.pyc", "a.py", false},
    {"*.pyc", "?.py", false},
    {"*.pyc", "[ab].py", false},
    {"*.pyc", "{a,b}.py", false},
    {"*.pyc", "x/q/y", false},
    {"*.pyc", "x/y", false},
    {"*.pyc", "", false},
    {"*.pyc", "abc", false},
    {"*.pyc", "aXb", false},
    {"pkg/**", "a.pyc", false},
    {"pkg/**", "pkg/a.pyc", true},
    {"pkg/**", "pkg/__pycache__/a.cpython-313.pyc", true},
    {"pkg/**", "pkg", false},
    {"pkg/**", "pkg/", true},
    {"pkg/**", "pkg/x/y", true},
    {"pkg/**", "tests/x.py", false},
    {"pkg/**", "a/tests/x.py", false},
    {"pkg/**", "a/tests", false},
    {"pkg/**", "a/b", false},
    {"pkg/**", "a/x/y/b", false},
    {"pkg/**", "ab/c", false},
    {"pkg/**", "axb/c", false},
    {"pkg/**", "a.py", false},
    {"pkg/**", "?.py", false},
    {"pkg/**", "[ab].py", false},
    {"pkg/**", "{a,b}.py", false},
    {"pkg/**", "x/q/y", false},
    {"pkg/**", "x/y", false},
    {"pkg/**", "", false},
    {"pkg/**", "abc", false},
    {"pkg/**", "aXb", false},
    {"**/tests/**", "a.pyc", false},
    {"**/tests/**", "pkg/a.pyc", false},
    {"**/tests/**", "pkg/__pycache__/a.cpython-313.pyc", false},
    {"**/tests/**", "pkg", false},
    {"**/tests/**", "pkg/", false},
    {"**/tests/**", "pkg/x/y", false},
    {"**/tests/**", "tests/x.py", true},
    {"**/tests/**", "a/tests/x.py", true},
    {"**/tests/**", "a/tests", false},
    {"**/tests/**", "a/b", false},
    {"**/tests/**", "a/x/y/b", false},
    {"**/tests/**", "ab/c", false},
    {"**/tests/**", "axb/c", false},
    {"**/tests/**", "a.py", false},
    {"**/tests/**", "?.py", false},
    {"**/tests/**", "[ab].py", false},
    {"**/tests/**", "{a,b}.py", false},
    {"**/tests/**", "x/q/y", false},
    {"**/tests/**", "x/y", false},
    {"**/tests/**", "", false},
    {"**/tests/**", "abc", false},
    {"**/tests/**", "aXb", false},
    {"a/**/b", "a.pyc", false},
    {"a/**/b", "pkg/a.pyc", false},
    {"a/**/b", "pkg/__pycache__/a.cpython-313.pyc", false},
    {"a/**/b", "pkg", false},
    {"a/**/b", "pkg/", false},
    {"a/**/b", "pkg/x/y", false},
    {"a/**/b", "tests/x.py", false},
    {"a/**/b", "a/tests/x.py", false},
    {"a/**/b", "a/tests", false},
    {"a/**/b", "a/b", true},
    {"a/**/b", "a/x/y/b", true},
    {"a/**/b", "ab/c", false},
    {"a/**/b", "axb/c", false},
    {"a/**/b", "a.py", false},
    {"a/**/b", "?.py", false},
    {"a/**/b", "[ab].py", false},
    {"a/**/b", "{a,b}.py", false},
    {"a/**/b", "x/q/y", false},
    {"a/**/b", "x/y", false},
    {"a/**/b", "", false},
    {"a/**/b", "abc", false},
    {"a/**/b", "aXb", false},
    {"a*b/c", "a.pyc", false},
    {"a*b/c", "pkg/a.pyc", false},
    {"a*b/c", "pkg/__pycache__/a.cpython-313.pyc", false},
    {"a*b/c", "pkg", false},
    {"a*b/c", "pkg/", false},
    {"a*b/c", "pkg/x/y", false},
    {"a*b/c", "tests/x.py", false},
    {"a*b/c", "a/tests/x.py", false},
    {"a*b/c", "a/tests", false},
    {"a*b/c", "a/b", false},
    {"a*b/c", "a/x/y/b", false},
    {"a*b/c", "ab/c", true},
    {"a*b/c", "axb/c", true},
    {"a*b/c", "a.py", false},
    {"a*b/c", "?.py", false},
    {"a*b/c", "[ab].py", false},
    {"a*b/c", "{a,b}.py", false},
    {"a*b/c", "x/q/y", false},
    {"a*b/c", "x/y", false},
    {"a*b/c", "", false},
    {"a*b/c", "abc", false},
    {"a*b/c", "aXb", false},
    {"**.pyc", "a.pyc", true},
    {"**.pyc", "pkg/a.pyc", false},
    {"**.pyc", "pkg/__pycache__/a.cpython-313.pyc", false},
    {"**.pyc", "pkg", false},
    {"**.pyc", "pkg/", false},
    {"**.pyc", "pkg/x/y", false},
    {"**.pyc", "tests/x.py", false},
    {"**.pyc", "a/tests/x.py", false},
    {"**.pyc", "a/tests", false},
    {"**.pyc", "a/b", false},
    {"**.pyc", "a/x/y/b", false},
    {"**.pyc", "ab/c", false},
    {"**.pyc", "axb/c", false},
    {"**.pyc", "a.py", false},
    {"**.pyc", "?.py", false},
    {"**.pyc", "[ab].py", false},
    {"**.pyc", "{a,b}.py", false},
    {"**.pyc", "x/q/y", false},
    {"**.pyc", "x/y", false},
    {"**.pyc", "", false},
    {"**.pyc", "abc", false},
    {"**.pyc", "aXb", false},
    {"a/**b", "a.pyc", false},
    {"a/**b", "pkg/a.pyc", false},
    {"a/**b", "pkg/__pycache__/a.cpython-313.pyc", false},
    {"a/**b", "pkg", false},
    {"a/**b", "pkg/", false},
    {"a/**b", "pkg/x/y", false},
    {"a/**b", "tests/x.py", false},
    {"a/**b", "a/tests/x.py", false},
    {"a/**b", "a/tests", false},
    {"a/**b", "a/b", true},
    {"a/**b", "a/x/y/b", false},
    {"a/**b", "ab/c", false},
    {"a/**b", "axb/c", false},
    {"a/**b", "a.py", false},
    {"a/**b", "?.py", false},
    {"a/**b", "[ab].py", false},
    {"a/**b", "{a,b}.py", false},
    {"a/**b", "x/q/y", false},
    {"a/**b", "x/y", false},
    {"a/**b", "", false},
    {"a/**b", "abc", false},
    {"a/**b", "aXb", false},
    {"?.py", "a.pyc", false},
    {"?.py", "pkg/a.pyc", false},
    {"?.py", "pkg/__pycache__/a.cpython-313.pyc", false},
    {"?.py", "pkg", false},
    {"?.py", "pkg/", false},
    {"?.py", "pkg/x/y", false},
    {"?.py", "tests/x.py", false},
    {"?.py", "a/tests/x.py", false},
    {"?.py", "a/tests", false},
    {"?.py", "a/b", false},
    {"?.py", "a/x/y/b", false},
    {"?.py", "ab/c", false},
    {"?.py", "axb/c", false},
    {"?.py", "a.py", false},
    {"?.py", "?.py", true},
    {"?.py", "[ab].py", false},
    {"?.py", "{a,b}.py", false},
    {"?.py", "x/q/y", false},
    {"?.py", "x/y", false},
    {"?.py", "", false},
    {"?.py", "abc", false},
    {"?.py", "aXb", false},
    {"[ab].py", "a.pyc", false},
    {"[ab].py", "pkg/a.pyc", false},
    {"[ab].py", "pkg/__pycache__/a.cpython-313.pyc", false},
    {"[ab].py", "pkg", false},
    {"[ab].py", "pkg/", false},
    {"[ab].py", "pkg/x/y", false},
    {"[ab].py", "tests/x.py", false},
    {"[ab].py", "a/tests/x.py", false},
    {"[ab].py", "a/tests", false},
    {"[ab].py", "a/b", false},
    {"[ab].py", "a/x/y/b", false},
    {"[ab].py", "ab/c", false},
    {"[ab].py", "axb/c", false},
    {"[ab].py", "a.py", false},
    {"[ab].py", "?.py", false},
    {"[ab].py", "[ab].py", true},
    {"[ab].py", "{a,b}.py", false},
    {"[ab].py", "x/q/y", false},
    {"[ab].py", "x/y", false},
    {"[ab].py", "", false},
    {"[ab].py", "abc", false},
    {"[ab].py", "aXb", false},
    {"{a,b}.py", "a.pyc", false},
    {"{a,b}.py", "pkg/a.pyc", false},
    {"{a,b}.py", "pkg/__pycache__/a.cpython-313.pyc", false},
    {"{a,b}.py", "pkg", false},
    {"{a,b}.py", "pkg/", false},
    {"{a,b}.py", "pkg/x/y", false},
    {"{a,b}.py", "tests/x.py", false},
    {"{a,b}.py", "a/tests/x.py", false},
    {"{a,b}.py", "a/tests", false},
    {"{a,b}.py", "a/b", false},
    {"{a,b}.py", "a/x/y/b", false},
    {"{a,b}.py", "ab/c", false},
    {"{a,b}.py", "axb/c", false},
    {"{a,b}.py", "a.py", false},
    {"{a,b}.py", "?.py", false},
    {"{a,b}.py", "[ab].py", false},
    {"{a,b}.py", "{a,b}.py", true},
    {"{a,b}.py", "x/q/y", false},
    {"{a,b}.py", "x/y", false},
    {"{a,b}.py", "", false},
    {"{a,b}.py", "abc", false},
    {"{a,b}.py", "aXb", false},
    {"x/*/y", "a.pyc", false},
    {"x/*/y", "pkg/a.pyc", false},
    {"x/*/y", "pkg/__pycache__/a.cpython-313.pyc", false},
    {"x/*/y", "pkg", false},
    {"x/*/y", "pkg/", false},
    {"x/*/y", "pkg/x/y", false},
    {"x/*/y", "tests/x.py", false},
    {"x/*/y", "a/tests/x.py", false},
    {"x/*/y", "a/tests", false},
    {"x/*/y", "a/b", false},
    {"x/*/y", "a/x/y/b", false},
    {"x/*/y", "ab/c", false},
    {"x/*/y", "axb/c", false},
    {"x/*/y", "a.py", false},
    {"x/*/y", "?.py", false},
    {"x/*/y", "[ab].py", false},
    {"x/*/y", "{a,b}.py", false},
    {"x/*/y", "x/q/y", true},
    {"x/*/y", "x/y", false},
    {"x/*/y", "", false},
    {"x/*/y", "abc", false},
    {"x/*/y", "aXb", false},
    {"**/", "a.pyc", true},
    {"**/", "pkg/a.pyc", true},
    {"**/", "pkg/__pycache__/a.cpython-313.pyc", true},
    {"**/", "pkg", true},
    {"**/", "pkg/", true},
    {"**/", "pkg/x/y", true},
    {"**/", "tests/x.py", true},
    {"**/", "a/tests/x.py", true},
    {"**/", "a/tests", true},
    {"**/", "a/b", true},
    {"**/", "a/x/y/b", true},
    {"**/", "ab/c", true},
    {"**/", "axb/c", true},
    {"**/", "a.py", true},
    {"**/", "?.py", true},
    {"**/", "[ab].py", true},
    {"**/", "{a,b}.py", true},
    {"**/", "x/q/y", true},
    {"**/", "x/y", true},
    {"**/", "", true},
    {"**/", "abc", true},
    {"**/", "aXb", true},
    {"a.b", "a.pyc", false},
    {"a.b", "pkg/a.pyc", false},
    {"a.b", "pkg/__pycache__/a.cpython-313.pyc", false},
    {"a.b", "pkg", false},
    {"a.b", "pkg/", false},
    {"a.b", "pkg/x/y", false},
    {"a.b", "tests/x.py", false},
    {"a.b", "a/tests/x.py", false},
    {"a.b", "a/tests", false},
    {"a.b", "a/b", false},
    {"a.b", "a/x/y/b", false},
    {"a.b", "ab/c", false},
    {"a.b", "axb/c", false},
    {"a.b", "a.py", false},
    {"a.b", "?.py", false},
    {"a.b", "[ab].py", false},
    {"a.b", "{a,b}.py", false},
    {"a.b", "x/q/y", false},
    {"a.b", "x/y", false},
    {"a.b", "", false},
    {"a.b", "abc", false},
    {"a.b", "aXb", false},
    {"**", "", true},
    {"**", "pkg/__pycache__/a.cpython-313.pyc", true},
    {"*", "pkg/a.pyc", false},
    {"*", "", true},
};

static void test_wrangler_globs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool got = pw_bundle_wrangler_glob(cases[i].glob, cases[i].path);
        if (got != cases[i].match)
            fail_msg("glob \"%s\" on \"%s\": expected %s", cases[i].glob, cases[i].path,
                     cases[i].match ? "a match" : "no match");
    }
}


static char *scratch(void)
{
    return pw_test_tempdir("upload");
}

/* Names in upload order, kinds marked: "own:x own:y pm:a main:entry.py". */
static char *scan(const char *root, const char *config, const char *env)
{
    pw_test_write_text(root, "wrangler.toml", config);
    char *path = pw_path_join(root, "wrangler.toml");
    pw_wrangler_config cfg;
    pw_error err = {0};
    if (pw_wrangler_read_file(path, env, &cfg, &err) != PW_OK)
        fail_msg("%s", pw_error_message(&err));
    pw_bundle_workers w = {&cfg, root};
    pw_bundle_upload u;
    if (pw_bundle_upload_scan(&w, NULL, &u, &err) != PW_OK)
        fail_msg("%s", pw_error_message(&err));
    static const char *const kinds[] = {"own", "pm", "main"};
    pw_buf out = PW_BUF_INIT;
    for (size_t i = 0; i < u.n_modules; i++)
        pw_buf_printf(&out, "%s%s:%s", i ? " " : "", kinds[u.modules[i].kind], u.modules[i].name);
    for (size_t i = 0; i < u.dropped.len; i++)
        pw_buf_printf(&out, " dropped:%s", u.dropped.items[i]);
    pw_bundle_upload_free(&u);
    pw_wrangler_config_free(&cfg);
    free(path);
    return pw_buf_detach(&out);
}

static void test_upload_scan(void **state)
{
    (void)state;
    char *root = scratch();
    pw_test_write_text(root, "src/entry.py", "print(1)\n");
    pw_test_write_text(root, "src/helper.py", "x = 1\n");
    pw_test_write_text(root, "src/notes.txt", "n\n");
    pw_test_write_text(root, "src/README.md", "r\n");
    pw_test_write_text(root, "src/blob.bin", "b\n");
    pw_test_write_text(root, "src/sub/deep.py", "d\n");
    pw_test_write_text(root, "python_modules/a/b.py", "b\n");
    pw_test_write_text(root, "python_modules/a-b.txt", "ab\n");
    pw_test_write_text(root, "python_modules/z.pyc", "z\n");
    pw_test_write_text(root, "python_modules/a/__pycache__/b.cpython-312.pyc", "c\n");
    pw_test_write_text(root, ".wrangler/tmp/cached.py", "w\n");

    /* Defaults: .py, .txt, .bin from the module root (main's directory);
     * each directory in byte order, walked where it appears. */
    char *got = scan(root, "main = \"src/entry.py\"\n", NULL);
    assert_string_equal(got, "own:blob.bin own:helper.py own:notes.txt own:sub/deep.py "
                             "pm:python_modules/a/b.py pm:python_modules/a-b.txt main:entry.py "
                             "dropped:a/__pycache__/b.cpython-312.pyc dropped:z.pyc");
    free(got);

    /* A Text rule without fallthrough completes Text: the default .txt rule
     * goes. (wrangler refuses PythonModule rules in the config, so the .py
     * rule always applies.) */
    got = scan(root,
               "main = \"src/entry.py\"\n"
               "[[rules]]\ntype = \"Text\"\nglobs = [\"**/*.md\"]\n"
               "[python_modules]\nexclude = [\"a/**\"]\n",
               NULL);
    assert_string_equal(got, "own:README.md own:blob.bin own:helper.py own:sub/deep.py "
                             "pm:python_modules/a-b.txt pm:python_modules/z.pyc main:entry.py "
                             "dropped:a/__pycache__/b.cpython-312.pyc dropped:a/b.py");
    free(got);

    /* fallthrough = true keeps the default Text rule after it. */
    got = scan(root,
               "main = \"src/entry.py\"\n"
               "[[rules]]\ntype = \"Text\"\nglobs = [\"**/*.md\"]\nfallthrough = true\n"
               "[python_modules]\nexclude = []\n",
               NULL);
    assert_string_equal(got, "own:README.md own:blob.bin own:helper.py own:notes.txt "
                             "own:sub/deep.py pm:python_modules/a/__pycache__/b.cpython-312.pyc "
                             "pm:python_modules/a/b.py pm:python_modules/a-b.txt "
                             "pm:python_modules/z.pyc main:entry.py");
    free(got);

    /* base_dir "." makes the project the module root: the config, main and
     * .wrangler/ are skipped, names are relative to the module root, and
     * python_modules/ is walked as own files too: its .py and .txt files
     * keep the place of their first walk in the form (formData.set) and
     * are counted twice in the size (as wrangler 4.164.0 does). */
    got = scan(root, "main = \"src/entry.py\"\nbase_dir = \".\"\n[env.x]\n", "x");
    assert_string_equal(got, "own:python_modules/a/b.py own:python_modules/a-b.txt "
                             "own:src/blob.bin own:src/helper.py own:src/notes.txt "
                             "own:src/sub/deep.py main:entry.py "
                             "dropped:a/__pycache__/b.cpython-312.pyc dropped:z.pyc");
    free(got);

    /* Not a Python Worker: no main module, python_modules/ only. */
    got = scan(root, "main = \"src/index.js\"\n", NULL);
    assert_string_equal(got, "pm:python_modules/a/b.py pm:python_modules/a-b.txt "
                             "dropped:a/__pycache__/b.cpython-312.pyc dropped:z.pyc");
    free(got);

    pw_error err = {0};
    pw_remove_tree(root, &err);
    pw_error_clear(&err);
    free(root);
}

/* A Worker's per-package gzip figures are shares of one stream: exact in
 * sum, and a small file is not left at zero because deflate emits output
 * a block behind its input. */
static void test_gzip_shares(void **state)
{
    (void)state;
    char *dir = pw_test_tempdir("gzshares");
    pw_error err = {0};
    const size_t sizes[3] = {40000, 3000, 300};
    char *paths[3];
    for (size_t i = 0; i < 3; i++) {
        pw_buf text = PW_BUF_INIT, name = PW_BUF_INIT;
        unsigned seed = 7 + (unsigned)i;
        while (text.len < sizes[i]) {
            seed = seed * 1103515245u + 12345u;
            pw_buf_printf(&text, "word%u ", (seed >> 16) % 5000);
        }
        pw_buf_printf(&name, "%s/f%zu.txt", dir, i);
        PW_ASSERT_OK(pw_write_file_atomic(name.data, text.data, text.len, &err), &err);
        paths[i] = pw_buf_detach(&name);
        pw_buf_free(&text);
    }
    uint64_t each[3], total = 0, whole = 0;
    PW_ASSERT_OK(pw_bundle_gzip_size_each((const char *const *)paths, 3, each, &total, &err),
                 &err);
    PW_ASSERT_OK(pw_bundle_gzip_size((const char *const *)paths, 3, &whole, &err), &err);
    assert_int_equal(each[0] + each[1] + each[2], total);
    assert_int_equal(total, whole);
    for (size_t i = 0; i < 3; i++)
        assert_true(each[i] > 0);
    assert_true(each[0] > each[1] && each[1] > each[2]);
    /* The last file does not take the final flush as a whole. */
    assert_true(each[2] < total / 10);
    for (size_t i = 0; i < 3; i++)
        free(paths[i]);
    pw_remove_tree(dir, NULL);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrangler_globs),
        cmocka_unit_test(test_upload_scan),
        cmocka_unit_test(test_gzip_shares),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
