/* The Worker as wrangler uploads it: main, base_dir, module name, exclude,
 * snapshot kind, .dev.vars; and --request parsing. No Pyodide needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

#include "resolver.h"
#include "runtime_check.h"
#include "support_runtime.h"

static void test_dev_vars(void **state)
{
    (void)state;
    const char *text = "# a comment\n"
                       "API_KEY=abc123\n"
                       "export QUOTED = \"a # b\"\n"
                       "\n"
                       "TRAILING=value # note\n"
                       "EMPTY=\n";
    pw_strlist names = PW_STRLIST_INIT, values = PW_STRLIST_INIT;
    pw_error err = {0};
    PW_ASSERT_OK(pw_check_dev_vars_parse(".dev.vars", text, strlen(text), &names, &values, &err),
                 &err);
    const char *want[][2] = {{"API_KEY", "abc123"}, {"QUOTED", "a # b"}, {"TRAILING", "value"},
                             {"EMPTY", ""}};
    assert_int_equal(names.len, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(names.items[i], want[i][0]);
        assert_string_equal(values.items[i], want[i][1]);
    }
    pw_strlist_free(&names);
    pw_strlist_free(&values);
    const char *bad = "OK=1\nnot a line\n";
    assert_int_equal(pw_check_dev_vars_parse(".dev.vars", bad, strlen(bad), &names, &values, &err),
                     PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), ".dev.vars:2: expected NAME=VALUE"));
    pw_error_clear(&err);
    pw_strlist_free(&names);
    pw_strlist_free(&values);
}

static void test_request_parse(void **state)
{
    (void)state;
    pw_check_call call;
    pw_error err = {0};
    PW_ASSERT_OK(pw_check_call_parse_request("POST /items?x=1", &call, &err), &err);
    assert_int_equal(call.kind, PW_CHECK_CALL_FETCH);
    assert_int_equal(call.method.len, 4);
    assert_memory_equal(call.method.ptr, "POST", 4);
    assert_string_equal(call.path, "/items?x=1");
    const char *bad[] = {"GET", "get /", "GET items", "GET / extra", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(pw_check_call_parse_request(bad[i], &call, &err), PW_EINVAL);
        assert_non_null(strstr(pw_error_message(&err), "expected 'METHOD /path'"));
        pw_error_clear(&err);
    }
}

static void test_worker_load(void **state)
{
    (void)state;
    char *dir = pw_test_tempdir("worker");
    pw_error err = {0};
    pw_check_worker w;
    /* Neither --entry nor a config: nothing to check. */
    assert_int_equal(pw_check_worker_load(dir, NULL, NULL, &w, &err), PW_ENOTFOUND);
    pw_error_clear(&err);

    rt_write(dir, "src/app/entry.py", "X = 1\n");
    rt_write(dir, "wrangler.toml",
             "main = \"src/app/entry.py\"\n"
             "base_dir = \"src\"\n"
             "compatibility_date = \"2026-10-06\"\n"
             "compatibility_flags = [\"python_workers\", \"python_dedicated_snapshot\"]\n"
             "[vars]\n"
             "A = \"from vars\"\n");
    rt_write(dir, ".dev.vars", "A=from dev vars\n");
    PW_ASSERT_OK(pw_check_worker_load(dir, NULL, NULL, &w, &err), &err);
    assert_string_equal(w.main, "app/entry.py");
    assert_string_equal(w.module, "app.entry");
    assert_true(w.dedicated_snapshot);
    assert_non_null(strstr(w.snapshot_origin, "wrangler.toml:4"));
    assert_int_equal(w.exclude.len, 1);
    assert_string_equal(w.exclude.items[0], "**/*.pyc");
    assert_string_equal(w.exclude_origin, "wrangler's default");
    assert_int_equal(w.dev_var_names.len, 1);
    assert_string_equal(w.dev_var_values.items[0], "from dev vars");
    pw_check_worker_free(&w);

    /* A main module outside base_dir is refused, naming the line. */
    rt_write(dir, "wrangler.toml",
             "main = \"other/entry.py\"\nbase_dir = \"src\"\ncompatibility_date = \"2026-10-06\"\n");
    rt_write(dir, "other/entry.py", "X = 1\n");
    assert_int_equal(pw_check_worker_load(dir, NULL, NULL, &w, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "wrangler.toml:2: the main module"));
    assert_non_null(strstr(pw_error_message(&err), "is outside base_dir"));
    pw_error_clear(&err);

    /* --entry wins over main; its directory is base_dir without one. */
    rt_write(dir, "wrangler.toml", "main = \"nope.py\"\ncompatibility_date = \"2026-10-06\"\n");
    char *entry = pw_path_join(dir, "other/entry.py");
    PW_ASSERT_OK(pw_check_worker_load(dir, NULL, entry, &w, &err), &err);
    assert_string_equal(w.module, "entry");
    assert_false(w.dedicated_snapshot);
    pw_check_worker_free(&w);
    free(entry);
    /* A JavaScript Worker has nothing for Pyodide. */
    rt_write(dir, "wrangler.toml", "main = \"src/index.ts\"\ncompatibility_date = \"2026-10-06\"\n");
    assert_int_equal(pw_check_worker_load(dir, NULL, NULL, &w, &err), PW_ENOTFOUND);
    assert_non_null(strstr(pw_error_message(&err), "is not a Python module"));
    pw_error_clear(&err);
    rt_write(dir, "wrangler.toml", "main = \"nope.py\"\ncompatibility_date = \"2026-10-06\"\n");
    /* main that does not exist is named with its line. */
    assert_int_equal(pw_check_worker_load(dir, NULL, NULL, &w, &err), PW_ENOTFOUND);
    assert_non_null(strstr(pw_error_message(&err), "wrangler.toml:1: main"));
    pw_error_clear(&err);
    rt_cleanup(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dev_vars),
        cmocka_unit_test(test_request_parse),
        cmocka_unit_test(test_worker_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
