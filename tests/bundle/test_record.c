/* The pure parsers of bundle/: RECORD, base64url, member paths, wheel file
 * names, WHEEL, and the strip rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include "bundle_private.h"

#include <stdlib.h>
#include <string.h>

/* RFC 4648 section 10 test vectors, in the url-safe alphabet and without
 * padding, plus bytes that hit the two url-safe characters. */
static void test_b64url_vectors(void **state)
{
    static const struct {
        const char *raw;
        size_t len;
        const char *b64;
    } cases[] = {
        {"", 0, ""},         {"f", 1, "Zg"},          {"fo", 2, "Zm8"},
        {"foo", 3, "Zm9v"},  {"foob", 4, "Zm9vYg"},   {"fooba", 5, "Zm9vYmE"},
        {"foobar", 6, "Zm9vYmFy"}, {"\xfb\xff", 2, "-_8"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pw_buf b = PW_BUF_INIT;
        pw_bundle_b64url_encode((const unsigned char *)cases[i].raw, cases[i].len, &b);
        assert_string_equal(pw_buf_cstr(&b), cases[i].b64);
        unsigned char out[16];
        long n = pw_bundle_b64url_decode(pw_slice_from(cases[i].b64), out, sizeof(out));
        assert_int_equal(n, (long)cases[i].len);
        assert_memory_equal(out, cases[i].raw, cases[i].len);
        pw_buf_free(&b);
    }
    unsigned char out[4];
    assert_int_equal(pw_bundle_b64url_decode(pw_slice_from("Zm9v+"), out, 4), -1);
    assert_int_equal(pw_bundle_b64url_decode(pw_slice_from("Z"), out, 4), -1);
    /* Padding is tolerated on input. */
    assert_int_equal(pw_bundle_b64url_decode(pw_slice_from("Zg=="), out, 4), 1);
}

/* sha256("") = e3b0c442...; its RECORD spelling. */
#define EMPTY_B64 "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"

static void test_record_valid(void **state)
{
    const char *text = "pkg/__init__.py,sha256=" EMPTY_B64 ",0\r\n"
                       "\"pkg/a,b.py\",sha256=" EMPTY_B64 ",0\n"
                       "\n"
                       "pkg-1.0.dist-info/RECORD,,\n"
                       "pkg/__init__.py,sha256=" EMPTY_B64 ",0\n"
                       "\"pkg/q\"\"uote.py\",sha256=" EMPTY_B64 ",0";
    pw_record r;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_bundle_record_parse("RECORD", text, strlen(text), &r, &err), &err);
    assert_int_equal(r.len, 4); /* the repeated identical row is merged */
    assert_string_equal(r.entries[0].path, "pkg-1.0.dist-info/RECORD");
    assert_false(r.entries[0].has_hash);
    assert_int_equal(r.entries[0].size, -1);
    pw_record_entry *e = pw_bundle_record_find(&r, "pkg/a,b.py");
    assert_non_null(e);
    assert_true(e->has_hash);
    assert_int_equal(e->size, 0);
    unsigned char expect[PW_SHA256_LEN];
    pw_sha256 h;
    pw_sha256_init(&h);
    pw_sha256_final_raw(&h, expect);
    assert_memory_equal(e->digest, expect, PW_SHA256_LEN);
    assert_non_null(pw_bundle_record_find(&r, "pkg/q\"uote.py"));
    assert_null(pw_bundle_record_find(&r, "pkg/missing.py"));
    pw_bundle_record_free(&r);
}

