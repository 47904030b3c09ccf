/* The simple repository API: PEP 503 HTML, PEP 691 JSON, RFC 3986 URL
 * resolution, page writers and timestamps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "simple_index.h"

#define H1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H1_UPPER "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
#define H2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void assert_str_or_null(const char *expected, const char *actual, const char *what,
                               const char *case_name)
{
    if (!expected && !actual)
        return;
    if (!expected || !actual || strcmp(expected, actual) != 0) {
        print_error("%s: %s: expected '%s', got '%s'\n", case_name, what,
                    expected ? expected : "(null)", actual ? actual : "(null)");
        fail();
    }
}

/* ------------------------------------------------------ RFC 3986 section 5.4 */

typedef struct url_case {
    const char *base, *ref, *expected;
} url_case;

#define RFC_BASE "http://a/b/c/d;p?q"

static const url_case url_cases[] = {
    /* 5.4.1 normal examples */
    {RFC_BASE, "g:h", "g:h"},
    {RFC_BASE, "g", "http://a/b/c/g"},
    {RFC_BASE, "./g", "http://a/b/c/g"},
    {RFC_BASE, "g/", "http://a/b/c/g/"},
    {RFC_BASE, "/g", "http://a/g"},
    {RFC_BASE, "//g", "http://g"},
    {RFC_BASE, "?y", "http://a/b/c/d;p?y"},
    {RFC_BASE, "g?y", "http://a/b/c/g?y"},
    {RFC_BASE, "#s", "http://a/b/c/d;p?q#s"},
    {RFC_BASE, "g#s", "http://a/b/c/g#s"},
    {RFC_BASE, "g?y#s", "http://a/b/c/g?y#s"},
    {RFC_BASE, ";x", "http://a/b/c/;x"},
    {RFC_BASE, "g;x", "http://a/b/c/g;x"},
    {RFC_BASE, "g;x?y#s", "http://a/b/c/g;x?y#s"},
    {RFC_BASE, "", "http://a/b/c/d;p?q"},
    {RFC_BASE, ".", "http://a/b/c/"},
    {RFC_BASE, "./", "http://a/b/c/"},
    {RFC_BASE, "..", "http://a/b/"},
    {RFC_BASE, "../", "http://a/b/"},
    {RFC_BASE, "../g", "http://a/b/g"},
    {RFC_BASE, "../..", "http://a/"},
    {RFC_BASE, "../../", "http://a/"},
    {RFC_BASE, "../../g", "http://a/g"},
    /* 5.4.2 abnormal examples */
    {RFC_BASE, "../../../g", "http://a/g"},
    {RFC_BASE, "../../../../g", "http://a/g"},
    {RFC_BASE, "/./g", "http://a/g"},
    {RFC_BASE, "/../g", "http://a/g"},
    {RFC_BASE, "g.", "http://a/b/c/g."},
    {RFC_BASE, ".g", "http://a/b/c/.g"},
    {RFC_BASE, "g..", "http://a/b/c/g.."},
    {RFC_BASE, "..g", "http://a/b/c/..g"},
    {RFC_BASE, "./../g", "http://a/b/g"},
    {RFC_BASE, "./g/.", "http://a/b/c/g/"},
    {RFC_BASE, "g/./h", "http://a/b/c/g/h"},
    {RFC_BASE, "g/../h", "http://a/b/c/h"},
    {RFC_BASE, "g;x=1/./y", "http://a/b/c/g;x=1/y"},
    {RFC_BASE, "g;x=1/../y", "http://a/b/c/y"},
    {RFC_BASE, "g?y/./x", "http://a/b/c/g?y/./x"},
    {RFC_BASE, "g?y/../x", "http://a/b/c/g?y/../x"},
    {RFC_BASE, "g#s/./x", "http://a/b/c/g#s/./x"},
    {RFC_BASE, "g#s/../x", "http://a/b/c/g#s/../x"},
    {RFC_BASE, "http:g", "http:g"}, /* strict parsers */
    /* What simple indexes serve. */
    {"https://pypi.org/simple/numpy/", "../../packages/ab/cd/numpy-2.0.0.tar.gz#sha256=" H1,
     "https://pypi.org/packages/ab/cd/numpy-2.0.0.tar.gz#sha256=" H1},
    {"https://pypi.org/simple/numpy/", "https://files.pythonhosted.org/packages/n.whl",
     "https://files.pythonhosted.org/packages/n.whl"},
    {"https://pypi.org/simple/numpy/", "//files.example.org/n.whl", "https://files.example.org/n.whl"},
    {"https://pypi.org/simple/numpy", "n.whl", "https://pypi.org/simple/n.whl"},
    {"https://host:8443/simple/", "", "https://host:8443/simple/"},
    {"https://host", "x.whl", "https://host/x.whl"}, /* 5.2.3: empty base path */
    {"file:///srv/simple/numpy/", "../../files/numpy-2.0.0-py3-none-any.whl",
     "file:///srv/files/numpy-2.0.0-py3-none-any.whl"},
    {"file:///srv/simple/numpy/index.html", "/abs/x.whl", "file:///abs/x.whl"},
    {"file:///srv/simple/numpy/", "x.whl?download=1", "file:///srv/simple/numpy/x.whl?download=1"},
    {"https://user:pw@host/simple/a/", "../b/", "https://user:pw@host/simple/b/"},
};

static void test_url_resolve_rfc3986(void **state)
{
    for (size_t i = 0; i < N_ELEMS(url_cases); i++) {
        char *out = NULL;
        int rc = pw_url_resolve(url_cases[i].base, url_cases[i].ref, &out);
        if (rc != PW_OK || strcmp(out, url_cases[i].expected) != 0) {
            print_error("resolve('%s', '%s'): expected '%s', got rc %d '%s'\n", url_cases[i].base,
                        url_cases[i].ref, url_cases[i].expected, rc, out ? out : "(null)");
            fail();
        }
        free(out);
    }
}

static void test_url_resolve_relative_base(void **state)
{
    char *out = (char *)"sentinel";
    assert_int_equal(pw_url_resolve("/simple/numpy/", "x.whl", &out), PW_EINVAL);
    assert_null(out);
    assert_int_equal(pw_url_resolve("", "g", &out), PW_EINVAL);
    /* "./a:b" is a relative path, not the scheme "./a". */
    PW_ASSERT_OK(pw_url_resolve("http://h/d/", "./a:b", &out), NULL);
    assert_string_equal(out, "http://h/d/a:b");
    free(out);
}

/* --------------------------------------------------------------- parsing */

