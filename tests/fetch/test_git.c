/* Git sources: URL parsing, checkout through git+file:// of repositories
 * built here with libgit2, reading files at revisions, HEAD state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include "fetch.h"
#include "fetch_test.h"
#include "git_api.h"

#include <git2.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * libgit2 1.5 leaks a pcre2 match block for every config entry that fails
 * a regex match (fixed upstream by libgit2 PR #6382); git_remote_create_*
 * hits it while applying url.<base>.insteadOf. LeakSanitizer reads this
 * hook in sanitizer builds; elsewhere it is an unused function.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    /* Matched on the module: without frame pointers in the system
     * libraries the stack often ends inside libpcre2. */
    return "leak:libpcre2-8.so\n";
}

static char *scratch;    /* everything of this run */
static char *remote_dir; /* bare "upstream" repository */
static char *remote_url; /* git+file:// URL of it, without ref */
static char *work_dir;   /* non-bare repository with a work tree */
static git_signature *sig;

/* Commits of the remote (see group_setup for the history). */
static char c1[41], c2[41], c3[41], tag_v2_object[41];
/* Commits of the work repository. */
static char w1[41], w2[41];

/* ---------------------------------------------------------------- fixtures */

typedef struct tfile {
    const char *path;
    const char *content;
    git_filemode_t mode; /* 0: regular file */
} tfile;

static void check_git(int rc, const char *what)
{
    if (rc != 0) {
        const git_error *e = git_error_last();
        fail_msg("%s: %s", what, e ? e->message : "?");
    }
}

/* A commit whose tree holds exactly `files`, built without a work tree. */
static void mem_commit(git_repository *repo, const char *ref, const git_oid *parent,
                       const tfile *files, size_t n, const char *msg, char hex_out[41])
{
    git_index *idx = NULL;
    check_git(git_index_new(&idx), "index");
    for (size_t i = 0; i < n; i++) {
        git_index_entry e;
        memset(&e, 0, sizeof e);
        e.path = files[i].path;
        e.mode = files[i].mode ? files[i].mode : GIT_FILEMODE_BLOB;
        e.file_size = (uint32_t)strlen(files[i].content);
        check_git(git_blob_create_from_buffer(&e.id, repo, files[i].content,
                                              strlen(files[i].content)),
                  "blob");
        check_git(git_index_add(idx, &e), "index add");
    }
    git_oid tree_oid, oid;
    check_git(git_index_write_tree_to(&tree_oid, idx, repo), "write tree");
    git_tree *tree = NULL;
    check_git(git_tree_lookup(&tree, repo, &tree_oid), "tree");
    git_commit *p = NULL;
    if (parent)
        check_git(git_commit_lookup(&p, repo, parent), "parent");
    const git_commit *parents[1] = {p};
    check_git(git_commit_create(&oid, repo, ref, sig, sig, NULL, msg, tree, p ? 1 : 0,
                                p ? parents : NULL),
              "commit");
    git_oid_tostr(hex_out, 41, &oid);
    git_commit_free(p);
    git_tree_free(tree);
    git_index_free(idx);
}

static git_oid oid_of(const char *hex)
{
    git_oid o;
    assert_int_equal(git_oid_fromstr(&o, hex), 0);
    return o;
}

/* Commits the listed work-tree paths (already on disk) on HEAD. */
static void work_commit(git_repository *repo, const char *const *paths, size_t n, char hex_out[41])
{
    git_index *idx = NULL;
    check_git(git_repository_index(&idx, repo), "index");
    for (size_t i = 0; i < n; i++)
        check_git(git_index_add_bypath(idx, paths[i]), "add");
    check_git(git_index_write(idx), "index write");
    git_oid tree_oid, oid, head;
    check_git(git_index_write_tree(&tree_oid, idx), "tree");
    git_tree *tree = NULL;
    check_git(git_tree_lookup(&tree, repo, &tree_oid), "tree lookup");
    git_commit *p = NULL;
    if (git_reference_name_to_id(&head, repo, "HEAD") == 0)
        check_git(git_commit_lookup(&p, repo, &head), "parent");
    const git_commit *parents[1] = {p};
    check_git(git_commit_create(&oid, repo, "HEAD", sig, sig, NULL, "work", tree, p ? 1 : 0,
                                p ? parents : NULL),
              "commit");
    git_oid_tostr(hex_out, 41, &oid);
    git_commit_free(p);
    git_tree_free(tree);
    git_index_free(idx);
}

