/* pwpkg add/remove edits: exact text after each edit, and add then remove
 * giving the original bytes back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input_edit.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

typedef struct edit_case {
    const char *name;
    const char *before;
    const char *spec;
    const char *after_add; /* NULL: an error is expected, with `error` in its message */
    const char *error;
} edit_case;

static void expect_ok(int rc, const pw_error *err, const char *name)
{
    if (rc != PW_OK)
        fail_msg("%s: %s", name, pw_error_message(err));
}

static void run_requirements_case(const edit_case *c)
{
    pw_buf added = PW_BUF_INIT, removed = PW_BUF_INIT;
    pw_error err = {0};
    int rc = pw_requirements_edit("requirements.txt", c->before, strlen(c->before), c->spec,
                                  false, &added, &err);
    if (!c->after_add) {
        assert_int_not_equal(rc, PW_OK);
        if (!strstr(pw_error_message(&err), c->error))
            fail_msg("%s: message '%s' lacks '%s'", c->name, pw_error_message(&err), c->error);
    } else {
        expect_ok(rc, &err, c->name);
        if (strcmp(pw_buf_cstr(&added), c->after_add) != 0)
            fail_msg("%s: added\n[%s]\nexpected\n[%s]", c->name, pw_buf_cstr(&added),
                     c->after_add);
    }
    pw_buf_free(&added);
    pw_buf_free(&removed);
    pw_error_clear(&err);
}

