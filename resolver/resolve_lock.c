/*
 * `pwpkg lock`: inputs -> release -> release index -> resolution -> pw_lock.
 */
#include "resolver.h"
#include "resolve_context.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------- release choice */

static int choose_release(const pw_resolve_request *req, const char *project_dir,
                          pw_resolve_context *ctx, pw_error *err)
{
    if (req->pyodide_version) {
        ctx->release = pw_release_lookup(req->pyodide_version);
        ctx->release_version = pw_xstrdup(req->pyodide_version);
        ctx->selected_by = pw_xstrdup("--pyodide");
        /* A release the table lacks (published after it was written) is
         * described by its own pyodide-lock.json: release_index.c finds it
         * (--pyodide-index, an installed runtime, a cached CDN copy) and takes the
         * Python, ABI and platform from its info. */
        return PW_OK;
    }
    pw_release_selection sel;
    int rc = pw_release_select(project_dir, req->wrangler_env, req->compat_date,
                               req->compat_flags, &sel, err);
    if (rc)
        return rc;
    ctx->release = sel.choice.release;
    ctx->release_version = pw_xstrdup(ctx->release->version);
    pw_buf by = PW_BUF_INIT;
    if (sel.config_path && !req->compat_date)
        pw_buf_printf(&by, "%s (compatibility_date %s, %s)", pw_path_basename(sel.config_path),
                      sel.date, sel.choice.flag->name);
    else
        pw_buf_printf(&by, "--compat-date %s (%s)", sel.date, sel.choice.flag->name);
    if (sel.env)
        pw_buf_printf(&by, " --env %s", sel.env);
    ctx->selected_by = pw_buf_detach(&by);
    pw_release_selection_free(&sel);
    return PW_OK;
}

/* ----------------------------------------------------------------- digest */

static void append_option_line(pw_strlist *lines, const char *option, const char *value)
{
    pw_buf line = PW_BUF_INIT;
    char *bare = value ? pw_url_strip_credentials(value) : NULL;
    pw_buf_printf(&line, "option %s%s%s", option, bare ? " " : "", bare ? bare : "");
    pw_strlist_push_owned(lines, pw_buf_detach(&line));
    free(bare);
}

/* The normalized inputs: anything that changes the resolution, and nothing
 * that does not (comments, order of lines, spelling of names). */
static void compute_inputs_digest(const pw_resolve_context *ctx, pw_lock *lock)
{
    pw_strlist lines = PW_STRLIST_INIT;
    const pw_reqfile *rf = &ctx->reqfile;
    pw_buf line = PW_BUF_INIT;
    for (size_t i = 0; i < rf->n_requirements; i++) {
        pw_buf_reset(&line);
        pw_buf_puts(&line, "requirement ");
        pw_requirement_format(&rf->requirements[i].req, &line);
        for (size_t h = 0; h < rf->requirements[i].hashes.len; h++)
            pw_buf_printf(&line, " --hash=%s", rf->requirements[i].hashes.items[h]);
        pw_strlist_push(&lines, pw_buf_cstr(&line));
    }
    for (size_t i = 0; i < rf->n_constraints; i++) {
        pw_buf_reset(&line);
        pw_buf_puts(&line, "constraint ");
        pw_requirement_format(&rf->constraints[i].req, &line);
        pw_strlist_push(&lines, pw_buf_cstr(&line));
    }
    pw_strlist_sort(&lines);
    /* Options inside the requirements files change the result as much as
     * the command line's (which the lock records in "resolution"). */
    if (rf->index_url)
        append_option_line(&lines, "index-url", rf->index_url);
    for (size_t i = 0; i < rf->extra_index_urls.len; i++)
        append_option_line(&lines, "extra-index-url", rf->extra_index_urls.items[i]);
    for (size_t i = 0; i < rf->find_links.len; i++)
        append_option_line(&lines, "find-links", rf->find_links.items[i]);
    for (size_t i = 0; i < rf->only_binary.len; i++)
        append_option_line(&lines, "only-binary", rf->only_binary.items[i]);
    for (size_t i = 0; i < rf->no_binary.len; i++)
        append_option_line(&lines, "no-binary", rf->no_binary.items[i]);
    if (rf->no_index)
        append_option_line(&lines, "no-index", NULL);
    if (rf->prefer_binary)
        append_option_line(&lines, "prefer-binary", NULL);

    pw_sha256 h;
    pw_sha256_init(&h);
    pw_buf head = PW_BUF_INIT;
    pw_buf_printf(&head, "pwpkg-inputs %d\nrelease %s\nindex-release %s\npre %d\n",
                  PW_LOCK_SCHEMA_VERSION, ctx->release_version,
                  ctx->release ? ctx->release->index_version : "-", rf->pre ? 1 : 0);
    pw_sha256_update(&h, head.data, head.len);
    for (size_t i = 0; i < lines.len; i++) {
        pw_sha256_update(&h, lines.items[i], strlen(lines.items[i]));
        pw_sha256_update(&h, "\n", 1);
    }
    char hex[PW_SHA256_HEX_LEN + 1];
    pw_sha256_final_hex(&h, hex);
    pw_buf digest = PW_BUF_INIT;
    pw_buf_printf(&digest, "sha256:%s", hex);
    lock->inputs_digest = pw_buf_detach(&digest);
    pw_buf_free(&head);
    pw_buf_free(&line);
    pw_strlist_free(&lines);
}

