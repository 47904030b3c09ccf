/* The check: drives harness.mjs in node and turns its events into a report. */
#include "runtime_check.h"

#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proc.h"
#include "resolver.h"

enum phase { PHASE_CHECK, PHASE_RESTORE, PHASE_COMPILE };

/* What one node process told us, beyond what goes into the report. */
typedef struct check_state {
    pw_check_report *rep;
    enum phase phase;
    bool loaded;
    bool have_summary;
    char *current;       /* the import begun and not yet finished */
    char *fatal;         /* a "fatal" event's error */
    bool unsupported;
    double harness_ms;   /* the harness's own node_ms */
    uint64_t harness_rss;
    pw_strlist compile_failures; /* "file: error" */
    long compiled;
    pw_check_trace *trace; /* o->trace, for "opened" and "exercise" events */
} check_state;

static char *str_or_null(const cJSON *ev, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
    return cJSON_IsString(v) && v->valuestring ? pw_xstrdup(v->valuestring) : NULL;
}

static double num_or_zero(const cJSON *ev, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble > 0 ? v->valuedouble : 0;
}

static bool bool_of(const cJSON *ev, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, key));
}

static pw_check_module_result *push_result(pw_check_report *r, const char *module)
{
    size_t cap = r->n_results;
    /* Grown one at a time: a check has tens of modules, not millions. */
    r->results = pw_xrealloc(r->results, (cap + 1) * sizeof *r->results);
    pw_check_module_result *m = &r->results[r->n_results++];
    memset(m, 0, sizeof *m);
    m->module = pw_xstrdup(module ? module : "");
    return m;
}

static void push_finding(pw_check_finding **arr, size_t *n, char *module, char *name, char *detail)
{
    *arr = pw_xrealloc(*arr, (*n + 1) * sizeof **arr);
    (*arr)[*n] = (pw_check_finding){module ? module : pw_xstrdup(""), name ? name : pw_xstrdup(""),
                                    detail ? detail : pw_xstrdup("")};
    (*n)++;
}

