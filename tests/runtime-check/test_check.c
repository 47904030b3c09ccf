/* The check against real node and real Pyodide releases. */
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

/* Two releases with different Pythons (3.12 and 3.13). */
static const char *const releases[] = {"0.27.7", "0.29.5"};

typedef struct fixture {
    char *runtime;
    char *bundle; /* python_modules/ with every package below */
} fixture;

static const struct {
    const char *path, *text;
} bundle_files[] = {
    {"good/__init__.py", "from . import sub\nVALUE = sub.twice(21)\n"},
    {"good/sub.py", "def twice(x):\n    return 2 * x\n"},
    {"plain.py", "import json\nDATA = json.dumps({'a': 1})\n"},
    {"bad/__init__.py", "def f():\n    raise ValueError('boom')\n\nf()\n"},
    {"missing/__init__.py", "import does_not_exist_xyz\n"},
    {"rnd/__init__.py", "import random\nV = random.random()\n"},
    {"rnd_sub/__init__.py", "from . import helper\n"},
    {"rnd_sub/helper.py", "import os\nKEY = os.urandom(8)\n"},
    {"rnd_instance.py", "import random\nR = random.Random()\n"},
    {"rnd_seeded.py", "import random\nR = random.Random(42)\nV = R.random()\n"},
    {"rnd_lazy.py", "import random\n\ndef roll():\n    return random.randint(1, 6)\n"},
    {"jsg/__init__.py", "from js import Object\nO = Object\nX = Object.new()\n"},
    {"spin.py", "while True:\n    pass\n"},
};

static void assert_contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("expected \"%s\" in \"%s\"", needle, hay ? hay : "(null)");
}

static int setup(void **state, const char *version)
{
    fixture *f = pw_xcalloc(1, sizeof *f);
    f->runtime = rt_runtime(version);
    rt_use_source_harness();
    unsetenv("PWPKG_NODE");
    f->bundle = pw_test_tempdir("bundle");
    for (size_t i = 0; i < sizeof bundle_files / sizeof bundle_files[0]; i++)
        rt_write(f->bundle, bundle_files[i].path, bundle_files[i].text);
    *state = f;
    return 0;
}

static int setup_0277(void **state) { return setup(state, releases[0]); }
static int setup_0295(void **state) { return setup(state, releases[1]); }

static int teardown(void **state)
{
    fixture *f = *state;
    rt_cleanup(f->bundle);
    free(f->runtime);
    free(f);
    return 0;
}

static int run(fixture *f, const char *const *mods, size_t n, pw_check_report *rep, pw_error *err)
{
    pw_strlist list = PW_STRLIST_INIT;
    for (size_t i = 0; i < n; i++)
        pw_strlist_push(&list, mods[i]);
    pw_check_options o = {.runtime_dir = f->runtime, .bundle_dir = f->bundle, .modules = &list};
    int rc = pw_check_run(&o, rep, err);
    pw_strlist_free(&list);
    return rc;
}

static const pw_check_module_result *result_of(const pw_check_report *r, const char *module)
{
    for (size_t i = 0; i < r->n_results; i++)
        if (strcmp(r->results[i].module, module) == 0)
            return &r->results[i];
    fail_msg("no result for %s", module);
    return NULL;
}

static void test_imports_ok(void **state)
{
    fixture *f = *state;
    const char *mods[] = {"good", "plain", "rnd_lazy", "rnd_seeded"};
    pw_check_report rep;
    pw_error err = {0};
    int rc = run(f, mods, 4, &rep, &err);
    if (rc != 0)
        fail_msg("%s\n%s", pw_error_message(&err), rep.stderr_text ? rep.stderr_text : "");
    assert_int_equal(rep.n_results, 4);
    assert_int_equal(rep.n_failed, 0);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(rep.results[i].module, mods[i]);
        assert_true(rep.results[i].ok);
        assert_null(rep.results[i].error);
    }
    /* Seeded generators and randomness used only when called are fine. */
    assert_int_equal(rep.n_random, 0);
    assert_int_equal(rep.n_unsnapshottable, 0);
    assert_non_null(rep.runtime_version);
    assert_true(rep.cold_ms >= rep.load_ms);
    assert_true(rep.peak_rss_bytes > 0);

    pw_buf json = PW_BUF_INIT;
    pw_check_report_write_json(&rep, &json);
    assert_contains(pw_buf_cstr(&json), "\"module\": \"good\"");
    assert_contains(pw_buf_cstr(&json), "\"failed\": 0");
    pw_buf_free(&json);
    pw_check_report_free(&rep);
    pw_error_clear(&err);
}

