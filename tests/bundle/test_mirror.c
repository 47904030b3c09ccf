/* The offline mirror: artifacts, pyodide-lock.json and the simple index,
 * read back with the project's own parsers and with real pip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "export.h"
#include "packaging.h"
#include "support_bundle.h"

extern char **environ;

#define MAX_PKGS 8

typedef struct fixture {
    char *dir;      /* scratch root: artifacts in dir/cache, mirrors beside */
    char *cache;
    pw_lock lock;
    char *paths[MAX_PKGS]; /* parallel to lock.packages */
} fixture;

static const pw_wheelgen_file alpha_files[] = {{"alpha/__init__.py", "A = 1\n", 0, 0, 0}};
static const pw_wheelgen_file beta_files[] = {{"beta/__init__.py", "B = 2\n", 0, 0, 0}};
static const pw_wheelgen_file gamma_files[] = {{"gamma.py", "G = 3\n", 0, 0, 0}};
static const pw_wheelgen_file libfoo_files[] = {{"lib/libfoo.so", "\0asm", 4, 0, 0}};

static pw_lock_package *add(fixture *f, const pw_wheelgen_spec *spec, const char *source)
{
    assert_true(f->lock.n_packages < MAX_PKGS);
    char *path = tb_make(spec, f->cache);
    f->paths[f->lock.n_packages] = path;
    pw_lock_package *p = pw_lock_add_package(&f->lock, spec->name);
    p->version = pw_xstrdup(spec->version);
    p->file_name = pw_xstrdup(pw_path_basename(path));
    char hex[PW_SHA256_HEX_LEN + 1];
    tb_sha256(path, hex);
    p->sha256 = pw_xstrdup(hex);
    p->source = pw_xstrdup(source);
    pw_buf url = PW_BUF_INIT;
    pw_buf_printf(&url, "https://cdn.example.org/full/%s", p->file_name);
    p->url = pw_buf_detach(&url);
    p->package_type = pw_xstrdup(spec->shared_library ? "shared_library" : "package");
    p->install_dir = pw_xstrdup(spec->shared_library ? "dynlib" : "site");
    if (!spec->shared_library)
        pw_strlist_push(&p->imports, spec->name);
    return p;
}

/* alpha requires beta (in its wheel metadata, so pip resolves it too);
 * gamma is a direct URL (file://, so pip can read it offline); libfoo is a
 * shared-library zip. */
static void make_fixture(fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->dir = pw_test_tempdir("mirror-test");
    f->cache = pw_path_join(f->dir, "cache");
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_mkdirs(f->cache, &err), &err);
    pw_lock_init(&f->lock);
    pw_lock_release *r = &f->lock.release;
    r->pyodide = pw_xstrdup("0.27.7");
    r->python = pw_xstrdup("3.12.7");
    r->abi_version = pw_xstrdup("2024_0");
    r->platform = pw_xstrdup("emscripten_3_1_58");
    r->arch = pw_xstrdup("wasm32");

    static const char *const alpha_req[] = {"beta>=2"};
    pw_wheelgen_spec s;
    memset(&s, 0, sizeof(s));
    s.name = "alpha", s.version = "1.0", s.files = alpha_files, s.n_files = 1;
    s.requires_dist = alpha_req, s.n_requires_dist = 1;
    pw_lock_package *alpha = add(f, &s, PW_SOURCE_PYODIDE);
    pw_strlist_push(&alpha->dependencies, "beta");

    memset(&s, 0, sizeof(s));
    s.name = "beta", s.version = "2.0.1", s.files = beta_files, s.n_files = 1;
    pw_lock_package *beta = add(f, &s, PW_SOURCE_INDEX);
    beta->index = pw_xstrdup("https://pypi.example/simple/");
    beta->requires_python = pw_xstrdup(">=3.8");

    memset(&s, 0, sizeof(s));
    s.name = "libfoo", s.version = "1.2", s.files = libfoo_files, s.n_files = 1;
    s.shared_library = true;
    add(f, &s, PW_SOURCE_PYODIDE);

    memset(&s, 0, sizeof(s));
    s.name = "gamma", s.version = "0.3", s.files = gamma_files, s.n_files = 1;
    pw_lock_package *gamma = add(f, &s, PW_SOURCE_URL);
    free(gamma->url);
    pw_buf url = PW_BUF_INIT;
    pw_buf_printf(&url, "file://%s", f->paths[3]);
    gamma->url = pw_buf_detach(&url);
}

