/* Core metadata (METADATA / PKG-INFO). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "metadata.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Shaped after requests 2.32.3's METADATA (setuptools, metadata 2.1). */
static const char requests_metadata[] =
    "Metadata-Version: 2.1\n"
    "Name: requests\n"
    "Version: 2.32.3\n"
    "Summary: Python HTTP for Humans.\n"
    "Home-page: https://requests.readthedocs.io\n"
    "Author: Kenneth Reitz\n"
    "Author-email: me@kennethreitz.org\n"
    "License: Apache-2.0\n"
    "Project-URL: Documentation, https://requests.readthedocs.io\n"
    "Classifier: Development Status :: 5 - Production/Stable\n"
    "Classifier: License :: OSI Approved :: Apache Software License\n"
    "Requires-Python: >=3.8\n"
    "Description-Content-Type: text/markdown\n"
    "License-File: LICENSE\n"
    "Requires-Dist: charset-normalizer<4,>=2\n"
    "Requires-Dist: idna<4,>=2.5\n"
    "Requires-Dist: urllib3<3,>=1.21.1\n"
    "Requires-Dist: certifi>=2017.4.17\n"
    "Provides-Extra: security\n"
    "Provides-Extra: socks\n"
    "Requires-Dist: PySocks!=1.5.7,>=1.5.6; extra == \"socks\"\n"
    "Provides-Extra: use_chardet_on_py3\n"
    "Requires-Dist: chardet<6,>=3.0.2; extra == \"use_chardet_on_py3\"\n"
    "\n"
    "# Requests\n"
    "\n"
    "**Requests** is a simple, yet elegant, HTTP library.\n"
    "Requires-Dist: not-a-dependency\n"
    "Name: not-the-name\n";

/* Old setuptools PKG-INFO: folded fields, CRLF line ends, mixed-case names. */
static const char pkg_info_1_0[] =
    "Metadata-Version: 1.0\r\n"
    "Name: Old_Style.Pkg\r\n"
    "Version: 0.9.1\r\n"
    "Summary: A summary that was\r\n"
    "        folded over two lines\r\n"
    "Description: First line\r\n"
    "        |second line: looks like a field\r\n"
    "        \r\n"
    "        |after a blank\r\n"
    "author: Someone\r\n"
    "Platform: UNKNOWN\r\n";

/* Hatchling-style 2.4 with markers, extras, a direct URL and folding. */
static const char modern_metadata[] =
    "Metadata-Version: 2.4\n"
    "Name: Fancy-Thing\n"
    "Version: 1.0.0rc1\n"
    "Dynamic: Requires-Dist\n"
    "Dynamic: provides-extra\n"
    "License-Expression: MIT OR Apache-2.0\n"
    "License-File: LICENSE\n"
    "Requires-Python: >=3.9,\n"
    "  <3.14\n"
    "Requires-Dist: numpy>=1.26; python_version >= \"3.12\"\n"
    "Requires-Dist: tomli>=1.1.0; python_version < \"3.11\"\n"
    "Requires-Dist: local-dep[Extra_One,extra.two] @ https://example.com/local_dep-1.0-py3-none-any.whl ; "
    "sys_platform == \"emscripten\"\n"
    "Requires-Dist: pytest\n"
    "  >=8 ; extra == 'Test.Suite'\n"
    "Provides-Extra: Test.Suite\n"
    "Provides-Extra: test_suite\n"
    "Provides-Extra: Docs\n";

typedef struct req_expect {
    const char *key, *extras, *specifiers, *url;
    bool has_marker, mentions_extra;
} req_expect;

typedef struct meta_case {
    const char *origin, *text;
    const char *metadata_version, *name, *version, *requires_python, *summary;
    const char *provides_extra; /* joined with ' ' */
    const char *dynamic;        /* joined with ' ' */
    const char *license_expression;
    size_t n_requires;
    req_expect requires[6];
} meta_case;

