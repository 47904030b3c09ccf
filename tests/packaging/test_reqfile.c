/* requirements.txt as pip reads it: lines, options, includes, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reqfile.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define H1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define H1_UPPER "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
#define H512 H1 H2

/* --------------------------------------------- an in-memory file system */

static const struct {
    const char *path;
    const char *text;
} memfs[] = {
    {"req/base.txt", "numpy==1.26.4\n"},
    {"req/sub/inner.txt", "-r ../base.txt\nscipy\n"},
    {"req/sub/../base.txt", "numpy==1.26.4\n"},
    {"req/cons.txt", "numpy<2\n-r base.txt\n"},
    {"req/cycle_a.txt", "-r cycle_b.txt\n"},
    {"req/cycle_b.txt", "# b\n-r ./cycle_a.txt\n"},
    {"req/bad.txt", "ok\nfoo >= \n"},
    {"req/opts.txt", "--pre\n--extra-index-url https://inner.example/simple\n"},
    {"/abs/other.txt", "attrs\n"},
};

static int memfs_read(void *ctx, const char *path, pw_buf *out, pw_error *err)
{
    (void)ctx;
    for (size_t i = 0; i < N_ELEMS(memfs); i++) {
        if (strcmp(memfs[i].path, path) == 0) {
            pw_buf_reset(out);
            pw_buf_puts(out, memfs[i].text);
            return 0;
        }
    }
    /* chain/N.txt includes chain/N+1.txt up to the number in ctx. */
    int n;
    char tail;
    if (ctx && sscanf(path, "chain/%d.tx%c", &n, &tail) == 2) {
        pw_buf_reset(out);
        if (n < *(const int *)ctx)
            pw_buf_printf(out, "-r %d.txt\n", n + 1);
        else
            pw_buf_puts(out, "leaf\n");
        return 0;
    }
    return pw_error_set(err, PW_ENOTFOUND, "%s: cannot open: No such file or directory", path);
}

static const char *memfs_getenv(void *ctx, const char *name)
{
    (void)ctx;
    static const struct {
        const char *name, *value;
    } vars[] = {
        {"INDEX_HOST", "pypi.example.org"}, {"VERSION", "1.2.3"}, {"EMPTY", ""},
        {"BADVER", "1.x"},                  {"PKG", "requests"},
    };
    for (size_t i = 0; i < N_ELEMS(vars); i++)
        if (strcmp(vars[i].name, name) == 0)
            return vars[i].value;
    return NULL;
}

static const pw_reqfile_io memfs_io = {memfs_read, memfs_getenv, NULL};

/* A compact, exact picture of a parsed file for table comparisons. */
static void dump_entry(const char *kind, const pw_reqfile_entry *e, pw_buf *out)
{
    pw_buf_printf(out, "%s %s:%zu ", kind, e->file, e->line);
    pw_requirement_format(&e->req, out);
    for (size_t h = 0; h < e->hashes.len; h++)
        pw_buf_printf(out, " #%s", e->hashes.items[h]);
    pw_buf_putc(out, '\n');
}

static void dump_list(const char *label, const pw_strlist *l, pw_buf *out)
{
    if (!l->len)
        return;
    pw_buf_printf(out, "%s", label);
    for (size_t i = 0; i < l->len; i++)
        pw_buf_printf(out, "%s%s", i ? "," : " ", l->items[i]);
    pw_buf_putc(out, '\n');
}

static void dump(const pw_reqfile *rf, pw_buf *out)
{
    for (size_t i = 0; i < rf->n_requirements; i++)
        dump_entry("R", &rf->requirements[i], out);
    for (size_t i = 0; i < rf->n_constraints; i++)
        dump_entry("C", &rf->constraints[i], out);
    if (rf->index_url)
        pw_buf_printf(out, "index-url %s\n", rf->index_url);
    if (rf->no_index)
        pw_buf_puts(out, "no-index\n");
    dump_list("extra-index-url", &rf->extra_index_urls, out);
    dump_list("find-links", &rf->find_links, out);
    dump_list("trusted-host", &rf->trusted_hosts, out);
    dump_list("only-binary", &rf->only_binary, out);
    dump_list("no-binary", &rf->no_binary, out);
    if (rf->pre)
        pw_buf_puts(out, "pre\n");
    if (rf->prefer_binary)
        pw_buf_puts(out, "prefer-binary\n");
    if (rf->require_hashes)
        pw_buf_puts(out, "require-hashes\n");
}

#define F "req/requirements.txt"

/* --------------------------------------------------------- good input */

typedef struct ok_case {
    const char *text;
    const char *dump;
} ok_case;