/* ------------------------------------------------------------------ paths */

char *pw_resolve_relative_path(const char *base_dir, const char *path)
{
    char base_real[PATH_MAX], path_real[PATH_MAX];
    if (!realpath(base_dir, base_real) || !realpath(path, path_real))
        return pw_xstrdup(path);
    size_t n = strlen(base_real);
    if (strcmp(base_real, "/") == 0)
        return pw_xstrdup(path_real[1] ? path_real + 1 : ".");
    if (strncmp(path_real, base_real, n) == 0 && path_real[n] == '/')
        return pw_xstrdup(path_real + n + 1);
    /* Outside the project: climb with "../" from the lock's directory. */
    pw_buf rel = PW_BUF_INIT;
    size_t common = 0;
    for (size_t i = 0; base_real[i] && base_real[i] == path_real[i]; i++)
        if (base_real[i] == '/')
            common = i;
    for (const char *p = base_real + common; *p; p++)
        if (*p == '/')
            pw_buf_puts(&rel, "../");
    pw_buf_puts(&rel, path_real + common + 1);
    return pw_buf_detach(&rel);
}

/* -------------------------------------------------------------- provenance */

/* Serialized text of `lock` as if it had the provenance of `like`. */
static void serialize_with_provenance(const pw_lock *lock, const pw_lock *like, pw_buf *out)
{
    pw_lock copy = *lock;
    copy.provenance = like->provenance;
    pw_lock_serialize(&copy, out);
}

/*
 * The project's commit and dirtiness, from libgit2. A lock records them
 * when its content changes; when only HEAD moved (committing the lock moves
 * it), the previous provenance is kept, or every commit would make the lock
 * stale.
 */
static void record_provenance(const pw_resolve_context *ctx, pw_lock *out)
{
    char commit[PW_GIT_SHA_HEX_LEN + 1];
    bool dirty = false;
    pw_error ignored = {0};
    if (pw_git_head_state(ctx->lock_dir, commit, &dirty, &ignored) == PW_OK) {
        out->provenance.commit = pw_xstrdup(commit);
        out->provenance.dirty = dirty;
    }
    pw_error_clear(&ignored);
    if (!ctx->has_previous)
        return;
    pw_buf a = PW_BUF_INIT, b = PW_BUF_INIT;
    serialize_with_provenance(out, &ctx->previous, &a);
    pw_lock_serialize(&ctx->previous, &b);
    if (a.len == b.len && memcmp(a.data, b.data, a.len) == 0) {
        free(out->provenance.commit);
        out->provenance.commit =
            ctx->previous.provenance.commit ? pw_xstrdup(ctx->previous.provenance.commit) : NULL;
        out->provenance.dirty = ctx->previous.provenance.dirty;
    }
    pw_buf_free(&a);
    pw_buf_free(&b);
}

