/* Exports of a lock: pyodide-lock.json, PEP 751 pylock.toml and a
 * hash-checking requirements.txt, built from a lock of real generated
 * wheels and read back by the project's own readers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "packaging.h"
#include "support_bundle.h"
#include "toml.h"

#define GIT_COMMIT "0123456789abcdef0123456789abcdef01234567"

typedef struct fixture {
    char *dir;
    pw_lock lock;
} fixture;

static const pw_wheelgen_file alpha_files[] = {{"alpha/__init__.py", "A = 1\n", 0, 0, 0}};
static const pw_wheelgen_file beta_files[] = {{"beta/__init__.py", "B = 2\n", 0, 0, 0}};
static const pw_wheelgen_file gamma_files[] = {{"gamma.py", "G = 3\n", 0, 0, 0}};
static const pw_wheelgen_file delta_files[] = {{"delta.py", "D = 4\n", 0, 0, 0}};
static const pw_wheelgen_file libfoo_files[] = {{"lib/libfoo.so", "\0asm", 4, 0, 0}};

/* Generates the artifact and adds a package describing it to the lock. */
static pw_lock_package *add(fixture *f, const pw_wheelgen_spec *spec, const char *source)
{
    char *path = tb_make(spec, f->dir);
    pw_lock_package *p = pw_lock_add_package(&f->lock, spec->name);
    p->version = pw_xstrdup(spec->version);
    p->file_name = pw_xstrdup(pw_path_basename(path));
    char hex[PW_SHA256_HEX_LEN + 1];
    uint64_t size = 0;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_sha256_file_hex(path, hex, &size, &err), &err);
    p->sha256 = pw_xstrdup(hex);
    p->size = (int64_t)size;
    p->source = pw_xstrdup(source);
    pw_buf url = PW_BUF_INIT;
    pw_buf_printf(&url, "https://cdn.example.org/full/%s", p->file_name);
    p->url = pw_buf_detach(&url);
    p->package_type = pw_xstrdup(spec->shared_library ? "shared_library" : "package");
    p->install_dir = pw_xstrdup(spec->shared_library ? "dynlib" : "site");
    if (!spec->shared_library)
        pw_strlist_push(&p->imports, spec->name);
    free(path);
    return p;
}

/* alpha (pyodide, depends on beta), beta (index), gamma (direct URL),
 * libfoo (a shared-library zip), added out of order on purpose. */
static void make_fixture(fixture *f, bool with_git)
{
    f->dir = pw_test_tempdir("export");
    pw_lock_init(&f->lock);
    pw_lock_release *r = &f->lock.release;
    r->pyodide = pw_xstrdup("0.27.7");
    r->index_release = pw_xstrdup("0.27.7");
    r->python = pw_xstrdup("3.12.7");
    r->abi_version = pw_xstrdup("2024_0");
    r->platform = pw_xstrdup("emscripten_3_1_58");
    r->arch = pw_xstrdup("wasm32");

    static const char *const alpha_req[] = {"beta>=2"};
    pw_wheelgen_spec s;
    memset(&s, 0, sizeof(s));
    s.name = "libfoo", s.version = "1.2", s.files = libfoo_files, s.n_files = 1;
    s.shared_library = true;
    add(f, &s, PW_SOURCE_PYODIDE);

    memset(&s, 0, sizeof(s));
    s.name = "gamma", s.version = "0.3", s.files = gamma_files, s.n_files = 1;
    pw_lock_package *gamma = add(f, &s, PW_SOURCE_URL);
    free(gamma->url);
    gamma->url = pw_xstrdup("https://example.com/w/gamma-0.3-py3-none-any.whl");

    memset(&s, 0, sizeof(s));
    s.name = "beta", s.version = "2.0.1", s.files = beta_files, s.n_files = 1;
    pw_lock_package *beta = add(f, &s, PW_SOURCE_INDEX);
    beta->index = pw_xstrdup("https://pypi.example/simple/");
    beta->requires_python = pw_xstrdup(">=3.8");

    memset(&s, 0, sizeof(s));
    s.name = "alpha", s.version = "1.0", s.files = alpha_files, s.n_files = 1;
    s.requires_dist = alpha_req, s.n_requires_dist = 1;
    pw_lock_package *alpha = add(f, &s, PW_SOURCE_PYODIDE);
    pw_strlist_push(&alpha->dependencies, "beta");
    pw_strlist_push(&alpha->imports, "alpha_extra");
    if (with_git) {
        memset(&s, 0, sizeof(s));
        s.name = "delta", s.version = "0.1.dev0", s.files = delta_files, s.n_files = 1;
        pw_lock_package *delta = add(f, &s, PW_SOURCE_GIT);
        free(delta->url);
        delta->url = pw_xstrdup("git+https://github.com/o/delta@main");
        delta->git_commit = pw_xstrdup(GIT_COMMIT);
    }
}