static void on_event(void *ctx, const char *line, size_t len)
{
    check_state *st = ctx;
    pw_check_report *r = st->rep;
    cJSON *ev = cJSON_ParseWithLength(line, len);
    if (!ev)
        return; /* the harness writes only JSON; anything else is noise */
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "type");
    const char *t = cJSON_IsString(type) ? type->valuestring : "";

    if (strcmp(t, "loaded") == 0) {
        st->loaded = true;
        free(r->runtime_version);
        r->runtime_version = str_or_null(ev, "version");
        r->load_ms = num_or_zero(ev, "ms");
    } else if (strcmp(t, "begin") == 0) {
        free(st->current);
        st->current = str_or_null(ev, "module");
    } else if (strcmp(t, "import") == 0) {
        char *module = str_or_null(ev, "module");
        pw_check_module_result *m = push_result(r, module);
        m->ok = bool_of(ev, "ok");
        m->entry = bool_of(ev, "entry");
        m->ms = num_or_zero(ev, "ms");
        if (!m->ok) {
            m->error = str_or_null(ev, "error");
            if (!m->error)
                m->error = pw_xstrdup("import failed");
            m->traceback = str_or_null(ev, "traceback");
            r->n_failed++;
            pw_report(PW_REPORT_WARN, "import %s failed: %s", m->module, m->error);
        } else {
            pw_report(PW_REPORT_DEBUG, "import %s ok (%.1f ms)", m->module, m->ms);
        }
        free(module);
        free(st->current);
        st->current = NULL;
    } else if (strcmp(t, "random") == 0) {
        push_finding(&r->random_at_import, &r->n_random, str_or_null(ev, "module"),
                     str_or_null(ev, "caller"), str_or_null(ev, "call"));
    } else if (strcmp(t, "jsglobal") == 0) {
        push_finding(&r->unsnapshottable, &r->n_unsnapshottable, str_or_null(ev, "module"),
                     str_or_null(ev, "name"), str_or_null(ev, "detail"));
    } else if (strcmp(t, "dynlib") == 0) {
        char *p = str_or_null(ev, "path");
        if (bool_of(ev, "ok")) {
            pw_strlist_push(&r->dynlibs, p ? p : "");
            pw_check_profile_add_event(&r->profile, ev);
        } else {
            /* A library that does not load fails every extension that
             * needs it: report it like a failed import. */
            pw_check_module_result *m = push_result(r, p);
            m->error = str_or_null(ev, "error");
            if (!m->error)
                m->error = pw_xstrdup("shared library did not load");
            r->n_failed++;
        }
        free(p);
    } else if (strcmp(t, "profile") == 0) {
        pw_check_profile_add_event(&r->profile, ev);
    } else if (strcmp(t, "snapshot") == 0) {
        if (bool_of(ev, "ok")) {
            r->snapshot_made = true;
            r->snapshot_bytes = (uint64_t)num_or_zero(ev, "bytes");
        } else {
            free(r->snapshot_error);
            r->snapshot_error = str_or_null(ev, "error");
            if (!r->snapshot_error)
                r->snapshot_error = pw_xstrdup("makeMemorySnapshot failed");
        }
    } else if (strcmp(t, "restored") == 0) {
        if (!bool_of(ev, "present")) {
            char *module = str_or_null(ev, "module");
            pw_strlist_push(&r->restore_missing, module ? module : "");
            free(module);
        }
    } else if (strcmp(t, "response") == 0) {
        pw_check_response *resp = &r->response;
        resp->called = true;
        resp->ok = bool_of(ev, "ok");
        resp->handler = str_or_null(ev, "handler");
        resp->status = (int)num_or_zero(ev, "status");
        resp->status_text = str_or_null(ev, "status_text");
        resp->body_size = (uint64_t)num_or_zero(ev, "body_size");
        resp->first_response_ms = num_or_zero(ev, "first_response_ms");
        resp->error = str_or_null(ev, "error");
        resp->traceback = str_or_null(ev, "traceback");
        resp->logs = str_or_null(ev, "logs");
        const cJSON *h;
        cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(ev, "headers")) {
            const cJSON *k = cJSON_GetArrayItem(h, 0), *v = cJSON_GetArrayItem(h, 1);
            if (!cJSON_IsString(k) || !cJSON_IsString(v))
                continue;
            pw_buf b = PW_BUF_INIT;
            pw_buf_printf(&b, "%s: %s", k->valuestring, v->valuestring);
            pw_strlist_push_owned(&resp->headers, pw_buf_detach(&b));
        }
        /* The first bytes as numbers: JSON strings cannot carry arbitrary bytes. */
        const cJSON *head = cJSON_GetObjectItemCaseSensitive(ev, "body_head");
        size_t nh = cJSON_IsArray(head) ? (size_t)cJSON_GetArraySize(head) : 0;
        if (nh) {
            resp->body_head = pw_xmalloc(nh);
            const cJSON *byte;
            cJSON_ArrayForEach(byte, head) {
                if (cJSON_IsNumber(byte) && byte->valueint >= 0 && byte->valueint < 256)
                    resp->body_head[resp->body_head_len++] = (unsigned char)byte->valueint;
            }
        }
        if (!resp->ok && !resp->error)
            resp->error = pw_xstrdup("the handler failed");
    } else if (strcmp(t, "opened") == 0 && st->trace) {
        char *p = str_or_null(ev, "path");
        if (p)
            pw_strlist_push_owned(&st->trace->files, p);
    } else if (strcmp(t, "exercise") == 0 && st->trace) {
        st->trace->exercise_ok = bool_of(ev, "ok");
        if (!st->trace->exercise_ok) {
            /* A raising exercise fails the check like a raising import. */
            char *file = str_or_null(ev, "file");
            pw_buf label = PW_BUF_INIT;
            pw_buf_printf(&label, "exercise %s", file ? file : "");
            pw_check_module_result *m = push_result(r, label.data);
            pw_buf_free(&label);
            free(file);
            m->error = str_or_null(ev, "error");
            if (!m->error)
                m->error = pw_xstrdup("the exercise script failed");
            m->traceback = str_or_null(ev, "traceback");
            r->n_failed++;
        }
    } else if (strcmp(t, "compiled") == 0) {
        st->compiled = (long)num_or_zero(ev, "files");
        const cJSON *failed = cJSON_GetObjectItemCaseSensitive(ev, "failed");
        const cJSON *f;
        cJSON_ArrayForEach(f, failed) {
            char *file = str_or_null(f, "file");
            char *error = str_or_null(f, "error");
            pw_buf b = PW_BUF_INIT;
            pw_buf_printf(&b, "%s: %s", file ? file : "?", error ? error : "does not compile");
            pw_strlist_push_owned(&st->compile_failures, pw_buf_detach(&b));
            free(file);
            free(error);
        }
    } else if (strcmp(t, "summary") == 0) {
        st->have_summary = true;
        st->harness_ms = num_or_zero(ev, "node_ms");
        st->harness_rss = (uint64_t)num_or_zero(ev, "max_rss");
        if (st->phase == PHASE_CHECK) {
            r->imports_ms = num_or_zero(ev, "imports_ms");
            r->cold_ms = num_or_zero(ev, "cold_ms");
        } else if (st->phase == PHASE_RESTORE) {
            r->restore_ms = num_or_zero(ev, "restore_ms");
        }
    } else if (strcmp(t, "fatal") == 0) {
        free(st->fatal);
        st->fatal = str_or_null(ev, "error");
        if (!st->fatal)
            st->fatal = pw_xstrdup("unknown error");
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(ev, "kind");
        st->unsupported = cJSON_IsString(kind) && strcmp(kind->valuestring, "unsupported") == 0;
    }
    cJSON_Delete(ev);
}

