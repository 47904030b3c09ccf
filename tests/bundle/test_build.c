/* pw_bundle_build: layout, manifest, reproducibility of dir and zip output,
 * size budget, slimming, and all-or-nothing failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include "bundle_private.h"
#include "support_bundle.h"

#include <cJSON.h>
#include <dirent.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

static char *scratch;
static char *rich_whl, *libfoo_zip, *small_whl, *big_whl, *shared_a, *shared_b;

static char *filler(size_t size, uint32_t seed)
{
    pw_buf b = PW_BUF_INIT;
    uint32_t x = seed;
    while (b.len < size) {
        x = x * 1664525u + 1013904223u;
        pw_buf_printf(&b, "value_%08x = %u\n", x, x >> 9);
    }
    b.data[size] = '\0';
    b.len = size;
    return pw_buf_detach(&b);
}

static int setup(void **state)
{
    scratch = pw_test_tempdir("bundle-build");
    char *gen = pw_path_join(scratch, "wheels");
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_mkdirs(gen, &err), &err);
    pw_wheelgen_spec rich = tb_rich_spec();
    rich_whl = tb_make(&rich, gen);

    static const pw_wheelgen_file lib_files[] = {{"lib/libfoo.so", "\0asm-foo", 8, S_IFREG | 0755, 0}};
    pw_wheelgen_spec lib = {.name = "libfoo", .version = "1.2", .files = lib_files, .n_files = 1,
                            .shared_library = true};
    libfoo_zip = tb_make(&lib, gen);

    static const pw_wheelgen_file small_files[] = {{"small.py", "SMALL = 1\n", 0, 0, 0}};
    pw_wheelgen_spec small = {.name = "small", .version = "0.1", .files = small_files, .n_files = 1};
    small_whl = tb_make(&small, gen);

    char *text = filler(300000, 7);
    pw_wheelgen_file big_files[] = {{"big/__init__.py", text, 0, 0, 0}};
    pw_wheelgen_spec big = {.name = "big", .version = "2.0", .files = big_files, .n_files = 1};
    big_whl = tb_make(&big, gen);
    free(text);

    static const pw_wheelgen_file sa[] = {{"ns/__init__.py", "# namespace\n", 0, 0, 0},
                                          {"ns/a.py", "A = 1\n", 0, 0, 0}};
    static const pw_wheelgen_file sb[] = {{"ns/__init__.py", "# namespace\n", 0, 0, 0},
                                          {"ns/b.py", "B = 1\n", 0, 0, 0}};
    pw_wheelgen_spec a = {.name = "ns-a", .version = "1", .files = sa, .n_files = 2};
    pw_wheelgen_spec b = {.name = "ns-b", .version = "1", .files = sb, .n_files = 2};
    shared_a = tb_make(&a, gen);
    shared_b = tb_make(&b, gen);
    free(gen);
    return 0;
}

static int teardown(void **state)
{
    pw_error err = {0, NULL};
    pw_remove_tree(scratch, &err);
    pw_error_clear(&err);
    free(scratch);
    free(rich_whl);
    free(libfoo_zip);
    free(small_whl);
    free(big_whl);
    free(shared_a);
    free(shared_b);
    return 0;
}

static size_t standard_items(pw_bundle_item items[6])
{
    items[0] = (pw_bundle_item){"big", "2.0", big_whl, NULL, "site", "package", NULL};
    items[1] = (pw_bundle_item){"libfoo", "1.2", libfoo_zip, NULL, "dynlib", "shared_library", NULL};
    items[2] = (pw_bundle_item){"rich", "1.0", rich_whl, NULL, "site", "package", NULL};
    items[3] = (pw_bundle_item){"small", "0.1", small_whl, NULL, "site", "package", NULL};
    /* Never opened: static libraries are not bundled. */
    items[4] = (pw_bundle_item){"static-thing", "1", "/nonexistent.zip", NULL, "dynlib",
                                "static_library", NULL};
    return 5;
}

static int build(const char *out, enum pw_bundle_format format, int64_t epoch,
                 pw_bundle_report *rep, pw_error *err)
{
    pw_bundle_item items[6];
    size_t n = standard_items(items);
    pw_bundle_options o = {.format = format, .output = out, .lock_digest = "sha256:abc123",
                           .source_date_epoch = epoch};
    return pw_bundle_build(items, n, &o, rep, err);
}

