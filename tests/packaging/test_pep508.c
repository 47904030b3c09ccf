/* PEP 508: requirement parsing, canonical text, marker evaluation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pep508.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------- parse and format */

typedef struct parse_case {
    const char *text;
    const char *canonical; /* pw_requirement_format */
    const char *key;
    const char *url;       /* NULL: none */
    size_t n_extras;
    size_t n_specs;
} parse_case;

static const parse_case parse_cases[] = {
    /* The test cases listed in PEP 508 itself. */
    {"A", "A", "a", NULL, 0, 0},
    {"A.B-C_D", "A.B-C_D", "a-b-c-d", NULL, 0, 0},
    {"aa", "aa", "aa", NULL, 0, 0},
    {"name", "name", "name", NULL, 0, 0},
    {"name<=1", "name<=1", "name", NULL, 0, 1},
    {"name>=3", "name>=3", "name", NULL, 0, 1},
    {"name>=3,", "name>=3", "name", NULL, 0, 1},
    {"name@http://foo.com", "name @ http://foo.com", "name", "http://foo.com", 0, 0},
    {"name [fred,bar] @ http://foo.com ; python_version=='2.7'",
     "name[bar,fred] @ http://foo.com ; python_version == \"2.7\"", "name", "http://foo.com", 2, 0},
    {"name[quux, strange];python_version<'2.7' and platform_version=='2'",
     "name[quux,strange]; python_version < \"2.7\" and platform_version == \"2\"", "name", NULL, 2, 0},
    {"name; os_name=='a' or os_name=='b'", "name; os_name == \"a\" or os_name == \"b\"", "name", NULL, 0, 0},
    {"name; os_name=='a' and os_name=='b' or os_name=='c'",
     "name; os_name == \"a\" and os_name == \"b\" or os_name == \"c\"", "name", NULL, 0, 0},
    {"name; os_name=='a' and (os_name=='b' or os_name=='c')",
     "name; os_name == \"a\" and (os_name == \"b\" or os_name == \"c\")", "name", NULL, 0, 0},
    {"name; os_name=='a' or os_name=='b' and os_name=='c'",
     "name; os_name == \"a\" or os_name == \"b\" and os_name == \"c\"", "name", NULL, 0, 0},
    {"name; (os_name=='a' or os_name=='b') and os_name=='c'",
     "name; (os_name == \"a\" or os_name == \"b\") and os_name == \"c\"", "name", NULL, 0, 0},
    /* The example of the pip documentation. */
    {"requests [security] >= 2.8.1, == 2.8.* ; python_version < \"2.7\"",
     "requests[security]>=2.8.1,==2.8.*; python_version < \"2.7\"", "requests", NULL, 1, 2},
    /* Parenthesised specifiers, whitespace, trailing commas. */
    {"foo (>=1.0, <2)", "foo>=1.0,<2", "foo", NULL, 0, 2},
    {"foo()", "foo", "foo", NULL, 0, 0},
    {"foo ( ==1.0 )", "foo==1.0", "foo", NULL, 0, 1},
    {"  foo  >=  1.0  ,  <  2  ", "foo>=1.0,<2", "foo", NULL, 0, 2},
    {"\tfoo\t==\t1\t", "foo==1", "foo", NULL, 0, 1},
    {"foo~=1.4.5", "foo~=1.4.5", "foo", NULL, 0, 1},
    {"foo===1.0-weird", "foo===1.0-weird", "foo", NULL, 0, 1},
    {"foo!=1.1.*", "foo!=1.1.*", "foo", NULL, 0, 1},
    {"foo>1,<3,!=2", "foo>1,<3,!=2", "foo", NULL, 0, 3},
    {"foo==1.0.post1+local.7", "foo==1.0.post1+local.7", "foo", NULL, 0, 1},
    {"foo==1!2.0", "foo==1!2.0", "foo", NULL, 0, 1},
    {"foo>=1.0;python_version>'3'", "foo>=1.0; python_version > \"3\"", "foo", NULL, 0, 1},
    /* Extras: normalized (PEP 685), sorted, unique. */
    {"foo[B_ar,a.b,bar]", "foo[a-b,b-ar,bar]", "foo", NULL, 3, 0},
    {"foo[Bar,bar,BAR]", "foo[bar]", "foo", NULL, 1, 0},
    {"foo[]", "foo", "foo", NULL, 0, 0},
    {"foo[ x , y ]>=1", "foo[x,y]>=1", "foo", NULL, 2, 1},
    /* Names: PEP 503 key. */
    {"Django_REST.framework", "Django_REST.framework", "django-rest-framework", NULL, 0, 0},
    {"zope.interface", "zope.interface", "zope-interface", NULL, 0, 0},
    {"a1", "a1", "a1", NULL, 0, 0},
    {"1a", "1a", "1a", NULL, 0, 0},
    /* URLs: a run of non-whitespace; a marker needs whitespace before ';'. */
    {"pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee9982d4bbb3c72346a6de940a148ea686",
     "pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee9982d4bbb3c72346a6de940a148ea686",
     "pip", "https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee9982d4bbb3c72346a6de940a148ea686",
     0, 0},
    {"name@http://foo.com;os_name=='a'", "name @ http://foo.com;os_name=='a'", "name",
     "http://foo.com;os_name=='a'", 0, 0},
    {"name @ http://foo.com   ", "name @ http://foo.com", "name", "http://foo.com", 0, 0},
    {"name[x]@ file:///tmp/a-1-py3-none-any.whl ; extra == 'x'",
     "name[x] @ file:///tmp/a-1-py3-none-any.whl ; extra == \"x\"", "name",
     "file:///tmp/a-1-py3-none-any.whl", 1, 0},
    /* Markers: legacy names, strings on the left, quotes, in/not in. */
    {"a; os.name == 'posix'", "a; os_name == \"posix\"", "a", NULL, 0, 0},
    {"a; sys.platform == 'linux'", "a; sys_platform == \"linux\"", "a", NULL, 0, 0},
    {"a; platform.version == '1'", "a; platform_version == \"1\"", "a", NULL, 0, 0},
    {"a; platform.machine == 'x'", "a; platform_machine == \"x\"", "a", NULL, 0, 0},
    {"a; platform.python_implementation == 'CPython'",
     "a; platform_python_implementation == \"CPython\"", "a", NULL, 0, 0},
    {"a; python_implementation == 'CPython'", "a; platform_python_implementation == \"CPython\"", "a",
     NULL, 0, 0},
    {"a; 'linux' in sys_platform", "a; \"linux\" in sys_platform", "a", NULL, 0, 0},
    {"a; 'win' not  in sys_platform", "a; \"win\" not in sys_platform", "a", NULL, 0, 0},
    {"a; os_name == '\"quoted\"'", "a; os_name == '\"quoted\"'", "a", NULL, 0, 0},
    {"a; os_name==\"a b\"and(os_name=='x'or os_name=='y')",
     "a; os_name == \"a b\" and (os_name == \"x\" or os_name == \"y\")", "a", NULL, 0, 0},
    {"a; ((os_name == 'a'))", "a; os_name == \"a\"", "a", NULL, 0, 0},
    {"a; (os_name == 'a' and os_name == 'b') and os_name == 'c'",
     "a; os_name == \"a\" and os_name == \"b\" and os_name == \"c\"", "a", NULL, 0, 0},
    {"a; os_name == 'a' or (os_name == 'b' or os_name == 'c')",
     "a; os_name == \"a\" or os_name == \"b\" or os_name == \"c\"", "a", NULL, 0, 0},
    {"a; python_full_version ~= '3.12.0' and implementation_version === '3.12.7'",
     "a; python_full_version ~= \"3.12.0\" and implementation_version === \"3.12.7\"", "a", NULL, 0, 0},
    {"a; platform_release >= '3.1' and platform_system != 'Windows' and implementation_name == 'cpython'",
     "a; platform_release >= \"3.1\" and platform_system != \"Windows\" and implementation_name == \"cpython\"",
     "a", NULL, 0, 0},
    {"a; os_name == sys_platform", "a; os_name == sys_platform", "a", NULL, 0, 0},
};