/*
 * remote (bare):
 *   c1  main, tag v1.0 (lightweight)    README=one, pkg/pyproject.toml, run.sh (0755), links
 *   c2  main (HEAD), tag v2.0 (annotated) README=two
 *   c3  feature/x, child of c1          README=feature
 * work (with a work tree): w1 (tag t1), w2 = HEAD.
 */
static int group_setup(void **state)
{
    git_libgit2_init();
    scratch = pw_test_tempdir("git");
    check_git(git_signature_new(&sig, "Test", "test@example.com", 1700000000, 0), "sig");

    remote_dir = pw_path_join(scratch, "remote.git");
    git_repository *r = NULL;
    check_git(git_repository_init(&r, remote_dir, 1), "init remote");
    check_git(git_repository_set_head(r, "refs/heads/main"), "head");
    const tfile f1[] = {
        {"README", "one\n", 0},
        {"pkg/pyproject.toml", "[project]\nname = \"pkg\"\n", 0},
        {"pkg/pkg/__init__.py", "", 0},
        {"run.sh", "#!/bin/sh\n", GIT_FILEMODE_BLOB_EXECUTABLE},
        {"pkg/readme-link", "../README", GIT_FILEMODE_LINK},
        {"escape", "../../../../etc/passwd", GIT_FILEMODE_LINK},
        /* each link harmless by its own text; together they climb out */
        {"d1/d2/d3/d4/d5/d6/d7/d8/up", "../../../../../../../..", GIT_FILEMODE_LINK},
        {"pkg/secret", "../d1/d2/d3/d4/d5/d6/d7/d8/up/../../../../../../../../etc/passwd",
         GIT_FILEMODE_LINK},
        /* the lock process's environment (a CI token), and a package
         * directory that is a link out of the tree */
        {"pkg/environ", "/proc/self/environ", GIT_FILEMODE_LINK},
        {"pkg/vendored", "/etc", GIT_FILEMODE_LINK},
    };
    mem_commit(r, "refs/heads/main", NULL, f1, 10, "c1", c1);
    const tfile f2[] = {{"README", "two\n", 0}, {"pkg/pyproject.toml", "v2\n", 0}};
    git_oid o1 = oid_of(c1);
    mem_commit(r, "refs/heads/main", &o1, f2, 2, "c2", c2);
    const tfile f3[] = {{"README", "feature\n", 0}};
    mem_commit(r, "refs/heads/feature/x", &o1, f3, 1, "c3", c3);

    git_object *obj = NULL;
    git_oid tag_oid;
    check_git(git_object_lookup(&obj, r, &o1, GIT_OBJECT_COMMIT), "c1");
    check_git(git_tag_create_lightweight(&tag_oid, r, "v1.0", obj, 0), "v1.0");
    git_object_free(obj);
    git_oid o2 = oid_of(c2);
    check_git(git_object_lookup(&obj, r, &o2, GIT_OBJECT_COMMIT), "c2");
    check_git(git_tag_create(&tag_oid, r, "v2.0", obj, sig, "release 2.0", 0), "v2.0");
    git_oid_tostr(tag_v2_object, 41, &tag_oid);
    git_object_free(obj);
    git_repository_free(r);

    pw_buf u = PW_BUF_INIT;
    pw_buf_printf(&u, "git+file://%s", remote_dir);
    remote_url = pw_buf_detach(&u);

    work_dir = pw_path_join(scratch, "work");
    check_git(git_repository_init(&r, work_dir, 0), "init work");
    pw_test_write_text(work_dir, "pkg/pyproject.toml", "one\n");
    pw_test_write_text(work_dir, "top.txt", "top\n");
    const char *paths[] = {"pkg/pyproject.toml", "top.txt"};
    work_commit(r, paths, 2, w1);
    git_oid ow1 = oid_of(w1);
    check_git(git_object_lookup(&obj, r, &ow1, GIT_OBJECT_COMMIT), "w1");
    check_git(git_tag_create_lightweight(&tag_oid, r, "t1", obj, 0), "t1");
    git_object_free(obj);
    pw_test_write_text(work_dir, "pkg/pyproject.toml", "two\n");
    work_commit(r, paths, 1, w2);
    git_repository_free(r);
    return 0;
}

