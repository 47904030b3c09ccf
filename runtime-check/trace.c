/* Trace files: what `pwpkg check --trace` writes and `pwpkg bundle --slim`
 * reads (docs/check.md, "Tracing what is used"). */
#include "runtime_check.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TRACE_VERSION 1

void pw_check_trace_free(pw_check_trace *t)
{
    if (!t)
        return;
    pw_strlist_free(&t->files);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A shared library: "x.so", or a versioned "libz.so.1". */
static bool is_dynlib(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return ends_with(base, ".so") || strstr(base, ".so.") != NULL;
}

void pw_trace_add_file(pw_trace *t, const char *path)
{
    /* Traces hold a few thousand files: a linear check keeps the order
     * without a second structure. */
    if (pw_strlist_contains(&t->files, path))
        return;
    pw_strlist_push(&t->files, path);
    if (is_dynlib(path))
        pw_strlist_push(&t->dynlibs, path);
}

/* The line where `"key"` first appears: schema errors point at it, since
 * cJSON keeps no positions. 1 when it does not appear. */
static size_t line_of_key(const char *text, size_t len, const char *key)
{
    pw_buf needle = PW_BUF_INIT;
    pw_buf_printf(&needle, "\"%s\"", key);
    size_t line = 1, found = 0;
    for (size_t i = 0; !found && i + needle.len <= len; i++) {
        if (memcmp(text + i, needle.data, needle.len) == 0)
            found = line;
        else if (text[i] == '\n')
            line++;
    }
    line = found ? found : 1;
    pw_buf_free(&needle);
    return line;
}

/* A bundle-relative path as the harness records it: no leading '/', no
 * empty, "." or ".." component, no backslash. */
static bool relative_path_ok(const char *p)
{
    if (!*p || *p == '/' || strchr(p, '\\'))
        return false;
    for (const char *c = p; *c;) {
        size_t n = strcspn(c, "/");
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return false;
        c += n + (c[n] == '/');
        if (c[-1] == '/' && !*c)
            return false;
    }
    return true;
}

static char *opt_string(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) && v->valuestring ? pw_xstrdup(v->valuestring) : NULL;
}

int pw_trace_parse(const char *origin, const char *text, size_t len, pw_trace *out,
                   pw_error *err)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = NULL;
    int rc = pw_json_parse(origin, text, len, &root, err);
    if (rc != PW_OK)
        return rc;
    if (!cJSON_IsObject(root)) {
        rc = pw_error_set(err, PW_EINVAL, "%s:1: expected a trace (a JSON object written by "
                                          "`pwpkg check --trace`)", origin);
        goto fail;
    }
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "trace_version");
    if (!cJSON_IsNumber(version) || version->valuedouble != TRACE_VERSION) {
        rc = pw_error_set(err, PW_EINVAL,
                          "%s:%zu: \"trace_version\": expected %d (a trace written by `pwpkg "
                          "check --trace`)",
                          origin, line_of_key(text, len, "trace_version"), TRACE_VERSION);
        goto fail;
    }
    const cJSON *lock = cJSON_GetObjectItemCaseSensitive(root, "lock");
    const cJSON *digest = cJSON_GetObjectItemCaseSensitive(lock, "digest");
    if (!cJSON_IsObject(lock) || !cJSON_IsString(digest) ||
        strncmp(digest->valuestring, "sha256:", 7) != 0 ||
        !pw_is_sha256_hex(digest->valuestring + 7)) {
        rc = pw_error_set(err, PW_EINVAL,
                          "%s:%zu: \"lock\": expected an object with \"digest\": "
                          "\"sha256:<64 hex digits>\", the lock the trace was made from",
                          origin, line_of_key(text, len, cJSON_IsObject(lock) ? "digest" : "lock"));
        goto fail;
    }
    out->lock_digest = pw_xstrdup(digest->valuestring);
    out->lock_path = opt_string(lock, "path");
    out->pyodide = opt_string(root, "pyodide");

    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(root, "runs");
    if (!cJSON_IsArray(runs)) {
        rc = pw_error_set(err, PW_EINVAL, "%s:%zu: \"runs\": expected an array of the checks "
                                          "traced ({\"entry\", \"exercise\", \"cold_ms\"})",
                          origin, line_of_key(text, len, "runs"));
        goto fail;
    }
    size_t n = (size_t)cJSON_GetArraySize(runs), i = 0;
    out->runs = pw_xcalloc(n ? n : 1, sizeof(*out->runs));
    const cJSON *run;
    cJSON_ArrayForEach(run, runs) {
        i++;
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(run, "entry");
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(run, "exercise");
        if (!cJSON_IsObject(run) || (e && !cJSON_IsString(e) && !cJSON_IsNull(e)) ||
            (x && !cJSON_IsString(x) && !cJSON_IsNull(x))) {
            rc = pw_error_set(err, PW_EINVAL,
                              "%s:%zu: \"runs\" item %zu: expected an object whose \"entry\" and "
                              "\"exercise\" are file names or null",
                              origin, line_of_key(text, len, "runs"), i);
            goto fail;
        }
        pw_trace_run *r = &out->runs[out->n_runs++];
        r->entry = opt_string(run, "entry");
        r->exercise = opt_string(run, "exercise");
        const cJSON *ms = cJSON_GetObjectItemCaseSensitive(run, "cold_ms");
        r->cold_ms = cJSON_IsNumber(ms) && isfinite(ms->valuedouble) && ms->valuedouble > 0
                         ? ms->valuedouble
                         : 0;
    }
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
    if (!cJSON_IsArray(files)) {
        rc = pw_error_set(err, PW_EINVAL,
                          "%s:%zu: \"files\": expected an array of paths relative to the bundle",
                          origin, line_of_key(text, len, "files"));
        goto fail;
    }
    i = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, files) {
        i++;
        if (!cJSON_IsString(f) || !relative_path_ok(f->valuestring)) {
            rc = pw_error_set(err, PW_EINVAL,
                              "%s:%zu: \"files\" item %zu: expected a path relative to the "
                              "bundle (\"pkg/mod.py\": no leading '/', no '.' or '..')%s%s%s",
                              origin, line_of_key(text, len, "files"), i,
                              cJSON_IsString(f) ? ", not \"" : "",
                              cJSON_IsString(f) ? f->valuestring : "",
                              cJSON_IsString(f) ? "\"" : "");
            goto fail;
        }
        pw_trace_add_file(out, f->valuestring);
    }
    cJSON_Delete(root);
    return PW_OK;
