/* pw_bundle_build_wheel: projects written here for every supported backend and
 * layout; the wheels are checked member by member, installed with
 * pw_bundle_install_wheel (which verifies RECORD) and their METADATA parsed with
 * pw_metadata_parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include "packaging.h"
#include "support_bundle.h"
#include "wheel_build.h"

#include <zip.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static char *scratch;

static int setup(void **state)
{
    scratch = pw_test_tempdir("wheel-build");
    unsetenv("SOURCE_DATE_EPOCH");
    return 0;
}

static int teardown(void **state)
{
    pw_error err = {0, NULL};
    pw_remove_tree(scratch, &err);
    pw_error_clear(&err);
    free(scratch);
    return 0;
}

typedef struct pfile {
    const char *path;
    const char *content;
} pfile;

#define PROJECT_MAX_FILES 16

/* Writes a project into a fresh directory; files end at a NULL path. */
static char *make_project(const char *tag, const pfile *files)
{
    static unsigned counter;
    pw_buf b = PW_BUF_INIT;
    pw_buf_printf(&b, "%s/proj-%s-%u", scratch, tag, counter++);
    char *dir = pw_buf_detach(&b);
    pw_error err = {0, NULL};
    for (size_t i = 0; files[i].path; i++) {
        char *path = pw_path_join(dir, files[i].path);
        char *parent = pw_path_dirname(path);
        PW_ASSERT_OK(pw_mkdirs(parent, &err), &err);
        if (pw_write_file_atomic(path, files[i].content, strlen(files[i].content), &err) != PW_OK)
            fail_msg("%s", pw_error_message(&err));
        free(parent);
        free(path);
    }
    PW_ASSERT_OK(pw_mkdirs(dir, &err), &err);
    return dir;
}

static char *build_ok(const char *project, const char *out, int64_t epoch)
{
    pw_error err = {0, NULL};
    char *wheel = NULL;
    int rc = pw_bundle_build_wheel(project, out, epoch, &wheel, &err);
    if (rc != PW_OK)
        fail_msg("build %s: %s", project, pw_error_message(&err));
    assert_non_null(wheel);
    return wheel;
}

/* Member names in archive order, joined with '\n'. */
static char *zip_listing(const char *wheel)
{
    int zerr = 0;
    zip_t *za = zip_open(wheel, ZIP_RDONLY, &zerr);
    assert_non_null(za);
    pw_buf b = PW_BUF_INIT;
    zip_int64_t n = zip_get_num_entries(za, 0);
    for (zip_int64_t i = 0; i < n; i++)
        pw_buf_printf(&b, "%s\n", zip_get_name(za, (zip_uint64_t)i, 0));
    zip_close(za);
    if (!b.data)
        pw_buf_puts(&b, "");
    return pw_buf_detach(&b);
}

static char *zip_member(const char *wheel, const char *name)
{
    int zerr = 0;
    zip_t *za = zip_open(wheel, ZIP_RDONLY, &zerr);
    assert_non_null(za);
    zip_stat_t st;
    if (zip_stat(za, name, 0, &st) != 0) {
        zip_close(za);
        return NULL;
    }
    char *data = calloc(1, (size_t)st.size + 1);
    zip_file_t *f = zip_fopen(za, name, 0);
    assert_non_null(f);
    assert_int_equal(zip_fread(f, data, st.size), (zip_int64_t)st.size);
    zip_fclose(f);
    zip_close(za);
    return data;
}

/* Installs the wheel (RECORD verified) and returns the site directory. */
static char *install_ok(const char *wheel, const char *name, const char *version)
{
    static unsigned counter;
    pw_buf b = PW_BUF_INIT;
    pw_buf_printf(&b, "%s/site-%u", scratch, counter++);
    char *site = pw_buf_detach(&b);
    pw_bundle_install_options o = {.name = name, .version = version};
    pw_bundle_install_result res;
    pw_error err = {0, NULL};
    int rc = pw_bundle_install_wheel(wheel, site, &o, &res, &err);
    if (rc != PW_OK)
        fail_msg("install %s: %s", wheel, pw_error_message(&err));
    pw_bundle_install_result_free(&res);
    return site;
}

