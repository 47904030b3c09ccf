/* Trace files (pure) and `check --trace` / `--exercise` against real node
 * and real Pyodide releases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

#include "runtime_check.h"
#include "support_runtime.h"

#define DIGEST_A "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIGEST_B "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void assert_contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("expected \"%s\" in \"%s\"", needle, hay ? hay : "(null)");
}

static int parse(const char *text, pw_trace *t, pw_error *err)
{
    return pw_trace_parse("t.json", text, strlen(text), t, err);
}

/* ------------------------------------------------------------- pure */

static void test_round_trip(void **state)
{
    (void)state;
    pw_trace t = {0};
    t.lock_digest = pw_xstrdup(DIGEST_A);
    t.lock_path = pw_xstrdup("pwpkg.lock");
    t.runs = pw_xcalloc(1, sizeof(*t.runs));
    t.n_runs = 1;
    t.runs[0].entry = pw_xstrdup("src/entry.py");
    t.runs[0].cold_ms = 1234;
    /* Load order is kept, duplicates are not. */
    pw_trace_add_file(&t, "pkg/__init__.py");
    pw_trace_add_file(&t, "lib/libz.so.1");
    pw_trace_add_file(&t, "pkg/_speedups.cpython-313-wasm32-emscripten.so");
    pw_trace_add_file(&t, "pkg/__init__.py");
    pw_buf text = PW_BUF_INIT;
    pw_trace_write(&t, &text);
    pw_trace back;
    pw_error err = {0};
    PW_ASSERT_OK(pw_trace_parse("t.json", text.data, text.len, &back, &err), &err);
    assert_string_equal(back.lock_digest, DIGEST_A);
    assert_string_equal(back.lock_path, "pwpkg.lock");
    assert_int_equal(back.n_runs, 1);
    assert_string_equal(back.runs[0].entry, "src/entry.py");
    assert_null(back.runs[0].exercise);
    assert_int_equal(back.files.len, 3);
    assert_string_equal(back.files.items[1], "lib/libz.so.1");
    assert_int_equal(back.dynlibs.len, 2);
    assert_string_equal(back.dynlibs.items[1], "pkg/_speedups.cpython-313-wasm32-emscripten.so");
    /* Deterministic: writing again gives the same bytes. */
    pw_buf again = PW_BUF_INIT;
    pw_trace_write(&back, &again);
    assert_int_equal(text.len, again.len);
    assert_memory_equal(text.data, again.data, text.len);
    pw_buf_free(&text);
    pw_buf_free(&again);
    pw_trace_free(&t);
    pw_trace_free(&back);
}

static const struct {
    const char *text;
    const char *message; /* expected in the error */
} bad_traces[] = {
    {"[]", "t.json:1: expected a trace"},
    {"{\"trace_version\": 2}", "t.json:1: \"trace_version\": expected 1"},
    {"{\"trace_version\": 1,\n \"lock\": {\"digest\": \"md5:x\"}}", "t.json:2: \"lock\": expected"},
    {"{\"trace_version\": 1,\n\"lock\": {\"digest\": \"" DIGEST_A "\"},\n\"runs\": {}}",
     "t.json:3: \"runs\": expected an array"},
    {"{\"trace_version\": 1, \"lock\": {\"digest\": \"" DIGEST_A "\"},\n\n\"runs\": [{\"entry\": 3}]}",
     "t.json:3: \"runs\" item 1: expected an object"},
    {"{\"trace_version\": 1, \"lock\": {\"digest\": \"" DIGEST_A "\"}, \"runs\": []}",
     "\"files\": expected an array"},
    {"{\"trace_version\": 1, \"lock\": {\"digest\": \"" DIGEST_A "\"}, \"runs\": [],\n"
     "\"files\": [\"a.py\", \"../up.py\"]}",
     "t.json:2: \"files\" item 2: expected a path relative to the bundle"},
    {"{\"trace_version\": 1, \"lock\": {\"digest\": \"" DIGEST_A "\"}, \"runs\": [],"
     "\"files\": [\"/abs.py\"]}",
     "not \"/abs.py\""},
    {"{\"trace_version\": 1, \"lock\": {\"digest\": \"" DIGEST_A "\"}, \"runs\": [],"
     "\"files\": [\"a//b.py\"]}",
     "item 1"},
    {"{\"trace_version\": 1, \"lock\": {\"digest\": \"" DIGEST_A "\"}, \"runs\": [],"
     "\"files\": [7]}",
     "item 1: expected a path"},
    {"{\"trace_version\": 1,\n\"runs\": []\n\"files\": []}", "t.json:3:1: invalid JSON"},
};