/* Every regular file and directory under root, as sorted "rel" and "rel/". */
static void walk(const char *root, const char *rel, pw_strlist *out)
{
    char *dir = rel ? pw_path_join(root, rel) : pw_xstrdup(root);
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *child = rel ? pw_path_join(rel, e->d_name) : pw_xstrdup(e->d_name);
        char *full = pw_path_join(root, child);
        struct stat st;
        assert_int_equal(lstat(full, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            pw_buf b = PW_BUF_INIT;
            pw_buf_printf(&b, "%s/", child);
            pw_strlist_push_owned(out, pw_buf_detach(&b));
            walk(root, child, out);
        } else {
            assert_true(S_ISREG(st.st_mode));
            pw_strlist_push(out, child);
        }
        free(full);
        free(child);
    }
    closedir(d);
    free(dir);
    pw_strlist_sort(out);
}

/* A directory bundle's manifest, beside it (bundle.h). */
static char *manifest_text(const char *out, size_t *len)
{
    char *path = pw_bundle_manifest_path(out);
    char *dir = pw_path_dirname(path);
    char *text = tb_slurp(dir, pw_path_basename(path), len);
    free(dir);
    free(path);
    return text;
}

static void test_dir_layout_and_manifest(void **state)
{
    char *out = pw_path_join(scratch, "out-dir");
    pw_bundle_report rep;
    pw_error err = {0, NULL};
    int rc = build(out, PW_BUNDLE_DIR, -1, &rep, &err);
    if (rc != PW_OK)
        fail_msg("%s", pw_error_message(&err));
    assert_int_equal(tb_mode(out, "lib/libfoo.so"), 0755);
    assert_int_equal(tb_mode(out, "rich/core.py"), 0644);
    assert_int_equal(tb_mode(out, "bin/rich-cli"), 0755);
    assert_int_equal(tb_mode(out, "small.py"), 0644);
    assert_int_equal(tb_mode(out, "small-0.1.dist-info/RECORD"), 0644);
    assert_int_equal(tb_mode(out, "."), 0755);

    size_t len = 0;
    char *text = manifest_text(out, &len);
    assert_non_null(text);
    cJSON *m = NULL;
    PW_ASSERT_OK(pw_json_parse("bundle.json", text, len, &m, &err), &err);
    assert_string_equal(cJSON_GetObjectItem(m, "lock_digest")->valuestring, "sha256:abc123");
    assert_int_equal(cJSON_GetObjectItem(m, "source_date_epoch")->valuedouble, 315532800);
    cJSON *files = cJSON_GetObjectItem(m, "files");
    pw_strlist listed = PW_STRLIST_INIT;
    const char *prev = "";
    uint64_t raw = 0;
    for (cJSON *f = files->child; f; f = f->next) {
        const char *path = cJSON_GetObjectItem(f, "path")->valuestring;
        assert_true(strcmp(prev, path) < 0);
        prev = path;
        char *full = pw_path_join(out, path);
        char hex[PW_SHA256_HEX_LEN + 1];
        tb_sha256(full, hex);
        assert_string_equal(hex, cJSON_GetObjectItem(f, "sha256")->valuestring);
        raw += (uint64_t)cJSON_GetObjectItem(f, "size")->valuedouble;
        pw_strlist_push(&listed, path);
        free(full);
    }
    assert_int_equal(listed.len, rep.files);
    assert_int_equal(raw, rep.raw_total);
    /* The tree holds exactly the manifest's files and dirs: wrangler
     * uploads all of it, so the manifest is not in it. */
    pw_strlist on_disk = PW_STRLIST_INIT;
    walk(out, NULL, &on_disk);
    size_t regular = 0;
    for (size_t i = 0; i < on_disk.len; i++) {
        const char *p = on_disk.items[i];
        if (p[strlen(p) - 1] == '/')
            continue;
        regular++;
        if (!pw_strlist_contains(&listed, p))
            fail_msg("%s is on disk but not in bundle.json", p);
    }
    assert_int_equal(regular, listed.len);
    char *found = NULL;
    bool legacy = true;
    PW_ASSERT_OK(pw_bundle_manifest_find(out, &found, &legacy, &err), &err);
    assert_false(legacy);
    char *beside = pw_path_join(scratch, "out-dir.bundle.json");
    assert_string_equal(found, beside);
    free(beside);
    free(found);
    pw_strlist_free(&on_disk);
    pw_strlist_free(&listed);
    cJSON_Delete(m);
    free(text);

    /* The report: static library skipped, largest gzip first. */
    assert_string_equal(rep.skipped, "static-thing");
    assert_int_equal(rep.n_packages, 4);
    assert_string_equal(rep.packages[0].name, "big");
    uint64_t gz = 0;
    for (size_t i = 0; i < rep.n_packages; i++) {
        gz += rep.packages[i].gz_bytes;
        assert_true(rep.packages[i].gz_bytes > 0);
        if (i)
            assert_true(rep.packages[i - 1].gz_bytes >= rep.packages[i].gz_bytes);
    }
    assert_int_equal(gz, rep.gz_total);
    assert_true(rep.packages[0].gz_bytes < rep.packages[0].raw_bytes);
    pw_bundle_report_free(&rep);

    /* No staging leftovers (the manifest beside is all), and a rebuild
     * replaces the earlier bundle. */
    assert_int_equal(tb_count_prefixed(scratch, "out-dir."), 1);
    PW_ASSERT_OK(build(out, PW_BUNDLE_DIR, -1, NULL, &err), &err);
    assert_int_equal(tb_count_prefixed(scratch, "out-dir"), 2);
    free(out);
}