typedef struct exp_file {
    const char *filename, *url, *sha256, *requires_python;
    bool yanked;
    const char *reason;
    bool has_metadata;
    const char *metadata_sha256;
    const char *hashes; /* "name=hex" joined with ' ', NULL: don't check */
    const char *upload_time;
    int64_t size;
} exp_file;

typedef struct page_case {
    const char *name;
    const char *page_url, *content_type, *body;
    const char *project;
    size_t n;
    exp_file files[6];
} page_case;

static void check_page(const page_case *c, const pw_index_page *p)
{
    if (p->n_files != c->n) {
        print_error("%s: expected %zu files, got %zu\n", c->name, c->n, p->n_files);
        fail();
    }
    assert_str_or_null(c->project, p->project, "project", c->name);
    for (size_t i = 0; i < c->n; i++) {
        const exp_file *e = &c->files[i];
        const pw_index_file *f = &p->files[i];
        assert_str_or_null(e->filename, f->filename, "filename", c->name);
        assert_str_or_null(e->url, f->url, "url", c->name);
        assert_str_or_null(e->sha256, f->sha256, "sha256", c->name);
        assert_str_or_null(e->requires_python, f->requires_python, "requires_python", c->name);
        assert_str_or_null(e->reason, f->yanked_reason, "yanked_reason", c->name);
        assert_str_or_null(e->metadata_sha256, f->metadata_sha256, "metadata_sha256", c->name);
        assert_str_or_null(e->upload_time, f->upload_time, "upload_time", c->name);
        if (f->yanked != e->yanked || f->has_metadata != e->has_metadata ||
            f->size != (e->size ? e->size : -1) ||
            f->is_wheel != (strlen(e->filename) > 4 &&
                            strcmp(e->filename + strlen(e->filename) - 4, ".whl") == 0)) {
            print_error("%s: file %zu (%s): yanked %d has_metadata %d size %lld is_wheel %d\n",
                        c->name, i, f->filename, f->yanked, f->has_metadata, (long long)f->size,
                        f->is_wheel);
            fail();
        }
        if (e->hashes) {
            pw_buf b = PW_BUF_INIT;
            for (size_t h = 0; h < f->hashes.len; h++)
                pw_buf_printf(&b, "%s%s", h ? " " : "", f->hashes.items[h]);
            assert_str_or_null(e->hashes, pw_buf_cstr(&b), "hashes", c->name);
            pw_buf_free(&b);
        }
    }
}