static void free_fixture(fixture *f)
{
    pw_error err = {0, NULL};
    pw_remove_tree(f->dir, &err);
    pw_error_clear(&err);
    free(f->dir);
    pw_lock_free(&f->lock);
}

static const pw_lock_package *lock_pkg(const fixture *f, const char *name)
{
    const pw_lock_package *p = pw_lock_find(&f->lock, name);
    assert_non_null(p);
    return p;
}

static bool key_in(const char *key, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (strcmp(key, *allowed) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------ pyodide-lock.json */

static const char *const top_keys[] = {"info", "packages", NULL};
static const char *const info_keys[] = {"arch", "platform", "python", "abi_version", NULL};
static const char *const pkg_keys[] = {"name",         "version", "file_name",
                                       "install_dir",  "package_type", "sha256",
                                       "imports",      "depends", "unvendored_tests",
                                       NULL};

static void assert_schema_keys(const char *json, size_t len)
{
    cJSON *root = NULL;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_json_parse("pyodide-lock.json", json, len, &root, &err), &err);
    for (cJSON *k = root->child; k; k = k->next)
        assert_true(key_in(k->string, top_keys));
    for (cJSON *k = cJSON_GetObjectItem(root, "info")->child; k; k = k->next)
        assert_true(key_in(k->string, info_keys));
    size_t n = 0;
    for (cJSON *pkg = cJSON_GetObjectItem(root, "packages")->child; pkg; pkg = pkg->next, n++) {
        size_t fields = 0;
        for (cJSON *k = pkg->child; k; k = k->next, fields++)
            assert_true(key_in(k->string, pkg_keys));
        assert_int_equal(fields, 9); /* every schema field, always */
        assert_true(cJSON_IsFalse(cJSON_GetObjectItem(pkg, "unvendored_tests")));
    }
    assert_true(n > 0);
    cJSON_Delete(root);
}

static void test_pyodide_lock_round_trip(void **state)
{
    (void)state;
    fixture f;
    make_fixture(&f, true);
    pw_buf out = PW_BUF_INIT, again = PW_BUF_INIT;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_export_pyodide_lock(&f.lock, &out, &err), &err);
    assert_schema_keys(out.data, out.len);

    pw_pyodide_index idx;
    PW_ASSERT_OK(pw_pyodide_index_parse("pyodide-lock.json", out.data, out.len, &idx, &err), &err);
    assert_string_equal(idx.python, "3.12.7");
    assert_string_equal(idx.platform, "emscripten_3_1_58");
    assert_string_equal(idx.arch, "wasm32");
    assert_string_equal(idx.abi_version, "2024_0");
    assert_int_equal(idx.n_packages, f.lock.n_packages);
    for (size_t i = 0; i < f.lock.n_packages; i++) {
        const pw_lock_package *p = &f.lock.packages[i];
        const pw_pyodide_package *e = pw_pyodide_index_find(&idx, p->name);
        assert_non_null(e);
        assert_string_equal(e->version, p->version);
        assert_string_equal(e->file_name, p->file_name);
        assert_null(strchr(e->file_name, '/'));
        assert_string_equal(e->sha256, p->sha256);
        assert_string_equal(e->install_dir, p->install_dir);
        assert_string_equal(e->package_type, p->package_type);
        assert_int_equal(e->imports.len, p->imports.len);
        assert_int_equal(e->depends.len, p->dependencies.len);
    }
    const pw_pyodide_package *alpha = pw_pyodide_index_find(&idx, "alpha");
    assert_string_equal(alpha->depends.items[0], "beta");
    assert_string_equal(alpha->imports.items[0], "alpha");
    assert_string_equal(alpha->imports.items[1], "alpha_extra"); /* order kept */
    assert_true(pw_pyodide_index_find(&idx, "libfoo")->shared_library);
    pw_pyodide_index_free(&idx);

    PW_ASSERT_OK(pw_export_pyodide_lock(&f.lock, &again, &err), &err);
    assert_int_equal(out.len, again.len);
    assert_memory_equal(out.data, again.data, out.len);
    pw_buf_free(&out);
    pw_buf_free(&again);
    free_fixture(&f);
}

