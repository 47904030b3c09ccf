/*
 * requirements.txt (pw_reqfile_parse_text), includes served from memory.
 *
 * Input: the main file "req/requirements.txt", then optional included files
 * separated by lines "%%": the second part is "a.txt", the third "b.txt"...
 * so that "-r a.txt" or "-c sub/../b.txt" reach them. No environment
 * variable is ever set, so "${VAR}" always expands from nothing.
 */
#include "fuzz.h"
#include "packaging.h"

#include <string.h>

#define MAX_FILES 8

typedef struct mem_fs {
    pw_slice parts[MAX_FILES];
    size_t n;
} mem_fs;

static int mem_read(void *ctx, const char *path, pw_buf *out, pw_error *err)
{
    const mem_fs *fs = ctx;
    const char *base = pw_path_basename(path);
    size_t index;
    if (strcmp(base, "requirements.txt") == 0)
        index = 0;
    else if (base[0] >= 'a' && base[0] < 'a' + MAX_FILES - 1 && strcmp(base + 1, ".txt") == 0)
        index = (size_t)(base[0] - 'a') + 1;
    else
        index = MAX_FILES;
    if (index >= fs->n)
        return pw_error_set(err, PW_ENOTFOUND, "%s: no such file", path);
    pw_buf_put_slice(out, fs->parts[index]);
    return 0;
}

static const char *no_env(void *ctx, const char *name)
{
    return NULL;
}

static void check_entries(const pw_reqfile_entry *entries, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const pw_reqfile_entry *e = &entries[i];
        fuzz_check(e->req.name && e->req.key && e->text && e->file && e->line > 0,
                   "entry %zu is missing its name, text, file or line", i);
        /* What the parser accepted must survive the canonical round trip. */
        pw_buf text = PW_BUF_INIT;
        pw_requirement_format(&e->req, &text);
        pw_requirement again;
        pw_error err = {0, NULL};
        int rc = pw_requirement_parse(pw_slice_make(text.data, text.len), &again, &err);
        fuzz_check(rc == 0, "requirement \"%s\" from line %zu formats as \"%s\", which does not parse: %s",
                   e->text, e->line, text.data, pw_error_message(&err));
        pw_requirement_free(&again);
        pw_buf_free(&text);
        pw_error_clear(&err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mem_fs fs;
    fs.n = fuzz_split(data, size, "\n%%\n", fs.parts, MAX_FILES);
    pw_reqfile_io io = {mem_read, no_env, &fs};
    pw_reqfile rf;
    pw_error err = {0, NULL};
    int rc = pw_reqfile_parse_text("req/requirements.txt", fs.parts[0].ptr, fs.parts[0].len, &io, &rf, &err);
    fuzz_check_status("pw_reqfile_parse_text", rc, &err);
    if (rc != 0) {
        fuzz_check(rf.n_requirements == 0 && rf.n_constraints == 0 && rf.files.len == 0 && !rf.index_url,
                   "a failed parse left entries in its output");
    } else {
        check_entries(rf.requirements, rf.n_requirements);
        check_entries(rf.constraints, rf.n_constraints);
        fuzz_check(rf.files.len >= 1, "no file recorded as read");
        pw_error_clear(&err);
        rc = pw_reqfile_check_hashes(&rf, &err);
        fuzz_check_status("pw_reqfile_check_hashes", rc, &err);
    }
    pw_reqfile_free(&rf);
    pw_error_clear(&err);
    return 0;
}