static const page_case html_cases[] = {
    {"PEP 503 anchor with a hash fragment", "https://example.com/simple/frob/", "text/html",
     "<!DOCTYPE html>\n<html><body>\n"
     "<a href=\"/frob/frob-1.0.tar.gz#sha256=" H1 "\">frob-1.0.tar.gz</a>\n"
     "</body></html>\n",
     "frob",
     1,
     {{"frob-1.0.tar.gz", "https://example.com/frob/frob-1.0.tar.gz", H1, NULL, false, NULL,
       false, NULL, "sha256=" H1, NULL, 0}}},
    {"requires-python entities, PEP 592 yanking", "https://example.com/simple/pkg/",
     "text/html; charset=utf-8",
     "<a href=\"pkg-1.0-py3-none-any.whl\" data-requires-python=\"&gt;=3.7,&#33;=3.8.*,&lt;4\">"
     "pkg-1.0-py3-none-any.whl</a>\n"
     "<a href=\"pkg-1.1-py3-none-any.whl\" data-yanked>pkg-1.1-py3-none-any.whl</a>\n"
     "<a href=\"pkg-1.2-py3-none-any.whl\" data-yanked=\"\">pkg-1.2-py3-none-any.whl</a>\n"
     "<a href=\"pkg-1.3-py3-none-any.whl\" data-yanked=\"broken &amp; &quot;bad&quot; "
     "&#x2014; use 1.4\">pkg-1.3-py3-none-any.whl</a>\n",
     "pkg",
     4,
     {{"pkg-1.0-py3-none-any.whl", "https://example.com/simple/pkg/pkg-1.0-py3-none-any.whl",
       NULL, ">=3.7,!=3.8.*,<4", false, NULL, false, NULL, "", NULL, 0},
      {"pkg-1.1-py3-none-any.whl", "https://example.com/simple/pkg/pkg-1.1-py3-none-any.whl",
       NULL, NULL, true, NULL, false, NULL, NULL, NULL, 0},
      {"pkg-1.2-py3-none-any.whl", "https://example.com/simple/pkg/pkg-1.2-py3-none-any.whl",
       NULL, NULL, true, NULL, false, NULL, NULL, NULL, 0},
      {"pkg-1.3-py3-none-any.whl", "https://example.com/simple/pkg/pkg-1.3-py3-none-any.whl",
       NULL, NULL, true, "broken & \"bad\" \xE2\x80\x94 use 1.4", false, NULL, NULL, NULL, 0}}},
    {"PEP 658 / PEP 714 core metadata", "https://example.com/simple/m/", "application/vnd.pypi.simple.v1+html",
     "<a href=\"m-1-py3-none-any.whl\" data-core-metadata=\"true\">m-1-py3-none-any.whl</a>"
     "<a href=\"m-2-py3-none-any.whl\" data-core-metadata=\"sha256=" H1_UPPER "\">m-2-py3-none-any.whl</a>"
     "<a href=\"m-3-py3-none-any.whl\" data-dist-info-metadata=\"sha256=" H2 "\">m-3-py3-none-any.whl</a>"
     "<a href=\"m-4-py3-none-any.whl\" data-dist-info-metadata=\"sha256=" H2 "\" "
     "data-core-metadata=\"sha256=" H1 "\">m-4-py3-none-any.whl</a>"
     "<a href=\"m-5-py3-none-any.whl\" data-core-metadata=\"nonsense\">m-5-py3-none-any.whl</a>",
     "m",
     5,
     {{"m-1-py3-none-any.whl", "https://example.com/simple/m/m-1-py3-none-any.whl", NULL, NULL,
       false, NULL, true, NULL, NULL, NULL, 0},
      {"m-2-py3-none-any.whl", "https://example.com/simple/m/m-2-py3-none-any.whl", NULL, NULL,
       false, NULL, true, H1, NULL, NULL, 0},
      {"m-3-py3-none-any.whl", "https://example.com/simple/m/m-3-py3-none-any.whl", NULL, NULL,
       false, NULL, true, H2, NULL, NULL, 0},
      {"m-4-py3-none-any.whl", "https://example.com/simple/m/m-4-py3-none-any.whl", NULL, NULL,
       false, NULL, true, H1, NULL, NULL, 0},
      {"m-5-py3-none-any.whl", "https://example.com/simple/m/m-5-py3-none-any.whl", NULL, NULL,
       false, NULL, false, NULL, NULL, NULL, 0}}},
    {"relative, absolute and network-path URLs", "https://pypi.example/simple/r/", "text/html",
     "<a href=\"../../files/r-1.tar.gz\">r-1.tar.gz</a>"
     "<a href=\"/abs/r-2.tar.gz\">r-2.tar.gz</a>"
     "<a href=\"//cdn.example/r-3.tar.gz\">r-3.tar.gz</a>"
     "<a href=\"https://other.example/x/r-4.tar.gz\">r-4.tar.gz</a>"
     "<a href=\"r-5.tar.gz?token=a&amp;b=c\">r-5.tar.gz</a>",
     "r",
     5,
     {{"r-1.tar.gz", "https://pypi.example/files/r-1.tar.gz", NULL, NULL, false, NULL, false,
       NULL, NULL, NULL, 0},
      {"r-2.tar.gz", "https://pypi.example/abs/r-2.tar.gz", NULL, NULL, false, NULL, false, NULL,
       NULL, NULL, 0},
      {"r-3.tar.gz", "https://cdn.example/r-3.tar.gz", NULL, NULL, false, NULL, false, NULL,
       NULL, NULL, 0},
      {"r-4.tar.gz", "https://other.example/x/r-4.tar.gz", NULL, NULL, false, NULL, false, NULL,
       NULL, NULL, 0},
      {"r-5.tar.gz", "https://pypi.example/simple/r/r-5.tar.gz?token=a&b=c", NULL, NULL, false,
       NULL, false, NULL, NULL, NULL, 0}}},
    {"base tag, even after the links", "https://example.com/simple/b/", NULL,
     "<html><head><title>Links for b</title></head><body>"
     "<a href=\"b-1.zip\">b-1.zip</a>"
     "<BASE HREF=\"../../mirror/\"><base href=\"https://ignored.example/\">"
     "</body></html>",
     "b",
     1,
     {{"b-1.zip", "https://example.com/mirror/b-1.zip", NULL, NULL, false, NULL, false, NULL,
       NULL, NULL, 0}}},
    {"file URLs", "file:///srv/index/simple/f/", "text/html",
     "<a href=\"../../packages/f-1.0-py3-none-any.whl#sha256=" H2 "\">f-1.0-py3-none-any.whl</a>",
     "f",
     1,
     {{"f-1.0-py3-none-any.whl", "file:///srv/index/packages/f-1.0-py3-none-any.whl", H2, NULL,
       false, NULL, false, NULL, NULL, NULL, 0}}},
    {"messy real-world HTML", "https://example.com/simple/Messy_Pkg/", "TEXT/HTML",
     "\xEF\xBB\xBF<!DOCTYPE html>\n<!-- <a href=\"commented-1.0.tar.gz\">no</a> -->\n"
     "<HTML><HEAD><META NAME='pypi:repository-version' CONTENT='1.3'>"
     "<script>var s = '<a href=\"script.tar.gz\">no</a>';</script>"
     "<style>a { color: red }</style></HEAD><BODY>\n"
     "<A HREF='messy-1.0.tar.gz#md5=ABCDEF&sha256=" H1_UPPER "' DATA-YANKED>messy-1.0.tar.gz</A><br/>\n"
     "<a\n   href = messy-1.1.tar.gz#egg=messy\n   data-requires-python=&gt;=3.8\n>\n"
     "  messy-1.1.tar.gz\n</a>\n"
     "<a href=\"  messy-1.2\n.tar.gz  \" class=\"x\"><b>messy-1.2</b>.tar.gz</a>\n"
     "<a name=\"no-href\">ignored</a> a < b stray text &amp; more\n"
     "<a href=\"dir/messy%2B1.3.tar.gz\"></a>\n"
     "<a href=\"messy-1.4.tar.gz\">messy-1.4.tar.gz<a href=\"messy-1.5.tar.gz\">messy-1.5.tar.gz"
     "</BODY></HTML>",
     "Messy_Pkg",
     6,
     {{"messy-1.0.tar.gz", "https://example.com/simple/Messy_Pkg/messy-1.0.tar.gz", H1, NULL,
       true, NULL, false, NULL, "md5=abcdef sha256=" H1, NULL, 0},
      {"messy-1.1.tar.gz", "https://example.com/simple/Messy_Pkg/messy-1.1.tar.gz", NULL, ">=3.8",
       false, NULL, false, NULL, "", NULL, 0},
      {"messy-1.2.tar.gz", "https://example.com/simple/Messy_Pkg/messy-1.2.tar.gz", NULL, NULL,
       false, NULL, false, NULL, NULL, NULL, 0},
      {"messy+1.3.tar.gz", "https://example.com/simple/Messy_Pkg/dir/messy%2B1.3.tar.gz", NULL,
       NULL, false, NULL, false, NULL, NULL, NULL, 0},
      {"messy-1.4.tar.gz", "https://example.com/simple/Messy_Pkg/messy-1.4.tar.gz", NULL, NULL,
       false, NULL, false, NULL, NULL, NULL, 0},
      {"messy-1.5.tar.gz", "https://example.com/simple/Messy_Pkg/messy-1.5.tar.gz", NULL, NULL,
       false, NULL, false, NULL, NULL, NULL, 0}}},
    {"empty page", "https://example.com/simple/none/", "text/html",
     "<html><body><h1>Links for none</h1></body></html>", "none", 0, {{0}}},
};

/* PEP 691's project detail example (hashes filled in), then PEP 700's
 * fields, PEP 714's key and relative URLs. */