static void test_pyodide_lock_without_abi(void **state)
{
    (void)state;
    fixture f;
    make_fixture(&f, false);
    free(f.lock.release.abi_version);
    f.lock.release.abi_version = NULL; /* 0.25 has none */
    pw_buf out = PW_BUF_INIT;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_export_pyodide_lock(&f.lock, &out, &err), &err);
    assert_null(strstr(out.data, "abi_version"));
    assert_schema_keys(out.data, out.len);
    pw_buf_free(&out);
    free_fixture(&f);
}

/* ------------------------------------------------------------ bad locks */

enum field { F_NAME, F_VERSION, F_FILE, F_SHA, F_PYTHON, F_COMMIT, F_PYODIDE };

static const struct bad_case {
    const char *what;
    enum field field;
    const char *value; /* NULL: remove it */
    const char *message_part;
} bad_cases[] = {
    {"file name with a directory", F_FILE, "sub/alpha-1.0-py3-none-any.whl", "plain file name"},
    {"traversal", F_FILE, "..", "plain file name"},
    {"hidden file", F_FILE, ".alpha.whl", "plain file name"},
    {"newline in file name", F_FILE, "a\nb.whl", "plain file name"},
    {"no file name", F_FILE, NULL, "no file_name"},
    {"short digest", F_SHA, "abc", "64 hex digits"},
    {"no digest", F_SHA, NULL, "64 hex digits"},
    {"newline in name", F_NAME, "alpha\nevil==1", "not a valid name"},
    {"space in version", F_VERSION, "1.0 --hash=sha256:00", "not a valid version"},
    {"no version", F_VERSION, NULL, "not a valid version"},
    {"quote in python", F_PYTHON, "3.12' or '1", "release.python"},
    {"newline in release", F_PYODIDE, "0.27\nevil", "release.pyodide"},
    {"git without commit", F_COMMIT, NULL, "git_commit"},
};

static void set_field(fixture *f, enum field field, const char *value)
{
    pw_lock_package *p = field == F_COMMIT ? pw_lock_find(&f->lock, "delta")
                                           : pw_lock_find(&f->lock, "alpha");
    char **slot = NULL;
    switch (field) {
    case F_NAME: slot = &p->name; break;
    case F_VERSION: slot = &p->version; break;
    case F_FILE: slot = &p->file_name; break;
    case F_SHA: slot = &p->sha256; break;
    case F_COMMIT: slot = &p->git_commit; break;
    case F_PYTHON: slot = &f->lock.release.python; break;
    case F_PYODIDE: slot = &f->lock.release.pyodide; break;
    }
    free(*slot);
    *slot = value ? pw_xstrdup(value) : NULL;
}

typedef int (*export_fn)(const pw_lock *, pw_buf *, pw_error *);

