/* pwpkg verify, the CI gate: each check runs and every problem becomes a
 * finding placed where a CI annotation belongs (a requirement at its line
 * in the input file, a package at its entry in the lock). */
#include "pipeline_private.h"
#include "resolver.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void add_finding(pw_pipeline_findings *found, const char *check, const char *file,
                        size_t line,
                        const char *fmt, ...) PW_PRINTF(5, 6);
static void add_finding(pw_pipeline_findings *found, const char *check, const char *file,
                        size_t line,
                        const char *fmt, ...)
{
    if (found->len == found->cap) {
        found->cap = found->cap ? found->cap * 2 : 8;
        found->items = pw_xrealloc(found->items, found->cap * sizeof(*found->items));
    }
    pw_buf msg = PW_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    found->items[found->len++] = (pw_pipeline_finding){
        .check = check,
        .file = pw_xstrdup(file),
        .line = line,
        .message = pw_buf_detach(&msg),
    };
}

/* A check that could not run (no network, a runtime that does not start):
 * the first such status decides the exit code over "a problem found". */
static void note_error(pw_pipeline_findings *found, int status)
{
    if (found->error_status == PW_OK)
        found->error_status = status;
}

/* The line of a package's entry in the lock text, for annotations. */
static size_t package_line(const char *lock_text, const char *name)
{
    pw_buf needle = PW_BUF_INIT;
    if (name)
        pw_buf_printf(&needle, "\"name\": \"%s\"", name);
    else
        pw_buf_puts(&needle, "\"resolution\"");
    const char *at = strstr(lock_text, needle.data);
    pw_buf_free(&needle);
    size_t line = 1;
    for (const char *c = lock_text; at && c < at; c++)
        line += *c == '\n';
    return at ? line : 1;
}

/* The line of `fresh`'s input file that names requirement `text`
 * ("router<2"): where a CI annotation of a changed requirement belongs. */
static size_t requirement_line(const char *path, const char *text)
{
    pw_buf file = PW_BUF_INIT;
    pw_error ignored = {0};
    size_t found = 0;
    if (pw_read_file(path, &file, &ignored) == PW_OK) {
        size_t name_len = strcspn(text, " <>=!~;[@(");
        char *name = pw_xstrndup(text, name_len);
        char *wanted = pw_normalize_name(name);
        size_t line = 1;
        for (const char *c = pw_buf_cstr(&file); *c && !found; line++) {
            const char *end = strchr(c, '\n');
            size_t n = end ? (size_t)(end - c) : strlen(c);
            pw_slice l = pw_slice_trim(pw_slice_make(c, n));
            size_t ln = 0;
            while (ln < l.len && !strchr(" <>=!~;[@(\t", l.ptr[ln]))
                ln++;
            char *head = pw_xstrndup(l.ptr, ln);
            char *norm = pw_normalize_name(head);
            if (ln && strcmp(norm, wanted) == 0)
                found = line;
            free(head);
            free(norm);
            c = end ? end + 1 : c + n;
        }
        free(name);
        free(wanted);
    }
    pw_error_clear(&ignored);
    pw_buf_free(&file);
    return found;
}

/* One problem per drift, each where it belongs: a requirement at its line
 * in the input file, a package at its entry in the lock. */
static void report_drift(const char *lock_path, const char *lock_text, const pw_lock *fresh,
                         const pw_lock_diff *diff, pw_pipeline_findings *found)
{
    char *lock_dir = pw_path_dirname(lock_path);
    char *input = NULL;
    if (fresh->inputs.len)
        input = strcmp(lock_dir, ".") == 0 ? pw_xstrdup(fresh->inputs.items[0])
                                           : pw_path_join(lock_dir, fresh->inputs.items[0]);
    for (size_t i = 0; i < diff->requirement_changes.len; i++) {
        const char *change = diff->requirement_changes.items[i];
        size_t line = input && change[0] == '+' ? requirement_line(input, change + 2) : 0;
        if (line)
            add_finding(found, "lock", input, line, "requirement %s is not in %s; run `pwpkg lock`",
                        change + 2, lock_path);
        else
            add_finding(found, "lock", lock_path, 1, "requirement %s %s; run `pwpkg lock`",
                        change + 2, change[0] == '+' ? "added" : "removed from the inputs");
    }
    for (size_t i = 0; i < diff->option_changes.len; i++)
        add_finding(found, "lock", lock_path, package_line(lock_text, NULL), "option %s: %s",
                    diff->option_changes.items[i] + 2,
                    diff->option_changes.items[i][0] == '+' ? "given now, not in the lock"
                                                            : "in the lock, not given now");
    for (size_t i = 0; i < diff->release_changes.len; i++)
        add_finding(found, "lock", lock_path, 1, "release %s", diff->release_changes.items[i]);
    if (diff->inputs_changed && !diff->requirement_changes.len)
        add_finding(found, "lock", input ? input : lock_path, 1,
                    "inputs changed (hashes, constraints or options in the requirements files); "
                    "run `pwpkg lock`");
    for (size_t i = 0; i < diff->len; i++) {
        const pw_lock_change *c = &diff->changes[i];
        pw_buf versions = PW_BUF_INIT;
        if (c->old_version && c->new_version && strcmp(c->old_version, c->new_version) != 0)
            pw_buf_printf(&versions, "%s -> %s", c->old_version, c->new_version);
        else
            pw_buf_puts(&versions, c->new_version ? c->new_version : c->old_version);
        add_finding(found, "lock", lock_path, package_line(lock_text, c->name), "%s %s %s%s%s",
                    c->name, pw_buf_cstr(&versions), pw_lock_change_kind_name(c->kind),
                    c->detail ? ": " : "", c->detail ? c->detail : "");
        pw_buf_free(&versions);
    }
    free(input);
    free(lock_dir);
}

