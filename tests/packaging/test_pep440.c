/* PEP 440 versions and specifiers, driven by the PEP's own examples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

#include "pep440.h"

static pw_version parse_or_fail(const char *text)
{
    pw_version v;
    pw_error err = {0, NULL};
    int rc = pw_version_parse(pw_slice_from(text), &v, &err);
    if (rc != 0)
        fail_msg("'%s' did not parse: %s", text, pw_error_message(&err));
    pw_error_clear(&err);
    return v;
}

static char *format_version(const pw_version *v)
{
    pw_buf b = PW_BUF_INIT;
    pw_version_format(v, &b);
    pw_buf_puts(&b, ""); /* make sure data is allocated */
    return pw_buf_detach(&b);
}

/* ------------------------------------------------------- normalization */

typedef struct norm_case {
    const char *input;
    const char *normalized;
} norm_case;

static const norm_case norm_cases[] = {
    /* PEP 440 "Normalization" section, in its order */
    {"1.0", "1.0"},
    {"1.0A1", "1.0a1"},
    {"1.0RC1", "1.0rc1"},
    {"1.0.DEV", "1.0.dev0"},
    {"1.0.Post1", "1.0.post1"},
    {"00", "0"},
    {"09000", "9000"},
    {"1.0+foo0100", "1.0+foo0100"},
    {"1.01", "1.1"},
    {"1.1.a1", "1.1a1"},
    {"1.1-a1", "1.1a1"},
    {"1.1_a1", "1.1a1"},
    {"1.0a.1", "1.0a1"},
    {"1.0a-1", "1.0a1"},
    {"1.0-alpha.1", "1.0a1"},
    {"1.1alpha1", "1.1a1"},
    {"1.1beta2", "1.1b2"},
    {"1.1c3", "1.1rc3"},
    {"1.0pre1", "1.0rc1"},
    {"1.0preview1", "1.0rc1"},
    {"1.0-preview-2", "1.0rc2"},
    {"1.2a", "1.2a0"},
    {"1.0a", "1.0a0"},
    {"1.0b", "1.0b0"},
    {"1.0c", "1.0rc0"},
    {"1.2-post2", "1.2.post2"},
    {"1.2post2", "1.2.post2"},
    {"1.2_post2", "1.2.post2"},
    {"1.2.post.2", "1.2.post2"},
    {"1.2.post-2", "1.2.post2"},
    {"1.0-r4", "1.0.post4"},
    {"1.0rev4", "1.0.post4"},
    {"1.0.r4", "1.0.post4"},
    {"1.0-REV_4", "1.0.post4"},
    {"1.2.post", "1.2.post0"},
    {"1.2-r", "1.2.post0"},
    {"1.0-1", "1.0.post1"},
    {"1.0rc1-1", "1.0rc1.post1"},
    {"1.2-dev2", "1.2.dev2"},
    {"1.2dev2", "1.2.dev2"},
    {"1.2_dev_2", "1.2.dev2"},
    {"1.2.dev", "1.2.dev0"},
    {"1.2-DEV", "1.2.dev0"},
    {"1.0+ubuntu-1", "1.0+ubuntu.1"},
    {"1.0+ubuntu_1", "1.0+ubuntu.1"},
    {"1.0+UBUNTU.1", "1.0+ubuntu.1"},
    {"1.0+ABC-def_GHI.1", "1.0+abc.def.ghi.1"},
    {"1.0+001", "1.0+1"},
    {"1.0+abc.007", "1.0+abc.7"},
    {"v1.0", "1.0"},
    {"V1.0", "1.0"},
    {"v1!2.0", "1!2.0"},
    {"  1.0\n", "1.0"},
    {"\t\v1.0rc1 \r\n", "1.0rc1"},
    /* epochs */
    {"1!1.0", "1!1.0"},
    {"0!1.0", "1.0"},
    {"2012!1.0.post1", "2012!1.0.post1"},
    /* combinations and spellings */
    {"1!2.0rc1.post3.dev4+ubuntu.1", "1!2.0rc1.post3.dev4+ubuntu.1"},
    {"1.0.alpha-1.r-2.dev_3", "1.0a1.post2.dev3"},
    {"1.0-a-1", "1.0a1"},
    {"1.0.a.1", "1.0a1"},
    {"1.0a1.post2.dev3+local.4", "1.0a1.post2.dev3+local.4"},
    {"1.0.post1.dev1", "1.0.post1.dev1"},
    {"1.0dev", "1.0.dev0"},
    {"1.0post", "1.0.post0"},
    {"1.0.0.0.0", "1.0.0.0.0"},
    {"2012.04", "2012.4"},
    {"1.0a.post1", "1.0a0.post1"},
    {"1.0rc-dev", "1.0rc0.dev0"},
    /* separators after a label without a number: accepted, as pip does */
    {"1.0a.", "1.0a0"},
    {"1.0.dev-", "1.0.dev0"},
    /* limits: exactly at the maximum is fine */
    {"18446744073709551615", "18446744073709551615"},
    {"1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16", "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16"},
    {"1.0+a.b.c.d.e.f.g.h", "1.0+a.b.c.d.e.f.g.h"},
    {"1.0+abcdefghijklmnopqrstuvwxyz01234", "1.0+abcdefghijklmnopqrstuvwxyz01234"},
    {"1.0+18446744073709551615", "1.0+18446744073709551615"},
};

