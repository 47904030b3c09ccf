/* pw_fetch_range: the same table of ranges against a local file (file://
 * and a plain path), a real nginx (HTTP and HTTPS with a test CA) and
 * pw_test_server; servers that ignore Range (HTTP 200), retries, errors,
 * credentials and offline mode. nginx cases are skipped when nginx or
 * openssl is missing. */
#include "fetch_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_support.h"

#define BLOB_SIZE 200000
#define BLOB_NAME "blob-1.0-py3-none-any.whl"

typedef struct fixture {
    char *dir;
    char *root;
    char *cache;
    pw_buf blob;
    pw_test_server server;
    pw_test_nginx nginx; /* port 0: no nginx */
} fixture;

static int setup(void **state)
{
    fixture *f = pw_xcalloc(1, sizeof(*f));
    f->dir = pw_test_tempdir("range");
    f->root = pw_path_join(f->dir, "root");
    f->cache = pw_path_join(f->dir, "cache");
    ft_blob(&f->blob, BLOB_SIZE, 7);
    pw_test_write(f->root, BLOB_NAME, f->blob.data, f->blob.len);
    pw_test_write(f->root, "empty.whl", "", 0);
    /* nginx first: processes started later would inherit the test server's
     * stdin pipe and keep it alive after pw_test_server_stop closes it. */
    pw_test_nginx_start(&f->nginx, f->root, f->dir, true);
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
    pw_buf_free(&f->blob);
    free(f->dir);
    free(f->root);
    free(f->cache);
    free(f);
    return 0;
}

static pw_fetch_session *session(fixture *f, bool offline)
{
    pw_fetch_options o;
    ft_options(&o, f->cache);
    o.offline = offline;
    o.ca_file = f->nginx.ca_file;
    return ft_session(&o);
}

/* What every server that does ranges must answer, and a local file too. */
typedef struct range_case {
    int64_t offset;
    uint64_t length;
    int expect;           /* PW_OK or the error */
    uint64_t first;       /* expected: offset of the bytes in the blob */
    uint64_t len;         /* expected: how many */
    bool suffix;          /* a suffix range (not all servers do them) */
} range_case;

static const range_case cases[] = {
    {0, 1, PW_OK, 0, 1, false},
    {0, 22, PW_OK, 0, 22, false},
    {1000, 4096, PW_OK, 1000, 4096, false},
    {BLOB_SIZE - 10, 10, PW_OK, BLOB_SIZE - 10, 10, false},
    /* the file ends first: the bytes up to its end */
    {BLOB_SIZE - 10, 100, PW_OK, BLOB_SIZE - 10, 10, false},
    {0, BLOB_SIZE, PW_OK, 0, BLOB_SIZE, false},
    /* RFC 9110 14.1.2 suffix ranges */
    {-100, 0, PW_OK, BLOB_SIZE - 100, 100, true},
    {-65536, 65536, PW_OK, BLOB_SIZE - 65536, 65536, true},
    {-1, 0, PW_OK, BLOB_SIZE - 1, 1, true},
    /* a suffix longer than the file is the whole file */
    {-(int64_t)BLOB_SIZE - 5000, 0, PW_OK, 0, BLOB_SIZE, true},
    /* past the end: HTTP 416 */
    {BLOB_SIZE, 10, PW_EINVAL, 0, 0, false},
    {BLOB_SIZE + 1000, 10, PW_EINVAL, 0, 0, false},
    /* bad arguments never reach the server */
    {0, 0, PW_EINVAL, 0, 0, false},
    {-100, 50, PW_EINVAL, 0, 0, true},
    {0, PW_FETCH_RANGE_MAX + 1, PW_ELIMIT, 0, 0, false},
    {-(int64_t)PW_FETCH_RANGE_MAX - 1, 0, PW_ELIMIT, 0, 0, true},
};