static const page_case json_cases[] = {
    {"PEP 691 project detail example", "https://example.com/simple/holygrail/",
     "application/vnd.pypi.simple.v1+json",
     "{\n"
     "  \"meta\": {\n    \"api-version\": \"1.0\"\n  },\n"
     "  \"name\": \"holygrail\",\n"
     "  \"files\": [\n"
     "    {\n"
     "      \"filename\": \"holygrail-1.0.tar.gz\",\n"
     "      \"url\": \"https://example.com/files/holygrail-1.0.tar.gz\",\n"
     "      \"hashes\": {\"sha256\": \"" H1 "\", \"blake2b\": \"" H2 "\"},\n"
     "      \"requires-python\": \">=3.7\",\n"
     "      \"yanked\": \"Had a vulnerability\"\n"
     "    },\n"
     "    {\n"
     "      \"filename\": \"holygrail-1.0-py3-none-any.whl\",\n"
     "      \"url\": \"https://example.com/files/holygrail-1.0-py3-none-any.whl\",\n"
     "      \"hashes\": {\"sha256\": \"" H2 "\", \"blake2b\": \"" H1 "\"},\n"
     "      \"requires-python\": \">=3.7\",\n"
     "      \"dist-info-metadata\": true\n"
     "    }\n"
     "  ]\n"
     "}\n",
     "holygrail",
     2,
     {{"holygrail-1.0.tar.gz", "https://example.com/files/holygrail-1.0.tar.gz", H1, ">=3.7",
       true, "Had a vulnerability", false, NULL, "blake2b=" H2 " sha256=" H1, NULL, 0},
      {"holygrail-1.0-py3-none-any.whl", "https://example.com/files/holygrail-1.0-py3-none-any.whl",
       H2, ">=3.7", false, NULL, true, NULL, "blake2b=" H1 " sha256=" H2, NULL, 0}}},
    {"PEP 700 fields, PEP 714 core-metadata, relative URLs", "https://example.com/simple/p7/",
     "application/vnd.pypi.simple.v1+json; charset=utf-8",
     "{\"meta\": {\"api-version\": \"1.3\"}, \"name\": \"p7\", \"versions\": [\"1.0\"],"
     " \"files\": ["
     "  {\"filename\": \"p7-1.0-py3-none-any.whl\", \"url\": \"../../f/p7-1.0-py3-none-any.whl\","
     "   \"hashes\": {\"SHA256\": \"" H1_UPPER "\"}, \"yanked\": false,"
     "   \"core-metadata\": {\"sha256\": \"" H2 "\"}, \"dist-info-metadata\": true,"
     "   \"upload-time\": \"2022-10-21T12:34:56.123456Z\", \"size\": 12345},"
     "  {\"filename\": \"p7-1.0.tar.gz\", \"url\": \"p7-1.0.tar.gz\", \"hashes\": {},"
     "   \"yanked\": true, \"core-metadata\": false, \"requires-python\": null, \"size\": 7}"
     "]}",
     "p7",
     2,
     {{"p7-1.0-py3-none-any.whl", "https://example.com/f/p7-1.0-py3-none-any.whl", H1, NULL,
       false, NULL, true, H2, "sha256=" H1, "2022-10-21T12:34:56.123456Z", 12345},
      {"p7-1.0.tar.gz", "https://example.com/simple/p7/p7-1.0.tar.gz", NULL, NULL, true, NULL,
       false, NULL, "", NULL, 7}}},
    {"sniffed JSON, application/json", "https://example.com/simple/s/", NULL,
     "  \n{\"meta\":{\"api-version\":\"1.1\"},\"name\":\"s\",\"files\":[]}", "s", 0, {{0}}},
};

static void run_page_cases(const page_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const page_case *c = &cases[i];
        pw_index_page page;
        pw_error err = {0};
        int rc = pw_index_page_parse(c->page_url, c->content_type, c->body, strlen(c->body), &page,
                                     &err);
        if (rc != PW_OK) {
            print_error("%s: %s\n", c->name, pw_error_message(&err));
            fail();
        }
        check_page(c, &page);
        pw_index_page_free(&page);
    }
}

static void test_html_pages(void **state)
{
    run_page_cases(html_cases, N_ELEMS(html_cases));
}

static void test_json_pages(void **state)
{
    run_page_cases(json_cases, N_ELEMS(json_cases));
    /* application/json is the PEP 691 alias servers may answer with. */
    const char *body = "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"a\",\"files\":["
                       "{\"filename\":\"a-1.tar.gz\",\"url\":\"a-1.tar.gz\",\"hashes\":{}}]}";
    pw_index_page page;
    pw_error err = {0};
    PW_ASSERT_OK(pw_index_page_parse("https://h/simple/a/", "application/json", body,
                                     strlen(body), &page, &err), &err);
    assert_int_equal(page.n_files, 1);
    assert_string_equal(page.files[0].url, "https://h/simple/a/a-1.tar.gz");
    assert_int_equal(page.files[0].size, -1);
    pw_index_page_free(&page);
}

/* ---------------------------------------------------------------- errors */

typedef struct error_case {
    const char *name, *page_url, *content_type, *body;
    int code;
    const char *message_part;
} error_case;

#define J_FILE(extra)                                                                          \
    "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"e\",\"files\":[{\"filename\":\"e-1.tar.gz\"," \
    "\"url\":\"e-1.tar.gz\",\"hashes\":{}" extra "}]}"