static void test_refuses_foreign_output(void **state)
{
    char *out = pw_path_join(scratch, "foreign");
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_mkdirs(out, &err), &err);
    char *precious = pw_path_join(out, "main.py");
    PW_ASSERT_OK(pw_write_file_atomic(precious, "print(1)\n", 9, &err), &err);
    assert_int_equal(build(out, PW_BUNDLE_DIR, -1, NULL, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "refusing to replace"));
    pw_error_clear(&err);
    assert_true(pw_file_exists(precious));
    assert_int_equal(build(out, PW_BUNDLE_ZIP, -1, NULL, &err), PW_EINVAL);
    pw_error_clear(&err);
    assert_int_equal(tb_count_prefixed(scratch, "foreign."), 0);
    free(precious);
    free(out);
}

static void zip_digest(const char *path, char hex[PW_SHA256_HEX_LEN + 1])
{
    tb_sha256(path, hex);
}

/* Host settings that must not change the bytes. */
static void set_host(const char *tz, mode_t mask, const char *locale)
{
    setenv("TZ", tz, 1);
    tzset();
    umask(mask);
    setenv("LC_ALL", locale, 1);
    setlocale(LC_ALL, "");
}

static void test_zip_reproducible(void **state)
{
    unsetenv("SOURCE_DATE_EPOCH");
    char *a = pw_path_join(scratch, "a.zip"), *b = pw_path_join(scratch, "b.zip"),
         *c = pw_path_join(scratch, "c.zip");
    pw_error err = {0, NULL};
    set_host("UTC", 022, "C");
    PW_ASSERT_OK(build(a, PW_BUNDLE_ZIP, -1, NULL, &err), &err);
    set_host("America/St_Johns", 077, "C.UTF-8");
    PW_ASSERT_OK(build(b, PW_BUNDLE_ZIP, -1, NULL, &err), &err);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        set_host("Asia/Kathmandu", 0, "C.UTF-8");
        pw_error cerr = {0, NULL};
        _exit(build(c, PW_BUNDLE_ZIP, -1, NULL, &cerr) == PW_OK ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    set_host("UTC", 022, "C");
    char ha[PW_SHA256_HEX_LEN + 1], hb[PW_SHA256_HEX_LEN + 1], hc[PW_SHA256_HEX_LEN + 1];
    zip_digest(a, ha);
    zip_digest(b, hb);
    zip_digest(c, hc);
    assert_string_equal(ha, hb);
    assert_string_equal(ha, hc);
    assert_int_equal(tb_count_prefixed(scratch, "a.zip."), 0);

    /* Entries sorted, files only, normalized modes, no extra fields. */
    int zerr = 0;
    zip_t *za = zip_open(a, ZIP_RDONLY, &zerr);
    assert_non_null(za);
    zip_int64_t n = zip_get_num_entries(za, 0);
    assert_true(n > 10);
    const char *prev = "";
    bool saw_manifest = false;
    for (zip_int64_t i = 0; i < n; i++) {
        const char *name = zip_get_name(za, (zip_uint64_t)i, 0);
        assert_true(strcmp(prev, name) < 0);
        prev = name;
        saw_manifest |= strcmp(name, PW_BUNDLE_MANIFEST) == 0;
        zip_uint8_t opsys;
        zip_uint32_t attr;
        assert_int_equal(zip_file_get_external_attributes(za, (zip_uint64_t)i, 0, &opsys, &attr), 0);
        assert_int_equal(opsys, ZIP_OPSYS_UNIX);
        uint32_t mode = attr >> 16;
        bool exec = strcmp(name, "lib/libfoo.so") == 0 || strcmp(name, "bin/rich-cli") == 0 ||
                    strcmp(name, "rich/_native.so") == 0;
        assert_int_equal(mode, S_IFREG | (exec ? 0755u : 0644u));
        assert_int_equal(zip_file_extra_fields_count(za, (zip_uint64_t)i, ZIP_FL_CENTRAL), 0);
        assert_int_equal(zip_file_extra_fields_count(za, (zip_uint64_t)i, ZIP_FL_LOCAL), 0);
    }
    assert_true(saw_manifest);
    zip_discard(za);
    /* The first local header carries the DOS time of 1980-01-01 00:00. */
    pw_buf raw = PW_BUF_INIT;
    PW_ASSERT_OK(pw_read_file(a, &raw, &err), &err);
    const unsigned char *h = (const unsigned char *)raw.data;
    assert_memory_equal(h, "PK\3\4", 4);
    assert_int_equal(h[10] | h[11] << 8, 0);
    assert_int_equal(h[12] | h[13] << 8, (1 << 5) | 1);
    pw_buf_free(&raw);

    /* SOURCE_DATE_EPOCH from the environment equals the explicit option
     * and changes the bytes. */
    char *d = pw_path_join(scratch, "d.zip"), *e = pw_path_join(scratch, "e.zip");
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    PW_ASSERT_OK(build(d, PW_BUNDLE_ZIP, -1, NULL, &err), &err);
    unsetenv("SOURCE_DATE_EPOCH");
    PW_ASSERT_OK(build(e, PW_BUNDLE_ZIP, 1700000000, NULL, &err), &err);
    char hd[PW_SHA256_HEX_LEN + 1], he[PW_SHA256_HEX_LEN + 1];
    zip_digest(d, hd);
    zip_digest(e, he);
    assert_string_equal(hd, he);
    assert_string_not_equal(hd, ha);
    setenv("SOURCE_DATE_EPOCH", "yesterday", 1);
    assert_int_equal(build(d, PW_BUNDLE_ZIP, -1, NULL, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "SOURCE_DATE_EPOCH"));
    pw_error_clear(&err);
    unsetenv("SOURCE_DATE_EPOCH");
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
}

static void test_dir_reproducible(void **state)
{
    char *one = pw_path_join(scratch, "tree-1"), *two = pw_path_join(scratch, "tree-2");
    pw_error err = {0, NULL};
    set_host("UTC", 022, "C");
    PW_ASSERT_OK(build(one, PW_BUNDLE_DIR, 1600000000, NULL, &err), &err);
    set_host("Pacific/Chatham", 027, "C.UTF-8");
    PW_ASSERT_OK(build(two, PW_BUNDLE_DIR, 1600000000, NULL, &err), &err);
    set_host("UTC", 022, "C");
    pw_strlist l1 = PW_STRLIST_INIT, l2 = PW_STRLIST_INIT;
    walk(one, NULL, &l1);
    walk(two, NULL, &l2);
    assert_int_equal(l1.len, l2.len);
    for (size_t i = 0; i < l1.len; i++) {
        assert_string_equal(l1.items[i], l2.items[i]);
        char *p1 = pw_path_join(one, l1.items[i]), *p2 = pw_path_join(two, l2.items[i]);
        struct stat s1, s2;
        assert_int_equal(stat(p1, &s1), 0);
        assert_int_equal(stat(p2, &s2), 0);
        assert_int_equal(s1.st_mode, s2.st_mode);
        assert_int_equal(s1.st_mtime, 1600000000);
        assert_int_equal(s2.st_mtime, 1600000000);
        if (S_ISREG(s1.st_mode)) {
            size_t n1 = 0, n2 = 0;
            char *c1 = tb_slurp(one, l1.items[i], &n1), *c2 = tb_slurp(two, l2.items[i], &n2);
            assert_int_equal(n1, n2);
            assert_memory_equal(c1, c2, n1);
            free(c1);
            free(c2);
        }
        free(p1);
        free(p2);
    }
    size_t m1 = 0, m2 = 0;
    char *t1 = manifest_text(one, &m1), *t2 = manifest_text(two, &m2);
    assert_int_equal(m1, m2);
    assert_memory_equal(t1, t2, m1);
    free(t1);
    free(t2);
    char *mp = pw_bundle_manifest_path(one);
    struct stat ms;
    assert_int_equal(stat(mp, &ms), 0);
    assert_int_equal(ms.st_mtime, 1600000000);
    assert_int_equal(ms.st_mode & 0777, 0644);
    free(mp);
    pw_strlist_free(&l1);
    pw_strlist_free(&l2);
    free(one);
    free(two);
}

static void test_budget(void **state)
{
    char *out = pw_path_join(scratch, "over-budget");
    pw_bundle_item items[6];
    size_t n = standard_items(items);
    pw_bundle_options o = {.format = PW_BUNDLE_ZIP, .output = out, .max_size_gz = 2000,
                           .source_date_epoch = -1};
    pw_bundle_report rep;
    pw_error err = {0, NULL};
    assert_int_equal(pw_bundle_build(items, n, &o, &rep, &err), PW_ECHECK);
    const char *msg = pw_error_message(&err);
    const char *big = strstr(msg, "big 2.0");
    const char *rich = strstr(msg, "rich 1.0");
    if (!strstr(msg, "over the budget") || !strstr(msg, "largest contributors") || !big ||
        !rich || big > rich)
        fail_msg("message: %s", msg);
    assert_int_equal(rep.n_packages, 4);
    assert_true(rep.gz_total > 2000);
    assert_false(pw_file_exists(out));
    assert_int_equal(tb_count_prefixed(scratch, "over-budget"), 0);
    pw_error_clear(&err);
    pw_bundle_report_free(&rep);

    o.max_size_gz = UINT64_C(10) * 1000 * 1000;
    PW_ASSERT_OK(pw_bundle_build(items, n, &o, NULL, &err), &err);
    assert_true(pw_file_exists(out));
    free(out);
}

static void test_strip_report(void **state)
{
    char *full = pw_path_join(scratch, "unslim"), *slim = pw_path_join(scratch, "slim");
    pw_bundle_item items[6];
    size_t n = standard_items(items);
    pw_bundle_options o = {.format = PW_BUNDLE_DIR, .output = full, .source_date_epoch = -1};
    pw_bundle_report rep_full, rep_slim;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_bundle_build(items, n, &o, &rep_full, &err), &err);
    static const char *const globs[] = {"bin/*", "include"};
    pw_strlist exclude = {(char **)globs, 2, 2};
    o.output = slim;
    o.strip = PW_STRIP_TESTS | PW_STRIP_PYCACHE | PW_STRIP_STUBS;
    o.exclude = &exclude;
    PW_ASSERT_OK(pw_bundle_build(items, n, &o, &rep_slim, &err), &err);
    assert_int_equal(rep_full.saved_bytes, 0);
    assert_true(rep_slim.saved_bytes > 0);
    /* Saved bytes are exactly what went missing (RECORD rows aside). */
    static const char *const gone[] = {
        "rich/core.pyi", "rich/py.typed", "rich/__pycache__/core.cpython-312.pyc",
        "rich/tests/__init__.py", "rich/tests/test_core.py", "bin/rich-cli", "include/rich/rich.h",
    };
    uint64_t sum = 0;
    for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
        char *p = pw_path_join(full, gone[i]);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        sum += (uint64_t)st.st_size;
        assert_int_equal(tb_mode(slim, gone[i]), -1);
        free(p);
    }
    assert_int_equal(rep_slim.saved_bytes, sum);
    assert_int_equal(rep_slim.saved_files, sizeof(gone) / sizeof(gone[0]));
    assert_true(rep_slim.raw_total < rep_full.raw_total);
    char *manifest = manifest_text(slim, NULL);
    char *record = tb_slurp(slim, "rich-1.0.dist-info/RECORD", NULL);
    for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
        assert_null(strstr(manifest, gone[i]));
        assert_null(strstr(record, gone[i]));
    }
    free(manifest);
    free(record);
    pw_bundle_report_free(&rep_full);
    pw_bundle_report_free(&rep_slim);
    free(full);
    free(slim);
}