static void test_parse_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(parse_cases); i++) {
        const parse_case *c = &parse_cases[i];
        pw_requirement r;
        pw_error err = {0, NULL};
        int rc = pw_requirement_parse(pw_slice_from(c->text), &r, &err);
        if (rc != 0)
            fail_msg("case %zu '%s': %s", i, c->text, pw_error_message(&err));
        pw_buf out = PW_BUF_INIT;
        pw_requirement_format(&r, &out);
        if (strcmp(pw_buf_cstr(&out), c->canonical) != 0)
            fail_msg("case %zu '%s': formatted as '%s', expected '%s'", i, c->text, pw_buf_cstr(&out),
                     c->canonical);
        assert_string_equal(r.key, c->key);
        if (c->url)
            assert_string_equal(r.url, c->url);
        else
            assert_null(r.url);
        assert_int_equal(r.extras.len, c->n_extras);
        assert_int_equal(r.specifiers.len, c->n_specs);

        /* The canonical text parses back to itself. */
        pw_requirement again;
        PW_ASSERT_OK(pw_requirement_parse(pw_slice_make(out.data, out.len), &again, &err), &err);
        pw_buf out2 = PW_BUF_INIT;
        pw_requirement_format(&again, &out2);
        assert_string_equal(pw_buf_cstr(&out2), pw_buf_cstr(&out));

        /* A copy is deep and formats the same. */
        pw_requirement copy;
        pw_requirement_copy(&copy, &r);
        pw_requirement_free(&r);
        pw_buf out3 = PW_BUF_INIT;
        pw_requirement_format(&copy, &out3);
        assert_string_equal(pw_buf_cstr(&out3), pw_buf_cstr(&out));

        pw_requirement_free(&copy);
        pw_requirement_free(&again);
        pw_buf_free(&out);
        pw_buf_free(&out2);
        pw_buf_free(&out3);
        pw_error_clear(&err);
    }
}

