#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include <cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static void test_normalize_name(void **state)
{
    (void)state;
    /* PEP 503: runs of -_. collapse to '-', lowercase */
    static const char *const cases[][2] = {
        {"friendly-bard", "friendly-bard"}, {"Friendly-Bard", "friendly-bard"},
        {"FRIENDLY-BARD", "friendly-bard"}, {"friendly.bard", "friendly-bard"},
        {"friendly_bard", "friendly-bard"}, {"friendly--bard", "friendly-bard"},
        {"FrIeNdLy-._.-bArD", "friendly-bard"}, {"python-dateutil", "python-dateutil"},
        {"zope.interface", "zope-interface"}, {"A", "a"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *n = pw_normalize_name(cases[i][0]);
        assert_string_equal(n, cases[i][1]);
        free(n);
    }
    assert_true(pw_names_equal("Zope.Interface", "zope_interface"));
    assert_false(pw_names_equal("zope", "zope-interface"));
}

/* Exit codes and re-filed errors go by these classes (cli_exit_code). */
static void test_status_classes(void **state)
{
    (void)state;
    assert_int_equal(pw_status_classify(PW_OK), PW_STATUS_OK);
    static const int found[] = {PW_ECHECK, PW_ECONFLICT, PW_EHASH};
    static const int input[] = {PW_EINVAL, PW_EUNSUPPORTED, PW_ENOTFOUND, PW_ELIMIT};
    static const int io[] = {PW_EIO, PW_ENET, PW_ERUNTIME, -99};
    for (size_t i = 0; i < sizeof(found) / sizeof(found[0]); i++)
        assert_int_equal(pw_status_classify(found[i]), PW_STATUS_FOUND);
    for (size_t i = 0; i < sizeof(input) / sizeof(input[0]); i++)
        assert_int_equal(pw_status_classify(input[i]), PW_STATUS_INPUT);
    for (size_t i = 0; i < sizeof(io) / sizeof(io[0]); i++)
        assert_int_equal(pw_status_classify(io[i]), PW_STATUS_IO);
}

static void test_edit_distance_and_redaction(void **state)
{
    (void)state;
    assert_int_equal(pw_edit_distance("pandas", "pandas"), 0);
    assert_int_equal(pw_edit_distance("pandsa", "pandas"), 2);
    assert_int_equal(pw_edit_distance("numpi", "numpy"), 1);
    assert_int_equal(pw_edit_distance("", "abc"), 3);
    static const char *const urls[][2] = {
        {"https://user:secret@example.org/simple/", "https://***@example.org/simple/"},
        {"https://token@example.org/a@b", "https://***@example.org/a@b"},
        {"https://example.org/simple/", "https://example.org/simple/"},
        {"file:///tmp/x", "file:///tmp/x"},
        {"no-scheme", "no-scheme"},
    };
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        char *r = pw_redact_url(urls[i][0]);
        assert_string_equal(r, urls[i][1]);
        free(r);
    }
}

static void test_buf_and_slices(void **state)
{
    (void)state;
    pw_buf b = PW_BUF_INIT;
    assert_string_equal(pw_buf_cstr(&b), "");
    for (int i = 0; i < 1000; i++)
        pw_buf_printf(&b, "%d,", i);
    assert_true(b.len > 3000);
    assert_int_equal(strlen(b.data), b.len);
    pw_buf_reset(&b);
    pw_buf_put_slice(&b, pw_slice_trim(pw_slice_from("  \t hi there \n")));
    assert_string_equal(b.data, "hi there");
    char *s = pw_buf_detach(&b);
    assert_null(b.data);
    free(s);
    pw_slice x = pw_slice_from("wheel.whl");
    assert_true(pw_slice_ends_with(x, ".whl"));
    assert_true(pw_slice_starts_with(x, "wheel"));
    assert_false(pw_slice_ends_with(x, "xwheel.whl"));
    assert_int_equal(pw_slice_find_char(x, '.'), 5);
    assert_int_equal(pw_slice_find_char(x, '!'), -1);
    assert_true(pw_slice_eq_icase_cstr(pw_slice_from("AbC"), "abc"));

    pw_arena a = PW_ARENA_INIT;
    char *big = pw_arena_alloc(&a, 1 << 20);
    big[(1 << 20) - 1] = 'x';
    char *p = pw_arena_printf(&a, "%s-%d", "v", 7);
    assert_string_equal(p, "v-7");
    pw_arena_free(&a);

    pw_strlist l = PW_STRLIST_INIT;
    pw_strlist_push(&l, "b");
    pw_strlist_push(&l, "a");
    pw_strlist_push(&l, "b");
    pw_strlist_sort_unique(&l);
    assert_int_equal(l.len, 2);
    assert_string_equal(l.items[0], "a");
    assert_true(pw_strlist_contains(&l, "b"));
    pw_strlist_free(&l);
}