static void check_cases(fixture *f, pw_fetch_session *s, const char *url, bool suffixes)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const range_case *c = &cases[i];
        if (c->suffix && !suffixes)
            continue;
        pw_buf out = PW_BUF_INIT;
        pw_error err = {0};
        uint64_t total = 12345;
        int rc = pw_fetch_range(s, url, c->offset, c->length, &out, &total, &err);
        if (rc != c->expect)
            fail_msg("%s case %zu (%lld, %llu): got %d (%s), expected %d", url, i,
                     (long long)c->offset, (unsigned long long)c->length, rc,
                     pw_error_message(&err), c->expect);
        if (rc == PW_OK) {
            assert_int_equal(total, BLOB_SIZE);
            assert_int_equal(out.len, c->len);
            assert_memory_equal(out.data, f->blob.data + c->first, c->len);
        } else {
            assert_int_equal(out.len, 0);
            /* every error names the URL */
            assert_non_null(strstr(pw_error_message(&err), url));
        }
        pw_error_clear(&err);
        pw_buf_free(&out);
    }
}

static void test_local_file(void **state)
{
    fixture *f = *state;
    pw_fetch_session *s = session(f, false);
    char *path = pw_path_join(f->root, BLOB_NAME);
    check_cases(f, s, path, true);
    pw_buf url = PW_BUF_INIT;
    pw_buf_printf(&url, "file://%s", path);
    check_cases(f, s, url.data, true);
    pw_fetch_session_free(s);

    /* local files need no network: offline sessions read them too */
    s = session(f, true);
    check_cases(f, s, url.data, true);

    pw_buf out = PW_BUF_INIT;
    pw_error err = {0};
    uint64_t total = 1;
    char *missing = pw_path_join(f->root, "missing.whl");
    assert_int_equal(pw_fetch_range(s, missing, 0, 10, &out, &total, &err), PW_ENOTFOUND);
    assert_non_null(strstr(pw_error_message(&err), missing));
    /* an empty file: the suffix is empty, any offset is past the end */
    char *empty = pw_path_join(f->root, "empty.whl");
    PW_ASSERT_OK(pw_fetch_range(s, empty, -100, 0, &out, &total, &err), &err);
    assert_int_equal(out.len, 0);
    assert_int_equal(total, 0);
    assert_int_equal(pw_fetch_range(s, empty, 0, 100, &out, &total, &err), PW_EINVAL);
    assert_int_equal(pw_fetch_range(s, f->root, 0, 100, &out, &total, &err), PW_EIO);
    free(empty);
    free(missing);
    pw_error_clear(&err);
    pw_buf_free(&out);
    pw_buf_free(&url);
    free(path);
    pw_fetch_session_free(s);
}

