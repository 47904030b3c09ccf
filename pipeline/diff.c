/* pwpkg diff: the lock at two revisions (git, or the working tree) and
 * what changed between them. */
#include "pipeline_private.h"

#include <stdlib.h>
#include <string.h>

/* The lock at `rev` (NULL for the working tree). */
static int load_lock_at(const char *lock_path, const char *rev, pw_lock *out, pw_error *err)
{
    if (!rev)
        return pw_lock_load(lock_path, out, err);
    char *dir = pw_path_dirname(lock_path);
    pw_buf text = PW_BUF_INIT;
    int rc = pw_git_read_file_at(dir, rev, pw_path_basename(lock_path), &text, err);
    if (rc == PW_OK) {
        pw_buf origin = PW_BUF_INIT;
        pw_buf_printf(&origin, "%s:%s", rev, lock_path);
        rc = pw_lock_parse(origin.data, pw_buf_cstr(&text), text.len, out, err);
        pw_buf_free(&origin);
    } else if (rc == PW_ENOTFOUND) {
        pw_error_wrap(err, "%s at %s", lock_path, rev);
        err->code = PW_EINVAL;
        rc = PW_EINVAL;
    }
    pw_buf_free(&text);
    free(dir);
    return rc;
}

static void requirement_changes(const pw_lock *a, const pw_lock *b, pw_strlist *added,
                                pw_strlist *removed)
{
    for (size_t i = 0; i < b->requirements.len; i++)
        if (!pw_strlist_contains(&a->requirements, b->requirements.items[i]))
            pw_strlist_push(added, b->requirements.items[i]);
    for (size_t i = 0; i < a->requirements.len; i++)
        if (!pw_strlist_contains(&b->requirements, a->requirements.items[i]))
            pw_strlist_push(removed, a->requirements.items[i]);
}

int pw_pipeline_diff(const char *lock_path, const char *from, const char *to,
                     pw_pipeline_diff_outcome *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    int rc = load_lock_at(lock_path, from, &out->from, err);
    if (rc)
        return rc;
    if ((rc = load_lock_at(lock_path, to, &out->to, err))) {
        pw_lock_free(&out->from);
        return rc;
    }
    out->loaded = true;
    pw_lock_diff_compute(&out->from, &out->to, pw_version_cmp_text, &out->diff);
    requirement_changes(&out->from, &out->to, &out->requirements_added,
                        &out->requirements_removed);
    out->changed = !pw_lock_diff_empty(&out->diff) || out->requirements_added.len ||
                   out->requirements_removed.len;
    return PW_OK;
}

void pw_pipeline_diff_outcome_free(pw_pipeline_diff_outcome *out)
{
    if (out->loaded) {
        pw_lock_diff_free(&out->diff);
        pw_lock_free(&out->from);
        pw_lock_free(&out->to);
    }
    pw_strlist_free(&out->requirements_added);
    pw_strlist_free(&out->requirements_removed);
    memset(out, 0, sizeof(*out));
}