/* ------------------------------------------------------------------ errors */

typedef struct error_case {
    const char *text;
    int code;
    size_t column; /* 1-based */
    const char *expect; /* substring of the message */
} error_case;

static const error_case error_cases[] = {
    {"", PW_EINVAL, 1, "expected a package name"},
    {"   ", PW_EINVAL, 4, "expected a package name"},
    {"foo >= ", PW_EINVAL, 8, "expected a version after '>='"},
    {"foo>=", PW_EINVAL, 6, "expected a version after '>='"},
    {"foo >=1,<", PW_EINVAL, 10, "expected a version after '<'"},
    {"foo[bar", PW_EINVAL, 8, "expected ']'"},
    {"foo[bar baz]", PW_EINVAL, 9, "expected ']' or ','"},
    {"foo[bar,]", PW_EINVAL, 9, "expected an extra name"},
    {"foo[-x]", PW_EINVAL, 5, "expected an extra name"},
    {"foo; os_name =", PW_EINVAL, 14, "expected a marker operator"},
    {"foo; os_name ==", PW_EINVAL, 16, "expected a quoted string"},
    {"foo; os_name == posix", PW_EINVAL, 17, "unknown name 'posix'"},
    {"foo; pyhton_version > '3'", PW_EINVAL, 6, "did you mean 'python_version'"},
    {"foo; os_name == 'posix", PW_EINVAL, 17, "expected a closing '"},
    {"foo;", PW_EINVAL, 5, "expected a marker variable or a quoted string"},
    {"foo; ", PW_EINVAL, 6, "expected a marker variable"},
    {"foo; 'a' == 'b'", PW_EINVAL, 6, "two strings"},
    {"foo; os_name == 'a' and", PW_EINVAL, 24, "expected a marker variable"},
    {"foo; os_name == 'a' xor os_name == 'b'", PW_EINVAL, 21, "expected 'and', 'or' or the end"},
    {"foo; (os_name == 'a'", PW_EINVAL, 21, "expected 'and', 'or' or ')'"},
    {"foo; os_name == 'a')", PW_EINVAL, 20, "expected 'and', 'or' or the end"},
    {"foo; os_name not 'a'", PW_EINVAL, 18, "expected 'in' after 'not'"},
    {"foo; os_name notin 'a'", PW_EINVAL, 14, "expected a marker operator"},
    {"foo; os_name <> 'a'", PW_EINVAL, 15, "expected a quoted string"},
    {"foo; os_name => 'a'", PW_EINVAL, 14, "expected a marker operator"},
    {"-foo", PW_EINVAL, 1, "expected a package name"},
    {"foo-", PW_EINVAL, 4, "letter or digit at the end"},
    {"foo_ >= 1", PW_EINVAL, 4, "letter or digit at the end"},
    {"foo bar", PW_EINVAL, 5, "expected a version specifier, '@', ';' or the end"},
    {"foo >=1 <2", PW_EINVAL, 9, "expected ',', ';' or the end"},
    {"foo (>=1", PW_EINVAL, 9, "expected ',' or ')'"},
    {"foo (bar)", PW_EINVAL, 6, "expected a version specifier or ')'"},
    {"foo @", PW_EINVAL, 6, "expected a URL after '@'"},
    {"foo @ ", PW_EINVAL, 7, "expected a URL after '@'"},
    {"foo @ http://x y", PW_EINVAL, 16, "expected ';' and a marker after the URL"},
    {"foo>=1 @ http://x", PW_EINVAL, 8, "expected ',', ';' or the end"},
    {"foo >= 1.0.x", PW_EINVAL, 12, "invalid specifier"},
    {"foo ~= 1", PW_EINVAL, 8, "invalid specifier"},
    {"foo >= 1.*", PW_EINVAL, 10, "invalid specifier"},
    {"foo\xc3\xa9", PW_EINVAL, 4, "byte 0xc3"},
    {"foo\n", PW_EINVAL, 4, "byte 0x0a"},
};