static void test_normalization(void **state)
{
    for (size_t i = 0; i < sizeof(norm_cases) / sizeof(norm_cases[0]); i++) {
        pw_version v = parse_or_fail(norm_cases[i].input);
        char *got = format_version(&v);
        if (strcmp(got, norm_cases[i].normalized) != 0)
            fail_msg("'%s' normalized to '%s', expected '%s'", norm_cases[i].input, got,
                     norm_cases[i].normalized);
        /* normalization is idempotent */
        pw_version again = parse_or_fail(got);
        assert_int_equal(pw_version_compare(&v, &again), 0);
        free(got);
    }
}

/* ------------------------------------------------------ invalid versions */

typedef struct invalid_case {
    const char *input;
    int code;
    size_t column;
} invalid_case;

static const invalid_case invalid_versions[] = {
    {"", PW_EINVAL, 1},
    {"   ", PW_EINVAL, 4},
    {"1.0.", PW_EINVAL, 5},
    {"1.0-", PW_EINVAL, 5},
    {"a1", PW_EINVAL, 1},
    {"v", PW_EINVAL, 2},
    {"vv1.0", PW_EINVAL, 2},
    {"+1.0", PW_EINVAL, 1},
    {"1.0+", PW_EINVAL, 5},
    {"1..0", PW_EINVAL, 3},
    {"1.0+abc.", PW_EINVAL, 9},
    {"1.0+abc..1", PW_EINVAL, 9},
    {"1.0+ab$c", PW_EINVAL, 7},
    {"1.0+abc def", PW_EINVAL, 8},
    {"1.0 a1", PW_EINVAL, 4},
    {"1!", PW_EINVAL, 3},
    {"!1.0", PW_EINVAL, 1},
    {"1.0.dev1.post1", PW_EINVAL, 9},
    {"1.0_1", PW_EINVAL, 5},
    {"1.0a1b1", PW_EINVAL, 6},
    {"1,0", PW_EINVAL, 2},
    {"1.0-1-1", PW_EINVAL, 7},
    {"1.0.x", PW_EINVAL, 5},
    {"1.0.*", PW_EINVAL, 5},
    {"1.0 +abc", PW_EINVAL, 4},
    {"18446744073709551616", PW_ELIMIT, 1},
    {"99999999999999999999999999", PW_ELIMIT, 1},
    {"1.18446744073709551616", PW_ELIMIT, 3},
    {"18446744073709551616!1.0", PW_ELIMIT, 1},
    {"1.0a99999999999999999999", PW_ELIMIT, 5},
    {"1.0.post99999999999999999999", PW_ELIMIT, 9},
    {"1.0.dev99999999999999999999", PW_ELIMIT, 8},
    {"1.0+99999999999999999999", PW_ELIMIT, 5},
    {"1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17", PW_ELIMIT, 40},
    {"1.0+a.b.c.d.e.f.g.h.i", PW_ELIMIT, 21},
    {"1.0+abcdefghijklmnopqrstuvwxyz012345", PW_ELIMIT, 5},
};

static void check_error(const char *what, const char *input, int rc, const pw_error *err,
                        int code, size_t column)
{
    pw_buf want_buf = PW_BUF_INIT;
    pw_buf_printf(&want_buf, "at column %zu", column);
    const char *want = pw_buf_cstr(&want_buf);
    if (rc != code || err->code != code)
        fail_msg("%s '%s': got %d (%s), expected %d", what, input, rc, pw_error_message(err),
                 code);
    const char *msg = pw_error_message(err);
    if (!strstr(msg, want) || !strstr(msg, "expected") || !strstr(msg, what))
        fail_msg("%s '%s': message '%s' lacks '%s'", what, input, msg, want);
    /* the column is the last thing said, so "column 1" cannot hide "column 12" */
    size_t mlen = strlen(msg), wlen = strlen(want);
    assert_true(mlen >= wlen && strcmp(msg + mlen - wlen, want) == 0);
    pw_buf_free(&want_buf);
}