static void free_fixture(fixture *f)
{
    pw_error err = {0, NULL};
    pw_remove_tree(f->dir, &err);
    pw_error_clear(&err);
    for (size_t i = 0; i < MAX_PKGS; i++)
        free(f->paths[i]);
    free(f->cache);
    free(f->dir);
    pw_lock_free(&f->lock);
}

static int write_mirror(fixture *f, const char *out, pw_error *err)
{
    return pw_bundle_write_mirror(&f->lock, (const char *const *)f->paths, out, err);
}

static char *mirror_path(const fixture *f, const char *name)
{
    return pw_path_join(f->dir, name);
}

static void assert_mirror_ok(fixture *f, const char *out)
{
    pw_error err = {0, NULL};
    if (write_mirror(f, out, &err) != PW_OK)
        fail_msg("mirror: %s", pw_error_message(&err));
}

/* Every entry under `dir` (recursively, sorted) with the sha256 of each
 * file: two trees are byte-identical when their listings are. */
static void tree_listing(const char *root, const char *rel, pw_buf *out)
{
    char *dir = rel[0] ? pw_path_join(root, rel) : pw_xstrdup(root);
    DIR *d = opendir(dir);
    assert_non_null(d);
    pw_strlist names = PW_STRLIST_INIT;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            pw_strlist_push(&names, e->d_name);
    closedir(d);
    pw_strlist_sort(&names);
    for (size_t i = 0; i < names.len; i++) {
        char *child_rel = rel[0] ? pw_path_join(rel, names.items[i]) : pw_xstrdup(names.items[i]);
        char *child = pw_path_join(root, child_rel);
        if (pw_is_dir(child)) {
            pw_buf_printf(out, "%s/\n", child_rel);
            tree_listing(root, child_rel, out);
        } else {
            char hex[PW_SHA256_HEX_LEN + 1];
            tb_sha256(child, hex);
            pw_buf_printf(out, "%s %s\n", child_rel, hex);
        }
        free(child);
        free(child_rel);
    }
    pw_strlist_free(&names);
    free(dir);
}

static bool lists_only_mirror(const char *listing)
{
    return strstr(listing, "pyodide-lock.json ") && strstr(listing, "simple/index.html ");
}

/* ---------------------------------------------------------------- layout */

