/* pw_bundle_install_wheel: round trips, .data schemes, shared-library zips, the
 * malicious corpus, limits and conflicts. Every archive is generated here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include "bundle_private.h"
#include "support_bundle.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *scratch;

static int setup(void **state)
{
    scratch = pw_test_tempdir("bundle-install");
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

static char *subdir(const char *name)
{
    return pw_path_join(scratch, name);
}

/* The RECORD row the installer must write for a file now on disk. */
static void expect_row(const char *site, const char *rel, const char *record)
{
    char *path = pw_path_join(site, rel);
    pw_buf content = PW_BUF_INIT;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_read_file(path, &content, &err), &err);
    pw_sha256 h;
    pw_sha256_init(&h);
    pw_sha256_update(&h, content.data, content.len);
    unsigned char raw[PW_SHA256_LEN];
    pw_sha256_final_raw(&h, raw);
    pw_buf row = PW_BUF_INIT;
    pw_buf_printf(&row, "%s,sha256=", rel);
    pw_bundle_b64url_encode(raw, PW_SHA256_LEN, &row);
    pw_buf_printf(&row, ",%zu\n", content.len);
    if (!strstr(record, row.data))
        fail_msg("RECORD lacks \"%s\":\n%s", row.data, record);
    pw_buf_free(&row);
    pw_buf_free(&content);
    free(path);
}

static void test_round_trip(void **state)
{
    char *dir = subdir("rt");
    pw_wheelgen_spec spec = tb_rich_spec();
    char *wheel = tb_make(&spec, scratch);
    pw_bundle_install_result res;
    pw_error err = {0, NULL};
    pw_bundle_install_options o = {.name = "Rich", .version = "1.0"};
    int rc = pw_bundle_install_wheel(wheel, dir, &o, &res, &err);
    if (rc != PW_OK)
        fail_msg("%s", pw_error_message(&err));

    /* Every scheme lands where docs/bundle.md says. */
    static const struct {
        const char *path;
        const char *content;
        int mode;
    } files[] = {
        {"rich/__init__.py", "from .core import answer\n", 0644},
        {"rich/core.py", "def answer():\n    return 42\n", 0644},
        {"rich/_native.so", NULL, 0755},
        {"rich_extra.py", "EXTRA = 1\n", 0644},
        {"rich_plat.py", "PLAT = 1\n", 0644},
        {"bin/rich-cli", "#!python\nimport rich\n", 0755},
        {"include/rich/rich.h", "int rich(void);\n", 0644},
        {"data/share/rich/notes.txt", "notes\n", 0644},
        {"rich-1.0.dist-info/INSTALLER", "pwpkg\n", 0644},
        {"rich-1.0.dist-info/REQUESTED", "", 0644},
        {"rich-1.0.dist-info/METADATA", NULL, 0644},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        size_t len = 0;
        char *got = tb_slurp(dir, files[i].path, &len);
        if (!got)
            fail_msg("%s was not installed", files[i].path);
        if (files[i].content)
            assert_string_equal(got, files[i].content);
        assert_int_equal(tb_mode(dir, files[i].path), files[i].mode);
        free(got);
    }
    assert_int_equal(tb_mode(dir, "rich-1.0.data"), -1);
    assert_int_equal(tb_mode(dir, "rich-1.0.dist-info/RECORD"), 0644);

    char *record = tb_slurp(dir, "rich-1.0.dist-info/RECORD", NULL);
    assert_non_null(record);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        expect_row(dir, files[i].path, record);
    assert_non_null(strstr(record, "rich-1.0.dist-info/RECORD,,\n"));
    /* One row per installed file, sorted. */
    size_t rows = 0;
    const char *prev = NULL;
    for (const char *p = record; *p; p = strchr(p, '\n') + 1, rows++) {
        if (prev)
            assert_true(strncmp(prev, p, (size_t)(strchr(p, '\n') - p)) < 0);
        prev = p;
    }
    assert_int_equal(rows, res.n_files);
    assert_string_equal(res.dist_info, "rich-1.0.dist-info");
    for (size_t i = 1; i < res.n_files; i++)
        assert_true(strcmp(res.files[i - 1].path, res.files[i].path) < 0);
    assert_int_equal(res.saved_files, 0);
    assert_int_equal(tb_count_prefixed(dir, ".pwpkg-tmp"), 0);
    free(record);
    pw_bundle_install_result_free(&res);

    /* Installing the same wheel again over itself is harmless. */
    PW_ASSERT_OK(pw_bundle_install_wheel(wheel, dir, &o, NULL, &err), &err);
    free(wheel);
    free(dir);
}

