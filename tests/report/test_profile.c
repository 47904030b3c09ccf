/* report/: the per-package profile built from timed imports (ownership,
 * self and cumulative, consistency after rounding), its JSON round trip and
 * bad input, the trace reader, and escaping in the HTML page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include "lockfile.h"
#include "report.h"
#include "runtime_check.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *dir;    /* a bundle directory: its manifest sits beside it */
static char *bundle; /* <dir>/python_modules */

static void put(const char *rel, const char *text)
{
    pw_test_write_text(bundle, rel, text);
}

static int setup(void **state)
{
    (void)state;
    dir = pw_test_tempdir("report");
    pw_error err = {0};
    bundle = pw_path_join(dir, "python_modules");
    put("alpha/__init__.py", "import beta\n");
    put("alpha/_speed.so", "\0asm");
    put("beta/__init__.py", "x = 1\n");
    put("lib/libz.so", "\0asmzz");
    put("q/<b>&'x'.txt", "markup in a file name");
    /* The manifest as pwpkg bundle writes it (the fields read here). */
    const char *manifest =
        "{\"files\": ["
        "{\"path\": \"alpha/__init__.py\", \"package\": \"alpha\", \"size\": 12},"
        "{\"path\": \"alpha/_speed.so\", \"package\": \"alpha\", \"size\": 4000},"
        "{\"path\": \"beta/__init__.py\", \"package\": \"beta\", \"size\": 6},"
        "{\"path\": \"lib/libz.so\", \"package\": \"libz\", \"size\": 90000},"
        "{\"path\": \"q/<b>&'x'.txt\", \"package\": \"q<script>\", \"size\": 21}],"
        "\"packages\": ["
        "{\"name\": \"alpha\", \"version\": \"1\", \"files\": 2, \"raw_bytes\": 4012, \"gz_bytes\": 300},"
        "{\"name\": \"beta\", \"version\": \"2\", \"files\": 1, \"raw_bytes\": 6, \"gz_bytes\": 26},"
        "{\"name\": \"libz\", \"version\": \"1.3\", \"files\": 1, \"raw_bytes\": 90000, "
        "\"gz_bytes\": 40000, \"package_type\": \"shared_library\"},"
        "{\"name\": \"q<script>\", \"version\": \"0\", \"files\": 1, \"raw_bytes\": 21, \"gz_bytes\": 41}],"
        "\"totals\": {\"raw_bytes\": 94039, \"gz_bytes\": 40367}}";
    char *mpath = pw_path_join(dir, "python_modules.bundle.json");
    PW_ASSERT_OK(pw_write_file_atomic(mpath, manifest, strlen(manifest), &err), &err);
    free(mpath);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pw_error err = {0};
    pw_remove_tree(dir, &err);
    pw_error_clear(&err);
    free(bundle);
    free(dir);
    return 0;
}

#define MOUNT "/session/metadata/python_modules/"

/* alpha (1.0004 ms) imports json (0.2), which imports decimal (0.1), then
 * beta (0.3001), then its extension (0.05); the entry (0.5) imports
 * alpha again (cached: not timed). Rounding to microseconds must keep
 * children within their parent. */
static pw_check_import_time imports[] = {
    {"alpha", -1, 1.0004, 1000, MOUNT "alpha/__init__.py"},
    {"json", 0, 0.2006, 100, "/lib/python3.13/json/__init__.py"},
    {"decimal", 1, 0.1004, 50, "/lib/python3.13/decimal.py"},
    {"beta", 0, 0.3001, 3000, MOUNT "beta/__init__.py"},
    {"alpha._speed", 0, 0.05, 10, MOUNT "alpha/_speed.so"},
    {"entry", -1, 0.5, 0, "/session/metadata/entry.py"},
};
static pw_check_dynlib_cost dynlibs[] = {{"lib/libz.so", 2.0, 65536}};

static const pw_profile_package *find(const pw_profile *p, const char *name)
{
    for (size_t i = 0; i < p->n_packages; i++)
        if (strcmp(p->packages[i].name, name) == 0)
            return &p->packages[i];
    fail_msg("%s not in the profile", name);
    return NULL;
}

static void build(pw_profile *out)
{
    pw_check_profile raw = {true, imports, sizeof imports / sizeof *imports, dynlibs, 1,
                            1000000, 2000000};
    pw_error err = {0};
    PW_ASSERT_OK(pw_profile_build(&raw, bundle, out, &err), &err);
}