static void verify_lock_current(const pw_resolve_request *r, const char *lock_text,
                                pw_pipeline_findings *found)
{
    pw_error err = {0};
    pw_lock fresh;
    int rc = pw_resolver_lock(r, &fresh, &err);
    if (rc) {
        /* inputs that do not parse, or no network: not "a problem found" */
        if (pw_status_classify(rc) != PW_STATUS_FOUND)
            note_error(found, rc);
        add_finding(found, "lock", r->lock_path, 1, "cannot resolve the inputs: %s",
                    pw_error_message(&err));
        pw_error_clear(&err);
        return;
    }
    pw_lock_diff diff;
    rc = pw_resolver_compare(r->lock_path, &fresh, &diff, &err);
    if (rc == PW_ECHECK && !pw_lock_diff_empty(&diff))
        report_drift(r->lock_path, lock_text, &fresh, &diff, found);
    else if (rc)
        add_finding(found, "lock", r->lock_path, 1, "%s", pw_error_message(&err));
    pw_lock_diff_free(&diff);
    pw_lock_free(&fresh);
    pw_error_clear(&err);
}

static void verify_artifacts(const pw_resolve_request *r, const pw_lock *lock,
                             const char *lock_text,
                             const char *mirror, pw_pipeline_findings *found, size_t *checked)
{
    pw_transfer_options cache_only = r->transfer;
    cache_only.offline = true; /* what is in the cache, never the network */
    pw_fetch_session *s = NULL;
    pw_error err = {0};
    if (pw_fetch_session_open(&cache_only, &s, &err) != PW_OK) {
        add_finding(found, "cache", r->lock_path, 1, "%s", pw_error_message(&err));
        pw_error_clear(&err);
        return;
    }
    for (size_t i = 0; i < lock->n_packages; i++) {
        const pw_lock_package *p = &lock->packages[i];
        int rc = pw_fetch_cache_verify(s, p->sha256, NULL, &err);
        if (rc == PW_OK)
            (*checked)++;
        else if (rc != PW_ENOTFOUND)
            add_finding(found, "hash", r->lock_path, package_line(lock_text, p->name),
                        "%s %s: %s", p->name, p->version, pw_error_message(&err));
        pw_error_clear(&err);
        if (!mirror)
            continue;
        char *path = pw_path_join(mirror, p->file_name);
        char hex[PW_SHA256_HEX_LEN + 1];
        if (pw_sha256_file_hex(path, hex, NULL, &err) != PW_OK)
            add_finding(found, "mirror", path, 1, "%s", pw_error_message(&err));
        else if (strcmp(hex, p->sha256) != 0)
            add_finding(found, "mirror", path, 1, "sha256 is %s, the lock says %s", hex, p->sha256);
        else
            (*checked)++;
        pw_error_clear(&err);
        free(path);
    }
    pw_fetch_session_free(s);
}