static const ok_case ok_cases[] = {
    /* Comments, blank lines, whitespace. */
    {"# comment\nfoo\n\n  bar  # trailing comment\n\t\nbaz\t# tab comment\n",
     "R " F ":2 foo\nR " F ":4 bar\nR " F ":6 baz\n"},
    {"#!/only/comments\n   # indented\n", ""},
    {"", ""},
    {"foo # a#b\n", "R " F ":1 foo\n"},
    /* Continuations. */
    {"foo \\\n  >=1.0 \\\n  ,<2\nbar\n", "R " F ":1 foo>=1.0,<2\nR " F ":4 bar\n"},
    {"numpy==1.26.4 \\\n    --hash=sha256:" H1 " \\\n    --hash=sha256:" H2 "\n    # via scipy\nscipy==1.11.4\n",
     "R " F ":1 numpy==1.26.4 #sha256:" H1 " #sha256:" H2 "\nR " F ":5 scipy==1.11.4\n"},
    /* pip-compile's "\" before a comment line: the comment ends the line. */
    {"foo==1 \\\n    --hash=sha256:" H1 " \\\n    # via bar\nbaz==2\n",
     "R " F ":1 foo==1 #sha256:" H1 "\nR " F ":4 baz==2\n"},
    /* A full-line comment ending in '\' does not continue. */
    {"# comment \\\nfoo\n", "R " F ":2 foo\n"},
    {"foo\\\n", "R " F ":1 foo\n"},
    {"foo>=1 \\", "R " F ":1 foo>=1\n"},
    /* A comment inside a continued line swallows the rest (pip). */
    {"foo # note \\\nbar\nbaz\n", "R " F ":1 foo\nR " F ":3 baz\n"},
    /* Line ends and byte order mark. */
    {"foo\r\nbar\rbaz\n", "R " F ":1 foo\nR " F ":2 bar\nR " F ":3 baz\n"},
    {"\xef\xbb\xbf" "foo\n", "R " F ":1 foo\n"},
    /* Environment variables: ${NAME} only, set and non-empty only. */
    {"--index-url https://${INDEX_HOST}/simple\nfoo==${VERSION}\n${PKG}[socks]\n",
     "R " F ":2 foo==1.2.3\nR " F ":3 requests[socks]\nindex-url https://pypi.example.org/simple\n"},
    {"-f https://h/$INDEX_HOST/${index_host}/${EMPTY}/${UNSET}\n",
     "find-links https://h/$INDEX_HOST/${index_host}/${EMPTY}/${UNSET}\n"},
    /* Every global option. */
    {"-i https://pypi.example/simple\n--index-url=https://mirror.example/simple\n"
     "--extra-index-url https://extra.example/simple\n--extra-index-url=https://extra2.example/simple\n"
     "--no-index\n-f https://links.example/\n--find-links=./wheels\n--pre\n--prefer-binary\n"
     "--require-hashes\n--trusted-host pypi.example\n--use-feature=truststore\n",
     "index-url https://mirror.example/simple\nno-index\n"
     "extra-index-url https://extra.example/simple,https://extra2.example/simple\n"
     "find-links https://links.example/,./wheels\ntrusted-host pypi.example\npre\nprefer-binary\n"
     "require-hashes\n"},
    {"-ihttps://short.example/simple\n", "index-url https://short.example/simple\n"},
    {"--index-url 'https://x.example/a b' --pre\n", "index-url https://x.example/a b\npre\n"},
    {"--index-url \"https://x.example/\\\"q\\\"\"\n", "index-url https://x.example/\"q\"\n"},
    {"--extra-index https://abbrev.example\n--prefer\n", "extra-index-url https://abbrev.example\nprefer-binary\n"},
    /* --only-binary / --no-binary, combined as pip combines them. */
    {"--only-binary :all:\n--no-binary numpy,Scipy_X\n", "only-binary :all:\nno-binary numpy,scipy-x\n"},
    {"--only-binary foo,bar\n--only-binary :none:,baz\n", "only-binary baz\n"},
    {"--no-binary foo\n--no-binary :all:\n--only-binary bar\n", "only-binary bar\nno-binary :all:\n"},
    {"--only-binary Foo\n--no-binary foo\n", "no-binary foo\n"},
    {"--no-binary :all:,:none:,x\n", "no-binary x\n"},
    /* Includes: relative to the including file. */
    {"-r base.txt\nfoo\n", "R req/base.txt:1 numpy==1.26.4\nR " F ":2 foo\n"},
    {"--requirement=base.txt\n", "R req/base.txt:1 numpy==1.26.4\n"},
    {"-rbase.txt\n", "R req/base.txt:1 numpy==1.26.4\n"},
    {"--requirement base.txt\n", "R req/base.txt:1 numpy==1.26.4\n"},
    {"-r sub/inner.txt\n", "R req/sub/../base.txt:1 numpy==1.26.4\nR req/sub/inner.txt:2 scipy\n"},
    {"-r /abs/other.txt\n", "R /abs/other.txt:1 attrs\n"},
    {"-r opts.txt\n", "extra-index-url https://inner.example/simple\npre\n"},
    /* A constraints file's own lines are constraints, its -r lines are not. */
    {"-c cons.txt\nfoo\n", "R req/base.txt:1 numpy==1.26.4\nR " F ":2 foo\nC req/cons.txt:1 numpy<2\n"},
    {"--constraint=cons.txt\n", "R req/base.txt:1 numpy==1.26.4\nC req/cons.txt:1 numpy<2\n"},
    /* Including the same file twice is no cycle. */
    {"-r base.txt\n-r base.txt\n", "R req/base.txt:1 numpy==1.26.4\nR req/base.txt:1 numpy==1.26.4\n"},
    /* Markers and options after them. */
    {"foo; python_version < '3.8'\nbar ; sys_platform == 'emscripten' --hash=sha256:" H1 "\n",
     "R " F ":1 foo; python_version < \"3.8\"\nR " F ":2 bar; sys_platform == \"emscripten\" #sha256:" H1 "\n"},
    {"requests [security] >= 2.8.1, == 2.8.* ; python_version < \"2.7\"\n",
     "R " F ":1 requests[security]>=2.8.1,==2.8.*; python_version < \"2.7\"\n"},
    {"foo;\n", "R " F ":1 foo\n"},
    /* Hashes: both spellings, upper-case hex, sha512, duplicates. */
    {"foo==1 --hash sha256:" H1_UPPER " --hash=sha256:" H1 " --hash=sha512:" H512 "\n",
     "R " F ":1 foo==1 #sha256:" H1 " #sha512:" H512 "\n"},
    {"foo==1  --hash=sha256:" H1 "\n", "R " F ":1 foo==1 #sha256:" H1 "\n"},
    /* pip ignores options other than --hash on a requirement line. */
    {"foo --pre\n", "R " F ":1 foo\n"},
    /* Wheels by URL or path: the name comes from the file name. */
    {"https://files.example/pkgs/Foo_Bar-1.0-py3-none-any.whl\n",
     "R " F ":1 Foo_Bar @ https://files.example/pkgs/Foo_Bar-1.0-py3-none-any.whl\n"},
    {"http://wxpython.org/Phoenix/snapshot-builds/wxPython_Phoenix-3.0.3.dev1820+49a8884-cp34-none-win_amd64.whl\n",
     "R " F ":1 wxPython_Phoenix @ http://wxpython.org/Phoenix/snapshot-builds/"
     "wxPython_Phoenix-3.0.3.dev1820+49a8884-cp34-none-win_amd64.whl\n"},
    {"./downloads/numpy-1.9.2-cp34-none-win32.whl\n",
     "R " F ":1 numpy @ ./downloads/numpy-1.9.2-cp34-none-win32.whl\n"},
    {"./wheels/foo-2.0-1-py3-none-any.whl[Extra] ; python_version>'3'\n",
     "R " F ":1 foo[extra] @ ./wheels/foo-2.0-1-py3-none-any.whl ; python_version > \"3\"\n"},
    {"https://x.example/y/foo-1.0-py3-none-any.whl ; os_name=='posix'\n",
     "R " F ":1 foo @ https://x.example/y/foo-1.0-py3-none-any.whl ; os_name == \"posix\"\n"},
    {"https://x.example/foo-1.0%2Blocal-py3-none-any.whl#sha256=" H1 "\n",
     "R " F ":1 foo @ https://x.example/foo-1.0%2Blocal-py3-none-any.whl#sha256=" H1 "\n"},
    {"foo-1.0-py3-none-any.whl --hash=sha256:" H1 "\n",
     "R " F ":1 foo @ foo-1.0-py3-none-any.whl #sha256:" H1 "\n"},
    {"foo @ https://x.example/foo-1.0-py3-none-any.whl\n",
     "R " F ":1 foo @ https://x.example/foo-1.0-py3-none-any.whl\n"},
    {"foo @ https://x.example/foo-1.0-py3-none-any.whl;python_version>'3'\n",
     "R " F ":1 foo @ https://x.example/foo-1.0-py3-none-any.whl ; python_version > \"3\"\n"},
    {"foo[a] @ file:///wheels/foo-1.0-py3-none-any.whl\n",
     "R " F ":1 foo[a] @ file:///wheels/foo-1.0-py3-none-any.whl\n"},
};

