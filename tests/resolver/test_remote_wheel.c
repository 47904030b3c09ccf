/* pw_remote_wheel_metadata: METADATA of wheels of several shapes (small,
 * a maximal zip comment, a central directory larger than the tail, stored
 * METADATA, ZIP64) read through range requests from a real nginx and from
 * file:// URLs, compared byte for byte with what libzip reads; broken
 * archives give clear errors; a server without ranges gives
 * PW_EUNSUPPORTED. nginx cases are skipped when nginx is missing.
 * pw_wheel_read_metadata, the same walk over a local file's bytes, gives
 * the same bytes and the same errors, and reads other compressions with
 * libzip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_server.h"
#include "test_support.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "common.h"
#include "fetch.h"
#include "resolver.h"
#include "wheelgen.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ----------------------------------------------------------- fixtures */

typedef struct fixture {
    char *dir;
    char *root; /* served by nginx and the test server */
    char *cache;
    pw_test_nginx nginx; /* port 0: no nginx */
    pw_test_server server;
} fixture;

static int setup(void **state)
{
    fixture *f = pw_xcalloc(1, sizeof(*f));
    f->dir = pw_test_tempdir("remote-wheel");
    assert_non_null(f->dir);
    chmod(f->dir, 0755); /* nginx workers may run as another user */
    f->root = pw_path_join(f->dir, "root");
    f->cache = pw_path_join(f->dir, "cache");
    pw_error err = {0};
    PW_ASSERT_OK(pw_mkdirs(f->root, &err), &err);
    /* nginx first: it would inherit the test server's stdin pipe and keep
     * the server alive after the pipe is closed. */
    pw_test_nginx_start(&f->nginx, f->root, f->dir, false);
    pw_test_server_start(&f->server, f->root);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    pw_test_server_stop(&f->server);
    pw_test_nginx_stop(&f->nginx);
    pw_error err = {0};
    pw_remove_tree(f->dir, &err);
    pw_error_clear(&err);
    free(f->dir);
    free(f->root);
    free(f->cache);
    free(f);
    return 0;
}

static pw_fetch_session *session(fixture *f)
{
    pw_fetch_options o;
    pw_fetch_options_default(&o);
    o.cache_dir = f->cache;
    o.backoff_base_ms = 1;
    o.backoff_max_ms = 20;
    o.use_netrc = false;
    pw_fetch_session *s = NULL;
    pw_error err = {0};
    if (pw_fetch_session_new(&o, &s, &err) != PW_OK)
        fail_msg("session: %s", pw_error_message(&err));
    return s;
}

/* --------------------------------------------------------------- wheels */

static void random_bytes(pw_buf *out, size_t len, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;
    pw_buf_reset(out);
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        pw_buf_putc(out, (char)(x & 0xff));
    }
}

static const char *const requires[] = {"requests>=2.31", "numpy>=1.26; extra == \"fast\"",
                                       "attrs; python_version >= \"3.12\""};
static const char *const extras[] = {"fast"};

static void base_spec(pw_wheelgen_spec *spec, const char *name)
{
    memset(spec, 0, sizeof(*spec));
    spec->name = name;
    spec->version = "1.0";
    spec->requires_dist = requires;
    spec->n_requires_dist = N_ELEMS(requires);
    spec->provides_extra = extras;
    spec->n_provides_extra = N_ELEMS(extras);
    spec->requires_python = ">=3.12";
    spec->summary = "A wheel read through HTTP range requests";
}

static char *write_wheel(fixture *f, const pw_wheelgen_spec *spec)
{
    char *path = NULL;
    pw_error err = {0};
    if (pw_wheelgen_write(spec, f->root, &path, &err) != PW_OK)
        fail_msg("wheelgen: %s", pw_error_message(&err));
    return path;
}

static char *small_wheel(fixture *f, const char *name)
{
    pw_wheelgen_spec spec;
    base_spec(&spec, name);
    const pw_wheelgen_file files[] = {{"pkg/__init__.py", "VALUE = 1\n", 0, 0, 0}};
    spec.files = files;
    spec.n_files = N_ELEMS(files);
    return write_wheel(f, &spec);
}