static void test_requirements_add(void **state)
{
    (void)state;
    static const edit_case cases[] = {
        {"append", "numpy\n", "requests>=2", "numpy\nrequests>=2\n", NULL},
        {"append to empty", "", "six", "six\n", NULL},
        {"no final newline", "numpy", "six", "numpy\nsix", NULL},
        {"replace same project, keep comment", "# deps\nSix==1.0  # pinned\nattrs\n",
         "six>=1.16", "# deps\nsix>=1.16  # pinned\nattrs\n", NULL},
        {"replace continued line", "six \\\n  ==1.0\nattrs\n", "six", "six\nattrs\n", NULL},
        {"bad spec", "numpy\n", "six>=", NULL, "six>="},
        {"include refused", "-r other.txt\nnumpy\n", "six", NULL, "includes other.txt"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++)
        run_requirements_case(&cases[i]);
}

/* add, then remove by name: the original bytes, for new projects only */
static void test_requirements_round_trip(void **state)
{
    (void)state;
    static const char *const originals[] = {
        "numpy\n", "", "numpy", "# c\n\n--pre\nattrs  # x\n", "a\nb\n\nc\n",
    };
    for (size_t i = 0; i < N_ELEMS(originals); i++) {
        const char *o = originals[i];
        pw_buf added = PW_BUF_INIT, removed = PW_BUF_INIT;
        pw_error err = {0};
        expect_ok(pw_requirements_edit("r.txt", o, strlen(o), "requests[socks]>=2", false, &added,
                                       &err),
                  &err, o);
        expect_ok(pw_requirements_edit("r.txt", added.data, added.len, "requests", true, &removed,
                                       &err),
                  &err, o);
        if (strcmp(pw_buf_cstr(&removed), o) != 0)
            fail_msg("round trip of [%s] gave [%s]", o, pw_buf_cstr(&removed));
        pw_buf_free(&added);
        pw_buf_free(&removed);
    }
}

static void test_requirements_remove(void **state)
{
    (void)state;
    pw_buf out = PW_BUF_INIT;
    pw_error err = {0};
    const char *text = "numpy\nsix==1.0 \\\n  --hash=sha256:" H64 "\nattrs\n";
    expect_ok(pw_requirements_edit("r.txt", text, strlen(text), "SIX", true, &out, &err), &err,
              "remove continued");
    assert_string_equal(pw_buf_cstr(&out), "numpy\nattrs\n");
    assert_int_equal(pw_requirements_edit("r.txt", text, strlen(text), "pandas", true, &out, &err),
                     PW_ENOTFOUND);
    assert_non_null(strstr(pw_error_message(&err), "r.txt: pandas is not a requirement here"));
    pw_buf_free(&out);
    pw_error_clear(&err);
}

typedef struct toml_case {
    const char *name;
    pw_input_edit_target target;
    const char *before;
    const char *spec;
    const char *after_add;
    bool round_trip; /* remove after add gives `before` back */
} toml_case;

static const char project_head[] = "[project]\nname = \"app\"\nversion = \"1\"\n";

static void test_pyproject_edits(void **state)
{
    (void)state;
    static const toml_case cases[] = {
        {"empty one-line", {PW_EDIT_DEPENDENCIES, NULL},
         "[project]\nname = \"app\"\ndependencies = []\n", "six",
         "[project]\nname = \"app\"\ndependencies = [\"six\"]\n", true},
        {"one-line with items", {PW_EDIT_DEPENDENCIES, NULL},
         "[project]\ndependencies = [\"numpy\", 'attrs']  # c\n", "six>=1",
         "[project]\ndependencies = [\"numpy\", 'attrs', \"six>=1\"]  # c\n", true},
        {"multi-line, trailing comma", {PW_EDIT_DEPENDENCIES, NULL},
         "[project]\ndependencies = [\n  \"numpy\",  # why\n  \"attrs\",\n]\n[tool.x]\n", "six",
         "[project]\ndependencies = [\n  \"numpy\",  # why\n  \"attrs\",\n  \"six\",\n]\n[tool.x]\n",
         true},
        {"multi-line, no trailing comma", {PW_EDIT_DEPENDENCIES, NULL},
         "[project]\ndependencies = [\n    \"numpy\"\n]\n", "six",
         "[project]\ndependencies = [\n    \"numpy\",\n    \"six\"\n]\n", true},
        {"empty multi-line", {PW_EDIT_DEPENDENCIES, NULL}, "[project]\ndependencies = [\n]\n",
         "six", "[project]\ndependencies = [\n    \"six\",\n]\n", true},
        {"replace keeps place and quotes", {PW_EDIT_DEPENDENCIES, NULL},
         "[project]\ndependencies = ['Six==1.0', \"attrs\"]\n", "six>=1.16",
         "[project]\ndependencies = ['six>=1.16', \"attrs\"]\n", false},
        {"marker with double quotes", {PW_EDIT_DEPENDENCIES, NULL},
         "[project]\ndependencies = []\n", "six; python_version >= \"3.12\"",
         "[project]\ndependencies = ['six; python_version >= \"3.12\"']\n", true},
        {"missing key goes to the end of its table", {PW_EDIT_DEPENDENCIES, NULL},
         "[project]\nname = \"app\"\n\n[tool.x]\na = 1\n", "six",
         "[project]\nname = \"app\"\ndependencies = [\"six\"]\n\n[tool.x]\na = 1\n", false},
        {"group created", {PW_EDIT_GROUP, "dev"}, project_head, "pytest",
         "[project]\nname = \"app\"\nversion = \"1\"\n\n[dependency-groups]\ndev = [\"pytest\"]\n",
         false},
        {"existing group", {PW_EDIT_GROUP, "dev"},
         "[dependency-groups]\ndev = [\"workers-py\", \"workers-runtime-sdk\"]\n", "pytest",
         "[dependency-groups]\ndev = [\"workers-py\", \"workers-runtime-sdk\", \"pytest\"]\n", true},
        {"extra", {PW_EDIT_OPTIONAL, "fast"},
         "[project]\nname = \"a\"\n[project.optional-dependencies]\nfast = [\n  \"ujson\",\n]\n",
         "orjson",
         "[project]\nname = \"a\"\n[project.optional-dependencies]\nfast = [\n  \"ujson\",\n  "
         "\"orjson\",\n]\n",
         true},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        const toml_case *c = &cases[i];
        pw_buf added = PW_BUF_INIT, removed = PW_BUF_INIT;
        pw_error err = {0};
        expect_ok(pw_pyproject_edit("pyproject.toml", c->before, strlen(c->before), &c->target,
                                    c->spec, false, &added, &err),
                  &err, c->name);
        if (strcmp(pw_buf_cstr(&added), c->after_add) != 0)
            fail_msg("%s: added\n[%s]\nexpected\n[%s]", c->name, pw_buf_cstr(&added),
                     c->after_add);
        if (c->round_trip) {
            expect_ok(pw_pyproject_edit("pyproject.toml", added.data, added.len, &c->target,
                                        c->spec, true, &removed, &err),
                      &err, c->name);
            if (strcmp(pw_buf_cstr(&removed), c->before) != 0)
                fail_msg("%s: round trip gave\n[%s]", c->name, pw_buf_cstr(&removed));
        }
        pw_buf_free(&added);
        pw_buf_free(&removed);
        pw_error_clear(&err);
    }
}

static void test_pyproject_errors(void **state)
{
    (void)state;
    pw_buf out = PW_BUF_INIT;
    pw_error err = {0};
    const char *multi = "[project]\ndependencies = [\n\"\"\"six\"\"\",\n]\n";
    assert_int_equal(pw_pyproject_edit("p.toml", multi, strlen(multi), NULL, "attrs", false, &out,
                                       &err),
                     PW_EUNSUPPORTED);
    assert_non_null(strstr(pw_error_message(&err), "p.toml:2: [project] dependencies is written"));
    const char *wrong = "[project]\ndependencies = \"six\"\n";
    assert_int_equal(pw_pyproject_edit("p.toml", wrong, strlen(wrong), NULL, "attrs", false, &out,
                                       &err),
                     PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "p.toml:2: [project] dependencies must be"));
    const char *ok = "[project]\ndependencies = [\"six\"]\n";
    assert_int_equal(pw_pyproject_edit("p.toml", ok, strlen(ok), NULL, "attrs", true, &out, &err),
                     PW_ENOTFOUND);
    assert_non_null(strstr(pw_error_message(&err), "attrs is not in [project] dependencies"));
    const char *broken = "[project\n";
    assert_int_equal(pw_pyproject_edit("p.toml", broken, strlen(broken), NULL, "attrs", false,
                                       &out, &err),
                     PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "p.toml:1"));
    pw_buf_free(&out);
    pw_error_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requirements_add),
        cmocka_unit_test(test_requirements_round_trip),
        cmocka_unit_test(test_requirements_remove),
        cmocka_unit_test(test_pyproject_edits),
        cmocka_unit_test(test_pyproject_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