static const error_case error_cases[] = {
    {"HTML repository-version 2", "https://h/simple/e/", "text/html",
     "<meta name=\"pypi:repository-version\" content=\"2.0\"><a href=\"e-1.tar.gz\">e</a>",
     PW_EUNSUPPORTED, "pypi:repository-version 2.0 is not supported"},
    {"short sha256 fragment", "https://h/simple/e/", "text/html",
     "<a href=\"e-1.tar.gz#sha256=abc\">e-1.tar.gz</a>", PW_EINVAL, "64 hexadecimal digits"},
    {"non-hex sha256 fragment", "https://h/simple/e/", "text/html",
     "<a href=\"e-1.tar.gz#sha256=xyz\">e-1.tar.gz</a>", PW_EINVAL, "not hexadecimal"},
    {"relative link, no page URL", NULL, "text/html", "<a href=\"e-1.tar.gz\">e-1.tar.gz</a>",
     PW_EINVAL, "relative URL 'e-1.tar.gz'"},
    {"relative page URL", "simple/e/", "text/html", "", PW_EINVAL, "must be absolute"},
    {"relative base href", NULL, "text/html", "<base href=\"../x/\"><a href=\"e\">e</a>",
     PW_EINVAL, "is not an absolute URL"},
    {"v2 content type", "https://h/simple/e/", "application/vnd.pypi.simple.v2+json", "{}",
     PW_EUNSUPPORTED, "application/vnd.pypi.simple.v2+json"},
    {"unexpected content type", "https://h/simple/e/", "image/png", "", PW_EINVAL,
     "unexpected content type 'image/png'"},
    {"invalid JSON", "https://h/simple/e/", "application/vnd.pypi.simple.v1+json",
     "{\"meta\": {\"api-version\": \"1.0\"},", PW_EINVAL, "invalid JSON"},
    {"JSON not an object", "https://h/simple/e/", "application/json", "[1, 2]", PW_EINVAL,
     "top level"},
    {"api-version 2.0", "https://h/simple/e/", "application/json",
     "{\"meta\":{\"api-version\":\"2.0\"},\"name\":\"e\",\"files\":[]}", PW_EUNSUPPORTED,
     "api-version 2.0 is not supported (pwpkg understands 1.x)"},
    {"api-version garbage", "https://h/simple/e/", "application/json",
     "{\"meta\":{\"api-version\":\"one\"},\"name\":\"e\",\"files\":[]}", PW_EINVAL,
     "is not MAJOR.MINOR"},
    {"api-version a number", "https://h/simple/e/", "application/json",
     "{\"meta\":{\"api-version\":1.0},\"name\":\"e\",\"files\":[]}", PW_EINVAL, "api-version"},
    {"no meta", "https://h/simple/e/", "application/json", "{\"name\":\"e\",\"files\":[]}",
     PW_EINVAL, "api-version"},
    {"files not an array", "https://h/simple/e/", "application/json",
     "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"e\",\"files\":{}}", PW_EINVAL,
     "\"files\" must be an array"},
    {"name missing", "https://h/simple/e/", "application/json",
     "{\"meta\":{\"api-version\":\"1.0\"},\"files\":[]}", PW_EINVAL, "\"name\" must be a project name"},
    {"file not an object", "https://h/simple/e/", "application/json",
     "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"e\",\"files\":[\"e-1.tar.gz\"]}", PW_EINVAL,
     "files[0] must be an object"},
    {"filename missing", "https://h/simple/e/", "application/json",
     "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"e\",\"files\":[{\"url\":\"x\",\"hashes\":{}}]}",
     PW_EINVAL, "\"filename\" must be a non-empty string"},
    {"hashes not an object", "https://h/simple/e/", "application/json",
     "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"e\",\"files\":[{\"filename\":\"e-1.tar.gz\","
     "\"url\":\"e-1.tar.gz\",\"hashes\":\"sha256=00\"}]}",
     PW_EINVAL, "\"hashes\" must be an object"},
    {"hash not hex", "https://h/simple/e/", "application/json",
     "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"e\",\"files\":[{\"filename\":\"e-1.tar.gz\","
     "\"url\":\"e-1.tar.gz\",\"hashes\":{\"md5\":\"zz\"}}]}",
     PW_EINVAL, "md5 hash 'zz' is not hexadecimal"},
    {"yanked a number", "https://h/simple/e/", "application/json", J_FILE(",\"yanked\":1"),
     PW_EINVAL, "\"yanked\" must be a boolean or a string"},
    {"core-metadata a string", "https://h/simple/e/", "application/json",
     J_FILE(",\"core-metadata\":\"true\""), PW_EINVAL, "\"core-metadata\" must be a boolean"},
    {"requires-python a list", "https://h/simple/e/", "application/json",
     J_FILE(",\"requires-python\":[\">=3\"]"), PW_EINVAL, "\"requires-python\" must be a string"},
    {"negative size", "https://h/simple/e/", "application/json", J_FILE(",\"size\":-1"),
     PW_EINVAL, "\"size\" must be a non-negative integer"},
    {"size a string", "https://h/simple/e/", "application/json", J_FILE(",\"size\":\"12\""),
     PW_EINVAL, "\"size\" must be a non-negative integer"},
    {"fractional size", "https://h/simple/e/", "application/json", J_FILE(",\"size\":1.5"),
     PW_EINVAL, "\"size\" must be a non-negative integer"},
    {"bad upload-time", "https://h/simple/e/", "application/json",
     J_FILE(",\"upload-time\":\"yesterday\""), PW_EINVAL, "\"upload-time\" must be an ISO 8601"},
    {"versions not a list", "https://h/simple/e/", "application/json",
     "{\"meta\":{\"api-version\":\"1.1\"},\"name\":\"e\",\"files\":[],\"versions\":\"1\"}",
     PW_EINVAL, "\"versions\" must be an array"},
};

static void test_page_errors(void **state)
{
    for (size_t i = 0; i < N_ELEMS(error_cases); i++) {
        const error_case *c = &error_cases[i];
        pw_index_page page;
        pw_error err = {0};
        int rc = pw_index_page_parse(c->page_url, c->content_type, c->body, strlen(c->body), &page,
                                     &err);
        const char *msg = pw_error_message(&err);
        bool names_page = c->page_url ? strstr(msg, c->page_url) == msg : true;
        if (rc != c->code || !strstr(msg, c->message_part) || !names_page) {
            print_error("%s: expected %s containing '%s', got %s '%s'\n", c->name,
                        pw_status_name(c->code), c->message_part, pw_status_name(rc), msg);
            fail();
        }
        assert_int_equal(page.n_files, 0);
        assert_null(page.files);
        pw_error_clear(&err);
    }
}

static void test_errors_redact_credentials(void **state)
{
    const char *body = "{\"meta\":{\"api-version\":\"9.0\"},\"name\":\"e\",\"files\":[]}";
    pw_index_page page;
    pw_error err = {0};
    assert_int_equal(pw_index_page_parse("https://alice:s3cret@h/simple/e/", NULL, body,
                                         strlen(body), &page, &err),
                     PW_EUNSUPPORTED);
    assert_null(strstr(pw_error_message(&err), "s3cret"));
    assert_non_null(strstr(pw_error_message(&err), "h/simple/e/"));
    pw_error_clear(&err);

    /* The file URLs themselves keep the credentials: they are needed to download. */
    const char *html = "<a href=\"x-1.tar.gz\">x-1.tar.gz</a>";
    PW_ASSERT_OK(pw_index_page_parse("https://alice:s3cret@h/simple/x/", NULL, html,
                                     strlen(html), &page, &err), &err);
    assert_string_equal(page.files[0].url, "https://alice:s3cret@h/simple/x/x-1.tar.gz");
    pw_index_page_free(&page);
}

/* One rule for file names in both forms of a page (a fuzz finding: the
 * JSON reader took "/" as a name, which the HTML form cannot carry). The
 * HTML reader takes an anchor text only when it passes, else the URL's
 * name, and drops a link whose name does not pass either; the JSON reader
 * refuses the page, naming the file and what a name must be. */
