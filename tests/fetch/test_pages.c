/* Pages (index pages, metadata): in memory, cached under <cache>/http/,
 * revalidated with ETag, offline from the cache, real HTTP on 127.0.0.1. */
#include "fetch_test.h"
#include "fetch_internal.h" /* pw_fetch_parse_max_age */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

#define INDEX_HTML "<html><body><a href=\"pkg-1.0-py3-none-any.whl\">pkg</a></body></html>\n"

typedef struct fixture {
    char *root;
    char *cache;
    pw_test_server server;
} fixture;

static int setup(void **state)
{
    fixture *f = pw_xcalloc(1, sizeof(*f));
    f->root = pw_test_tempdir("root");
    f->cache = pw_test_tempdir("cache");
    pw_test_write(f->root, "index.html", INDEX_HTML, strlen(INDEX_HTML));
    pw_test_write(f->root, "simple/pkg/index.html", INDEX_HTML, strlen(INDEX_HTML));
    pw_buf big = PW_BUF_INIT;
    ft_blob(&big, 4096, 7);
    pw_test_write(f->root, "big.json", big.data, big.len);
    pw_buf_free(&big);
    pw_test_server_start(&f->server, f->root);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    pw_test_server_stop(&f->server);
    pw_error err = {0};
    pw_remove_tree(f->root, &err);
    pw_remove_tree(f->cache, &err);
    pw_error_clear(&err);
    free(f->root);
    free(f->cache);
    free(f);
    return 0;
}

static void fetch_one(pw_fetch_session *s, const char *url, pw_fetch_request *r, int expect)
{
    pw_error err = {0};
    int rc = pw_fetch_page(s, url, "text/html", r, &err);
    if (rc != expect)
        fail_msg("%s: expected %s, got %s: %s", url, pw_status_name(expect), pw_status_name(rc),
                 pw_error_message(&err));
    assert_int_equal(r->result, rc);
    pw_error_clear(&err);
}

static void test_page_then_304_revalidation(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    pw_fetch_session *s = ft_session(&o);
    char *url = pw_test_server_url(&f->server, "/fault/etag/index.html");
    pw_fetch_request r;

    fetch_one(s, url, &r, PW_OK);
    assert_int_equal(r.http_status, 200);
    assert_false(r.from_cache);
    assert_string_equal(r.body.data, INDEX_HTML);
    assert_int_equal(r.size, strlen(INDEX_HTML));
    assert_string_equal(r.final_url, url);
    pw_fetch_request_free(&r);

    fetch_one(s, url, &r, PW_OK);
    assert_int_equal(r.http_status, 304);
    assert_true(r.from_cache);
    assert_string_equal(r.body.data, INDEX_HTML);
    pw_fetch_request_free(&r);
    assert_int_equal(pw_test_server_count(&f->server, "/fault/etag/index.html"), 2);
    char *headers = pw_test_server_headers(&f->server, "/fault/etag/index.html");
    assert_non_null(strstr(headers, "If-None-Match: \""));
    assert_non_null(strstr(headers, "Accept: text/html"));
    assert_non_null(strstr(headers, "User-Agent: pwpkg/"));
    free(headers);
    pw_fetch_session_free(s);

    /* refresh: a full fetch without validators */
    o.refresh = true;
    s = ft_session(&o);
    fetch_one(s, url, &r, PW_OK);
    assert_int_equal(r.http_status, 200);
    assert_false(r.from_cache);
    pw_fetch_request_free(&r);
    headers = pw_test_server_headers(&f->server, "/fault/etag/index.html");
    assert_null(strstr(headers, "If-None-Match"));
    free(headers);
    assert_int_equal(pw_test_server_count(&f->server, "/fault/etag/index.html"), 3);
    pw_fetch_session_free(s);
    free(url);
}

/* Cache-Control: max-age: inside the lifetime no request at all, in this
 * session or the next; refresh asks again. */