static void test_bad_locks_are_refused(void **state)
{
    (void)state;
    const export_fn fns[] = {pw_export_pyodide_lock, pw_export_pylock, pw_export_requirements};
    for (size_t c = 0; c < sizeof(bad_cases) / sizeof(bad_cases[0]); c++) {
        for (size_t k = 0; k < 3; k++) {
            fixture f;
            make_fixture(&f, true);
            set_field(&f, bad_cases[c].field, bad_cases[c].value);
            pw_buf out = PW_BUF_INIT;
            pw_error err = {0, NULL};
            int rc = fns[k](&f.lock, &out, &err);
            if (rc != PW_EINVAL)
                fail_msg("%s (export %zu): rc %d, output:\n%s", bad_cases[c].what, k, rc,
                         pw_buf_cstr(&out));
            if (!strstr(pw_error_message(&err), bad_cases[c].message_part))
                fail_msg("%s: message '%s' lacks '%s'", bad_cases[c].what,
                         pw_error_message(&err), bad_cases[c].message_part);
            assert_int_equal(out.len, 0); /* nothing half-written */
            pw_error_clear(&err);
            pw_buf_free(&out);
            free_fixture(&f);
        }
    }
}

static void test_duplicate_packages_are_refused(void **state)
{
    (void)state;
    fixture f;
    make_fixture(&f, false);
    pw_lock_package *dup = pw_lock_add_package(&f.lock, "Alpha");
    dup->version = pw_xstrdup("2.0");
    dup->file_name = pw_xstrdup("Alpha-2.0-py3-none-any.whl");
    dup->sha256 = pw_xstrdup(lock_pkg(&f, "beta")->sha256);
    pw_buf out = PW_BUF_INIT;
    pw_error err = {0, NULL};
    assert_int_equal(pw_export_requirements(&f.lock, &out, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "listed twice"));
    pw_error_clear(&err);
    pw_buf_free(&out);
    free_fixture(&f);
}

/* ---------------------------------------------------------------- pylock */

static const char *const pylock_top_keys[] = {
    "lock-version", "environments", "requires-python", "extras", "dependency-groups",
    "default-groups", "created-by", "packages", "tool", NULL};
static const char *const pylock_pkg_keys[] = {
    "name",    "version", "marker",  "requires-python", "dependencies", "vcs",
    "directory", "archive", "index", "sdist", "wheels", "attestation-identities",
    "tool",    NULL};
static const char *const pylock_file_keys[] = {"name", "upload-time", "url", "path",
                                               "size", "hashes", NULL};

static void assert_keys(const pw_toml_value *table, const char *const *allowed)
{
    assert_int_equal(pw_toml_type_of(table), PW_TOML_TABLE);
    for (size_t i = 0; i < pw_toml_len(table); i++)
        if (!key_in(pw_toml_key_at(table, i), allowed))
            fail_msg("unexpected key '%s'", pw_toml_key_at(table, i));
}

static const char *toml_str(const pw_toml_value *t, const char *key)
{
    const pw_toml_value *v = pw_toml_get(t, key);
    assert_non_null(v);
    assert_int_equal(pw_toml_type_of(v), PW_TOML_STRING);
    return pw_toml_string(v);
}

/* The one artifact table of a wheels/archive entry, checked against the lock. */
static void assert_artifact(const pw_toml_value *t, const pw_lock_package *p, bool named)
{
    assert_keys(t, pylock_file_keys);
    if (named)
        assert_string_equal(toml_str(t, "name"), p->file_name);
    assert_string_equal(toml_str(t, "url"), p->url);
    assert_null(pw_toml_get(t, "path"));
    assert_int_equal(pw_toml_integer(pw_toml_get(t, "size")), p->size);
    const pw_toml_value *hashes = pw_toml_get(t, "hashes");
    assert_int_equal(pw_toml_len(hashes), 1);
    assert_string_equal(toml_str(hashes, "sha256"), p->sha256);
}