static void test_file_name_rule(void **state)
{
    static const struct {
        const char *name_json; /* JSON-escaped */
        const char *problem;
    } refused[] = {
        {"/", "holds a '/'"},
        {"a/b-1.0.tar.gz", "holds a '/'"},
        {" x-1.0.tar.gz", "starts or ends with white space"},
        {"x-1.0.tar.gz ", "starts or ends with white space"},
        {"x\\u0007-1.0.tar.gz", "holds a control character"},
    };
    for (size_t i = 0; i < N_ELEMS(refused); i++) {
        pw_buf body = PW_BUF_INIT;
        pw_buf_printf(&body,
                      "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"x\",\"files\":["
                      "{\"filename\":\"x-1.0.tar.gz\",\"url\":\"x-1.0.tar.gz\",\"hashes\":{}},"
                      "{\"filename\":\"%s\",\"url\":\"x-2.0.tar.gz\",\"hashes\":{}}]}",
                      refused[i].name_json);
        pw_index_page page;
        pw_error err = {0};
        int rc = pw_index_page_parse("https://h/simple/x/", "application/vnd.pypi.simple.v1+json",
                                     body.data, body.len, &page, &err);
        const char *msg = pw_error_message(&err);
        if (rc != PW_EINVAL || !strstr(msg, "https://h/simple/x/") || !strstr(msg, "files[1]") ||
            !strstr(msg, refused[i].problem) || !strstr(msg, "expected the name of a distribution"))
            fail_msg("JSON file name %s: got %s '%s'", refused[i].name_json, pw_status_name(rc),
                     msg);
        assert_int_equal(page.n_files, 0);
        pw_error_clear(&err);
        pw_buf_free(&body);
    }
    /* the same file, named by its URL, is read */
    const char *good = "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"x\",\"files\":["
                       "{\"filename\":\"x-2.0.tar.gz\",\"url\":\"x-2.0.tar.gz\",\"hashes\":{}}]}";
    pw_index_page page;
    pw_error err = {0};
    PW_ASSERT_OK(pw_index_page_parse("https://h/simple/x/", "application/json", good, strlen(good),
                                     &page, &err), &err);
    assert_int_equal(page.n_files, 1);
    assert_string_equal(page.files[0].filename, "x-2.0.tar.gz");
    pw_index_page_free(&page);

    /* HTML: a text of "/" or "a/b" is not a name (the URL's is taken); a
     * URL whose name decodes to hold a '/' names no file and is dropped;
     * surrounding white space is trimmed, not refused. */
    const char *html = "<a href=\"x-1.0.tar.gz\">/</a>"
                       "<a href=\"x-2.0.tar.gz\">a/b</a>"
                       "<a href=\"a%2Fx-3.0.tar.gz\">x-3.0.tar.gz/</a>"
                       "<a href=\"x-4.0.tar.gz\">  x-4.0.tar.gz </a>";
    PW_ASSERT_OK(pw_index_page_parse("https://h/simple/x/", "text/html", html, strlen(html), &page,
                                     &err), &err);
    assert_int_equal(page.n_files, 3);
    assert_string_equal(page.files[0].filename, "x-1.0.tar.gz");
    assert_string_equal(page.files[1].filename, "x-2.0.tar.gz");
    assert_string_equal(page.files[2].filename, "x-4.0.tar.gz");
    /* and each name reads back the same through the JSON form */
    pw_buf json = PW_BUF_INIT;
    pw_index_page_write_json(&page, &json);
    pw_index_page again;
    PW_ASSERT_OK(pw_index_page_parse("https://h/simple/x/", "application/json", json.data, json.len,
                                     &again, &err), &err);
    assert_int_equal(again.n_files, 3);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(again.files[i].filename, page.files[i].filename);
    pw_index_page_free(&again);
    pw_index_page_free(&page);
    pw_buf_free(&json);
}

/* ---------------------------------------------------------------- limits */

static void test_limits(void **state)
{
    pw_index_page page;
    pw_error err = {0};
    pw_buf b = PW_BUF_INIT;

    /* An attribute over the cap on a link. */
    pw_buf_puts(&b, "<a href=\"x.whl\" data-requires-python=\"");
    for (int i = 0; i < PW_INDEX_MAX_ATTR + 1; i++)
        pw_buf_putc(&b, '>');
    pw_buf_puts(&b, "\">x.whl</a>");
    assert_int_equal(pw_index_page_parse("https://h/simple/x/", "text/html", b.data, b.len, &page,
                                         &err),
                     PW_ELIMIT);
    assert_non_null(strstr(pw_error_message(&err), "data-requires-python"));
    pw_error_clear(&err);

    /* ...but the same size elsewhere in the page is only skipped. */
    pw_buf_reset(&b);
    pw_buf_puts(&b, "<img src=\"data:");
    for (int i = 0; i < PW_INDEX_MAX_ATTR + 1; i++)
        pw_buf_putc(&b, 'A');
    pw_buf_puts(&b, "\"><a href=\"x.whl\">x.whl</a>");
    PW_ASSERT_OK(pw_index_page_parse("https://h/simple/x/", "text/html", b.data, b.len, &page,
                                     &err), &err);
    assert_int_equal(page.n_files, 1);
    pw_index_page_free(&page);

    /* One link more than the file cap. */
    pw_buf_reset(&b);
    for (int i = 0; i < PW_INDEX_MAX_FILES + 1; i++)
        pw_buf_puts(&b, "<a href=a>");
    assert_int_equal(pw_index_page_parse("https://h/simple/x/", "text/html", b.data, b.len, &page,
                                         &err),
                     PW_ELIMIT);
    assert_non_null(strstr(pw_error_message(&err), "more than 1000000 files"));
    pw_error_clear(&err);
    pw_buf_free(&b);
}

/* Unterminated constructs, truncated and mutated pages: a clean result or
 * a clean error, never a crash (ASan/UBSan builds check the "never"). */
static void test_hostile_input(void **state)
{
    static const char *const bodies[] = {
        "<!--", "<!-- <a href=\"x\">", "<a href=\"x", "<a href='x' data-yanked=\"", "<script>",
        "<script><a href=x>x</a>", "<<<<<<<<", "<a", "<a href=>", "&#99999999999999;&#x;&#;&",
        "<a href=\"x.whl#sha256\">&#0;&#xD800;</a>", "</", "<!", "<a =x href=y>y</a>",
        "<a href=x#&&=&sha256=&md5=>", "{", "{\"meta\":", "\xEF\xBB\xBF",
    };
    const char *types[] = {NULL, "text/html", "application/json"};
    for (size_t i = 0; i < N_ELEMS(bodies); i++) {
        for (size_t t = 0; t < N_ELEMS(types); t++) {
            pw_index_page page;
            pw_error err = {0};
            int rc = pw_index_page_parse("https://h/simple/x/", types[t], bodies[i],
                                         strlen(bodies[i]), &page, &err);
            assert_true(rc <= 0);
            if (rc == PW_OK)
                pw_index_page_free(&page);
            else
                assert_true(strlen(pw_error_message(&err)) > 0);
            pw_error_clear(&err);
        }
    }
    /* Every prefix of real pages, and byte-flipped copies. */
    const page_case *sources[] = {&html_cases[6], &json_cases[0], &json_cases[1]};
    uint32_t seed = 12345;
    for (size_t s = 0; s < N_ELEMS(sources); s++) {
        const char *body = sources[s]->body;
        size_t len = strlen(body);
        char *copy = pw_xmalloc(len + 1);
        for (size_t cut = 0; cut <= len; cut++) {
            memcpy(copy, body, len);
            for (int k = 0; k < 3; k++) {
                seed = seed * 1103515245u + 12345u;
                copy[(seed >> 8) % len] = (char)(seed >> 16);
            }
            for (int mutated = 0; mutated < 2; mutated++) {
                const char *text = mutated ? copy : body;
                pw_index_page page;
                pw_error err = {0};
                int rc = pw_index_page_parse(sources[s]->page_url, NULL, text, cut, &page, &err);
                assert_true(rc <= 0);
                if (rc == PW_OK)
                    pw_index_page_free(&page);
                pw_error_clear(&err);
            }
        }
        free(copy);
    }
}