/* The METADATA index of an archive, by libzip. */
static zip_int64_t metadata_index(zip_t *z)
{
    zip_int64_t n = zip_get_num_entries(z, 0);
    for (zip_int64_t i = 0; i < n; i++) {
        const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
        const char *slash = strchr(name, '/');
        if (slash && strcmp(slash, "/METADATA") == 0 && slash - name > 10 &&
            strncmp(slash - 10, ".dist-info", 10) == 0)
            return i;
    }
    return -1;
}

/* The reference: what libzip reads from the wheel. */
static void libzip_metadata(const char *path, pw_buf *out)
{
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
    assert_non_null(z);
    zip_int64_t i = metadata_index(z);
    assert_true(i >= 0);
    zip_file_t *zf = zip_fopen_index(z, (zip_uint64_t)i, 0);
    assert_non_null(zf);
    char chunk[4096];
    zip_int64_t got;
    pw_buf_reset(out);
    while ((got = zip_fread(zf, chunk, sizeof(chunk))) > 0)
        pw_buf_append(out, chunk, (size_t)got);
    zip_fclose(zf);
    zip_close(z);
    assert_true(out->len > 50);
}

/* Rewrites the wheel with libzip: a comment, and METADATA's compression. */
static void rezip(const char *path, const char *comment, size_t comment_len, zip_int32_t method)
{
    int zerr = 0;
    zip_t *z = zip_open(path, 0, &zerr);
    assert_non_null(z);
    if (comment)
        assert_int_equal(zip_set_archive_comment(z, comment, (zip_uint16_t)comment_len), 0);
    if (method >= 0) {
        zip_int64_t i = metadata_index(z);
        assert_true(i >= 0);
        assert_int_equal(zip_set_file_compression(z, (zip_uint64_t)i, method, 0), 0);
    }
    if (zip_close(z) != 0)
        fail_msg("zip_close %s: %s", path, zip_strerror(z));
}

/* A ZIP64 archive the direct way: more than 65535 entries (APPNOTE 4.4.21
 * saturates the 16-bit counts), METADATA first. */
static char *zip64_wheel(fixture *f)
{
    char *path = pw_path_join(f->root, "many-1.0-py3-none-any.whl");
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    assert_non_null(z);
    static const char metadata[] = "Metadata-Version: 2.1\nName: many\nVersion: 1.0\n"
                                   "Requires-Dist: requests>=2\n\nA ZIP64 wheel.\n";
    zip_source_t *src = zip_source_buffer(z, metadata, sizeof(metadata) - 1, 0);
    assert_true(zip_file_add(z, "many-1.0.dist-info/METADATA", src, ZIP_FL_ENC_UTF_8) >= 0);
    pw_buf name = PW_BUF_INIT;
    for (int i = 0; i < 70000; i++) {
        pw_buf_reset(&name);
        pw_buf_printf(&name, "many/m%05d.py", i);
        src = zip_source_buffer(z, "", 0, 0);
        zip_int64_t idx = zip_file_add(z, name.data, src, ZIP_FL_ENC_UTF_8);
        assert_true(idx >= 0);
        zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
    }
    pw_buf_free(&name);
    if (zip_close(z) != 0)
        fail_msg("zip_close %s: %s", path, zip_strerror(z));
    return path;
}

/* --------------------------------------------------------------- access */

static char *file_url(const char *path)
{
    pw_buf b = PW_BUF_INIT;
    pw_buf_printf(&b, "file://%s", path);
    return pw_buf_detach(&b);
}

static char *http_url(int port, const char *path)
{
    pw_buf b = PW_BUF_INIT;
    pw_buf_printf(&b, "http://127.0.0.1:%d/%s", port, pw_path_basename(path));
    return pw_buf_detach(&b);
}

/* nginx's access log (combined format): requests for /name and the body
 * bytes it sent for them. */