static void test_invalid_versions(void **state)
{
    for (size_t i = 0; i < sizeof(invalid_versions) / sizeof(invalid_versions[0]); i++) {
        const invalid_case *t = &invalid_versions[i];
        pw_version v;
        pw_error err = {0, NULL};
        memset(&v, 0xab, sizeof(v));
        int rc = pw_version_parse(pw_slice_from(t->input), &v, &err);
        check_error("version", t->input, rc, &err, t->code, t->column);
        /* a failed parse leaves a zeroed, harmless version behind */
        assert_int_equal(v.release_len, 0);
        assert_int_equal(v.local_len, 0);
        pw_error_clear(&err);
    }
}

static void test_invalid_version_message(void **state)
{
    pw_version v;
    pw_error err = {0, NULL};
    assert_int_equal(pw_version_parse(pw_slice_from("1.0."), &v, &err), PW_EINVAL);
    assert_string_equal(pw_error_message(&err),
                        "invalid version '1.0.': expected a number or a pre-release, "
                        "post-release or dev-release label after '.' at column 5");
    /* a slice is not NUL-terminated: only its bytes are read and quoted */
    assert_int_equal(pw_version_parse(pw_slice_make("1.0+X", 4), &v, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "'1.0+'"));
    assert_int_equal(pw_version_parse(pw_slice_make(NULL, 0), &v, &err), PW_EINVAL);
    /* a huge input is quoted shortened, the column still counts all of it */
    pw_buf big = PW_BUF_INIT;
    for (int i = 0; i < 300; i++)
        pw_buf_puts(&big, "1.");
    pw_buf_putc(&big, 'x');
    assert_int_equal(pw_version_parse(pw_slice_make(big.data, big.len), &v, &err), PW_ELIMIT);
    assert_non_null(strstr(pw_error_message(&err), "...': expected at most 16 release segments"));
    assert_non_null(strstr(pw_error_message(&err), "at column 33"));
    assert_true(strlen(pw_error_message(&err)) < 300);
    pw_buf_free(&big);
    pw_error_clear(&err);
}

/* -------------------------------------------------------------- ordering */

/* Each chain is strictly increasing. */
static const char *const pep_order[] = {
    /* PEP 440 "Summary of permitted suffixes and relative ordering" */
    "1.dev0", "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12",
    "1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456",
    "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34", "1.0.post456",
    "1.0.15", "1.1.dev1", NULL,
};
static const char *const scheme_simple[] = {"0.1", "0.2", "0.3", "1.0", "1.1", NULL};
static const char *const scheme_micro[] = {"1.1.0", "1.1.1", "1.1.2", "1.2.0", NULL};
static const char *const scheme_pre[] = {"0.9",  "1.0a1", "1.0a2", "1.0b1",
                                         "1.0rc1", "1.0", "1.1a1", NULL};
static const char *const scheme_dev[] = {"0.9",      "1.0.dev1", "1.0.dev2", "1.0.dev3",
                                         "1.0.dev4", "1.0c1",    "1.0c2",    "1.0",
                                         "1.0.post1", "1.1.dev1", NULL};
static const char *const scheme_date[] = {"2012.1", "2012.2", "2012.3", "2012.15",
                                          "2013.1", "2013.2", NULL};
/* PEP 440: epochs dominate everything else */
static const char *const epoch_order[] = {"2013.10", "2014.04", "1!1.0", "1!1.1", "2!0.1", NULL};
/* PEP 440: local segments: alphanumeric < numeric, prefixes first */
static const char *const local_order[] = {"1.0",   "1.0+a",  "1.0+a.b", "1.0+a.0", "1.0+ab",
                                          "1.0+b", "1.0+0",  "1.0+1",   "1.0+1.a", "1.0+2",
                                          "1.0+10", "1.0.post0", NULL};
static const char *const suffix_order[] = {
    "1.0.dev0", "1.0.dev1", "1.0a0.dev0", "1.0a0", "1.0a0.post0.dev0", "1.0a0.post0",
    "1.0a1",    "1.0b0",    "1.0rc0",     "1.0",   "1.0.post0.dev0",   "1.0.post0",
    "1.0.post1.dev1", "1.0.post1", "1.0.1.dev0", "18446744073709551615", NULL,
};

static void check_chain(const char *const *chain)
{
    for (size_t i = 0; chain[i]; i++) {
        pw_version a = parse_or_fail(chain[i]);
        for (size_t j = 0; chain[j]; j++) {
            pw_version b = parse_or_fail(chain[j]);
            int want = i < j ? -1 : i > j ? 1 : 0;
            int got = pw_version_compare(&a, &b);
            got = got < 0 ? -1 : got > 0 ? 1 : 0;
            if (got != want)
                fail_msg("compare('%s', '%s') = %d, expected %d", chain[i], chain[j], got, want);
        }
    }
}