static void test_mirror_layout(void **state)
{
    (void)state;
    fixture f;
    make_fixture(&f);
    char *out = mirror_path(&f, "mirror");
    assert_mirror_ok(&f, out);

    /* Every artifact, unchanged, hard-linked from the cache here (same file
     * system). */
    for (size_t i = 0; i < f.lock.n_packages; i++) {
        const pw_lock_package *p = &f.lock.packages[i];
        char *path = pw_path_join(out, p->file_name);
        char hex[PW_SHA256_HEX_LEN + 1];
        tb_sha256(path, hex);
        assert_string_equal(hex, p->sha256);
        struct stat a, b;
        assert_int_equal(stat(path, &a), 0);
        assert_int_equal(stat(f.paths[i], &b), 0);
        assert_true(a.st_ino == b.st_ino);
        free(path);
    }

    /* pyodide-lock.json beside them, with relative file names. */
    size_t len = 0;
    char *json = tb_slurp(out, PW_MIRROR_PYODIDE_LOCK, &len);
    assert_non_null(json);
    pw_pyodide_index idx;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_pyodide_index_parse("pyodide-lock.json", json, len, &idx, &err), &err);
    assert_int_equal(idx.n_packages, 4);
    for (size_t i = 0; i < idx.n_packages; i++) {
        char *path = pw_path_join(out, idx.packages[i].file_name);
        assert_true(pw_file_exists(path));
        free(path);
    }
    assert_string_equal(pw_pyodide_index_find(&idx, "libfoo")->package_type, "shared_library");
    pw_pyodide_index_free(&idx);
    free(json);

    /* The root page lists the wheels' projects only. */
    char *root = tb_slurp(out, "simple/index.html", NULL);
    assert_non_null(root);
    assert_non_null(strstr(root, "href=\"alpha/\""));
    assert_non_null(strstr(root, "href=\"gamma/\""));
    assert_null(strstr(root, "libfoo"));
    free(root);
    char *libfoo = pw_path_join(out, "simple/libfoo");
    assert_false(pw_file_exists(libfoo));
    free(libfoo);
    char *root_json = tb_slurp(out, "simple/index.json", NULL);
    assert_non_null(root_json);
    assert_non_null(strstr(root_json, "\"beta\""));
    free(root_json);

    /* Project pages, HTML and JSON, link "../../<file>" with the digest. */
    static const char *const projects[] = {"alpha", "beta", "gamma"};
    static const size_t lock_index[] = {0, 1, 3};
    for (size_t k = 0; k < 3; k++) {
        const pw_lock_package *p = &f.lock.packages[lock_index[k]];
        for (int fmt = 0; fmt < 2; fmt++) {
            pw_buf rel = PW_BUF_INIT, page_url = PW_BUF_INIT, want = PW_BUF_INIT;
            pw_buf_printf(&rel, "simple/%s/index.%s", projects[k], fmt ? "json" : "html");
            pw_buf_printf(&page_url, "file://%s/%s", out, rel.data);
            pw_buf_printf(&want, "file://%s/%s", out, p->file_name);
            char *body = tb_slurp(out, rel.data, &len);
            assert_non_null(body);
            assert_non_null(strstr(body, "../../"));
            pw_index_page page;
            if (pw_index_page_parse(page_url.data, NULL, body, len, &page, &err) != PW_OK)
                fail_msg("%s: %s", rel.data, pw_error_message(&err));
            assert_int_equal(page.n_files, 1);
            assert_string_equal(page.files[0].filename, p->file_name);
            assert_string_equal(page.files[0].url, want.data);
            assert_string_equal(page.files[0].sha256, p->sha256);
            assert_true(page.files[0].is_wheel);
            if (p->requires_python)
                assert_string_equal(page.files[0].requires_python, p->requires_python);
            pw_index_page_free(&page);
            free(body);
            pw_buf_free(&rel);
            pw_buf_free(&page_url);
            pw_buf_free(&want);
        }
    }
    assert_int_equal(tb_count_prefixed(f.dir, "mirror."), 0); /* no staging left */
    free(out);
    free_fixture(&f);
}

/* -------------------------------------------------------- reproducibility */

static void test_mirror_is_reproducible(void **state)
{
    (void)state;
    fixture f;
    make_fixture(&f);
    char *a = mirror_path(&f, "mirror-a");
    char *b = mirror_path(&f, "mirror-b");
    assert_mirror_ok(&f, a);
    assert_mirror_ok(&f, b);
    pw_buf la = PW_BUF_INIT, lb = PW_BUF_INIT, again = PW_BUF_INIT;
    tree_listing(a, "", &la);
    tree_listing(b, "", &lb);
    assert_true(lists_only_mirror(la.data));
    assert_string_equal(la.data, lb.data);

    /* Rebuilding over an earlier mirror (given with a trailing '/') replaces
     * it with the same bytes and leaves nothing next to it. */
    pw_buf slash = PW_BUF_INIT;
    pw_buf_printf(&slash, "%s/", a);
    assert_mirror_ok(&f, slash.data);
    tree_listing(a, "", &again);
    assert_string_equal(la.data, again.data);
    assert_int_equal(tb_count_prefixed(f.dir, "mirror-a"), 1);
    pw_buf_free(&slash);
    pw_buf_free(&la);
    pw_buf_free(&lb);
    pw_buf_free(&again);
    free(a);
    free(b);
    free_fixture(&f);
}

static void test_mirror_copies_across_file_systems(void **state)
{
    (void)state;
    /* /dev/shm is usually another file system than the build tree: link(2)
     * fails with EXDEV there and the mirror must fall back to copying. */
    if (!pw_is_dir("/dev/shm") || access("/dev/shm", W_OK) != 0)
        skip();
    fixture f;
    make_fixture(&f);
    char tmpl[] = "/dev/shm/pwpkg-mirror-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char *out = pw_path_join(tmpl, "m");
    assert_mirror_ok(&f, out);
    pw_buf la = PW_BUF_INIT, lb = PW_BUF_INIT;
    tree_listing(out, "", &la);
    char *local = mirror_path(&f, "mirror");
    assert_mirror_ok(&f, local);
    tree_listing(local, "", &lb);
    assert_string_equal(la.data, lb.data);
    pw_error err = {0, NULL};
    pw_remove_tree(tmpl, &err);
    pw_buf_free(&la);
    pw_buf_free(&lb);
    free(local);
    free(out);
    free_fixture(&f);
}