static void test_bad_traces(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_traces / sizeof bad_traces[0]; i++) {
        pw_trace t;
        pw_error err = {0};
        int rc = parse(bad_traces[i].text, &t, &err);
        if (rc != PW_EINVAL)
            fail_msg("case %zu: rc %d, expected PW_EINVAL", i, rc);
        assert_contains(pw_error_message(&err), bad_traces[i].message);
        pw_error_clear(&err);
    }
}

static void test_merge(void **state)
{
    (void)state;
    pw_trace a, b, c, merged = {0};
    pw_error err = {0};
    PW_ASSERT_OK(parse("{\"trace_version\": 1, \"lock\": {\"digest\": \"" DIGEST_A "\"},"
                       "\"runs\": [{\"entry\": \"e.py\"}], \"files\": [\"p/a.py\", \"p/b.py\"]}",
                       &a, &err), &err);
    PW_ASSERT_OK(parse("{\"trace_version\": 1, \"lock\": {\"digest\": \"" DIGEST_A "\"},"
                       "\"runs\": [{\"exercise\": \"x.py\"}],"
                       "\"files\": [\"p/c.py\", \"p/a.py\", \"p/__pycache__/d.cpython-313.pyc\"]}",
                       &b, &err), &err);
    PW_ASSERT_OK(parse("{\"trace_version\": 1, \"lock\": {\"digest\": \"" DIGEST_B "\", "
                       "\"path\": \"other.lock\"}, \"runs\": [], \"files\": []}",
                       &c, &err), &err);
    PW_ASSERT_OK(pw_trace_merge(&merged, &a, "a.json", &err), &err);
    PW_ASSERT_OK(pw_trace_merge(&merged, &b, "b.json", &err), &err);
    assert_int_equal(merged.n_runs, 2);
    assert_string_equal(merged.runs[1].exercise, "x.py");
    /* First appearance wins the order. */
    assert_int_equal(merged.files.len, 4);
    assert_string_equal(merged.files.items[2], "p/c.py");
    /* A trace of another lock is refused, naming it. */
    assert_int_equal(pw_trace_merge(&merged, &c, "c.json", &err), PW_EINVAL);
    assert_contains(pw_error_message(&err), "c.json: made from another lock");
    assert_contains(pw_error_message(&err), "other.lock");
    /* The keep set: sorted, and the source of a traced cache file. */
    pw_strlist keep = PW_STRLIST_INIT;
    pw_trace_keep_set(&merged, &keep);
    assert_int_equal(keep.len, 5);
    assert_true(pw_strlist_contains(&keep, "p/d.py"));
    assert_string_equal(keep.items[0], "p/__pycache__/d.cpython-313.pyc");
    pw_strlist_free(&keep);
    pw_error_clear(&err);
    pw_trace_free(&a);
    pw_trace_free(&b);
    pw_trace_free(&c);
    pw_trace_free(&merged);
}

/* ----------------------------------------------------- real Pyodide */

/* Emscripten's dlopen reads a .so through the file system, as Python's
 * open() does: 0.28 (Emscripten 4.0.9) and 314 (5.0.3). */
static const char *const releases[] = {"0.28.3", "314.0.6"};

/* The smallest Emscripten side module (as in test_check.c). */
static const unsigned char side_module[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x08, 'd', 'y', 'l',
    'i',  'n',  'k',  '.',  '0',  0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
};