static void test_max_age_fresh_pages(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    pw_fetch_session *s = ft_session(&o);
    char *url = pw_test_server_url(&f->server, "/fault/maxage/index.html");
    const char *path = "/fault/maxage/index.html";
    pw_fetch_request r;
    fetch_one(s, url, &r, PW_OK);
    assert_int_equal(r.http_status, 200);
    pw_fetch_request_free(&r);
    assert_int_equal(pw_test_server_count(&f->server, path), 1);
    fetch_one(s, url, &r, PW_OK);
    assert_true(r.from_cache);
    assert_int_equal(r.http_status, 0);
    assert_string_equal(r.body.data, INDEX_HTML);
    pw_fetch_request_free(&r);
    pw_fetch_session_free(s);
    s = ft_session(&o);
    fetch_one(s, url, &r, PW_OK);
    assert_true(r.from_cache);
    pw_fetch_request_free(&r);
    assert_int_equal(pw_test_server_count(&f->server, path), 1);
    pw_fetch_session_free(s);
    o.refresh = true;
    s = ft_session(&o);
    fetch_one(s, url, &r, PW_OK);
    assert_int_equal(r.http_status, 200);
    pw_fetch_request_free(&r);
    assert_int_equal(pw_test_server_count(&f->server, path), 2);
    pw_fetch_session_free(s);
    free(url);
}

static void test_max_age_parsing(void **state)
{
    (void)state;
    assert_int_equal(pw_fetch_parse_max_age("max-age=600"), 600);
    assert_int_equal(pw_fetch_parse_max_age("public, max-age=60, s-maxage=5"), 60);
    assert_int_equal(pw_fetch_parse_max_age("MAX-AGE=7"), 7);
    assert_int_equal(pw_fetch_parse_max_age("max-age=600, no-cache"), -1);
    assert_int_equal(pw_fetch_parse_max_age("no-store"), -1);
    assert_int_equal(pw_fetch_parse_max_age("max-age=12x"), -1);
    assert_int_equal(pw_fetch_parse_max_age("max-age="), -1);
    assert_int_equal(pw_fetch_parse_max_age(""), -1);
    assert_int_equal(pw_fetch_parse_max_age(NULL), -1);
}

static void test_offline(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    o.offline = true;
    pw_fetch_session *s = ft_session(&o);
    char *url = pw_test_server_url(&f->server, "/simple/pkg/index.html");
    pw_fetch_request r;

    /* not cached: a fast error naming the URL, no request sent */
    fetch_one(s, url, &r, PW_ENET);
    pw_buf want = PW_BUF_INIT;
    pw_buf_printf(&want, "offline: %s is not in the cache", url);
    assert_string_equal(pw_error_message(&r.error), want.data);
    pw_buf_free(&want);
    pw_fetch_request_free(&r);
    assert_int_equal(pw_test_server_count(&f->server, "/simple/pkg/index.html"), 0);
    pw_fetch_session_free(s);

    o.offline = false;
    s = ft_session(&o);
    fetch_one(s, url, &r, PW_OK);
    pw_fetch_request_free(&r);
    pw_fetch_session_free(s);

    o.offline = true;
    s = ft_session(&o);
    fetch_one(s, url, &r, PW_OK);
    assert_true(r.from_cache);
    assert_string_equal(r.body.data, INDEX_HTML);
    pw_fetch_request_free(&r);
    assert_int_equal(pw_test_server_count(&f->server, "/simple/pkg/index.html"), 1);
    pw_fetch_session_free(s);
    free(url);
}

static void test_local_file_and_path(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    o.offline = true; /* local files need no network */
    pw_fetch_session *s = ft_session(&o);
    char *path = pw_path_join(f->root, "index.html");
    pw_buf url = PW_BUF_INIT;
    pw_buf_printf(&url, "file://%s", path);
    pw_fetch_request r;

    fetch_one(s, url.data, &r, PW_OK);
    assert_string_equal(r.body.data, INDEX_HTML);
    assert_int_equal(r.http_status, 0);
    pw_fetch_request_free(&r);

    fetch_one(s, path, &r, PW_OK);
    assert_string_equal(r.body.data, INDEX_HTML);
    pw_fetch_request_free(&r);

    fetch_one(s, "ftp://127.0.0.1/x", &r, PW_EUNSUPPORTED);
    assert_non_null(strstr(pw_error_message(&r.error), "ftp://127.0.0.1/x"));
    pw_fetch_request_free(&r);

    pw_buf_puts(&url, ".missing");
    fetch_one(s, url.data, &r, PW_ENOTFOUND);
    assert_non_null(strstr(pw_error_message(&r.error), "index.html.missing"));
    pw_fetch_request_free(&r);

    pw_buf_free(&url);
    free(path);
    pw_fetch_session_free(s);
}

