/*
 * The lock's "resolution": the options `pwpkg lock` was given, written into
 * the lock and applied again when a later run gives none, so that
 * `lock --check` and `verify` in CI repeat the resolution with no flags.
 *
 * Local paths are written relative to the lock's directory and read back
 * from there; URLs are written without credentials and get them back from
 * the same places pip and uv look: the option given again, PWPKG_INDEX_URL /
 * PIP_INDEX_URL (and the EXTRA_ variants), or ~/.netrc through libcurl.
 */
#include "resolve_context.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { LIST_COMPAT_FLAGS, LIST_EXTRAS, LIST_GROUPS, LIST_EXTRA_INDEX_URLS, LIST_FIND_LINKS,
       LIST_FROM_INDEX };

/* ------------------------------------------------------------ recording */

static char *record_location(const pw_resolve_context *ctx, const char *location)
{
    if (pw_is_url(location))
        return pw_url_strip_credentials(location);
    return pw_resolve_relative_path(ctx->lock_dir, location);
}

/* A release index given as its folder is recorded as the file in it, so
 * that both spellings make the same lock. */
static char *record_index_location(const pw_resolve_context *ctx, const char *location)
{
    if (pw_is_url(location) || !pw_is_dir(location))
        return record_location(ctx, location);
    char *file = pw_path_join(location, "pyodide-lock.json");
    char *rel = record_location(ctx, file);
    free(file);
    return rel;
}

static void record_list(const pw_resolve_context *ctx, const pw_strlist *given, bool locations,
                        pw_strlist *out)
{
    for (size_t i = 0; given && i < given->len; i++)
        pw_strlist_push_owned(out, locations ? record_location(ctx, given->items[i])
                                             : pw_xstrdup(given->items[i]));
}