static void test_shared_library_zip(void **state)
{
    static const pw_wheelgen_file files[] = {
        {"lib/libfoo.so", "\0asm-foo", 8, S_IFREG | 0755, 0},
        {"libbar.so", "\0asm-bar", 8, 0, 0},
    };
    pw_wheelgen_spec spec = {.name = "libfoo", .version = "1.2", .files = files, .n_files = 2,
                             .shared_library = true};
    char *zip = tb_make(&spec, scratch);
    assert_non_null(strstr(zip, "libfoo-1.2.zip"));
    char *dir = subdir("dynlib");
    pw_bundle_install_result res;
    pw_error err = {0, NULL};
    pw_bundle_install_options o = {.install_dir = "dynlib"};
    int rc = pw_bundle_install_wheel(zip, dir, &o, &res, &err);
    if (rc != PW_OK)
        fail_msg("%s", pw_error_message(&err));
    assert_int_equal(res.n_files, 2);
    assert_string_equal(res.files[0].path, "lib/libbar.so");
    assert_string_equal(res.files[1].path, "lib/libfoo.so");
    assert_true(res.files[1].executable);
    assert_null(res.dist_info);
    assert_int_equal(tb_mode(dir, "lib/libfoo.so"), 0755);
    assert_int_equal(tb_mode(dir, "lib/libbar.so"), 0644);
    pw_bundle_install_result_free(&res);

    /* A plain zip for install_dir "stdlib" goes to the site root. */
    char *dir2 = subdir("stdlib");
    pw_bundle_install_options o2 = {.install_dir = "stdlib"};
    PW_ASSERT_OK(pw_bundle_install_wheel(zip, dir2, &o2, NULL, &err), &err);
    assert_int_equal(tb_mode(dir2, "libbar.so"), 0644);
    assert_int_equal(tb_mode(dir2, "lib/libfoo.so"), 0755);
    free(dir);
    free(dir2);
    free(zip);
}

static void test_unsupported_and_lock_checks(void **state)
{
    pw_error err = {0, NULL};
    char *dir = subdir("unsupported");
    char *tar = pw_path_join(scratch, "foo-tests.tar");
    PW_ASSERT_OK(pw_write_file_atomic(tar, "x", 1, &err), &err);
    assert_int_equal(pw_bundle_install_wheel(tar, dir, NULL, NULL, &err), PW_EUNSUPPORTED);
    pw_error_clear(&err);

    pw_wheelgen_spec spec = tb_rich_spec();
    char *wheel = tb_make(&spec, scratch);
    pw_bundle_install_options bad_hash = {
        .sha256 = "0000000000000000000000000000000000000000000000000000000000000000"};
    assert_int_equal(pw_bundle_install_wheel(wheel, dir, &bad_hash, NULL, &err), PW_EHASH);
    assert_non_null(strstr(pw_error_message(&err), "the lock expects"));
    pw_error_clear(&err);
    char hex[PW_SHA256_HEX_LEN + 1];
    tb_sha256(wheel, hex);
    pw_bundle_install_options bad_name = {.sha256 = hex, .name = "poor"};
    assert_int_equal(pw_bundle_install_wheel(wheel, dir, &bad_name, NULL, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "the lock expects poor"));
    pw_error_clear(&err);
    pw_bundle_install_options bad_version = {.sha256 = hex, .version = "2.0"};
    assert_int_equal(pw_bundle_install_wheel(wheel, dir, &bad_version, NULL, &err), PW_EINVAL);
    pw_error_clear(&err);
    pw_bundle_install_options bad_dir = {.install_dir = "usr"};
    assert_int_equal(pw_bundle_install_wheel(wheel, dir, &bad_dir, NULL, &err), PW_EINVAL);
    pw_error_clear(&err);
    assert_false(pw_file_exists(dir));
    free(tar);
    free(wheel);
    free(dir);
}

/* The malicious corpus: each archive refused with its code, the message
 * naming archive and member, and nothing left behind. */
