/* pwpkg add / remove: the input edited (requirements file or pyproject),
 * then locked; when the lock fails, the input is put back as it was. */
#include "pipeline_private.h"
#include "resolver.h"

#include <stdlib.h>
#include <string.h>

static bool is_pyproject(const char *path)
{
    return pw_slice_ends_with(pw_slice_from(path), ".toml");
}

static int edit_text(const pw_pipeline_edit_job *job, const char *path, const pw_buf *original,
                     pw_buf *out, pw_error *err)
{
    pw_input_edit_target target = {PW_EDIT_DEPENDENCIES, NULL};
    if (job->optional)
        target = (pw_input_edit_target){PW_EDIT_OPTIONAL, job->optional};
    else if (job->group)
        target = (pw_input_edit_target){PW_EDIT_GROUP, job->group};
    pw_buf current = PW_BUF_INIT;
    pw_buf_append(&current, original->data ? original->data : "", original->len);
    int rc = PW_OK;
    for (size_t i = 0; i < job->specs->len && rc == PW_OK; i++) {
        pw_buf next = PW_BUF_INIT;
        rc = is_pyproject(path)
                 ? pw_pyproject_edit(path, pw_buf_cstr(&current), current.len, &target,
                                     job->specs->items[i], job->remove, &next, err)
                 : pw_requirements_edit(path, pw_buf_cstr(&current), current.len,
                                        job->specs->items[i], job->remove, &next, err);
        pw_buf_free(&current);
        current = next;
    }
    if (rc == PW_OK)
        *out = current;
    else
        pw_buf_free(&current);
    return rc;
}

int pw_pipeline_edit(const pw_pipeline_edit_job *job, pw_pipeline_edit_outcome *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    out->input = pw_resolver_input_path(job->request);
    if ((job->optional || job->group) && !is_pyproject(out->input))
        return pw_error_set(err, PW_EINVAL,
                            "--group and --optional edit pyproject.toml, but the input is %s",
                            out->input);
    pw_buf original = PW_BUF_INIT, edited = PW_BUF_INIT;
    int rc = pw_read_file(out->input, &original, err);
    if (rc == PW_OK)
        rc = edit_text(job, out->input, &original, &edited, err);
    if (rc == PW_OK)
        rc = pw_write_file_atomic(out->input, edited.data, edited.len, err);
    if (rc == PW_OK && (rc = pw_pipeline_lock(job->request, PW_PIPELINE_LOCK_WRITE, &out->lock,
                                              err)) != PW_OK) {
        /* The resolution (or the lock's write) failed: the input as it was. */
        pw_error restore = {0};
        if (pw_write_file_atomic(out->input, original.data ? original.data : "", original.len,
                                 &restore) != PW_OK)
            pw_report(PW_REPORT_WARN, "could not restore %s: %s", out->input,
                      pw_error_message(&restore));
        pw_error_clear(&restore);
        pw_error_wrap(err, "%s left unchanged", out->input);
    }
    pw_buf_free(&original);
    pw_buf_free(&edited);
    return rc;
}

void pw_pipeline_edit_outcome_free(pw_pipeline_edit_outcome *out)
{
    pw_pipeline_lock_outcome_free(&out->lock);
    free(out->input);
    memset(out, 0, sizeof(*out));
}
