/* Wheel file names (PEP 427) and the PEP 425 tag sets of Pyodide releases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "tags.h"

/* ------------------------------------------------------------ wheel names */

static void join(const pw_strlist *l, pw_buf *out)
{
    pw_buf_reset(out);
    for (size_t i = 0; i < l->len; i++)
        pw_buf_printf(out, "%s%s", i ? "." : "", l->items[i]);
}

typedef struct valid_case {
    const char *file;
    const char *name, *key, *version, *build;
    const char *python, *abi, *platform; /* expanded, re-joined with '.' */
} valid_case;

static const valid_case valid_cases[] = {
    /* PEP 427's own examples. */
    {"distribution-1.0-1-py27-none-any.whl", "distribution", "distribution", "1.0", "1", "py27",
     "none", "any"},
    {"distribution-1.0-py32-none-any.whl", "distribution", "distribution", "1.0", NULL, "py32",
     "none", "any"},
    /* PEP 425: compressed tag sets. */
    {"six-1.16.0-py2.py3-none-any.whl", "six", "six", "1.16.0", NULL, "py2.py3", "none", "any"},
    {"cryptography-42.0.5-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
     "cryptography", "cryptography", "42.0.5", NULL, "cp39", "abi3",
     "manylinux_2_17_x86_64.manylinux2014_x86_64"},
    {"numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl", "numpy", "numpy", "2.0.2", NULL,
     "cp312", "cp312", "pyodide_2024_0_wasm32"},
    {"Jinja2-3.1.4-py3-none-any.whl", "Jinja2", "jinja2", "3.1.4", NULL, "py3", "none", "any"},
    {"ruamel.yaml-0.18.6-py3-none-any.whl", "ruamel.yaml", "ruamel-yaml", "0.18.6", NULL, "py3",
     "none", "any"},
    {"astropy_iers_data-0.2024.6.3.0.31.14-py3-none-any.whl", "astropy_iers_data",
     "astropy-iers-data", "0.2024.6.3.0.31.14", NULL, "py3", "none", "any"},
    /* A build tag is digits first, anything after. */
    {"foo-1.0-2b-py3-none-any.whl", "foo", "foo", "1.0", "2b", "py3", "none", "any"},
    {"foo-1!2.0rc1+local.1-py3-none-any.whl", "foo", "foo", "1!2.0rc1+local.1", NULL, "py3",
     "none", "any"},
    /* packaging.tags.Tag lowercases. */
    {"Pkg-1.0-CP312-Abi3-Any.whl", "Pkg", "pkg", "1.0", NULL, "cp312", "abi3", "any"},
};

static void test_wheel_name_valid(void **state)
{
    pw_buf b = PW_BUF_INIT;
    for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
        const valid_case *c = &valid_cases[i];
        pw_wheel_name w;
        pw_error err = {0};
        int rc = pw_wheel_name_parse(c->file, &w, &err);
        if (rc != 0)
            fail_msg("%s: %s", c->file, pw_error_message(&err));
        assert_string_equal(w.name, c->name);
        assert_string_equal(w.key, c->key);
        assert_string_equal(w.version, c->version);
        if (c->build)
            assert_string_equal(w.build_tag, c->build);
        else
            assert_null(w.build_tag);
        join(&w.python_tags, &b);
        assert_string_equal(pw_buf_cstr(&b), c->python);
        join(&w.abi_tags, &b);
        assert_string_equal(pw_buf_cstr(&b), c->abi);
        join(&w.platform_tags, &b);
        assert_string_equal(pw_buf_cstr(&b), c->platform);
        pw_wheel_name_free(&w);
        pw_error_clear(&err);
    }
    pw_buf_free(&b);
}

typedef struct invalid_case {
    const char *file;
    const char *message; /* a substring the error must contain */
} invalid_case;

