#include "common.h"

#include <stddef.h>

/* The one piece of global state: chosen by cli/ once at start-up. */
static const pw_reporter *current_reporter;

void pw_reporter_set(const pw_reporter *r)
{
    current_reporter = r;
}

void pw_report(enum pw_report_level level, const char *fmt, ...)
{
    if (!current_reporter || !current_reporter->message)
        return;
    pw_buf b = PW_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    current_reporter->message(current_reporter->ctx, level, pw_buf_cstr(&b));
    pw_buf_free(&b);
}

void pw_report_progress(const char *label, uint64_t done, uint64_t total)
{
    if (current_reporter && current_reporter->progress)
        current_reporter->progress(current_reporter->ctx, label, done, total);
}