static void metadata_ok(const char *wheel, const char *dist_info, pw_metadata *md, char **text)
{
    pw_buf p = PW_BUF_INIT;
    pw_buf_printf(&p, "%s/METADATA", dist_info);
    char *t = zip_member(wheel, p.data);
    if (!t)
        fail_msg("%s: no %s", wheel, p.data);
    pw_error err = {0, NULL};
    if (pw_metadata_parse(p.data, t, strlen(t), md, &err) != PW_OK)
        fail_msg("%s\n%s", pw_error_message(&err), t);
    pw_buf_free(&p);
    *text = t;
}

static void expect_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("expected \"%s\" in:\n%s", needle, hay);
}

static void expect_absent(const char *hay, const char *needle)
{
    if (strstr(hay, needle))
        fail_msg("unexpected \"%s\" in:\n%s", needle, hay);
}

/* ---------------------------------------------------------------- layouts */

static void test_backends_and_layouts(void **state)
{
    static const struct {
        const char *tag;
        pfile files[PROJECT_MAX_FILES];
        const char *wheel_name;
        const char *listing; /* package members, in archive order */
        const char *dist;    /* name, version for the install check */
        const char *version;
    } cases[] = {
        {"setuptools-flat",
         {{"pyproject.toml",
           "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = "
           "\"setuptools.build_meta\"\n[project]\nname = \"Demo.Pkg\"\nversion = \"1.0\"\n"},
          {"demo_pkg/__init__.py", "X = 1\n"},
          {"demo_pkg/data/table.csv", "a,b\n"},
          {"demo_pkg/tests/test_x.py", "def test(): pass\n"},
          {"demo_pkg/__pycache__/x.cpython-312.pyc", "junk"},
          {"demo_pkg/stale.pyc", "junk"},
          {"other/__init__.py", ""},
          {"setup.py", "# shim\nfrom setuptools import setup\n\nsetup()\n"},
          {NULL, NULL}},
         "demo_pkg-1.0-py3-none-any.whl",
         "demo_pkg/__init__.py\ndemo_pkg/data/table.csv\ndemo_pkg/tests/test_x.py\n",
         "demo.pkg", "1.0"},
        {"legacy-module",
         {{"pyproject.toml", "[project]\nname = \"solo\"\nversion = \"0.1.0\"\n"},
          {"solo.py", "print('solo')\n"},
          {"README.txt", "x"},
          {NULL, NULL}},
         "solo-0.1.0-py3-none-any.whl", "solo.py\n", "solo", "0.1.0"},
        {"setuptools-src-all",
         {{"pyproject.toml",
           "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = "
           "\"setuptools.build_meta:__legacy__\"\n[project]\nname = \"dist-name\"\nversion = "
           "\"2.0.0\"\n"},
          {"src/alpha/__init__.py", ""},
          {"src/beta.py", ""},
          {"src/notes.txt", "not a module"},
          {"src/nsdir/mod.py", "namespace dirs are not discovered"},
          {NULL, NULL}},
         "dist_name-2.0.0-py3-none-any.whl", "alpha/__init__.py\nbeta.py\n", "dist-name", "2.0.0"},
        {"setuptools-explicit",
         {{"pyproject.toml",
           "[build-system]\nbuild-backend = \"setuptools.build_meta\"\n[project]\nname = "
           "\"expl\"\nversion = \"3\"\n[tool.setuptools]\npackages = [\"expl\", \"expl.sub\"]\n"
           "py-modules = [\"helper\"]\npackage-dir = {\"\" = \"lib\"}\n"},
          {"lib/expl/__init__.py", ""},
          {"lib/expl/sub/__init__.py", ""},
          {"lib/expl/sub/templates/page.html", "<p>"},
          {"lib/expl/unlisted/__init__.py", "not listed"},
          {"lib/helper.py", ""},
          {NULL, NULL}},
         "expl-3-py3-none-any.whl",
         "expl/__init__.py\nexpl/sub/__init__.py\nexpl/sub/templates/page.html\nhelper.py\n", "expl",
         "3"},
        {"setuptools-find",
         {{"pyproject.toml",
           "[build-system]\nbuild-backend = \"setuptools.build_meta\"\n[project]\nname = \"fnd\"\n"
           "version = \"1\"\n[tool.setuptools.packages.find]\nwhere = [\"src\"]\nexclude = "
           "[\"fnd.tests*\"]\n"},
          {"src/fnd/__init__.py", ""},
          {"src/fnd/core/__init__.py", ""},
          {"src/fnd/tests/__init__.py", ""},
          {NULL, NULL}},
         "fnd-1-py3-none-any.whl", "fnd/__init__.py\nfnd/core/__init__.py\n", "fnd", "1"},
        {"flit",
         {{"pyproject.toml",
           "[build-system]\nrequires = [\"flit_core>=3.4\"]\nbuild-backend = "
           "\"flit_core.buildapi\"\n[project]\nname = \"flit-proj\"\nversion = \"0.3\"\n"
           "[tool.flit.module]\nname = \"flitmod\"\n"},
          {"src/flitmod/__init__.py", "\"\"\"Doc.\"\"\"\n"},
          {"src/unrelated/__init__.py", ""},
          {NULL, NULL}},
         "flit_proj-0.3-py3-none-any.whl", "flitmod/__init__.py\n", "flit-proj", "0.3"},
        {"hatch",
         {{"pyproject.toml",
           "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n"
           "[project]\nname = \"hatchy\"\nversion = \"1.2.3\"\n"
           "[tool.hatch.build.targets.wheel]\npackages = [\"src/hpkg\"]\n"
           "[tool.hatch.build.targets.sdist]\ninclude = [\"/src\"]\n"},
          {"src/hpkg/__init__.py", ""},
          {"src/hpkg/py.typed", ""},
          {NULL, NULL}},
         "hatchy-1.2.3-py3-none-any.whl", "hpkg/__init__.py\nhpkg/py.typed\n", "hatchy", "1.2.3"},
        {"hatch-auto-flat",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"hatchling.build\"\n[project]\n"
                             "name = \"Flat_Thing\"\nversion = \"1.0.post1\"\n"},
          {"flat_thing/__init__.py", ""},
          {"docs/conf.py", ""},
          {NULL, NULL}},
         "flat_thing-1.0.post1-py3-none-any.whl", "flat_thing/__init__.py\n", "flat-thing",
         "1.0.post1"},
        {"pdm",
         {{"pyproject.toml", "[build-system]\nrequires = [\"pdm-backend\"]\nbuild-backend = "
                             "\"pdm.backend\"\n[project]\nname = \"pdmp\"\nversion = \"1.0rc1\"\n"
                             "[tool.pdm.build]\npackage-dir = \"src\"\n"},
          {"src/pdmp/__init__.py", ""},
          {NULL, NULL}},
         "pdmp-1.0rc1-py3-none-any.whl", "pdmp/__init__.py\n", "pdmp", "1.0rc1"},
        {"uv",
         {{"pyproject.toml", "[build-system]\nrequires = [\"uv_build>=0.7\"]\nbuild-backend = "
                             "\"uv_build\"\n[project]\nname = \"uv-proj\"\nversion = \"0.0.1\"\n"},
          {"src/uv_proj/__init__.py", ""},
          {"src/uv_proj/cli.py", ""},
          {NULL, NULL}},
         "uv_proj-0.0.1-py3-none-any.whl", "uv_proj/__init__.py\nuv_proj/cli.py\n", "uv-proj",
         "0.0.1"},
        {"uv-flat",
         {{"pyproject.toml",
           "[build-system]\nbuild-backend = \"uv_build\"\n[project]\nname = \"uvf\"\n"
           "version = \"1\"\n[tool.uv.build-backend]\nmodule-root = \"\"\nmodule-name = \"uvmod\"\n"},
          {"uvmod/__init__.py", ""},
          {NULL, NULL}},
         "uvf-1-py3-none-any.whl", "uvmod/__init__.py\n", "uvf", "1"},
        {"poetry",
         {{"pyproject.toml",
           "[build-system]\nrequires = [\"poetry-core>=2.0\"]\nbuild-backend = "
           "\"poetry.core.masonry.api\"\n[project]\nname = \"poet\"\nversion = \"2.1\"\n"
           "dependencies = [\"attrs\"]\n[tool.poetry]\npackages = [{include = \"ppkg\", from = "
           "\"lib\"}, {include = \"extra_sdist_only\", format = \"sdist\"}]\n"},
          {"lib/ppkg/__init__.py", ""},
          {NULL, NULL}},
         "poet-2.1-py3-none-any.whl", "ppkg/__init__.py\n", "poet", "2.1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *proj = make_project(cases[i].tag, cases[i].files);
        char *out = pw_path_join(proj, "dist");
        char *wheel = build_ok(proj, out, -1);
        if (strcmp(pw_path_basename(wheel), cases[i].wheel_name) != 0)
            fail_msg("%s: built %s, expected %s", cases[i].tag, pw_path_basename(wheel),
                     cases[i].wheel_name);
        char *listing = zip_listing(wheel);
        /* Package files first (sorted), then the .dist-info, RECORD last. */
        if (strncmp(listing, cases[i].listing, strlen(cases[i].listing)) != 0)
            fail_msg("%s: members\n%s\nexpected to start with\n%s", cases[i].tag, listing,
                     cases[i].listing);
        expect_absent(listing, "__pycache__");
        expect_absent(listing, ".pyc");
        const char *rest = listing + strlen(cases[i].listing);
        size_t stem = strlen(cases[i].wheel_name) - strlen("-py3-none-any.whl");
        pw_buf di = PW_BUF_INIT;
        pw_buf_printf(&di, "%.*s.dist-info", (int)stem, cases[i].wheel_name);
        pw_buf want = PW_BUF_INIT;
        pw_buf_printf(&want, "%s/METADATA\n%s/WHEEL\n%s/RECORD\n", di.data, di.data, di.data);
        assert_string_equal(rest, want.data);

        char *site = install_ok(wheel, cases[i].dist, cases[i].version);
        pw_metadata md;
        char *text;
        metadata_ok(wheel, di.data, &md, &text);
        assert_true(pw_names_equal(md.name, cases[i].dist));
        assert_string_equal(md.version, cases[i].version);
        pw_metadata_free(&md);
        free(text);
        pw_buf_free(&want);
        pw_buf_free(&di);
        free(site);
        free(listing);
        free(wheel);
        free(out);
        free(proj);
    }
}