static void state_free(check_state *st)
{
    free(st->current);
    free(st->fatal);
    pw_strlist_free(&st->compile_failures);
}

/* The last lines of stderr: where node and Pyodide say why they stopped. */
static const char *stderr_tail(const pw_proc_result *res)
{
    const char *s = pw_buf_cstr(&res->errtext);
    if (res->errtext.len > 1500)
        s += res->errtext.len - 1500;
    return s;
}

static char *absolute(const char *path, const char *what, pw_error *err)
{
    char *abs = realpath(path, NULL);
    if (!abs)
        pw_error_set(err, errno == ENOENT ? PW_ENOTFOUND : PW_EIO, "%s %s: %s", what, path,
                     strerror(errno));
    return abs;
}

/* Runs one harness process with `req`; the events land in st. */
static int run_harness(const char *node, const char *harness, cJSON *req, int timeout_ms,
                       check_state *st, pw_proc_result *res, pw_error *err)
{
    char *text = cJSON_PrintUnformatted(req);
    const char *argv[] = {node, harness, NULL};
    pw_proc_spec spec = {argv, text, strlen(text), timeout_ms, on_event, st};
    int rc = pw_proc_run(&spec, res, err);
    cJSON_free(text);
    return rc;
}

/* Checks what pw_check_run and pw_check_compile_tree both need. */
static int prepare(const pw_check_options *o, char **node, char **harness, pw_error *err)
{
    *node = NULL;
    *harness = NULL;
    if (!o || !o->runtime_dir)
        return pw_error_set(err, PW_EINVAL, "check: no Pyodide runtime directory given");
    int rc = pw_runtime_verify(o->runtime_dir, NULL, NULL, NULL, err);
    if (rc == 0)
        rc = pw_runtime_find_node(o->node, node, NULL, err);
    if (rc == 0)
        rc = pw_runtime_harness_path(harness, err);
    if (rc != 0) {
        free(*node);
        *node = NULL;
    }
    return rc;
}

static void append_stderr(pw_check_report *r, const pw_proc_result *res)
{
    if (res->errtext.len == 0)
        return;
    pw_buf b = PW_BUF_INIT;
    if (r->stderr_text)
        pw_buf_puts(&b, r->stderr_text);
    pw_buf_append(&b, res->errtext.data, res->errtext.len);
    free(r->stderr_text);
    r->stderr_text = pw_buf_detach(&b);
}

static void account(pw_check_report *r, const pw_proc_result *res, const check_state *st)
{
    uint64_t rss = res->max_rss_bytes > st->harness_rss ? res->max_rss_bytes : st->harness_rss;
    if (rss > r->peak_rss_bytes)
        r->peak_rss_bytes = rss;
    r->node_ms += res->wall_ms;
    double startup = res->wall_ms - st->harness_ms;
    r->node_startup_ms += startup > 0 ? startup : 0;
}

static double monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* After a check process: PW_ERUNTIME when Pyodide never came up, else 0. */
static int judge_check_process(const pw_check_options *o, int timeout_ms, check_state *st,
                               const pw_proc_result *res, pw_error *err)
{
    pw_check_report *r = st->rep;
    if (st->fatal && st->unsupported)
        return pw_error_set(err, PW_EUNSUPPORTED, "%s", st->fatal);
    if (!st->loaded) {
        pw_buf why = PW_BUF_INIT;
        pw_proc_describe(res, timeout_ms, &why);
        int rc = pw_error_set(err, PW_ERUNTIME,
                              "Pyodide from %s did not start under node (%s)%s%s\n%s", o->runtime_dir,
                              pw_buf_cstr(&why), st->fatal ? ": " : "", st->fatal ? st->fatal : "",
                              stderr_tail(res));
        pw_buf_free(&why);
        return rc;
    }
    if (res->timed_out) {
        r->timed_out = true;
        if (st->current) {
            r->timed_out_module = pw_xstrdup(st->current);
            pw_check_module_result *m = push_result(r, st->current);
            pw_buf b = PW_BUF_INIT;
            pw_buf_printf(&b, "timed out after %d ms (node process group killed)", timeout_ms);
            m->error = pw_buf_detach(&b);
            r->n_failed++;
        }
        return 0;
    }
    if (!st->have_summary) {
        /* node died mid-way: an extension module that aborts the Wasm
         * instance takes the whole process with it. */
        pw_check_module_result *m = push_result(r, st->current ? st->current : "(harness)");
        pw_buf b = PW_BUF_INIT;
        pw_buf_puts(&b, "node ");
        pw_proc_describe(res, timeout_ms, &b);
        if (st->fatal)
            pw_buf_printf(&b, ": %s", st->fatal);
        else
            pw_buf_printf(&b, ":\n%s", stderr_tail(res));
        m->error = pw_buf_detach(&b);
        r->n_failed++;
    }
    return 0;
}