static void test_build_owns_and_nests(void **state)
{
    (void)state;
    pw_profile p;
    build(&p);
    const pw_profile_package *a = find(&p, "alpha"), *b = find(&p, "beta");
    /* json and decimal count for alpha, which imported them. */
    assert_int_equal(a->modules, 4);
    assert_int_equal(a->cumulative_us, 1000);
    assert_int_equal(a->self_us, 1000 - 300);
    assert_int_equal(b->self_us, 300);
    assert_int_equal(b->cumulative_us, 300);
    assert_int_equal(a->raw_bytes, 4012);
    assert_int_equal(a->gz_bytes, 300);
    /* alpha grew 1000 with 3110 nested: raised to 3110, its own modules (json,
     * decimal, the extension) keep 50 + 50 + 10 */
    assert_int_equal(a->memory_bytes, 110);
    assert_int_equal(b->memory_bytes, 3000);
    /* the extension module is alpha's shared library */
    assert_int_equal(a->n_libs, 1);
    assert_string_equal(a->libs[0].path, "alpha/_speed.so");
    assert_int_equal(a->libs[0].bytes, 4000);
    /* lib/libz.so belongs to libz, with its load time and heap */
    const pw_profile_package *z = find(&p, "libz");
    assert_int_equal(z->dynlib_us, 2000);
    assert_int_equal(z->memory_bytes, 65536);
    assert_int_equal(z->libs[0].bytes, 90000);
    assert_int_equal(z->memory_ppm, 32768);
    const pw_profile_package *w = find(&p, PW_PROFILE_WORKER);
    assert_int_equal(w->cumulative_us, 500);
    assert_int_equal(p.imports_us, 1500);
    /* never imported: listed with no time */
    assert_int_equal(find(&p, "q<script>")->cumulative_us, 0);
    /* most costly first; cumulative >= self everywhere */
    for (size_t i = 0; i < p.n_packages; i++) {
        assert_true(p.packages[i].cumulative_us >= p.packages[i].self_us);
        if (i)
            assert_true(p.packages[i - 1].cumulative_us + p.packages[i - 1].dynlib_us >=
                        p.packages[i].cumulative_us + p.packages[i].dynlib_us);
    }
    assert_string_equal(p.packages[0].name, "libz");
    pw_profile_free(&p);
}

static void test_json_round_trip(void **state)
{
    (void)state;
    pw_profile p, q;
    build(&p);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddItemToObject(doc, "profile", pw_profile_to_json(&p));
    pw_buf text = PW_BUF_INIT, again = PW_BUF_INIT;
    pw_json_write(doc, &text);
    pw_error err = {0};
    PW_ASSERT_OK(pw_profile_parse("p.json", text.data, text.len, &q, &err), &err);
    cJSON *doc2 = cJSON_CreateObject();
    cJSON_AddItemToObject(doc2, "profile", pw_profile_to_json(&q));
    pw_json_write(doc2, &again);
    assert_string_equal(pw_buf_cstr(&text), pw_buf_cstr(&again));
    cJSON_Delete(doc);
    cJSON_Delete(doc2);
    pw_buf_free(&text);
    pw_buf_free(&again);
    pw_profile_free(&p);
    pw_profile_free(&q);
}