static void test_page_size_limit(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    o.max_page_size = 1000;
    pw_fetch_session *s = ft_session(&o);
    char *url = pw_test_server_url(&f->server, "/big.json");
    char *path = pw_path_join(f->root, "big.json");
    pw_fetch_request r;
    fetch_one(s, url, &r, PW_ELIMIT);
    assert_non_null(strstr(pw_error_message(&r.error), url));
    assert_int_equal(r.body.len, 0);
    pw_fetch_request_free(&r);
    fetch_one(s, path, &r, PW_ELIMIT);
    pw_fetch_request_free(&r);
    /* a page under the limit passes */
    char *small = pw_test_server_url(&f->server, "/index.html");
    fetch_one(s, small, &r, PW_OK);
    pw_fetch_request_free(&r);
    free(small);
    free(path);
    free(url);
    pw_fetch_session_free(s);
}

static void test_redirects(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    o.max_redirects = 5;
    pw_fetch_session *s = ft_session(&o);
    pw_fetch_request r;

    char *loop = pw_test_server_url(&f->server, "/fault/redirect-loop/index.html");
    fetch_one(s, loop, &r, PW_ENET);
    const char *msg = pw_error_message(&r.error);
    assert_non_null(strstr(msg, loop));
    assert_non_null(strstr(msg, "too many redirects (more than 5)"));
    assert_int_equal(r.attempts, 1); /* a loop is not retried */
    pw_fetch_request_free(&r);
    free(loop);

    char *hop = pw_test_server_url(&f->server, "/fault/redirect/index.html");
    char *target = pw_test_server_url(&f->server, "/index.html");
    fetch_one(s, hop, &r, PW_OK);
    assert_string_equal(r.final_url, target);
    assert_string_equal(r.body.data, INDEX_HTML);
    pw_fetch_request_free(&r);
    free(hop);
    free(target);
    pw_fetch_session_free(s);
}

static void test_http_errors_and_retries(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    pw_fetch_session *s = ft_session(&o);
    pw_fetch_request r;

    char *missing = pw_test_server_url(&f->server, "/nope.html");
    fetch_one(s, missing, &r, PW_ENOTFOUND);
    assert_int_equal(r.http_status, 404);
    assert_non_null(strstr(pw_error_message(&r.error), missing));
    assert_non_null(strstr(pw_error_message(&r.error), "HTTP 404"));
    pw_fetch_request_free(&r);
    free(missing);

    char *flaky = pw_test_server_url(&f->server, "/fault/500-then-ok/index.html?n=2");
    fetch_one(s, flaky, &r, PW_OK);
    assert_int_equal(r.attempts, 3);
    assert_string_equal(r.body.data, INDEX_HTML);
    pw_fetch_request_free(&r);
    free(flaky);

    /* more failures than retries: the last status is reported */
    char *broken = pw_test_server_url(&f->server, "/fault/500-then-ok/big.json?n=10");
    fetch_one(s, broken, &r, PW_ENET);
    assert_int_equal(r.attempts, o.retries + 1);
    assert_non_null(strstr(pw_error_message(&r.error), "HTTP 500"));
    assert_non_null(strstr(pw_error_message(&r.error), "gave up after 4 attempts"));
    pw_fetch_request_free(&r);
    free(broken);
    pw_fetch_session_free(s);
}

static void test_idle_timeout(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    o.idle_timeout_s = 1;
    o.retries = 0;
    pw_fetch_session *s = ft_session(&o);
    char *url = pw_test_server_url(&f->server, "/fault/stall/big.json");
    pw_fetch_request r;
    fetch_one(s, url, &r, PW_ENET);
    assert_non_null(strstr(pw_error_message(&r.error), "timed out"));
    pw_fetch_request_free(&r);
    free(url);
    pw_fetch_session_free(s);
}

