/* pwpkg report: the lock, the bundle, and the profile and trace when
 * given, read and checked, then one self-contained HTML page written. */
#include "pipeline_private.h"

#include <string.h>

int pw_pipeline_report(const pw_pipeline_report_job *job, pw_error *err)
{
    const char *lock_path = job->lock_path, *bundle = job->bundle, *output = job->output;
    const char *profile_path = job->profile_path, *trace_path = job->trace_path;
    pw_lock lock;
    pw_profile profile = {0};
    pw_report_trace trace = {0};
    bool have_lock = false, have_profile = false, have_trace = false;
    pw_buf text = PW_BUF_INIT;
    int rc = pw_lock_load(lock_path, &lock, err);
    have_lock = rc == PW_OK;
    if (rc == PW_OK && !pw_is_dir(bundle))
        rc = pw_error_set(err, PW_EINVAL, "%s: no such bundle directory; run `pwpkg bundle` first",
                          bundle);
    if (rc == PW_OK && profile_path) {
        rc = pw_read_file(profile_path, &text, err);
        if (rc == PW_EIO && !pw_file_exists(profile_path))
            rc = pw_error_set(err, PW_EINVAL, "%s: no such profile file", profile_path);
        if (rc == PW_OK)
            rc = pw_profile_parse(profile_path, text.data, text.len, &profile, err);
        have_profile = rc == PW_OK;
    }
    if (rc == PW_OK && trace_path) {
        pw_trace read;
        rc = pw_file_exists(trace_path) ? pw_trace_load(trace_path, &read, err)
                                        : pw_error_set(err, PW_EINVAL, "%s: no such trace file",
                                                       trace_path);
        if (rc == PW_OK) {
            pw_report_trace_from(&read, &trace);
            pw_trace_free(&read);
        }
        have_trace = rc == PW_OK;
    }
    if (rc == PW_OK) {
        pw_report_input in = {&lock, lock_path, bundle, have_profile ? &profile : NULL,
                              have_trace ? &trace : NULL};
        rc = pw_report_html_write(&in, output, err);
    }
    pw_buf_free(&text);
    if (have_profile)
        pw_profile_free(&profile);
    if (have_trace)
        pw_report_trace_free(&trace);
    if (have_lock)
        pw_lock_free(&lock);
    return rc;
}