static void test_ok_cases(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < N_ELEMS(ok_cases); i++) {
        const ok_case *c = &ok_cases[i];
        pw_reqfile rf;
        pw_error err = {0, NULL};
        int rc = pw_reqfile_parse_text(F, c->text, strlen(c->text), &memfs_io, &rf, &err);
        if (rc != 0) {
            print_error("ok case %zu: rc %d: %s\n", i, rc, pw_error_message(&err));
            failures++;
            pw_error_clear(&err);
            continue;
        }
        pw_buf out = PW_BUF_INIT;
        dump(&rf, &out);
        if (strcmp(pw_buf_cstr(&out), c->dump) != 0) {
            print_error("ok case %zu:\n--- got\n%s--- expected\n%s---\n", i, pw_buf_cstr(&out), c->dump);
            failures++;
        }
        pw_buf_free(&out);
        pw_reqfile_free(&rf);
    }
    assert_int_equal(failures, 0);
}

/* ------------------------------------------------------------ bad input */

typedef struct err_case {
    const char *text;
    int code;
    const char *prefix; /* exact start of the message */
    const char *expect; /* substring */
} err_case;

static const err_case err_cases[] = {
    /* Requirement syntax, mapped to file:line:column. */
    {"foo >= \n", PW_EINVAL, F ":1:7: ", "expected a version after '>='"},
    {"# 1\n\n\n\n\n\nnumpy   >=\n", PW_EINVAL, F ":7:11: ", "expected a version after '>='"},
    {"foo \\\n  >=1.0, \\\n  <\n", PW_EINVAL, F ":3:4: ", "expected a version after '<'"},
    {"ok\n  foo[bar\n", PW_EINVAL, F ":2:10: ", "expected ']'"},
    {"foo; os_name ==\n", PW_EINVAL, F ":1:16: ", "expected a quoted string"},
    {"foo; os_name =\n", PW_EINVAL, F ":1:14: ", "expected a marker operator"},
    {"foo ; os_name == 'a' and\n", PW_EINVAL, F ":1:25: ", "expected a marker variable"},
    {"baz#notacomment\n", PW_EINVAL, F ":1:4: ", "expected"},
    {"foo==${BADVER}\n", PW_EINVAL, F ":1:6: ", "invalid specifier '==1.x'"},
    {"foo==${UNSET}\n", PW_EINVAL, F ":1:6: ", "expected a version after '=='"},
    {"${EMPTY}foo\n", PW_EINVAL, F ":1:1: ", "expected a package name"},
    {"foo>=1 bar\n", PW_EINVAL, F ":1:8: ", "expected ',', ';' or the end"},
    {"foo\tbar\n", PW_EINVAL, F ":1:5: ", "expected"},
    {"https://x.example/foo-1.0-py3-none-any.whl ; os_name =\n", PW_EINVAL, F ":1:54: ",
     "expected a marker operator"},
    {"./wheels/foo-1.0-py3-none-any.whl[a,] \n", PW_EINVAL, F ":1:37: ", "expected an extra name"},
    {"./foo.whl\n", PW_EINVAL, F ":1:3: ", "expected a wheel file name"},
    {"https://x.example/a/foo-py3-none-any.whl\n", PW_EINVAL, F ":1:21: ", "found 'foo-py3-none-any.whl'"},
    {"foo\nbar\x01\n", PW_EINVAL, F ":2:4: ", "byte 0x01"},
    {"foo\nb\0ar\n", PW_EINVAL, F ":2:2: ", "NUL byte"},
    /* Unsupported requirement kinds. */
    {"-e .\n", PW_EUNSUPPORTED, F ":1:1: ",
     "editable requirements (-e) are not supported: pwpkg installs wheels only"},
    {"foo\n  --editable=git+https://github.com/x/y\n", PW_EUNSUPPORTED, F ":2:3: ", "editable requirements (-e)"},
    {"-e git+https://github.com/x/y#egg=y\n", PW_EUNSUPPORTED, F ":1:1: ", "editable"},
    /* a bare VCS URL has no name: only "name @ git+URL" is supported */
    {"git+https://github.com/pypa/pip.git#egg=pip\n", PW_EUNSUPPORTED, F ":1:1: ",
     "VCS requirements other than 'name @ git+URL' are not supported"},
    {"pip @ hg+https://hg.example/pip@22.0\n", PW_EUNSUPPORTED, F ":1:7: ",
     "VCS requirements other than 'name @ git+URL'"},
    {"hg+https://hg.example/repo#egg=x\n", PW_EUNSUPPORTED, F ":1:1: ", "VCS requirements"},
    {"svn+ssh://svn.example/repo\n", PW_EUNSUPPORTED, F ":1:1: ", "VCS requirements"},
    {"bzr+lp:project\n", PW_EUNSUPPORTED, F ":1:1: ", "VCS requirements"},
    {"x @ bzr+https://bzr.example/x\n", PW_EUNSUPPORTED, F ":1:5: ", "VCS requirements"},
    {".\n", PW_EUNSUPPORTED, F ":1:1: ", "local directories and source archives are not supported"},
    {"./src/mypkg\n", PW_EUNSUPPORTED, F ":1:1: ", "local directories"},
    {"/abs/pkg-1.0.tar.gz\n", PW_EUNSUPPORTED, F ":1:1: ", "local directories"},
    {"pkg-1.0.tar.gz\n", PW_EUNSUPPORTED, F ":1:1: ", "found 'pkg-1.0.tar.gz'"},
    {"pkg-1.0.zip[extra]\n", PW_EUNSUPPORTED, F ":1:1: ", "local directories"},
    {"https://x.example/pkg-1.0.tar.gz\n", PW_EUNSUPPORTED, F ":1:1: ", "source distributions are not supported"},
    {"foo @ https://x.example/foo-1.0.tar.gz\n", PW_EUNSUPPORTED, F ":1:7: ", "source distributions"},
    {"urllib3 @ https://github.com/urllib3/urllib3/archive/refs/tags/1.26.8.zip\n", PW_EUNSUPPORTED,
     F ":1:11: ", "source distributions"},
    {"foo @ file:///src/foo\n", PW_EUNSUPPORTED, F ":1:7: ", "local directories"},
    {"file:///src/foo\n", PW_EUNSUPPORTED, F ":1:1: ", "local directories"},
    /* Options. */
    {"--foo\n", PW_EINVAL, F ":1:1: ", "unknown option --foo"},
    {"foo==1 --bar=2\n", PW_EINVAL, F ":1:8: ", "unknown option --bar"},
    {"-x\n", PW_EINVAL, F ":1:1: ", "unknown option -x"},
    {"--no\n", PW_EINVAL, F ":1:1: ", "ambiguous option --no (could be --no-index, --no-binary)"},
    {"--pre=1\n", PW_EINVAL, F ":1:1: ", "option --pre does not take a value"},
    {"-i\n", PW_EINVAL, F ":1:3: ", "expected a value after -i"},
    {"--index-url\n", PW_EINVAL, F ":1:12: ", "expected a value after --index-url"},
    {"--pre foo\n", PW_EINVAL, F ":1:7: ", "unexpected argument 'foo'"},
    {"foo --hash=sha256:" H1 " extra\n", PW_EINVAL, F ":1:84: ", "unexpected argument 'extra'"},
    {"foo -\n", PW_EINVAL, F ":1:5: ", "unexpected argument '-'"},
    {"--index-url 'https://x\n", PW_EINVAL, F ":1:13: ", "expected a closing '"},
    {"--index-url x\\ \n", PW_EINVAL, F ":1:14: ", "expected a character after '\\'"},
    {"--config-settings=x=y\n", PW_EUNSUPPORTED, F ":1:1: ", "option --config-settings is not supported"},
    {"foo -C x=y\n", PW_EUNSUPPORTED, F ":1:5: ", "option --config-settings is not supported"},
    {"foo --global-option=x\n", PW_EUNSUPPORTED, F ":1:5: ", "--global-option"},
    {"--only-binary --pre\n", PW_EINVAL, F ":1:15: ", "expected a comma-separated list"},
    /* Hashes. */
    {"foo==1 --hash=md5:d41d8cd98f00b204e9800998ecf8427e\n", PW_EINVAL, F ":1:15: ",
     "hash algorithm 'md5' is not allowed"},
    {"foo==1 --hash=sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709\n", PW_EINVAL, F ":1:15: ",
     "hash algorithm 'sha1' is not allowed"},
    {"foo==1 --hash=SHA256:" H1 "\n", PW_EINVAL, F ":1:15: ", "hash algorithm 'SHA256'"},
    {"foo==1 --hash=sha256\n", PW_EINVAL, F ":1:15: ", "expected --hash=<algorithm>:<hex digest>"},
    {"foo==1 --hash=sha256:abc\n", PW_EINVAL, F ":1:22: ", "expected 64 hexadecimal digits after 'sha256:'"},
    {"foo==1 --hash=sha256:" H1 "0\n", PW_EINVAL, F ":1:22: ", "expected 64 hexadecimal digits"},
    {"foo==1 --hash=sha256:xyz" H1 "\n", PW_EINVAL, F ":1:22: ", "expected 64"},
    {"foo==1\n--hash=sha256:" H1 "\n", PW_EINVAL, F ":2:1: ", "--hash must follow a requirement"},
    /* Includes. */
    {"-r missing.txt\n", PW_ENOTFOUND, F ":1:4: ", "cannot read requirements file: req/missing.txt"},
    {"\n-c missing.txt\n", PW_ENOTFOUND, F ":2:4: ", "cannot read constraints file"},
    {"-r https://example.com/req.txt\n", PW_EUNSUPPORTED, F ":1:4: ",
     "including requirements files from URLs is not supported yet"},
    {"--constraint=file:///c.txt\n", PW_EUNSUPPORTED, F ":1:14: ", "from URLs"},
    {"-r\n", PW_EINVAL, F ":1:3: ", "expected a value after -r"},
    {"-r ''\n", PW_EINVAL, F ":1:4: ", "expected a file name after --requirement"},
    {"-r requirements.txt\n", PW_EINVAL, F ":1:4: ",
     "requirements files include each other in a cycle: req/requirements.txt -> req/requirements.txt"},
    {"-r cycle_a.txt\n", PW_EINVAL, "req/cycle_b.txt:2:4: ",
     "cycle: req/cycle_a.txt -> req/cycle_b.txt -> req/./cycle_a.txt"},
    {"-r bad.txt\n", PW_EINVAL, "req/bad.txt:2:7: ", "expected a version after '>='"},
};