static cJSON *base_request(const char *mode, const char *runtime_dir, const char *bundle,
                           const char *entry)
{
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "mode", mode);
    cJSON_AddStringToObject(req, "runtime_dir", runtime_dir);
    if (bundle)
        cJSON_AddStringToObject(req, "bundle_dir", bundle);
    if (entry)
        cJSON_AddStringToObject(req, "entry", entry);
    return req;
}

/* What the harness needs of the Worker: the upload, the rules, the env. */
static cJSON *worker_json(const pw_check_worker *w)
{
    const pw_wrangler_config *c = w->config;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "base_dir", w->base_dir);
    cJSON_AddStringToObject(o, "base_dir_label", w->base_dir_label);
    cJSON_AddStringToObject(o, "main", w->main);
    cJSON_AddStringToObject(o, "module", w->module);
    cJSON *rules = cJSON_AddArrayToObject(o, "rules");
    for (size_t i = 0; c && i < c->n_rules; i++) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "type", c->rules[i].type);
        cJSON *globs = cJSON_AddArrayToObject(r, "globs");
        for (size_t j = 0; j < c->rules[i].globs.len; j++)
            cJSON_AddItemToArray(globs, cJSON_CreateString(c->rules[i].globs.items[j]));
        cJSON_AddBoolToObject(r, "fallthrough", c->rules[i].fallthrough);
        cJSON_AddItemToArray(rules, r);
    }
    if (w->rules_origin)
        cJSON_AddStringToObject(o, "rules_origin", w->rules_origin);
    cJSON *ex = cJSON_AddArrayToObject(o, "exclude");
    for (size_t i = 0; i < w->exclude.len; i++)
        cJSON_AddItemToArray(ex, cJSON_CreateString(w->exclude.items[i]));
    if (w->exclude_origin)
        cJSON_AddStringToObject(o, "exclude_origin", w->exclude_origin);
    cJSON_AddBoolToObject(o, "dedicated_snapshot", w->dedicated_snapshot);
    if (w->assets_dir) {
        cJSON *a = cJSON_AddObjectToObject(o, "assets");
        cJSON_AddStringToObject(a, "dir", w->assets_dir);
        cJSON_AddStringToObject(a, "label", w->assets_label);
        cJSON_AddStringToObject(a, "not_found_handling", c->assets_not_found_handling);
        if (c->assets_worker_first_routes.len) {
            cJSON *routes = cJSON_AddArrayToObject(a, "run_worker_first");
            for (size_t i = 0; i < c->assets_worker_first_routes.len; i++)
                cJSON_AddItemToArray(routes,
                                     cJSON_CreateString(c->assets_worker_first_routes.items[i]));
        } else {
            cJSON_AddBoolToObject(a, "run_worker_first", c->assets_run_worker_first);
        }
    }

    cJSON *env = cJSON_AddObjectToObject(o, "env");
    if (w->config_path)
        cJSON_AddStringToObject(env, "config", w->config_path);
    cJSON *vars = cJSON_AddObjectToObject(env, "vars");
    for (size_t i = 0; c && i < c->var_names.len; i++) {
        cJSON *v = cJSON_Parse(c->var_values_json.items[i]);
        cJSON_AddItemToObject(vars, c->var_names.items[i], v ? v : cJSON_CreateNull());
    }
    /* wrangler dev: .dev.vars values replace vars of the same name. */
    for (size_t i = 0; i < w->dev_var_names.len; i++) {
        cJSON_DeleteItemFromObjectCaseSensitive(vars, w->dev_var_names.items[i]);
        cJSON_AddStringToObject(vars, w->dev_var_names.items[i], w->dev_var_values.items[i]);
    }
    cJSON *bindings = cJSON_AddArrayToObject(env, "bindings");
    for (size_t i = 0; c && i < c->binding_names.len; i++) {
        cJSON *b = cJSON_CreateObject();
        cJSON_AddStringToObject(b, "name", c->binding_names.items[i]);
        cJSON_AddStringToObject(b, "kind", c->binding_kinds.items[i]);
        if (c->binding_classes.items[i][0])
            cJSON_AddStringToObject(b, "class_name", c->binding_classes.items[i]);
        cJSON_AddItemToArray(bindings, b);
    }
    return o;
}