static const invalid_case invalid_cases[] = {
    {"foo-1.0-py3-none.whl", "found 4 '-'-separated parts"},
    {"foo.whl", "found 1 '-'-separated part"},
    {"a-b-1.0-1-py3-none-any.whl", "more than 6"},
    {"foo-1.0-x1-py3-none-any.whl", "build tag 'x1' must start with a digit"},
    {"foo-1.0--py3-none-any.whl", "build tag '' must start with a digit"},
    {"foo-1.0-py3-none-any.zip", "must end in '.whl'"},
    {"foo-1.0-py3-none-any.whl.metadata", "must end in '.whl'"},
    {"foo-1.0-py3-none-any.tar.gz", "must end in '.whl'"},
    {"-1.0-py3-none-any.whl", "distribution name is empty"},
    {"foo__bar-1.0-py3-none-any.whl", "distribution name 'foo__bar'"},
    {"https://x/foo-1.0-py3-none-any.whl", "distribution name 'https://x/foo'"},
    /* An unescaped '-' in the name shifts the parts. */
    {"foo-bar-1.0-py3-none-any.whl", "version 'bar' must start with a digit"},
    {"foo--py3-none-any.whl", "version ''"},
    {"foo-1.0-py3..py2-none-any.whl", "python tag 'py3..py2'"},
    {"foo-1.0-py3-none-.whl", "platform tag ''"},
    {"foo-1.0-py3-no ne-any.whl", "abi tag 'no ne'"},
};

static void test_wheel_name_invalid(void **state)
{
    for (size_t i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
        const invalid_case *c = &invalid_cases[i];
        pw_wheel_name w;
        pw_error err = {0};
        int rc = pw_wheel_name_parse(c->file, &w, &err);
        if (rc != PW_EINVAL)
            fail_msg("%s: expected PW_EINVAL, got %d", c->file, rc);
        const char *msg = pw_error_message(&err);
        if (!strstr(msg, c->message) || !strstr(msg, c->file))
            fail_msg("%s: message '%s' lacks '%s' or the file name", c->file, msg, c->message);
        assert_null(w.name);
        assert_int_equal(w.python_tags.len, 0);
        pw_error_clear(&err);
    }
    pw_wheel_name w;
    pw_error err = {0};
    assert_int_equal(pw_wheel_name_parse("", &w, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "empty"));
    assert_int_equal(pw_wheel_name_parse(NULL, &w, &err), PW_EINVAL);
    pw_error_clear(&err);
}

/* ---------------------------------------------------------------- tag sets */

typedef struct release {
    const char *label, *python, *abi_version, *platform;
} release;

static const release r0251 = {"0.25.1", "3.11.3", NULL, "emscripten_3_1_46"};
static const release r0277 = {"0.27.7", "3.12.7", "2024_0", "emscripten_3_1_58"};
static const release r0295 = {"0.29.5", "3.13.2", "2025_0", "emscripten_4_0_9"};
static const release r3147 = {"314.0.7", "3.14.2", "2026_0", "emscripten_5_0_3"};

static void tagset_of(const release *r, pw_tagset *set)
{
    pw_tagset_for_release(set, r->python, r->abi_version, r->platform, "wasm32");
}

static void tag_text(const pw_tagset *set, size_t i, pw_buf *out)
{
    pw_buf_reset(out);
    pw_buf_printf(out, "%s-%s-%s", set->tags[i].python, set->tags[i].abi, set->tags[i].platform);
}

static void assert_tags(const pw_tagset *set, size_t from, const char *const *expected, size_t n)
{
    pw_buf b = PW_BUF_INIT;
    assert_true(from + n <= set->len);
    for (size_t i = 0; i < n; i++) {
        tag_text(set, from + i, &b);
        if (strcmp(pw_buf_cstr(&b), expected[i]) != 0)
            fail_msg("tag %zu: expected %s, got %s", from + i, expected[i], pw_buf_cstr(&b));
    }
    pw_buf_free(&b);
}

/* 0.25 has no abi_version: one platform, so the whole list is short enough
 * to spell out. */