static void test_nginx_http_and_https(void **state)
{
    fixture *f = *state;
    if (!f->nginx.port)
        skip();
    pw_fetch_session *s = session(f, false);
    pw_buf url = PW_BUF_INIT;
    pw_buf_printf(&url, "http://127.0.0.1:%d/%s", f->nginx.port, BLOB_NAME);
    check_cases(f, s, url.data, true);
    /* HTTPS + HTTP/2 with the session's CA bundle */
    pw_buf_reset(&url);
    pw_buf_printf(&url, "https://127.0.0.1:%d/%s", f->nginx.tls_port, BLOB_NAME);
    check_cases(f, s, url.data, true);

    pw_buf out = PW_BUF_INIT;
    pw_error err = {0};
    uint64_t total = 0;
    pw_buf_reset(&url);
    pw_buf_printf(&url, "http://127.0.0.1:%d/missing.whl", f->nginx.port);
    assert_int_equal(pw_fetch_range(s, url.data, 0, 10, &out, &total, &err), PW_ENOTFOUND);
    assert_non_null(strstr(pw_error_message(&err), url.data));
    assert_non_null(strstr(pw_error_message(&err), "HTTP 404"));
    /* an empty file (nginx answers 200 without a body): an empty suffix,
     * and any offset is past its end */
    pw_buf_reset(&url);
    pw_buf_printf(&url, "http://127.0.0.1:%d/empty.whl", f->nginx.port);
    total = 99;
    if (pw_fetch_range(s, url.data, -100, 0, &out, &total, &err) != PW_OK)
        fail_msg("%s", pw_error_message(&err));
    assert_int_equal(out.len, 0);
    assert_int_equal(total, 0);
    assert_int_equal(pw_fetch_range(s, url.data, 0, 10, &out, &total, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "past the end"));
    pw_fetch_session_free(s);

    /* without the CA bundle: a clear TLS error, not a fallback */
    pw_fetch_options o;
    ft_options(&o, f->cache);
    const char *saved = getenv("SSL_CERT_FILE");
    char *keep = saved ? pw_xstrdup(saved) : NULL;
    unsetenv("SSL_CERT_FILE");
    s = ft_session(&o);
    pw_buf_reset(&url);
    pw_buf_printf(&url, "https://127.0.0.1:%d/%s", f->nginx.tls_port, BLOB_NAME);
    assert_int_equal(pw_fetch_range(s, url.data, 0, 10, &out, &total, &err), PW_ENET);
    assert_non_null(strstr(pw_error_message(&err), "TLS certificate verification failed"));
    if (keep)
        setenv("SSL_CERT_FILE", keep, 1);
    free(keep);
    pw_fetch_session_free(s);
    pw_error_clear(&err);
    pw_buf_free(&out);
    pw_buf_free(&url);
}

static void test_test_server_ranges(void **state)
{
    fixture *f = *state;
    pw_fetch_session *s = session(f, false);
    char *url = pw_test_server_url(&f->server, "/" BLOB_NAME);
    /* pw_test_server does offset ranges only */
    check_cases(f, s, url, false);
    pw_buf out = PW_BUF_INIT;
    pw_error err = {0};
    uint64_t total = 0;
    PW_ASSERT_OK(pw_fetch_range(s, url, 0, 10, &out, &total, &err), &err);
    char *headers = pw_test_server_headers(&f->server, "/" BLOB_NAME);
    assert_non_null(strstr(headers, "Range: bytes=0-9"));
    free(headers);

    /* and answers a suffix range with the whole file (200): that body is
     * the file, kept in the store by its digest, and the suffix is cut
     * from it; later ranges and the artifact download of the same URL
     * are answered from the store without a request */
    long before = pw_test_server_count(&f->server, "/" BLOB_NAME);
    if (pw_fetch_range(s, url, -100, 0, &out, &total, &err) != PW_OK)
        fail_msg("%s", pw_error_message(&err));
    assert_int_equal(out.len, 100);
    assert_int_equal(total, f->blob.len);
    assert_memory_equal(out.data, f->blob.data + f->blob.len - 100, 100);
    assert_int_equal(pw_test_server_count(&f->server, "/" BLOB_NAME), before + 1);
    PW_ASSERT_OK(pw_fetch_range(s, url, 10, 20, &out, &total, &err), &err);
    assert_memory_equal(out.data, f->blob.data + 10, 20);
    char hex[PW_SHA256_HEX_LEN + 1];
    pw_sha256_hex(f->blob.data, f->blob.len, hex);
    pw_fetch_request req;
    if (pw_fetch_artifact(s, url, NULL, &req, &err) != PW_OK)
        fail_msg("%s", pw_error_message(&err));
    assert_string_equal(req.sha256, hex);
    assert_true(req.from_cache);
    pw_fetch_request_free(&req);
    if (pw_fetch_artifact(s, url, hex, &req, &err) != PW_OK)
        fail_msg("%s", pw_error_message(&err));
    assert_true(req.from_cache);
    pw_fetch_request_free(&req);
    assert_int_equal(pw_test_server_count(&f->server, "/" BLOB_NAME), before + 1);
    PW_ASSERT_OK(pw_fetch_cache_verify(s, hex, NULL, &err), &err);
    free(url);
    pw_error_clear(&err);
    pw_buf_free(&out);
    pw_fetch_session_free(s);
}