static void test_import_failures(void **state)
{
    fixture *f = *state;
    const char *mods[] = {"good", "bad", "missing", "not_in_bundle"};
    pw_check_report rep;
    pw_error err = {0};
    assert_int_equal(run(f, mods, 4, &rep, &err), PW_ECHECK);
    assert_int_equal(rep.n_failed, 3);
    assert_true(result_of(&rep, "good")->ok);

    const pw_check_module_result *bad = result_of(&rep, "bad");
    assert_false(bad->ok);
    assert_string_equal(bad->error, "ValueError: boom");
    /* The traceback starts at user code and names the line. */
    assert_contains(bad->traceback, "python_modules/bad/__init__.py\", line 4, in <module>");
    assert_contains(bad->traceback, "line 2, in f");
    assert_true(strstr(bad->traceback, "importlib") == NULL);

    const pw_check_module_result *missing = result_of(&rep, "missing");
    assert_string_equal(missing->error, "ModuleNotFoundError: No module named 'does_not_exist_xyz'");
    assert_contains(missing->traceback, "missing/__init__.py\", line 1");
    assert_string_equal(result_of(&rep, "not_in_bundle")->error,
                        "ModuleNotFoundError: No module named 'not_in_bundle'");

    assert_contains(pw_error_message(&err), "3 of 4 imports failed");
    assert_contains(pw_error_message(&err), "bad: ValueError: boom");
    pw_buf json = PW_BUF_INIT;
    pw_check_report_write_json(&rep, &json);
    assert_contains(pw_buf_cstr(&json), "\"error\": \"ValueError: boom\"");
    pw_buf_free(&json);
    pw_check_report_free(&rep);
    pw_error_clear(&err);
}

static void test_random_at_import(void **state)
{
    fixture *f = *state;
    const char *mods[] = {"rnd", "rnd_sub", "rnd_instance", "good"};
    pw_check_report rep;
    pw_error err = {0};
    assert_int_equal(run(f, mods, 4, &rep, &err), PW_ECHECK);
    /* The imports themselves succeed: Cloudflare fails them at deploy. */
    assert_int_equal(rep.n_failed, 0);
    struct {
        const char *module, *caller, *call;
    } want[] = {
        {"rnd", "rnd", "random.random"},
        {"rnd_sub", "rnd_sub.helper", "os.urandom"},
        {"rnd_instance", "rnd_instance", "random.Random()"},
    };
    assert_int_equal(rep.n_random, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < rep.n_random; i++) {
        assert_string_equal(rep.random_at_import[i].module, want[i].module);
        assert_string_equal(rep.random_at_import[i].name, want[i].caller);
        assert_string_equal(rep.random_at_import[i].detail, want[i].call);
    }
    assert_contains(pw_error_message(&err), "import of rnd uses randomness at import time");
    pw_check_report_free(&rep);
    pw_error_clear(&err);
}

static void test_js_object_at_top_level(void **state)
{
    fixture *f = *state;
    const char *mods[] = {"jsg"};
    pw_check_report rep;
    pw_error err = {0};
    assert_int_equal(run(f, mods, 1, &rep, &err), PW_ECHECK);
    assert_int_equal(rep.n_failed, 0);
    /* `O = Object` is reached from globalThis by a path and serializes;
     * the new object does not. */
    assert_int_equal(rep.n_unsnapshottable, 1);
    assert_string_equal(rep.unsnapshottable[0].module, "jsg");
    assert_string_equal(rep.unsnapshottable[0].name, "X");
    assert_contains(pw_error_message(&err), "jsg.X holds a JS object");
    pw_check_report_free(&rep);
    pw_error_clear(&err);
}

