/* pyodide-lock.json (schema pyodide-lock 0.2.0), with the quirks of the
 * files that releases 0.25 .. 314.x actually ship. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "pyodide_index.h"

#define ORIGIN "pyodide-lock.json"
#define SHA_A "41483b59e25511a394fdb04e9a4180ff40f4eae09126d264d74984d6198d8415"
#define SHA_B "c9323a8bd2d1d98e41815810f66ecb749943728a192f25c2b80d0088bda8d823"
#define SHA_C "29dd2df8cfff63a9a16bc142830cb981e3f7611eaccaa212238b5e50b0033fdb"

static int parse(const char *json, pw_pyodide_index *idx, pw_error *err)
{
    return pw_pyodide_index_parse(ORIGIN, json, strlen(json), idx, err);
}

static void parse_ok(const char *json, pw_pyodide_index *idx)
{
    pw_error err = {0};
    if (parse(json, idx, &err) != 0)
        fail_msg("unexpected error: %s", pw_error_message(&err));
}

static void assert_list(const pw_strlist *l, const char *const *expected, size_t n)
{
    assert_int_equal(l->len, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(l->items[i], expected[i]);
}

/* 0.26.4: info.version present, the deprecated shared_library boolean on
 * every entry, keys that normalize a differently spelled name, depends that
 * are not normalized, a cpython_module flagged as a shared library. */
static const char doc_0_26[] =
    "{\n"
    "  \"info\": {\"abi_version\": \"2024_0\", \"arch\": \"wasm32\",\n"
    "           \"platform\": \"emscripten_3_1_58\", \"python\": \"3.12.1\", \"version\": \"0.26.4\"},\n"
    "  \"packages\": {\n"
    "    \"jinja2\": {\"depends\": [\"MarkupSafe\"], \"file_name\": \"Jinja2-3.1.3-py3-none-any.whl\",\n"
    "      \"imports\": [\"jinja2\"], \"install_dir\": \"site\", \"name\": \"Jinja2\",\n"
    "      \"package_type\": \"package\", \"sha256\": \"" SHA_A "\", \"shared_library\": false,\n"
    "      \"unvendored_tests\": false, \"version\": \"3.1.3\"},\n"
    "    \"astropy-iers-data\": {\"depends\": [], \"file_name\": \"astropy_iers_data-0.2024.4.22.0.29.50-py3-none-any.whl\",\n"
    "      \"imports\": [\"astropy_iers_data\"], \"install_dir\": \"site\", \"name\": \"astropy_iers_data\",\n"
    "      \"package_type\": \"package\", \"sha256\": \"" SHA_B "\", \"shared_library\": false,\n"
    "      \"unvendored_tests\": true, \"version\": \"0.2024.4.22.0.29.50\"},\n"
    "    \"hashlib\": {\"depends\": [\"openssl\"], \"file_name\": \"hashlib-1.0.0.zip\",\n"
    "      \"imports\": [\"_hashlib\"], \"install_dir\": \"stdlib\", \"name\": \"hashlib\",\n"
    "      \"package_type\": \"cpython_module\", \"sha256\": \"" SHA_C "\", \"shared_library\": true,\n"
    "      \"unvendored_tests\": false, \"version\": \"1.0.0\"},\n"
    "    \"openssl\": {\"depends\": [], \"file_name\": \"openssl-1.1.1n.zip\",\n"
    "      \"imports\": [], \"install_dir\": \"dynlib\", \"name\": \"openssl\",\n"
    "      \"package_type\": \"shared_library\", \"sha256\": \"" SHA_A "\", \"shared_library\": true,\n"
    "      \"unvendored_tests\": false, \"version\": \"1.1.1n\"}\n"
    "  }\n"
    "}\n";

