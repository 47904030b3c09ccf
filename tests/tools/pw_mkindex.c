/*
 * pw_mkindex: writes a PyPI-style simple repository of generated wheels,
 * for the integration tests and benchmarks (no wheel is ever committed).
 *
 *   pw_mkindex OUT_DIR SPEC_FILE
 *   pw_mkindex OUT_DIR --universe PROJECTS VERSIONS SEED REQUIREMENTS_OUT
 *
 * SPEC_FILE has one release per line ('#' starts a comment):
 *
 *   name version [flag ...] [-- requirement && requirement ...]
 *
 * flags: tag=PY-ABI-PLATFORM, requires-python=SPEC, yanked, yanked=REASON,
 *        sdist (an sdist, no wheel), bad-hash (the index states a wrong
 *        sha256), no-metadata (no PEP 658 file), upload=ISO-8601,
 *        extra=NAME (Provides-Extra, repeatable).
 *
 * OUT_DIR gets files/ (the wheels and their .metadata), simple/ (PEP 503
 * HTML pages as index.html) and simple-json/ (PEP 691 JSON pages, served
 * as index.html too: pwpkg sniffs the body).
 */
#include "common.h"
#include "simple_index.h"
#include "wheelgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct release {
    char *name, *key, *version, *tag, *requires_python, *yanked_reason, *upload;
    bool yanked, sdist, bad_hash, no_metadata;
    pw_strlist requires, extras;
} release;

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "pw_mkindex: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(2);
}

static char *trim_copy(const char *start, size_t len)
{
    pw_slice s = pw_slice_trim(pw_slice_make(start, len));
    return pw_xstrndup(s.ptr, s.len);
}

static void parse_line(const char *line, release *r)
{
    memset(r, 0, sizeof(*r));
    const char *deps = strstr(line, " -- ");
    size_t head_len = deps ? (size_t)(deps - line) : strlen(line);
    char *head = pw_xstrndup(line, head_len);
    char *save = NULL;
    char *word = strtok_r(head, " \t", &save);
    if (!word)
        die("empty line", "");
    r->name = pw_xstrdup(word);
    r->key = pw_normalize_name(word);
    word = strtok_r(NULL, " \t", &save);
    if (!word)
        die("no version for %s", r->name);
    r->version = pw_xstrdup(word);
    while ((word = strtok_r(NULL, " \t", &save)) != NULL) {
        if (strncmp(word, "tag=", 4) == 0)
            r->tag = pw_xstrdup(word + 4);
        else if (strncmp(word, "requires-python=", 16) == 0)
            r->requires_python = pw_xstrdup(word + 16);
        else if (strcmp(word, "yanked") == 0)
            r->yanked = true;
        else if (strncmp(word, "yanked=", 7) == 0) {
            r->yanked = true;
            r->yanked_reason = pw_xstrdup(word + 7);
        } else if (strcmp(word, "sdist") == 0)
            r->sdist = true;
        else if (strcmp(word, "bad-hash") == 0)
            r->bad_hash = true;
        else if (strcmp(word, "no-metadata") == 0)
            r->no_metadata = true;
        else if (strncmp(word, "upload=", 7) == 0)
            r->upload = pw_xstrdup(word + 7);
        else if (strncmp(word, "extra=", 6) == 0)
            pw_strlist_push(&r->extras, word + 6);
        else
            die("unknown flag %s", word);
    }
    free(head);
    if (!deps)
        return;
    const char *p = deps + 4;
    for (;;) {
        const char *amp = strstr(p, "&&");
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        char *req = trim_copy(p, len);
        if (*req)
            pw_strlist_push_owned(&r->requires, req);
        else
            free(req);
        if (!amp)
            break;
        p = amp + 2;
    }
}

static void release_free(release *r)
{
    free(r->name);
    free(r->key);
    free(r->version);
    free(r->tag);
    free(r->requires_python);
    free(r->yanked_reason);
    free(r->upload);
    pw_strlist_free(&r->requires);
    pw_strlist_free(&r->extras);
}