/* ------------------------------------------------------------- failures */

enum breakage { MISSING_ARTIFACT, WRONG_HASH, WRONG_SIZE, NO_PATH, UNSAFE_NAME, SAME_FILE };

static const struct failure_case {
    const char *what;
    enum breakage how;
    int code;
    const char *message_part;
} failure_cases[] = {
    {"missing artifact", MISSING_ARTIFACT, PW_ENOTFOUND, "package beta"},
    {"artifact with another digest", WRONG_HASH, PW_EHASH, "the lock says"},
    {"artifact with another size", WRONG_SIZE, PW_EHASH, "bytes, the lock says 1"},
    {"no artifact path", NO_PATH, PW_EINVAL, "no artifact path"},
    {"file name escaping the mirror", UNSAFE_NAME, PW_EINVAL, "plain file name"},
    {"two packages, one file", SAME_FILE, PW_EINVAL, "share the file name"},
};

static void break_fixture(fixture *f, enum breakage how)
{
    pw_lock_package *beta = &f->lock.packages[1];
    switch (how) {
    case MISSING_ARTIFACT:
        free(f->paths[1]);
        f->paths[1] = pw_path_join(f->cache, "nope-1.0-py3-none-any.whl");
        break;
    case WRONG_HASH: /* a digest the file does not have, valid in form */
        beta->sha256[0] = beta->sha256[0] == '0' ? '1' : '0';
        break;
    case WRONG_SIZE: beta->size = 1; break;
    case NO_PATH:
        free(f->paths[1]);
        f->paths[1] = NULL;
        break;
    case UNSAFE_NAME:
        free(beta->file_name);
        beta->file_name = pw_xstrdup("../beta-2.0.1-py3-none-any.whl");
        break;
    case SAME_FILE:
        free(beta->file_name);
        beta->file_name = pw_xstrdup(f->lock.packages[0].file_name);
        break;
    }
}

static void test_mirror_failures_leave_nothing(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof(failure_cases) / sizeof(failure_cases[0]); c++) {
        const struct failure_case *fc = &failure_cases[c];
        /* Twice: into a fresh place, and over an earlier mirror, which must
         * survive unchanged. */
        for (int over_old = 0; over_old < 2; over_old++) {
            fixture f;
            make_fixture(&f);
            char *out = mirror_path(&f, "mirror");
            pw_buf before = PW_BUF_INIT, after = PW_BUF_INIT;
            if (over_old) {
                assert_mirror_ok(&f, out);
                tree_listing(out, "", &before);
            }
            break_fixture(&f, fc->how);
            pw_error err = {0, NULL};
            int rc = write_mirror(&f, out, &err);
            if (rc != fc->code || !strstr(pw_error_message(&err), fc->message_part))
                fail_msg("%s: rc %d (%s), want %d and '%s'", fc->what, rc,
                         pw_error_message(&err), fc->code, fc->message_part);
            pw_error_clear(&err);
            if (over_old) {
                tree_listing(out, "", &after);
                assert_string_equal(before.data, after.data);
                assert_int_equal(tb_count_prefixed(f.dir, "mirror"), 1);
            } else {
                assert_false(pw_file_exists(out));
                assert_int_equal(tb_count_prefixed(f.dir, "mirror"), 0);
            }
            pw_buf_free(&before);
            pw_buf_free(&after);
            free(out);
            free_fixture(&f);
        }
    }
}