/* -------------------------------------------------------------- top level */

static void context_free(pw_resolve_context *ctx)
{
    pw_reqfile_free(&ctx->reqfile);
    pw_pyodide_index_free(&ctx->index);
    pw_marker_env_free(&ctx->env);
    free(ctx->release_version);
    free(ctx->selected_by);
    free(ctx->index_url);
    pw_artifact_locations_free(&ctx->artifacts);
    free(ctx->lock_dir);
    free(ctx->requirements_display);
    if (ctx->has_previous)
        pw_lock_free(&ctx->previous);
    pw_resolve_recorded_free(ctx);
}

/* The input without -r or --project: requirements.txt beside the lock,
 * else pyproject.toml there; NULL when neither exists. */
static char *default_input_path(const char *lock_dir)
{
    bool here = strcmp(lock_dir, ".") == 0;
    static const char *const names[] = {"requirements.txt", "pyproject.toml"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char *path = here ? pw_xstrdup(names[i]) : pw_path_join(lock_dir, names[i]);
        if (pw_file_exists(path))
            return path;
        free(path);
    }
    return NULL;
}

static bool is_pyproject(const char *path)
{
    return pw_slice_ends_with(pw_slice_from(path), "pyproject.toml");
}

char *pw_resolver_input_path(const pw_resolve_request *given)
{
    const char *lock_path = given->lock_path ? given->lock_path : PW_LOCK_DEFAULT_NAME;
    if (given->requirements_path)
        return pw_xstrdup(given->requirements_path);
    if (given->project_path)
        return pw_xstrdup(given->project_path);
    char *lock_dir = pw_path_dirname(lock_path);
    char *path = NULL;
    pw_lock previous;
    pw_error ignored = {0};
    /* The input the lock recorded, as pw_resolver_lock reuses it. */
    if (given->reuse_recorded && pw_lock_load(lock_path, &previous, &ignored) == PW_OK) {
        const char *rec = previous.options.recorded ? previous.options.requirements
                                                    : NULL;
        if (!rec && previous.options.recorded)
            rec = previous.options.project;
        if (rec && !pw_is_url(rec))
            path = rec[0] == '/' || strcmp(lock_dir, ".") == 0 ? pw_xstrdup(rec)
                                                                : pw_path_join(lock_dir, rec);
        pw_lock_free(&previous);
    }
    pw_error_clear(&ignored);
    if (!path)
        path = default_input_path(lock_dir);
    if (!path)
        path = strcmp(lock_dir, ".") == 0 ? pw_xstrdup("requirements.txt")
                                          : pw_path_join(lock_dir, "requirements.txt");
    free(lock_dir);
    return path;
}