static void test_error_cases(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < N_ELEMS(error_cases); i++) {
        const error_case *c = &error_cases[i];
        pw_requirement r;
        pw_error err = {0, NULL};
        int rc = pw_requirement_parse(pw_slice_from(c->text), &r, &err);
        if (rc != c->code)
            fail_msg("case %zu '%s': rc %d, expected %d (%s)", i, c->text, rc, c->code,
                     pw_error_message(&err));
        char prefix[32];
        snprintf(prefix, sizeof(prefix), "column %zu: ", c->column);
        const char *msg = pw_error_message(&err);
        if (strncmp(msg, prefix, strlen(prefix)) != 0 || !strstr(msg, c->expect)) {
            print_error("case %zu '%s': message '%s', expected '%s...%s'\n", i, c->text, msg, prefix,
                        c->expect);
            failures++;
        }
        assert_null(r.name);
        assert_null(r.marker);
        pw_error_clear(&err);
    }
    assert_int_equal(failures, 0);
}

static void test_parse_at_offsets(void **state)
{
    (void)state;
    pw_requirement r;
    pw_error err = {0, NULL};
    size_t off = 99;
    assert_int_equal(pw_requirement_parse_at(pw_slice_from("foo >= "), &r, &off, &err), PW_EINVAL);
    assert_int_equal(off, 7);
    assert_null(strstr(pw_error_message(&err), "column"));
    assert_non_null(strstr(pw_error_message(&err), "expected a version after '>='"));

    pw_marker *m = NULL;
    assert_int_equal(pw_marker_parse_at(pw_slice_from("os_name == 'a' and"), &m, &off, &err), PW_EINVAL);
    assert_int_equal(off, 18);
    assert_null(m);
    assert_int_equal(pw_marker_parse(pw_slice_from("os_name === "), &m, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "column 13: expected a quoted string"));
    pw_error_clear(&err);
}