static void test_mirror_refuses_foreign_directories(void **state)
{
    (void)state;
    fixture f;
    make_fixture(&f);
    pw_error err = {0, NULL};
    /* A non-empty directory that is no mirror is never replaced. */
    char *out = mirror_path(&f, "src");
    PW_ASSERT_OK(pw_mkdirs(out, &err), &err);
    char *keep = pw_path_join(out, "main.c");
    PW_ASSERT_OK(pw_write_file_atomic(keep, "int x;\n", 7, &err), &err);
    assert_int_equal(write_mirror(&f, out, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "refusing"));
    pw_error_clear(&err);
    assert_true(pw_file_exists(keep));
    assert_int_equal(tb_count_prefixed(f.dir, "src."), 0);
    /* A regular file neither. */
    assert_int_equal(write_mirror(&f, keep, &err), PW_EINVAL);
    pw_error_clear(&err);
    /* An empty directory is fine. */
    char *empty = mirror_path(&f, "empty");
    PW_ASSERT_OK(pw_mkdirs(empty, &err), &err);
    assert_mirror_ok(&f, empty);
    char *lockjson = pw_path_join(empty, PW_MIRROR_PYODIDE_LOCK);
    assert_true(pw_file_exists(lockjson));
    free(lockjson);
    free(empty);
    free(keep);
    free(out);
    free_fixture(&f);
}

/* ------------------------------------------------------------ real pip */

/* Runs argv with stdout and stderr into `log`; the exit status, or -1. */
static int run(char *const argv[], const char *log)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int pip_install(const char *mirror, const char *reqs, const char *target, const char *log)
{
    /* --isolated: no PIP_* variables or user configuration (an extra
     * find-links there would make the mirror's part in this unprovable). */
    char *argv[] = {"python3", "-m", "pip", "--isolated", "install", "--dry-run",
                    "--ignore-installed",
                    "--require-hashes", "--no-index", "--only-binary=:all:", "--find-links",
                    (char *)mirror, "-r", (char *)reqs, "--target", (char *)target, NULL};
    return run(argv, log);
}

static void test_pip_installs_from_mirror(void **state)
{
    (void)state;
    fixture f;
    make_fixture(&f);
    char *log = pw_path_join(f.dir, "pip.log");
    char *version_argv[] = {"python3", "-m", "pip", "--version", NULL};
    if (run(version_argv, log) != 0) {
        free(log);
        free_fixture(&f);
        skip();
    }
    char *out = mirror_path(&f, "mirror");
    assert_mirror_ok(&f, out);
    pw_buf reqs = PW_BUF_INIT;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_export_requirements(&f.lock, &reqs, &err), &err);
    char *req_path = pw_path_join(f.dir, "requirements.txt");
    PW_ASSERT_OK(pw_write_file_atomic(req_path, reqs.data, reqs.len, &err), &err);
    char *target = pw_path_join(f.dir, "target");

    int rc = pip_install(out, req_path, target, log);
    if (rc != 0) {
        char *text = tb_slurp(f.dir, "pip.log", NULL);
        fail_msg("pip exited %d:\n%s\nrequirements:\n%s", rc, text ? text : "", reqs.data);
    }
    char *ok_log = tb_slurp(f.dir, "pip.log", NULL);
    assert_non_null(ok_log);
    assert_non_null(strstr(ok_log, "Would install alpha-1.0 beta-2.0.1 gamma-0.3"));
    assert_non_null(strstr(ok_log, "mirror/alpha-1.0-py3-none-any.whl"));
    assert_non_null(strstr(ok_log, "mirror/beta-2.0.1-py3-none-any.whl"));
    free(ok_log);

    /* The same with one digest wrong: pip must refuse. */
    const char *beta_hash = f.lock.packages[1].sha256;
    char *at = strstr(reqs.data, beta_hash);
    assert_non_null(at);
    at[0] = at[0] == '0' ? '1' : '0';
    PW_ASSERT_OK(pw_write_file_atomic(req_path, reqs.data, reqs.len, &err), &err);
    rc = pip_install(out, req_path, target, log);
    assert_true(rc > 0);
    char *text = tb_slurp(f.dir, "pip.log", NULL);
    assert_non_null(text);
    assert_non_null(strstr(text, "HASHES"));
    free(text);

    pw_buf_free(&reqs);
    free(req_path);
    free(target);
    free(out);
    free(log);
    free_fixture(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mirror_layout),
        cmocka_unit_test(test_mirror_is_reproducible),
        cmocka_unit_test(test_mirror_copies_across_file_systems),
        cmocka_unit_test(test_mirror_failures_leave_nothing),
        cmocka_unit_test(test_mirror_refuses_foreign_directories),
        cmocka_unit_test(test_pip_installs_from_mirror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
