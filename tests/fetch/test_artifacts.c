/* Artifacts: streamed to disk while hashed, verified before they become
 * visible, content-addressed in <cache>/artifacts/, resumed with Range.
 * Real HTTP against pw_test_server on 127.0.0.1. */
#include "fetch_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_support.h"

#define NFILES 24

typedef struct fixture {
    char *root;
    char *cache;
    char *tmp;       /* <cache>/tmp */
    char *artifacts; /* <cache>/artifacts */
    pw_test_server server;
    char sha[NFILES][65];
    size_t size[NFILES];
} fixture;

static void name_of(size_t i, pw_buf *out)
{
    pw_buf_reset(out);
    pw_buf_printf(out, "pkg%02zu-1.0-py3-none-any.whl", i);
}

static int setup(void **state)
{
    fixture *f = pw_xcalloc(1, sizeof(*f));
    f->root = pw_test_tempdir("root");
    f->cache = pw_test_tempdir("cache");
    f->tmp = pw_path_join(f->cache, "tmp");
    f->artifacts = pw_path_join(f->cache, "artifacts");
    pw_buf blob = PW_BUF_INIT, name = PW_BUF_INIT;
    for (size_t i = 0; i < NFILES; i++) {
        /* sizes from a few bytes to several socket buffers */
        f->size[i] = i == 0 ? 1 : 1000 + i * 13000;
        ft_blob(&blob, f->size[i], (unsigned)i + 1);
        name_of(i, &name);
        pw_test_write(f->root, name.data, blob.data, blob.len);
        pw_sha256_hex(blob.data, blob.len, f->sha[i]);
    }
    pw_buf_free(&blob);
    pw_buf_free(&name);
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
    free(f->tmp);
    free(f->artifacts);
    free(f);
    return 0;
}

/* Fetches /<prefix>pkgNN... expecting `expect`; returns the request. */
static void fetch_file(fixture *f, pw_fetch_session *s, const char *prefix, size_t i,
                       const char *sha, pw_fetch_request *r, int expect)
{
    pw_buf path = PW_BUF_INIT, name = PW_BUF_INIT;
    name_of(i, &name);
    pw_buf_printf(&path, "%s/%s", prefix, name.data);
    char *url = pw_test_server_url(&f->server, path.data);
    pw_error err = {0};
    int rc = pw_fetch_artifact(s, url, sha, r, &err);
    if (rc != expect)
        fail_msg("%s: expected %s, got %s: %s", url, pw_status_name(expect), pw_status_name(rc),
                 pw_error_message(&err));
    if (rc == PW_OK) {
        assert_string_equal(r->sha256, f->sha[i]);
        assert_int_equal(r->size, f->size[i]);
        assert_string_equal(r->filename, name.data);
        char hex[65];
        uint64_t size = 0;
        PW_ASSERT_OK(pw_sha256_file_hex(r->path, hex, &size, &err), &err);
        assert_string_equal(hex, f->sha[i]);
        assert_non_null(strstr(r->path, "/artifacts/"));
        assert_non_null(strstr(r->path, f->sha[i]));
    } else {
        assert_null(r->path);
    }
    pw_error_clear(&err);
    free(url);
    pw_buf_free(&path);
    pw_buf_free(&name);
}

