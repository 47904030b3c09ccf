/* check --trace: the trace file of one run (docs/check.md). */
#include "pipeline_private.h"

#include <stdlib.h>
#include <string.h>

int pw_pipeline_write_trace(const char *path, const char *lock_path, const pw_lock *lock,
                            const char *entry, const pw_check_trace *trace,
                            const pw_check_report *report, pw_trace *written, pw_error *err)
{
    char digest[PW_BUNDLE_DIGEST_LEN];
    pw_bundle_lock_digest(lock, digest);
    pw_trace *t = written;
    memset(t, 0, sizeof(*t));
    t->lock_digest = pw_xstrdup(digest);
    t->lock_path = pw_xstrdup(lock_path);
    if (report->runtime_version)
        t->pyodide = pw_xstrdup(report->runtime_version);
    t->runs = pw_xcalloc(1, sizeof(*t->runs));
    t->n_runs = 1;
    t->runs[0].entry = entry ? pw_xstrdup(entry) : NULL;
    t->runs[0].exercise = trace->exercise ? pw_xstrdup(trace->exercise) : NULL;
    t->runs[0].cold_ms = report->cold_ms;
    for (size_t i = 0; i < trace->files.len; i++)
        pw_trace_add_file(t, trace->files.items[i]);
    pw_buf text = PW_BUF_INIT;
    pw_trace_write(t, &text);
    int rc = pw_write_file_atomic(path, text.data, text.len, err);
    pw_buf_free(&text);
    return rc;
}