static void test_parse_0_26(void **state)
{
    pw_pyodide_index idx;
    parse_ok(doc_0_26, &idx);
    assert_string_equal(idx.python, "3.12.1");
    assert_string_equal(idx.platform, "emscripten_3_1_58");
    assert_string_equal(idx.emscripten, "3.1.58");
    assert_string_equal(idx.arch, "wasm32");
    assert_string_equal(idx.abi_version, "2024_0");
    assert_string_equal(idx.version, "0.26.4");
    char sha[65];
    pw_sha256_hex(doc_0_26, strlen(doc_0_26), sha);
    assert_string_equal(idx.sha256, sha);

    /* Sorted by key, whatever the file order. */
    static const char *const keys[] = {"astropy-iers-data", "hashlib", "jinja2", "openssl"};
    assert_int_equal(idx.n_packages, 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(idx.packages[i].key, keys[i]);

    const pw_pyodide_package *j = pw_pyodide_index_find(&idx, "JINJA2");
    assert_non_null(j);
    assert_string_equal(j->name, "Jinja2");
    assert_string_equal(j->version, "3.1.3");
    assert_string_equal(j->sha256, SHA_A);
    static const char *const j_depends[] = {"markupsafe"};
    assert_list(&j->depends, j_depends, 1);
    static const char *const j_imports[] = {"jinja2"};
    assert_list(&j->imports, j_imports, 1);
    assert_false(j->shared_library);

    const pw_pyodide_package *a = pw_pyodide_index_find(&idx, "Astropy_IERS.data");
    assert_ptr_equal(a, &idx.packages[0]);
    assert_string_equal(a->name, "astropy_iers_data");
    assert_true(a->unvendored_tests);

    const pw_pyodide_package *h = pw_pyodide_index_find(&idx, "hashlib");
    assert_string_equal(h->package_type, "cpython_module");
    assert_string_equal(h->install_dir, "stdlib");
    assert_true(h->shared_library); /* the explicit boolean wins */
    const pw_pyodide_package *o = pw_pyodide_index_find(&idx, "openssl");
    assert_string_equal(o->file_name, "openssl-1.1.1n.zip");
    assert_string_equal(o->install_dir, "dynlib");
    assert_true(o->shared_library);

    assert_null(pw_pyodide_index_find(&idx, "numpy"));
    assert_null(pw_pyodide_index_find(&idx, "jinja"));
    assert_null(pw_pyodide_index_find(&idx, ""));
    pw_pyodide_index_free(&idx);
}

/* 0.29.5: no info.version, no shared_library boolean (derived from
 * package_type), an uppercase digest; 314.0.7: an extra "tool" key on
 * packages. Also a static_library, and unknown keys in info. */
static const char doc_0_29[] =
    "{\"info\": {\"abi_version\": \"2025_0\", \"arch\": \"wasm32\", \"platform\": \"emscripten_4_0_9\",\n"
    "           \"python\": \"3.13.2\", \"future_field\": 1},\n"
    " \"packages\": {\n"
    "  \"libopenssl\": {\"depends\": [], \"file_name\": \"libopenssl-1.1.1w.zip\", \"imports\": [],\n"
    "    \"install_dir\": \"dynlib\", \"name\": \"libopenssl\", \"package_type\": \"shared_library\",\n"
    "    \"sha256\": \"" SHA_B "\", \"unvendored_tests\": false, \"version\": \"1.1.1w\", \"tool\": {}},\n"
    "  \"ssl\": {\"depends\": [\"libopenssl\"], \"file_name\": \"ssl-1.0.0-cp313-cp313-pyemscripten_2025_0_wasm32.whl\",\n"
    "    \"imports\": [\"ssl\", \"_ssl\"], \"install_dir\": \"site\", \"name\": \"ssl\", \"package_type\": \"cpython_module\",\n"
    "    \"sha256\": \"29DD2DF8CFFF63A9A16BC142830CB981E3F7611EACCAA212238B5E50B0033FDB\",\n"
    "    \"unvendored_tests\": false, \"version\": \"1.0.0\", \"tool\": {\"x\": [1, 2]}},\n"
    "  \"libstatic\": {\"depends\": [], \"file_name\": \"libstatic-1.0.zip\", \"imports\": [],\n"
    "    \"install_dir\": \"dynlib\", \"name\": \"libstatic\", \"package_type\": \"static_library\",\n"
    "    \"sha256\": \"" SHA_A "\", \"unvendored_tests\": false, \"version\": \"1.0\"},\n"
    "  \"ruamel-yaml\": {\"file_name\": \"ruamel.yaml-0.18.6-py3-none-any.whl\",\n"
    "    \"install_dir\": \"site\", \"name\": \"ruamel.yaml\",\n"
    "    \"sha256\": \"" SHA_C "\", \"version\": \"0.18.6\"}\n"
    " }\n"
    "}";

static void test_parse_0_29_and_314(void **state)
{
    pw_pyodide_index idx;
    parse_ok(doc_0_29, &idx);
    assert_null(idx.version);
    assert_string_equal(idx.emscripten, "4.0.9");
    assert_string_equal(idx.abi_version, "2025_0");
    assert_int_equal(idx.n_packages, 4);

    const pw_pyodide_package *lib = pw_pyodide_index_find(&idx, "libopenssl");
    assert_true(lib->shared_library);
    const pw_pyodide_package *ssl = pw_pyodide_index_find(&idx, "ssl");
    assert_false(ssl->shared_library);
    assert_string_equal(ssl->sha256, SHA_C); /* lowercased */
    static const char *const ssl_imports[] = {"ssl", "_ssl"};
    assert_list(&ssl->imports, ssl_imports, 2);
    const pw_pyodide_package *st = pw_pyodide_index_find(&idx, "libstatic");
    assert_string_equal(st->package_type, "static_library");
    assert_false(st->shared_library);

    /* Fields pyodide-lock lets a file omit take its defaults. */
    const pw_pyodide_package *ry = pw_pyodide_index_find(&idx, "ruamel.yaml");
    assert_non_null(ry);
    assert_string_equal(ry->key, "ruamel-yaml");
    assert_string_equal(ry->package_type, "package");
    assert_int_equal(ry->imports.len, 0);
    assert_int_equal(ry->depends.len, 0);
    assert_false(ry->unvendored_tests);
    pw_pyodide_index_free(&idx);
}

/* 0.25: no abi_version; a file may also say null, or omit arch. 0.28.3's
 * wrong info.version is kept for the caller to judge. */
static void test_parse_info_variants(void **state)
{
    static const char *const docs[] = {
        "{\"info\": {\"arch\": \"wasm32\", \"platform\": \"emscripten_3_1_46\", \"python\": \"3.11.3\", \"version\": \"0.25.1\"}, \"packages\": {}}",
        "{\"info\": {\"abi_version\": null, \"platform\": \"emscripten_3_1_46\", \"python\": \"3.11.3\", \"version\": \"0.25.1\"}, \"packages\": {}}",
    };
    for (size_t i = 0; i < 2; i++) {
        pw_pyodide_index idx;
        parse_ok(docs[i], &idx);
        assert_null(idx.abi_version);
        assert_string_equal(idx.arch, "wasm32");
        assert_string_equal(idx.emscripten, "3.1.46");
        assert_string_equal(idx.version, "0.25.1");
        assert_int_equal(idx.n_packages, 0);
        assert_null(pw_pyodide_index_find(&idx, "numpy"));
        pw_pyodide_index_free(&idx);
    }
    pw_pyodide_index idx;
    parse_ok("{\"info\": {\"abi_version\": \"2025_0\", \"arch\": \"wasm64\", \"platform\": \"emscripten_4_0_9\", "
             "\"python\": \"3.13.2\", \"version\": \"0.28.0.dev0\"}, \"packages\": {}}",
             &idx);
    assert_string_equal(idx.version, "0.28.0.dev0");
    assert_string_equal(idx.arch, "wasm64");
    pw_pyodide_index_free(&idx);
}

/* ------------------------------------------------------------ bad input */

typedef struct field {
    const char *key, *json;
} field;

static const field good_fields[] = {
    {"name", "\"numpy\""},
    {"version", "\"2.0.2\""},
    {"file_name", "\"numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl\""},
    {"sha256", "\"" SHA_A "\""},
    {"install_dir", "\"site\""},
    {"package_type", "\"package\""},
    {"imports", "[\"numpy\"]"},
    {"depends", "[]"},
    {"unvendored_tests", "true"},
};

#define GOOD_INFO \
    "{\"abi_version\": \"2024_0\", \"arch\": \"wasm32\", \"platform\": \"emscripten_3_1_58\", \"python\": \"3.12.7\"}"

/* A document whose one package "numpy" has the good fields, except that
 * `key` gets `json` (NULL: dropped; a key not in the list: added). */
static void package_doc(const char *key, const char *json, pw_buf *out)
{
    pw_buf_reset(out);
    pw_buf_puts(out, "{\"info\": " GOOD_INFO ", \"packages\": {\"numpy\": {");
    bool replaced = false, first = true;
    for (size_t i = 0; i < sizeof(good_fields) / sizeof(good_fields[0]); i++) {
        const char *value = good_fields[i].json;
        if (strcmp(good_fields[i].key, key) == 0) {
            replaced = true;
            value = json;
        }
        if (!value)
            continue;
        pw_buf_printf(out, "%s\"%s\": %s", first ? "" : ", ", good_fields[i].key, value);
        first = false;
    }
    if (!replaced && json)
        pw_buf_printf(out, ", \"%s\": %s", key, json);
    pw_buf_puts(out, "}}}");
}

typedef struct package_case {
    const char *key, *json;
    const char *message; /* the whole expected error message */
} package_case;

#define P ORIGIN ": package 'numpy': field "

static const package_case package_cases[] = {
    {"sha256", "\"41483b59\"", P "'sha256' must be a 64-character hex string"},
    {"sha256", "\"" SHA_A "0\"", P "'sha256' must be a 64-character hex string"},
    {"sha256", "\"g1483b59e25511a394fdb04e9a4180ff40f4eae09126d264d74984d6198d8415\"",
     P "'sha256' must be a 64-character hex string"},
    {"sha256", "\"\"", P "'sha256' must not be empty"},
    {"sha256", "12", P "'sha256' must be a string"},
    {"sha256", NULL, P "'sha256' is missing"},
    {"name", NULL, P "'name' is missing"},
    {"name", "null", P "'name' must be a string"},
    {"name", "\"scipy\"", P "'name' must name the same project as its key"},
    {"version", "2", P "'version' must be a string"},
    {"file_name", NULL, P "'file_name' is missing"},
    {"install_dir", NULL, P "'install_dir' is missing"},
    {"install_dir", "\"usr\"", P "'install_dir' must be one of site, stdlib, dynlib, not 'usr'"},
    {"package_type", "\"wheel\"",
     P "'package_type' must be one of package, cpython_module, shared_library, static_library, "
       "not 'wheel'"},
    {"package_type", "[]", P "'package_type' must be a string"},
    {"imports", "\"numpy\"", P "'imports' must be a list of strings"},
    {"depends", "[\"a\", 1]", P "'depends' must be a list of non-empty strings"},
    {"depends", "[\"\"]", P "'depends' must be a list of non-empty strings"},
    {"unvendored_tests", "\"yes\"", P "'unvendored_tests' must be true or false"},
    {"shared_library", "1", P "'shared_library' must be true or false"},
};

static void expect_error(const char *doc, const char *message)
{
    pw_pyodide_index idx;
    pw_error err = {0};
    int rc = parse(doc, &idx, &err);
    if (rc != PW_EINVAL)
        fail_msg("expected PW_EINVAL for %s, got %d", doc, rc);
    if (strcmp(pw_error_message(&err), message) != 0)
        fail_msg("expected '%s', got '%s'", message, pw_error_message(&err));
    assert_int_equal(idx.n_packages, 0);
    assert_null(idx.packages);
    assert_null(idx.python);
    pw_error_clear(&err);
}

static void test_package_errors(void **state)
{
    pw_buf doc = PW_BUF_INIT;
    /* The template itself parses, so each case fails for its one field. */
    package_doc("", NULL, &doc);
    pw_pyodide_index idx;
    parse_ok(pw_buf_cstr(&doc), &idx);
    assert_int_equal(idx.n_packages, 1);
    pw_pyodide_index_free(&idx);

    for (size_t i = 0; i < sizeof(package_cases) / sizeof(package_cases[0]); i++) {
        package_doc(package_cases[i].key, package_cases[i].json, &doc);
        expect_error(pw_buf_cstr(&doc), package_cases[i].message);
    }
    pw_buf_free(&doc);
}

typedef struct doc_case {
    const char *doc;
    const char *message;
} doc_case;

#define PKG(key, name)                                                                      \
    "\"" key "\": {\"name\": \"" name "\", \"version\": \"1\", \"file_name\": \"f.whl\", " \
    "\"sha256\": \"" SHA_A "\", \"install_dir\": \"site\"}"

static const doc_case doc_cases[] = {
    {"[]", ORIGIN ": expected a JSON object with 'info' and 'packages'"},
    {"{\"packages\": {}}", ORIGIN ": 'info' is missing"},
    {"{\"info\": " GOOD_INFO "}", ORIGIN ": 'packages' is missing"},
    {"{\"info\": " GOOD_INFO ", \"packages\": []}", ORIGIN ": 'packages' must be a JSON object"},
    {"{\"info\": \"x\", \"packages\": {}}", ORIGIN ": 'info' must be a JSON object"},
    {"{\"info\": {\"platform\": \"emscripten_3_1_58\"}, \"packages\": {}}",
     ORIGIN ": info: field 'python' is missing"},
    {"{\"info\": {\"platform\": \"emscripten_3_1_58\", \"python\": 3.12}, \"packages\": {}}",
     ORIGIN ": info: field 'python' must be a string"},
    {"{\"info\": {\"platform\": \"emscripten_3_1_58\", \"python\": \"3\"}, \"packages\": {}}",
     ORIGIN ": info: field 'python' must be a Python version like \"3.12.7\", not '3'"},
    {"{\"info\": {\"python\": \"3.12.7\"}, \"packages\": {}}",
     ORIGIN ": info: field 'platform' is missing"},
    {"{\"info\": {\"platform\": \"emscripten_3_1\", \"python\": \"3.12.7\"}, \"packages\": {}}",
     ORIGIN ": info: field 'platform' must look like \"emscripten_3_1_58\", not 'emscripten_3_1'"},
    {"{\"info\": {\"platform\": \"wasi_0_2_0\", \"python\": \"3.12.7\"}, \"packages\": {}}",
     ORIGIN ": info: field 'platform' must look like \"emscripten_3_1_58\", not 'wasi_0_2_0'"},
    {"{\"info\": {\"platform\": \"emscripten_3_1_58\", \"python\": \"3.12.7\", \"arch\": \"wasm16\"}, "
     "\"packages\": {}}",
     ORIGIN ": info: field 'arch' must be wasm32 or wasm64, not 'wasm16'"},
    {"{\"info\": {\"platform\": \"emscripten_3_1_58\", \"python\": \"3.12.7\", \"abi_version\": 2024}, "
     "\"packages\": {}}",
     ORIGIN ": info: field 'abi_version' must be a string or null"},
    {"{\"info\": {\"platform\": \"emscripten_3_1_58\", \"python\": \"3.12.7\", \"version\": 0.27}, "
     "\"packages\": {}}",
     ORIGIN ": info: field 'version' must be a string"},
    {"{\"info\": " GOOD_INFO ", \"packages\": {\"numpy\": 1}}",
     ORIGIN ": package 'numpy' must be a JSON object"},
    {"{\"info\": " GOOD_INFO ", \"packages\": {\"\": {}}}",
     ORIGIN ": package '': the package name is empty"},
    {"{\"info\": " GOOD_INFO ", \"packages\": {" PKG("Foo", "Foo") ", " PKG("foo", "foo") "}}",
     ORIGIN ": packages 'Foo' and 'foo' have the same normalized name 'foo'"},
    /* pw_json_parse reports syntax errors with line:column. */
    {"{\"info\": {}\n  \"packages\": {}}",
     ORIGIN ":2:3: invalid JSON, expected a JSON value, ',' or a closing bracket"},
    {"{\"info\": {", ORIGIN ":1:10: invalid JSON, expected a JSON value, ',' or a closing bracket"},
    {"", ORIGIN ":1:1: invalid JSON (unexpected end of input)"},
};

static void test_document_errors(void **state)
{
    for (size_t i = 0; i < sizeof(doc_cases) / sizeof(doc_cases[0]); i++)
        expect_error(doc_cases[i].doc, doc_cases[i].message);
}

/* -------------------------------------------------------------- writing */

static void assert_same_index(const pw_pyodide_index *a, const pw_pyodide_index *b)
{
    assert_string_equal(a->python, b->python);
    assert_string_equal(a->platform, b->platform);
    assert_string_equal(a->arch, b->arch);
    assert_string_equal(a->emscripten, b->emscripten);
    if (a->abi_version || b->abi_version)
        assert_string_equal(a->abi_version, b->abi_version);
    assert_int_equal(a->n_packages, b->n_packages);
    for (size_t i = 0; i < a->n_packages; i++) {
        const pw_pyodide_package *p = &a->packages[i], *q = &b->packages[i];
        assert_string_equal(p->key, q->key);
        assert_string_equal(p->name, q->name);
        assert_string_equal(p->version, q->version);
        assert_string_equal(p->file_name, q->file_name);
        assert_string_equal(p->sha256, q->sha256);
        assert_string_equal(p->install_dir, q->install_dir);
        assert_string_equal(p->package_type, q->package_type);
        assert_list(&q->imports, (const char *const *)p->imports.items, p->imports.len);
        assert_list(&q->depends, (const char *const *)p->depends.items, p->depends.len);
        assert_int_equal(p->unvendored_tests, q->unvendored_tests);
        assert_int_equal(p->shared_library, q->shared_library);
    }
}

static void test_round_trip(void **state)
{
    pw_pyodide_index first, second;
    parse_ok(doc_0_29, &first);
    pw_buf out = PW_BUF_INIT, again = PW_BUF_INIT;
    pw_pyodide_index_write(&first, &out);
    const char *text = pw_buf_cstr(&out);
    /* Only the schema's fields: no 'tool', no unknown info key, and neither
     * deprecated field. */
    assert_null(strstr(text, "tool"));
    assert_null(strstr(text, "future_field"));
    assert_null(strstr(text, "shared_library\":"));
    assert_non_null(strstr(text, "\"package_type\": \"shared_library\""));

    parse_ok(text, &second);
    assert_same_index(&first, &second);
    assert_null(second.version);
    /* Deterministic: writing what was read back gives the same bytes. */
    pw_pyodide_index_write(&second, &again);
    assert_string_equal(pw_buf_cstr(&again), text);
    pw_pyodide_index_free(&second);
    pw_pyodide_index_free(&first);

    /* A release without abi_version writes none; info.version is dropped. */
    parse_ok("{\"info\": {\"arch\": \"wasm32\", \"platform\": \"emscripten_3_1_46\", \"python\": \"3.11.3\", "
             "\"version\": \"0.25.1\"}, \"packages\": {}}",
             &first);
    pw_buf_reset(&out);
    pw_pyodide_index_write(&first, &out);
    assert_string_equal(pw_buf_cstr(&out), "{\n"
                                           "  \"info\": {\n"
                                           "    \"arch\": \"wasm32\",\n"
                                           "    \"platform\": \"emscripten_3_1_46\",\n"
                                           "    \"python\": \"3.11.3\"\n"
                                           "  },\n"
                                           "  \"packages\": {}\n"
                                           "}\n");
    pw_pyodide_index_free(&first);
    pw_buf_free(&again);
    pw_buf_free(&out);
}

/* The exact text, so that key order and field set are pinned down. */
static void test_write_exact(void **state)
{
    pw_pyodide_index idx = {0};
    idx.python = pw_xstrdup("3.13.2");
    idx.platform = pw_xstrdup("emscripten_4_0_9");
    idx.arch = pw_xstrdup("wasm32");
    idx.abi_version = pw_xstrdup("2025_0");
    idx.version = pw_xstrdup("0.29.5");
    pw_pyodide_package p = {0};
    p.name = "Jinja2";
    p.version = "3.1.6";
    p.file_name = "jinja2-3.1.6-py3-none-any.whl";
    p.sha256 = SHA_B;
    p.install_dir = "site";
    p.package_type = "package";
    pw_strlist_push(&p.imports, "jinja2");
    pw_strlist_push(&p.depends, "MarkupSafe");
    pw_pyodide_index_add(&idx, &p);

    pw_buf out = PW_BUF_INIT;
    pw_pyodide_index_write(&idx, &out);
    assert_string_equal(pw_buf_cstr(&out), "{\n"
                                           "  \"info\": {\n"
                                           "    \"abi_version\": \"2025_0\",\n"
                                           "    \"arch\": \"wasm32\",\n"
                                           "    \"platform\": \"emscripten_4_0_9\",\n"
                                           "    \"python\": \"3.13.2\"\n"
                                           "  },\n"
                                           "  \"packages\": {\n"
                                           "    \"jinja2\": {\n"
                                           "      \"depends\": [\n"
                                           "        \"markupsafe\"\n"
                                           "      ],\n"
                                           "      \"file_name\": \"jinja2-3.1.6-py3-none-any.whl\",\n"
                                           "      \"imports\": [\n"
                                           "        \"jinja2\"\n"
                                           "      ],\n"
                                           "      \"install_dir\": \"site\",\n"
                                           "      \"name\": \"Jinja2\",\n"
                                           "      \"package_type\": \"package\",\n"
                                           "      \"sha256\": \"" SHA_B "\",\n"
                                           "      \"unvendored_tests\": false,\n"
                                           "      \"version\": \"3.1.6\"\n"
                                           "    }\n"
                                           "  }\n"
                                           "}\n");
    pw_strlist_free(&p.imports);
    pw_strlist_free(&p.depends);
    pw_buf_free(&out);
    pw_pyodide_index_free(&idx);
}

static void test_add(void **state)
{
    static const char *const names[] = {"zope.interface", "Jinja2", "numpy", "Astropy_IERS_Data",
                                        "attrs", "MarkupSafe"};
    pw_pyodide_index idx = {0};
    pw_pyodide_package p = {0};
    p.version = "1.0";
    p.file_name = "x.whl";
    p.sha256 = SHA_A;
    p.install_dir = "site";
    p.package_type = "package";
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        p.name = (char *)names[i];
        pw_pyodide_index_add(&idx, &p);
    }
    static const char *const sorted[] = {"astropy-iers-data", "attrs", "jinja2", "markupsafe",
                                         "numpy", "zope-interface"};
    assert_int_equal(idx.n_packages, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(idx.packages[i].key, sorted[i]);
    assert_string_equal(pw_pyodide_index_find(&idx, "zope-interface")->name, "zope.interface");

    /* The copy is deep: changing the source does not reach the index. */
    p.name = "NumPy";
    p.version = "2.0";
    pw_pyodide_index_add(&idx, &p);
    assert_int_equal(idx.n_packages, 6);
    assert_string_equal(pw_pyodide_index_find(&idx, "numpy")->version, "2.0");
    assert_string_equal(pw_pyodide_index_find(&idx, "numpy")->name, "NumPy");
    assert_string_equal(pw_pyodide_index_find(&idx, "attrs")->version, "1.0");

    /* An explicit key wins over the name. */
    p.name = "numpy-tests";
    p.key = "NumPy_Tests";
    pw_pyodide_index_add(&idx, &p);
    assert_string_equal(idx.packages[5].key, "numpy-tests");
    pw_pyodide_index_free(&idx);
    assert_int_equal(idx.n_packages, 0);
    assert_null(idx.packages);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_0_26),
        cmocka_unit_test(test_parse_0_29_and_314),
        cmocka_unit_test(test_parse_info_variants),
        cmocka_unit_test(test_package_errors),
        cmocka_unit_test(test_document_errors),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_write_exact),
        cmocka_unit_test(test_add),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