static void test_parallel_batch(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    o.jobs = 6;
    pw_fetch_session *s = ft_session(&o);
    pw_fetch_request reqs[NFILES];
    char *urls[NFILES];
    memset(reqs, 0, sizeof(reqs));
    pw_buf name = PW_BUF_INIT, path = PW_BUF_INIT;
    for (size_t i = 0; i < NFILES; i++) {
        name_of(i, &name);
        pw_buf_reset(&path);
        /* a third of them slow, so that transfers really overlap */
        pw_buf_printf(&path, "%s/%s", i % 3 == 0 ? "/fault/slow" : "", name.data);
        urls[i] = pw_test_server_url(&f->server, path.data);
        reqs[i].url = urls[i];
        reqs[i].expected_sha256 = f->sha[i];
        reqs[i].expected_size = (int64_t)f->size[i];
    }
    pw_error err = {0};
    for (int round = 0; round < 2; round++) {
        int rc = pw_fetch_artifacts(s, reqs, NFILES, &err);
        if (rc != 0)
            fail_msg("%s", pw_error_message(&err));
        for (size_t i = 0; i < NFILES; i++) {
            PW_ASSERT_OK(reqs[i].result, NULL);
            assert_string_equal(reqs[i].sha256, f->sha[i]);
            assert_int_equal(reqs[i].size, f->size[i]);
            /* the second round is served from the store, no network */
            assert_int_equal(reqs[i].from_cache, round == 1);
            char hex[65];
            PW_ASSERT_OK(pw_sha256_file_hex(reqs[i].path, hex, NULL, &err), &err);
            assert_string_equal(hex, f->sha[i]);
        }
    }
    name_of(1, &name);
    pw_buf_reset(&path);
    pw_buf_printf(&path, "/%s", name.data);
    assert_int_equal(pw_test_server_count(&f->server, path.data), 1);
    assert_int_equal(ft_count_files(f->artifacts), NFILES);
    assert_int_equal(ft_count_files(f->tmp), 0);
    for (size_t i = 0; i < NFILES; i++) {
        pw_fetch_request_free(&reqs[i]);
        free(urls[i]);
    }
    pw_buf_free(&name);
    pw_buf_free(&path);
    pw_fetch_session_free(s);
}

/* More transfers at once than the hasher queues ranges for (hasher.c),
 * some of them failing their check midway (too large) or at the end
 * (another digest): each is judged on its own bytes, and the failed ones
 * leave nothing behind. */
static void many_in_flight_judged_alone(fixture *f, pw_fetch_hashing hashing)
{
    enum { N = 4 * NFILES };
    pw_fetch_options o;
    ft_options(&o, f->cache);
    o.jobs = N;
    o.hashing = hashing;
    pw_fetch_session *s = ft_session(&o);
    pw_fetch_request reqs[N];
    char *urls[N];
    memset(reqs, 0, sizeof(reqs));
    pw_buf name = PW_BUF_INIT, path = PW_BUF_INIT;
    const char *other = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    for (size_t k = 0; k < N; k++) {
        size_t i = k % NFILES;
        name_of(i, &name);
        pw_buf_reset(&path);
        /* the server ignores the query; each URL is its own download */
        pw_buf_printf(&path, "/%s?copy=%zu", name.data, k);
        urls[k] = pw_test_server_url(&f->server, path.data);
        reqs[k].url = urls[k];
        /* a digest the store holds would be answered from it, whatever
         * the size said: a wrong size comes with a wrong digest */
        reqs[k].expected_sha256 = (k % 7 == 3 || k % 11 == 5) && i != 0 ? other : f->sha[i];
        reqs[k].expected_size = k % 11 == 5 && i != 0 ? (int64_t)f->size[i] / 2
                                                      : (int64_t)f->size[i];
    }
    pw_error err = {0};
    int rc = pw_fetch_artifacts(s, reqs, N, &err);
    assert_int_equal(rc, PW_EHASH);
    pw_error_clear(&err);
    for (size_t k = 0; k < N; k++) {
        size_t i = k % NFILES;
        bool bad = i != 0 && (k % 7 == 3 || k % 11 == 5);
        if (bad) {
            if (reqs[k].result != PW_EHASH)
                fail_msg("request %zu: %s", k, pw_error_message(&reqs[k].error));
            assert_null(reqs[k].path);
            continue;
        }
        PW_ASSERT_OK(reqs[k].result, &reqs[k].error);
        assert_string_equal(reqs[k].sha256, f->sha[i]);
        assert_int_equal(reqs[k].size, f->size[i]);
        char hex[65];
        PW_ASSERT_OK(pw_sha256_file_hex(reqs[k].path, hex, NULL, &err), &err);
        assert_string_equal(hex, f->sha[i]);
    }
    assert_int_equal(ft_count_files(f->artifacts), NFILES);
    assert_int_equal(ft_count_files(f->tmp), 0);
    for (size_t k = 0; k < N; k++) {
        pw_fetch_request_free(&reqs[k]);
        free(urls[k]);
    }
    pw_buf_free(&name);
    pw_buf_free(&path);
    pw_fetch_session_free(s);
}