static void test_pylock_structure(void **state)
{
    (void)state;
    fixture f;
    make_fixture(&f, true);
    pw_buf out = PW_BUF_INIT;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_export_pylock(&f.lock, &out, &err), &err);
    pw_toml_value *root = NULL;
    if (pw_toml_parse("pylock.toml", out.data, out.len, &root, &err) != PW_OK)
        fail_msg("%s\n%s", pw_error_message(&err), out.data);
    assert_keys(root, pylock_top_keys);
    assert_string_equal(toml_str(root, "lock-version"), "1.0");
    assert_string_equal(toml_str(root, "created-by"), "pwpkg");
    assert_string_equal(toml_str(root, "requires-python"), "==3.12.7");

    /* The environment marker holds in the release's marker environment and
     * nowhere else. */
    const pw_toml_value *envs = pw_toml_get(root, "environments");
    assert_int_equal(pw_toml_len(envs), 1);
    const char *marker_text = pw_toml_string(pw_toml_at(envs, 0));
    assert_non_null(marker_text);
    pw_marker *m = NULL;
    PW_ASSERT_OK(pw_marker_parse(pw_slice_from(marker_text), &m, &err), &err);
    static const struct {
        const char *python, *emscripten, *arch;
        bool holds;
    } envs_cases[] = {
        {"3.12.7", "3.1.58", "wasm32", true},
        {"3.12.6", "3.1.58", "wasm32", false},
        {"3.12.7", "3.1.46", "wasm32", false},
        {"3.12.7", "3.1.58", "wasm64", false},
    };
    for (size_t i = 0; i < sizeof(envs_cases) / sizeof(envs_cases[0]); i++) {
        pw_marker_env env;
        memset(&env, 0, sizeof(env));
        pw_marker_env_pyodide(&env, envs_cases[i].python, envs_cases[i].emscripten,
                              envs_cases[i].arch);
        assert_int_equal(pw_marker_evaluate(m, &env, NULL), envs_cases[i].holds);
        pw_marker_env_free(&env);
    }
    pw_marker_free(m);

    const pw_toml_value *pkgs = pw_toml_get(root, "packages");
    assert_int_equal(pw_toml_type_of(pkgs), PW_TOML_ARRAY);
    static const char *const order[] = {"alpha", "beta", "delta", "gamma", "libfoo"};
    assert_int_equal(pw_toml_len(pkgs), 5);
    for (size_t i = 0; i < 5; i++) {
        const pw_toml_value *t = pw_toml_at(pkgs, i);
        assert_keys(t, pylock_pkg_keys);
        assert_string_equal(toml_str(t, "name"), order[i]);
        const pw_lock_package *p = lock_pkg(&f, order[i]);
        const pw_toml_value *tool = pw_toml_get_path(t, "tool.pwpkg");
        assert_non_null(tool);
        assert_string_equal(toml_str(tool, "package-type"), p->package_type);
        assert_string_equal(toml_str(tool, "install-dir"), p->install_dir);
        /* PEP 751: the sources are mutually exclusive. */
        int sources = (pw_toml_get(t, "wheels") != NULL) + (pw_toml_get(t, "archive") != NULL) +
                      (pw_toml_get(t, "vcs") != NULL);
        assert_int_equal(sources, 1);
    }

    const pw_toml_value *alpha = pw_toml_at(pkgs, 0);
    assert_string_equal(toml_str(alpha, "version"), "1.0");
    const pw_toml_value *deps = pw_toml_get(alpha, "dependencies");
    assert_int_equal(pw_toml_len(deps), 1);
    assert_string_equal(toml_str(pw_toml_at(deps, 0), "name"), "beta");
    const pw_toml_value *wheels = pw_toml_get(alpha, "wheels");
    assert_int_equal(pw_toml_type_of(wheels), PW_TOML_ARRAY);
    assert_int_equal(pw_toml_len(wheels), 1);
    assert_artifact(pw_toml_at(wheels, 0), lock_pkg(&f, "alpha"), true);
    assert_null(pw_toml_get(alpha, "index")); /* pyodide-lock.json is no simple index */

    const pw_toml_value *beta = pw_toml_at(pkgs, 1);
    assert_string_equal(toml_str(beta, "requires-python"), ">=3.8");
    assert_string_equal(toml_str(beta, "index"), "https://pypi.example/simple/");
    assert_null(pw_toml_get(beta, "dependencies"));

    /* VCS: no version (a source tree), the repository without the ref, the commit. */
    const pw_toml_value *delta = pw_toml_at(pkgs, 2);
    assert_null(pw_toml_get(delta, "version"));
    assert_null(pw_toml_get(delta, "wheels"));
    const pw_toml_value *vcs = pw_toml_get(delta, "vcs");
    assert_string_equal(toml_str(vcs, "type"), "git");
    assert_string_equal(toml_str(vcs, "url"), "https://github.com/o/delta");
    assert_string_equal(toml_str(vcs, "commit-id"), GIT_COMMIT);

    assert_artifact(pw_toml_at(pw_toml_get(pw_toml_at(pkgs, 3), "wheels"), 0),
                    lock_pkg(&f, "gamma"), true);
    assert_artifact(pw_toml_get(pw_toml_at(pkgs, 4), "archive"), lock_pkg(&f, "libfoo"), false);

    pw_toml_free(root);
    pw_buf_free(&out);
    free_fixture(&f);
}