/* ---------------------------------------------------------------- metadata */

static const pfile rich_project[] = {
    {"pyproject.toml",
     "[build-system]\n"
     "requires = [\"hatchling\"]\n"
     "build-backend = \"hatchling.build\"\n"
     "\n"
     "[project]\n"
     "name = \"rich-demo\"\n"
     "version = \"1.4.0\"\n"
     "description = \"A demo of every field\"\n"
     "readme = \"README.md\"\n"
     "requires-python = \">=3.9\"\n"
     "license = {text = \"MIT\"}\n"
     "keywords = [\"demo\", \"pyodide\"]\n"
     "authors = [{name = \"Ada\", email = \"ada@example.com\"}, {name = \"Bob\"}, "
     "{email = \"team@example.com\"}]\n"
     "maintainers = [{name = \"Cy\"}]\n"
     "classifiers = [\"Programming Language :: Python :: 3\", \"License :: OSI Approved :: MIT "
     "License\"]\n"
     "dependencies = [\"requests>=2.8\", \"tomli>=1.1; python_version < '3.11'\"]\n"
     "\n"
     "[project.optional-dependencies]\n"
     "test = [\"pytest>=7\"]\n"
     "CLI_Tools = [\"colorama; sys_platform == 'win32' or os_name == 'nt'\", "
     "\"rich; python_version >= '3.8'\"]\n"
     "\n"
     "[project.urls]\n"
     "Homepage = \"https://example.com\"\n"
     "\"Bug Tracker\" = \"https://example.com/issues\"\n"
     "\n"
     "[project.scripts]\n"
     "rich-demo = \"rich_demo.cli:main\"\n"
     "\n"
     "[project.gui-scripts]\n"
     "rich-gui = \"rich_demo.gui:run\"\n"
     "\n"
     "[project.entry-points.\"pwpkg.plugins\"]\n"
     "demo = \"rich_demo.plugin\"\n"},
    {"README.md", "# Rich demo\n\nLong description.\n"},
    {"src/rich_demo/__init__.py", ""},
    {"src/rich_demo/cli.py", "def main(): pass\n"},
    {NULL, NULL},
};