static void test_errors(void **state)
{
    (void)state;
    pw_error err = {0};
    assert_string_equal(pw_error_message(&err), "unknown error");
    assert_int_equal(pw_error_set(&err, PW_ENET, "GET %s: %d", "u", 500), PW_ENET);
    pw_error_wrap(&err, "fetching %s", "numpy");
    assert_string_equal(pw_error_message(&err), "fetching numpy: GET u: 500");
    assert_int_equal(err.code, PW_ENET);
    pw_error_clear(&err);
    PW_ASSERT_OK(err.code, NULL);
}

static char *scratch_dir(void)
{
    return pw_test_tempdir("common");
}

static void test_files(void **state)
{
    (void)state;
    char *dir = scratch_dir();
    char *nested = pw_path_join(dir, "a/b/c");
    pw_error err = {0};
    PW_ASSERT_OK(pw_mkdirs(nested, &err), &err);
    assert_true(pw_is_dir(nested));
    char *file = pw_path_join(nested, "f.txt");
    mode_t old = umask(022);
    PW_ASSERT_OK(pw_write_file_atomic(file, "hello", 5, &err), &err);
    umask(old);
    struct stat st;
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    pw_buf text = PW_BUF_INIT;
    PW_ASSERT_OK(pw_read_file(file, &text, &err), &err);
    assert_string_equal(text.data, "hello");
    /* no temporary left beside it */
    DIR *d = opendir(nested);
    struct dirent *e;
    int entries = 0;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            entries++;
    closedir(d);
    assert_int_equal(entries, 1);
    /* what a killed writer left behind is removed by the next writer:
     * exactly pwpkg's staging names, nothing the user named alike */
    const char *stale_names[] = {"f.txt.pwpkg-tmp-AbC123", "f.txt.pwpkg-tmp-dir123/sub",
                                 "f.txt.pwpkg-tmp-Zz9999.zip"};
    const char *user_names[] = {"f.txt.tmp.backup", "f.txt.tmp.old/sub", "f.txt.tmp.notes",
                                "f.txt.pwpkg-tmp-abc", "f.txt.pwpkg-tmp-abcdefg",
                                "f.txt.pwpkg-tmp-abc123.bak", "g.txt.pwpkg-tmp-AbC123"};
    for (size_t i = 0; i < sizeof(stale_names) / sizeof(stale_names[0]); i++) {
        char *p = pw_path_join(nested, stale_names[i]);
        if (strchr(stale_names[i], '/'))
            PW_ASSERT_OK(pw_mkdirs(p, &err), &err);
        else
            PW_ASSERT_OK(pw_write_file_atomic(p, "x", 1, &err), &err);
        free(p);
    }
    for (size_t i = 0; i < sizeof(user_names) / sizeof(user_names[0]); i++) {
        char *p = pw_path_join(nested, user_names[i]);
        if (strchr(user_names[i], '/'))
            PW_ASSERT_OK(pw_mkdirs(p, &err), &err);
        else
            PW_ASSERT_OK(pw_write_file_atomic(p, "y", 1, &err), &err);
        free(p);
    }
    PW_ASSERT_OK(pw_write_file_atomic(file, "hello", 5, &err), &err);
    for (size_t i = 0; i < sizeof(stale_names) / sizeof(stale_names[0]); i++) {
        char *top = pw_xstrndup(stale_names[i], strcspn(stale_names[i], "/"));
        char *p = pw_path_join(nested, top);
        if (pw_file_exists(p) || pw_is_dir(p))
            fail_msg("staging entry %s was not swept", top);
        free(p);
        free(top);
    }
    for (size_t i = 0; i < sizeof(user_names) / sizeof(user_names[0]); i++) {
        char *p = pw_path_join(nested, user_names[i]);
        if (!pw_file_exists(p) && !pw_is_dir(p))
            fail_msg("the user's %s was deleted", user_names[i]);
        char *top = pw_xstrndup(user_names[i], strcspn(user_names[i], "/"));
        char *t = pw_path_join(nested, top);
        pw_remove_tree(t, &err);
        free(t);
        free(top);
        free(p);
    }
    /* a tree replaced in place: the old one goes, the new one is there */
    char *tree = pw_path_join(nested, "tree");
    char *old_leaf = pw_path_join(nested, "tree/old.txt");
    PW_ASSERT_OK(pw_mkdirs(tree, &err), &err);
    PW_ASSERT_OK(pw_write_file_atomic(old_leaf, "o", 1, &err), &err);
    int held = -1;
    PW_ASSERT_OK(pw_output_claim(tree, &held, &err), &err);
    char *stage = pw_staging_template(tree);
    assert_non_null(mkdtemp(stage));
    char *new_leaf = pw_path_join(stage, "new.txt");
    PW_ASSERT_OK(pw_write_file_atomic(new_leaf, "n", 1, &err), &err);
    PW_ASSERT_OK(pw_replace_tree(stage, tree, &err), &err);
    pw_output_release(held);
    char *placed = pw_path_join(nested, "tree/new.txt");
    assert_true(pw_file_exists(placed));
    assert_false(pw_file_exists(old_leaf));
    assert_false(pw_is_dir(stage));
    /* a writer killed between the fallback's two renames left the previous
     * tree at <stage>.old and no tree: the next claim puts it back */
    char *moved = pw_path_join(nested, "tree.pwpkg-tmp-Kill01.old");
    assert_int_equal(rename(tree, moved), 0);
    PW_ASSERT_OK(pw_output_claim(tree, &held, &err), &err);
    pw_output_release(held);
    assert_true(pw_file_exists(placed));
    assert_false(pw_is_dir(moved));
    pw_remove_tree(tree, &err);
    free(moved);
    free(placed);
    free(new_leaf);
    free(stage);
    free(old_leaf);
    free(tree);
    /* writing into a missing directory fails cleanly */
    char *bad = pw_path_join(dir, "missing/f.txt");
    assert_int_equal(pw_write_file_atomic(bad, "x", 1, &err), PW_EIO);
    assert_non_null(strstr(pw_error_message(&err), "missing/f.txt"));
    assert_int_equal(pw_read_file(bad, &text, &err), PW_ENOTFOUND);
    assert_int_equal(pw_read_file(dir, &text, &err), PW_EINVAL); /* a usage error, not I/O */

    char hex[65];
    uint64_t size = 0;
    PW_ASSERT_OK(pw_sha256_file_hex(file, hex, &size, &err), &err);
    assert_int_equal(size, 5);
    /* sha256("hello") */
    assert_string_equal(hex, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    pw_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_true(pw_is_sha256_hex(hex));
    assert_false(pw_is_sha256_hex("abc"));

    char *dn = pw_path_dirname("a/b/c.txt");
    assert_string_equal(dn, "a/b");
    free(dn);
    dn = pw_path_dirname("c.txt");
    assert_string_equal(dn, ".");
    free(dn);
    assert_string_equal(pw_path_basename("a/b/c.txt"), "c.txt");

    PW_ASSERT_OK(pw_remove_tree(dir, &err), &err);
    assert_false(pw_file_exists(dir));
    pw_buf_free(&text);
    pw_error_clear(&err);
    free(bad);
    free(file);
    free(nested);
    free(dir);
}

static void test_json(void **state)
{
    (void)state;
    const char *in = "{\"b\": [1, 2.5, \"x\\n\\u0001\"], \"a\": {\"z\": true, \"y\": null}, \"c\": {}}";
    cJSON *v = NULL;
    pw_error err = {0};
    PW_ASSERT_OK(pw_json_parse("t.json", in, strlen(in), &v, &err), &err);
    pw_buf out = PW_BUF_INIT;
    pw_json_write(v, &out);
    assert_string_equal(out.data, "{\n"
                                  "  \"a\": {\n"
                                  "    \"y\": null,\n"
                                  "    \"z\": true\n"
                                  "  },\n"
                                  "  \"b\": [\n"
                                  "    1,\n"
                                  "    2.5,\n"
                                  "    \"x\\n\\u0001\"\n"
                                  "  ],\n"
                                  "  \"c\": {}\n"
                                  "}\n");
    cJSON_Delete(v);
    /* the same key in different objects, escapes other than \u0000 and
     * valid UTF-8 are fine */
    const char *fine = "{\"a\": {\"a\": 1}, \"b\": [{\"a\": 1}, {\"a\": 2}], \"c\": \"\\u00e9\xc3\xa9\xf0\x9f\x90\x8d\\\"\"}";
    PW_ASSERT_OK(pw_json_parse("t.json", fine, strlen(fine), &v, &err), &err);
    cJSON_Delete(v);
    static const char *const bad[][2] = {
        {"{\n  \"a\": 1,\n  \"b\": }", "t.json:3:"},
        {"", "t.json:1:1"},
        {"{} x", "t.json:1:"},
        {"[1, 2", "t.json:1:"},
        /* what JSON.parse reads otherwise than cJSON: refused, with where */
        {"{\"a\": 1,\n \"b\": {\"a\": 2},\n \"a\": 3}", "t.json:3:2: a key that this object already has"},
        {"{\"d\": \"2025-10-01\\u0000x\"}", "t.json:1:18: a NUL character"},
        {"[\"\xff\"]", "t.json:1:3: invalid UTF-8"},
        {"[\"\xed\xa0\x80\"]", "t.json:1:3: invalid UTF-8"},
        {"[\"\xc0\xaf\"]", "t.json:1:3: invalid UTF-8"},
        {"[\"a\tb\"]", "t.json:1:4: a control character"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(pw_json_parse("t.json", bad[i][0], strlen(bad[i][0]), &v, &err), PW_EINVAL);
        if (!strstr(pw_error_message(&err), bad[i][1]))
            fail_msg("case %zu: %s", i, pw_error_message(&err));
        assert_null(v);
    }
    /* too deep: a limit, named as such */
    pw_buf deep = PW_BUF_INIT;
    for (int i = 0; i < 5000; i++)
        pw_buf_putc(&deep, '[');
    assert_int_equal(pw_json_parse("d.json", deep.data, deep.len, &v, &err), PW_ELIMIT);
    assert_non_null(strstr(pw_error_message(&err), "nested deeper than"));
    pw_buf_free(&deep);
    /* JSONC: comments and trailing commas go, strings and lines stay */
    const char *jsonc = "{\n  // c1\n  \"u\": \"http://x//y\", /* c2\n */ \"l\": [1, 2,],\n}\n";
    pw_jsonc_strip(jsonc, strlen(jsonc), &out);
    PW_ASSERT_OK(pw_json_parse("w.jsonc", out.data, out.len, &v, &err), &err);
    assert_string_equal(cJSON_GetObjectItem(v, "u")->valuestring, "http://x//y");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(v, "l")), 2);
    cJSON_Delete(v);
    size_t lines = 0;
    for (size_t i = 0; i < out.len; i++)
        lines += out.data[i] == '\n';
    assert_int_equal(lines, 5);
    pw_buf_free(&out);
    pw_error_clear(&err);
}

