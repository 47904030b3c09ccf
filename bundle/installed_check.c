/* pw_bundle_check_installed: a locked wheel's own METADATA against the
 * lock (see bundle.h). */
#include "bundle.h"

#include <stdlib.h>
#include <string.h>

static bool from_an_index(const pw_lock_package *p)
{
    return strcmp(p->source, PW_SOURCE_INDEX) == 0 || strcmp(p->source, PW_SOURCE_FIND_LINKS) == 0 ||
           strcmp(p->source, PW_SOURCE_URL) == 0;
}

/* The names the wheel's METADATA requires here (itself left out, as the
 * lock leaves it out), normalized, sorted, unique. */
static void required_here(const pw_metadata *m, const pw_lock_package *p, const pw_marker_env *env,
                          pw_strlist *out)
{
    for (size_t i = 0; i < m->n_requires_dist; i++) {
        const pw_requirement *r = &m->requires_dist[i];
        bool applies = pw_requirement_applies(r, env, NULL);
        for (size_t e = 0; !applies && e < p->extras.len; e++)
            applies = pw_requirement_applies(r, env, p->extras.items[e]);
        if (applies && strcmp(r->key, p->name) != 0 && !pw_strlist_contains(out, r->key))
            pw_strlist_push(out, r->key);
    }
    pw_strlist_sort(out);
}

static int check_one(const pw_lock_package *p, const char *path, const pw_marker_env *env,
                     pw_buf *problems, pw_error *err)
{
    pw_buf text = PW_BUF_INIT;
    pw_metadata m;
    memset(&m, 0, sizeof(m));
    /* A file that is missing or not a wheel is the installer's to refuse,
     * with its own message; a METADATA that does not parse is ours, and so
     * is a library (zlib, libzip) that cannot be loaded to read it: the
     * check must not pass by not running. */
    pw_error unreadable = {0};
    int read = pw_wheel_read_metadata(path, p->file_name, &text, &unreadable);
    if (read == PW_EUNSUPPORTED) {
        pw_buf_free(&text);
        pw_error_set(err, read, "%s", pw_error_message(&unreadable));
        pw_error_clear(&unreadable);
        return read;
    }
    if (read != PW_OK) {
        pw_error_clear(&unreadable);
        pw_buf_free(&text);
        return PW_OK;
    }
    int rc = pw_metadata_parse(p->file_name, text.data, text.len, &m, err);
    pw_buf_free(&text);
    if (rc)
        return rc;
    pw_error identity = {0};
    if (pw_metadata_check_identity(&m, p->file_name, p->name, p->version, &identity) != PW_OK)
        pw_buf_printf(problems, "\n%s", pw_error_message(&identity));
    pw_error_clear(&identity);
    pw_strlist wheel = PW_STRLIST_INIT, locked = PW_STRLIST_INIT;
    required_here(&m, p, env, &wheel);
    for (size_t i = 0; i < p->dependencies.len; i++)
        if (!pw_strlist_contains(&locked, p->dependencies.items[i]))
            pw_strlist_push(&locked, p->dependencies.items[i]);
    for (size_t i = 0; i < wheel.len; i++)
        if (!pw_strlist_contains(&locked, wheel.items[i]))
            pw_buf_printf(problems,
                          "\n%s: its METADATA requires %s, which the lock does not give it",
                          p->file_name, wheel.items[i]);
    for (size_t i = 0; i < locked.len; i++)
        if (!pw_strlist_contains(&wheel, locked.items[i]))
            pw_buf_printf(problems,
                          "\n%s: the lock says it requires %s; its METADATA does not",
                          p->file_name, locked.items[i]);
    pw_strlist_free(&wheel);
    pw_strlist_free(&locked);
    pw_metadata_free(&m);
    return PW_OK;
}

int pw_bundle_check_installed(const pw_lock *lock, const char *const *artifact_paths,
                                pw_error *err)
{
    char *emscripten = pw_emscripten_version(lock->release.platform);
    pw_marker_env env;
    pw_marker_env_pyodide(&env, lock->release.python, emscripten, lock->release.arch);
    free(emscripten);
    pw_buf problems = PW_BUF_INIT;
    int rc = PW_OK;
    for (size_t i = 0; i < lock->n_packages && rc == PW_OK; i++) {
        const pw_lock_package *p = &lock->packages[i];
        if (!from_an_index(p) || !artifact_paths[i] ||
            !pw_slice_ends_with(pw_slice_from(p->file_name), ".whl"))
            continue;
        rc = check_one(p, artifact_paths[i], &env, &problems, err);
    }
    if (rc == PW_OK && problems.len)
        rc = pw_error_set(err, PW_ECHECK,
                          "installed is not what was locked (the index's metadata differs from "
                          "its wheels; refusing, as uv does):%s",
                          problems.data);
    pw_buf_free(&problems);
    pw_marker_env_free(&env);
    return rc;
}