static void test_nesting_limit(void **state)
{
    (void)state;
    pw_buf text = PW_BUF_INIT;
    for (int depth = PW_MARKER_MAX_DEPTH; depth <= PW_MARKER_MAX_DEPTH + 1; depth++) {
        pw_buf_reset(&text);
        pw_buf_puts(&text, "foo; ");
        for (int i = 0; i < depth; i++)
            pw_buf_putc(&text, '(');
        pw_buf_puts(&text, "os_name == 'posix'");
        for (int i = 0; i < depth; i++)
            pw_buf_putc(&text, ')');
        pw_requirement r;
        pw_error err = {0, NULL};
        int rc = pw_requirement_parse(pw_slice_make(text.data, text.len), &r, &err);
        if (depth <= PW_MARKER_MAX_DEPTH) {
            PW_ASSERT_OK(rc, &err);
            pw_buf out = PW_BUF_INIT;
            pw_requirement_format(&r, &out);
            assert_string_equal(pw_buf_cstr(&out), "foo; os_name == \"posix\"");
            pw_buf_free(&out);
            pw_requirement_free(&r);
        } else {
            assert_int_equal(rc, PW_ELIMIT);
            assert_non_null(strstr(pw_error_message(&err), "nested deeper than 64"));
        }
        pw_error_clear(&err);
    }
    /* A million unclosed parentheses stop at the limit, not the stack. */
    pw_buf_reset(&text);
    for (int i = 0; i < 1000000; i++)
        pw_buf_putc(&text, '(');
    pw_marker *m = NULL;
    pw_error err = {0, NULL};
    assert_int_equal(pw_marker_parse(pw_slice_make(text.data, text.len), &m, &err), PW_ELIMIT);
    /* Long and/or chains do not deepen the tree. */
    pw_buf_reset(&text);
    for (int i = 0; i < 100000; i++)
        pw_buf_puts(&text, i ? " and os_name == 'posix'" : "os_name == 'posix'");
    PW_ASSERT_OK(pw_marker_parse(pw_slice_make(text.data, text.len), &m, &err), &err);
    pw_marker_env env;
    pw_marker_env_pyodide(&env, "3.12.7", "3.1.58", NULL);
    assert_true(pw_marker_evaluate(m, &env, NULL));
    pw_marker_env_free(&env);
    pw_marker_free(m);
    pw_error_clear(&err);
    pw_buf_free(&text);
}