static void test_tagset_0_25(void **state)
{
    static const char *const expected[] = {
        "cp311-cp311-emscripten_3_1_46_wasm32",
        "cp311-abi3-emscripten_3_1_46_wasm32",
        "cp311-none-emscripten_3_1_46_wasm32",
        "cp310-abi3-emscripten_3_1_46_wasm32",
        "cp39-abi3-emscripten_3_1_46_wasm32",
        "cp38-abi3-emscripten_3_1_46_wasm32",
        "cp37-abi3-emscripten_3_1_46_wasm32",
        "cp36-abi3-emscripten_3_1_46_wasm32",
        "cp35-abi3-emscripten_3_1_46_wasm32",
        "cp34-abi3-emscripten_3_1_46_wasm32",
        "cp33-abi3-emscripten_3_1_46_wasm32",
        "cp32-abi3-emscripten_3_1_46_wasm32",
        "py311-none-emscripten_3_1_46_wasm32",
        "py3-none-emscripten_3_1_46_wasm32",
        "py310-none-emscripten_3_1_46_wasm32",
        "py39-none-emscripten_3_1_46_wasm32",
        "py38-none-emscripten_3_1_46_wasm32",
        "py37-none-emscripten_3_1_46_wasm32",
        "py36-none-emscripten_3_1_46_wasm32",
        "py35-none-emscripten_3_1_46_wasm32",
        "py34-none-emscripten_3_1_46_wasm32",
        "py33-none-emscripten_3_1_46_wasm32",
        "py32-none-emscripten_3_1_46_wasm32",
        "py31-none-emscripten_3_1_46_wasm32",
        "py30-none-emscripten_3_1_46_wasm32",
        "cp311-none-any",
        "py311-none-any",
        "py3-none-any",
        "py310-none-any",
        "py39-none-any",
        "py38-none-any",
        "py37-none-any",
        "py36-none-any",
        "py35-none-any",
        "py34-none-any",
        "py33-none-any",
        "py32-none-any",
        "py31-none-any",
        "py30-none-any",
    };
    pw_tagset set = {0};
    tagset_of(&r0251, &set);
    assert_int_equal(set.len, sizeof(expected) / sizeof(expected[0]));
    assert_tags(&set, 0, expected, set.len);
    pw_tagset_free(&set);
}

static void test_tagset_0_27(void **state)
{
    static const char *const head[] = {
        "cp312-cp312-pyemscripten_2024_0_wasm32",
        "cp312-cp312-pyodide_2024_0_wasm32",
        "cp312-cp312-emscripten_3_1_58_wasm32",
        "cp312-abi3-pyemscripten_2024_0_wasm32",
        "cp312-abi3-pyodide_2024_0_wasm32",
        "cp312-abi3-emscripten_3_1_58_wasm32",
        "cp312-none-pyemscripten_2024_0_wasm32",
        "cp312-none-pyodide_2024_0_wasm32",
        "cp312-none-emscripten_3_1_58_wasm32",
        "cp311-abi3-pyemscripten_2024_0_wasm32",
        "cp311-abi3-pyodide_2024_0_wasm32",
        "cp311-abi3-emscripten_3_1_58_wasm32",
    };
    static const char *const tail[] = {
        "py30-none-emscripten_3_1_58_wasm32",
        "cp312-none-any",
        "py312-none-any",
        "py3-none-any",
        "py311-none-any",
    };
    pw_tagset set = {0};
    tagset_of(&r0277, &set);
    /* 3 platforms x (cp312, abi3, none, 10 older abi3, 14 py) + 15 "any". */
    assert_int_equal(set.len, 3 * (3 + 10 + 14) + 15);
    assert_tags(&set, 0, head, sizeof(head) / sizeof(head[0]));
    assert_tags(&set, 3 * (3 + 10 + 14) - 1, tail, sizeof(tail) / sizeof(tail[0]));
    pw_buf b = PW_BUF_INIT;
    tag_text(&set, set.len - 1, &b);
    assert_string_equal(pw_buf_cstr(&b), "py30-none-any");
    pw_buf_free(&b);
    pw_tagset_free(&set);
}