static void access_log(fixture *f, const char *name, long *requests, uint64_t *bytes)
{
    *requests = 0;
    *bytes = 0;
    char *log = pw_path_join(f->nginx.tmp, "access.log");
    pw_buf text = PW_BUF_INIT;
    pw_error err = {0};
    if (pw_read_file(log, &text, &err) == PW_OK && text.len) {
        pw_buf needle = PW_BUF_INIT;
        pw_buf_printf(&needle, "\"GET /%s HTTP/", name);
        for (const char *p = text.data; (p = strstr(p, needle.data)) != NULL; p++) {
            const char *q = strstr(p + 1, "\" ");
            long status = 0;
            unsigned long long sent = 0;
            if (q && sscanf(q + 2, "%ld %llu", &status, &sent) == 2) {
                (*requests)++;
                *bytes += sent;
            }
        }
        pw_buf_free(&needle);
    }
    pw_error_clear(&err);
    pw_buf_free(&text);
    free(log);
}

/* Reads METADATA through nginx and counts what nginx sent, from a copy of
 * the wheel under a name no other request used. nginx logs a request when
 * its response is complete, which can be a moment after the client has it:
 * wait (bounded) for the expected number of lines. */
static void read_counted(fixture *f, pw_fetch_session *s, const char *path, long expect_requests,
                         pw_buf *out, uint64_t *bytes)
{
    static int copies;
    pw_buf name = PW_BUF_INIT, content = PW_BUF_INIT;
    pw_buf_printf(&name, "counted%d-%s", ++copies, pw_path_basename(path));
    char *copy = pw_path_join(f->root, name.data);
    pw_error err = {0};
    PW_ASSERT_OK(pw_read_file(path, &content, &err), &err);
    PW_ASSERT_OK(pw_write_file_atomic(copy, content.data, content.len, &err), &err);
    chmod(copy, 0644);
    char *url = http_url(f->nginx.port, copy);
    if (pw_remote_wheel_metadata(s, url, out, &err) != PW_OK)
        fail_msg("%s", pw_error_message(&err));
    long requests = 0;
    for (int i = 0; i < 200; i++) {
        access_log(f, name.data, &requests, bytes);
        if (requests >= expect_requests)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(requests, expect_requests);
    free(url);
    free(copy);
    pw_buf_free(&content);
    pw_buf_free(&name);
}

/* ---------------------------------------------------------------- tests */

static void expect_same(fixture *f, pw_fetch_session *s, const char *path)
{
    pw_buf expected = PW_BUF_INIT, got = PW_BUF_INIT;
    libzip_metadata(path, &expected);
    char *urls[3] = {pw_xstrdup(path), file_url(path),
                     f->nginx.port ? http_url(f->nginx.port, path) : NULL};
    for (size_t i = 0; i < N_ELEMS(urls); i++) {
        if (!urls[i])
            continue;
        pw_error err = {0};
        if (pw_remote_wheel_metadata(s, urls[i], &got, &err) != PW_OK)
            fail_msg("%s", pw_error_message(&err));
        assert_int_equal(got.len, expected.len);
        assert_memory_equal(got.data, expected.data, expected.len);
        free(urls[i]);
    }
    pw_error err = {0};
    pw_buf_printf(&got, "stale bytes the read must drop");
    if (pw_wheel_read_metadata(path, "local", &got, &err) != PW_OK)
        fail_msg("%s", pw_error_message(&err));
    assert_int_equal(got.len, expected.len);
    assert_memory_equal(got.data, expected.data, expected.len);
    pw_buf_free(&expected);
    pw_buf_free(&got);
}

static void test_small_wheel(void **state)
{
    fixture *f = *state;
    pw_fetch_session *s = session(f);
    char *path = small_wheel(f, "small");
    expect_same(f, s, path);
    if (f->nginx.port) {
        /* Everything is in the 65 KiB tail: one request, the file's size */
        pw_buf got = PW_BUF_INIT;
        uint64_t bytes = 0;
        read_counted(f, s, path, 1, &got, &bytes);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(bytes, (uint64_t)st.st_size);
        pw_buf_free(&got);
    }
    free(path);
    pw_fetch_session_free(s);
}

/* A comment written byte by byte: libzip refuses control characters. */
static void raw_comment(const char *path, const char *comment, size_t len)
{
    pw_buf b = PW_BUF_INIT;
    pw_error err = {0};
    PW_ASSERT_OK(pw_read_file(path, &b, &err), &err);
    unsigned char *eocd = (unsigned char *)b.data + b.len - 22;
    assert_memory_equal(eocd, "PK\x05\x06", 4);
    assert_int_equal(eocd[20] | eocd[21] << 8, 0); /* no comment yet */
    eocd[20] = (unsigned char)len;
    eocd[21] = (unsigned char)(len >> 8);
    pw_buf_append(&b, comment, len);
    PW_ASSERT_OK(pw_write_file_atomic(path, b.data, b.len, &err), &err);
    pw_buf_free(&b);
}

static void test_zip_comment(void **state)
{
    fixture *f = *state;
    pw_fetch_session *s = session(f);
    pw_buf text = PW_BUF_INIT, tricky = PW_BUF_INIT;
    for (size_t i = 0; text.len < 65535; i++)
        pw_buf_puts(&text, "comment ");
    /* an end record signature ("PK\5\6") inside the comment, to mislead a
     * naive backwards search */
    for (size_t i = 0; tricky.len < 65535; i++)
        pw_buf_puts(&tricky, i % 100 == 7 ? "PK\x05\x06" : "comment ");
    const struct {
        size_t len;
        bool raw;
    } cases[] = {{1, false}, {1000, false}, {65535, false}, {300, true}, {65535, true}};
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        pw_buf name = PW_BUF_INIT;
        pw_buf_printf(&name, "commented%zu", i);
        char *path = small_wheel(f, name.data);
        if (cases[i].raw)
            raw_comment(path, tricky.data, cases[i].len);
        else
            rezip(path, text.data, cases[i].len, -1);
        expect_same(f, s, path);
        free(path);
        pw_buf_free(&name);
    }
    pw_buf_free(&text);
    pw_buf_free(&tricky);
    pw_fetch_session_free(s);
}