static char *format_timestamp(int64_t seconds)
{
    time_t t = (time_t)seconds;
    struct tm tm;
    char text[40];
    if (!gmtime_r(&t, &tm) || strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return pw_xstrdup("1970-01-01T00:00:00Z");
    return pw_xstrdup(text);
}

void pw_resolve_record_options(const pw_resolve_context *ctx, pw_lock_options *out)
{
    const pw_resolve_request *r = ctx->request;
    memset(out, 0, sizeof(*out));
    out->recorded = true;
    /* requirements.txt beside the lock is the default: saying it again
     * would make `-r project/requirements.txt` and no -r differ */
    if (r->requirements_path) {
        char *rel = record_location(ctx, r->requirements_path);
        if (strcmp(rel, "requirements.txt") == 0)
            free(rel);
        else
            out->requirements = rel;
    }
    if (r->project_path)
        out->project = record_location(ctx, r->project_path);
    record_list(ctx, r->extras, false, &out->extras);
    record_list(ctx, r->groups, false, &out->groups);
    if (r->pyodide_version)
        out->pyodide = pw_xstrdup(r->pyodide_version);
    if (r->compat_date)
        out->compat_date = pw_xstrdup(r->compat_date);
    record_list(ctx, r->compat_flags, false, &out->compat_flags);
    if (r->wrangler_env)
        out->wrangler_env = pw_xstrdup(r->wrangler_env);
    if (r->pyodide_index)
        out->pyodide_index = record_index_location(ctx, r->pyodide_index);
    if (r->pyodide_base_url)
        out->pyodide_base_url = record_location(ctx, r->pyodide_base_url);
    out->no_remote_artifacts = r->no_remote_artifacts;
    if (r->index_url)
        out->index_url = record_location(ctx, r->index_url);
    record_list(ctx, r->extra_index_urls, true, &out->extra_index_urls);
    record_list(ctx, r->find_links, true, &out->find_links);
    record_list(ctx, r->from_index, false, &out->from_index);
    out->no_index = r->no_index;
    out->best_match = r->best_match;
    out->pre = r->pre;
    if (r->exclude_newer)
        out->exclude_newer = format_timestamp(r->exclude_newer);
}

/* ------------------------------------------------------------- applying */

static const char *keep(pw_resolve_context *ctx, char *owned)
{
    pw_strlist_push_owned(&ctx->effective_strings, owned);
    return ctx->effective_strings.items[ctx->effective_strings.len - 1];
}

/* A recorded URL with the credentials the environment holds for it. */
static char *with_credentials(const char *recorded, const char *const *env_vars)
{
    for (size_t v = 0; env_vars[v]; v++) {
        const char *value = getenv(env_vars[v]);
        if (!value)
            continue;
        /* pip's *_EXTRA_INDEX_URL holds several URLs separated by spaces */
        char *copy = pw_xstrdup(value), *save = NULL;
        for (char *url = strtok_r(copy, " \t\n", &save); url; url = strtok_r(NULL, " \t\n", &save)) {
            char *bare = pw_url_strip_credentials(url);
            bool same = strcmp(bare, recorded) == 0;
            free(bare);
            if (same) {
                char *found = pw_xstrdup(url);
                free(copy);
                return found;
            }
        }
        free(copy);
    }
    return pw_xstrdup(recorded);
}

static const char *const index_env[] = {"PWPKG_INDEX_URL", "PIP_INDEX_URL", "UV_INDEX_URL",
                                        NULL};
static const char *const extra_index_env[] = {"PWPKG_EXTRA_INDEX_URL", "PIP_EXTRA_INDEX_URL",
                                              "UV_EXTRA_INDEX_URL", NULL};

/* A recorded location made usable from here: a path relative to the lock
 * joined to the lock's directory (and required to exist), a URL given its
 * credentials back. */
static int apply_location(pw_resolve_context *ctx, const char *flag, const char *recorded,
                          const char *const *env_vars, const char **out, pw_error *err)
{
    if (pw_is_url(recorded)) {
        *out = keep(ctx, env_vars ? with_credentials(recorded, env_vars) : pw_xstrdup(recorded));
        return PW_OK;
    }
    bool relative = recorded[0] != '/' && strcmp(ctx->lock_dir, ".") != 0;
    char *path = relative ? pw_path_join(ctx->lock_dir, recorded) : pw_xstrdup(recorded);
    if (!pw_file_exists(path)) {
        int rc = pw_error_set(err, PW_EINVAL,
                              "%s: the lock was made with %s %s, and %s does not exist; give "
                              "%s with its new location (it is then recorded instead), or "
                              "--reset-options",
                              ctx->request->lock_path ? ctx->request->lock_path
                                                      : PW_LOCK_DEFAULT_NAME,
                              flag, recorded, path, flag);
        free(path);
        return rc;
    }
    *out = keep(ctx, path);
    return PW_OK;
}

static void note_override(const char *flag, const char *given, const char *recorded)
{
    if (recorded && given)
        pw_report(PW_REPORT_INFO, "%s %s given; the lock was made with %s %s", flag, given, flag,
                  recorded);
    else if (given)
        pw_report(PW_REPORT_INFO, "%s%s%s given; the lock was made without it", flag,
                  *given ? " " : "", given);
    else
        pw_report(PW_REPORT_INFO, "the lock was made with %s %s; the option given replaces it",
                  flag, recorded);
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* A location given now against the recorded one, compared as recorded. */
static void compare_location(const pw_resolve_context *ctx, const char *flag, const char *given,
                             const char *recorded)
{
    char *as_recorded = record_location(ctx, given);
    if (!same_text(as_recorded, recorded))
        note_override(flag, as_recorded, recorded);
    free(as_recorded);
}

static void compare_list(const pw_resolve_context *ctx, const char *flag, const pw_strlist *given,
                         bool locations, const pw_strlist *recorded)
{
    pw_strlist now = PW_STRLIST_INIT;
    record_list(ctx, given, locations, &now);
    bool same = now.len == recorded->len;
    for (size_t i = 0; same && i < now.len; i++)
        same = strcmp(now.items[i], recorded->items[i]) == 0;
    if (!same) {
        pw_buf a = PW_BUF_INIT, b = PW_BUF_INIT;
        for (size_t i = 0; i < now.len; i++)
            pw_buf_printf(&a, "%s%s", i ? ", " : "", now.items[i]);
        for (size_t i = 0; i < recorded->len; i++)
            pw_buf_printf(&b, "%s%s", i ? ", " : "", recorded->items[i]);
        note_override(flag, pw_buf_cstr(&a), recorded->len ? pw_buf_cstr(&b) : NULL);
        pw_buf_free(&a);
        pw_buf_free(&b);
    }
    pw_strlist_free(&now);
}

static int apply_list(pw_resolve_context *ctx, int slot, const char *flag, const pw_strlist *recorded,
                      bool locations, const char *const *env_vars, const pw_strlist **out,
                      pw_error *err)
{
    pw_strlist *list = &ctx->effective_lists[slot];
    for (size_t i = 0; i < recorded->len; i++) {
        const char *value = recorded->items[i];
        if (locations) {
            int rc = apply_location(ctx, flag, recorded->items[i], env_vars, &value, err);
            if (rc)
                return rc;
        }
        pw_strlist_push(list, value);
    }
    *out = list;
    return PW_OK;
}

static bool list_given(const pw_strlist *l)
{
    return l && l->len > 0;
}

/* *changed: a release choice was given that differs from the recorded one
 * (the recorded release index then belongs to another release). */
static int apply_release_choice(pw_resolve_context *ctx, const pw_lock_options *rec,
                                pw_resolve_request *eff, bool *changed, pw_error *err)
{
    *changed = false;
    const pw_resolve_request *req = ctx->request;
    bool given = req->pyodide_version || req->compat_date || list_given(req->compat_flags) ||
                 req->wrangler_env;
    if (given) {
        if (req->pyodide_version && !same_text(req->pyodide_version, rec->pyodide)) {
            note_override("--pyodide", req->pyodide_version, rec->pyodide);
            *changed = true;
        }
        if (req->compat_date && !same_text(req->compat_date, rec->compat_date)) {
            note_override("--compat-date", req->compat_date, rec->compat_date);
            *changed = true;
        }
        if (list_given(req->compat_flags))
            compare_list(ctx, "--compat-flag", req->compat_flags, false, &rec->compat_flags);
        if (req->wrangler_env && !same_text(req->wrangler_env, rec->wrangler_env))
            note_override("--env", req->wrangler_env, rec->wrangler_env);
        return PW_OK;
    }
    if (rec->pyodide)
        eff->pyodide_version = rec->pyodide;
    if (rec->compat_date)
        eff->compat_date = rec->compat_date;
    if (rec->wrangler_env)
        eff->wrangler_env = rec->wrangler_env;
    return apply_list(ctx, LIST_COMPAT_FLAGS, "--compat-flag", &rec->compat_flags, false, NULL,
                      &eff->compat_flags, err);
}

static void apply_switch(bool given, bool given_value, bool recorded, const char *flag,
                         bool *out)
{
    if (!given)
        *out = recorded;
    else if (given_value != recorded)
        note_override(flag, "", recorded ? "it" : NULL);
}

int pw_resolve_apply_recorded(pw_resolve_context *ctx, pw_error *err)
{
    const pw_resolve_request *req = ctx->request;
    ctx->effective = *req;
    pw_resolve_request *eff = &ctx->effective;
    ctx->request = eff;
    if (!req->reuse_recorded || !ctx->has_previous || !ctx->previous.options.recorded)
        return PW_OK;
    const pw_lock_options *rec = &ctx->previous.options;
    int rc;
    pw_strlist described = PW_STRLIST_INIT;
    pw_lock_options_describe(rec, &described);
    pw_buf line = PW_BUF_INIT;
    for (size_t i = 0; i < described.len; i++)
        pw_buf_printf(&line, " %s", described.items[i]);
    pw_report(PW_REPORT_DEBUG, "%s was made with:%s (options not given now are taken from it)",
              req->lock_path ? req->lock_path : PW_LOCK_DEFAULT_NAME,
              described.len ? pw_buf_cstr(&line) : " no options");
    pw_buf_free(&line);
    pw_strlist_free(&described);

    if (req->requirements_path || req->project_path) {
        if (req->requirements_path && rec->requirements)
            compare_location(ctx, "-r", req->requirements_path, rec->requirements);
        if (req->project_path && rec->project)
            compare_location(ctx, "--project", req->project_path, rec->project);
    } else if (rec->requirements) {
        if ((rc = apply_location(ctx, "-r", rec->requirements, NULL, &eff->requirements_path, err)))
            return rc;
    } else if (rec->project) {
        if ((rc = apply_location(ctx, "--project", rec->project, NULL, &eff->project_path, err)))
            return rc;
    }
    if (list_given(req->extras))
        compare_list(ctx, "--extra", req->extras, false, &rec->extras);
    else if ((rc = apply_list(ctx, LIST_EXTRAS, "--extra", &rec->extras, false, NULL, &eff->extras,
                              err)))
        return rc;
    if (list_given(req->groups))
        compare_list(ctx, "--group", req->groups, false, &rec->groups);
    else if ((rc = apply_list(ctx, LIST_GROUPS, "--group", &rec->groups, false, NULL, &eff->groups,
                              err)))
        return rc;

    bool release_changed;
    if ((rc = apply_release_choice(ctx, rec, eff, &release_changed, err)))
        return rc;
    if (req->pyodide_index) {
        char *now = record_index_location(ctx, req->pyodide_index);
        if (!same_text(now, rec->pyodide_index))
            note_override("--pyodide-index", now, rec->pyodide_index);
        free(now);
    }
    else if (rec->pyodide_index && release_changed)
        pw_report(PW_REPORT_INFO, "the lock's --pyodide-index %s is for the release it was made "
                  "for; not used for the one given", rec->pyodide_index);
    else if (rec->pyodide_index && (rc = apply_location(ctx, "--pyodide-index", rec->pyodide_index,
                                                        NULL, &eff->pyodide_index, err)))
        return rc;

    if (req->pyodide_base_url)
        compare_location(ctx, "--pyodide-base-url", req->pyodide_base_url, rec->pyodide_base_url);
    else if (rec->pyodide_base_url && !release_changed &&
             (rc = apply_location(ctx, "--pyodide-base-url", rec->pyodide_base_url, NULL,
                                  &eff->pyodide_base_url, err)))
        return rc;
    apply_switch(req->given & PW_GIVEN_NO_REMOTE_ARTIFACTS, req->no_remote_artifacts,
                 rec->no_remote_artifacts, "--no-remote-artifacts", &eff->no_remote_artifacts);
    if (req->index_url)
        compare_location(ctx, "--index-url", req->index_url, rec->index_url);
    else if (rec->index_url &&
             (rc = apply_location(ctx, "--index-url", rec->index_url, index_env, &eff->index_url,
                                  err)))
        return rc;
    if (list_given(req->extra_index_urls))
        compare_list(ctx, "--extra-index-url", req->extra_index_urls, true, &rec->extra_index_urls);
    else if ((rc = apply_list(ctx, LIST_EXTRA_INDEX_URLS, "--extra-index-url",
                              &rec->extra_index_urls, true, extra_index_env,
                              &eff->extra_index_urls, err)))
        return rc;
    if (list_given(req->find_links))
        compare_list(ctx, "--find-links", req->find_links, true, &rec->find_links);
    else if ((rc = apply_list(ctx, LIST_FIND_LINKS, "--find-links", &rec->find_links, true, NULL,
                              &eff->find_links, err)))
        return rc;
    if (list_given(req->from_index))
        compare_list(ctx, "--from-index", req->from_index, false, &rec->from_index);
    else if ((rc = apply_list(ctx, LIST_FROM_INDEX, "--from-index", &rec->from_index, false, NULL,
                              &eff->from_index, err)))
        return rc;

    apply_switch(req->given & PW_GIVEN_NO_INDEX, req->no_index, rec->no_index, "--no-index",
                 &eff->no_index);
    apply_switch(req->given & PW_GIVEN_PRE, req->pre, rec->pre, "--pre", &eff->pre);
    if (!(req->given & PW_GIVEN_INDEX_STRATEGY))
        eff->best_match = rec->best_match;
    else if (req->best_match != rec->best_match)
        note_override("--index-strategy", req->best_match ? "unsafe-best-match" : "first-index",
                      rec->best_match ? "unsafe-best-match" : "first-index");

    if (req->exclude_newer) {
        char *now = format_timestamp(req->exclude_newer);
        if (!same_text(now, rec->exclude_newer))
            note_override("--exclude-newer", now, rec->exclude_newer);
        free(now);
    } else if (rec->exclude_newer) {
        pw_error parse = {0};
        if (pw_parse_timestamp(rec->exclude_newer, &eff->exclude_newer, &parse) != PW_OK) {
            rc = pw_error_set(err, PW_EINVAL, "%s: resolution: exclude_newer: %s",
                              req->lock_path ? req->lock_path : PW_LOCK_DEFAULT_NAME,
                              pw_error_message(&parse));
            pw_error_clear(&parse);
            return rc;
        }
    }
    return PW_OK;
}

void pw_resolve_recorded_free(pw_resolve_context *ctx)
{
    for (size_t i = 0; i < sizeof(ctx->effective_lists) / sizeof(ctx->effective_lists[0]); i++)
        pw_strlist_free(&ctx->effective_lists[i]);
    pw_strlist_free(&ctx->effective_strings);
}