/* ------------------------------------------------------------- writers */

static void fill_file(pw_index_file *f, const char *filename, const char *url)
{
    memset(f, 0, sizeof(*f));
    f->filename = pw_xstrdup(filename);
    f->url = pw_xstrdup(url);
    f->size = -1;
    f->is_wheel = strstr(filename, ".whl") != NULL;
}

static void add_hash(pw_index_file *f, const char *name, const char *hex)
{
    pw_buf b = PW_BUF_INIT;
    pw_buf_printf(&b, "%s=%s", name, hex);
    pw_strlist_push_owned(&f->hashes, pw_buf_detach(&b));
    pw_strlist_sort(&f->hashes);
    if (strcmp(name, "sha256") == 0)
        f->sha256 = pw_xstrdup(hex);
}

/* Files in the writers' (file-name) order. */
static void make_page(pw_index_page *p, bool reversed)
{
    memset(p, 0, sizeof(*p));
    p->project = pw_xstrdup("Demo.Pkg");
    p->n_files = 4;
    p->files = pw_xcalloc(4, sizeof(pw_index_file));
    pw_index_file *f = p->files;
    size_t k[4] = {0, 1, 2, 3};
    if (reversed) {
        k[0] = 3; k[1] = 2; k[2] = 1; k[3] = 0;
    }
    fill_file(&f[k[0]], "demo.pkg-1.0.tar.gz", "https://files.example/d/demo.pkg-1.0.tar.gz");
    add_hash(&f[k[0]], "sha256", H1);
    f[k[0]].yanked = true;
    f[k[0]].yanked_reason = pw_xstrdup("bad <release> & \"quotes\"");
    f[k[0]].requires_python = pw_xstrdup(">=3.8,<4");
    f[k[0]].upload_time = pw_xstrdup("2024-01-02T03:04:05.000000Z");
    f[k[0]].size = 1000;
    fill_file(&f[k[1]], "demo_pkg-1.1-py3-none-any.whl",
              "https://files.example/d/demo_pkg-1.1-py3-none-any.whl");
    add_hash(&f[k[1]], "sha256", H2);
    f[k[1]].has_metadata = true;
    f[k[1]].metadata_sha256 = pw_xstrdup(H1);
    f[k[1]].size = 2000;
    fill_file(&f[k[2]], "demo_pkg-1.2-py3-none-any.whl",
              "https://files.example/d/demo_pkg-1.2-py3-none-any.whl?x=1&y=2");
    add_hash(&f[k[2]], "sha256", H1);
    f[k[2]].has_metadata = true;
    f[k[2]].yanked = true;
    fill_file(&f[k[3]], "demo_pkg-2.0rc1.zip", "https://files.example/d/demo_pkg-2.0rc1.zip");
    add_hash(&f[k[3]], "md5", "0123456789abcdef0123456789abcdef");
}

static void assert_same_files(const pw_index_page *want, const pw_index_page *got, bool html)
{
    assert_int_equal(want->n_files, got->n_files);
    for (size_t i = 0; i < want->n_files; i++) {
        const pw_index_file *a = &want->files[i], *b = &got->files[i];
        const char *name = html ? "html round trip" : "json round trip";
        assert_str_or_null(a->filename, b->filename, "filename", name);
        assert_str_or_null(a->url, b->url, "url", name);
        assert_str_or_null(a->sha256, b->sha256, "sha256", name);
        assert_str_or_null(a->requires_python, b->requires_python, "requires_python", name);
        assert_str_or_null(a->yanked_reason, b->yanked_reason, "yanked_reason", name);
        assert_str_or_null(a->metadata_sha256, b->metadata_sha256, "metadata_sha256", name);
        assert_int_equal(a->yanked, b->yanked);
        assert_int_equal(a->has_metadata, b->has_metadata);
        assert_int_equal(a->is_wheel, b->is_wheel);
        assert_int_equal(a->hashes.len, b->hashes.len);
        for (size_t h = 0; h < a->hashes.len; h++)
            assert_string_equal(a->hashes.items[h], b->hashes.items[h]);
        if (!html) {
            assert_str_or_null(a->upload_time, b->upload_time, "upload_time", name);
            assert_int_equal(a->size, b->size);
        } else {
            assert_null(b->upload_time);
            assert_int_equal(b->size, -1);
        }
    }
}