static void test_ordering(void **state)
{
    check_chain(pep_order);
    check_chain(scheme_simple);
    check_chain(scheme_micro);
    check_chain(scheme_pre);
    check_chain(scheme_dev);
    check_chain(scheme_date);
    check_chain(epoch_order);
    check_chain(local_order);
    check_chain(suffix_order);
}

typedef struct equal_case {
    const char *a, *b;
} equal_case;

static const equal_case equal_cases[] = {
    {"1.0", "1.0.0"},          /* PEP 440: trailing zeros are ignored */
    {"1", "1.0.0.0"},          {"1.0+ABC", "1.0+abc"}, {"1.0+01", "1.0+1"},
    {"0!1.0", "1.0"},          {"1.0a", "1.0a0"},      {"1.0-1", "1.0.post1"},
    {"v1.0", "1.0"},           {"1.0.dev", "1.0.dev0"}, {"1.0c1", "1.0rc1"},
    {"1.0a1+x-y", "1.0a1+x.y"}, {"1.0.0+1", "1+1"},
};

static void test_equal(void **state)
{
    for (size_t i = 0; i < sizeof(equal_cases) / sizeof(equal_cases[0]); i++) {
        pw_version a = parse_or_fail(equal_cases[i].a);
        pw_version b = parse_or_fail(equal_cases[i].b);
        if (pw_version_compare(&a, &b) != 0 || pw_version_compare(&b, &a) != 0)
            fail_msg("'%s' and '%s' should compare equal", equal_cases[i].a, equal_cases[i].b);
    }
}

typedef struct kind_case {
    const char *version;
    bool pre, post;
} kind_case;

static const kind_case kind_cases[] = {
    {"1.0", false, false},         {"1.0a1", true, false},        {"1.0.dev1", true, false},
    {"1.0.post1", false, true},    {"1.0.post1.dev1", true, true}, {"1.0rc1.post1", true, true},
    {"1.0+dev", false, false},
};

static void test_kinds(void **state)
{
    for (size_t i = 0; i < sizeof(kind_cases) / sizeof(kind_cases[0]); i++) {
        pw_version v = parse_or_fail(kind_cases[i].version);
        if (pw_version_is_prerelease(&v) != kind_cases[i].pre ||
            pw_version_is_postrelease(&v) != kind_cases[i].post)
            fail_msg("wrong pre/post kind for '%s'", kind_cases[i].version);
    }
}

/* ------------------------------------------------------------ specifiers */

typedef struct contains_case {
    const char *specifiers;
    const char *version;
    bool prereleases;
    bool expected;
} contains_case;

#define PRE true
#define NOPRE false