static void test_err_cases(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < N_ELEMS(err_cases); i++) {
        const err_case *c = &err_cases[i];
        pw_reqfile rf;
        pw_error err = {0, NULL};
        size_t len = strlen(c->text);
        if (strstr(c->expect, "NUL"))
            len = sizeof("foo\nb\0ar\n") - 1; /* the NUL is part of the text */
        int rc = pw_reqfile_parse_text(F, c->text, len, &memfs_io, &rf, &err);
        const char *msg = pw_error_message(&err);
        if (rc != c->code || strncmp(msg, c->prefix, strlen(c->prefix)) != 0 || !strstr(msg, c->expect)) {
            print_error("err case %zu: rc %d (expected %d): '%s'\n   expected '%s...%s'\n", i, rc, c->code, msg,
                        c->prefix, c->expect);
            failures++;
        }
        if (rc == 0) {
            pw_reqfile_free(&rf);
        } else {
            /* On failure nothing is left behind. */
            assert_int_equal(rf.n_requirements, 0);
            assert_null(rf.requirements);
            assert_null(rf.files.items);
        }
        pw_error_clear(&err);
    }
    assert_int_equal(failures, 0);
}

/* ----------------------------------------------------- hash-checking mode */

typedef struct hash_case {
    const char *text;
    int code;
    const char *expect; /* substring of the message, when failing */
} hash_case;