static void test_many_in_flight_hasher_thread(void **state)
{
    many_in_flight_judged_alone(*state, PW_FETCH_HASH_THREAD);
}

static void test_many_in_flight_hashed_in_loop(void **state)
{
    many_in_flight_judged_alone(*state, PW_FETCH_HASH_LOOP);
}

static void test_hash_mismatch_leaves_nothing(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    pw_fetch_session *s = ft_session(&o);
    const char *wrong = "00000000000000000000000000000000000000000000000000000000000000ff";
    pw_fetch_request r;
    fetch_file(f, s, "", 3, wrong, &r, PW_EHASH);
    const char *msg = pw_error_message(&r.error);
    assert_non_null(strstr(msg, "http://127.0.0.1:"));
    assert_non_null(strstr(msg, "pkg03-1.0-py3-none-any.whl"));
    assert_non_null(strstr(msg, wrong));
    assert_non_null(strstr(msg, f->sha[3]));
    assert_int_equal(r.attempts, 1);
    pw_fetch_request_free(&r);
    assert_int_equal(ft_count_files(f->artifacts), 0);
    assert_int_equal(ft_count_files(f->tmp), 0);

    /* a bad expected digest is an input error, before any transfer */
    fetch_file(f, s, "", 3, "xyz", &r, PW_EINVAL);
    pw_fetch_request_free(&r);

    /* size check too */
    pw_fetch_request q;
    memset(&q, 0, sizeof(q));
    char *url = pw_test_server_url(&f->server, "/pkg04-1.0-py3-none-any.whl");
    q.url = url;
    q.expected_size = 10;
    pw_error err = {0};
    assert_int_equal(pw_fetch_artifacts(s, &q, 1, &err), PW_EHASH);
    assert_non_null(strstr(pw_error_message(&q.error), "expected 10 bytes"));
    pw_fetch_request_free(&q);
    pw_error_clear(&err);
    free(url);
    assert_int_equal(ft_count_files(f->artifacts), 0);
    assert_int_equal(ft_count_files(f->tmp), 0);
    pw_fetch_session_free(s);
}

static void test_retries(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    pw_fetch_session *s = ft_session(&o);
    pw_fetch_request r;

    fetch_file(f, s, "/fault/500-then-ok", 5, f->sha[5], &r, PW_OK);
    assert_int_equal(r.attempts, 3);
    assert_int_equal(r.http_status, 200);
    pw_fetch_request_free(&r);
    assert_int_equal(
        pw_test_server_count(&f->server, "/fault/500-then-ok/pkg05-1.0-py3-none-any.whl"), 3);

    fetch_file(f, s, "/fault/reset", 6, f->sha[6], &r, PW_OK);
    assert_int_equal(r.attempts, 2);
    pw_fetch_request_free(&r);
    pw_fetch_session_free(s);

    /* retries = 0: the first failure is final */
    o.retries = 0;
    s = ft_session(&o);
    fetch_file(f, s, "/fault/500-then-ok", 7, f->sha[7], &r, PW_ENET);
    assert_non_null(strstr(pw_error_message(&r.error), "HTTP 500"));
    pw_fetch_request_free(&r);
    pw_fetch_session_free(s);
}

static void test_retry_after(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    pw_fetch_session *s = ft_session(&o);
    pw_fetch_request r;

    /* Retry-After: 1 outweighs the 1 ms backoff */
    fetch_file(f, s, "/fault/429", 8, f->sha[8], &r, PW_OK);
    assert_int_equal(r.attempts, 2);
    assert_true(r.retry_wait_ms >= 1000);
    pw_fetch_request_free(&r);

    /* the HTTP-date form (two seconds ahead, second resolution) */
    fetch_file(f, s, "/fault/429-date", 9, f->sha[9], &r, PW_OK);
    assert_int_equal(r.attempts, 2);
    assert_true(r.retry_wait_ms >= 1000);
    pw_fetch_request_free(&r);
    pw_fetch_session_free(s);

    /* capped by retry_after_max_ms */
    o.retry_after_max_ms = 50;
    s = ft_session(&o);
    fetch_file(f, s, "/fault/429", 10, f->sha[10], &r, PW_OK);
    assert_int_equal(r.attempts, 2);
    assert_true(r.retry_wait_ms <= 50);
    pw_fetch_request_free(&r);
    pw_fetch_session_free(s);
}

