/* A trace of `pwpkg check --trace`, read by runtime-check/ (pw_trace_load),
 * as the report's slimming estimate needs it. */
#include "report_private.h"

#include <stdlib.h>
#include <string.h>

void pw_html_report_trace_from(const pw_trace *trace, pw_html_report_trace *out)
{
    memset(out, 0, sizeof *out);
    pw_trace_keep_set(trace, &out->files);
    out->lock_digest = trace->lock_digest ? pw_xstrdup(trace->lock_digest) : NULL;
}

void pw_html_report_trace_free(pw_html_report_trace *t)
{
    pw_strlist_free(&t->files);
    free(t->lock_digest);
    memset(t, 0, sizeof *t);
}