static void test_large_wheel_reads_little(void **state)
{
    fixture *f = *state;
    pw_fetch_session *s = session(f);
    /* 2000 modules (a central directory of ~150 KiB, more than the tail)
     * and 4 MiB of incompressible data. METADATA sorts first: its data is
     * far from the tail. */
    enum { N = 2000 };
    pw_wheelgen_file *files = pw_xcalloc(N + 4, sizeof(*files));
    pw_strlist names = PW_STRLIST_INIT;
    pw_buf blobs[4];
    for (int i = 0; i < N; i++) {
        pw_buf b = PW_BUF_INIT;
        pw_buf_printf(&b, "large/subpackage_with_a_long_name/module_%04d.py", i);
        pw_strlist_push_owned(&names, pw_buf_detach(&b));
        files[i].path = names.items[i];
        files[i].content = "X = 1\n";
    }
    for (int i = 0; i < 4; i++) {
        pw_buf_init(&blobs[i]);
        random_bytes(&blobs[i], 1u << 20, (uint32_t)i + 1);
        pw_buf b = PW_BUF_INIT;
        pw_buf_printf(&b, "large/data%d.bin", i);
        pw_strlist_push_owned(&names, pw_buf_detach(&b));
        files[N + i].path = names.items[N + i];
        files[N + i].content = blobs[i].data;
        files[N + i].len = blobs[i].len;
    }
    pw_wheelgen_spec spec;
    base_spec(&spec, "large");
    spec.files = files;
    spec.n_files = N + 4;
    char *path = write_wheel(f, &spec);
    expect_same(f, s, path);
    if (f->nginx.port) {
        /* the tail, the central directory, METADATA: three ranges */
        pw_buf got = PW_BUF_INIT;
        uint64_t bytes = 0;
        read_counted(f, s, path, 3, &got, &bytes);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_true(st.st_size > 4 << 20);
        assert_true(bytes < (uint64_t)st.st_size / 10);
        assert_true(bytes > PW_WHEEL_TAIL + 64 * 1024); /* the directory was read */
        pw_buf_free(&got);
    }
    for (int i = 0; i < 4; i++)
        pw_buf_free(&blobs[i]);
    pw_strlist_free(&names);
    free(files);
    free(path);
    pw_fetch_session_free(s);
}