static void test_tagset_0_29_and_314(void **state)
{
    static const char *const head_0295[] = {
        "cp313-cp313-pyemscripten_2025_0_wasm32",
        "cp313-cp313-pyodide_2025_0_wasm32",
        "cp313-cp313-emscripten_4_0_9_wasm32",
        "cp313-abi3-pyemscripten_2025_0_wasm32",
    };
    static const char *const head_3147[] = {
        "cp314-cp314-pyemscripten_2026_0_wasm32",
        "cp314-cp314-pyodide_2026_0_wasm32",
        "cp314-cp314-emscripten_5_0_3_wasm32",
        "cp314-abi3-pyemscripten_2026_0_wasm32",
    };
    pw_tagset set = {0};
    tagset_of(&r0295, &set);
    assert_int_equal(set.len, 3 * (3 + 11 + 15) + 16);
    assert_tags(&set, 0, head_0295, 4);
    /* Reusing a set replaces its contents. */
    tagset_of(&r3147, &set);
    assert_int_equal(set.len, 3 * (3 + 12 + 16) + 17);
    assert_tags(&set, 0, head_3147, 4);
    pw_tagset_free(&set);

    /* arch follows the release; NULL means wasm32. */
    pw_tagset_for_release(&set, "3.13.2", "2025_0", "emscripten_4_0_9", "wasm64");
    assert_string_equal(set.tags[0].platform, "pyemscripten_2025_0_wasm64");
    pw_tagset_for_release(&set, "3.13.2", "2025_0", "emscripten_4_0_9", NULL);
    assert_string_equal(set.tags[0].platform, "pyemscripten_2025_0_wasm32");
    /* Garbage in: an empty set, not a crash. */
    pw_tagset_for_release(&set, "three", "2025_0", "emscripten_4_0_9", NULL);
    assert_int_equal(set.len, 0);
    pw_tagset_for_release(&set, NULL, NULL, NULL, NULL);
    assert_int_equal(set.len, 0);
    pw_tagset_free(&set);
}

typedef struct rank_case {
    const release *r;
    const char *file;
    int rank; /* exact expected rank, or -1 */
} rank_case;

static const rank_case rank_cases[] = {
    {&r0277, "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl", 1},
    {&r0295, "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl", -1},
    {&r0251, "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl", -1},
    {&r0277, "numpy-2.0.2-cp312-cp312-emscripten_3_1_58_wasm32.whl", 2},
    {&r0295, "numpy-2.0.2-cp312-cp312-emscripten_3_1_58_wasm32.whl", -1},
    {&r0295, "numpy-2.2.5-cp313-cp313-pyemscripten_2025_0_wasm32.whl", 0},
    {&r0295, "numpy-2.2.5-cp313-cp313-pyodide_2025_0_wasm32.whl", 1},
    {&r3147, "numpy-2.2.5-cp313-cp313-pyemscripten_2025_0_wasm32.whl", -1},
    {&r3147, "numpy-2.3.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl", 0},
    {&r0251, "numpy-1.26.1-cp311-cp311-emscripten_3_1_46_wasm32.whl", 0},
    {&r0251, "numpy-1.26.1-cp311-cp311-emscripten_3_1_45_wasm32.whl", -1},
    /* abi3: built for the same or a lower minor. */
    {&r0277, "cryptography-42.0.5-cp312-abi3-pyodide_2024_0_wasm32.whl", 4},
    {&r0277, "cryptography-42.0.5-cp311-abi3-pyodide_2024_0_wasm32.whl", 10},
    {&r0277, "cryptography-42.0.5-cp37-abi3-pyodide_2024_0_wasm32.whl", 9 + 3 * 4 + 1},
    {&r0277, "cryptography-42.0.5-cp313-abi3-pyodide_2024_0_wasm32.whl", -1},
    {&r0277, "cryptography-42.0.5-cp311-cp311-pyodide_2024_0_wasm32.whl", -1},
    /* Pure wheels everywhere, after every binary tag. */
    {&r0251, "six-1.16.0-py3-none-any.whl", 27},
    {&r0251, "six-1.16.0-py2.py3-none-any.whl", 27},
    {&r0277, "six-1.16.0-py3-none-any.whl", 3 * 27 + 2},
    {&r0295, "six-1.16.0-py3-none-any.whl", 3 * 29 + 2},
    {&r3147, "six-1.16.0-py3-none-any.whl", 3 * 31 + 2},
    {&r3147, "foo-1.0-cp314-none-any.whl", 3 * 31},
    {&r3147, "foo-1.0-py314-none-any.whl", 3 * 31 + 1},
    {&r3147, "foo-1.0-py312-none-any.whl", 3 * 31 + 4},
    {&r0277, "foo-1.0-py2-none-any.whl", -1},
    {&r0277, "foo-1.0-cp311-none-any.whl", -1},
    {&r0277, "foo-1.0-py313-none-any.whl", -1},
    /* Other platforms. */
    {&r0277, "numpy-2.0.2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", -1},
    {&r3147, "cryptography-42.0.5-cp39-abi3-manylinux_2_28_x86_64.whl", -1},
    {&r0277, "pywin32-306-cp312-cp312-win_amd64.whl", -1},
    /* A compressed platform set with one Pyodide member is accepted. */
    {&r0295, "foo-1.0-cp313-cp313-manylinux_2_17_x86_64.pyodide_2025_0_wasm32.whl", 1},
};