static int group_teardown(void **state)
{
    pw_error err = {0, NULL};
    pw_remove_tree(scratch, &err);
    pw_error_clear(&err);
    free(scratch);
    free(remote_dir);
    free(remote_url);
    free(work_dir);
    git_signature_free(sig);
    git_libgit2_shutdown();
    return 0;
}

/* A fresh cache directory for one test. */
static char *new_cache(const char *name)
{
    char *c = pw_path_join(scratch, name);
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_mkdirs(c, &err), &err);
    return c;
}

static void source_for(const char *suffix, pw_git_source *src)
{
    pw_buf u = PW_BUF_INIT;
    pw_buf_printf(&u, "%s%s", remote_url, suffix);
    pw_error err = {0, NULL};
    if (pw_git_source_parse(u.data, src, &err) != PW_OK)
        fail_msg("%s: %s", u.data, pw_error_message(&err));
    pw_buf_free(&u);
}

/* Checks out remote_url + suffix; asserts success; returns the tree dir. */
static char *checkout_ok(const char *suffix, const char *cache, bool offline, char commit[41])
{
    pw_git_source src;
    source_for(suffix, &src);
    pw_error err = {0, NULL};
    char *dir = NULL;
    int rc = pw_git_checkout(&src, cache, offline, commit, &dir, &err);
    if (rc != PW_OK)
        fail_msg("checkout %s: %s", suffix, pw_error_message(&err));
    assert_non_null(dir);
    assert_int_equal(strlen(commit), 40);
    pw_git_source_free(&src);
    return dir;
}

static char *slurp(const char *dir, const char *rel)
{
    char *p = pw_path_join(dir, rel);
    pw_buf b = PW_BUF_INIT;
    pw_error err = {0, NULL};
    if (pw_read_file(p, &b, &err) != PW_OK) {
        pw_error_clear(&err);
        free(p);
        return NULL;
    }
    free(p);
    if (!b.data)
        pw_buf_puts(&b, "");
    return pw_buf_detach(&b);
}

static void assert_file(const char *dir, const char *rel, const char *content)
{
    char *s = slurp(dir, rel);
    if (!s)
        fail_msg("%s/%s: missing", dir, rel);
    assert_string_equal(s, content);
    free(s);
}

/* ------------------------------------------------------------------ parse */