static void write_or_die(const char *path, const pw_buf *b)
{
    pw_error err = {0};
    if (pw_write_file_atomic(path, b->data ? b->data : "", b->len, &err) != PW_OK)
        die("%s", pw_error_message(&err));
}

static void mkdirs_or_die(const char *path)
{
    pw_error err = {0};
    if (pw_mkdirs(path, &err) != PW_OK)
        die("%s", pw_error_message(&err));
}

/* Builds the wheel of `r` into files/ and fills the index entry. */
static void build_release(const char *files_dir, const release *r, pw_index_file *f)
{
    memset(f, 0, sizeof(*f));
    f->size = -1;
    pw_buf name = PW_BUF_INIT;
    if (r->sdist) {
        pw_buf_printf(&name, "%s-%s.tar.gz", r->key, r->version);
        char *path = pw_path_join(files_dir, name.data);
        pw_buf body = PW_BUF_INIT;
        pw_buf_printf(&body, "not a real sdist of %s %s\n", r->name, r->version);
        write_or_die(path, &body);
        char hex[65];
        pw_sha256_hex(body.data, body.len, hex);
        f->sha256 = pw_xstrdup(hex);
        f->filename = pw_buf_detach(&name);
        pw_buf_free(&body);
        free(path);
        return;
    }
    char *module = pw_xstrdup(r->key);
    for (char *c = module; *c; c++)
        if (*c == '-')
            *c = '_';
    pw_buf init_path = PW_BUF_INIT, init_body = PW_BUF_INIT;
    pw_buf_printf(&init_path, "%s/__init__.py", module);
    pw_buf_printf(&init_body, "__version__ = \"%s\"\n", r->version);
    pw_wheelgen_file files[1] = {{init_path.data, init_body.data, 0, 0, 0}};
    char *py = NULL, *abi = NULL, *plat = NULL;
    if (r->tag) {
        char *copy = pw_xstrdup(r->tag), *save = NULL;
        const char *parts[3];
        parts[0] = strtok_r(copy, "-", &save);
        parts[1] = parts[0] ? strtok_r(NULL, "-", &save) : NULL;
        parts[2] = parts[1] ? strtok_r(NULL, "-", &save) : NULL;
        if (!parts[2])
            die("tag=%s: expected PY-ABI-PLATFORM", r->tag);
        py = pw_xstrdup(parts[0]);
        abi = pw_xstrdup(parts[1]);
        plat = pw_xstrdup(parts[2]);
        free(copy);
    }
    pw_wheelgen_spec spec;
    memset(&spec, 0, sizeof(spec));
    spec.name = r->name;
    spec.version = r->version;
    spec.python_tag = py;
    spec.abi_tag = abi;
    spec.platform_tag = plat;
    spec.files = files;
    spec.n_files = 1;
    spec.requires_dist = (const char *const *)r->requires.items;
    spec.n_requires_dist = r->requires.len;
    spec.provides_extra = (const char *const *)r->extras.items;
    spec.n_provides_extra = r->extras.len;
    spec.requires_python = r->requires_python;
    spec.summary = "generated by pw_mkindex";
    char *path = NULL;
    pw_error err = {0};
    if (pw_wheelgen_write(&spec, files_dir, &path, &err) != PW_OK)
        die("%s", pw_error_message(&err));
    char hex[65];
    uint64_t size = 0;
    if (pw_sha256_file_hex(path, hex, &size, &err) != PW_OK)
        die("%s", pw_error_message(&err));
    f->filename = pw_xstrdup(pw_path_basename(path));
    f->sha256 = pw_xstrdup(r->bad_hash ? "0000000000000000000000000000000000000000000000000000000000000000" : hex);
    f->size = (int64_t)size;
    f->is_wheel = true;
    if (!r->no_metadata) {
        /* PEP 658: the METADATA file beside the wheel, identical bytes. */
        pw_buf meta = PW_BUF_INIT;
        pw_buf_printf(&meta, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n", r->name, r->version);
        if (r->requires_python)
            pw_buf_printf(&meta, "Requires-Python: %s\n", r->requires_python);
        for (size_t i = 0; i < r->extras.len; i++)
            pw_buf_printf(&meta, "Provides-Extra: %s\n", r->extras.items[i]);
        for (size_t i = 0; i < r->requires.len; i++)
            pw_buf_printf(&meta, "Requires-Dist: %s\n", r->requires.items[i]);
        pw_buf meta_path = PW_BUF_INIT;
        pw_buf_printf(&meta_path, "%s.metadata", path);
        write_or_die(meta_path.data, &meta);
        pw_sha256_hex(meta.data, meta.len, hex);
        f->has_metadata = true;
        f->metadata_sha256 = pw_xstrdup(hex);
        pw_buf_free(&meta);
        pw_buf_free(&meta_path);
    }
    free(path);
    free(py);
    free(abi);
    free(plat);
    free(module);
    pw_buf_free(&init_path);
    pw_buf_free(&init_body);
    pw_buf_free(&name);
}

static int compare_releases(const void *a, const void *b)
{
    const release *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c == 0)
        c = strcmp(x->version, y->version);
    if (c == 0)
        c = strcmp(x->tag ? x->tag : "", y->tag ? y->tag : "");
    return c;
}