int pw_resolver_lock(const pw_resolve_request *given, pw_lock *out, pw_error *err)
{
    pw_resolve_context ctx;
    memset(&ctx, 0, sizeof(ctx));
    pw_lock_init(out);
    ctx.request = given;
    const char *lock_path = given->lock_path ? given->lock_path : PW_LOCK_DEFAULT_NAME;
    ctx.lock_dir = pw_path_dirname(lock_path);
    char *default_input = NULL;
    /* An existing lock's pins are kept unless --upgrade says otherwise, and
     * its recorded options fill in those not given; one that cannot be read
     * is simply not used. */
    pw_error ignored = {0};
    ctx.has_previous = pw_lock_load(lock_path, &ctx.previous, &ignored) == PW_OK;
    pw_error_clear(&ignored);
    int rc = pw_resolve_apply_recorded(&ctx, err);
    if (rc)
        goto done;
    const pw_resolve_request *req = ctx.request;

    const char *requirements = req->requirements_path;
    const char *project = req->project_path;
    if (!requirements && !project) {
        default_input = default_input_path(ctx.lock_dir);
        if (!default_input) {
            rc = pw_error_set(err, PW_EINVAL,
                              "no requirements.txt or pyproject.toml in %s; pass -r FILE or "
                              "--project FILE",
                              ctx.lock_dir);
            goto done;
        }
        if (is_pyproject(default_input))
            project = default_input;
        else
            requirements = default_input;
    }
    if (requirements && is_pyproject(requirements)) {
        project = requirements;
        requirements = NULL;
    }
    const char *input = project ? project : requirements;
    ctx.requirements_display = pw_xstrdup(input);
    if (project) {
        rc = pw_pyproject_read(project, req->extras, req->groups, &ctx.reqfile, err);
    } else {
        if ((req->extras && req->extras->len) || (req->groups && req->groups->len)) {
            rc = pw_error_set(err, PW_EINVAL, "--extra and --group apply to pyproject.toml input, "
                              "not to %s", requirements);
            goto done;
        }
        rc = pw_reqfile_parse(requirements, NULL, &ctx.reqfile, err);
    }
    if (rc)
        goto done;
    if ((rc = pw_reqfile_check_hashes(&ctx.reqfile, err)))
        goto done;

    char *project_dir = pw_path_dirname(input);
    rc = choose_release(req, project_dir, &ctx, err);
    free(project_dir);
    if (rc)
        goto done;
    if ((rc = pw_resolve_load_release_index(&ctx, err)))
        goto done;
    if ((rc = pw_resolve_requirements(&ctx, out, err)))
        goto done;
    pw_resolve_record_options(&ctx, &out->options);

    compute_inputs_digest(&ctx, out);
    for (size_t i = 0; i < ctx.reqfile.files.len; i++)
        pw_strlist_push_owned(&out->inputs,
                              pw_resolve_relative_path(ctx.lock_dir, ctx.reqfile.files.items[i]));
    pw_lock_sort(out);
    record_provenance(&ctx, out);
done:
    free(default_input);
    context_free(&ctx);
    if (rc)
        pw_lock_free(out);
    return rc;
}

int pw_resolver_compare(const char *lock_path, const pw_lock *fresh, pw_lock_diff *diff,
                        pw_error *err)
{
    memset(diff, 0, sizeof(*diff));
    pw_buf existing_text = PW_BUF_INIT, fresh_text = PW_BUF_INIT;
    int rc = pw_read_file(lock_path, &existing_text, err);
    if (rc == PW_ENOTFOUND)
        rc = pw_error_set(err, PW_ECHECK, "%s does not exist: run `pwpkg lock`", lock_path);
    if (rc)
        goto done;
    pw_lock existing;
    if (pw_lock_parse(lock_path, existing_text.data, existing_text.len, &existing, err)) {
        pw_error_wrap(err, "the existing lock cannot be read; run `pwpkg lock` to rewrite it");
        err->code = PW_ECHECK;
        rc = PW_ECHECK;
        goto done;
    }
    /* Provenance says where the lock was made, not what it pins. */
    serialize_with_provenance(fresh, &existing, &fresh_text);
    if (existing_text.len == fresh_text.len &&
        memcmp(existing_text.data, fresh_text.data, fresh_text.len) == 0) {
        pw_lock_free(&existing);
        goto done;
    }
    pw_lock_diff_compute(&existing, fresh, pw_version_cmp_text, diff);
    pw_lock_free(&existing);
    pw_buf text = PW_BUF_INIT;
    pw_lock_diff_format_text(diff, &text);
    rc = pw_error_set(err, PW_ECHECK, "%s is stale; `pwpkg lock` would change:\n%s", lock_path,
                      text.len ? text.data : "  formatting only (the lock was edited by hand)\n");
    pw_buf_free(&text);
done:
    pw_buf_free(&existing_text);
    pw_buf_free(&fresh_text);
    return rc;
}