static cJSON *call_json(const pw_check_call *call)
{
    cJSON *o = cJSON_CreateObject();
    switch (call->kind) {
    case PW_CHECK_CALL_FETCH: {
        cJSON_AddStringToObject(o, "kind", "fetch");
        pw_buf m = PW_BUF_INIT;
        pw_buf_put_slice(&m, call->method);
        cJSON_AddStringToObject(o, "method", pw_buf_cstr(&m));
        pw_buf_free(&m);
        cJSON_AddStringToObject(o, "path", call->path);
        break;
    }
    case PW_CHECK_CALL_SCHEDULED:
        cJSON_AddStringToObject(o, "kind", "scheduled");
        break;
    case PW_CHECK_CALL_QUEUE:
        cJSON_AddStringToObject(o, "kind", "queue");
        cJSON_AddStringToObject(o, "message", call->message ? call->message : "");
        break;
    case PW_CHECK_CALL_NONE:
        break;
    }
    return o;
}

static void summarise_failure(const pw_check_report *r, pw_error *err)
{
    pw_buf b = PW_BUF_INIT;
    const char *sep = "";
    if (r->n_failed) {
        pw_buf_printf(&b, "%zu of %zu imports failed (", r->n_failed, r->n_results);
        size_t shown = 0;
        for (size_t i = 0; i < r->n_results; i++) {
            if (r->results[i].ok)
                continue;
            pw_buf_printf(&b, "%s%s: %s", shown ? "; " : "", r->results[i].module,
                          r->results[i].error ? r->results[i].error : "failed");
            shown++;
        }
        pw_buf_putc(&b, ')');
        sep = "; ";
    }
    for (size_t i = 0; i < r->n_random; i++) {
        const pw_check_finding *f = &r->random_at_import[i];
        pw_buf_printf(&b, "%simport of %s uses randomness at import time (%s() called from %s), "
                          "which Cloudflare rejects at deploy",
                      sep, f->module, f->detail, f->name);
        sep = "; ";
    }
    for (size_t i = 0; i < r->n_unsnapshottable; i++) {
        const pw_check_finding *f = &r->unsnapshottable[i];
        pw_buf_printf(&b, "%s%s.%s holds a JS object (%s) at module top level, which a "
                          "deploy-time snapshot cannot serialize",
                      sep, f->module, f->name, f->detail);
        sep = "; ";
    }
    if (r->snapshot_error) {
        pw_buf_printf(&b, "%ssnapshot: %s", sep, r->snapshot_error);
        sep = "; ";
    }
    for (size_t i = 0; i < r->restore_missing.len; i++) {
        pw_buf_printf(&b, "%s%s is not in sys.modules after restoring the snapshot", sep,
                      r->restore_missing.items[i]);
        sep = "; ";
    }
    if (r->response.called && !r->response.ok)
        pw_buf_printf(&b, "%sthe handler %s raised %s", sep,
                      r->response.handler ? r->response.handler : "", r->response.error);
    pw_error_set(err, PW_ECHECK, "%s", pw_buf_cstr(&b));
    pw_buf_free(&b);
}

