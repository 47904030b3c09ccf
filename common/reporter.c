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

static void send_progress(const pw_progress_event *e)
{
    if (current_reporter && current_reporter->progress)
        current_reporter->progress(current_reporter->ctx, e);
}

void pw_report_progress(const char *label, uint64_t done, uint64_t total)
{
    send_progress(&(pw_progress_event){.kind = PW_PROGRESS_UPDATE, .label = label,
                                       .done = done, .total = total});
}

void pw_report_progress_begin(size_t files, uint64_t total_bytes, bool artifacts)
{
    send_progress(&(pw_progress_event){.kind = PW_PROGRESS_BEGIN, .files = files,
                                       .total = total_bytes, .artifacts = artifacts});
}

void pw_report_progress_file_done(const char *label, uint64_t size, bool failed)
{
    send_progress(&(pw_progress_event){.kind = PW_PROGRESS_FILE_DONE, .label = label,
                                       .done = failed ? 0 : size, .failed = failed});
}

void pw_report_progress_end(void)
{
    send_progress(&(pw_progress_event){.kind = PW_PROGRESS_END});
}