static void test_stored_metadata(void **state)
{
    fixture *f = *state;
    pw_fetch_session *s = session(f);
    char *path = small_wheel(f, "stored");
    rezip(path, NULL, 0, ZIP_CM_STORE);
    /* check that libzip did store it, else the test proves nothing */
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
    zip_stat_t st;
    assert_int_equal(zip_stat_index(z, (zip_uint64_t)metadata_index(z), 0, &st), 0);
    assert_int_equal(st.comp_method, ZIP_CM_STORE);
    zip_close(z);
    expect_same(f, s, path);
    free(path);
    pw_fetch_session_free(s);
}

static void test_zip64(void **state)
{
    fixture *f = *state;
    pw_fetch_session *s = session(f);
    char *path = zip64_wheel(f);
    /* libzip writes the ZIP64 end records for more than 65535 entries:
     * the classic record then holds 0xFFFF, the ZIP64 locator precedes it */
    pw_buf bytes = PW_BUF_INIT;
    pw_error err = {0};
    PW_ASSERT_OK(pw_read_file(path, &bytes, &err), &err);
    const unsigned char *end = (const unsigned char *)bytes.data + bytes.len;
    assert_memory_equal(end - 22, "PK\x05\x06", 4);
    assert_memory_equal(end - 22 - 20, "PK\x06\x07", 4);
    assert_int_equal(end[-22 + 10] | end[-22 + 11] << 8, 0xFFFF);
    pw_buf_free(&bytes);
    expect_same(f, s, path);
    free(path);
    pw_fetch_session_free(s);
}

static void test_other_compression_is_unsupported(void **state)
{
    fixture *f = *state;
    if (!zip_compression_method_supported(ZIP_CM_BZIP2, 1))
        skip();
    pw_fetch_session *s = session(f);
    char *path = small_wheel(f, "bzipped");
    rezip(path, NULL, 0, ZIP_CM_BZIP2);
    pw_buf got = PW_BUF_INIT;
    pw_error err = {0};
    char *url = file_url(path);
    assert_int_equal(pw_remote_wheel_metadata(s, url, &got, &err), PW_EUNSUPPORTED);
    assert_non_null(strstr(pw_error_message(&err), "compression method 12"));
    assert_non_null(strstr(pw_error_message(&err), url));
    assert_int_equal(got.len, 0);
    /* A local wheel is read whole: libzip inflates what the walk does not. */
    pw_buf expected = PW_BUF_INIT;
    libzip_metadata(path, &expected);
    PW_ASSERT_OK(pw_wheel_read_metadata(path, "bzipped", &got, &err), &err);
    assert_int_equal(got.len, expected.len);
    assert_memory_equal(got.data, expected.data, expected.len);
    pw_buf_free(&expected);
    free(url);
    free(path);
    pw_error_clear(&err);
    pw_buf_free(&got);
    pw_fetch_session_free(s);
}