static void test_pylock_strings_and_paths(void **state)
{
    (void)state;
    fixture f;
    make_fixture(&f, false);
    pw_lock_package *alpha = pw_lock_find(&f.lock, "alpha");
    /* Everything TOML must escape, plus non-ASCII that it must not. */
    static const char tricky[] = ">=3.8, !=\"3.9\" \\ \t\x01 caf\xc3\xa9 \xe2\x9c\x93";
    alpha->requires_python = pw_xstrdup(tricky);
    free(alpha->url);
    alpha->url = pw_xstrdup("wheels/alpha-1.0-py3-none-any.whl"); /* relative: a path */
    pw_lock_package *beta = pw_lock_find(&f.lock, "beta");
    free(beta->index);
    beta->index = pw_xstrdup("../mirror/simple"); /* a local index: no URL */
    pw_buf out = PW_BUF_INIT;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_export_pylock(&f.lock, &out, &err), &err);
    pw_toml_value *root = NULL;
    if (pw_toml_parse("pylock.toml", out.data, out.len, &root, &err) != PW_OK)
        fail_msg("%s\n%s", pw_error_message(&err), out.data);
    const pw_toml_value *t = pw_toml_at(pw_toml_get(root, "packages"), 0);
    assert_string_equal(toml_str(t, "requires-python"), tricky);
    const pw_toml_value *w = pw_toml_at(pw_toml_get(t, "wheels"), 0);
    assert_null(pw_toml_get(w, "url"));
    assert_string_equal(toml_str(w, "path"), "wheels/alpha-1.0-py3-none-any.whl");
    const pw_toml_value *tb = pw_toml_at(pw_toml_get(root, "packages"), 1);
    assert_string_equal(toml_str(tb, "name"), "beta");
    assert_null(pw_toml_get(tb, "index"));
    pw_toml_free(root);
    pw_buf_free(&out);

    free(alpha->requires_python);
    alpha->requires_python = pw_xstrdup(">=3.8 \xc3\x28"); /* not UTF-8 */
    assert_int_equal(pw_export_pylock(&f.lock, &out, &err), PW_EINVAL);
    assert_int_equal(out.len, 0);
    pw_error_clear(&err);
    pw_buf_free(&out);
    free_fixture(&f);
}

/* ---------------------------------------------------------- requirements */