static void verify_bundle(const pw_resolve_request *r, const pw_lock *lock, const char *bundle,
                          pw_pipeline_findings *found)
{
    pw_error err = {0};
    bool zip = pw_slice_ends_with(pw_slice_from(bundle), ".zip");
    pw_buf rebuilt = PW_BUF_INIT;
    pw_buf_printf(&rebuilt, "%s.verify.%ld%s", bundle, (long)getpid(), zip ? ".zip" : "");
    pw_bundle_project project;
    memset(&project, 0, sizeof(project));
    pw_locked_artifacts got;
    int rc = pw_pipeline_fetch_lock(lock, r->lock_path, &r->transfer, false, &got,
                                    &err);
    if (rc == PW_OK) {
        /* The bundle's own manifest says which slimming produced it; a
         * rebuild with other options differs, and that is the finding. */
        pw_bundle_options bo;
        memset(&bo, 0, sizeof(bo));
        bo.format = zip ? PW_BUNDLE_ZIP : PW_BUNDLE_DIR;
        bo.output = rebuilt.data;
        bo.source_date_epoch = -1;
        bo.no_sizes = true; /* only the files are compared */
        /* A Worker's bundle was built with wrangler's exclude rules. */
        bool worker = false;
        rc = pw_bundle_project_find(bundle, r->wrangler_env, false, &project, &worker,
                                    &err);
        if (worker)
            bo.workers = &project.workers;
        pw_bundle_slimming slimming;
        memset(&slimming, 0, sizeof(slimming));
        /* No bundle or no manifest: the comparison below says so. */
        if (rc == PW_OK) {
            rc = pw_bundle_slimming_read(bundle, &slimming, &err);
            if (rc == PW_ENOTFOUND) {
                pw_error_clear(&err);
                rc = PW_OK;
            }
        }
        bo.strip = slimming.strip;
        bo.exclude = &slimming.exclude;
        bo.slim = slimming.has_slim ? &slimming.slim : NULL;
        pw_bundle_report rep;
        memset(&rep, 0, sizeof(rep));
        if (rc == PW_OK)
            rc = pw_bundle_from_lock(lock, got.paths, &bo, &rep, &err);
        pw_bundle_report_free(&rep);
        pw_bundle_slimming_free(&slimming);
    }
    if (rc == PW_OK) {
        pw_strlist diffs = PW_STRLIST_INIT;
        /* the rebuild is what the bundle should be: a file only the
         * bundle has is "not expected", one only the rebuild has "missing" */
        rc = pw_bundle_compare(rebuilt.data, bundle, &diffs, &err);
        for (size_t i = 0; rc == PW_OK && i < diffs.len; i++)
            add_finding(found, "bundle", bundle, 1, "not reproducible: %s", diffs.items[i]);
        pw_strlist_free(&diffs);
    }
    if (rc) {
        if (pw_status_classify(rc) == PW_STATUS_IO)
            note_error(found, rc);
        add_finding(found, "bundle", bundle, 1, "cannot rebuild: %s", pw_error_message(&err));
    }
    pw_error_clear(&err);
    pw_remove_tree(rebuilt.data, NULL);
    if (!zip) {
        char *manifest = pw_bundle_manifest_path(rebuilt.data);
        unlink(manifest);
        free(manifest);
    }
    pw_buf_free(&rebuilt);
    pw_bundle_project_free(&project);
    pw_locked_artifacts_free(&got);
}

static void verify_runtime(const pw_resolve_request *r, const pw_lock *lock, const char *bundle,
                           const char *runtime_dir, pw_pipeline_findings *found)
{
    pw_error err = {0};
    pw_check_options co;
    memset(&co, 0, sizeof(co));
    pw_check_report rep;
    int rc = pw_pipeline_import_check(lock, bundle, &r->transfer, runtime_dir, false, &co, &rep,
                                      &err);
    for (size_t i = 0; i < rep.n_results; i++)
        if (!rep.results[i].ok)
            add_finding(found, "runtime", bundle, 1, "import %s failed: %s", rep.results[i].module,
                        rep.results[i].error ? rep.results[i].error : "?");
    for (size_t i = 0; i < rep.n_random; i++)
        add_finding(found, "runtime", bundle, 1, "%s uses randomness at import time (%s)",
                    rep.random_at_import[i].module, rep.random_at_import[i].detail);
    for (size_t i = 0; i < rep.n_unsnapshottable; i++)
        add_finding(found, "runtime", bundle, 1, "%s.%s holds a JavaScript object at top level",
                    rep.unsnapshottable[i].module, rep.unsnapshottable[i].name);
    if (rc && rc != PW_ECHECK) {
        note_error(found, rc);
        add_finding(found, "runtime", bundle, 1, "%s", pw_error_message(&err));
    }
    pw_check_report_free(&rep);
    pw_error_clear(&err);
}

int pw_pipeline_verify(const pw_pipeline_verify_job *job, pw_pipeline_findings *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    const pw_resolve_request *r = job->request;
    pw_buf lock_text = PW_BUF_INIT;
    pw_lock lock;
    int rc = pw_read_file(r->lock_path, &lock_text, err);
    if (rc == PW_OK)
        rc = pw_lock_parse(r->lock_path, lock_text.data, lock_text.len, &lock, err);
    if (rc) {
        pw_buf_free(&lock_text);
        return rc;
    }
    /* The cache first: resolving may download and so repair it. */
    verify_artifacts(r, &lock, lock_text.data, job->mirror, out, &out->artifacts_checked);
    verify_lock_current(r, lock_text.data, out);
    if (job->bundle)
        verify_bundle(r, &lock, job->bundle, out);
    if (job->check_runtime)
        verify_runtime(r, &lock, job->bundle ? job->bundle : "python_modules", job->runtime_dir,
                       out);
    pw_lock_free(&lock);
    pw_buf_free(&lock_text);
    return out->len ? PW_ECHECK : PW_OK;
}

void pw_pipeline_findings_free(pw_pipeline_findings *f)
{
    for (size_t i = 0; i < f->len; i++) {
        free(f->items[i].file);
        free(f->items[i].message);
    }
    free(f->items);
    memset(f, 0, sizeof(*f));
}