static const hash_case hash_cases[] = {
    {"foo==1\nbar>=2\n", 0, NULL}, /* no hashes: no hash-checking mode */
    {"foo==1 --hash=sha256:" H1 "\n", 0, NULL},
    {"foo===1.0 --hash=sha256:" H1 "\n", 0, NULL},
    {"foo==1 --hash=sha512:" H512 "\nbar==2.0 --hash=sha256:" H2 "\n", 0, NULL},
    {"https://x.example/foo-1.0-py3-none-any.whl --hash=sha256:" H1 "\n", 0, NULL},
    {"foo==1; python_version < '3' --hash=sha256:" H1 "\n", 0, NULL},
    {"-c cons.txt\n-r base.txt\n", 0, NULL},
    {"foo==1 --hash=sha256:" H1 "\nbar==2\n", PW_EINVAL, F ":2: 'bar==2' has no --hash"},
    {"--require-hashes\nfoo==1\n", PW_EINVAL, F ":2: 'foo==1' has no --hash: in hash-checking mode (--require-hashes"},
    {"foo>=1 --hash=sha256:" H1 "\n", PW_EINVAL, F ":1: 'foo>=1' is not pinned"},
    {"foo==1.* --hash=sha256:" H1 "\n", PW_EINVAL, F ":1: 'foo==1.*' is not pinned"},
    {"foo==1,<2 --hash=sha256:" H1 "\n", PW_EINVAL, "is not pinned"},
    {"foo --hash=sha256:" H1 "\n", PW_EINVAL, "'foo' is not pinned"},
    {"foo~=1.0 --hash=sha256:" H1 "\n", PW_EINVAL, "not pinned"},
    {"--require-hashes\n-r base.txt\n", PW_EINVAL, "req/base.txt:1: 'numpy==1.26.4' has no --hash"},
};