static const struct corpus_case {
    pw_wheelgen_flaw flaw;
    int code;
    bool shared_library;
    const char *wheel_version;
} corpus[] = {
    {PW_WHEELGEN_PATH_TRAVERSAL, PW_EINVAL, false, NULL},
    {PW_WHEELGEN_ABSOLUTE_PATH, PW_EINVAL, false, NULL},
    {PW_WHEELGEN_BACKSLASH, PW_EINVAL, false, NULL},
    {PW_WHEELGEN_DRIVE_LETTER, PW_EINVAL, false, NULL},
    {PW_WHEELGEN_SYMLINK, PW_EINVAL, false, NULL},
    {PW_WHEELGEN_DEVICE, PW_EINVAL, false, NULL},
    {PW_WHEELGEN_BOMB, PW_ELIMIT, false, NULL},
    {PW_WHEELGEN_HASH_MISMATCH, PW_EHASH, false, NULL},
    {PW_WHEELGEN_SIZE_MISMATCH, PW_EHASH, false, NULL},
    {PW_WHEELGEN_NO_RECORD, PW_EINVAL, false, NULL},
    {PW_WHEELGEN_NO_WHEEL, PW_EINVAL, false, NULL},
    {PW_WHEELGEN_NAME_MISMATCH, PW_EINVAL, false, NULL},
    {PW_WHEELGEN_TWO_DIST_INFO, PW_EINVAL, false, NULL},
    {PW_WHEELGEN_DUPLICATE, PW_EINVAL, false, NULL},
    {PW_WHEELGEN_UNLISTED_FILE, PW_EHASH, false, NULL},
    {PW_WHEELGEN_MISSING_LISTED, PW_EHASH, false, NULL},
    {PW_WHEELGEN_SOUND, PW_EUNSUPPORTED, false, "2.0"},
    /* The same attacks through a shared-library zip. */
    {PW_WHEELGEN_PATH_TRAVERSAL, PW_EINVAL, true, NULL},
    {PW_WHEELGEN_SYMLINK, PW_EINVAL, true, NULL},
    {PW_WHEELGEN_BOMB, PW_ELIMIT, true, NULL},
    {PW_WHEELGEN_DUPLICATE, PW_EINVAL, true, NULL},
};

static const pw_wheelgen_file evil_files[] = {
    {"evil/__init__.py", "print('hello')\n", 0, 0, 0},
    {"evil/core.py", "x = 1\n", 0, 0, 0},
};

static void test_malicious_corpus(void **state)
{
    char *gen = subdir("corpus");
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_mkdirs(gen, &err), &err);
    for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
        const struct corpus_case *c = &corpus[i];
        pw_buf name = PW_BUF_INIT;
        pw_buf_printf(&name, "evil%zu", i);
        pw_wheelgen_spec spec = {.name = name.data, .version = "1.0", .files = evil_files,
                                 .n_files = 2, .flaw = c->flaw,
                                 .shared_library = c->shared_library,
                                 .wheel_version = c->wheel_version,
                                 /* The wheel gets the full 200 MiB bomb. */
                                 .bomb_size = c->shared_library ? UINT64_C(64) << 20 : 0};
        char *archive = tb_make(&spec, gen);
        char *member = c->wheel_version ? pw_xstrdup("WHEEL") : pw_wheelgen_flaw_member(&spec);
        pw_buf site = PW_BUF_INIT;
        pw_buf_printf(&site, "%s/site-%zu", scratch, i);
        pw_bundle_install_options o = {.install_dir = c->shared_library ? "dynlib" : "site",
                                      .strict_record = true};
        int rc = pw_bundle_install_wheel(archive, site.data, &o, NULL, &err);
        const char *msg = pw_error_message(&err);
        if (getenv("TB_VERBOSE"))
            print_message("%s\n", msg);
        if (rc != c->code || !strstr(msg, archive) || !strstr(msg, member))
            fail_msg("case %zu (%s%s): rc %d (want %d), message \"%s\", member \"%s\"", i,
                     pw_wheelgen_flaw_name(c->flaw), c->shared_library ? ", zip" : "", rc,
                     c->code, msg, member);
        /* Rolled back: the site directory this call created is gone. */
        if (pw_file_exists(site.data))
            fail_msg("case %zu: %s left behind", i, site.data);
        pw_error_clear(&err);
        free(member);
        free(archive);
        pw_buf_free(&site);
        pw_buf_free(&name);
    }
    free(gen);
}