static void test_no_range_support(void **state)
{
    fixture *f = *state;
    pw_fetch_session *s = session(f);
    char *path = small_wheel(f, "noranges");
    pw_buf url = PW_BUF_INIT;
    /* pw_test_server: truncate-norange with n=0 ignores every Range */
    pw_buf_printf(&url, "http://127.0.0.1:%d/fault/truncate-norange/%s?n=0", f->server.port,
                  pw_path_basename(path));
    pw_buf got = PW_BUF_INIT;
    pw_error err = {0};
    /* The 200 carries the whole wheel: METADATA is read from it, and the
     * wheel is in the store, so its download costs no second request. */
    pw_buf count_path = PW_BUF_INIT;
    pw_buf_printf(&count_path, "/fault/truncate-norange/%s", pw_path_basename(path));
    if (pw_remote_wheel_metadata(s, url.data, &got, &err) != PW_OK)
        fail_msg("%s", pw_error_message(&err));
    assert_non_null(strstr(got.data, "Name: noranges"));
    assert_int_equal(pw_test_server_count(&f->server, count_path.data), 1);
    char hex[PW_SHA256_HEX_LEN + 1];
    uint64_t size = 0;
    PW_ASSERT_OK(pw_sha256_file_hex(path, hex, &size, &err), &err);
    pw_fetch_request req;
    if (pw_fetch_artifact(s, url.data, hex, &req, &err) != PW_OK)
        fail_msg("%s", pw_error_message(&err));
    assert_true(req.from_cache);
    pw_fetch_request_free(&req);
    assert_int_equal(pw_test_server_count(&f->server, count_path.data), 1);
    pw_buf_free(&count_path);
    /* the same server with ranges: pw_test_server answers suffix ranges
     * with the whole file too, so it works the same way */
    pw_buf_reset(&url);
    pw_buf_printf(&url, "http://127.0.0.1:%d/%s", f->server.port, pw_path_basename(path));
    if (pw_remote_wheel_metadata(s, url.data, &got, &err) != PW_OK)
        fail_msg("%s", pw_error_message(&err));
    /* offline: no network, and a clear word for it */
    pw_fetch_session_free(s);
    pw_fetch_options o;
    pw_fetch_options_default(&o);
    o.cache_dir = f->cache;
    o.offline = true;
    PW_ASSERT_OK(pw_fetch_session_new(&o, &s, &err), &err);
    assert_int_equal(pw_remote_wheel_metadata(s, url.data, &got, &err), PW_ENET);
    assert_non_null(strstr(pw_error_message(&err), "offline"));
    pw_error_clear(&err);
    pw_buf_free(&got);
    pw_buf_free(&url);
    free(path);
    pw_fetch_session_free(s);
}

/* ------------------------------------------------------------ bad input */

typedef enum damage {
    WHOLE,          /* the archive as generated */
    HALF,           /* the first half */
    CUT_END,        /* all but the last byte */
    GARBAGE,        /* not a zip at all */
    EMPTY,          /* zero bytes */
    CD_OFFSET,      /* the end record points past the file */
    CD_COUNT,       /* more entries than the directory can hold */
    META_CRC,       /* METADATA's CRC in the central directory */
    META_SIZE,      /* METADATA's size: above the metadata limit */
    META_RATIO,     /* METADATA's size: an impossible deflate ratio */
    META_METHOD,    /* METADATA's method: LZMA (14) */
    META_OFFSET,    /* METADATA's local header offset: into the member before */
    META_OVERLAP,   /* METADATA's local header offset: its data into the next member */
    LOCAL_SIG,      /* METADATA's local header signature */
} damage;

typedef struct bad_case {
    const char *label;
    bool shared_library; /* a plain zip without .dist-info */
    pw_wheelgen_flaw flaw;
    damage damage;
    int expect;
    const char *message; /* a part of the error */
} bad_case;

static const bad_case bad_cases[] = {
    {"no-dist-info", true, PW_WHEELGEN_SOUND, WHOLE, PW_EINVAL, "no .dist-info/METADATA"},
    {"two-dist-info", false, PW_WHEELGEN_TWO_DIST_INFO, WHOLE, PW_EINVAL, "more than one"},
    {"half", false, PW_WHEELGEN_SOUND, HALF, PW_EINVAL, "no zip end of central directory"},
    {"cut-end", false, PW_WHEELGEN_SOUND, CUT_END, PW_EINVAL, "no zip end of central directory"},
    {"garbage", false, PW_WHEELGEN_SOUND, GARBAGE, PW_EINVAL, "no zip end of central directory"},
    {"empty", false, PW_WHEELGEN_SOUND, EMPTY, PW_EINVAL, "empty"},
    {"cd-offset", false, PW_WHEELGEN_SOUND, CD_OFFSET, PW_EINVAL, "central directory"},
    {"cd-count", false, PW_WHEELGEN_SOUND, CD_COUNT, PW_EINVAL, "entries cannot fit"},
    {"crc", false, PW_WHEELGEN_SOUND, META_CRC, PW_EINVAL, "CRC-32 mismatch"},
    {"size", false, PW_WHEELGEN_SOUND, META_SIZE, PW_ELIMIT, "larger than"},
    {"ratio", false, PW_WHEELGEN_SOUND, META_RATIO, PW_EINVAL, "implausible compression"},
    {"method", false, PW_WHEELGEN_SOUND, META_METHOD, PW_EUNSUPPORTED, "compression method 14"},
    {"offset", false, PW_WHEELGEN_SOUND, META_OFFSET, PW_EINVAL, "no local file header"},
    {"overlap", false, PW_WHEELGEN_SOUND, META_OVERLAP, PW_EINVAL, "overlaps the next member"},
    {"local-sig", false, PW_WHEELGEN_SOUND, LOCAL_SIG, PW_EINVAL, "no local file header"},
};

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* METADATA's central directory header: its name's last occurrence. */
static unsigned char *central_header(pw_buf *b)
{
    unsigned char *hit = NULL;
    for (char *p = b->data; (p = memmem(p, b->len - (size_t)(p - b->data), ".dist-info/METADATA",
                                        19)) != NULL;
         p++)
        hit = (unsigned char *)p;
    assert_non_null(hit);
    while (get32(hit) != 0x02014b50u)
        hit--;
    return hit;
}