static void trace_one_release(const char *version)
{
    char *runtime = rt_runtime(version);
    rt_use_source_harness();
    unsetenv("PWPKG_NODE");
    char *bundle = pw_test_tempdir("trace");
    rt_write(bundle, "pkg/__init__.py", "from pkg import used\n");
    rt_write(bundle, "pkg/used.py",
             "import os\nDATA = open(os.path.join(os.path.dirname(__file__), 'data.txt')).read()\n");
    rt_write(bundle, "pkg/data.txt", "hello\n");
    rt_write(bundle, "pkg/never.py", "X = 1\n");
    rt_write(bundle, "pkg/later.py", "Y = 2\n");
    pw_error err = {0};
    char *lib = pw_path_join(bundle, "lib");
    PW_ASSERT_OK(pw_mkdirs(lib, &err), &err);
    char *so = pw_path_join(lib, "libpwtrace.so");
    PW_ASSERT_OK(pw_write_file_atomic(so, side_module, sizeof side_module, &err), &err);
    char *scripts = pw_test_tempdir("exercise");
    rt_write(scripts, "ok.py", "import pkg.later\nassert pkg.later.Y == 2\n");
    rt_write(scripts, "raises.py", "import pkg\n\ndef go():\n    raise KeyError('nope')\n\ngo()\n");
    char *ok_script = pw_path_join(scripts, "ok.py");
    char *bad_script = pw_path_join(scripts, "raises.py");

    pw_strlist mods = PW_STRLIST_INIT;
    pw_strlist_push(&mods, "pkg");
    pw_check_trace trace = {.record = true, .exercise = ok_script};
    pw_check_options o = {.runtime_dir = runtime, .bundle_dir = bundle, .modules = &mods,
                          .trace = &trace};
    pw_check_report rep;
    int rc = pw_check_run(&o, &rep, &err);
    if (rc != 0)
        fail_msg("%s: %s\n%s", version, pw_error_message(&err), rep.stderr_text ? rep.stderr_text : "");
    assert_true(trace.exercise_ok);
    /* In load order: the library first (loaded before any import), then
     * the package, the file it opened, and the exercise's module. */
    const char *expected[] = {"lib/libpwtrace.so", "pkg/__init__.py", "pkg/used.py",
                              "pkg/data.txt", "pkg/later.py"};
    if (trace.files.len != sizeof expected / sizeof expected[0]) {
        pw_buf got = PW_BUF_INIT;
        for (size_t i = 0; i < trace.files.len; i++)
            pw_buf_printf(&got, " %s", trace.files.items[i]);
        fail_msg("%s: traced%s", version, pw_buf_cstr(&got));
    }
    for (size_t i = 0; i < trace.files.len; i++)
        assert_string_equal(trace.files.items[i], expected[i]);
    assert_false(pw_strlist_contains(&trace.files, "pkg/never.py"));
    pw_check_report_free(&rep);
    pw_check_trace_free(&trace);

    /* A raising exercise fails the check with its own traceback. */
    pw_check_trace bad = {.record = true, .exercise = bad_script};
    o.trace = &bad;
    assert_int_equal(pw_check_run(&o, &rep, &err), PW_ECHECK);
    assert_false(bad.exercise_ok);
    const pw_check_module_result *m = &rep.results[rep.n_results - 1];
    assert_false(m->ok);
    assert_contains(m->module, "exercise ");
    assert_contains(m->error, "KeyError: 'nope'");
    assert_contains(m->traceback, "line 4, in go");
    assert_contains(m->traceback, "raise KeyError('nope')");
    pw_check_report_free(&rep);
    pw_check_trace_free(&bad);

    /* An extension module is read through FS.open too: the side module has
     * no PyInit, so its import fails, after the loader opened it. */
    char *ext = pw_path_join(bundle, "pkg/_ext.so");
    PW_ASSERT_OK(pw_write_file_atomic(ext, side_module, sizeof side_module, &err), &err);
    pw_strlist ext_mods = PW_STRLIST_INIT;
    pw_strlist_push(&ext_mods, "pkg._ext");
    pw_check_trace ext_trace = {.record = true};
    pw_check_options eo = {.runtime_dir = runtime, .bundle_dir = bundle, .modules = &ext_mods,
                           .trace = &ext_trace};
    assert_int_equal(pw_check_run(&eo, &rep, &err), PW_ECHECK);
    if (!pw_strlist_contains(&ext_trace.files, "pkg/_ext.so"))
        fail_msg("%s: the extension module was not traced (%zu files)", version,
                 ext_trace.files.len);
    pw_check_report_free(&rep);
    pw_check_trace_free(&ext_trace);
    pw_strlist_free(&ext_mods);
    free(ext);

    pw_strlist_free(&mods);
    pw_error_clear(&err);
    free(ok_script);
    free(bad_script);
    free(so);
    free(lib);
    rt_cleanup(scripts);
    rt_cleanup(bundle);
    free(runtime);
}

static void test_trace_0283(void **state)
{
    (void)state;
    trace_one_release(releases[0]);
}

static void test_trace_3140(void **state)
{
    (void)state;
    trace_one_release(releases[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_bad_traces),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_trace_0283),
        cmocka_unit_test(test_trace_3140),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