static void test_server_ignoring_ranges(void **state)
{
    fixture *f = *state;
    pw_fetch_session *s = session(f, false);
    /* truncate-norange with n=0: no fault, every Range ignored (HTTP 200) */
    const char *path = "/fault/truncate-norange/" BLOB_NAME;
    char *url = pw_test_server_url(&f->server, "/fault/truncate-norange/" BLOB_NAME "?n=0");
    pw_buf out = PW_BUF_INIT;
    pw_error err = {0};
    uint64_t total = 0;
    assert_int_equal(pw_fetch_range(s, url, 0, 100, &out, &total, &err), PW_EUNSUPPORTED);
    assert_non_null(strstr(pw_error_message(&err), "HTTP 200"));
    assert_int_equal(out.len, 0);
    /* not retried: the answer would be the same */
    assert_int_equal(pw_test_server_count(&f->server, path), 1);
    assert_int_equal(pw_fetch_range(s, url, 1000, 100, &out, &total, &err), PW_EUNSUPPORTED);
    assert_int_equal(pw_test_server_count(&f->server, path), 2);
    free(url);
    pw_error_clear(&err);
    pw_buf_free(&out);
    pw_fetch_session_free(s);
}

static void test_retries_redirects_credentials(void **state)
{
    fixture *f = *state;
    pw_fetch_session *s = session(f, false);
    pw_buf out = PW_BUF_INIT;
    pw_error err = {0};
    uint64_t total = 0;

    /* two HTTP 500, then the range */
    char *url = pw_test_server_url(&f->server, "/fault/500-then-ok/" BLOB_NAME);
    if (pw_fetch_range(s, url, 5000, 300, &out, &total, &err) != PW_OK)
        fail_msg("%s", pw_error_message(&err));
    assert_int_equal(out.len, 300);
    assert_memory_equal(out.data, f->blob.data + 5000, 300);
    assert_int_equal(pw_test_server_count(&f->server, "/fault/500-then-ok/" BLOB_NAME), 3);
    free(url);

    /* retries exhausted: the last status, and the count */
    url = pw_test_server_url(&f->server, "/fault/500-then-ok/" BLOB_NAME "?n=10");
    assert_int_equal(pw_fetch_range(s, "x", 0, 0, &out, &total, &err), PW_EINVAL);
    assert_int_equal(pw_fetch_range(s, url, 0, 10, &out, &total, &err), PW_ENET);
    assert_non_null(strstr(pw_error_message(&err), "HTTP 500"));
    assert_non_null(strstr(pw_error_message(&err), "gave up after 4 attempts"));
    free(url);

    /* a redirect is followed; the range applies to the target */
    url = pw_test_server_url(&f->server, "/fault/redirect/" BLOB_NAME);
    if (pw_fetch_range(s, url, -50, 0, &out, &total, &err) != PW_OK)
        fail_msg("suffix through redirect: %s", pw_error_message(&err));
    assert_memory_equal(out.data, f->blob.data + f->blob.len - 50, 50);
    if (pw_fetch_range(s, url, 10, 50, &out, &total, &err) != PW_OK)
        fail_msg("%s", pw_error_message(&err));
    assert_memory_equal(out.data, f->blob.data + 10, 50);
    free(url);

    /* credentials in the URL are sent, and never appear in messages */
    pw_buf cred = PW_BUF_INIT;
    pw_buf_printf(&cred, "http://alice:s3cret@127.0.0.1:%d/fault/auth/%s", f->server.port,
                  BLOB_NAME);
    if (pw_fetch_range(s, cred.data, 0, 64, &out, &total, &err) != PW_OK)
        fail_msg("%s", pw_error_message(&err));
    assert_memory_equal(out.data, f->blob.data, 64);
    pw_buf_reset(&cred);
    pw_buf_printf(&cred, "http://alice:wrong@127.0.0.1:%d/fault/auth/%s", f->server.port,
                  BLOB_NAME);
    assert_int_equal(pw_fetch_range(s, cred.data, 0, 64, &out, &total, &err), PW_ENET);
    assert_non_null(strstr(pw_error_message(&err), "HTTP 401"));
    assert_null(strstr(pw_error_message(&err), "wrong"));
    assert_non_null(strstr(pw_error_message(&err), "127.0.0.1"));
    pw_buf_free(&cred);

    /* only http, https and local files */
    assert_int_equal(pw_fetch_range(s, "ftp://127.0.0.1/x.whl", 0, 10, &out, &total, &err),
                     PW_EUNSUPPORTED);
    pw_error_clear(&err);
    pw_buf_free(&out);
    pw_fetch_session_free(s);
}