static void test_truncated_download_resumes(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    pw_fetch_session *s = ft_session(&o);
    pw_fetch_request r;
    const size_t i = 11;

    fetch_file(f, s, "/fault/truncate", i, f->sha[i], &r, PW_OK);
    assert_int_equal(r.attempts, 2);
    assert_int_equal(r.http_status, 206);
    pw_fetch_request_free(&r);
    char *headers =
        pw_test_server_headers(&f->server, "/fault/truncate/pkg11-1.0-py3-none-any.whl");
    pw_buf want = PW_BUF_INIT;
    pw_buf_printf(&want, "Range: bytes=%zu-", f->size[i] / 2);
    assert_non_null(strstr(headers, want.data));
    free(headers);
    pw_buf_free(&want);
    assert_int_equal(ft_count_files(f->tmp), 0);

    /* the server ignores Range on the second request: start over */
    fetch_file(f, s, "/fault/truncate-norange", 12, f->sha[12], &r, PW_OK);
    assert_int_equal(r.attempts, 2);
    assert_int_equal(r.http_status, 200);
    pw_fetch_request_free(&r);
    pw_fetch_session_free(s);
}

static void test_resume_across_runs(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    o.retries = 0;
    pw_fetch_session *s = ft_session(&o);
    pw_fetch_request r;
    const size_t i = 13;

    fetch_file(f, s, "/fault/truncate", i, f->sha[i], &r, PW_ENET);
    pw_fetch_request_free(&r);
    pw_fetch_session_free(s);
    /* the partial stays in tmp/, not in the store */
    assert_int_equal(ft_count_files(f->tmp), 1);
    assert_int_equal(ft_count_files(f->artifacts), 0);

    o.retries = 3;
    s = ft_session(&o);
    fetch_file(f, s, "/fault/truncate", i, f->sha[i], &r, PW_OK);
    assert_int_equal(r.attempts, 1);
    assert_int_equal(r.http_status, 206);
    pw_fetch_request_free(&r);
    assert_int_equal(ft_count_files(f->tmp), 0);
    pw_fetch_session_free(s);
}

static void test_tampered_cache_is_refetched(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    pw_fetch_session *s = ft_session(&o);
    pw_fetch_request r;
    const size_t i = 14;
    const char *path = "/pkg14-1.0-py3-none-any.whl";

    fetch_file(f, s, "", i, f->sha[i], &r, PW_OK);
    char *stored = pw_xstrdup(r.path);
    pw_fetch_request_free(&r);
    pw_error err = {0};
    PW_ASSERT_OK(pw_write_file_atomic(stored, "evil", 4, &err), &err);

    /* offline: reported, never handed out */
    o.offline = true;
    pw_fetch_session *off = ft_session(&o);
    fetch_file(f, off, "", i, f->sha[i], &r, PW_EHASH);
    assert_non_null(strstr(pw_error_message(&r.error), "corrupt"));
    pw_fetch_request_free(&r);
    assert_false(pw_file_exists(stored));
    PW_ASSERT_OK(pw_write_file_atomic(stored, "evil", 4, &err), &err);

    /* online: downloaded again */
    fetch_file(f, s, "", i, f->sha[i], &r, PW_OK);
    assert_false(r.from_cache);
    assert_string_equal(r.path, stored);
    pw_fetch_request_free(&r);
    assert_int_equal(pw_test_server_count(&f->server, path), 2);

    /* now offline works, with the hash and (through the URL index) without */
    fetch_file(f, off, "", i, f->sha[i], &r, PW_OK);
    assert_true(r.from_cache);
    pw_fetch_request_free(&r);
    fetch_file(f, off, "", i, NULL, &r, PW_OK);
    assert_true(r.from_cache);
    pw_fetch_request_free(&r);
    assert_int_equal(pw_test_server_count(&f->server, path), 2);

    /* offline, never fetched */
    fetch_file(f, off, "", 15, NULL, &r, PW_ENET);
    assert_non_null(strstr(pw_error_message(&r.error), "offline: http://127.0.0.1:"));
    assert_non_null(strstr(pw_error_message(&r.error), "is not in the cache"));
    pw_fetch_request_free(&r);
    pw_fetch_session_free(off);
    pw_fetch_session_free(s);
    free(stored);
}