static void test_requirements_hash_checking(void **state)
{
    (void)state;
    fixture f;
    make_fixture(&f, false);
    pw_buf out = PW_BUF_INIT;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_export_requirements(&f.lock, &out, &err), &err);
    assert_true(strncmp(out.data, "# Pyodide 0.27.7: Python 3.12.7, emscripten_3_1_58, wasm32",
                        strlen("# Pyodide 0.27.7: Python 3.12.7, emscripten_3_1_58, wasm32")) ==
                0);
    /* The shared library is a comment only: pip cannot install it. */
    assert_non_null(strstr(out.data, "\n# libfoo==1.2: libfoo-1.2.zip"));

    pw_reqfile rf;
    if (pw_reqfile_parse_text("requirements.txt", out.data, out.len, NULL, &rf, &err) != PW_OK)
        fail_msg("%s\n%s", pw_error_message(&err), out.data);
    PW_ASSERT_OK(pw_reqfile_check_hashes(&rf, &err), &err);
    static const char *const names[] = {"alpha", "beta", "gamma"};
    assert_int_equal(rf.n_requirements, 3);
    for (size_t i = 0; i < 3; i++) {
        const pw_reqfile_entry *e = &rf.requirements[i];
        const pw_lock_package *p = lock_pkg(&f, names[i]);
        assert_string_equal(e->req.key, names[i]);
        assert_int_equal(e->hashes.len, 1);
        pw_buf want = PW_BUF_INIT;
        pw_buf_printf(&want, "sha256:%s", p->sha256);
        assert_string_equal(e->hashes.items[0], want.data);
        pw_buf_free(&want);
    }
    assert_null(rf.requirements[0].req.url);
    assert_string_equal(rf.requirements[2].req.url, lock_pkg(&f, "gamma")->url);
    pw_reqfile_free(&rf);
    pw_buf_free(&out);
    free_fixture(&f);
}

static void test_requirements_exact_text(void **state)
{
    (void)state;
    fixture f;
    make_fixture(&f, true);
    pw_buf out = PW_BUF_INIT;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_export_requirements(&f.lock, &out, &err), &err);
    pw_buf want = PW_BUF_INIT;
    pw_buf_puts(&want, "# Pyodide 0.27.7: Python 3.12.7, emscripten_3_1_58, wasm32, ABI 2024_0\n"
                       "# Exported by pwpkg: every artifact is pinned by its sha256 "
                       "(pip's hash-checking mode).\n");
    pw_buf_printf(&want, "alpha==1.0 \\\n    --hash=sha256:%s\n", lock_pkg(&f, "alpha")->sha256);
    pw_buf_printf(&want, "beta==2.0.1 \\\n    --hash=sha256:%s\n", lock_pkg(&f, "beta")->sha256);
    pw_buf_printf(&want, "delta @ git+https://github.com/o/delta@%s\n", GIT_COMMIT);
    pw_buf_printf(&want,
                  "gamma @ https://example.com/w/gamma-0.3-py3-none-any.whl \\\n"
                  "    --hash=sha256:%s\n",
                  lock_pkg(&f, "gamma")->sha256);
    pw_buf_puts(&want, "# libfoo==1.2: libfoo-1.2.zip (shared_library), loaded by Pyodide, "
                       "not installable by pip\n");
    assert_string_equal(out.data, want.data);
    pw_buf_free(&want);
    pw_buf_free(&out);
    free_fixture(&f);
}

/* The exports do not depend on the order packages were added in. */
static void test_exports_ignore_package_order(void **state)
{
    (void)state;
    const export_fn fns[] = {pw_export_pyodide_lock, pw_export_pylock, pw_export_requirements};
    for (size_t k = 0; k < 3; k++) {
        fixture f;
        make_fixture(&f, true);
        pw_buf a = PW_BUF_INIT, b = PW_BUF_INIT;
        pw_error err = {0, NULL};
        PW_ASSERT_OK(fns[k](&f.lock, &a, &err), &err);
        pw_lock_sort(&f.lock);
        PW_ASSERT_OK(fns[k](&f.lock, &b, &err), &err);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        assert_non_null(strchr(a.data, '\n'));
        assert_null(strstr(a.data, f.dir)); /* no host paths */
        pw_buf_free(&a);
        pw_buf_free(&b);
        free_fixture(&f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pyodide_lock_round_trip),
        cmocka_unit_test(test_pyodide_lock_without_abi),
        cmocka_unit_test(test_bad_locks_are_refused),
        cmocka_unit_test(test_duplicate_packages_are_refused),
        cmocka_unit_test(test_pylock_structure),
        cmocka_unit_test(test_pylock_strings_and_paths),
        cmocka_unit_test(test_requirements_hash_checking),
        cmocka_unit_test(test_requirements_exact_text),
        cmocka_unit_test(test_exports_ignore_package_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