static void test_parse_bad_input(void **state)
{
    (void)state;
    static const struct {
        const char *text, *expect;
    } cases[] = {
        {"{\"profile_version\": 1,", "p.json:1"},
        {"[]", "p.json: expected a profile"},
        {"{\"profile_version\": 2}", "profile_version 2"},
        {"{\"profile_version\": 1, \"packages\": {}}", "packages: expected an array"},
        {"{\"profile_version\": 1, \"imports_us\": -1, \"packages\": []}", "profile.imports_us"},
        {"{\"profile\": {\"profile_version\": 1, \"imports_us\": 1, \"heap_start_bytes\": 0, "
         "\"heap_end_bytes\": 0, \"packages\": [{\"name\": 3}]}}",
         "packages[0].name: expected a string"},
        {"{\"profile_version\": 1, \"imports_us\": 1, \"heap_start_bytes\": 0, "
         "\"heap_end_bytes\": 0, \"packages\": [{\"name\": \"a\", \"version\": \"1\", \"files\": 1, "
         "\"raw_bytes\": 1, \"gz_bytes\": 1, \"modules\": 1, \"self_us\": 1.5, "
         "\"cumulative_us\": 3, \"dynlib_us\": 0, \"memory_bytes\": 0, \"memory_ppm\": 0, "
         "\"shared_libraries\": []}]}",
         "packages[0].self_us: expected a whole number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        pw_profile p;
        pw_error err = {0};
        assert_int_equal(pw_profile_parse("p.json", cases[i].text, strlen(cases[i].text), &p, &err),
                         PW_EINVAL);
        if (!strstr(pw_error_message(&err), cases[i].expect))
            fail_msg("case %zu: '%s' does not say '%s'", i, pw_error_message(&err), cases[i].expect);
        pw_error_clear(&err);
    }
}

/* The report reads traces with runtime-check's reader and keeps what
 * `bundle --slim` keeps: the traced files and the .py beside a traced .pyc. */
static void test_trace(void **state)
{
    (void)state;
    const char *good = "{\"trace_version\": 1, \"runs\": [], \"files\": [\"b.py\", "
                       "\"a/__pycache__/m.cpython-313.pyc\", \"b.py\"], \"lock\": {\"digest\": "
                       "\"sha256:abababababababababababababababababababababababababababababababab\"}}";
    pw_trace read;
    pw_error err = {0};
    PW_ASSERT_OK(pw_trace_parse("t.json", good, strlen(good), &read, &err), &err);
    pw_html_report_trace t;
    pw_html_report_trace_from(&read, &t);
    pw_trace_free(&read);
    assert_int_equal(t.files.len, 3);
    assert_string_equal(t.files.items[0], "a/__pycache__/m.cpython-313.pyc");
    assert_string_equal(t.files.items[1], "a/m.py");
    assert_string_equal(t.files.items[2], "b.py");
    assert_string_equal(t.lock_digest, "sha256:abababababababababababababababababababababababababababababababab");
    pw_html_report_trace_free(&t);
}

static void test_html_escapes(void **state)
{
    (void)state;
    pw_lock lock;
    pw_lock_init(&lock);
    pw_lock_package *pk = pw_lock_add_package(&lock, "q<script>");
    pk->version = pw_xstrdup("0\"><svg onload=x>");
    pw_profile p;
    build(&p);
    pw_html_report_input in = {&lock, "pwpkg.lock", bundle, &p, NULL};
    pw_buf out = PW_BUF_INIT;
    pw_error err = {0};
    PW_ASSERT_OK(pw_html_report(&in, &out, &err), &err);
    const char *html = pw_buf_cstr(&out);
    assert_null(strstr(html, "<script>\""));
    assert_null(strstr(html, "q<script>"));
    assert_null(strstr(html, "<svg onload"));
    assert_null(strstr(html, "<b>&"));
    assert_non_null(strstr(html, "q&lt;script&gt;"));
    assert_non_null(strstr(html, "&lt;b&gt;&amp;&#39;x&#39;.txt"));
    assert_non_null(strstr(html, "data-raw-bytes=\"90000\" data-gz-bytes=\"40000\""));
    assert_null(strstr(html, "http:"));
    assert_null(strstr(html, "https:"));
    /* slimming: alpha/__init__.py stays for its traced .pyc, the rest of
     * alpha is dropped; beta is traced itself */
    const char *tr = "{\"trace_version\": 1, \"runs\": [], \"files\": "
                     "[\"alpha/__pycache__/__init__.cpython-313.pyc\", \"beta/__init__.py\"], "
                     "\"lock\": {\"digest\": \"sha256:"
                     "0000000000000000000000000000000000000000000000000000000000000000\"}}";
    pw_trace read;
    PW_ASSERT_OK(pw_trace_parse("t.json", tr, strlen(tr), &read, &err), &err);
    pw_html_report_trace trace;
    pw_html_report_trace_from(&read, &trace);
    pw_trace_free(&read);
    /* this lock is made in memory, with no digest to match */
    free(trace.lock_digest);
    trace.lock_digest = NULL;
    in.trace = &trace;
    pw_buf slim = PW_BUF_INIT;
    PW_ASSERT_OK(pw_html_report(&in, &slim, &err), &err);
    assert_non_null(strstr(pw_buf_cstr(&slim), "<tr data-package=\"alpha\"><td>alpha</td><td "
                                               "class=\"n\">1</td><td class=\"n\">1</td><td "
                                               "class=\"n\">4.0 kB</td>"));
    assert_non_null(strstr(pw_buf_cstr(&slim), "<tr data-package=\"beta\"><td>beta</td><td "
                                               "class=\"n\">1</td><td class=\"n\">0</td>"));
    pw_buf_free(&slim);
    pw_html_report_trace_free(&trace);
    in.trace = NULL;
    /* the same input, the same page */
    pw_buf again = PW_BUF_INIT;
    PW_ASSERT_OK(pw_html_report(&in, &again, &err), &err);
    assert_string_equal(html, pw_buf_cstr(&again));
    pw_buf_free(&out);
    pw_buf_free(&again);
    pw_profile_free(&p);
    pw_lock_free(&lock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_owns_and_nests),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_parse_bad_input),
        cmocka_unit_test(test_trace),
        cmocka_unit_test(test_html_escapes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