static void test_shared_namespace_files(void **state)
{
    char *out = pw_path_join(scratch, "ns");
    pw_bundle_item items[] = {
        {"ns-a", "1", shared_a, NULL, "site", "package", NULL},
        {"ns-b", "1", shared_b, NULL, "site", "package", NULL},
    };
    pw_bundle_options o = {.format = PW_BUNDLE_DIR, .output = out, .source_date_epoch = -1};
    pw_bundle_report rep;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_bundle_build(items, 2, &o, &rep, &err), &err);
    char *manifest = manifest_text(out, NULL);
    const char *first = strstr(manifest, "\"ns/__init__.py\"");
    assert_non_null(first);
    assert_null(strstr(first + 1, "\"ns/__init__.py\""));
    char *b_record = tb_slurp(out, "ns_b-1.dist-info/RECORD", NULL);
    assert_non_null(strstr(b_record, "ns/__init__.py,"));
    free(b_record);
    free(manifest);
    pw_bundle_report_free(&rep);
    free(out);
}

static const pw_wheelgen_file evil_files[] = {
    {"evil/__init__.py", "print('hello')\n", 0, 0, 0},
};

static void test_failures_leave_nothing(void **state)
{
    char *gen = pw_path_join(scratch, "evil");
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_mkdirs(gen, &err), &err);
    static const int codes[PW_WHEELGEN_FLAW_COUNT] = {
        [PW_WHEELGEN_PATH_TRAVERSAL] = PW_EINVAL, [PW_WHEELGEN_ABSOLUTE_PATH] = PW_EINVAL,
        [PW_WHEELGEN_BACKSLASH] = PW_EINVAL,      [PW_WHEELGEN_DRIVE_LETTER] = PW_EINVAL,
        [PW_WHEELGEN_SYMLINK] = PW_EINVAL,        [PW_WHEELGEN_DEVICE] = PW_EINVAL,
        [PW_WHEELGEN_BOMB] = PW_ELIMIT,           [PW_WHEELGEN_HASH_MISMATCH] = PW_EHASH,
        [PW_WHEELGEN_SIZE_MISMATCH] = PW_EHASH,   [PW_WHEELGEN_NO_RECORD] = PW_EINVAL,
        [PW_WHEELGEN_NO_WHEEL] = PW_EINVAL,       [PW_WHEELGEN_NAME_MISMATCH] = PW_EINVAL,
        [PW_WHEELGEN_TWO_DIST_INFO] = PW_EINVAL,  [PW_WHEELGEN_DUPLICATE] = PW_EINVAL,
        [PW_WHEELGEN_UNLISTED_FILE] = PW_EHASH,   [PW_WHEELGEN_MISSING_LISTED] = PW_EHASH,
        [PW_WHEELGEN_CONTROL_CHAR] = PW_EINVAL,   [PW_WHEELGEN_NOT_UTF8] = PW_EINVAL,
    };
    for (int flaw = 1; flaw < PW_WHEELGEN_FLAW_COUNT; flaw++) {
        pw_wheelgen_spec spec = {.name = "evil", .version = "1.0", .files = evil_files,
                                 .n_files = 1, .flaw = (pw_wheelgen_flaw)flaw,
                                 .bomb_size = UINT64_C(16) << 20};
        char *sub = pw_path_join(gen, pw_wheelgen_flaw_name(spec.flaw));
        PW_ASSERT_OK(pw_mkdirs(sub, &err), &err);
        char *wheel = tb_make(&spec, sub);
        char *member = pw_wheelgen_flaw_member(&spec);
        pw_bundle_item items[] = {
            {"small", "0.1", small_whl, NULL, "site", "package", NULL},
            {"evil", "1.0", wheel, NULL, "site", "package", NULL},
        };
        for (int format = PW_BUNDLE_DIR; format <= PW_BUNDLE_ZIP; format++) {
            char *out = pw_path_join(scratch, format == PW_BUNDLE_DIR ? "evil-out" : "evil-out.zip");
            pw_bundle_options o = {.format = (enum pw_bundle_format)format, .output = out,
                                   .source_date_epoch = -1, .strict_record = true};
            int rc = pw_bundle_build(items, 2, &o, NULL, &err);
            const char *msg = pw_error_message(&err);
            if (rc != codes[flaw] || !strstr(msg, wheel) || !strstr(msg, member) ||
                !strstr(msg, "bundling evil"))
                fail_msg("%s (format %d): rc %d, message \"%s\"", pw_wheelgen_flaw_name(spec.flaw),
                         format, rc, msg);
            assert_false(pw_file_exists(out));
            assert_int_equal(tb_count_prefixed(scratch, "evil-out"), 0);
            pw_error_clear(&err);
            free(out);
        }
        free(member);
        free(wheel);
        free(sub);
    }
    free(gen);
}