static void test_record_invalid(void **state)
{
    static const struct {
        const char *text;
        int code;
        const char *needle;
    } cases[] = {
        {"a.py,sha256=" EMPTY_B64 "\n", PW_EINVAL, "RECORD:1: expected 3 fields"},
        {"x,,\na.py,sha256=" EMPTY_B64 ",0,extra\n", PW_EINVAL, "RECORD:2: expected 3 fields"},
        {"a.py,md5=1B2M2Y8AsgTpgAmY7PhCfg,0\n", PW_EUNSUPPORTED, "\"md5\" is not supported"},
        {"a.py,sha256=not*base64,0\n", PW_EINVAL, "is not a urlsafe-base64 sha256"},
        {"a.py,sha256=Zm9v,3\n", PW_EINVAL, "is not a urlsafe-base64 sha256"},
        {"a.py,sha256=" EMPTY_B64 ",12x\n", PW_EINVAL, "size \"12x\" is not a number"},
        {"a.py,sha256=" EMPTY_B64 ",-1\n", PW_EINVAL, "is not a number"},
        {"a.py,e3b0c442,0\n", PW_EINVAL, "is not algorithm=digest"},
        {"\"a.py,sha256=" EMPTY_B64 ",0\n", PW_EINVAL, "unterminated quoted field"},
        {",sha256=" EMPTY_B64 ",0\n", PW_EINVAL, "empty path"},
        {"a.py,sha256=" EMPTY_B64 ",0\na.py,sha256=" EMPTY_B64 ",1\n", PW_EINVAL,
         "a.py is listed twice"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pw_record r;
        pw_error err = {0, NULL};
        int rc = pw_bundle_record_parse("RECORD", cases[i].text, strlen(cases[i].text), &r, &err);
        if (rc != cases[i].code || !strstr(pw_error_message(&err), cases[i].needle))
            fail_msg("case %zu: rc %d, message \"%s\"", i, rc, pw_error_message(&err));
        assert_null(r.entries);
        pw_error_clear(&err);
    }
}

static void test_csv_field(void **state)
{
    static const char *const cases[][2] = {
        {"pkg/a.py", "pkg/a.py"},
        {"pkg/a,b.py", "\"pkg/a,b.py\""},
        {"pkg/q\"uote", "\"pkg/q\"\"uote\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pw_buf b = PW_BUF_INIT;
        pw_bundle_csv_field(&b, cases[i][0]);
        assert_string_equal(pw_buf_cstr(&b), cases[i][1]);
        /* What the writer quotes, the parser reads back. */
        pw_buf_puts(&b, ",,\n");
        pw_record r;
        pw_error err = {0, NULL};
        PW_ASSERT_OK(pw_bundle_record_parse("RECORD", b.data, b.len, &r, &err), &err);
        assert_string_equal(r.entries[0].path, cases[i][0]);
        pw_bundle_record_free(&r);
        pw_buf_free(&b);
    }
}

static void test_member_paths(void **state)
{
    static const struct {
        const char *path;
        const char *needle; /* NULL: accepted */
    } cases[] = {
        {"pkg/__init__.py", NULL},
        {"pkg/", NULL},
        {"pkg/..hidden/x", NULL},
        {"a..b", NULL},
        {"../x", "path traversal"},
        {"pkg/../../x", "path traversal"},
        {"pkg/..", "path traversal"},
        {"./pkg/x", "path traversal"},
        {"/etc/x", "absolute path"},
        {"C:/x", "drive letter"},
        {"c:x", "drive letter"},
        {"pkg\\x.py", "backslash"},
        {"pkg//x.py", "empty path component"},
        {"pkg/x\ny", "control character"},
        {"", "empty name"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pw_error err = {0, NULL};
        int rc = pw_bundle_check_member_path("w.whl", cases[i].path, &err);
        if (!cases[i].needle) {
            if (rc != PW_OK)
                fail_msg("%s: %s", cases[i].path, pw_error_message(&err));
            continue;
        }
        assert_int_equal(rc, PW_EINVAL);
        if (!strstr(pw_error_message(&err), cases[i].needle) ||
            !strstr(pw_error_message(&err), "w.whl"))
            fail_msg("%s: message \"%s\"", cases[i].path, pw_error_message(&err));
        pw_error_clear(&err);
    }
}

static void test_wheel_meta(void **state)
{
    static const struct {
        const char *text;
        int code;
        int minor;
        bool purelib;
    } cases[] = {
        {"Wheel-Version: 1.0\nGenerator: bdist_wheel (0.42.0)\nRoot-Is-Purelib: true\nTag: "
         "py3-none-any\n",
         PW_OK, 0, true},
        {"Wheel-Version: 1.9\r\nRoot-Is-Purelib: false\r\n", PW_OK, 9, false},
        {"Wheel-Version: 2.0\n", PW_EUNSUPPORTED, 0, true},
        {"Wheel-Version: 0.1\n", PW_EUNSUPPORTED, 1, true},
        {"Generator: x\n", PW_EINVAL, 0, true},
        {"Wheel-Version: one\n", PW_EINVAL, 0, true},
        {"Wheel-Version: 1\n", PW_EINVAL, 0, true},
        {"Wheel-Version: 1.0x\n", PW_EINVAL, 0, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pw_bundle_wheel_meta m;
        pw_error err = {0, NULL};
        int rc = pw_bundle_wheel_meta_parse("WHEEL", cases[i].text, strlen(cases[i].text), &m,
                                            &err);
        if (rc != cases[i].code)
            fail_msg("case %zu: rc %d (%s)", i, rc, pw_error_message(&err));
        if (rc == PW_OK) {
            assert_int_equal(m.major, 1);
            assert_int_equal(m.minor, cases[i].minor);
            assert_int_equal(m.root_is_purelib, cases[i].purelib);
        } else {
            assert_non_null(strstr(pw_error_message(&err), "WHEEL"));
        }
        pw_error_clear(&err);
    }
}

static void test_versions_equal(void **state)
{
    assert_true(pw_bundle_versions_equal(pw_slice_from("1.0"), pw_slice_from("1.0")));
    assert_true(pw_bundle_versions_equal(pw_slice_from("1.0RC1"), pw_slice_from("1.0rc1")));
    assert_true(pw_bundle_versions_equal(pw_slice_from("1.0-1"), pw_slice_from("1.0_1")));
    assert_false(pw_bundle_versions_equal(pw_slice_from("1.0"), pw_slice_from("1.1")));
    assert_false(pw_bundle_versions_equal(pw_slice_from("1.0"), pw_slice_from("1.0.0")));
}

static void test_strip_rules(void **state)
{
    const unsigned all = PW_STRIP_TESTS | PW_STRIP_PYCACHE | PW_STRIP_STUBS;
    static const char *const globs[] = {"*.md", "pkg/data"};
    pw_strlist exclude = {(char **)globs, 2, 2};
    static const struct {
        const char *path;
        unsigned mask;
        bool has_source;
        bool use_exclude;
        bool stripped;
    } cases[] = {
        {"pkg/tests/test_a.py", PW_STRIP_TESTS, false, false, true},
        {"pkg/sub/test/x.py", PW_STRIP_TESTS, false, false, true},
        {"pkg/tests/test_a.py", PW_STRIP_PYCACHE, false, false, false},
        {"test/test_os.py", PW_STRIP_TESTS, false, false, false}, /* CPython's test package */
        {"pkg/testing.py", PW_STRIP_TESTS, false, false, false},
        {"pkg/tests", PW_STRIP_TESTS, false, false, false}, /* a file, not a directory */
        {"pkg/__pycache__/a.cpython-312.pyc", PW_STRIP_PYCACHE, false, false, true},
        {"pkg/a.pyc", PW_STRIP_PYCACHE, true, false, true},
        {"pkg/a.pyc", PW_STRIP_PYCACHE, false, false, false}, /* sourceless module */
        {"pkg/a.pyi", PW_STRIP_STUBS, false, false, true},
        {"pkg/py.typed", PW_STRIP_STUBS, false, false, true},
        {"pkg/a.py", all, false, false, false},
        {"pkg-1.0.dist-info/tests/x", all, false, true, false},
        {"README.md", 0, false, true, true},
        {"pkg/docs/guide.md", 0, false, true, true},
        {"pkg/data/table.csv", 0, false, true, true},
        {"pkg/database.py", 0, false, true, false},
        {"pkg-1.0.dist-info/LICENSE.md", 0, false, true, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool got = pw_bundle_path_stripped(cases[i].path, cases[i].mask,
                                           cases[i].use_exclude ? &exclude : NULL,
                                           cases[i].has_source);
        if (got != cases[i].stripped)
            fail_msg("case %zu (%s): got %d", i, cases[i].path, got);
    }
}

static void test_strip_parse(void **state)
{
    static const char *const names[] = {"tests", "stubs"};
    pw_strlist l = {(char **)names, 2, 2};
    unsigned mask = 0;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_bundle_strip_parse(&l, &mask, &err), &err);
    assert_int_equal(mask, PW_STRIP_TESTS | PW_STRIP_STUBS);
    static const char *const all[] = {"all"};
    pw_strlist la = {(char **)all, 1, 1};
    PW_ASSERT_OK(pw_bundle_strip_parse(&la, &mask, &err), &err);
    assert_int_equal(mask, PW_STRIP_TESTS | PW_STRIP_PYCACHE | PW_STRIP_STUBS);
    static const char *const bad[] = {"docs"};
    pw_strlist lb = {(char **)bad, 1, 1};
    assert_int_equal(pw_bundle_strip_parse(&lb, &mask, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "\"docs\""));
    pw_error_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64url_vectors), cmocka_unit_test(test_record_valid),
        cmocka_unit_test(test_record_invalid), cmocka_unit_test(test_csv_field),
        cmocka_unit_test(test_member_paths),
        cmocka_unit_test(test_wheel_meta),     cmocka_unit_test(test_versions_equal),
        cmocka_unit_test(test_strip_rules),    cmocka_unit_test(test_strip_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