static const meta_case meta_cases[] = {
    {"requests-2.32.3.dist-info/METADATA", requests_metadata, "2.1", "requests", "2.32.3",
     ">=3.8", "Python HTTP for Humans.", "security socks use-chardet-on-py3", "", NULL, 6,
     {{"charset-normalizer", "", "<4,>=2", NULL, false, false},
      {"idna", "", "<4,>=2.5", NULL, false, false},
      {"urllib3", "", "<3,>=1.21.1", NULL, false, false},
      {"certifi", "", ">=2017.4.17", NULL, false, false},
      {"pysocks", "", "!=1.5.7,>=1.5.6", NULL, true, true},
      {"chardet", "", "<6,>=3.0.2", NULL, true, true}}},
    {"Old_Style.Pkg-0.9.1/PKG-INFO", pkg_info_1_0, "1.0", "Old_Style.Pkg", "0.9.1", NULL,
     "A summary that was folded over two lines", "", "", NULL, 0, {{0}}},
    {"fancy_thing-1.0.0rc1.dist-info/METADATA", modern_metadata, "2.4", "Fancy-Thing", "1.0.0rc1",
     ">=3.9, <3.14", NULL, "docs test-suite", "requires-dist provides-extra", "MIT OR Apache-2.0",
     4,
     {{"numpy", "", ">=1.26", NULL, true, false},
      {"tomli", "", ">=1.1.0", NULL, true, false},
      {"local-dep", "extra-one extra-two", "", "https://example.com/local_dep-1.0-py3-none-any.whl",
       true, false},
      {"pytest", "", ">=8", NULL, true, true}}},
    {"minimal", "Metadata-Version: 2.3\nName: a\nVersion: 1\n", "2.3", "a", "1", NULL, NULL, "",
     "", NULL, 0, {{0}}},
    /* No trailing newline, a BOM, lowercase field names, a body. */
    {"minimal", "\xEF\xBB\xBFmetadata-version: 2.2\nNAME: b\nversion:2.0\n\nbody", "2.2", "b",
     "2.0", NULL, NULL, "", "", NULL, 0, {{0}}},
};

static void join(const pw_strlist *l, pw_buf *out)
{
    pw_buf_reset(out);
    pw_buf_puts(out, "");
    for (size_t i = 0; i < l->len; i++)
        pw_buf_printf(out, "%s%s", i ? " " : "", l->items[i]);
}

static void expect_str(const char *case_name, const char *what, const char *want, const char *got)
{
    if ((want == NULL) != (got == NULL) || (want && strcmp(want, got) != 0)) {
        print_error("%s: %s: expected '%s', got '%s'\n", case_name, what, want ? want : "(null)",
                    got ? got : "(null)");
        fail();
    }
}

static void test_parse_valid(void **state)
{
    pw_buf b = PW_BUF_INIT;
    for (size_t i = 0; i < N_ELEMS(meta_cases); i++) {
        const meta_case *c = &meta_cases[i];
        pw_metadata m;
        pw_error err = {0};
        int rc = pw_metadata_parse(c->origin, c->text, strlen(c->text), &m, &err);
        if (rc != PW_OK) {
            print_error("%s: %s\n", c->origin, pw_error_message(&err));
            fail();
        }
        expect_str(c->origin, "Metadata-Version", c->metadata_version, m.metadata_version);
        expect_str(c->origin, "Name", c->name, m.name);
        expect_str(c->origin, "Version", c->version, m.version);
        expect_str(c->origin, "Requires-Python", c->requires_python, m.requires_python);
        expect_str(c->origin, "Summary", c->summary, m.summary);
        expect_str(c->origin, "License-Expression", c->license_expression, m.license_expression);
        join(&m.provides_extra, &b);
        expect_str(c->origin, "Provides-Extra", c->provides_extra, b.data);
        join(&m.dynamic, &b);
        expect_str(c->origin, "Dynamic", c->dynamic, b.data);
        if (m.n_requires_dist != c->n_requires) {
            print_error("%s: expected %zu Requires-Dist, got %zu\n", c->origin, c->n_requires,
                        m.n_requires_dist);
            fail();
        }
        for (size_t r = 0; r < c->n_requires; r++) {
            const req_expect *e = &c->requires[r];
            const pw_requirement *q = &m.requires_dist[r];
            expect_str(c->origin, "requirement key", e->key, q->key);
            join(&q->extras, &b);
            expect_str(c->origin, "requirement extras", e->extras, b.data);
            pw_buf_reset(&b);
            pw_buf_puts(&b, "");
            pw_specifier_set_format(&q->specifiers, &b);
            expect_str(c->origin, "requirement specifiers", e->specifiers, b.data);
            expect_str(c->origin, "requirement url", e->url, q->url);
            assert_int_equal(q->marker != NULL, e->has_marker);
            if (q->marker)
                assert_int_equal(pw_marker_mentions_extra(q->marker), e->mentions_extra);
        }
        pw_metadata_free(&m);
    }
    pw_buf_free(&b);
}