static const contains_case contains_cases[] = {
    /* PEP 440 compatible release: ~=2.2 is >=2.2, ==2.* */
    {"~=2.2", "2.2", NOPRE, true},
    {"~=2.2", "2.3", NOPRE, true},
    {"~=2.2", "2.9.9", NOPRE, true},
    {"~=2.2", "3.0", NOPRE, false},
    {"~=2.2", "2.1", NOPRE, false},
    {"~=2.2", "2.2.post3", NOPRE, true},
    {"~=2.2", "2.2a1", PRE, false},
    {"~=2.2", "2.3a1", PRE, true},
    {"~=2.2", "2.3a1", NOPRE, false},
    {"~=2.2", "2.2+local", NOPRE, true},
    /* ~=1.4.5 is >=1.4.5, ==1.4.* */
    {"~=1.4.5", "1.4.5", NOPRE, true},
    {"~=1.4.5", "1.4.6", NOPRE, true},
    {"~=1.4.5", "1.4.5.1", NOPRE, true},
    {"~=1.4.5", "1.5.0", NOPRE, false},
    {"~=1.4.5", "1.4.4", NOPRE, false},
    /* ~=2.2.post3 is >=2.2.post3, ==2.* */
    {"~=2.2.post3", "2.2.post3", NOPRE, true},
    {"~=2.2.post3", "2.2.post2", NOPRE, false},
    {"~=2.2.post3", "2.3", NOPRE, true},
    {"~=2.2.post3", "3.0", NOPRE, false},
    /* ~=1.4.5a4 is >=1.4.5a4, ==1.4.* */
    {"~=1.4.5a4", "1.4.5a4", NOPRE, true},
    {"~=1.4.5a4", "1.4.5a3", NOPRE, false},
    {"~=1.4.5a4", "1.4.5b1", NOPRE, true},
    {"~=1.4.5a4", "1.4.5", NOPRE, true},
    {"~=1.4.5a4", "1.4.6", NOPRE, true},
    {"~=1.4.5a4", "1.5", NOPRE, false},
    /* ~=1.4.5.0 is >=1.4.5.0, ==1.4.5.* */
    {"~=1.4.5.0", "1.4.5", NOPRE, true},
    {"~=1.4.5.0", "1.4.5.1", NOPRE, true},
    {"~=1.4.5.0", "1.4.6", NOPRE, false},
    {"~=1!2.2", "1!2.3", NOPRE, true},
    {"~=1!2.2", "2.3", NOPRE, false},
    {"~=1.0.0", "1", NOPRE, true}, /* prefix match pads with zeros */
    {"~=1.0", "1.9", NOPRE, true},
    {"~=1.0", "2.0", NOPRE, false},
    /* PEP 440 version matching */
    {"==1.1", "1.1.post1", NOPRE, false},
    {"==1.1.post1", "1.1.post1", NOPRE, true},
    {"==1.1.*", "1.1.post1", NOPRE, true},
    {"==1.1", "1.1", NOPRE, true},
    {"==1.1", "1.1.0", NOPRE, true},
    {"==1.1.0", "1.1", NOPRE, true},
    {"==1.1", "1.1+local", NOPRE, true},
    {"==1.1.*", "1.1a1", PRE, true},
    {"==1.1.*", "1.1a1", NOPRE, false},
    {"==1.1.*", "1.1", NOPRE, true},
    {"==1.1.*", "1.1.5", NOPRE, true},
    {"==1.1.*", "1.1.5+local", NOPRE, true},
    {"==1.1.*", "1.10", NOPRE, false},
    {"==1.1.*", "1.2", NOPRE, false},
    {"==1.1.*", "1", NOPRE, false},
    {"==1.0.*", "1", NOPRE, true},
    {"==1.*", "1.9.9", NOPRE, true},
    {"==1.*", "2.0", NOPRE, false},
    {"==1!1.0.*", "1!1.0.5", NOPRE, true},
    {"==1!1.0.*", "1.0.5", NOPRE, false},
    {"==1.0+local", "1.0+local", NOPRE, true},
    {"==1.0+local", "1.0+LOCAL", NOPRE, true},
    {"==1.0+local", "1.0", NOPRE, false},
    {"==1.0+local", "1.0+other", NOPRE, false},
    {"==1.0+local", "1.0+local.1", NOPRE, false},
    {"==1.0+5", "1.0+05", NOPRE, true},
    {"==2.0", "2", NOPRE, true},
    {"==2.0", "2.0.0.0", NOPRE, true},
    {"==2.0", "2.0.1", NOPRE, false},
    {"==1.0a1", "1.0a1", NOPRE, true},
    {"==1.0.dev1", "1.0.dev1", NOPRE, true},
    /* PEP 440 version exclusion */
    {"!=1.1", "1.1.post1", NOPRE, true},
    {"!=1.1.post1", "1.1.post1", NOPRE, false},
    {"!=1.1.*", "1.1.post1", NOPRE, false},
    {"!=1.1.*", "1.2", NOPRE, true},
    {"!=1.0", "1.0+local", NOPRE, false},
    {"!=1.0+local", "1.0+local", NOPRE, false},
    {"!=1.0+local", "1.0", NOPRE, true},
    /* PEP 440 inclusive ordered comparison (local part ignored) */
    {"<=2.0", "2.0", NOPRE, true},
    {"<=2.0", "2.0+local", NOPRE, true},
    {"<=2.0", "2.0.post1", NOPRE, false},
    {"<=2.0", "1.9", NOPRE, true},
    {"<=2.0", "2.0a1", PRE, true},
    {">=2.0", "2.0", NOPRE, true},
    {">=2.0", "2.0+local", NOPRE, true},
    {">=2.0", "2.0.post1", NOPRE, true},
    {">=2.0", "2.0a1", PRE, false},
    {">=2.0", "1.9", NOPRE, false},
    {">=2.0", "2.1a1", NOPRE, false},
    {">=2.0", "2.1a1", PRE, true},
    /* PEP 440 exclusive ordered comparison */
    {">1.7", "1.7.1", NOPRE, true},
    {">1.7", "1.8", NOPRE, true},
    {">1.7", "1.7", NOPRE, false},
    {">1.7", "1.7.post1", NOPRE, false},
    {">1.7", "1.7.0.post1", NOPRE, false},
    {">1.7", "1.7+local", NOPRE, false},
    {">1.7", "1.7.0.1", NOPRE, true},
    {">1.7.post2", "1.7.1", NOPRE, true},
    {">1.7.post2", "1.7.post3", NOPRE, true},
    {">1.7.post2", "1.7.post2", NOPRE, false},
    {">1.7.post2", "1.7.post2+local", NOPRE, false},
    {">1.7.post2", "1.7.post3+local", NOPRE, true},
    /* only post-releases / local versions of V itself are excluded */
    {">1.0a1", "1.0.post1", NOPRE, true},
    {">1.0a1", "1.0", NOPRE, true},
    {">1.0a1", "1.0+local", NOPRE, true},
    {">1.0a1", "1.0a1.post1", NOPRE, false},
    {">1.0a1", "1.0a1+local", NOPRE, false},
    {">1.0a1", "1.0a2", NOPRE, true},
    {">1.0.dev1", "1.0.post0", NOPRE, true},
    {">1.0.dev1", "1.0.dev2", NOPRE, true},
    {"<3.0", "2.9", NOPRE, true},
    {"<3.0", "2.99.99", NOPRE, true},
    {"<3.0", "3.0", NOPRE, false},
    {"<3.0", "3.0+local", NOPRE, false},
    {"<3.0", "3.0.dev0", PRE, false},
    {"<3.0", "3.0rc1", PRE, false},
    {"<3.0", "3.0.dev0+local", PRE, false},
    {"<3.0", "2.9.dev1", PRE, true},
    {"<3.0", "2.9.dev1", NOPRE, false},
    {"<3.0rc1", "3.0b1", NOPRE, true},
    {"<3.0rc1", "3.0.dev0", NOPRE, true},
    {"<3.0rc1", "3.0rc1", NOPRE, false},
    {"<3.0rc1", "2.0", NOPRE, true},
    {"<3.0.0a8", "3.0.0a7", NOPRE, true},
    /* "<V.postN" only hides V.postN's own dev releases */
    {"<1.0.post1", "1.0", NOPRE, true},
    {"<1.0.post1", "1.0.post0", NOPRE, true},
    {"<1.0.post1", "1.0a1", PRE, true},
    {"<1.0.post1", "1.0.post1.dev0", PRE, false},
    /* PEP 440 arbitrary equality */
    {"===1.0", "1.0", NOPRE, true},
    {"===1.0", "1.0.0", NOPRE, false},
    {"===1.0.0", "1.0.0", NOPRE, true},
    {"===1.0A1", "1.0a1", NOPRE, true},
    {"===1.0+LOCAL", "1.0+local", NOPRE, true},
    {"===1.0", "1.0+local", NOPRE, false},
    {"===v1.0", "1.0", NOPRE, false},
    /* pre-release rule and sets */
    {"", "1.0", NOPRE, true},
    {"", "1!99.0.post3", NOPRE, true},
    {"", "1.0a1", NOPRE, false},
    {"", "1.0a1", PRE, true},
    {"", "1.0.dev1", NOPRE, false},
    {"", "1.0.post1", NOPRE, true},
    {"", "1.0.post1.dev1", NOPRE, false},
    {"  ", "1.0", NOPRE, true},
    {">=1.0a1", "1.0b1", NOPRE, true},
    {">=1.0a1", "2.0a1", NOPRE, true},
    {">=1.0a1,<2", "1.5.dev1", NOPRE, true},
    {">=1.0", "2.0a1", NOPRE, false},
    {">=1.0", "2.0a1", PRE, true},
    {">=1.0,!=2.0a1", "2.0b1", NOPRE, false},
    {">=1.0,!=2.0a1", "2.0a1", PRE, false},
    {">=1.0,<=2.0a1", "2.0a1", NOPRE, true},
    {">=1.0, <2.0", "1.5", NOPRE, true},
    {">=1.0, <2.0", "2.0", NOPRE, false},
    {">=1.0, <2.0", "0.9", NOPRE, false},
    {"  >= 1.0 ,  < 2.0  ", "1.5", NOPRE, true},
    {">=1.0,,<2.0,", "1.5", NOPRE, true},
    {">=1.0,,<2.0,", "2.5", NOPRE, false},
    {">=1.0,!=1.5.*,<2", "1.5.3", NOPRE, false},
    {">=1.0,!=1.5.*,<2", "1.6", NOPRE, true},
    {"~=1.0,!=1.3", "1.3.0", NOPRE, false},
    {">=1.0", "1!0.1", NOPRE, true},
    {"<2.0", "1!0.1", NOPRE, false},
    {"== 1.0 ", "1.0", NOPRE, true},
    {"==v1.0", "1.0", NOPRE, true},
    {"==1.0a", "1.0a0", NOPRE, true},
};