static void test_manifest_name_taken(void **state)
{
    static const pw_wheelgen_file files[] = {{"bundle.json", "{}\n", 0, 0, 0}};
    pw_wheelgen_spec spec = {.name = "squatter", .version = "1", .files = files, .n_files = 1};
    char *wheel = tb_make(&spec, scratch);
    char *out = pw_path_join(scratch, "squat");
    pw_bundle_item items[] = {{"squatter", "1", wheel, NULL, "site", "package", NULL}};
    pw_bundle_options o = {.format = PW_BUNDLE_DIR, .output = out, .source_date_epoch = -1};
    pw_error err = {0, NULL};
    assert_int_equal(pw_bundle_build(items, 1, &o, NULL, &err), PW_ECONFLICT);
    assert_non_null(strstr(pw_error_message(&err), "squatter"));
    pw_error_clear(&err);
    assert_false(pw_file_exists(out));
    free(out);
    free(wheel);
}

/* A bundle of an older pwpkg kept its manifest inside: it is still found
 * (as legacy), still replaced, and compares equal to a new one. */
static void test_legacy_manifest(void **state)
{
    char *old = pw_path_join(scratch, "legacy"), *fresh = pw_path_join(scratch, "fresh");
    pw_error err = {0, NULL};
    PW_ASSERT_OK(build(old, PW_BUNDLE_DIR, 1600000000, NULL, &err), &err);
    PW_ASSERT_OK(build(fresh, PW_BUNDLE_DIR, 1600000000, NULL, &err), &err);
    char *beside = pw_bundle_manifest_path(old), *inside = pw_path_join(old, PW_BUNDLE_MANIFEST);
    assert_int_equal(rename(beside, inside), 0);
    char *found = NULL;
    bool legacy = false;
    PW_ASSERT_OK(pw_bundle_manifest_find(old, &found, &legacy, &err), &err);
    assert_true(legacy);
    assert_string_equal(found, inside);
    free(found);
    pw_strlist diffs = PW_STRLIST_INIT;
    PW_ASSERT_OK(pw_bundle_compare(old, fresh, &diffs, &err), &err);
    if (diffs.len)
        fail_msg("legacy vs new: %s", diffs.items[0]);
    PW_ASSERT_OK(pw_bundle_compare(fresh, old, &diffs, &err), &err);
    assert_int_equal(diffs.len, 0);
    /* A changed manifest is a difference, wherever it is. */
    PW_ASSERT_OK(pw_write_file_atomic(inside, "{}\n", 3, &err), &err);
    assert_int_equal(chmod(inside, 0644), 0);
    PW_ASSERT_OK(pw_bundle_compare(old, fresh, &diffs, &err), &err);
    assert_int_equal(diffs.len, 1);
    assert_string_equal(diffs.items[0], "bundle.json (content or mode differs)");
    pw_strlist_free(&diffs);
    /* Rebuilding over it moves the manifest out. */
    PW_ASSERT_OK(build(old, PW_BUNDLE_DIR, 1600000000, NULL, &err), &err);
    assert_false(pw_file_exists(inside));
    assert_true(pw_file_exists(beside));
    /* No manifest at all: not found, named. */
    assert_int_equal(unlink(beside), 0);
    assert_int_equal(pw_bundle_manifest_find(old, &found, &legacy, &err), PW_ENOTFOUND);
    assert_null(found);
    assert_non_null(strstr(pw_error_message(&err), "no bundle manifest"));
    pw_error_clear(&err);
    free(beside);
    free(inside);
    free(old);
    free(fresh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dir_layout_and_manifest),
        cmocka_unit_test(test_refuses_foreign_output),
        cmocka_unit_test(test_zip_reproducible),
        cmocka_unit_test(test_dir_reproducible),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_strip_report),
        cmocka_unit_test(test_shared_namespace_files),
        cmocka_unit_test(test_failures_leave_nothing),
        cmocka_unit_test(test_manifest_name_taken),
        cmocka_unit_test(test_legacy_manifest),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
