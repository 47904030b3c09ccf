/*
 * Finding and reading the release's package index, pyodide-lock.json.
 *
 * Where it comes from, in order:
 *   --pyodide-index URL        fetched (and cached) through fetch/;
 *   --pyodide-index PATH       a file, or a directory holding one;
 *   nothing                    the runtime installed by `pwpkg runtime
 *                              install` (same bytes as the CDN's), else the
 *                              official CDN.
 * Each artifact is then taken from beside the index when it is there, else
 * from the release's CDN folder or --pyodide-base-url (artifact_location.c):
 * a self-hosted distribution vendors only what its app uses, and the npm
 * package ships the index without any wheel.
 */
#include "fetch.h"
#include "resolve_context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_remote_url(const char *s)
{
    return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

static char *cdn_base(const char *version)
{
    pw_buf b = PW_BUF_INIT;
    pw_buf_printf(&b, PW_PYODIDE_CDN, version);
    return pw_buf_detach(&b);
}

static const char *index_release_version(const pw_resolve_context *ctx)
{
    return ctx->release ? ctx->release->index_version : ctx->release_version;
}

static int fetch_index_mode(pw_resolve_context *ctx, const char *url, bool offline, pw_buf *text,
                            pw_error *err)
{
    pw_transfer_options transfer = ctx->request->transfer;
    transfer.offline = offline;
    pw_fetch_session *session = NULL;
    int rc = pw_fetch_session_open(&transfer, &session, err);
    if (rc)
        return rc;
    pw_fetch_request page;
    memset(&page, 0, sizeof(page));
    rc = pw_fetch_page(session, url, "application/json", &page, err);
    if (rc == PW_OK)
        pw_buf_append(text, page.body.data, page.body.len);
    pw_fetch_request_free(&page);
    pw_fetch_session_free(session);
    return rc;
}

static int fetch_index(pw_resolve_context *ctx, const char *url, pw_buf *text, pw_error *err)
{
    return fetch_index_mode(ctx, url, ctx->request->transfer.offline, text, err);
}

/* The runtime cache of `pwpkg runtime install`: <cache>/runtimes/<v>/. */
static char *installed_runtime_index(const pw_resolve_context *ctx, const char *version)
{
    char *cache = ctx->request->transfer.cache_dir ? pw_xstrdup(ctx->request->transfer.cache_dir)
                                          : pw_fetch_default_cache_dir();
    if (!cache)
        return NULL;
    pw_buf path = PW_BUF_INIT;
    pw_buf_printf(&path, "%s/runtimes/%s/pyodide-lock.json", cache, version);
    free(cache);
    if (pw_file_exists(path.data))
        return pw_buf_detach(&path);
    pw_buf_free(&path);
    return NULL;
}

static int read_local_index(pw_resolve_context *ctx, const char *location, pw_buf *text,
                            char **file_out, pw_error *err)
{
    const char *path = location;
    if (strncmp(path, "file://", 7) == 0)
        path += 7;
    char *file = pw_is_dir(path) ? pw_path_join(path, "pyodide-lock.json") : pw_xstrdup(path);
    int rc = pw_read_file(file, text, err);
    if (rc) {
        pw_error_wrap(err, "--pyodide-index");
        free(file);
        return rc;
    }
    *file_out = file;
    return PW_OK;
}

static bool same_minor(const char *a, const char *b)
{
    unsigned am = 0, an = 0, bm = 0, bn = 0;
    return a && b && sscanf(a, "%u.%u", &am, &an) == 2 && sscanf(b, "%u.%u", &bm, &bn) == 2 &&
           am == bm && an == bn;
}

/* A release the table lacks: its index is the only description, so it is
 * checked against the runtime of that version when one is installed (the
 * npm package's own pyodide-lock.json) rather than trusted blindly. */
static int check_unknown_release(const pw_resolve_context *ctx, const char *origin, pw_error *err)
{
    const pw_pyodide_index *idx = &ctx->index;
    if (!idx->python || !*idx->python)
        return pw_error_set(err, PW_EINVAL, "%s: info.python is missing; Pyodide %s is not in "
                            "pwpkg's release table, so the index must say its Python",
                            origin, ctx->release_version);
    char *installed = installed_runtime_index(ctx, ctx->release_version);
    if (!installed || strcmp(installed, origin) == 0) {
        free(installed);
        return PW_OK;
    }
    pw_buf text = PW_BUF_INIT;
    pw_pyodide_index rt;
    pw_error ignored = {0};
    int rc = PW_OK;
    if (pw_read_file(installed, &text, &ignored) == PW_OK &&
        pw_pyodide_index_parse(installed, text.data, text.len, &rt, &ignored) == PW_OK) {
        bool abi_same = (rt.abi_version == NULL) == (idx->abi_version == NULL) &&
                        (!rt.abi_version || strcmp(rt.abi_version, idx->abi_version) == 0);
        if (!same_minor(rt.python, idx->python) || !abi_same)
            rc = pw_error_set(err, PW_EINVAL,
                              "%s is for Python %s (ABI %s), but the installed runtime of Pyodide "
                              "%s (%s) runs Python %s (ABI %s)",
                              origin, idx->python, idx->abi_version ? idx->abi_version : "none",
                              ctx->release_version, installed, rt.python,
                              rt.abi_version ? rt.abi_version : "none");
        pw_pyodide_index_free(&rt);
    }
    pw_error_clear(&ignored);
    pw_buf_free(&text);
    free(installed);
    return rc;
}

static int check_release_matches(const pw_resolve_context *ctx, const char *origin, pw_error *err)
{
    const pw_pyodide_index *idx = &ctx->index;
    if (!ctx->release)
        return ctx->release_version ? check_unknown_release(ctx, origin, err) : PW_OK;
    /* The stand-in index of another patch release is fine (0.27.7 for
     * 0.26.0a2); another Python minor or ABI is not. */
    const char *want = ctx->release->python;
    const char *have = idx->python;
    const char *want_dot = strchr(want, '.');
    const char *have_dot = have ? strchr(have, '.') : NULL;
    size_t want_minor = want_dot ? strcspn(want_dot + 1, ".") + (size_t)(want_dot + 1 - want) : strlen(want);
    size_t have_minor = have_dot ? strcspn(have_dot + 1, ".") + (size_t)(have_dot + 1 - have) : 0;
    if (!have || want_minor != have_minor || strncmp(want, have, want_minor) != 0)
        return pw_error_set(err, PW_EINVAL,
                            "%s is for Python %s, but Pyodide %s runs Python %s; pass the "
                            "pyodide-lock.json of release %s",
                            origin, have ? have : "(unknown)", ctx->release_version, want,
                            ctx->release->index_version);
    const char *abi = ctx->release->abi_version;
    if ((abi == NULL) != (idx->abi_version == NULL) ||
        (abi && strcmp(abi, idx->abi_version) != 0))
        return pw_error_set(err, PW_EINVAL, "%s has ABI %s, but Pyodide %s needs ABI %s", origin,
                            idx->abi_version ? idx->abi_version : "(none)", ctx->release_version,
                            abi ? abi : "(none)");
    return PW_OK;
}

int pw_resolve_load_release_index(pw_resolve_context *ctx, pw_error *err)
{
    const char *location = ctx->request->pyodide_index;
    const char *version = index_release_version(ctx);
    pw_buf text = PW_BUF_INIT;
    char *origin = NULL;
    char *local_dir = NULL;
    int rc = PW_OK;

    if (location && is_remote_url(location)) {
        bool is_file = pw_slice_ends_with(pw_slice_from(location), ".json");
        pw_buf url = PW_BUF_INIT;
        pw_buf_puts(&url, location);
        if (!is_file) {
            if (url.len && url.data[url.len - 1] != '/')
                pw_buf_putc(&url, '/');
            pw_buf_puts(&url, "pyodide-lock.json");
        }
        origin = pw_redact_url(url.data);
        ctx->index_url = pw_xstrdup(origin);
        /* Neighbours are asked with the URL as given: its credentials too. */
        const char *slash = strrchr(url.data, '/');
        ctx->artifacts.local_url = pw_xstrndup(url.data, (size_t)(slash - url.data) + 1);
        const char *rslash = strrchr(origin, '/');
        ctx->artifacts.local_base = pw_xstrndup(origin, (size_t)(rslash - origin) + 1);
        ctx->artifacts.local_display = pw_xstrdup(ctx->artifacts.local_base);
        rc = fetch_index(ctx, url.data, &text, err);
        pw_buf_free(&url);
    } else if (location) {
        char *file = NULL;
        rc = read_local_index(ctx, location, &text, &file, err);
        if (rc == PW_OK) {
            origin = file;
            local_dir = pw_path_dirname(file);
            ctx->index_url = pw_resolve_relative_path(ctx->lock_dir, file);
        }
    } else {
        if (!version) {
            rc = pw_error_set(err, PW_EINVAL, "no Pyodide release chosen");
            goto done;
        }
        char *base = cdn_base(version);
        pw_buf url = PW_BUF_INIT;
        pw_buf_printf(&url, "%spyodide-lock.json", base);
        ctx->index_url = pw_xstrdup(url.data);
        free(base);
        char *installed = installed_runtime_index(ctx, version);
        if (installed) {
            origin = installed;
            rc = pw_read_file(installed, &text, err);
        } else {
            origin = pw_xstrdup(url.data);
            /* A version the table lacks may be a typo: only an index already
             * at hand (a cached CDN page) is used without being asked for. */
            rc = fetch_index_mode(ctx, url.data, ctx->release ? ctx->request->transfer.offline : true,
                                  &text, err);
            if (rc && !ctx->release)
                rc = pw_error_set(err, PW_EINVAL,
                                  "unknown Pyodide release '%s': it is not in pwpkg's release "
                                  "table and its pyodide-lock.json is not at hand; run `pwpkg "
                                  "runtime install %s` (npm), or pass --pyodide-index with its "
                                  "pyodide-lock.json (a file, or %s)",
                                  version, version, url.data);
            else if (rc)
                pw_error_wrap(err, "the package index of Pyodide %s (pass --pyodide-index with a "
                              "local pyodide-lock.json, or run `pwpkg runtime install %s`)",
                              version, version);
        }
        pw_buf_free(&url);
    }
    if (rc)
        goto done;

    rc = pw_pyodide_index_parse(origin, pw_buf_cstr(&text), text.len, &ctx->index, err);
    if (rc)
        goto done;
    if ((rc = check_release_matches(ctx, origin, err)))
        goto done;
    if (!ctx->release_version || !*ctx->release_version) {
        free(ctx->release_version);
        ctx->release_version = pw_xstrdup(ctx->index.version ? ctx->index.version : "unknown");
    }
    pw_artifact_locations *loc = &ctx->artifacts;
    if (local_dir) {
        char *rel = pw_resolve_relative_path(ctx->lock_dir, local_dir);
        pw_buf base = PW_BUF_INIT;
        pw_buf_puts(&base, rel);
        if (base.len && base.data[base.len - 1] != '/')
            pw_buf_putc(&base, '/');
        loc->local_base = pw_buf_detach(&base);
        loc->local_display = rel;
        loc->local_dir = pw_xstrdup(local_dir);
    }
    const char *base_url = ctx->request->pyodide_base_url;
    if (base_url) {
        pw_buf b = PW_BUF_INIT;
        pw_buf_puts(&b, base_url);
        if (b.len && b.data[b.len - 1] != '/')
            pw_buf_putc(&b, '/');
        /* The lock records these URLs: never with credentials (netrc or
         * the session supplies them when the artifact is fetched). */
        loc->remote_base = pw_redact_url(b.data);
        loc->remote_display = pw_xstrdup(loc->remote_base);
        pw_buf_free(&b);
    } else {
        loc->remote_base = cdn_base(version ? version : ctx->release_version);
        loc->remote_display = pw_xstrdup("the CDN");
    }
    /* An index read from the CDN itself has nothing "beside" it to prefer. */
    if (loc->local_base && strcmp(loc->local_base, loc->remote_base) == 0) {
        free(loc->local_base);
        free(loc->local_url);
        free(loc->local_display);
        loc->local_base = loc->local_url = loc->local_display = NULL;
    }
    pw_marker_env_pyodide(&ctx->env, ctx->release ? ctx->release->python : ctx->index.python,
                          ctx->index.emscripten, ctx->index.arch ? ctx->index.arch : "wasm32");
done:
    free(origin);
    free(local_dir);
    pw_buf_free(&text);
    return rc;
}