/* The extras a wheel declares select its requirements (PEP 685 names). */
static void test_requirements_follow_extras(void **state)
{
    pw_metadata m;
    pw_error err = {0};
    PW_ASSERT_OK(pw_metadata_parse("requests", requests_metadata, strlen(requests_metadata), &m,
                                   &err), &err);
    pw_marker_env env;
    memset(&env, 0, sizeof(env));
    pw_marker_env_pyodide(&env, "3.12.7", "3.1.58", NULL);
    assert_true(pw_requirement_applies(&m.requires_dist[0], &env, NULL));
    assert_false(pw_requirement_applies(&m.requires_dist[4], &env, NULL));
    assert_true(pw_requirement_applies(&m.requires_dist[4], &env, "socks"));
    assert_true(pw_requirement_applies(&m.requires_dist[5], &env, "use-chardet-on-py3"));
    assert_true(pw_strlist_contains(&m.provides_extra, "use-chardet-on-py3"));
    pw_marker_env_free(&env);
    pw_metadata_free(&m);
}

typedef struct bad_case {
    const char *origin, *text;
    int code;
    const char *message; /* exact prefix */
} bad_case;

static const bad_case bad_cases[] = {
    {"numpy-2.0.0.dist-info/METADATA",
     "Metadata-Version: 2.1\nName: numpy\nVersion: 2.0.0\nSummary: x\nRequires-Python: >=3.9\n"
     "Requires-Dist: foo\nRequires-Dist: numpy >=\n",
     PW_EINVAL, "numpy-2.0.0.dist-info/METADATA:7: Requires-Dist: expected a version after '>='"},
    {"x/METADATA", "Metadata-Version: 2.1\nVersion: 1.0\nSummary: no name\n", PW_EINVAL,
     "x/METADATA: missing required field Name"},
    {"x/METADATA", "Name: x\nVersion: 1.0\n", PW_EINVAL,
     "x/METADATA: missing required field Metadata-Version"},
    {"x/METADATA", "Metadata-Version: 2.1\nName: x\n", PW_EINVAL,
     "x/METADATA: missing required field Version"},
    {"x/METADATA", "", PW_EINVAL, "x/METADATA: missing required field Metadata-Version"},
    {"x/METADATA", "Metadata-Version: 2.1\nName: x\nVersion: one\n", PW_EINVAL,
     "x/METADATA:3: Version: "},
    {"x/METADATA", "Metadata-Version: 2.1\nName: x\nVersion: 1\nRequires-Python: >=three\n",
     PW_EINVAL, "x/METADATA:4: Requires-Python: "},
    {"x/METADATA", "Metadata-Version: 3.0\nName: x\nVersion: 1\n", PW_EUNSUPPORTED,
     "x/METADATA:1: Metadata-Version: metadata version 3.0 is not supported"},
    {"x/METADATA", "Metadata-Version: latest\nName: x\nVersion: 1\n", PW_EINVAL,
     "x/METADATA:1: Metadata-Version: expected a version such as 2.1"},
    {"x/METADATA", "Metadata-Version: 2.1\nName: x\nthis line has no colon\nVersion: 1\n",
     PW_EINVAL, "x/METADATA:3: expected 'Field-Name: value', got 'this line has no colon'"},
    {"x/METADATA", "  Metadata-Version: 2.1\nName: x\nVersion: 1\n", PW_EINVAL,
     "x/METADATA:1: continuation line before any field"},
    {"x/METADATA", "Metadata-Version: 2.1\nName: x\nName: y\nVersion: 1\n", PW_EINVAL,
     "x/METADATA:3: Name: given more than once"},
    {"x/METADATA", "Metadata-Version: 2.1\nName: -x-\nVersion: 1\n", PW_EINVAL,
     "x/METADATA:2: Name: expected a project name"},
    {"x/METADATA", "Metadata-Version: 2.2\nName: x\nVersion: 1\nDynamic: Version\n", PW_EINVAL,
     "x/METADATA:4: Dynamic: 'Version' must not be dynamic"},
    {"x/METADATA", "Metadata-Version: 2.1\nName: x\nVersion: 1\nProvides-Extra: a b\n",
     PW_EINVAL, "x/METADATA:4: Provides-Extra: expected an extra name"},
    /* The line of a folded field is its first line. */
    {"x/METADATA",
     "Metadata-Version: 2.1\nName: x\nVersion: 1\nRequires-Dist: foo\n  [bar\n  >=1\nSummary: s\n",
     PW_EINVAL, "x/METADATA:4: Requires-Dist: expected ']' or ','"},
};

static void test_parse_errors(void **state)
{
    for (size_t i = 0; i < N_ELEMS(bad_cases); i++) {
        const bad_case *c = &bad_cases[i];
        pw_metadata m;
        pw_error err = {0};
        int rc = pw_metadata_parse(c->origin, c->text, strlen(c->text), &m, &err);
        const char *msg = pw_error_message(&err);
        if (rc != c->code || strncmp(msg, c->message, strlen(c->message)) != 0) {
            print_error("case %zu: expected %s '%s...', got %s '%s'\n", i,
                        pw_status_name(c->code), c->message, pw_status_name(rc), msg);
            fail();
        }
        assert_null(m.name);
        assert_null(m.requires_dist);
        pw_error_clear(&err);
    }
}