/* The default RECORD policy, as pip and micropip install: a member RECORD
 * does not list is warned about, a py-compiled .pyc counted, a wheel without
 * RECORD accepted on the artifact's sha256; --strict-record refuses. */
static void test_record_policy(void **state)
{
    (void)state;
    pw_error err = {0, NULL};
    static const pw_wheelgen_file files[] = {
        {"comp/__init__.py", "x = 1\n", 0, 0, 0},
        {"comp/core.py", "y = 2\n", 0, 0, 0},
        {"comp/data.txt", "d\n", 0, 0, 0},
    };
    char *gen = subdir("policy");
    PW_ASSERT_OK(pw_mkdirs(gen, &err), &err);

    /* py-compiled: two .pyc for two listed .py, nothing unlisted */
    pw_wheelgen_spec spec = {.name = "comp", .version = "1.0", .files = files, .n_files = 3,
                             .python_tag = "cp313", .py_compiled = true};
    char *wheel = tb_make(&spec, gen);
    char *site = pw_path_join(gen, "site-pyc");
    pw_bundle_install_result res;
    PW_ASSERT_OK(pw_bundle_install_wheel(wheel, site, NULL, &res, &err), &err);
    assert_int_equal(res.py_compiled, 2);
    assert_int_equal(res.unlisted, 0);
    assert_true(tb_mode(site, "comp/core.pyc") >= 0);
    assert_false(tb_mode(site, "comp/core.py") >= 0);
    /* the installed RECORD lists what is there: the .pyc, not the .py */
    char *record = tb_slurp(site, "comp-1.0.dist-info/RECORD", NULL);
    assert_non_null(strstr(record, "comp/core.pyc,sha256="));
    assert_null(strstr(record, "comp/core.py,"));
    free(record);
    pw_bundle_install_result_free(&res);
    /* strict mode accepts py-compiled members too: RECORD names their source */
    char *site2 = pw_path_join(gen, "site-pyc-strict");
    pw_bundle_install_options strict = {.strict_record = true};
    PW_ASSERT_OK(pw_bundle_install_wheel(wheel, site2, &strict, NULL, &err), &err);
    free(site2);
    free(site);
    free(wheel);

    /* an unlisted member: accepted and counted; refused when strict */
    pw_wheelgen_spec unl = {.name = "unl", .version = "1.0", .files = files, .n_files = 1,
                            .flaw = PW_WHEELGEN_UNLISTED_FILE};
    wheel = tb_make(&unl, gen);
    site = pw_path_join(gen, "site-unl");
    PW_ASSERT_OK(pw_bundle_install_wheel(wheel, site, NULL, &res, &err), &err);
    assert_int_equal(res.unlisted, 1);
    pw_bundle_install_result_free(&res);
    free(site);
    site = pw_path_join(gen, "site-unl-strict");
    assert_int_equal(pw_bundle_install_wheel(wheel, site, &strict, NULL, &err), PW_EHASH);
    assert_non_null(strstr(pw_error_message(&err), "unlisted.py"));
    assert_non_null(strstr(pw_error_message(&err), "--strict-record"));
    pw_error_clear(&err);
    assert_false(pw_file_exists(site));
    free(site);
    free(wheel);

    /* no RECORD: accepted only when the artifact's sha256 was checked */
    pw_wheelgen_spec norec = {.name = "norec", .version = "1.0", .files = files, .n_files = 1,
                              .flaw = PW_WHEELGEN_NO_RECORD};
    wheel = tb_make(&norec, gen);
    char hex[PW_SHA256_HEX_LEN + 1];
    PW_ASSERT_OK(pw_sha256_file_hex(wheel, hex, NULL, &err), &err);
    site = pw_path_join(gen, "site-norec");
    assert_int_equal(pw_bundle_install_wheel(wheel, site, NULL, NULL, &err), PW_EINVAL);
    pw_error_clear(&err);
    pw_bundle_install_options hashed = {.sha256 = hex};
    PW_ASSERT_OK(pw_bundle_install_wheel(wheel, site, &hashed, &res, &err), &err);
    assert_true(res.no_record);
    assert_true(tb_mode(site, "norec-1.0.dist-info/RECORD") >= 0);
    pw_bundle_install_result_free(&res);
    free(site);
    site = pw_path_join(gen, "site-norec-strict");
    pw_bundle_install_options hashed_strict = {.sha256 = hex, .strict_record = true};
    assert_int_equal(pw_bundle_install_wheel(wheel, site, &hashed_strict, NULL, &err), PW_EINVAL);
    pw_error_clear(&err);
    free(site);
    free(wheel);
    free(gen);
}