int pw_check_run(const pw_check_options *o, pw_check_report *rep, pw_error *err)
{
    memset(rep, 0, sizeof *rep);
    double started = monotonic_ms();
    char *node = NULL, *harness = NULL, *bundle = NULL, *entry = NULL;
    int rc = prepare(o, &node, &harness, err);
    if (rc != 0)
        return rc;
    int timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : PW_CHECK_DEFAULT_TIMEOUT_MS;
    if (o->bundle_dir && !(bundle = absolute(o->bundle_dir, "bundle directory", err)))
        rc = err->code;
    if (rc == 0 && o->entry && !o->worker && !(entry = absolute(o->entry, "entry module", err)))
        rc = err->code;
    char *snapshot = NULL, *scratch_dir = NULL;
    bool calling = o->call.kind != PW_CHECK_CALL_NONE && (o->worker || o->entry);
    if (rc == 0 && calling && !o->snapshot_path) {
        /* The first request is served after a restore, as on Cloudflare:
         * without --snapshot the snapshot lives in a scratch directory. */
        const char *tmp = getenv("TMPDIR");
        pw_buf b = PW_BUF_INIT;
        pw_buf_printf(&b, "%s/pwpkg-check-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        scratch_dir = pw_buf_detach(&b);
        if (!mkdtemp(scratch_dir)) {
            rc = pw_error_set(err, PW_EIO, "%s: %s", scratch_dir, strerror(errno));
            free(scratch_dir);
            scratch_dir = NULL;
        } else {
            snapshot = pw_path_join(scratch_dir, "snapshot.bin");
        }
    } else if (rc == 0 && o->snapshot_path) {
        /* The directory must exist; the file is created by the harness. */
        char *dir = pw_path_dirname(o->snapshot_path);
        char *adir = absolute(dir, "snapshot directory", err);
        free(dir);
        if (!adir)
            rc = err->code;
        else
            snapshot = pw_path_join(adir, pw_path_basename(o->snapshot_path));
        free(adir);
    }
    if (rc != 0)
        goto out;

    cJSON *req = base_request("check", o->runtime_dir, bundle, entry);
    cJSON *mods = cJSON_AddArrayToObject(req, "modules");
    for (size_t i = 0; o->modules && i < o->modules->len; i++)
        cJSON_AddItemToArray(mods, cJSON_CreateString(o->modules->items[i]));
    if (snapshot)
        cJSON_AddStringToObject(req, "snapshot_path", snapshot);
    if (o->profile)
        cJSON_AddBoolToObject(req, "profile", true);
    if (o->worker)
        cJSON_AddItemToObject(req, "worker", worker_json(o->worker));
    char *exercise = NULL;
    if (o->trace) {
        cJSON_AddBoolToObject(req, "trace", o->trace->record);
        if (o->trace->exercise) {
            if (!(exercise = absolute(o->trace->exercise, "exercise script", err))) {
                cJSON_Delete(req);
                rc = err->code;
                goto out;
            }
            cJSON_AddStringToObject(req, "exercise", exercise);
            cJSON_AddStringToObject(req, "exercise_label", o->trace->exercise);
            free(exercise);
        }
    }
    rep->worker = o->worker || entry;
    /* A bare entry keeps its old meaning: its top level is in the snapshot. */
    rep->dedicated_snapshot = o->worker ? o->worker->dedicated_snapshot : entry != NULL;

    check_state st = {.rep = rep, .phase = PHASE_CHECK, .trace = o->trace};
    pw_proc_result res;
    rc = run_harness(node, harness, req, timeout_ms, &st, &res, err);
    cJSON_Delete(req);
    if (rc == 0) {
        append_stderr(rep, &res);
        account(rep, &res, &st);
        rc = judge_check_process(o, timeout_ms, &st, &res, err);
    }
    pw_proc_result_free(&res);
    state_free(&st);
    if (rc != 0)
        goto out;

    if (snapshot && rep->snapshot_made && !rep->timed_out) {
        /* A fresh process, as a Worker isolate restoring the deploy-time
         * snapshot: the modules must already be in sys.modules. */
        cJSON *rreq = base_request("restore", o->runtime_dir, bundle, NULL);
        cJSON_AddStringToObject(rreq, "snapshot_path", snapshot);
        cJSON *rmods = cJSON_AddArrayToObject(rreq, "modules");
        for (size_t i = 0; i < rep->n_results; i++)
            if (rep->results[i].ok && !rep->results[i].entry)
                cJSON_AddItemToArray(rmods, cJSON_CreateString(rep->results[i].module));
        bool entry_ok = false;
        for (size_t i = 0; i < rep->n_results; i++)
            entry_ok = entry_ok || (rep->results[i].ok && rep->results[i].entry);
        if (entry)
            cJSON_AddStringToObject(rreq, "entry", entry);
        if (o->worker)
            cJSON_AddItemToObject(rreq, "worker", worker_json(o->worker));
        cJSON_AddBoolToObject(rreq, "entry_imported", entry_ok);
        /* A Worker that did not import has no handler to call. */
        if (calling && entry_ok && rep->n_failed == 0)
            cJSON_AddItemToObject(rreq, "call", call_json(&o->call));
        check_state rst = {.rep = rep, .phase = PHASE_RESTORE};
        rc = run_harness(node, harness, rreq, timeout_ms, &rst, &res, err);
        cJSON_Delete(rreq);
        if (rc == 0) {
            append_stderr(rep, &res);
            account(rep, &res, &rst);
            if (!rst.have_summary) {
                pw_buf b = PW_BUF_INIT;
                pw_buf_puts(&b, "restoring it in a fresh node process failed: node ");
                pw_proc_describe(&res, timeout_ms, &b);
                pw_buf_printf(&b, ": %s", rst.fatal ? rst.fatal : stderr_tail(&res));
                free(rep->snapshot_error);
                rep->snapshot_error = pw_buf_detach(&b);
            }
        }
        pw_proc_result_free(&res);
        state_free(&rst);
        if (rc != 0)
            goto out;
    }
    if (rep->n_failed || rep->n_random || rep->n_unsnapshottable || rep->snapshot_error ||
        rep->restore_missing.len || rep->timed_out ||
        (rep->response.called && !rep->response.ok)) {
        summarise_failure(rep, err);
        rc = PW_ECHECK;
    }
out:
    /* pwpkg's own cost: everything but the harness's node processes
     * (finding node, requests, reading events, the report). */
    rep->overhead_ms = monotonic_ms() - started - rep->node_ms;
    if (rep->overhead_ms < 0)
        rep->overhead_ms = 0;
    if (scratch_dir) {
        pw_error scratch = {0, NULL};
        pw_remove_tree(scratch_dir, &scratch);
        pw_error_clear(&scratch);
        free(scratch_dir);
    }
    free(snapshot);
    free(entry);
    free(bundle);
    free(harness);
    free(node);
    return rc;
}

int pw_check_compile_tree(const pw_check_options *o, const char *tree_dir, pw_error *err)
{
    char *node = NULL, *harness = NULL;
    int rc = prepare(o, &node, &harness, err);
    if (rc != 0)
        return rc;
    char *tree = absolute(tree_dir, "tree to compile", err);
    if (!tree) {
        free(node);
        free(harness);
        return err->code;
    }
    int timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : PW_CHECK_DEFAULT_TIMEOUT_MS;
    cJSON *req = base_request("compile", o->runtime_dir, NULL, NULL);
    cJSON_AddStringToObject(req, "tree_dir", tree);
    pw_check_report scratch;
    memset(&scratch, 0, sizeof scratch);
    check_state st = {.rep = &scratch, .phase = PHASE_COMPILE, .compiled = -1};
    pw_proc_result res;
    rc = run_harness(node, harness, req, timeout_ms, &st, &res, err);
    cJSON_Delete(req);
    if (rc == 0) {
        if (st.compile_failures.len) {
            pw_buf b = PW_BUF_INIT;
            for (size_t i = 0; i < st.compile_failures.len; i++)
                pw_buf_printf(&b, "%s%s", i ? "; " : "", st.compile_failures.items[i]);
            rc = pw_error_set(err, PW_ECHECK, "%s: %zu file(s) do not compile with Pyodide %s: %s",
                              tree, st.compile_failures.len,
                              scratch.runtime_version ? scratch.runtime_version : o->runtime_dir,
                              pw_buf_cstr(&b));
            pw_buf_free(&b);
        } else if (st.compiled < 0 || !st.have_summary) {
            pw_buf why = PW_BUF_INIT;
            pw_proc_describe(&res, timeout_ms, &why);
            rc = pw_error_set(err, PW_ERUNTIME, "compiling %s in Pyodide from %s failed: node %s%s%s\n%s",
                              tree, o->runtime_dir, pw_buf_cstr(&why), st.fatal ? ": " : "",
                              st.fatal ? st.fatal : "", stderr_tail(&res));
            pw_buf_free(&why);
        } else {
            pw_report(PW_REPORT_DEBUG, "compiled %ld file(s) under %s", st.compiled, tree);
        }
    }
    pw_proc_result_free(&res);
    state_free(&st);
    pw_check_report_free(&scratch);
    free(tree);
    free(harness);
    free(node);
    return rc;
}

/* ------------------------------------------------------------- reporting */

/* Length of the UTF-8 sequence at p (RFC 3629), 0 when it is not one. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    size_t len = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
    if (p[0] >= 0xf5 || len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

void pw_check_response_body_text(const pw_check_response *r, pw_buf *out)
{
    const unsigned char *p = r->body_head;
    for (size_t i = 0; i < r->body_head_len;) {
        size_t n = p[i] >= 0x80 ? utf8_len(p + i, r->body_head_len - i) : 1;
        if (n > 1 || (p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\n' || p[i] == '\t') {
            pw_buf_append(out, p + i, n);
            i += n;
        } else {
            pw_buf_printf(out, "\\x%02x", p[i]);
            i++;
        }
    }
}

/* Milliseconds as integers: the JSON writer prints fractions with %.17g. */
static void add_ms(cJSON *obj, const char *key, double ms)
{
    cJSON_AddNumberToObject(obj, key, floor(ms + 0.5));
}

static cJSON *findings_json(const pw_check_finding *f, size_t n, const char *k1, const char *k2,
                            const char *k3)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, k1, f[i].module);
        cJSON_AddStringToObject(o, k2, f[i].name);
        cJSON_AddStringToObject(o, k3, f[i].detail);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static cJSON *strlist_json(const pw_strlist *l)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < l->len; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(l->items[i]));
    return arr;
}