static void test_limits(void **state)
{
    pw_metadata m;
    pw_error err = {0};
    size_t big = PW_METADATA_MAX_SIZE + 1;
    char *text = pw_xmalloc(big);
    memset(text, 'x', big);
    assert_int_equal(pw_metadata_parse("huge/METADATA", text, big, &m, &err), PW_ELIMIT);
    assert_non_null(strstr(pw_error_message(&err), "huge/METADATA: metadata is larger than"));
    pw_error_clear(&err);
    free(text);

    pw_buf b = PW_BUF_INIT;
    pw_buf_puts(&b, "Metadata-Version: 2.1\nName: x\nVersion: 1\n");
    for (int i = 0; i < PW_METADATA_MAX_FIELDS; i++)
        pw_buf_puts(&b, "Classifier: y\n");
    assert_int_equal(pw_metadata_parse("many/METADATA", b.data, b.len, &m, &err), PW_ELIMIT);
    assert_non_null(strstr(pw_error_message(&err), "more than 100000 fields"));
    pw_error_clear(&err);
    pw_buf_free(&b);
}

/* Every prefix and byte-flipped copies: a result or an error, no crash. */
static void test_hostile_input(void **state)
{
    const char *sources[] = {requests_metadata, pkg_info_1_0, modern_metadata};
    uint32_t seed = 99;
    for (size_t s = 0; s < N_ELEMS(sources); s++) {
        size_t len = strlen(sources[s]);
        char *copy = pw_xmalloc(len);
        for (size_t cut = 0; cut <= len; cut++) {
            memcpy(copy, sources[s], len);
            seed = seed * 1103515245u + 12345u;
            copy[(seed >> 8) % len] = (char)(seed >> 16);
            for (int mutated = 0; mutated < 2; mutated++) {
                pw_metadata m;
                pw_error err = {0};
                int rc = pw_metadata_parse("fuzz", mutated ? copy : sources[s], cut, &m, &err);
                assert_true(rc <= 0);
                if (rc == PW_OK)
                    pw_metadata_free(&m);
                pw_error_clear(&err);
            }
        }
        free(copy);
    }
}

typedef struct identity_case {
    const char *expected_name, *expected_version;
    int code;
    const char *message;
} identity_case;

static const identity_case identity_cases[] = {
    {"Old-Style-Pkg", "0.9.1", PW_OK, NULL},
    {"old_style_pkg", "0.9.1.0", PW_OK, NULL}, /* PEP 440: trailing zeros are equal */
    {"OLD.STYLE.PKG", "v0.9.1", PW_OK, NULL},
    {NULL, NULL, PW_OK, NULL},
    {"bar", "0.9.1", PW_ECHECK,
     "wheel foo-1.0-py3-none-any.whl: METADATA says Name: Old_Style.Pkg, expected bar"},
    {"old-style-pkg", "0.9.2", PW_ECHECK,
     "wheel foo-1.0-py3-none-any.whl: METADATA says Version: 0.9.1, expected 0.9.2"},
    {"old-style-pkg", "0.9.1+local", PW_ECHECK, "wheel foo-1.0-py3-none-any.whl: METADATA says Version"},
    {"old-style-pkg", "not a version", PW_EINVAL,
     "wheel foo-1.0-py3-none-any.whl: expected version 'not a version' is not valid"},
};

static void test_check_identity(void **state)
{
    pw_metadata m;
    pw_error err = {0};
    PW_ASSERT_OK(pw_metadata_parse("PKG-INFO", pkg_info_1_0, strlen(pkg_info_1_0), &m, &err), &err);
    for (size_t i = 0; i < N_ELEMS(identity_cases); i++) {
        const identity_case *c = &identity_cases[i];
        int rc = pw_metadata_check_identity(&m, "wheel foo-1.0-py3-none-any.whl",
                                            c->expected_name, c->expected_version, &err);
        if (rc != c->code ||
            (c->message && strncmp(pw_error_message(&err), c->message, strlen(c->message)))) {
            print_error("case %zu: expected %s '%s', got %s '%s'\n", i, pw_status_name(c->code),
                        c->message ? c->message : "", pw_status_name(rc), pw_error_message(&err));
            fail();
        }
        pw_error_clear(&err);
    }
    pw_metadata_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_requirements_follow_extras),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_hostile_input),
        cmocka_unit_test(test_check_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
