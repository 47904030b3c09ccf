/*
 * Simple-index project pages: PEP 503 HTML and PEP 691 JSON.
 *
 * The first input byte picks the Content-Type (HTML, JSON, PEP 691 HTML, or
 * none so that the parser sniffs); the rest is the body, served from a page
 * URL that carries credentials. Invariants: an error message never shows
 * the password; every file has a name and an absolute URL; each writer's
 * output parses back and writes the same bytes again (a mirror of a mirror
 * is the mirror).
 */
#include "fuzz.h"
#include "packaging.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define PASSWORD "s3cr3t-pw"
#define PAGE_URL "https://fuzz:" PASSWORD "@index.example/simple/demo/"

static const char *const content_types[] = {
    "text/html",
    "application/vnd.pypi.simple.v1+json",
    "application/vnd.pypi.simple.v1+html; charset=utf-8",
    NULL,
};

/* `input_has_password`: messages may quote the input, which the fuzzer can
 * make contain the password too (it learns strings from comparisons). */
static void check_error(const char *what, int rc, const pw_error *err, bool input_has_password)
{
    fuzz_check_status(what, rc, err);
    if (rc != 0 && !input_has_password)
        fuzz_check(strstr(err->message, PASSWORD) == NULL, "%s leaks the password: %s", what,
                   err->message);
}

/* RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
static bool has_scheme(const char *url)
{
    if (!isalpha((unsigned char)url[0]))
        return false;
    size_t i = 1;
    while (isalnum((unsigned char)url[i]) || url[i] == '+' || url[i] == '-' || url[i] == '.')
        i++;
    return url[i] == ':';
}

static void check_writer(const pw_index_page *page, bool json)
{
    pw_buf first = PW_BUF_INIT, second = PW_BUF_INIT;
    if (json)
        pw_index_page_write_json(page, &first);
    else
        pw_index_page_write_html(page, &first);
    const char *type = json ? "application/vnd.pypi.simple.v1+json" : "text/html";
    pw_index_page again;
    pw_error err = {0, NULL};
    int rc = pw_index_page_parse(PAGE_URL, type, first.data, first.len, &again, &err);
    fuzz_check(rc == 0, "the %s writer produced a page its parser refuses: %s\n%s", json ? "JSON" : "HTML",
               pw_error_message(&err), first.data);
    fuzz_check(again.n_files == page->n_files, "the %s round trip kept %zu of %zu files",
               json ? "JSON" : "HTML", again.n_files, page->n_files);
    /* PEP 503 HTML does not carry the project name: its parser takes it from
     * the page URL. Compare what the format can carry. */
    if (!json) {
        free(again.project);
        again.project = page->project ? pw_xstrdup(page->project) : NULL;
    }
    if (json)
        pw_index_page_write_json(&again, &second);
    else
        pw_index_page_write_html(&again, &second);
    fuzz_check_same_text(json ? "JSON page write(parse(write(p))) and write(p)"
                              : "HTML page write(parse(write(p))) and write(p)",
                         &first, &second);
    pw_index_page_free(&again);
    pw_buf_free(&first);
    pw_buf_free(&second);
    pw_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *type = content_types[data[0] % (sizeof(content_types) / sizeof(content_types[0]))];
    pw_index_page page;
    pw_error err = {0, NULL};
    bool input_has_password = memmem(data, size, PASSWORD, strlen(PASSWORD)) != NULL;
    int rc = pw_index_page_parse(PAGE_URL, type, (const char *)data + 1, size - 1, &page, &err);
    check_error("pw_index_page_parse", rc, &err, input_has_password);
    if (rc == 0) {
        for (size_t i = 0; i < page.n_files; i++) {
            const pw_index_file *f = &page.files[i];
            fuzz_check(f->filename && f->url && has_scheme(f->url),
                       "file %zu has no name or no absolute URL", i);
            fuzz_check(strchr(f->url, '#') == NULL, "the URL of %s kept its fragment: %s", f->filename,
                       f->url);
            if (f->upload_time) {
                int64_t when;
                pw_error_clear(&err);
                rc = pw_parse_timestamp(f->upload_time, &when, &err);
                check_error("pw_parse_timestamp", rc, &err, input_has_password);
            }
        }
        check_writer(&page, false);
        check_writer(&page, true);
        pw_index_page_free(&page);
    }
    pw_error_clear(&err);
    return 0;
}