/* Bad input of any shape gives an error, never a crash (run under ASan). */
static void test_garbage(void **state)
{
    (void)state;
    static const char alphabet[] = "ab_.-[](),;@<>=!~*'\" \tandorinot\\\x01\xff" "9";
    uint32_t seed = 12345;
    char text[48];
    for (int round = 0; round < 20000; round++) {
        size_t len = 0;
        seed = seed * 1103515245u + 12345u;
        size_t want = (seed >> 16) % sizeof(text);
        while (len < want) {
            seed = seed * 1103515245u + 12345u;
            text[len++] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        pw_requirement r;
        pw_error err = {0, NULL};
        int rc = pw_requirement_parse(pw_slice_make(text, len), &r, &err);
        if (rc == 0) {
            pw_buf out = PW_BUF_INIT;
            pw_requirement_format(&r, &out);
            pw_buf_free(&out);
            pw_requirement_free(&r);
        } else {
            assert_non_null(strstr(pw_error_message(&err), "column "));
        }
        pw_marker *m = NULL;
        if (pw_marker_parse(pw_slice_make(text, len), &m, &err) == 0)
            pw_marker_free(m);
        pw_error_clear(&err);
    }
}

/* ------------------------------------------------------------- evaluation */

typedef struct eval_case {
    const char *marker;
    const char *extra;
    bool expect;
} eval_case;

/* Pyodide 0.27: Python 3.12.7, Emscripten 3.1.58. */
static const eval_case eval_cases[] = {
    {"sys_platform == \"emscripten\"", NULL, true},
    {"sys_platform == 'linux'", NULL, false},
    {"sys_platform != 'win32'", NULL, true},
    {"platform_system == \"Windows\"", NULL, false},
    {"platform_system == 'Emscripten'", NULL, true},
    {"python_version >= \"3.8\"", NULL, true},
    {"python_version < \"3.10\"", NULL, false}, /* as versions; as strings it would be true */
    {"python_version > '3.9'", NULL, true},
    {"python_version == '3.12'", NULL, true},
    {"python_version == '3.12.0'", NULL, true}, /* PEP 440 zero padding */
    {"python_version == '3.*'", NULL, true},
    {"python_version == '3.1*'", NULL, false},
    {"python_version != '3.12.*'", NULL, false},
    {"python_version ~= '3.8'", NULL, true},
    {"python_version ~= '3.13'", NULL, false},
    {"python_full_version >= '3.12.7'", NULL, true},
    {"python_full_version < '3.12.7'", NULL, false},
    {"python_full_version == '3.12.*'", NULL, true},
    {"python_full_version === '3.12.7'", NULL, true},
    {"implementation_version >= '3.12'", NULL, true},
    {"'3.13' > python_version", NULL, true},
    {"'3.8' > python_version", NULL, false},
    {"platform_release >= '3.1.46'", NULL, true},
    {"platform_release < '3.1.9'", NULL, false}, /* versions: 3.1.58 > 3.1.9 */
    {"platform_version == '#1'", NULL, true},
    {"platform_machine != \"wasm32\"", NULL, false},
    {"platform_machine == 'wasm32'", NULL, true},
    {"platform_machine in 'x86_64 wasm32'", NULL, true},
    {"os_name == 'posix'", NULL, true},
    {"os_name == 'nt'", NULL, false},
    {"os.name == 'posix' and sys.platform == 'emscripten'", NULL, true},
    {"platform.python_implementation == 'CPython'", NULL, true},
    {"python_implementation == 'PyPy'", NULL, false},
    {"implementation_name == 'cpython'", NULL, true},
    {"platform_python_implementation != 'CPython'", NULL, false},
    {"\"emscripten\" in sys_platform", NULL, true},
    {"'scrip' in sys_platform", NULL, true},
    {"'win' in sys_platform", NULL, false},
    {"'win' not in sys_platform", NULL, true},
    {"sys_platform not in 'linux darwin'", NULL, true},
    /* String comparison where versions do not apply. */
    {"sys_platform > 'a'", NULL, true},
    {"os_name < 'p'", NULL, false},
    {"sys_platform ~= '1.0'", NULL, false},
    {"platform_version >= '1'", NULL, false}, /* "#1" is no version: "#1" < "1" as strings */
    {"platform_release == 'foo'", NULL, false},
    /* extra: PEP 685 names, false without an extra. */
    {"extra == \"test\"", "test", true},
    {"extra == \"test\"", NULL, false},
    {"extra == \"test\"", "other", false},
    {"extra == 'Test_Foo'", "test-foo", true},
    {"extra == 'test.foo'", "TEST__FOO", true},
    {"extra != 'test'", "doc", true},
    {"extra != 'test'", NULL, false},
    {"'test' == extra", "test", true},
    {"python_version >= '3.8' and extra == 'test'", "test", true},
    {"python_version >= '3.8' and extra == 'test'", NULL, false},
    {"python_version < '3.8' or extra == 'test'", NULL, false},
    {"sys_platform == 'emscripten' or extra == 'test'", NULL, true},
    /* and binds tighter than or; parentheses. */
    {"os_name == 'nt' and os_name == 'nt' or os_name == 'posix'", NULL, true},
    {"os_name == 'nt' and (os_name == 'nt' or os_name == 'posix')", NULL, false},
    {"os_name == 'posix' or os_name == 'nt' and os_name == 'nt'", NULL, true},
    {"(os_name == 'posix' or os_name == 'nt') and os_name == 'nt'", NULL, false},
    {"os_name == sys_platform", NULL, false},
    {"sys_platform == sys_platform", NULL, true},
};

static void test_eval_cases(void **state)
{
    (void)state;
    pw_marker_env env;
    pw_marker_env_pyodide(&env, "3.12.7", "3.1.58", "wasm32");
    for (size_t i = 0; i < N_ELEMS(eval_cases); i++) {
        const eval_case *c = &eval_cases[i];
        pw_marker *m = NULL;
        pw_error err = {0, NULL};
        if (pw_marker_parse(pw_slice_from(c->marker), &m, &err) != 0)
            fail_msg("case %zu '%s': %s", i, c->marker, pw_error_message(&err));
        bool got = pw_marker_evaluate(m, &env, c->extra);
        if (got != c->expect)
            fail_msg("case %zu '%s' (extra %s): got %d", i, c->marker, c->extra ? c->extra : "none",
                     got);
        pw_marker_free(m);
    }
    pw_marker_env_free(&env);
}

static void test_env_pyodide(void **state)
{
    (void)state;
    pw_marker_env env;
    pw_marker_env_pyodide(&env, "3.13.2", "4.0.9", NULL);
    assert_string_equal(env.python_version, "3.13");
    assert_string_equal(env.python_full_version, "3.13.2");
    assert_string_equal(env.implementation_version, "3.13.2");
    assert_string_equal(env.sys_platform, "emscripten");
    assert_string_equal(env.platform_system, "Emscripten");
    assert_string_equal(env.platform_machine, "wasm32");
    assert_string_equal(env.os_name, "posix");
    assert_string_equal(env.platform_release, "4.0.9");
    assert_string_equal(env.platform_version, "#1");
    assert_string_equal(env.implementation_name, "cpython");
    assert_string_equal(env.platform_python_implementation, "CPython");
    pw_marker_env_free(&env);
    assert_null(env.python_version);

    pw_marker_env_pyodide(&env, "3.14", "5.0.3", "wasm64");
    assert_string_equal(env.python_version, "3.14");
    assert_string_equal(env.platform_machine, "wasm64");
    pw_marker_env_free(&env);

    /* A hand-made environment with missing values reads them as "". */
    pw_marker_env empty = {0};
    pw_marker *m = NULL;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_marker_parse(pw_slice_from("os_name == ''"), &m, &err), &err);
    assert_true(pw_marker_evaluate(m, &empty, NULL));
    pw_marker_free(m);
}