static void test_parse_forms(void **state)
{
    static const struct {
        const char *in;
        int rc;
        const char *url, *ref, *subdir;
        bool auth;
    } cases[] = {
        {"git+https://github.com/org/repo.git", 0, "https://github.com/org/repo.git", NULL, NULL,
         false},
        {"git+https://github.com/org/repo.git@v2.1#subdirectory=pkg", 0,
         "https://github.com/org/repo.git", "v2.1", "pkg", false},
        {"git+https://host/r.git@feature/x", 0, "https://host/r.git", "feature/x", NULL, false},
        {"git+ssh://git@github.com/org/repo.git@main", 0, "ssh://git@github.com/org/repo.git",
         "main", NULL, false},
        {"git+ssh://git:hunter22@host/r.git", 0, "ssh://***@host/r.git", NULL, NULL, true},
        {"git+https://user:s3cret@host/r.git@v1", 0, "https://***@host/r.git", "v1", NULL, true},
        {"git+https://ghp_TOKEN123@host/r.git", 0, "https://***@host/r.git", NULL, NULL, true},
        {"git+file:///srv/repos/x.git@0123abcd", 0, "file:///srv/repos/x.git", "0123abcd", NULL,
         false},
        {"git+HTTPS://host/r", 0, "https://host/r", NULL, NULL, false},
        {"git+http://host:8080/r.git@v1?x=1", 0, "http://host:8080/r.git?x=1", "v1", NULL, false},
        {"git+http://host/r.git?x=1@v1", 0, "http://host/r.git?x=1@v1", NULL, NULL, false},
        {"git+git://host/r.git@refs/pull/1/head", 0, "git://host/r.git", "refs/pull/1/head", NULL,
         false},
        {"git+https://host/r.git#egg=foo&subdirectory=a/b/", 0, "https://host/r.git", NULL, "a/b",
         false},
        {"git+https://host/r.git#subdirectory=a%20b", 0, "https://host/r.git", NULL, "a b", false},
        {"git+https://host/r.git#subdirectory=../x", PW_EINVAL, NULL, NULL, NULL, false},
        {"git+https://host/r.git#subdirectory=/abs", PW_EINVAL, NULL, NULL, NULL, false},
        {"git+https://host/r.git#subdirectory=", PW_EINVAL, NULL, NULL, NULL, false},
        {"git+https://host/r.git@", PW_EINVAL, NULL, NULL, NULL, false},
        {"git+https://host/r.git@a..b", PW_EINVAL, NULL, NULL, NULL, false},
        {"git+https://host/r.git@x.lock", PW_EINVAL, NULL, NULL, NULL, false},
        {"git+https://host/r.git@-x", PW_EINVAL, NULL, NULL, NULL, false},
        {"git+svn://host/r", PW_EUNSUPPORTED, NULL, NULL, NULL, false},
        {"git+git@github.com:org/repo.git", PW_EINVAL, NULL, NULL, NULL, false},
        {"https://host/r.git", PW_EINVAL, NULL, NULL, NULL, false},
        {"git+https:///r.git", PW_EINVAL, NULL, NULL, NULL, false},
        {"git+https://host", PW_EINVAL, NULL, NULL, NULL, false},
        {"git+https://host/", PW_EINVAL, NULL, NULL, NULL, false},
        {"git+https://host/r .git", PW_EINVAL, NULL, NULL, NULL, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pw_git_source s;
        pw_error err = {0, NULL};
        int rc = pw_git_source_parse(cases[i].in, &s, &err);
        if (rc != cases[i].rc)
            fail_msg("%s: rc %d, expected %d (%s)", cases[i].in, rc, cases[i].rc,
                     pw_error_message(&err));
        if (rc == PW_OK) {
            assert_string_equal(s.url, cases[i].url);
            if (cases[i].ref)
                assert_string_equal(s.ref, cases[i].ref);
            else
                assert_null(s.ref);
            if (cases[i].subdir)
                assert_string_equal(s.subdirectory, cases[i].subdir);
            else
                assert_null(s.subdirectory);
            assert_int_equal(s.auth_url != NULL, cases[i].auth);
            pw_git_source_free(&s);
        } else {
            assert_non_null(err.message);
            assert_null(s.url);
        }
        pw_error_clear(&err);
    }
}

static void test_parse_keeps_secrets_out(void **state)
{
    pw_git_source s;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_git_source_parse("git+https://user:s3cret@host/r.git@v1", &s, &err), &err);
    assert_null(strstr(s.url, "s3cret"));
    assert_string_equal(s.auth_url, "https://user:s3cret@host/r.git");
    pw_git_source_free(&s);

    /* Errors quote the URL redacted. */
    assert_int_equal(pw_git_source_parse("git+https://user:s3cret@host/r.git@a..b", &s, &err),
                     PW_EINVAL);
    assert_null(strstr(pw_error_message(&err), "s3cret"));
    assert_non_null(strstr(pw_error_message(&err), "a..b"));
    assert_int_equal(pw_git_source_parse("git+svn://user:s3cret@host/r", &s, &err),
                     PW_EUNSUPPORTED);
    assert_null(strstr(pw_error_message(&err), "s3cret"));
    pw_error_clear(&err);
}

/* --------------------------------------------------------------- checkout */