static void test_hash_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(hash_cases); i++) {
        const hash_case *c = &hash_cases[i];
        pw_reqfile rf;
        pw_error err = {0, NULL};
        if (pw_reqfile_parse_text(F, c->text, strlen(c->text), &memfs_io, &rf, &err) != 0)
            fail_msg("hash case %zu: %s", i, pw_error_message(&err));
        int rc = pw_reqfile_check_hashes(&rf, &err);
        if (rc != c->code || (c->expect && !strstr(pw_error_message(&err), c->expect)))
            fail_msg("hash case %zu: rc %d: '%s', expected '%s'", i, rc, pw_error_message(&err),
                     c->expect ? c->expect : "success");
        pw_reqfile_free(&rf);
        pw_error_clear(&err);
    }
}

/* A structure built by hand can carry a weak hash; the check refuses it. */
static void test_hash_weak_algorithm(void **state)
{
    (void)state;
    pw_reqfile rf;
    pw_error err = {0, NULL};
    const char *text = "foo==1 --hash=sha256:" H1 "\n";
    PW_ASSERT_OK(pw_reqfile_parse_text(F, text, strlen(text), &memfs_io, &rf, &err), &err);
    pw_strlist_push(&rf.requirements[0].hashes, "md5:d41d8cd98f00b204e9800998ecf8427e");
    assert_int_equal(pw_reqfile_check_hashes(&rf, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), F ":1: --hash=md5:"));
    assert_non_null(strstr(pw_error_message(&err), "weak algorithm"));
    pw_reqfile_free(&rf);
    pw_error_clear(&err);
}