static void test_tagset_rank(void **state)
{
    pw_tagset set = {0};
    for (size_t i = 0; i < sizeof(rank_cases) / sizeof(rank_cases[0]); i++) {
        const rank_case *c = &rank_cases[i];
        pw_wheel_name w;
        pw_error err = {0};
        if (pw_wheel_name_parse(c->file, &w, &err) != 0)
            fail_msg("%s: %s", c->file, pw_error_message(&err));
        tagset_of(c->r, &set);
        int rank = pw_tagset_rank(&set, &w);
        if (rank != c->rank)
            fail_msg("%s on %s: expected rank %d, got %d", c->file, c->r->label, c->rank, rank);
        pw_wheel_name_free(&w);
    }
    pw_tagset_free(&set);
}

/* Preference between the wheels of one release, as the resolver uses it. */
static void test_tagset_rank_order(void **state)
{
    static const char *const best_first[] = {
        "a-1-cp313-cp313-pyemscripten_2025_0_wasm32.whl",
        "a-1-cp313-cp313-pyodide_2025_0_wasm32.whl",
        "a-1-cp313-cp313-emscripten_4_0_9_wasm32.whl",
        "a-1-cp313-abi3-pyemscripten_2025_0_wasm32.whl",
        "a-1-cp313-none-pyodide_2025_0_wasm32.whl",
        "a-1-cp312-abi3-pyodide_2025_0_wasm32.whl",
        "a-1-py3-none-pyodide_2025_0_wasm32.whl",
        "a-1-cp313-none-any.whl",
        "a-1-py313-none-any.whl",
        "a-1-py3-none-any.whl",
        "a-1-py30-none-any.whl",
    };
    pw_tagset set = {0};
    tagset_of(&r0295, &set);
    int previous = -1;
    for (size_t i = 0; i < sizeof(best_first) / sizeof(best_first[0]); i++) {
        pw_wheel_name w;
        pw_error err = {0};
        PW_ASSERT_OK(pw_wheel_name_parse(best_first[i], &w, &err), &err);
        int rank = pw_tagset_rank(&set, &w);
        if (rank <= previous)
            fail_msg("%s: rank %d is not after %d", best_first[i], rank, previous);
        previous = rank;
        pw_wheel_name_free(&w);
    }
    pw_tagset_free(&set);
}

static void test_tagset_describe(void **state)
{
    pw_tagset set = {0};
    pw_buf b = PW_BUF_INIT;
    tagset_of(&r0295, &set);
    pw_tagset_describe(&set, &b);
    assert_string_equal(pw_buf_cstr(&b), "cp313, pyemscripten_2025_0_wasm32, "
                                         "pyodide_2025_0_wasm32, emscripten_4_0_9_wasm32");
    pw_buf_reset(&b);
    tagset_of(&r0251, &set);
    pw_tagset_describe(&set, &b);
    assert_string_equal(pw_buf_cstr(&b), "cp311, emscripten_3_1_46_wasm32");
    pw_buf_reset(&b);
    pw_tagset_free(&set);
    pw_tagset_describe(&set, &b);
    assert_string_equal(pw_buf_cstr(&b), "no compatible tags");
    pw_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wheel_name_valid),
        cmocka_unit_test(test_wheel_name_invalid),
        cmocka_unit_test(test_tagset_0_25),
        cmocka_unit_test(test_tagset_0_27),
        cmocka_unit_test(test_tagset_0_29_and_314),
        cmocka_unit_test(test_tagset_rank),
        cmocka_unit_test(test_tagset_rank_order),
        cmocka_unit_test(test_tagset_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