static void apply_damage(pw_buf *b, damage d)
{
    unsigned char *eocd = (unsigned char *)b->data + b->len - 22;
    switch (d) {
    case WHOLE:
        break;
    case HALF:
        b->len /= 2;
        break;
    case CUT_END:
        b->len -= 1;
        break;
    case GARBAGE:
        random_bytes(b, 5000, 99);
        break;
    case EMPTY:
        b->len = 0;
        break;
    case CD_OFFSET:
        put32(eocd + 16, (uint32_t)b->len);
        break;
    case CD_COUNT:
        eocd[8] = eocd[10] = 0xF0;
        break;
    case META_CRC:
        put32(central_header(b) + 16, get32(central_header(b) + 16) ^ 1);
        break;
    case META_SIZE:
        put32(central_header(b) + 24, 17u << 20);
        break;
    case META_RATIO:
        put32(central_header(b) + 24, get32(central_header(b) + 20) * 2000);
        break;
    case META_METHOD:
        central_header(b)[10] = 14;
        break;
    case META_OFFSET:
        put32(central_header(b) + 42, get32(central_header(b) + 42) - 7);
        break;
    case META_OVERLAP:
        put32(central_header(b) + 42, get32(central_header(b) + 42) + 7);
        break;
    case LOCAL_SIG: {
        unsigned char *local = (unsigned char *)b->data + get32(central_header(b) + 42);
        local[0] = 'X';
        break;
    }
    }
}