static void test_requirement_applies(void **state)
{
    (void)state;
    pw_marker_env env;
    pw_marker_env_pyodide(&env, "3.12.7", "3.1.58", "wasm32");
    pw_error err = {0, NULL};
    pw_requirement r;

    PW_ASSERT_OK(pw_requirement_parse(pw_slice_from("numpy"), &r, &err), &err);
    assert_true(pw_requirement_applies(&r, &env, NULL));
    pw_requirement_free(&r);

    PW_ASSERT_OK(pw_requirement_parse(pw_slice_from("pywin32; sys_platform == 'win32'"), &r, &err),
                 &err);
    assert_false(pw_requirement_applies(&r, &env, NULL));
    assert_false(pw_marker_mentions_extra(r.marker));
    pw_requirement_free(&r);

    PW_ASSERT_OK(
        pw_requirement_parse(pw_slice_from("pytest; python_version > '3' and extra == 'Test'"), &r,
                             &err),
        &err);
    assert_true(pw_marker_mentions_extra(r.marker));
    assert_false(pw_requirement_applies(&r, &env, NULL));
    assert_true(pw_requirement_applies(&r, &env, "test"));
    assert_false(pw_requirement_applies(&r, &env, "doc"));
    pw_requirement copy;
    pw_requirement_copy(&copy, &r);
    pw_requirement_free(&r);
    assert_true(pw_requirement_applies(&copy, &env, "test"));
    assert_true(pw_marker_mentions_extra(copy.marker));
    pw_requirement_free(&copy);
    assert_false(pw_marker_mentions_extra(NULL));

    pw_marker_env_free(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_cases),
        cmocka_unit_test(test_error_cases),
        cmocka_unit_test(test_parse_at_offsets),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_eval_cases),
        cmocka_unit_test(test_env_pyodide),
        cmocka_unit_test(test_requirement_applies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