void pw_check_report_write_json(const pw_check_report *r, pw_buf *out)
{
    cJSON *root = cJSON_CreateObject();
    if (r->runtime_version)
        cJSON_AddStringToObject(root, "pyodide", r->runtime_version);
    cJSON *mods = cJSON_AddArrayToObject(root, "imports");
    for (size_t i = 0; i < r->n_results; i++) {
        const pw_check_module_result *m = &r->results[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "module", m->module);
        cJSON_AddBoolToObject(o, "ok", m->ok);
        if (m->entry)
            cJSON_AddBoolToObject(o, "entry", true);
        add_ms(o, "ms", m->ms);
        if (m->error)
            cJSON_AddStringToObject(o, "error", m->error);
        if (m->traceback)
            cJSON_AddStringToObject(o, "traceback", m->traceback);
        cJSON_AddItemToArray(mods, o);
    }
    cJSON_AddNumberToObject(root, "failed", (double)r->n_failed);
    cJSON_AddItemToObject(root, "random_at_import",
                          findings_json(r->random_at_import, r->n_random, "import", "caller", "call"));
    cJSON_AddItemToObject(root, "unsnapshottable_globals",
                          findings_json(r->unsnapshottable, r->n_unsnapshottable, "module", "name",
                                        "type"));
    cJSON_AddItemToObject(root, "dynlibs", strlist_json(&r->dynlibs));
    cJSON_AddBoolToObject(root, "timed_out", r->timed_out);
    if (r->timed_out_module)
        cJSON_AddStringToObject(root, "timed_out_module", r->timed_out_module);
    cJSON *t = cJSON_AddObjectToObject(root, "timing");
    add_ms(t, "load_ms", r->load_ms);
    add_ms(t, "imports_ms", r->imports_ms);
    add_ms(t, "cold_ms", r->cold_ms);
    add_ms(t, "node_ms", r->node_ms);
    add_ms(t, "overhead_ms", r->overhead_ms);
    add_ms(t, "node_startup_ms", r->node_startup_ms);
    if (r->snapshot_made || r->snapshot_error) {
        cJSON *s = cJSON_AddObjectToObject(root, "snapshot");
        cJSON_AddBoolToObject(s, "made", r->snapshot_made);
        cJSON_AddNumberToObject(s, "bytes", (double)r->snapshot_bytes);
        add_ms(s, "restore_ms", r->restore_ms);
        cJSON_AddItemToObject(s, "missing_after_restore", strlist_json(&r->restore_missing));
        if (r->snapshot_error)
            cJSON_AddStringToObject(s, "error", r->snapshot_error);
    }
    if (r->worker)
        cJSON_AddStringToObject(root, "snapshot_kind", r->dedicated_snapshot ? "dedicated" : "package");
    const pw_check_response *resp = &r->response;
    if (resp->called) {
        cJSON *o = cJSON_AddObjectToObject(root, "response");
        cJSON_AddBoolToObject(o, "ok", resp->ok);
        if (resp->handler)
            cJSON_AddStringToObject(o, "handler", resp->handler);
        if (resp->ok) {
            cJSON_AddNumberToObject(o, "status", resp->status);
            cJSON_AddItemToObject(o, "headers", strlist_json(&resp->headers));
            cJSON_AddNumberToObject(o, "body_bytes", (double)resp->body_size);
            pw_buf head = PW_BUF_INIT;
            pw_check_response_body_text(resp, &head);
            cJSON_AddStringToObject(o, "body_head", pw_buf_cstr(&head));
            pw_buf_free(&head);
        } else {
            cJSON_AddStringToObject(o, "error", resp->error ? resp->error : "");
            if (resp->traceback)
                cJSON_AddStringToObject(o, "traceback", resp->traceback);
        }
        add_ms(o, "first_response_ms", resp->first_response_ms);
        if (resp->logs && *resp->logs)
            cJSON_AddStringToObject(o, "logs", resp->logs);
    }
    cJSON_AddNumberToObject(root, "peak_rss_bytes", (double)r->peak_rss_bytes);
    pw_json_write(root, out);
    cJSON_Delete(root);
}

static void findings_free(pw_check_finding *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(f[i].module);
        free(f[i].name);
        free(f[i].detail);
    }
    free(f);
}

void pw_check_report_free(pw_check_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_results; i++) {
        free(r->results[i].module);
        free(r->results[i].error);
        free(r->results[i].traceback);
    }
    free(r->results);
    findings_free(r->random_at_import, r->n_random);
    findings_free(r->unsnapshottable, r->n_unsnapshottable);
    pw_strlist_free(&r->dynlibs);
    pw_strlist_free(&r->restore_missing);
    free(r->runtime_version);
    free(r->timed_out_module);
    free(r->snapshot_error);
    free(r->stderr_text);
    free(r->response.handler);
    free(r->response.status_text);
    pw_strlist_free(&r->response.headers);
    free(r->response.body_head);
    free(r->response.error);
    free(r->response.traceback);
    free(r->response.logs);
    pw_check_profile_free(&r->profile);
    memset(r, 0, sizeof *r);
}