static void test_entry_module(void **state)
{
    fixture *f = *state;
    char *src = pw_test_tempdir("worker");
    rt_write(src, "entry.py", "import good\n\nasync def on_fetch(request):\n    return good.VALUE\n");
    char *entry = pw_path_join(src, "entry.py");
    pw_check_options o = {.runtime_dir = f->runtime, .bundle_dir = f->bundle, .entry = entry};
    pw_check_report rep;
    pw_error err = {0};
    int rc = pw_check_run(&o, &rep, &err);
    if (rc != 0)
        fail_msg("%s", pw_error_message(&err));
    assert_int_equal(rep.n_results, 1);
    assert_string_equal(rep.results[0].module, "entry");
    assert_true(rep.results[0].entry);
    assert_true(rep.results[0].ok);
    pw_check_report_free(&rep);

    /* A missing entry file is named. */
    o.entry = "/nonexistent/entry.py";
    assert_int_equal(pw_check_run(&o, &rep, &err), PW_ENOTFOUND);
    assert_contains(pw_error_message(&err), "entry module /nonexistent/entry.py");
    pw_check_report_free(&rep);
    pw_error_clear(&err);
    free(entry);
    rt_cleanup(src);
}

static void test_snapshot_roundtrip(void **state)
{
    fixture *f = *state;
    char *dir = pw_test_tempdir("snapshot");
    char *snap = pw_path_join(dir, "worker.snapshot");
    pw_strlist list = PW_STRLIST_INIT;
    pw_strlist_push(&list, "good");
    pw_strlist_push(&list, "plain");
    pw_check_options o = {.runtime_dir = f->runtime, .bundle_dir = f->bundle, .modules = &list,
                          .snapshot_path = snap};
    pw_check_report rep;
    pw_error err = {0};
    int rc = pw_check_run(&o, &rep, &err);
    if (rc != 0)
        fail_msg("%s\n%s", pw_error_message(&err), rep.stderr_text ? rep.stderr_text : "");
    assert_true(rep.snapshot_made);
    assert_null(rep.snapshot_error);
    struct stat st;
    assert_int_equal(stat(snap, &st), 0);
    assert_int_equal((uint64_t)st.st_size, rep.snapshot_bytes);
    /* Restored in a fresh process, the modules are already imported. */
    assert_int_equal(rep.restore_missing.len, 0);
    assert_true(rep.restore_ms > 0);
    pw_buf json = PW_BUF_INIT;
    pw_check_report_write_json(&rep, &json);
    assert_contains(pw_buf_cstr(&json), "\"missing_after_restore\": []");
    assert_contains(pw_buf_cstr(&json), "\"made\": true");
    pw_buf_free(&json);
    pw_check_report_free(&rep);

    /* A JS object at top level makes the snapshot itself fail. */
    pw_strlist_push(&list, "jsg");
    assert_int_equal(pw_check_run(&o, &rep, &err), PW_ECHECK);
    assert_false(rep.snapshot_made);
    assert_contains(rep.snapshot_error, "Can't serialize object");
    pw_check_report_free(&rep);
    pw_strlist_free(&list);
    pw_error_clear(&err);
    free(snap);
    rt_cleanup(dir);
}