fail:
    cJSON_Delete(root);
    pw_trace_free(out);
    return rc;
}

int pw_trace_load(const char *path, pw_trace *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    pw_buf text = PW_BUF_INIT;
    int rc = pw_read_file(path, &text, err);
    if (rc == PW_OK)
        rc = pw_trace_parse(path, text.data ? text.data : "", text.len, out, err);
    pw_buf_free(&text);
    return rc;
}

static cJSON *strlist_array(const pw_strlist *l)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < l->len; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(l->items[i]));
    return a;
}

void pw_trace_write(const pw_trace *t, pw_buf *out)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "trace_version", TRACE_VERSION);
    cJSON_AddStringToObject(root, "generator", "pwpkg");
    cJSON *lock = cJSON_AddObjectToObject(root, "lock");
    cJSON_AddStringToObject(lock, "digest", t->lock_digest ? t->lock_digest : "");
    if (t->lock_path)
        cJSON_AddStringToObject(lock, "path", t->lock_path);
    if (t->pyodide)
        cJSON_AddStringToObject(root, "pyodide", t->pyodide);
    cJSON *runs = cJSON_AddArrayToObject(root, "runs");
    for (size_t i = 0; i < t->n_runs; i++) {
        cJSON *r = cJSON_CreateObject();
        if (t->runs[i].entry)
            cJSON_AddStringToObject(r, "entry", t->runs[i].entry);
        else
            cJSON_AddNullToObject(r, "entry");
        if (t->runs[i].exercise)
            cJSON_AddStringToObject(r, "exercise", t->runs[i].exercise);
        else
            cJSON_AddNullToObject(r, "exercise");
        cJSON_AddNumberToObject(r, "cold_ms", floor(t->runs[i].cold_ms + 0.5));
        cJSON_AddItemToArray(runs, r);
    }
    cJSON_AddItemToObject(root, "files", strlist_array(&t->files));
    cJSON_AddItemToObject(root, "dynlibs", strlist_array(&t->dynlibs));
    pw_json_write(root, out);
    cJSON_Delete(root);
}

int pw_trace_merge(pw_trace *into, const pw_trace *from, const char *from_origin, pw_error *err)
{
    if (!into->lock_digest) {
        into->lock_digest = pw_xstrdup(from->lock_digest);
        if (from->lock_path)
            into->lock_path = pw_xstrdup(from->lock_path);
        if (from->pyodide)
            into->pyodide = pw_xstrdup(from->pyodide);
    } else if (strcmp(into->lock_digest, from->lock_digest) != 0) {
        return pw_error_set(err, PW_EINVAL,
                            "%s: made from another lock (%s%s%s) than the other traces (%s): "
                            "trace the bundle of one lock",
                            from_origin, from->lock_digest, from->lock_path ? ", " : "",
                            from->lock_path ? from->lock_path : "", into->lock_digest);
    }
    into->runs = pw_xrealloc(into->runs, (into->n_runs + from->n_runs + 1) * sizeof(*into->runs));
    for (size_t i = 0; i < from->n_runs; i++) {
        const pw_trace_run *r = &from->runs[i];
        into->runs[into->n_runs++] = (pw_trace_run){
            r->entry ? pw_xstrdup(r->entry) : NULL, r->exercise ? pw_xstrdup(r->exercise) : NULL,
            r->cold_ms};
    }
    for (size_t i = 0; i < from->files.len; i++)
        pw_trace_add_file(into, from->files.items[i]);
    return PW_OK;
}

void pw_trace_keep_set(const pw_trace *t, pw_strlist *out)
{
    for (size_t i = 0; i < t->files.len; i++) {
        const char *p = t->files.items[i];
        pw_strlist_push(out, p);
        /* PEP 3147: "pkg/__pycache__/mod.cpython-313.pyc" stands for "pkg/mod.py". */
        const char *cache = strstr(p, "__pycache__/");
        if (cache && ends_with(p, ".pyc")) {
            pw_buf src = PW_BUF_INIT;
            pw_buf_append(&src, p, (size_t)(cache - p));
            const char *name = cache + strlen("__pycache__/");
            pw_buf_append(&src, name, strcspn(name, "."));
            pw_buf_puts(&src, ".py");
            pw_strlist_push_owned(out, pw_buf_detach(&src));
        }
    }
    pw_strlist_sort_unique(out);
}

void pw_trace_free(pw_trace *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_runs; i++) {
        free(t->runs[i].entry);
        free(t->runs[i].exercise);
    }
    free(t->runs);
    free(t->lock_path);
    free(t->lock_digest);
    free(t->pyodide);
    pw_strlist_free(&t->files);
    pw_strlist_free(&t->dynlibs);
    memset(t, 0, sizeof(*t));
}