/* A failure part-way leaves an existing site as it was. */
static void test_rollback_keeps_existing(void **state)
{
    char *site = subdir("rollback");
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_mkdirs(site, &err), &err);
    char *keep = pw_path_join(site, "keep.txt");
    PW_ASSERT_OK(pw_write_file_atomic(keep, "keep", 4, &err), &err);
    pw_wheelgen_spec spec = {.name = "late", .version = "1.0", .files = evil_files, .n_files = 2,
                             .flaw = PW_WHEELGEN_HASH_MISMATCH};
    char *wheel = tb_make(&spec, scratch);
    assert_int_equal(pw_bundle_install_wheel(wheel, site, NULL, NULL, &err), PW_EHASH);
    pw_error_clear(&err);
    assert_int_equal(tb_count_prefixed(site, ""), 3); /* ".", "..", keep.txt */
    assert_true(pw_file_exists(keep));
    free(keep);
    free(wheel);
    free(site);
}

static void test_limits(void **state)
{
    /* Incompressible-ish content: a ratio check must not fire, only the
     * total limit. */
    size_t big = (size_t)3 << 20;
    char *content = pw_xmalloc(big);
    uint32_t x = 12345;
    for (size_t i = 0; i < big; i++) {
        x = x * 1664525u + 1013904223u;
        content[i] = (char)(x >> 24);
    }
    pw_wheelgen_file files[] = {{"big/data.bin", content, big, 0, 0}};
    pw_wheelgen_spec spec = {.name = "big", .version = "1.0", .files = files, .n_files = 1};
    char *wheel = tb_make(&spec, scratch);
    char *site = subdir("limits");
    pw_error err = {0, NULL};
    pw_bundle_install_options small = {.max_total_uncompressed = 1 << 20};
    assert_int_equal(pw_bundle_install_wheel(wheel, site, &small, NULL, &err), PW_ELIMIT);
    assert_non_null(strstr(pw_error_message(&err), "big/data.bin"));
    assert_false(pw_file_exists(site));
    pw_error_clear(&err);
    PW_ASSERT_OK(pw_bundle_install_wheel(wheel, site, NULL, NULL, &err), &err);
    free(wheel);
    free(content);

    /* Zeros compress about 1000:1: refused at ratio 200, accepted at 2000. */
    pw_wheelgen_file zeros[] = {{"z/zeros.bin", NULL, 0, 0, UINT64_C(8) << 20}};
    pw_wheelgen_spec zspec = {.name = "zeros", .version = "1.0", .files = zeros, .n_files = 1};
    char *zwheel = tb_make(&zspec, scratch);
    char *zsite = subdir("ratio");
    assert_int_equal(pw_bundle_install_wheel(zwheel, zsite, NULL, NULL, &err), PW_ELIMIT);
    assert_non_null(strstr(pw_error_message(&err), "z/zeros.bin"));
    assert_non_null(strstr(pw_error_message(&err), "200 times"));
    pw_error_clear(&err);
    pw_bundle_install_options lax = {.max_ratio = 2000};
    PW_ASSERT_OK(pw_bundle_install_wheel(zwheel, zsite, &lax, NULL, &err), &err);
    free(zwheel);
    free(zsite);
    free(site);
}