static void test_compile_tree(void **state)
{
    fixture *f = *state;
    char *tree = pw_test_tempdir("compile");
    rt_write(tree, "cpkg/__init__.py", "from .mod import answer\n");
    rt_write(tree, "cpkg/mod.py", "def answer():\n    return 42\n");
    pw_check_options o = {.runtime_dir = f->runtime};
    pw_error err = {0};
    int rc = pw_check_compile_tree(&o, tree, &err);
    if (rc != 0)
        fail_msg("%s", pw_error_message(&err));

    pw_runtime_info info;
    PW_ASSERT_OK(pw_runtime_read_info(f->runtime, &info, &err), &err);
    /* PEP 3147 name: cpython-3XY from the release's Python. */
    int minor = 0;
    assert_int_equal(sscanf(info.python, "3.%d", &minor), 1);
    pw_buf rel = PW_BUF_INIT;
    pw_buf_printf(&rel, "cpkg/__pycache__/mod.cpython-3%d.pyc", minor);
    char *pyc = pw_path_join(tree, pw_buf_cstr(&rel));
    size_t len1 = 0, len2 = 0;
    char *first = rt_read(pyc, &len1);
    assert_non_null(first);
    /* PEP 552: flags word 0b01 = hash-based, unchecked. */
    assert_true(len1 > 16);
    assert_int_equal(first[4], 1);

    /* Deterministic: compiling again gives the same bytes. */
    PW_ASSERT_OK(pw_check_compile_tree(&o, tree, &err), &err);
    char *second = rt_read(pyc, &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(first, second, len1);

    /* Unchecked pycs are imported without looking at the source: break the
     * source, and the import still succeeds from the pyc. */
    rt_write(tree, "cpkg/mod.py", "raise RuntimeError('source was used instead of the pyc')\n");
    const char *mods[] = {"cpkg"};
    pw_strlist list = PW_STRLIST_INIT;
    pw_strlist_push(&list, mods[0]);
    pw_check_options co = {.runtime_dir = f->runtime, .bundle_dir = tree, .modules = &list};
    pw_check_report rep;
    rc = pw_check_run(&co, &rep, &err);
    if (rc != 0)
        fail_msg("%s", pw_error_message(&err));
    pw_check_report_free(&rep);

    /* A file that does not compile is named. */
    rt_write(tree, "cpkg/broken.py", "def (:\n");
    assert_int_equal(pw_check_compile_tree(&o, tree, &err), PW_ECHECK);
    assert_contains(pw_error_message(&err), "cpkg/broken.py: ");
    assert_contains(pw_error_message(&err), "line 1");

    pw_strlist_free(&list);
    pw_runtime_info_free(&info);
    pw_error_clear(&err);
    free(first);
    free(second);
    free(pyc);
    pw_buf_free(&rel);
    rt_cleanup(tree);
}

static void test_shared_libraries(void **state)
{
    fixture *f = *state;
    char *bundle = pw_test_tempdir("dynlib");
    rt_write(bundle, "uses_lib.py", "X = 1\n");
    /* The smallest Emscripten side module: the magic, version 1 and a
     * dylink.0 section with an empty WASM_DYLINK_MEM_INFO. */
    static const unsigned char side_module[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x08, 'd', 'y', 'l',
        'i',  'n',  'k',  '.',  '0',  0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
    };
    pw_error err = {0};
    char *lib = pw_path_join(bundle, "lib");
    PW_ASSERT_OK(pw_mkdirs(lib, &err), &err);
    char *good_so = pw_path_join(lib, "libpwtest.so");
    PW_ASSERT_OK(pw_write_file_atomic(good_so, side_module, sizeof side_module, &err), &err);
    rt_write(lib, "libnative.so", "\177ELF native code\n");

    pw_strlist list = PW_STRLIST_INIT;
    pw_strlist_push(&list, "uses_lib");
    pw_check_options o = {.runtime_dir = f->runtime, .bundle_dir = bundle, .modules = &list};
    pw_check_report rep;
    assert_int_equal(pw_check_run(&o, &rep, &err), PW_ECHECK);
    assert_int_equal(rep.dynlibs.len, 1);
    assert_string_equal(rep.dynlibs.items[0], "lib/libpwtest.so");
    const pw_check_module_result *native = result_of(&rep, "lib/libnative.so");
    assert_false(native->ok);
    assert_contains(native->error, "not a WebAssembly shared library");
    assert_true(result_of(&rep, "uses_lib")->ok);
    assert_int_equal(rep.n_failed, 1);
    pw_check_report_free(&rep);
    pw_strlist_free(&list);
    pw_error_clear(&err);
    free(good_so);
    free(lib);
    rt_cleanup(bundle);
}

static bool process_gone(long pid)
{
    pw_buf path = PW_BUF_INIT;
    pw_buf_printf(&path, "/proc/%ld/stat", pid);
    char *stat_text = rt_read(pw_buf_cstr(&path), NULL);
    pw_buf_free(&path);
    if (!stat_text)
        return true;
    /* A zombie waiting for a reaper that never comes is gone too. */
    const char *close_paren = strrchr(stat_text, ')');
    bool zombie = close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z';
    free(stat_text);
    return zombie;
}

static void test_timeout_kills_process_group(void **state)
{
    fixture *f = *state;
    char *bin = pw_test_tempdir("wrapper");
    char *pidfile = pw_path_join(bin, "sleeper.pid");
    /* A node that leaves a child behind in its process group. */
    pw_buf script = PW_BUF_INIT;
    pw_buf_printf(&script,
                  "#!/bin/sh\n"
                  "if [ \"$1\" = --version ]; then exec node --version; fi\n"
                  "sleep 600 &\n"
                  "echo $! > '%s'\n"
                  "exec node \"$@\"\n",
                  pidfile);
    char *wrapper = pw_path_join(bin, "node");
    rt_write(bin, "node", pw_buf_cstr(&script));
    assert_int_equal(chmod(wrapper, 0755), 0);

    pw_strlist list = PW_STRLIST_INIT;
    pw_strlist_push(&list, "good");
    pw_strlist_push(&list, "spin");
    pw_strlist_push(&list, "plain");
    /* Long enough for Pyodide to load under a sanitizer, short for a test. */
    pw_check_options o = {.runtime_dir = f->runtime, .bundle_dir = f->bundle, .modules = &list,
                          .timeout_ms = 10000, .node = wrapper};
    pw_check_report rep;
    pw_error err = {0};
    assert_int_equal(pw_check_run(&o, &rep, &err), PW_ECHECK);
    assert_true(rep.timed_out);
    assert_string_equal(rep.timed_out_module, "spin");
    assert_true(result_of(&rep, "good")->ok);
    const pw_check_module_result *spin = result_of(&rep, "spin");
    assert_false(spin->ok);
    assert_contains(spin->error, "timed out after 10000 ms");

    char *pid_text = rt_read(pidfile, NULL);
    assert_non_null(pid_text);
    long pid = strtol(pid_text, NULL, 10);
    assert_true(pid > 1);
    assert_true(process_gone(pid));

    free(pid_text);
    pw_check_report_free(&rep);
    pw_strlist_free(&list);
    pw_error_clear(&err);
    pw_buf_free(&script);
    free(wrapper);
    free(pidfile);
    rt_cleanup(bin);
}

#define PER_RELEASE(setup_fn)                                                           \
    cmocka_unit_test_setup_teardown(test_imports_ok, setup_fn, teardown),               \
        cmocka_unit_test_setup_teardown(test_import_failures, setup_fn, teardown),      \
        cmocka_unit_test_setup_teardown(test_random_at_import, setup_fn, teardown),     \
        cmocka_unit_test_setup_teardown(test_js_object_at_top_level, setup_fn, teardown), \
        cmocka_unit_test_setup_teardown(test_entry_module, setup_fn, teardown),         \
        cmocka_unit_test_setup_teardown(test_snapshot_roundtrip, setup_fn, teardown),   \
        cmocka_unit_test_setup_teardown(test_compile_tree, setup_fn, teardown),         \
        cmocka_unit_test_setup_teardown(test_shared_libraries, setup_fn, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        PER_RELEASE(setup_0277),
        PER_RELEASE(setup_0295),
        cmocka_unit_test_setup_teardown(test_timeout_kills_process_group, setup_0277, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