static void test_contains(void **state)
{
    for (size_t i = 0; i < sizeof(contains_cases) / sizeof(contains_cases[0]); i++) {
        const contains_case *t = &contains_cases[i];
        pw_specifier_set set;
        pw_error err = {0, NULL};
        if (pw_specifier_set_parse(pw_slice_from(t->specifiers), &set, &err) != 0)
            fail_msg("'%s' did not parse: %s", t->specifiers, pw_error_message(&err));
        pw_version v = parse_or_fail(t->version);
        bool got = pw_specifier_set_contains(&set, &v, t->prereleases);
        if (got != t->expected)
            fail_msg("'%s' contains '%s' (prereleases=%d) = %d, expected %d", t->specifiers,
                     t->version, t->prereleases, got, t->expected);
        pw_specifier_set_free(&set);
    }
}

/* pw_specifier_contains applies only the operator, without the set's
 * pre-release filter. */
static void test_single_specifier_ignores_prerelease_rule(void **state)
{
    pw_specifier_set set;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_specifier_set_parse(pw_slice_from(">=1.0"), &set, &err), &err);
    assert_int_equal(set.len, 1);
    pw_version v = parse_or_fail("2.0a1");
    assert_true(pw_specifier_contains(&set.items[0], &v));
    assert_false(pw_specifier_set_contains(&set, &v, false));
    assert_false(pw_specifier_set_mentions_prerelease(&set));
    pw_specifier_set_free(&set);

    PW_ASSERT_OK(pw_specifier_set_parse(pw_slice_from("===1.0rc1"), &set, &err), &err);
    assert_true(pw_specifier_set_mentions_prerelease(&set));
    pw_specifier_set_free(&set);
    PW_ASSERT_OK(pw_specifier_set_parse(pw_slice_from("===not-a-version"), &set, &err), &err);
    assert_false(pw_specifier_set_mentions_prerelease(&set));
    pw_specifier_set_free(&set);
}