static void test_metadata_fields(void **state)
{
    char *proj = make_project("rich", rich_project);
    char *wheel = build_ok(proj, proj, -1);
    pw_metadata md;
    char *text;
    metadata_ok(wheel, "rich_demo-1.4.0.dist-info", &md, &text);
    static const char *const lines[] = {
        "Metadata-Version: 2.1\nName: rich-demo\nVersion: 1.4.0\n",
        "\nSummary: A demo of every field\n",
        "\nKeywords: demo,pyodide\n",
        "\nAuthor: Bob\n",
        "\nAuthor-email: Ada <ada@example.com>, team@example.com\n",
        "\nMaintainer: Cy\n",
        "\nLicense: MIT\n",
        "\nClassifier: Programming Language :: Python :: 3\n",
        "\nClassifier: License :: OSI Approved :: MIT License\n",
        "\nProject-URL: Homepage, https://example.com\n",
        "\nProject-URL: Bug Tracker, https://example.com/issues\n",
        "\nRequires-Python: >=3.9\n",
        "\nRequires-Dist: requests>=2.8\n",
        "\nRequires-Dist: tomli>=1.1; python_version < \"3.11\"\n",
        "\nProvides-Extra: test\n",
        "\nRequires-Dist: pytest>=7; extra == \"test\"\n",
        "\nProvides-Extra: cli-tools\n",
        /* PEP 508: "and" binds tighter than "or", so the extra must not
         * attach to the second alternative only. */
        ("\nRequires-Dist: colorama; (sys_platform == \"win32\" or os_name == \"nt\") and extra "
         "== \"cli-tools\"\n"),
        "\nRequires-Dist: rich; python_version >= \"3.8\" and extra == \"cli-tools\"\n",
        "\nDescription-Content-Type: text/markdown\n\n# Rich demo\n\nLong description.\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        expect_contains(text, lines[i]);
    assert_string_equal(md.requires_python, ">=3.9");
    assert_int_equal(md.n_requires_dist, 5);
    assert_int_equal(md.provides_extra.len, 2);
    assert_true(pw_strlist_contains(&md.provides_extra, "cli-tools"));
    assert_true(pw_strlist_contains(&md.provides_extra, "test"));
    assert_string_equal(md.summary, "A demo of every field");

    /* The extra markers evaluate as intended in Pyodide's environment. */
    pw_marker_env env;
    pw_marker_env_pyodide(&env, "3.12.7", "3.1.58", NULL);
    for (size_t i = 0; i < md.n_requires_dist; i++) {
        const pw_requirement *r = &md.requires_dist[i];
        bool base = pw_requirement_applies(r, &env, NULL);
        bool cli = pw_requirement_applies(r, &env, "cli-tools");
        if (strcmp(r->key, "requests") == 0)
            assert_true(base);
        else if (strcmp(r->key, "tomli") == 0)
            assert_false(base); /* python 3.12 */
        else if (strcmp(r->key, "colorama") == 0)
            assert_false(base || cli); /* emscripten, posix */
        else if (strcmp(r->key, "rich") == 0)
            assert_true(!base && cli);
        else if (strcmp(r->key, "pytest") == 0)
            assert_true(!base && !cli && pw_requirement_applies(r, &env, "test"));
        else
            fail_msg("unexpected requirement %s", r->key);
    }
    pw_marker_env_free(&env);
    pw_metadata_free(&md);
    free(text);

    char *ep = zip_member(wheel, "rich_demo-1.4.0.dist-info/entry_points.txt");
    assert_non_null(ep);
    assert_string_equal(ep, "[console_scripts]\nrich-demo = rich_demo.cli:main\n\n"
                            "[gui_scripts]\nrich-gui = rich_demo.gui:run\n\n"
                            "[pwpkg.plugins]\ndemo = rich_demo.plugin\n");
    free(ep);

    char *wheel_meta = zip_member(wheel, "rich_demo-1.4.0.dist-info/WHEEL");
    assert_string_equal(wheel_meta, "Wheel-Version: 1.0\nGenerator: pwpkg\nRoot-Is-Purelib: true\n"
                                    "Tag: py3-none-any\n");
    free(wheel_meta);

    /* RECORD: every member but itself hashed, itself last with empty fields. */
    char *record = zip_member(wheel, "rich_demo-1.4.0.dist-info/RECORD");
    expect_contains(record, "rich_demo/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\n");
    const char *last = "rich_demo-1.4.0.dist-info/RECORD,,\n";
    assert_string_equal(record + strlen(record) - strlen(last), last);
    free(record);

    char *site = install_ok(wheel, "rich-demo", "1.4.0");
    char *installed = tb_slurp(site, "rich_demo/cli.py", NULL);
    assert_string_equal(installed, "def main(): pass\n");
    free(installed);
    free(site);
    free(wheel);
    free(proj);
}

static void test_license_expression_and_readme_table(void **state)
{
    const pfile files[] = {
        {"pyproject.toml", "[build-system]\nbuild-backend = \"flit_core.buildapi\"\n[project]\n"
                           "name = \"lic\"\nversion = \"1\"\nlicense = \"MIT OR Apache-2.0\"\n"
                           "readme = {text = \"Plain body\", content-type = \"text/plain\"}\n"},
        {"lic.py", ""},
        {NULL, NULL},
    };
    char *proj = make_project("lic", files);
    char *wheel = build_ok(proj, proj, -1);
    pw_metadata md;
    char *text;
    metadata_ok(wheel, "lic-1.dist-info", &md, &text);
    expect_contains(text, "Metadata-Version: 2.4\n");
    expect_contains(text, "\nLicense-Expression: MIT OR Apache-2.0\n");
    expect_contains(text, "\nDescription-Content-Type: text/plain\n\nPlain body\n");
    assert_string_equal(md.license_expression, "MIT OR Apache-2.0");
    pw_metadata_free(&md);
    free(text);
    free(wheel);
    free(proj);
}

/* ---------------------------------------------------------------- refusals */

static void test_refusals(void **state)
{
    static const struct {
        const char *tag;
        pfile files[4];
        int rc;
        const char *needles[3];
    } cases[] = {
        {"dynamic-version",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"hatchling.build\"\n[project]\n"
                             "name = \"dyn\"\ndynamic = [\"version\"]\n"},
          {"dyn/__init__.py", "__version__ = '1'\n"}},
         PW_EUNSUPPORTED,
         {"pyproject.toml:5:", "dynamic = [version]", "--find-links"}},
        {"maturin",
         {{"pyproject.toml", "[build-system]\nrequires = [\"maturin\"]\nbuild-backend = "
                             "\"maturin\"\n[project]\nname = \"rs\"\nversion = \"1\"\n"}},
         PW_EUNSUPPORTED,
         {"pyproject.toml:3:", "\"maturin\"", "--find-links"}},
        {"backend-path",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"setuptools.build_meta\"\n"
                             "backend-path = [\".\"]\n[project]\nname = \"x\"\nversion = \"1\"\n"}},
         PW_EUNSUPPORTED,
         {"backend-path", "--find-links", NULL}},
        {"no-pyproject", {{"setup.py", "from setuptools import setup\nsetup(name='x')\n"}},
         PW_ENOTFOUND,
         {"no pyproject.toml", "--find-links", NULL}},
        {"no-project-table",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"setuptools.build_meta\"\n"
                             "[tool.black]\nline-length = 99\n"}},
         PW_EUNSUPPORTED,
         {"no [project] table", "--find-links", NULL}},
        {"poetry-legacy",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"poetry.core.masonry.api\"\n"
                             "[tool.poetry]\nname = \"p\"\nversion = \"1\"\n"}},
         PW_EUNSUPPORTED,
         {"poetry-core without PEP 621", "--find-links", NULL}},
        {"setup-py-code",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"setuptools.build_meta\"\n"
                             "[project]\nname = \"sp\"\nversion = \"1\"\n"},
          {"setup.py", "from setuptools import setup, Extension\n"
                       "setup(ext_modules=[Extension('sp._c', ['c.c'])])\n"},
          {"sp/__init__.py", ""}},
         PW_EUNSUPPORTED,
         {"setup.py", "--find-links", NULL}},
        {"hatch-hook",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"hatchling.build\"\n[project]\n"
                             "name = \"hk\"\nversion = \"1\"\n"
                             "[tool.hatch.build.targets.wheel.hooks.custom]\n"},
          {"hk/__init__.py", ""}},
         PW_EUNSUPPORTED,
         {"[tool.hatch.build.targets.wheel].hooks", "--find-links", NULL}},
        {"setuptools-ext",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"setuptools.build_meta\"\n"
                             "[project]\nname = \"e\"\nversion = \"1\"\n[tool.setuptools]\n"
                             "ext-modules = [{name = \"e._c\", sources = [\"c.c\"]}]\n"}},
         PW_EUNSUPPORTED,
         {"pyproject.toml:7:", "ext-modules", NULL}},
        {"bad-version",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"hatchling.build\"\n[project]\n"
                             "name = \"bv\"\nversion = \"one.two\"\n"}},
         PW_EINVAL,
         {"pyproject.toml:5:", "PEP 440", NULL}},
        {"no-version",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"hatchling.build\"\n[project]\n"
                             "name = \"nv\"\n"}},
         PW_EUNSUPPORTED,
         {"version is missing", "--find-links", NULL}},
        {"bad-name",
         {{"pyproject.toml", "[project]\nname = \"-bad\"\nversion = \"1\"\n"}},
         PW_EINVAL,
         {"pyproject.toml:2:", "PEP 508", NULL}},
        {"bad-dependency",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"hatchling.build\"\n[project]\n"
                             "name = \"bd\"\nversion = \"1\"\ndependencies = [\n  \"ok\",\n"
                             "  \"broken >=>= 1\",\n]\n"},
          {"bd/__init__.py", ""}},
         PW_EINVAL,
         {"pyproject.toml:8:", "broken >=>= 1", NULL}},
        {"readme-ext",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"hatchling.build\"\n[project]\n"
                             "name = \"re\"\nversion = \"1\"\nreadme = \"README.adoc\"\n"},
          {"README.adoc", "="},
          {"re/__init__.py", ""}},
         PW_EINVAL,
         {"README.adoc", "content-type", NULL}},
        {"readme-missing",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"hatchling.build\"\n[project]\n"
                             "name = \"rm\"\nversion = \"1\"\nreadme = \"README.md\"\n"},
          {"rm/__init__.py", ""}},
         PW_ENOTFOUND,
         {"README.md", NULL, NULL}},
        {"console-scripts-group",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"hatchling.build\"\n[project]\n"
                             "name = \"cs\"\nversion = \"1\"\n"
                             "[project.entry-points.console_scripts]\nx = \"cs:main\"\n"},
          {"cs/__init__.py", ""}},
         PW_EINVAL,
         {"[project.scripts]", NULL, NULL}},
        {"no-package",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"hatchling.build\"\n[project]\n"
                             "name = \"ghost\"\nversion = \"1\"\n"},
          {"other/__init__.py", ""}},
         PW_ENOTFOUND,
         {"\"ghost\"", "docs/git.md", NULL}},
        {"hatch-missing-package",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"hatchling.build\"\n[project]\n"
                             "name = \"hm\"\nversion = \"1\"\n[tool.hatch.build.targets.wheel]\n"
                             "packages = [\"src/nothere\"]\n"}},
         PW_ENOTFOUND,
         {"pyproject.toml:7:", "src/nothere", NULL}},
        {"escape",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"hatchling.build\"\n[project]\n"
                             "name = \"esc\"\nversion = \"1\"\n[tool.hatch.build.targets.wheel]\n"
                             "packages = [\"../outside\"]\n"}},
         PW_EINVAL,
         {"inside the project", NULL, NULL}},
        {"poetry-deps",
         {{"pyproject.toml", "[build-system]\nbuild-backend = \"poetry.core.masonry.api\"\n"
                             "[project]\nname = \"pd\"\nversion = \"1\"\n"
                             "[tool.poetry.dependencies]\npython = \"^3.9\"\nrequests = \"*\"\n"},
          {"pd/__init__.py", ""}},
         PW_EUNSUPPORTED,
         {"[tool.poetry.dependencies]", NULL, NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pfile files[5] = {{NULL, NULL}};
        for (size_t k = 0; k < 4 && cases[i].files[k].path; k++)
            files[k] = cases[i].files[k];
        char *proj = make_project(cases[i].tag, files);
        char *out = pw_path_join(proj, "dist");
        pw_error err = {0, NULL};
        char *wheel = NULL;
        int rc = pw_bundle_build_wheel(proj, out, -1, &wheel, &err);
        if (rc != cases[i].rc)
            fail_msg("%s: rc %d (%s), expected %d", cases[i].tag, rc, pw_error_message(&err),
                     cases[i].rc);
        assert_null(wheel);
        for (size_t k = 0; k < 3 && cases[i].needles[k]; k++)
            if (!strstr(pw_error_message(&err), cases[i].needles[k]))
                fail_msg("%s: message \"%s\" lacks \"%s\"", cases[i].tag, pw_error_message(&err),
                         cases[i].needles[k]);
        /* Nothing written on failure. */
        assert_false(pw_file_exists(out));
        pw_error_clear(&err);
        free(out);
        free(proj);
    }
}