/* pw_fetch_probe: present (through a redirect), absent, a server ignoring
 * Range, a 500 (not retried), a local path and offline, in one batch. */
static void test_probe(void **state)
{
    fixture *f = *state;
    pw_fetch_session *s = session(f, false);
    char *missing_local = pw_path_join(f->root, "nope.whl");
    char *local = pw_path_join(f->root, BLOB_NAME);
    char *urls[6] = {
        pw_test_server_url(&f->server, "/fault/redirect/" BLOB_NAME),
        pw_test_server_url(&f->server, "/missing.whl"),
        pw_test_server_url(&f->server, "/fault/truncate-norange/" BLOB_NAME "?n=0"),
        pw_test_server_url(&f->server, "/fault/500-then-ok/empty.whl?n=5"),
        local,
        missing_local,
    };
    int results[6];
    PW_ASSERT_OK(pw_fetch_probe(s, (const char *const *)urls, 6, results), NULL);
    PW_ASSERT_OK(results[0], NULL);
    assert_int_equal(results[1], PW_ENOTFOUND);
    PW_ASSERT_OK(results[2], NULL);
    assert_int_equal(results[3], PW_ENET);
    PW_ASSERT_OK(results[4], NULL);
    assert_int_equal(results[5], PW_ENOTFOUND);
    pw_fetch_session_free(s);
    /* offline: only local answers */
    s = session(f, true);
    PW_ASSERT_OK(pw_fetch_probe(s, (const char *const *)urls, 6, results), NULL);
    assert_int_equal(results[0], PW_ENET);
    PW_ASSERT_OK(results[4], NULL);
    assert_int_equal(results[5], PW_ENOTFOUND);
    pw_fetch_session_free(s);
    for (size_t i = 0; i < 6; i++)
        free(urls[i]);
}

static void test_offline(void **state)
{
    fixture *f = *state;
    pw_fetch_session *s = session(f, true);
    const char *path = "/offline/" BLOB_NAME;
    char *url = pw_test_server_url(&f->server, path);
    pw_buf out = PW_BUF_INIT;
    pw_error err = {0};
    uint64_t total = 0;
    assert_int_equal(pw_fetch_range(s, url, 0, 10, &out, &total, &err), PW_ENET);
    assert_non_null(strstr(pw_error_message(&err), "offline"));
    assert_non_null(strstr(pw_error_message(&err), url));
    assert_int_equal(pw_fetch_range(s, url, -10, 0, &out, &total, &err), PW_ENET);
    assert_int_equal(pw_test_server_count(&f->server, path), 0);
    free(url);
    pw_error_clear(&err);
    pw_buf_free(&out);
    pw_fetch_session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_file),
        cmocka_unit_test(test_nginx_http_and_https),
        cmocka_unit_test(test_test_server_ranges),
        cmocka_unit_test(test_server_ignoring_ranges),
        cmocka_unit_test(test_retries_redirects_credentials),
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_offline),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