/* "===" against the text as published, when the caller still has it. */
static void test_arbitrary_raw(void **state)
{
    pw_specifier_set set;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_specifier_set_parse(pw_slice_from("===V1.0"), &set, &err), &err);
    assert_string_equal(set.items[0].arbitrary, "V1.0");
    pw_version v = parse_or_fail("v1.0");
    assert_false(pw_specifier_set_contains(&set, &v, false));
    assert_true(pw_specifier_set_contains_raw(&set, &v, pw_slice_from(" v1.0 "), false));
    assert_false(pw_specifier_set_contains_raw(&set, &v, pw_slice_from("1.0"), false));
    pw_specifier_set_free(&set);

    /* "===" takes any text without whitespace, even what is no version */
    PW_ASSERT_OK(pw_specifier_set_parse(pw_slice_from("===1.*"), &set, &err), &err);
    assert_int_equal(set.len, 1);
    assert_int_equal(set.items[0].op, PW_OP_ARBITRARY);
    pw_specifier_set_free(&set);

    /* non-=== specifiers ignore the raw text */
    PW_ASSERT_OK(pw_specifier_set_parse(pw_slice_from(">=2"), &set, &err), &err);
    assert_false(pw_specifier_set_contains_raw(&set, &v, pw_slice_from("9.0"), false));
    pw_specifier_set_free(&set);
}

/* ------------------------------------------------- invalid specifiers */

static const invalid_case invalid_specifiers[] = {
    {"~=1", PW_EINVAL, 3},
    {"~= 1", PW_EINVAL, 4},
    {"~=v1", PW_EINVAL, 3},
    {">=1.0,~=1", PW_EINVAL, 9},
    {"==1.0.*+local", PW_EINVAL, 8},
    {">=1.*", PW_EINVAL, 5},
    {"~=1.*", PW_EINVAL, 5},
    {"<1.*", PW_EINVAL, 4},
    {"==1.0a1.*", PW_EINVAL, 8},
    {"==1.0.post1.*", PW_EINVAL, 12},
    {"==1.0.**", PW_EINVAL, 8},
    {"==1.*.0", PW_EINVAL, 6},
    {"==*", PW_EINVAL, 3},
    {"==1*", PW_EINVAL, 4},
    {"== 1.0 .*", PW_EINVAL, 7},
    {"=1.0", PW_EINVAL, 1},
    {"1.0", PW_EINVAL, 1},
    {"=>1.0", PW_EINVAL, 1},
    {">=", PW_EINVAL, 3},
    {">= ", PW_EINVAL, 3},
    {">=1.0,<", PW_EINVAL, 8},
    {">=1.0+local", PW_EINVAL, 6},
    {"~=1.0+local", PW_EINVAL, 6},
    {"<1.0+local", PW_EINVAL, 5},
    {">1.0+l", PW_EINVAL, 5},
    {"<=1.0+l", PW_EINVAL, 6},
    {">=1.0, <2..0", PW_EINVAL, 11},
    {">=1.0 <2.0", PW_EINVAL, 6},
    {"===", PW_EINVAL, 4},
    {"=== a b", PW_EINVAL, 6},
    {"===a;b", PW_EINVAL, 5},
    {">=1.0, foo", PW_EINVAL, 8},
    {">=99999999999999999999", PW_ELIMIT, 3},
    {"==1.0+a.b.c.d.e.f.g.h.i", PW_ELIMIT, 23},
};