static void test_writer_round_trip(void **state)
{
    pw_index_page page, reversed;
    make_page(&page, false);
    make_page(&reversed, true);
    for (int html = 0; html < 2; html++) {
        pw_buf out = PW_BUF_INIT, out2 = PW_BUF_INIT;
        if (html) {
            pw_index_page_write_html(&page, &out);
            pw_index_page_write_html(&reversed, &out2);
        } else {
            pw_index_page_write_json(&page, &out);
            pw_index_page_write_json(&reversed, &out2);
        }
        /* Deterministic: the input order does not show. */
        assert_string_equal(out.data, out2.data);
        pw_index_page parsed;
        pw_error err = {0};
        int rc = pw_index_page_parse("https://mirror.example/simple/demo-pkg/",
                                     html ? "text/html" : "application/vnd.pypi.simple.v1+json",
                                     out.data, out.len, &parsed, &err);
        if (rc != PW_OK)
            print_error("%s\n%s\n", pw_error_message(&err), out.data);
        PW_ASSERT_OK(rc, NULL);
        assert_same_files(&page, &parsed, html);
        assert_string_equal(parsed.project, html ? "demo-pkg" : "demo-pkg");
        pw_index_page_free(&parsed);
        pw_buf_free(&out);
        pw_buf_free(&out2);
    }
    pw_index_page_free(&reversed);

    /* PEP 700 "versions", from the file names; PEP 714 keys both spelled. */
    pw_buf out = PW_BUF_INIT;
    pw_index_page_write_json(&page, &out);
    cJSON *root = cJSON_Parse(out.data);
    assert_non_null(root);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "meta"), "api-version")
                            ->valuestring,
                        "1.1");
    const cJSON *versions = cJSON_GetObjectItem(root, "versions");
    assert_int_equal(cJSON_GetArraySize(versions), 4);
    const char *want[] = {"1.0", "1.1", "1.2", "2.0rc1"};
    for (int i = 0; i < 4; i++)
        assert_string_equal(cJSON_GetArrayItem(versions, i)->valuestring, want[i]);
    const cJSON *f1 = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "files"), 1);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(f1, "dist-info-metadata"), "sha256")->valuestring,
        H1);
    assert_null(cJSON_GetObjectItem(f1, "upload-time"));
    cJSON_Delete(root);
    pw_buf_free(&out);

    /* HTML: one escaped attribute per property, PEP 714 both spellings. */
    pw_index_page_write_html(&page, &out);
    assert_non_null(strstr(out.data, "data-yanked=\"bad &lt;release&gt; &amp; &quot;quotes&quot;\""));
    assert_non_null(strstr(out.data, "data-requires-python=\"&gt;=3.8,&lt;4\""));
    assert_non_null(strstr(out.data, "data-core-metadata=\"sha256=" H1
                                     "\" data-dist-info-metadata=\"sha256=" H1 "\""));
    assert_non_null(strstr(out.data, "?x=1&amp;y=2#sha256=" H1 "\""));
    assert_non_null(strstr(out.data, "<meta name=\"pypi:repository-version\" content=\"1.0\">"));
    pw_buf_free(&out);
    pw_index_page_free(&page);
}

static void test_root_writers(void **state)
{
    pw_strlist projects = PW_STRLIST_INIT;
    pw_strlist_push(&projects, "zope.interface");
    pw_strlist_push(&projects, "NumPy");
    pw_strlist_push(&projects, "numpy"); /* same project: listed once */
    pw_strlist_push(&projects, "a_b");
    pw_buf out = PW_BUF_INIT;
    pw_index_root_write_html(&projects, &out);
    const char *a = strstr(out.data, "<a href=\"a-b/\">a_b</a>");
    const char *n = strstr(out.data, "<a href=\"numpy/\">NumPy</a>");
    const char *z = strstr(out.data, "<a href=\"zope-interface/\">zope.interface</a>");
    assert_true(a && n && z && a < n && n < z);
    assert_null(strstr(out.data, ">numpy</a>"));
    pw_buf_reset(&out);
    pw_index_root_write_json(&projects, &out);
    cJSON *root = cJSON_Parse(out.data);
    assert_non_null(root);
    const cJSON *list = cJSON_GetObjectItem(root, "projects");
    assert_int_equal(cJSON_GetArraySize(list), 3);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "name")->valuestring, "a_b");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 2), "name")->valuestring,
                        "zope.interface");
    cJSON_Delete(root);
    pw_buf_free(&out);
    pw_strlist_free(&projects);
}

/* ------------------------------------------------------------ timestamps */

typedef struct ts_case {
    const char *text;
    bool ok;
    int64_t seconds;
} ts_case;

static const ts_case ts_cases[] = {
    {"1970-01-01", true, 0},
    {"1970-01-01T00:00:00Z", true, 0},
    {"2022-10-21T12:34:56Z", true, 1666355696},
    {"2022-10-21T12:34:56.123456Z", true, 1666355696}, /* PEP 700's format */
    {"2022-10-21t12:34:56z", true, 1666355696},
    {"2022-10-21 12:34:56", true, 1666355696},
    {"2022-10-21T14:34:56+02:00", true, 1666355696},
    {"2022-10-21T07:04:56-05:30", true, 1666355696},
    {"2022-10-21T14:34:56+0200", true, 1666355696},
    {"2022-10-21T12:34Z", true, 1666355640},
    {"  2024-02-29  ", true, 1709164800},
    {"2000-03-01", true, 951868800},
    {"1969-12-31T23:59:59Z", true, -1},
    {"2038-01-19T03:14:08Z", true, 2147483648LL},
    {"1900-01-01", true, -2208988800LL},
    {"9999-12-31T23:59:59Z", true, 253402300799LL},
    {"2023-02-29", false, 0},
    {"1900-02-29", false, 0},
    {"2022-13-01", false, 0},
    {"2022-00-10", false, 0},
    {"2022-04-31", false, 0},
    {"2022-10-21T24:00:00Z", false, 0},
    {"2022-10-21T12:60:00Z", false, 0},
    {"2022-10-21T12:00:00.Z", false, 0},
    {"2022-10-21T12:00:00+25:00", false, 0},
    {"2022-10-21T12", false, 0},
    {"2022-10-21X", false, 0},
    {"22-10-21", false, 0},
    {"yesterday", false, 0},
    {"", false, 0},
};

static void test_timestamps(void **state)
{
    for (size_t i = 0; i < N_ELEMS(ts_cases); i++) {
        int64_t got = 42;
        pw_error err = {0};
        int rc = pw_parse_timestamp(ts_cases[i].text, &got, &err);
        if (ts_cases[i].ok ? (rc != PW_OK || got != ts_cases[i].seconds) : rc != PW_EINVAL) {
            print_error("'%s': rc %d, got %lld, %s\n", ts_cases[i].text, rc, (long long)got,
                        pw_error_message(&err));
            fail();
        }
        if (!ts_cases[i].ok)
            assert_non_null(strstr(pw_error_message(&err), "invalid timestamp"));
        pw_error_clear(&err);
    }
}

static void test_accept_header(void **state)
{
    /* PEP 691: JSON first, HTML still accepted. */
    const char *accept = PW_INDEX_ACCEPT;
    const char *json = strstr(accept, "application/vnd.pypi.simple.v1+json");
    const char *html = strstr(accept, "application/vnd.pypi.simple.v1+html;q=0.2");
    assert_true(json && html && json < html);
    assert_non_null(strstr(accept, "text/html;q=0.01"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_resolve_rfc3986),
        cmocka_unit_test(test_url_resolve_relative_base),
        cmocka_unit_test(test_html_pages),
        cmocka_unit_test(test_json_pages),
        cmocka_unit_test(test_page_errors),
        cmocka_unit_test(test_errors_redact_credentials),
        cmocka_unit_test(test_file_name_rule),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_hostile_input),
        cmocka_unit_test(test_writer_round_trip),
        cmocka_unit_test(test_root_writers),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_accept_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