/* ----------------------------------------------------------- reproducible */

static void test_reproducible(void **state)
{
    char *proj = make_project("repro", rich_project);
    char *out1 = pw_path_join(proj, "out1");
    char *out2 = pw_path_join(proj, "out2");
    char *out3 = pw_path_join(proj, "out3");
    char *out4 = pw_path_join(proj, "out4");

    mode_t old_mask = umask(022);
    setenv("TZ", "UTC", 1);
    tzset();
    char *w1 = build_ok(proj, out1, -1);

    /* Another time zone, another umask, touched sources. */
    umask(077);
    setenv("TZ", "Pacific/Chatham", 1);
    tzset();
    char *init = pw_path_join(proj, "src/rich_demo/__init__.py");
    struct timespec times[2] = {{123456789, 0}, {123456789, 0}};
    assert_int_equal(utimensat(AT_FDCWD, init, times, 0), 0);
    chmod(init, 0600);
    free(init);
    char *w2 = build_ok(proj, out2, -1);
    umask(old_mask);
    unsetenv("TZ");
    tzset();

    char h1[65], h2[65];
    tb_sha256(w1, h1);
    tb_sha256(w2, h2);
    assert_string_equal(h1, h2);

    /* The default epoch is SOURCE_DATE_EPOCH, and the timestamp matters. */
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    char *w3 = build_ok(proj, out3, -1);
    unsetenv("SOURCE_DATE_EPOCH");
    char *w4 = build_ok(proj, out4, 1700000000);
    char h3[65], h4[65];
    tb_sha256(w3, h3);
    tb_sha256(w4, h4);
    assert_string_equal(h3, h4);
    assert_string_not_equal(h1, h3);

    /* Rebuilding over an existing wheel replaces it atomically. */
    char *w5 = build_ok(proj, out1, -1);
    char h5[65];
    tb_sha256(w5, h5);
    assert_string_equal(h1, h5);
    assert_int_equal(tb_count_prefixed(out1, "."), 2); /* "." and ".." only */

    /* Fixed member modes: 0644 regular files. */
    int zerr = 0;
    zip_t *za = zip_open(w1, ZIP_RDONLY, &zerr);
    assert_non_null(za);
    for (zip_int64_t i = 0; i < zip_get_num_entries(za, 0); i++) {
        zip_uint8_t opsys;
        zip_uint32_t attr;
        assert_int_equal(zip_file_get_external_attributes(za, (zip_uint64_t)i, 0, &opsys, &attr),
                         0);
        assert_int_equal(opsys, ZIP_OPSYS_UNIX);
        assert_int_equal(attr >> 16, 0100644);
    }
    zip_close(za);

    setenv("SOURCE_DATE_EPOCH", "yesterday", 1);
    pw_error err = {0, NULL};
    char *bad = NULL;
    assert_int_equal(pw_bundle_build_wheel(proj, out3, -1, &bad, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "SOURCE_DATE_EPOCH"));
    unsetenv("SOURCE_DATE_EPOCH");
    pw_error_clear(&err);

    free(w1);
    free(w2);
    free(w3);
    free(w4);
    free(w5);
    free(out1);
    free(out2);
    free(out3);
    free(out4);
    free(proj);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backends_and_layouts),
        cmocka_unit_test(test_metadata_fields),
        cmocka_unit_test(test_license_expression_and_readme_table),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_reproducible),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