static void test_bad_archives(void **state)
{
    fixture *f = *state;
    pw_fetch_session *s = session(f);
    for (size_t i = 0; i < N_ELEMS(bad_cases); i++) {
        const bad_case *c = &bad_cases[i];
        pw_buf name = PW_BUF_INIT;
        pw_buf_printf(&name, "bad_%s", c->label);
        for (char *p = name.data; *p; p++)
            if (*p == '-')
                *p = '_';
        pw_wheelgen_spec spec;
        base_spec(&spec, name.data);
        /* some modules before METADATA... and after it (names sort) */
        const pw_wheelgen_file files[] = {{"a/__init__.py", "A = 1\n", 0, 0, 0},
                                          {"z/__init__.py", "Z = 1\n", 0, 0, 0}};
        spec.files = files;
        spec.n_files = N_ELEMS(files);
        spec.shared_library = c->shared_library;
        spec.flaw = c->flaw;
        char *path = write_wheel(f, &spec);
        pw_buf bytes = PW_BUF_INIT;
        pw_error err = {0};
        PW_ASSERT_OK(pw_read_file(path, &bytes, &err), &err);
        apply_damage(&bytes, c->damage);
        PW_ASSERT_OK(pw_write_file_atomic(path, bytes.data, bytes.len, &err), &err);
        char *urls[2] = {file_url(path), f->nginx.port ? http_url(f->nginx.port, path) : NULL};
        for (size_t u = 0; u < N_ELEMS(urls); u++) {
            if (!urls[u])
                continue;
            pw_buf got = PW_BUF_INIT;
            int rc = pw_remote_wheel_metadata(s, urls[u], &got, &err);
            const char *msg = pw_error_message(&err);
            if (rc != c->expect || !strstr(msg, c->message) || !strstr(msg, urls[u]))
                fail_msg("%s via %s: got %d \"%s\", expected %d with \"%s\"", c->label, urls[u],
                         rc, msg, c->expect, c->message);
            assert_int_equal(got.len, 0);
            pw_buf_free(&got);
            free(urls[u]);
        }
        /* The local read walks the same structure: the same error, except
         * that libzip is asked for a compression the walk leaves out. */
        pw_error_clear(&err);
        pw_buf got = PW_BUF_INIT;
        int rc = pw_wheel_read_metadata(path, "local wheel", &got, &err);
        const char *msg = pw_error_message(&err);
        if (c->expect == PW_EUNSUPPORTED ? rc == PW_OK
                                         : rc != c->expect || !strstr(msg, c->message) ||
                                               !strstr(msg, "local wheel"))
            fail_msg("%s, local: got %d \"%s\", expected %d with \"%s\"", c->label, rc, msg,
                     c->expect, c->message);
        assert_int_equal(got.len, 0);
        pw_buf_free(&got);
        pw_error_clear(&err);
        pw_buf_free(&bytes);
        pw_buf_free(&name);
        free(path);
    }
    pw_fetch_session_free(s);
}

/* Bad input never crashes (run under ASan/UBSan in CI): bytes of the end
 * records, the central directory and METADATA's local header flipped at
 * random, deterministically. */
static void test_random_damage(void **state)
{
    fixture *f = *state;
    pw_fetch_session *s = session(f);
    char *path = small_wheel(f, "fuzzed");
    pw_buf pristine = PW_BUF_INIT, bytes = PW_BUF_INIT, got = PW_BUF_INIT;
    pw_error err = {0};
    PW_ASSERT_OK(pw_read_file(path, &pristine, &err), &err);
    uint32_t x = 12345;
    size_t failures = 0;
    for (int round = 0; round < 400; round++) {
        pw_buf_reset(&bytes);
        pw_buf_append(&bytes, pristine.data, pristine.len);
        int flips = 1 + round % 4;
        for (int i = 0; i < flips; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            /* half of the flips in the last 200 bytes, where the structure is */
            size_t at = i % 2 ? bytes.len - 1 - x % 200 : x % bytes.len;
            bytes.data[at] ^= (char)(1u << (x >> 8) % 8);
        }
        PW_ASSERT_OK(pw_write_file_atomic(path, bytes.data, bytes.len, &err), &err);
        int rc = pw_remote_wheel_metadata(s, path, &got, &err);
        if (rc == PW_OK) {
            assert_true(got.len <= PW_METADATA_MAX_SIZE);
        } else {
            failures++;
            assert_int_equal(got.len, 0);
            assert_non_null(strstr(pw_error_message(&err), path));
        }
        pw_error_clear(&err);
        int local = pw_wheel_read_metadata(path, path, &got, &err);
        /* libzip may read what the walk calls another compression */
        if (local != rc && rc != PW_EUNSUPPORTED)
            fail_msg("round %d: %d by ranges, %d locally (%s)", round, rc, local,
                     pw_error_message(&err));
        pw_error_clear(&err);
    }
    assert_true(failures > 0);
    pw_error_clear(&err);
    pw_buf_free(&pristine);
    pw_buf_free(&bytes);
    pw_buf_free(&got);
    free(path);
    pw_fetch_session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_wheel),
        cmocka_unit_test(test_zip_comment),
        cmocka_unit_test(test_large_wheel_reads_little),
        cmocka_unit_test(test_stored_metadata),
        cmocka_unit_test(test_zip64),
        cmocka_unit_test(test_other_compression_is_unsupported),
        cmocka_unit_test(test_no_range_support),
        cmocka_unit_test(test_bad_archives),
        cmocka_unit_test(test_random_damage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
