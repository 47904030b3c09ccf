/* Against a real nginx (tests/nginx/start.sh): HTTPS + HTTP/2 with a test CA
 * given through ca_file, a clear error without it, and ETag revalidation
 * with nginx's own validators. Skipped when nginx or openssl is missing. */
#include "fetch_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct fixture {
    char *dir;
    char *root;
    char *cache;
    pw_test_nginx nginx;
    char sha[65];
} fixture;

static void fixture_free(fixture *f)
{
    pw_error err = {0};
    pw_remove_tree(f->dir, &err);
    pw_error_clear(&err);
    free(f->dir);
    free(f->root);
    free(f->cache);
    free(f);
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (!f)
        return 0;
    pw_test_nginx_stop(&f->nginx);
    fixture_free(f);
    return 0;
}

static int setup(void **state)
{
    fixture *f = pw_xcalloc(1, sizeof(*f));
    f->dir = pw_test_tempdir("nginx");
    f->root = pw_path_join(f->dir, "root");
    f->cache = pw_path_join(f->dir, "cache");
    pw_buf blob = PW_BUF_INIT;
    ft_blob(&blob, 200000, 42);
    pw_test_write(f->root, "pkg-1.0-py3-none-any.whl", blob.data, blob.len);
    pw_sha256_hex(blob.data, blob.len, f->sha);
    pw_buf_free(&blob);
    pw_test_write(f->root, "simple/index.html", "<a href=\"pkg/\">pkg</a>\n", 23);

    if (!pw_test_nginx_start(&f->nginx, f->root, f->dir, true)) {
        /* no nginx or openssl: every test skips */
        fixture_free(f);
        *state = NULL;
        return 0;
    }
    *state = f;
    return 0;
}


static void test_https_with_test_ca(void **state)
{
    fixture *f = *state;
    if (!f)
        skip();
    pw_fetch_options o;
    ft_options(&o, f->cache);
    o.ca_file = f->nginx.ca_file;
    pw_fetch_session *s = ft_session(&o);
    pw_buf url = PW_BUF_INIT;
    pw_buf_printf(&url, "https://127.0.0.1:%d/pkg-1.0-py3-none-any.whl", f->nginx.tls_port);
    pw_fetch_request r;
    pw_error err = {0};
    if (pw_fetch_artifact(s, url.data, f->sha, &r, &err) != 0)
        fail_msg("%s", pw_error_message(&err));
    assert_string_equal(r.sha256, f->sha);
    assert_int_equal(r.size, 200000);
    assert_int_equal(r.http_status, 200);
    pw_fetch_request_free(&r);

    pw_buf_reset(&url);
    pw_buf_printf(&url, "https://127.0.0.1:%d/simple/index.html", f->nginx.tls_port);
    for (int round = 0; round < 2; round++) {
        if (pw_fetch_page(s, url.data, "text/html", &r, &err) != 0)
            fail_msg("%s", pw_error_message(&err));
        assert_string_equal(r.body.data, "<a href=\"pkg/\">pkg</a>\n");
        /* nginx sends ETag and Last-Modified: the second fetch is a 304 */
        assert_int_equal(r.http_status, round == 0 ? 200 : 304);
        assert_int_equal(r.from_cache, round == 1);
        pw_fetch_request_free(&r);
    }
    pw_buf_free(&url);
    pw_fetch_session_free(s);
}

static void test_https_without_ca_fails_clearly(void **state)
{
    fixture *f = *state;
    if (!f)
        skip();
    const char *saved = getenv("SSL_CERT_FILE");
    char *keep = saved ? pw_xstrdup(saved) : NULL;
    unsetenv("SSL_CERT_FILE");
    pw_fetch_options o;
    ft_options(&o, f->cache);
    pw_fetch_session *s = ft_session(&o);
    pw_buf url = PW_BUF_INIT;
    pw_buf_printf(&url, "https://127.0.0.1:%d/pkg-1.0-py3-none-any.whl", f->nginx.tls_port);
    pw_fetch_request r;
    pw_error err = {0};
    /* no expected hash: the copy the other test stored does not answer it */
    assert_int_equal(pw_fetch_artifact(s, url.data, NULL, &r, &err), PW_ENET);
    const char *msg = pw_error_message(&r.error);
    assert_non_null(strstr(msg, url.data));
    assert_non_null(strstr(msg, "TLS certificate verification failed"));
    assert_non_null(strstr(msg, "SSL_CERT_FILE"));
    assert_int_equal(r.attempts, 1); /* not worth retrying */
    pw_fetch_request_free(&r);
    pw_fetch_session_free(s);

    /* SSL_CERT_FILE is honoured when no ca_file is given */
    setenv("SSL_CERT_FILE", f->nginx.ca_file, 1);
    s = ft_session(&o);
    if (pw_fetch_artifact(s, url.data, NULL, &r, &err) != 0)
        fail_msg("%s", pw_error_message(&err));
    assert_false(r.from_cache);
    assert_string_equal(r.sha256, f->sha);
    pw_fetch_request_free(&r);
    pw_fetch_session_free(s);
    if (keep)
        setenv("SSL_CERT_FILE", keep, 1);
    else
        unsetenv("SSL_CERT_FILE");
    free(keep);
    pw_error_clear(&err);
    pw_buf_free(&url);
}

static void test_plain_http(void **state)
{
    fixture *f = *state;
    if (!f)
        skip();
    pw_fetch_options o;
    ft_options(&o, f->cache);
    pw_fetch_session *s = ft_session(&o);
    pw_buf url = PW_BUF_INIT;
    pw_buf_printf(&url, "http://127.0.0.1:%d/pkg-1.0-py3-none-any.whl", f->nginx.port);
    pw_fetch_request r;
    pw_error err = {0};
    if (pw_fetch_artifact(s, url.data, f->sha, &r, &err) != 0)
        fail_msg("%s", pw_error_message(&err));
    pw_fetch_request_free(&r);
    pw_buf_reset(&url);
    pw_buf_printf(&url, "http://127.0.0.1:%d/nothing-here.whl", f->nginx.port);
    assert_int_equal(pw_fetch_artifact(s, url.data, NULL, &r, &err), PW_ENOTFOUND);
    pw_fetch_request_free(&r);
    pw_error_clear(&err);
    pw_buf_free(&url);
    pw_fetch_session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_https_with_test_ca),
        cmocka_unit_test(test_https_without_ca_fails_clearly),
        cmocka_unit_test(test_plain_http),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