static void test_invalid_specifiers(void **state)
{
    for (size_t i = 0; i < sizeof(invalid_specifiers) / sizeof(invalid_specifiers[0]); i++) {
        const invalid_case *t = &invalid_specifiers[i];
        pw_specifier_set set;
        pw_error err = {0, NULL};
        int rc = pw_specifier_set_parse(pw_slice_from(t->input), &set, &err);
        check_error("specifier", t->input, rc, &err, t->code, t->column);
        /* a failed parse leaves an empty set behind */
        assert_null(set.items);
        assert_int_equal(set.len, 0);
        pw_error_clear(&err);
    }
}

static void test_invalid_specifier_message(void **state)
{
    pw_specifier_set set;
    pw_error err = {0, NULL};
    assert_int_equal(pw_specifier_set_parse(pw_slice_from(">=1.0, ~=1"), &set, &err), PW_EINVAL);
    assert_string_equal(pw_error_message(&err),
                        "invalid specifier '>=1.0, ~=1': expected at least two release numbers "
                        "after '~=' (as in ~=1.0) at column 10");
    pw_error_clear(&err);
}

/* ------------------------------------------------ formatting and copies */

static const norm_case format_cases[] = {
    {"", ""},
    {">=1.0", ">=1.0"},
    {" >= 1.0 , < 2.0 ", ">=1.0,<2.0"},
    {"~=1.4.5A4", "~=1.4.5a4"},
    {"==1.1.*", "==1.1.*"},
    {"!=V1.01.*", "!=1.1.*"},
    {"==1.0+Ubuntu-1", "==1.0+ubuntu.1"},
    {"===Foo-Bar", "===Foo-Bar"},
    {"<2!1.0-r1,>1.0.DEV", "<2!1.0.post1,>1.0.dev0"},
    {">=1.0,,", ">=1.0"},
};

static void test_format(void **state)
{
    for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
        pw_specifier_set set;
        pw_error err = {0, NULL};
        if (pw_specifier_set_parse(pw_slice_from(format_cases[i].input), &set, &err) != 0)
            fail_msg("'%s' did not parse: %s", format_cases[i].input, pw_error_message(&err));
        pw_buf b = PW_BUF_INIT;
        pw_specifier_set_format(&set, &b);
        if (strcmp(pw_buf_cstr(&b), format_cases[i].normalized) != 0)
            fail_msg("'%s' formatted as '%s', expected '%s'", format_cases[i].input,
                     pw_buf_cstr(&b), format_cases[i].normalized);
        pw_buf_free(&b);
        pw_specifier_set_free(&set);
    }
}

static void test_extend(void **state)
{
    pw_specifier_set a, b;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_specifier_set_parse(pw_slice_from(">=1.0,===x"), &a, &err), &err);
    PW_ASSERT_OK(pw_specifier_set_parse(pw_slice_from("<2.0"), &b, &err), &err);
    pw_specifier_set_extend(&a, &b);
    pw_specifier_set_free(&b);
    pw_specifier_set_extend(&a, &a); /* self-extension copies too */
    assert_int_equal(a.len, 6);
    /* the copies own their own === strings */
    assert_ptr_not_equal(a.items[1].arbitrary, a.items[4].arbitrary);
    assert_string_equal(a.items[4].arbitrary, "x");
    pw_buf out = PW_BUF_INIT;
    pw_specifier_set_format(&a, &out);
    assert_string_equal(pw_buf_cstr(&out), ">=1.0,===x,<2.0,>=1.0,===x,<2.0");
    pw_buf_free(&out);

    pw_specifier_set empty = PW_SPECIFIER_SET_INIT;
    pw_specifier_set_extend(&empty, &a);
    assert_int_equal(empty.len, 6);
    pw_specifier_set_free(&a);
    pw_version v = parse_or_fail("1.5");
    assert_false(pw_specifier_set_contains(&empty, &v, false)); /* ===x */
    pw_specifier_set_free(&empty);
    assert_null(empty.items);
    assert_int_equal(empty.len, 0);
    pw_specifier_set_free(&empty); /* freeing twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalization),
        cmocka_unit_test(test_invalid_versions),
        cmocka_unit_test(test_invalid_version_message),
        cmocka_unit_test(test_ordering),
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_contains),
        cmocka_unit_test(test_single_specifier_ignores_prerelease_rule),
        cmocka_unit_test(test_arbitrary_raw),
        cmocka_unit_test(test_invalid_specifiers),
        cmocka_unit_test(test_invalid_specifier_message),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_extend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
