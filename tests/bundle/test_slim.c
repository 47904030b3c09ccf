/* Slimming from traces (pw_bundle_slim): what is kept, the RECORD written
 * for it, the counts, and the record in bundle.json read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include "bundle_private.h"
#include "support_bundle.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *scratch, *app_whl;

static const pw_wheelgen_file app_files[] = {
    {"app/__init__.py", "from app import core\n", 0, 0, 0},
    {"app/core.py", "X = 1\n", 0, 0, 0},
    {"app/unused.py", "Y = 2 # never imported, never traced\n", 0, 0, 0},
    {"app/data/table.txt", "kept by a --keep glob\n", 0, 0, 0},
    {"app/data/other.txt", "dropped\n", 0, 0, 0},
};

static int setup(void **state)
{
    (void)state;
    scratch = pw_test_tempdir("bundle-slim");
    pw_wheelgen_spec spec = {.name = "app", .version = "1.0", .files = app_files,
                             .n_files = sizeof(app_files) / sizeof(app_files[0])};
    app_whl = tb_make(&spec, scratch);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pw_error err = {0, NULL};
    pw_remove_tree(scratch, &err);
    pw_error_clear(&err);
    free(scratch);
    free(app_whl);
    return 0;
}

static void test_keeps(void **state)
{
    (void)state;
    static const char *const traced_items[] = {"app/__init__.py", "app/core.py"};
    static const char *const keep_items[] = {"app/data/t*.txt"};
    pw_strlist traced = {(char **)traced_items, 2, 2}, keep = {(char **)keep_items, 1, 1};
    pw_bundle_slim slim = {&traced, &keep, NULL};
    assert_true(pw_bundle_slim_keeps(&slim, "app/core.py"));
    assert_true(pw_bundle_slim_keeps(&slim, "app-1.0.dist-info/RECORD"));
    assert_true(pw_bundle_slim_keeps(&slim, "app/data/table.txt"));
    assert_false(pw_bundle_slim_keeps(&slim, "app/unused.py"));
    assert_false(pw_bundle_slim_keeps(&slim, "app/data/other.txt"));
    /* Only a top-level .dist-info is metadata. */
    assert_false(pw_bundle_slim_keeps(&slim, "app/x.dist-info/RECORD"));
}

static void test_build_slim(void **state)
{
    (void)state;
    static const char *const traced_items[] = {"app/__init__.py", "app/core.py"};
    static const char *const keep_items[] = {"app/data/t*.txt"};
    static const char *const source_items[] = {"trace.json sha256:00"};
    pw_strlist traced = {(char **)traced_items, 2, 2}, keep = {(char **)keep_items, 1, 1},
               sources = {(char **)source_items, 1, 1};
    pw_bundle_slim slim = {&traced, &keep, &sources};
    pw_bundle_item item = {"app", "1.0", app_whl, NULL, "site", "package", NULL};
    char *out = pw_path_join(scratch, "slim");
    pw_strlist slimmed = PW_STRLIST_INIT;
    pw_bundle_options o = {.format = PW_BUNDLE_DIR, .output = out, .source_date_epoch = -1,
                           .slim = &slim, .slimmed_out = &slimmed, .strip = PW_STRIP_STUBS};
    pw_bundle_report rep;
    pw_error err = {0, NULL};
    int rc = pw_bundle_build(&item, 1, &o, &rep, &err);
    if (rc != PW_OK)
        fail_msg("%s", pw_error_message(&err));
    assert_int_equal(tb_mode(out, "app/core.py"), 0644);
    assert_int_equal(tb_mode(out, "app/data/table.txt"), 0644);
    assert_int_equal(tb_mode(out, "app/unused.py"), -1);
    assert_int_equal(tb_mode(out, "app/data/other.txt"), -1);
    assert_int_equal(tb_mode(out, "app-1.0.dist-info/METADATA"), 0644);
    /* The dropped files, sorted, with their bytes. */
    assert_int_equal(slimmed.len, 2);
    assert_string_equal(slimmed.items[0], "app/data/other.txt");
    assert_string_equal(slimmed.items[1], "app/unused.py");
    assert_int_equal(rep.slimmed_files, 2);
    assert_int_equal(rep.packages[0].slimmed_files, 2);
    assert_int_equal(rep.slimmed_bytes, strlen(app_files[2].content) + strlen(app_files[4].content));
    assert_true(rep.slimmed_gz > 18); /* a gzip stream: header and trailer at least */
    /* RECORD is true for what was kept: no row for a dropped file. */
    char *record = tb_slurp(out, "app-1.0.dist-info/RECORD", NULL);
    assert_non_null(strstr(record, "app/core.py,sha256="));
    assert_non_null(strstr(record, "app/data/table.txt,sha256="));
    assert_null(strstr(record, "unused.py"));
    assert_null(strstr(record, "other.txt"));
    free(record);

    /* The record in bundle.json reads back as the options given. */
    pw_bundle_slimming back;
    PW_ASSERT_OK(pw_bundle_slimming_read(out, &back, &err), &err);
    assert_true(back.has_slim);
    assert_int_equal(back.strip, PW_STRIP_STUBS);
    assert_int_equal(back.traced.len, 2);
    assert_string_equal(back.traced.items[1], "app/core.py");
    assert_string_equal(back.keep.items[0], "app/data/t*.txt");
    assert_string_equal(back.sources.items[0], "trace.json sha256:00");
    /* ...and rebuilding with it gives the same manifest. */
    char *again = pw_path_join(scratch, "again");
    o.output = again;
    o.slim = &back.slim;
    o.slimmed_out = NULL;
    o.strip = back.strip;
    pw_bundle_report rep2;
    PW_ASSERT_OK(pw_bundle_build(&item, 1, &o, &rep2, &err), &err);
    pw_strlist diffs = PW_STRLIST_INIT;
    PW_ASSERT_OK(pw_bundle_compare(out, again, &diffs, &err), &err);
    assert_int_equal(diffs.len, 0);
    char *m1 = pw_bundle_manifest_path(out), *m2 = pw_bundle_manifest_path(again);
    char *t1 = tb_slurp("/", m1, NULL), *t2 = tb_slurp("/", m2, NULL);
    assert_non_null(t1);
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
    free(m1);
    free(m2);

    /* A bundle without slimming records none. */
    char *plain = pw_path_join(scratch, "plain");
    pw_bundle_options po = {.format = PW_BUNDLE_DIR, .output = plain, .source_date_epoch = -1};
    pw_bundle_report rep3;
    PW_ASSERT_OK(pw_bundle_build(&item, 1, &po, &rep3, &err), &err);
    pw_bundle_slimming none;
    PW_ASSERT_OK(pw_bundle_slimming_read(plain, &none, &err), &err);
    assert_false(none.has_slim);
    assert_int_equal(none.strip, 0);
    pw_bundle_slimming_free(&none);
    char *missing = pw_path_join(scratch, "nothing-here");
    assert_int_equal(pw_bundle_slimming_read(missing, &none, &err), PW_ENOTFOUND);

    pw_strlist_free(&diffs);
    pw_bundle_slimming_free(&back);
    pw_bundle_report_free(&rep);
    pw_bundle_report_free(&rep2);
    pw_bundle_report_free(&rep3);
    pw_strlist_free(&slimmed);
    pw_error_clear(&err);
    free(missing);
    free(plain);
    free(again);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keeps),
        cmocka_unit_test(test_build_slim),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