/* ------------------------------------------------------------- entries */

static void test_entry_fields(void **state)
{
    (void)state;
    const char *text = "# header\nfoo==${VERSION} \\\n  --hash=sha256:" H1 "\n-c cons.txt\n";
    pw_reqfile rf;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_reqfile_parse_text(F, text, strlen(text), &memfs_io, &rf, &err), &err);
    assert_int_equal(rf.n_requirements, 2);
    const pw_reqfile_entry *e = &rf.requirements[0];
    assert_string_equal(e->text, "foo==1.2.3");
    assert_string_equal(e->file, F);
    assert_int_equal(e->line, 2);
    assert_string_equal(e->req.name, "foo");
    assert_string_equal(e->req.key, "foo");
    assert_int_equal(e->hashes.len, 1);
    assert_string_equal(e->hashes.items[0], "sha256:" H1);
    assert_int_equal(rf.n_constraints, 1);
    assert_string_equal(rf.constraints[0].req.key, "numpy");
    assert_string_equal(rf.constraints[0].text, "numpy<2");
    /* Every file read, in read order, once. */
    assert_int_equal(rf.files.len, 3);
    assert_string_equal(rf.files.items[0], F);
    assert_string_equal(rf.files.items[1], "req/cons.txt");
    assert_string_equal(rf.files.items[2], "req/base.txt");
    pw_reqfile_free(&rf);
    assert_null(rf.requirements);
    assert_int_equal(rf.files.len, 0);
}

static void test_include_depth(void **state)
{
    (void)state;
    int last = PW_REQFILE_MAX_DEPTH; /* chain/1.txt .. chain/32.txt: 32 files */
    pw_reqfile_io io = {memfs_read, memfs_getenv, &last};
    pw_reqfile rf;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(pw_reqfile_parse("chain/1.txt", &io, &rf, &err), &err);
    assert_int_equal(rf.n_requirements, 1);
    assert_string_equal(rf.requirements[0].file, "chain/32.txt");
    assert_int_equal(rf.files.len, PW_REQFILE_MAX_DEPTH);
    pw_reqfile_free(&rf);

    last = PW_REQFILE_MAX_DEPTH + 1;
    assert_int_equal(pw_reqfile_parse("chain/1.txt", &io, &rf, &err), PW_ELIMIT);
    assert_non_null(strstr(pw_error_message(&err), "chain/32.txt:1:4: "));
    assert_non_null(strstr(pw_error_message(&err), "nested deeper than 32"));
    pw_error_clear(&err);

    /* The root file itself: read errors come through; URLs are refused. */
    assert_int_equal(pw_reqfile_parse("nope.txt", &io, &rf, &err), PW_ENOTFOUND);
    assert_non_null(strstr(pw_error_message(&err), "nope.txt"));
    assert_int_equal(pw_reqfile_parse("https://example.com/r.txt", &io, &rf, &err), PW_EUNSUPPORTED);
    pw_error_clear(&err);
}