/* Names in `dir` (not recursive), sorted. */
static void list_dir(const char *dir, pw_strlist *out)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            pw_strlist_push(out, e->d_name);
    closedir(d);
    pw_strlist_sort(out);
}

static void url_key(const char *url, char hex[65])
{
    pw_buf k = PW_BUF_INIT;
    pw_buf_printf(&k, "%s\n", url);
    pw_sha256_hex(k.data, k.len, hex);
    pw_buf_free(&k);
}

/* One artifact costs one file: artifacts/<sha256> directly (no fan-out
 * folder), and a line in urls/index.log (no file per URL); nothing else is
 * left in the cache. */
static void test_layout_one_file_per_artifact(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    pw_fetch_session *s = ft_session(&o);
    pw_fetch_request reqs[NFILES];
    char *urls[NFILES];
    memset(reqs, 0, sizeof(reqs));
    pw_buf name = PW_BUF_INIT;
    for (size_t i = 0; i < NFILES; i++) {
        name_of(i, &name);
        pw_buf path = PW_BUF_INIT;
        pw_buf_printf(&path, "/%s", name.data);
        urls[i] = pw_test_server_url(&f->server, path.data);
        pw_buf_free(&path);
        reqs[i].url = urls[i];
        reqs[i].expected_sha256 = f->sha[i];
    }
    pw_error err = {0};
    PW_ASSERT_OK(pw_fetch_artifacts(s, reqs, NFILES, &err), &err);
    pw_fetch_session_free(s);

    pw_strlist top = PW_STRLIST_INIT, arts = PW_STRLIST_INIT, urlsdir = PW_STRLIST_INIT,
               tmp = PW_STRLIST_INIT;
    list_dir(f->cache, &top);
    assert_int_equal(top.len, 5);
    assert_string_equal(top.items[0], ".pwpkg-cache.lock");
    assert_string_equal(top.items[1], "artifacts");
    assert_string_equal(top.items[2], "http");
    assert_string_equal(top.items[3], "tmp");
    assert_string_equal(top.items[4], "urls");
    list_dir(f->artifacts, &arts);
    assert_int_equal(arts.len, NFILES);
    for (size_t i = 0; i < NFILES; i++) {
        pw_buf p = PW_BUF_INIT;
        pw_buf_printf(&p, "%s/%s", f->artifacts, f->sha[i]);
        struct stat st;
        assert_int_equal(stat(p.data, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal((uint64_t)st.st_size, f->size[i]);
        assert_string_equal(reqs[i].path, p.data);
        pw_buf_free(&p);
    }
    char *udir = pw_path_join(f->cache, "urls");
    list_dir(udir, &urlsdir);
    assert_int_equal(urlsdir.len, 1);
    assert_string_equal(urlsdir.items[0], "index.log");
    char *log = pw_path_join(udir, "index.log");
    pw_buf body = PW_BUF_INIT;
    PW_ASSERT_OK(pw_read_file(log, &body, &err), &err);
    assert_int_equal(body.len, (size_t)NFILES * 130);
    for (size_t i = 0; i < NFILES; i++) {
        char key[65];
        url_key(urls[i], key);
        pw_buf line = PW_BUF_INIT;
        pw_buf_printf(&line, "%s %s\n", key, f->sha[i]);
        assert_non_null(strstr(pw_buf_cstr(&body), line.data));
        pw_buf_free(&line);
    }
    list_dir(f->tmp, &tmp);
    assert_int_equal(tmp.len, 0);

    /* A line torn by a crash is skipped; the others still answer offline
     * without a hash. */
    FILE *fp = fopen(log, "a");
    assert_non_null(fp);
    fputs("0123456789abcdef torn", fp);
    fclose(fp);
    o.offline = true;
    pw_fetch_session *off = ft_session(&o);
    pw_fetch_request_free(&reqs[3]);
    fetch_file(f, off, "", 3, NULL, &reqs[3], PW_OK);
    assert_true(reqs[3].from_cache);
    pw_fetch_session_free(off);

    for (size_t i = 0; i < NFILES; i++) {
        pw_fetch_request_free(&reqs[i]);
        free(urls[i]);
    }
    pw_buf_free(&body);
    free(log);
    free(udir);
    pw_strlist_free(&top);
    pw_strlist_free(&arts);
    pw_strlist_free(&urlsdir);
    pw_strlist_free(&tmp);
    pw_buf_free(&name);
}

/* A cache written by the fan-out layout (artifacts/<h[0:2]>/<h>,
 * urls/<u[0:2]>/<u>) is still read: its artifact is moved to its flat name
 * and verified, offline, with a hash and through the old URL entry. */
static void test_old_layout_is_read(void **state)
{
    fixture *f = *state;
    const size_t i = 7;
    pw_buf name = PW_BUF_INIT, p = PW_BUF_INIT, dir = PW_BUF_INIT;
    name_of(i, &name);
    pw_buf blob = PW_BUF_INIT;
    ft_blob(&blob, f->size[i], (unsigned)i + 1);
    pw_buf_printf(&dir, "%s/%.2s", f->artifacts, f->sha[i]);
    pw_error err = {0};
    PW_ASSERT_OK(pw_mkdirs(dir.data, &err), &err);
    pw_buf_printf(&p, "%s/%s", dir.data, f->sha[i]);
    PW_ASSERT_OK(pw_write_file_atomic(p.data, blob.data, blob.len, &err), &err);
    pw_buf path = PW_BUF_INIT;
    pw_buf_printf(&path, "/%s", name.data);
    char *url = pw_test_server_url(&f->server, path.data);
    char key[65];
    url_key(url, key);
    pw_buf udir = PW_BUF_INIT, ufile = PW_BUF_INIT, line = PW_BUF_INIT;
    pw_buf_printf(&udir, "%s/urls/%.2s", f->cache, key);
    PW_ASSERT_OK(pw_mkdirs(udir.data, &err), &err);
    pw_buf_printf(&ufile, "%s/%s", udir.data, key);
    pw_buf_printf(&line, "%s\n", f->sha[i]);
    PW_ASSERT_OK(pw_write_file_atomic(ufile.data, line.data, line.len, &err), &err);

    pw_fetch_options o;
    ft_options(&o, f->cache);
    o.offline = true;
    pw_fetch_session *s = ft_session(&o);
    pw_fetch_request r;
    fetch_file(f, s, "", i, NULL, &r, PW_OK);
    assert_true(r.from_cache);
    pw_buf flat = PW_BUF_INIT;
    pw_buf_printf(&flat, "%s/%s", f->artifacts, f->sha[i]);
    assert_string_equal(r.path, flat.data);
    assert_false(pw_file_exists(p.data));
    pw_fetch_request_free(&r);
    fetch_file(f, s, "", i, f->sha[i], &r, PW_OK);
    assert_true(r.from_cache);
    pw_fetch_request_free(&r);
    pw_fetch_session_free(s);
    assert_int_equal(pw_test_server_count(&f->server, path.data), 0);

    pw_buf_free(&flat);
    pw_buf_free(&udir);
    pw_buf_free(&ufile);
    pw_buf_free(&line);
    pw_buf_free(&path);
    free(url);
    pw_buf_free(&blob);
    pw_buf_free(&name);
    pw_buf_free(&p);
    pw_buf_free(&dir);
}

/* Stored without fsync, an artifact whose data did not reach the disk
 * (a crash) can be there under its name but short or empty: it is hashed
 * when used, found wrong, removed and downloaded again (offline: EHASH). */
static void test_unsynced_entry_is_reverified(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    pw_fetch_session *s = ft_session(&o);
    pw_fetch_request r;
    const size_t i = 12;
    const char *path = "/pkg12-1.0-py3-none-any.whl";
    fetch_file(f, s, "", i, f->sha[i], &r, PW_OK);
    char *stored = pw_xstrdup(r.path);
    pw_fetch_request_free(&r);
    pw_buf blob = PW_BUF_INIT;
    ft_blob(&blob, f->size[i], (unsigned)i + 1);
    for (int round = 0; round < 2; round++) {
        /* round 0: the first half only; round 1: empty, as after a lost
         * write; each offline (reported, removed), then online (fetched) */
        size_t keep = round == 0 ? f->size[i] / 2 : 0;
        for (int online = 0; online < 2; online++) {
            pw_error err = {0};
            PW_ASSERT_OK(pw_write_cache_file(stored, blob.data, keep, &err), &err);
            o.offline = !online;
            pw_fetch_session *t = online ? s : ft_session(&o);
            fetch_file(f, t, "", i, f->sha[i], &r, online ? PW_OK : PW_EHASH);
            if (online) {
                assert_false(r.from_cache);
                assert_string_equal(r.path, stored);
            } else {
                assert_non_null(strstr(pw_error_message(&r.error), "corrupt"));
                assert_false(pw_file_exists(stored));
                pw_fetch_session_free(t);
            }
            pw_fetch_request_free(&r);
        }
    }
    pw_buf_free(&blob);
    assert_int_equal(pw_test_server_count(&f->server, path), 3);
    pw_fetch_session_free(s);
    free(stored);
}

static void test_local_artifacts(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    o.offline = true;
    pw_fetch_session *s = ft_session(&o);
    pw_fetch_request r;
    pw_error err = {0};
    char *path = pw_path_join(f->root, "pkg16-1.0-py3-none-any.whl");
    pw_buf url = PW_BUF_INIT;
    pw_buf_printf(&url, "file://%s", path);

    PW_ASSERT_OK(pw_fetch_artifact(s, url.data, f->sha[16], &r, &err), &err);
    assert_string_equal(r.sha256, f->sha[16]);
    assert_string_equal(r.filename, "pkg16-1.0-py3-none-any.whl");
    assert_non_null(strstr(r.path, f->sha[16]));
    pw_fetch_request_free(&r);

    PW_ASSERT_OK(pw_fetch_artifact(s, path, NULL, &r, &err), &err);
    assert_string_equal(r.sha256, f->sha[16]);
    pw_fetch_request_free(&r);

    assert_int_equal(pw_fetch_artifact(s, path, f->sha[17], &r, &err), PW_EHASH);
    assert_non_null(strstr(pw_error_message(&r.error), f->sha[17]));
    pw_fetch_request_free(&r);
    assert_int_equal(ft_count_files(f->tmp), 0);
    assert_int_equal(ft_count_files(f->artifacts), 1);

    pw_error_clear(&err);
    pw_buf_free(&url);
    free(path);
    pw_fetch_session_free(s);
}

static void test_not_found(void **state)
{
    fixture *f = *state;
    pw_fetch_options o;
    ft_options(&o, f->cache);
    pw_fetch_session *s = ft_session(&o);
    pw_fetch_request r;
    pw_error err = {0};
    char *url = pw_test_server_url(&f->server, "/nope-1.0-py3-none-any.whl");
    assert_int_equal(pw_fetch_artifact(s, url, NULL, &r, &err), PW_ENOTFOUND);
    assert_int_equal(r.http_status, 404);
    assert_int_equal(r.attempts, 1);
    pw_fetch_request_free(&r);
    assert_int_equal(ft_count_files(f->tmp), 0);
    pw_error_clear(&err);
    free(url);
    pw_fetch_session_free(s);
}

/* Two processes, one cache, one artifact: both succeed, one intact file. */
static void test_two_processes_share_cache(void **state)
{
    fixture *f = *state;
    const size_t i = NFILES - 1;
    pw_buf name = PW_BUF_INIT, path = PW_BUF_INIT;
    name_of(i, &name);
    pw_buf_printf(&path, "/fault/slow/%s", name.data);
    char *url = pw_test_server_url(&f->server, path.data);
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            /* no cmocka in the child: report through the exit status */
            pw_fetch_options o;
            ft_options(&o, f->cache);
            pw_fetch_session *s = NULL;
            pw_error err = {0};
            pw_fetch_request r;
            int rc = pw_fetch_session_new(&o, &s, &err);
            if (rc == 0)
                rc = pw_fetch_artifact(s, url, f->sha[i], &r, &err);
            bool ok = rc == 0 && strcmp(r.sha256, f->sha[i]) == 0;
            if (rc == 0)
                pw_fetch_request_free(&r);
            pw_fetch_session_free(s);
            pw_error_clear(&err);
            _exit(ok ? 0 : 1);
        }
    }
    for (int k = 0; k < 2; k++) {
        int status = 0;
        assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(ft_count_files(f->artifacts), 1);
    assert_int_equal(ft_count_files(f->tmp), 0);
    char *stored = pw_path_join(f->artifacts, "");
    pw_buf p = PW_BUF_INIT;
    pw_buf_printf(&p, "%s/%s", f->artifacts, f->sha[i]);
    char hex[65];
    pw_error err = {0};
    PW_ASSERT_OK(pw_sha256_file_hex(p.data, hex, NULL, &err), &err);
    assert_string_equal(hex, f->sha[i]);
    /* the lock made the second process wait and take the stored file */
    assert_int_equal(pw_test_server_count(&f->server, path.data), 1);
    pw_buf_free(&p);
    free(stored);
    free(url);
    pw_buf_free(&name);
    pw_buf_free(&path);
}

typedef struct progress_log {
    int updates, begins, ends, files_done;
    size_t batch_files;
    uint64_t last_done, last_total, done_size;
    bool label_ok;
} progress_log;

static void on_progress(void *ctx, const pw_progress_event *e)
{
    progress_log *p = ctx;
    switch (e->kind) {
    case PW_PROGRESS_BEGIN:
        p->begins++;
        p->batch_files = e->files;
        break;
    case PW_PROGRESS_UPDATE:
        p->updates++;
        p->last_done = e->done;
        p->last_total = e->total;
        p->label_ok = e->label && strcmp(e->label, "pkg20-1.0-py3-none-any.whl") == 0;
        break;
    case PW_PROGRESS_FILE_DONE:
        p->files_done++;
        p->done_size = e->done;
        break;
    case PW_PROGRESS_END:
        p->ends++;
        break;
    }
}

/* One batch: BEGIN with its file count, UPDATEs of the file, FILE_DONE with
 * its size, END; a cached fetch transfers nothing and reports no batch. */
static void test_progress_reported(void **state)
{
    fixture *f = *state;
    progress_log log = {0};
    pw_reporter rep = {.progress = on_progress, .ctx = &log};
    pw_reporter_set(&rep);
    pw_fetch_options o;
    ft_options(&o, f->cache);
    pw_fetch_session *s = ft_session(&o);
    pw_fetch_request r;
    fetch_file(f, s, "/fault/slow", 20, f->sha[20], &r, PW_OK);
    pw_fetch_request_free(&r);
    fetch_file(f, s, "/fault/slow", 20, f->sha[20], &r, PW_OK);
    pw_fetch_request_free(&r);
    pw_fetch_session_free(s);
    pw_reporter_set(NULL);
    assert_true(log.updates >= 2);
    assert_true(log.label_ok);
    assert_int_equal(log.last_done, f->size[20]);
    assert_int_equal(log.last_total, f->size[20]);
    assert_int_equal(log.begins, 1);
    assert_int_equal(log.batch_files, 1);
    assert_int_equal(log.files_done, 1);
    assert_int_equal(log.done_size, f->size[20]);
    assert_int_equal(log.ends, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parallel_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_in_flight_hasher_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_in_flight_hashed_in_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_mismatch_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_download_resumes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_across_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_cache_is_refetched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layout_one_file_per_artifact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_layout_is_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsynced_entry_is_reverified, setup, teardown),
        cmocka_unit_test_setup_teardown(test_local_artifacts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_processes_share_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress_reported, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