static void test_checkout_default_branch(void **state)
{
    char *cache = new_cache("cache-head");
    char commit[41];
    char *dir = checkout_ok("", cache, false, commit);
    assert_string_equal(commit, c2);
    assert_file(dir, "README", "two\n");
    /* An export, not a work tree. */
    char *dotgit = pw_path_join(dir, ".git");
    assert_false(pw_file_exists(dotgit));
    free(dotgit);
    /* <cache>/git-checkouts/<commit> */
    char *expected = pw_path_join(cache, "git-checkouts");
    char *e2 = pw_path_join(expected, c2);
    assert_string_equal(dir, e2);
    free(e2);
    free(expected);
    free(dir);

    /* The bare clone lives under <cache>/git/<sha256 of the URL>/. */
    pw_git_source src;
    source_for("", &src);
    char key[65];
    pw_sha256_hex(src.url, strlen(src.url), key);
    pw_buf p = PW_BUF_INIT;
    pw_buf_printf(&p, "%s/git/%s/HEAD", cache, key);
    assert_true(pw_file_exists(p.data));
    pw_buf_free(&p);
    pw_git_source_free(&src);
    free(cache);
}

static void test_checkout_refs(void **state)
{
    char *cache = new_cache("cache-refs");
    char short_c3[9];
    memcpy(short_c3, c3, 8);
    short_c3[8] = 0;
    char at_c1[42 + 1], at_short[10 + 1];
    snprintf(at_c1, sizeof at_c1, "@%s", c1);
    snprintf(at_short, sizeof at_short, "@%s", short_c3);
    const struct {
        const char *suffix;
        const char *commit;
        const char *readme;
    } cases[] = {
        {"@main", c2, "two\n"},
        {"@HEAD", c2, "two\n"},
        {"@feature/x", c3, "feature\n"},
        {"@refs/heads/feature/x", c3, "feature\n"},
        {"@v1.0", c1, "one\n"},      /* lightweight tag */
        {"@v2.0", c2, "two\n"},      /* annotated: the commit, not the tag object */
        {at_c1, c1, "one\n"},        /* full SHA */
        {at_short, c3, "feature\n"}, /* abbreviated SHA */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char commit[41];
        char *dir = checkout_ok(cases[i].suffix, cache, false, commit);
        if (strcmp(commit, cases[i].commit) != 0)
            fail_msg("%s: got %s, expected %s", cases[i].suffix, commit, cases[i].commit);
        assert_string_not_equal(commit, tag_v2_object);
        assert_file(dir, "README", cases[i].readme);
        free(dir);
    }

    pw_git_source src;
    source_for("@no-such-branch", &src);
    pw_error err = {0, NULL};
    char commit[41], *dir = NULL;
    assert_int_equal(pw_git_checkout(&src, cache, false, commit, &dir, &err), PW_ENOTFOUND);
    assert_non_null(strstr(pw_error_message(&err), "no-such-branch"));
    assert_null(dir);
    assert_string_equal(commit, "");
    pw_git_source_free(&src);
    pw_error_clear(&err);
    free(cache);
}