static void write_index(const char *out, release *rels, size_t n)
{
    qsort(rels, n, sizeof(*rels), compare_releases);
    char *files_dir = pw_path_join(out, "files");
    mkdirs_or_die(files_dir);
    pw_strlist projects = PW_STRLIST_INIT;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && strcmp(rels[j].key, rels[i].key) == 0)
            j++;
        pw_index_page page;
        memset(&page, 0, sizeof(page));
        page.project = pw_xstrdup(rels[i].key);
        page.files = pw_xcalloc(j - i, sizeof(pw_index_file));
        for (size_t k = i; k < j; k++) {
            pw_index_file *f = &page.files[page.n_files++];
            build_release(files_dir, &rels[k], f);
            pw_buf url = PW_BUF_INIT;
            pw_buf_printf(&url, "../../files/%s", f->filename);
            f->url = pw_buf_detach(&url);
            if (f->sha256) {
                pw_buf h = PW_BUF_INIT;
                pw_buf_printf(&h, "sha256=%s", f->sha256);
                pw_strlist_push_owned(&f->hashes, pw_buf_detach(&h));
            }
            if (rels[k].requires_python)
                f->requires_python = pw_xstrdup(rels[k].requires_python);
            f->yanked = rels[k].yanked;
            if (rels[k].yanked_reason)
                f->yanked_reason = pw_xstrdup(rels[k].yanked_reason);
            if (rels[k].upload)
                f->upload_time = pw_xstrdup(rels[k].upload);
        }
        pw_strlist_push(&projects, rels[i].key);
        static const char *const trees[] = {"simple", "simple-json"};
        for (int t = 0; t < 2; t++) {
            pw_buf dir = PW_BUF_INIT, body = PW_BUF_INIT;
            pw_buf_printf(&dir, "%s/%s/%s", out, trees[t], rels[i].key);
            mkdirs_or_die(dir.data);
            if (t == 0)
                pw_index_page_write_html(&page, &body);
            else
                pw_index_page_write_json(&page, &body);
            pw_buf_puts(&dir, "/index.html");
            write_or_die(dir.data, &body);
            pw_buf_free(&dir);
            pw_buf_free(&body);
        }
        pw_index_page_free(&page);
        i = j;
    }
    static const char *const roots[] = {"simple/index.html", "simple-json/index.html"};
    for (int t = 0; t < 2; t++) {
        pw_buf body = PW_BUF_INIT;
        if (t == 0)
            pw_index_root_write_html(&projects, &body);
        else
            pw_index_root_write_json(&projects, &body);
        char *path = pw_path_join(out, roots[t]);
        write_or_die(path, &body);
        free(path);
        pw_buf_free(&body);
    }
    pw_strlist_free(&projects);
    free(files_dir);
}