static void test_conflicts(void **state)
{
    char *site = subdir("conflict");
    pw_error err = {0, NULL};
    pw_wheelgen_file a_files[] = {{"shared/__init__.py", "# shared\n", 0, 0, 0},
                                  {"a/__init__.py", "A = 1\n", 0, 0, 0}};
    pw_wheelgen_file b_files[] = {{"shared/__init__.py", "# shared\n", 0, 0, 0},
                                  {"b/__init__.py", "B = 1\n", 0, 0, 0}};
    pw_wheelgen_file c_files[] = {{"a/__init__.py", "A = 2\n", 0, 0, 0},
                                  {"c/__init__.py", "C = 1\n", 0, 0, 0}};
    pw_wheelgen_spec a = {.name = "a", .version = "1", .files = a_files, .n_files = 2};
    pw_wheelgen_spec b = {.name = "b", .version = "1", .files = b_files, .n_files = 2};
    pw_wheelgen_spec c = {.name = "c", .version = "1", .files = c_files, .n_files = 2};
    char *wa = tb_make(&a, scratch), *wb = tb_make(&b, scratch), *wc = tb_make(&c, scratch);
    PW_ASSERT_OK(pw_bundle_install_wheel(wa, site, NULL, NULL, &err), &err);
    /* Same content at the same path: allowed, as pip does for namespaces. */
    PW_ASSERT_OK(pw_bundle_install_wheel(wb, site, NULL, NULL, &err), &err);
    assert_int_equal(pw_bundle_install_wheel(wc, site, NULL, NULL, &err), PW_ECONFLICT);
    assert_non_null(strstr(pw_error_message(&err), "a/__init__.py"));
    pw_error_clear(&err);
    /* c's rollback took its own files and left a's alone. */
    char *a_init = tb_slurp(site, "a/__init__.py", NULL);
    assert_string_equal(a_init, "A = 1\n");
    assert_int_equal(tb_mode(site, "c"), -1);
    assert_int_equal(tb_mode(site, "c-1.dist-info"), -1);
    free(a_init);
    free(wa);
    free(wb);
    free(wc);
    free(site);
}

static void test_strip_and_record(void **state)
{
    char *site = subdir("strip");
    pw_wheelgen_spec spec = tb_rich_spec();
    char *wheel = tb_make(&spec, scratch);
    static const char *const globs[] = {"data/*", "bin"};
    pw_strlist exclude = {(char **)globs, 2, 2};
    pw_bundle_install_options o = {
        .strip = PW_STRIP_TESTS | PW_STRIP_PYCACHE | PW_STRIP_STUBS, .exclude = &exclude};
    pw_bundle_install_result res;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_bundle_install_wheel(wheel, site, &o, &res, &err), &err);
    static const char *const gone[] = {
        "rich/core.pyi", "rich/py.typed", "rich/__pycache__/core.cpython-312.pyc",
        "rich/tests/__init__.py", "rich/tests/test_core.py", "bin/rich-cli",
        "data/share/rich/notes.txt",
    };
    uint64_t expect_saved = 0;
    for (size_t i = 0; i < spec.n_files; i++)
        for (size_t k = 0; k < sizeof(gone) / sizeof(gone[0]); k++) {
            const char *p = spec.files[i].path;
            const char *g = gone[k];
            bool data = strncmp(p, "rich-1.0.data/", 14) == 0;
            const char *installed = data ? strchr(p + 14, '/') + 1 : p;
            if (strcmp(installed, g) == 0 ||
                (data && strcmp(g, "bin/rich-cli") == 0 && strstr(p, "scripts/rich-cli")) ||
                (data && strcmp(g, "data/share/rich/notes.txt") == 0 && strstr(p, "data/share")))
                expect_saved += spec.files[i].len ? spec.files[i].len
                                                  : strlen(spec.files[i].content);
        }
    char *record = tb_slurp(site, "rich-1.0.dist-info/RECORD", NULL);
    for (size_t k = 0; k < sizeof(gone) / sizeof(gone[0]); k++) {
        assert_int_equal(tb_mode(site, gone[k]), -1);
        if (strstr(record, gone[k]))
            fail_msg("RECORD still lists %s", gone[k]);
    }
    assert_int_equal(res.saved_files, sizeof(gone) / sizeof(gone[0]));
    assert_int_equal(res.saved_bytes, expect_saved);
    assert_int_equal(tb_mode(site, "rich/core.py"), 0644);
    free(record);
    pw_bundle_install_result_free(&res);
    free(wheel);
    free(site);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_shared_library_zip),
        cmocka_unit_test(test_unsupported_and_lock_checks),
        cmocka_unit_test(test_malicious_corpus),
        cmocka_unit_test(test_rollback_keeps_existing),
        cmocka_unit_test(test_record_policy),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_conflicts),
        cmocka_unit_test(test_strip_and_record),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