static void test_map(void **state)
{
    (void)state;
    pw_map m = PW_MAP_INIT;
    assert_null(pw_map_get(&m, "x"));
    static int values[1000];
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "pkg-%d", i);
        assert_null(pw_map_put(&m, key, &values[i]));
    }
    assert_int_equal(m.len, 1000);
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "pkg-%d", i);
        assert_ptr_equal(pw_map_get(&m, key), &values[i]);
    }
    assert_ptr_equal(pw_map_put(&m, "pkg-7", &values[0]), &values[7]);
    assert_int_equal(m.len, 1000);
    assert_null(pw_map_get(&m, "pkg-1000"));
    pw_map_free(&m);
}

static void expect_escaped(const char *in, size_t len, const char *want)
{
    pw_buf out = PW_BUF_INIT;
    pw_escape_untrusted(&out, in, len);
    assert_string_equal(pw_buf_cstr(&out), want);
    pw_buf_free(&out);
}

static void test_escape_untrusted(void **state)
{
    (void)state;
    const char clean[] = "caf\xc3\xa9 \xe2\x82\xac\tpath/to\\x.py\n";
    expect_escaped(clean, strlen(clean), clean);
    expect_escaped("a\x1b[31mb\x07", 8, "a\\x1b[31mb\\x07");
    expect_escaped("nul\0x", 5, "nul\\x00x");
    expect_escaped("del\x7f", 4, "del\\x7f");
    /* C1 CSI and a right-to-left override: valid UTF-8, still controls */
    expect_escaped("\xc2\x9b" "2J", 4, "\\xc2\\x9b2J");
    expect_escaped("\xe2\x80\xae" "txt", 6, "\\xe2\\x80\\xaetxt");
    expect_escaped("\xc2\xa0", 2, "\xc2\xa0"); /* NO-BREAK SPACE is shown */
    /* bytes that are not UTF-8, one escape each; a truncated sequence too */
    expect_escaped("\xff\xfe", 2, "\\xff\\xfe");
    expect_escaped("\xc0\xaf", 2, "\\xc0\\xaf");
    expect_escaped("end\xe2\x82", 5, "end\\xe2\\x82");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize_name),
        cmocka_unit_test(test_status_classes),
        cmocka_unit_test(test_edit_distance_and_redaction),
        cmocka_unit_test(test_buf_and_slices),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_escape_untrusted),
        cmocka_unit_test(test_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