/* A deterministic random universe for the resolution benchmark: projects
 * p0000..pNNNN with V versions each; each version depends on a few
 * projects with higher numbers (a DAG, so chains are deep), with version
 * ranges; the newest versions of every 10th project cap a dependency
 * below the floors others put on it, a trap that forces backtracking. */
static uint64_t rng_state;
static uint32_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

static size_t make_universe(size_t projects, size_t versions, uint64_t seed, release **out,
                            const char *requirements_out)
{
    rng_state = seed;
    release *rels = pw_xcalloc(projects * versions, sizeof(*rels));
    size_t n = 0;
    for (size_t p = 0; p < projects; p++) {
        for (size_t v = 0; v < versions; v++) {
            release *r = &rels[n++];
            pw_buf b = PW_BUF_INIT;
            pw_buf_printf(&b, "p%04zu", p);
            r->name = pw_buf_detach(&b);
            r->key = pw_xstrdup(r->name);
            pw_buf_printf(&b, "%zu.%zu.0", 1 + v / 3, v % 3);
            r->version = pw_buf_detach(&b);
            size_t n_deps = p + 1 < projects ? 1 + rng() % 3 : 0;
            for (size_t d = 0; d < n_deps; d++) {
                size_t span = projects - p - 1;
                size_t target = p + 1 + rng() % (span < 20 ? span : 20);
                size_t low = rng() % versions;
                if (p % 10 == 0 && v + 2 >= versions)
                    /* the trap: satisfiable alone, it clashes with the
                     * floors other packages put on the same project */
                    pw_buf_printf(&b, "p%04zu<1.1.0", target);
                else
                    pw_buf_printf(&b, "p%04zu>=%zu.%zu.0", target, 1 + low / 3, low % 3);
                pw_strlist_push_owned(&r->requires, pw_buf_detach(&b));
            }
        }
    }
    pw_buf req = PW_BUF_INIT;
    for (size_t p = 0; p < projects; p += projects / 30 ? projects / 30 : 1)
        pw_buf_printf(&req, "p%04zu\n", p);
    write_or_die(requirements_out, &req);
    pw_buf_free(&req);
    *out = rels;
    return n;
}

int main(int argc, char **argv)
{
    if (argc == 7 && strcmp(argv[2], "--universe") == 0) {
        release *rels = NULL;
        size_t n = make_universe(strtoul(argv[3], NULL, 10), strtoul(argv[4], NULL, 10),
                                 strtoull(argv[5], NULL, 10), &rels, argv[6]);
        write_index(argv[1], rels, n);
        for (size_t i = 0; i < n; i++)
            release_free(&rels[i]);
        free(rels);
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: pw_mkindex OUT_DIR SPEC_FILE\n"
                        "       pw_mkindex OUT_DIR --universe PROJECTS VERSIONS SEED REQUIREMENTS\n");
        return 2;
    }
    pw_buf text = PW_BUF_INIT;
    pw_error err = {0};
    if (pw_read_file(argv[2], &text, &err) != PW_OK)
        die("%s", pw_error_message(&err));
    release *rels = NULL;
    size_t n = 0, cap = 0;
    char *save = NULL;
    for (char *line = strtok_r(text.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *hash = strchr(line, '#');
        if (hash && (hash == line || hash[-1] == ' '))
            *hash = '\0';
        if (pw_slice_trim(pw_slice_from(line)).len == 0)
            continue;
        PW_GROW(rels, cap, n + 1);
        parse_line(line, &rels[n++]);
    }
    write_index(argv[1], rels, n);
    for (size_t i = 0; i < n; i++)
        release_free(&rels[i]);
    free(rels);
    pw_buf_free(&text);
    return 0;
}