static void test_credentials_never_leak(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    pw_fetch_session *s = ft_session(&o);
    pw_fetch_request r;
    pw_buf url = PW_BUF_INIT;

    pw_buf_printf(&url, "http://alice:s3cret@127.0.0.1:%d/fault/auth/index.html", f->server.port);
    fetch_one(s, url.data, &r, PW_OK);
    assert_string_equal(r.body.data, INDEX_HTML);
    assert_null(strstr(r.final_url, "s3cret"));
    assert_null(strstr(r.final_url, "alice"));
    pw_fetch_request_free(&r);

    /* credentials seen once are reused for the same server (links in an
     * index page come without them) */
    pw_buf_reset(&url);
    pw_buf_printf(&url, "http://127.0.0.1:%d/fault/auth/simple/pkg/index.html", f->server.port);
    fetch_one(s, url.data, &r, PW_OK);
    pw_fetch_request_free(&r);
    pw_fetch_session_free(s);

    s = ft_session(&o);
    pw_buf_reset(&url);
    pw_buf_printf(&url, "http://alice:WRONGPW@127.0.0.1:%d/fault/auth/big.json", f->server.port);
    fetch_one(s, url.data, &r, PW_ENET);
    const char *msg = pw_error_message(&r.error);
    assert_null(strstr(msg, "WRONGPW"));
    assert_null(strstr(msg, "alice"));
    assert_non_null(strstr(msg, "http://***@127.0.0.1:"));
    assert_non_null(strstr(msg, "HTTP 401"));
    pw_fetch_request_free(&r);
    pw_fetch_session_free(s);

    assert_true(ft_count_files(f->cache) >= 2);
    assert_false(ft_tree_contains(f->cache, "s3cret"));
    assert_false(ft_tree_contains(f->cache, "WRONGPW"));
    assert_false(ft_tree_contains(f->cache, "alice"));
    pw_buf_free(&url);
}

static void test_batch_reports_each_request(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    o.jobs = 3;
    pw_fetch_session *s = ft_session(&o);
    const char *paths[] = {"/index.html", "/simple/pkg/index.html", "/missing.html",
                           "/fault/slow/big.json", "/fault/500-then-ok/big.json?n=1"};
    enum { N = sizeof(paths) / sizeof(paths[0]) };
    pw_fetch_request reqs[N];
    char *urls[N];
    memset(reqs, 0, sizeof(reqs));
    for (size_t i = 0; i < N; i++) {
        urls[i] = pw_test_server_url(&f->server, paths[i]);
        reqs[i].url = urls[i];
    }
    pw_error err = {0};
    assert_int_equal(pw_fetch_pages(s, reqs, N, &err), PW_ENOTFOUND);
    assert_non_null(strstr(pw_error_message(&err), "missing.html"));
    for (size_t i = 0; i < N; i++) {
        if (i == 2) {
            assert_int_equal(reqs[i].result, PW_ENOTFOUND);
            continue;
        }
        PW_ASSERT_OK(reqs[i].result, NULL);
        assert_int_equal(reqs[i].size, i < 2 ? strlen(INDEX_HTML) : 4096);
    }
    pw_buf expected = PW_BUF_INIT;
    ft_blob(&expected, 4096, 7);
    assert_memory_equal(reqs[3].body.data, expected.data, 4096);
    pw_buf_free(&expected);
    for (size_t i = 0; i < N; i++) {
        pw_fetch_request_free(&reqs[i]);
        free(urls[i]);
    }
    pw_error_clear(&err);
    pw_fetch_session_free(s);
}

static void test_default_cache_dir(void **state)
{
    const char *saved_home = getenv("HOME");
    char *home = saved_home ? pw_xstrdup(saved_home) : NULL;
    setenv("PWPKG_CACHE_DIR", "/x/pw", 1);
    setenv("XDG_CACHE_HOME", "/x/xdg", 1);
    setenv("HOME", "/x/home", 1);
    char *d = pw_fetch_default_cache_dir();
    assert_string_equal(d, "/x/pw");
    free(d);
    unsetenv("PWPKG_CACHE_DIR");
    d = pw_fetch_default_cache_dir();
    assert_string_equal(d, "/x/xdg/pwpkg");
    free(d);
    unsetenv("XDG_CACHE_HOME");
    d = pw_fetch_default_cache_dir();
    assert_string_equal(d, "/x/home/.cache/pwpkg");
    free(d);
    if (home)
        setenv("HOME", home, 1);
    free(home);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_page_then_304_revalidation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_age_fresh_pages, setup, teardown),
        cmocka_unit_test(test_max_age_parsing),
        cmocka_unit_test_setup_teardown(test_offline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_local_file_and_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_size_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redirects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_errors_and_retries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credentials_never_leak, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_reports_each_request, setup, teardown),
        cmocka_unit_test(test_default_cache_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