static void test_checkout_tree_content(void **state)
{
    char *cache = new_cache("cache-content");
    char commit[41];
    char *dir = checkout_ok("@v1.0", cache, false, commit);
    /* Executable bit kept; in-tree symlink kept; escaping symlink left out. */
    char *run = pw_path_join(dir, "run.sh");
    struct stat st;
    assert_int_equal(stat(run, &st), 0);
    assert_true(st.st_mode & S_IXUSR);
    free(run);
    assert_file(dir, "pkg/readme-link", "one\n");
    char *esc = pw_path_join(dir, "escape");
    assert_int_equal(lstat(esc, &st), -1);
    free(esc);
    /* a chain of links that climbs out on disk is left out too; the link
     * to the export's own root stays */
    char *secret = pw_path_join(dir, "pkg/secret");
    assert_int_equal(lstat(secret, &st), -1);
    free(secret);
    char *environ_link = pw_path_join(dir, "pkg/environ");
    assert_int_equal(lstat(environ_link, &st), -1);
    free(environ_link);
    char *vendored = pw_path_join(dir, "pkg/vendored");
    assert_int_equal(lstat(vendored, &st), -1);
    free(vendored);
    char *up = pw_path_join(dir, "d1/d2/d3/d4/d5/d6/d7/d8/up");
    assert_int_equal(lstat(up, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    free(up);
    /* No temporary directory left behind. */
    char *co = pw_path_join(cache, "git-checkouts");
    assert_false(ft_tree_contains(co, ".tmp-"));
    free(co);
    free(dir);
    free(cache);
}

static void test_checkout_subdirectory(void **state)
{
    char *cache = new_cache("cache-subdir");
    char commit[41];
    char *dir = checkout_ok("@v1.0#subdirectory=pkg", cache, false, commit);
    assert_string_equal(commit, c1);
    assert_file(dir, "pyproject.toml", "[project]\nname = \"pkg\"\n");
    assert_file(dir, "pkg/__init__.py", "");
    /* <commit>-<hash of the subdirectory>, distinct from the full export. */
    const char *base = pw_path_basename(dir);
    assert_int_equal(strncmp(base, c1, 40), 0);
    assert_int_equal(base[40], '-');
    assert_int_equal(strlen(base), 40 + 1 + 12);
    free(dir);

    pw_git_source src;
    source_for("@v1.0#subdirectory=nope", &src);
    pw_error err = {0, NULL};
    char *d = NULL;
    assert_int_equal(pw_git_checkout(&src, cache, false, commit, &d, &err), PW_ENOTFOUND);
    assert_non_null(strstr(pw_error_message(&err), "nope"));
    pw_git_source_free(&src);
    source_for("@v1.0#subdirectory=README", &src);
    assert_int_equal(pw_git_checkout(&src, cache, false, commit, &d, &err), PW_EINVAL);
    pw_git_source_free(&src);
    pw_error_clear(&err);
    free(cache);
}

static void test_fetch_moves_branch(void **state)
{
    char *cache = new_cache("cache-fetch");
    git_repository *r = NULL;
    check_git(git_repository_open_bare(&r, remote_dir), "open");
    char m1[41], m2[41];
    git_oid o1 = oid_of(c1);
    const tfile f[] = {{"README", "moving 1\n", 0}};
    mem_commit(r, "refs/heads/moving", &o1, f, 1, "m1", m1);

    char commit[41];
    char *dir = checkout_ok("@moving", cache, false, commit);
    assert_string_equal(commit, m1);
    assert_file(dir, "README", "moving 1\n");
    free(dir);

    /* Upstream moves on: the next (online) checkout fetches. */
    git_oid om1 = oid_of(m1);
    const tfile g[] = {{"README", "moving 2\n", 0}};
    mem_commit(r, "refs/heads/moving", &om1, g, 1, "m2", m2);
    git_repository_free(r);
    dir = checkout_ok("@moving", cache, false, commit);
    assert_string_equal(commit, m2);
    assert_file(dir, "README", "moving 2\n");
    free(dir);

    /* Offline reuses the cached clone: same answer, no transfer needed. */
    dir = checkout_ok("@moving", cache, true, commit);
    assert_string_equal(commit, m2);
    free(dir);
    /* The old commit stays reachable by SHA in the cache, offline. */
    char at_m1[42];
    snprintf(at_m1, sizeof at_m1, "@%s", m1);
    dir = checkout_ok(at_m1, cache, true, commit);
    assert_string_equal(commit, m1);
    assert_file(dir, "README", "moving 1\n");
    free(dir);
    free(cache);
}

static void test_offline(void **state)
{
    /* Nothing cached. */
    char *cache = new_cache("cache-offline");
    pw_git_source src;
    source_for("@main", &src);
    pw_error err = {0, NULL};
    char commit[41], *dir = NULL;
    assert_int_equal(pw_git_checkout(&src, cache, true, commit, &dir, &err), PW_ENET);
    assert_non_null(strstr(pw_error_message(&err), "offline"));
    assert_non_null(strstr(pw_error_message(&err), "not in the cache"));
    assert_null(dir);
    pw_git_source_free(&src);

    /* A full SHA already exported needs neither the network nor the clone. */
    char at_c1[42];
    snprintf(at_c1, sizeof at_c1, "@%s", c1);
    dir = checkout_ok(at_c1, cache, false, commit);
    free(dir);
    char *clones = pw_path_join(cache, "git");
    PW_ASSERT_OK(pw_remove_tree(clones, &err), &err);
    free(clones);
    dir = checkout_ok(at_c1, cache, true, commit);
    assert_string_equal(commit, c1);
    assert_file(dir, "README", "one\n");
    free(dir);

    /* A branch, though, needs the clone. */
    source_for("@main", &src);
    assert_int_equal(pw_git_checkout(&src, cache, true, commit, &dir, &err), PW_ENET);
    pw_git_source_free(&src);

    /* Cached clone but an unknown ref, offline. */
    dir = checkout_ok("@main", cache, false, commit);
    free(dir);
    source_for("@v9.9", &src);
    assert_int_equal(pw_git_checkout(&src, cache, true, commit, &dir, &err), PW_ENOTFOUND);
    assert_non_null(strstr(pw_error_message(&err), "offline"));
    pw_git_source_free(&src);
    pw_error_clear(&err);
    free(cache);
}

static void test_credentials_stay_out(void **state)
{
    /* Port 1 on loopback refuses the connection at once. */
    char *cache = new_cache("cache-creds");
    pw_git_source src;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(
        pw_git_source_parse("git+http://alice:hunter2secret@127.0.0.1:1/r.git@main", &src, &err),
        &err);
    char commit[41], *dir = NULL;
    assert_int_equal(pw_git_checkout(&src, cache, false, commit, &dir, &err), PW_ENET);
    assert_null(strstr(pw_error_message(&err), "hunter2secret"));
    assert_non_null(strstr(pw_error_message(&err), "127.0.0.1"));
    assert_false(ft_tree_contains(cache, "hunter2secret"));
    /* A failed first clone leaves nothing behind. */
    char *clones = pw_path_join(cache, "git");
    assert_int_equal(ft_count_files(clones), 0);
    free(clones);
    pw_git_source_free(&src);
    pw_error_clear(&err);
    free(cache);
}

static void test_missing_repository(void **state)
{
    char *cache = new_cache("cache-missing");
    pw_buf u = PW_BUF_INIT;
    pw_buf_printf(&u, "git+file://%s/does-not-exist.git", scratch);
    pw_git_source src;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_git_source_parse(u.data, &src, &err), &err);
    char commit[41], *dir = NULL;
    int rc = pw_git_checkout(&src, cache, false, commit, &dir, &err);
    assert_true(rc == PW_ENOTFOUND || rc == PW_ENET);
    assert_non_null(strstr(pw_error_message(&err), "does-not-exist.git"));
    pw_git_source_free(&src);
    pw_error_clear(&err);
    pw_buf_free(&u);
    free(cache);
}

/* ------------------------------------------------------------ read_file_at */

static void test_read_file_at(void **state)
{
    char *pkg = pw_path_join(work_dir, "pkg");
    const struct {
        const char *dir, *rev, *path;
        int rc;
        const char *content; /* on success; else a part of the message */
    } cases[] = {
        {pkg, "HEAD", "pyproject.toml", 0, "two\n"},
        {pkg, "HEAD~1", "pyproject.toml", 0, "one\n"},
        {work_dir, "t1", "pkg/pyproject.toml", 0, "one\n"},
        {work_dir, w1, "top.txt", 0, "top\n"},
        {pkg, "HEAD", "../top.txt", 0, "top\n"},
        {pkg, "HEAD", "./pyproject.toml", 0, "two\n"},
        {pkg, "HEAD", "missing.toml", PW_ENOTFOUND, "pkg/missing.toml does not exist"},
        {work_dir, "HEAD~5", "top.txt", PW_ENOTFOUND, "HEAD~5"},
        {work_dir, "no-such-tag", "top.txt", PW_ENOTFOUND, "no-such-tag"},
        {work_dir, "HEAD", "pkg", PW_EINVAL, "not a file"},
        {pkg, "HEAD", "../../outside", PW_EINVAL, "leaves the repository"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pw_buf out = PW_BUF_INIT;
        pw_error err = {0, NULL};
        int rc = pw_git_read_file_at(cases[i].dir, cases[i].rev, cases[i].path, &out, &err);
        if (rc != cases[i].rc)
            fail_msg("%s %s: rc %d, expected %d (%s)", cases[i].rev, cases[i].path, rc,
                     cases[i].rc, pw_error_message(&err));
        if (rc == PW_OK)
            assert_string_equal(pw_buf_cstr(&out), cases[i].content);
        else if (!strstr(pw_error_message(&err), cases[i].content))
            fail_msg("message \"%s\" lacks \"%s\"", pw_error_message(&err), cases[i].content);
        pw_buf_free(&out);
        pw_error_clear(&err);
    }
    free(pkg);
}

/* -------------------------------------------------------------- head_state */

static void test_head_state(void **state)
{
    char commit[41];
    bool dirty = true;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_git_head_state(work_dir, commit, &dirty, &err), &err);
    assert_string_equal(commit, w2);
    assert_false(dirty);

    /* Untracked files do not count (git describe --dirty). */
    pw_test_write_text(work_dir, "notes.txt", "scratch\n");
    char *pkg = pw_path_join(work_dir, "pkg");
    PW_ASSERT_OK(pw_git_head_state(pkg, commit, &dirty, &err), &err);
    assert_false(dirty);

    /* A modified tracked file does. */
    pw_test_write_text(work_dir, "top.txt", "changed\n");
    PW_ASSERT_OK(pw_git_head_state(pkg, commit, &dirty, &err), &err);
    assert_true(dirty);
    assert_string_equal(commit, w2);
    pw_test_write_text(work_dir, "top.txt", "top\n");
    PW_ASSERT_OK(pw_git_head_state(work_dir, commit, &dirty, &err), &err);
    assert_false(dirty);
    free(pkg);

    /* A bare repository has no work tree to be dirty. */
    PW_ASSERT_OK(pw_git_head_state(remote_dir, commit, &dirty, &err), &err);
    assert_string_equal(commit, c2);
    assert_false(dirty);
}

static void test_outside_repository(void **state)
{
    /* The scratch tree sits inside the source checkout; bound the upward
     * search the way git users do. */
    char *outside = pw_path_join(scratch, "outside");
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_mkdirs(outside, &err), &err);
    char *old = getenv("GIT_CEILING_DIRECTORIES") ? pw_xstrdup(getenv("GIT_CEILING_DIRECTORIES"))
                                                   : NULL;
    setenv("GIT_CEILING_DIRECTORIES", scratch, 1);
    char commit[41];
    bool dirty = true;
    assert_int_equal(pw_git_head_state(outside, commit, &dirty, &err), PW_ENOTFOUND);
    assert_non_null(strstr(pw_error_message(&err), "not inside a git repository"));
    assert_string_equal(commit, "");
    pw_buf out = PW_BUF_INIT;
    assert_int_equal(pw_git_read_file_at(outside, "HEAD", "x", &out, &err), PW_ENOTFOUND);
    pw_buf_free(&out);

    /* An empty repository has no HEAD commit yet. */
    char *empty = pw_path_join(outside, "empty");
    git_repository *r = NULL;
    check_git(git_repository_init(&r, empty, 0), "init");
    git_repository_free(r);
    assert_int_equal(pw_git_head_state(empty, commit, &dirty, &err), PW_ENOTFOUND);
    assert_non_null(strstr(pw_error_message(&err), "no commit"));
    free(empty);

    if (old)
        setenv("GIT_CEILING_DIRECTORIES", old, 1);
    else
        unsetenv("GIT_CEILING_DIRECTORIES");
    free(old);
    pw_error_clear(&err);
    free(outside);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_keeps_secrets_out),
        cmocka_unit_test(test_checkout_default_branch),
        cmocka_unit_test(test_checkout_refs),
        cmocka_unit_test(test_checkout_tree_content),
        cmocka_unit_test(test_checkout_subdirectory),
        cmocka_unit_test(test_fetch_moves_branch),
        cmocka_unit_test(test_offline),
        cmocka_unit_test(test_credentials_stay_out),
        cmocka_unit_test(test_missing_repository),
        cmocka_unit_test(test_read_file_at),
        cmocka_unit_test(test_head_state),
        cmocka_unit_test(test_outside_repository),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