/* -------------------------------------------------- the real file system */

static void test_real_files(void **state)
{
    (void)state;
    pw_error err = {0, NULL};
    char *base = pw_test_tempdir("reqfile");

    pw_test_write_text(base, "requirements.txt",
               "# app\n-r sub/more.txt\n-c constraints.txt\nattrs>=23 \\\n    ; python_version >= '3.8'\n");
    pw_test_write_text(base, "sub/more.txt", "--pre\nsix==1.16.0  # pinned\n-r ../common.txt\n");
    pw_test_write_text(base, "common.txt", "idna\n");
    pw_test_write_text(base, "constraints.txt", "idna<4\n");
    pw_test_write_text(base, "loop1.txt", "-r loop2.txt\n");
    pw_test_write_text(base, "loop2.txt", "-r loop1.txt\n");

    char *root = pw_path_join(base, "requirements.txt");
    pw_reqfile rf;
    PW_ASSERT_OK(pw_reqfile_parse(root, NULL, &rf, &err), &err);
    pw_buf out = PW_BUF_INIT;
    dump(&rf, &out);
    pw_buf want = PW_BUF_INIT;
    pw_buf_printf(&want,
                  "R %s/sub/more.txt:2 six==1.16.0\nR %s/sub/../common.txt:1 idna\n"
                  "R %s/requirements.txt:4 attrs>=23; python_version >= \"3.8\"\n"
                  "C %s/constraints.txt:1 idna<4\npre\n",
                  base, base, base, base);
    assert_string_equal(pw_buf_cstr(&out), pw_buf_cstr(&want));
    assert_int_equal(rf.files.len, 4);
    assert_string_equal(rf.files.items[0], root);
    pw_reqfile_free(&rf);

    char *loop = pw_path_join(base, "loop1.txt");
    assert_int_equal(pw_reqfile_parse(loop, NULL, &rf, &err), PW_EINVAL);
    pw_buf_reset(&want);
    pw_buf_printf(&want, "%s/loop2.txt:1:4: requirements files include each other in a cycle: %s -> %s/loop2.txt -> %s",
                  base, loop, base, loop);
    assert_string_equal(pw_error_message(&err), pw_buf_cstr(&want));

    pw_test_write_text(base, "missing.txt", "-r nowhere.txt\n");
    char *missing = pw_path_join(base, "missing.txt");
    assert_int_equal(pw_reqfile_parse(missing, NULL, &rf, &err), PW_ENOTFOUND);
    pw_buf_reset(&want);
    pw_buf_printf(&want, "%s:1:4: cannot read requirements file: ", missing);
    assert_memory_equal(pw_error_message(&err), pw_buf_cstr(&want), want.len);

    PW_ASSERT_OK(pw_remove_tree(base, &err), &err);
    pw_error_clear(&err);
    pw_buf_free(&out);
    pw_buf_free(&want);
    free(missing);
    free(loop);
    free(root);
    free(base);
}

/* Bad input of any shape gives an error, never a crash (run under ASan). */
static void test_garbage(void **state)
{
    (void)state;
    static const char alphabet[] = "ab-=<>[];@ #\\\n\r$ {}'\"/.:,whl";
    uint32_t seed = 4242;
    char text[64];
    for (int round = 0; round < 20000; round++) {
        size_t len = 0;
        seed = seed * 1103515245u + 12345u;
        size_t want = (seed >> 16) % sizeof(text);
        while (len < want) {
            seed = seed * 1103515245u + 12345u;
            text[len++] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        pw_reqfile rf;
        pw_error err = {0, NULL};
        if (pw_reqfile_parse_text(F, text, len, &memfs_io, &rf, &err) == 0) {
            pw_reqfile_check_hashes(&rf, &err);
            pw_reqfile_free(&rf);
        } else {
            assert_non_null(strstr(pw_error_message(&err), ":"));
        }
        pw_error_clear(&err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_cases),
        cmocka_unit_test(test_err_cases),
        cmocka_unit_test(test_hash_cases),
        cmocka_unit_test(test_hash_weak_algorithm),
        cmocka_unit_test(test_entry_fields),
        cmocka_unit_test(test_include_depth),
        cmocka_unit_test(test_real_files),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
