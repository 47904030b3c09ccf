/*
 * Progress as uv and cargo draw it: one aggregate line for a batch of
 * transfers (files done/total, bytes, rate, time left) and, on a terminal,
 * the files under way below it, redrawn in place. Off a terminal (CI logs)
 * a summary line at most every PROGRESS_LOG_INTERVAL_MS and one at the end
 * of a batch of artifacts. Quiet and --json runs draw nothing.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_ACTIVE_SHOWN 4
#define PROGRESS_MAX_ACTIVE 64
#define PROGRESS_REDRAW_MS 100
#define PROGRESS_LOG_INTERVAL_MS 5000

typedef struct active_file {
    char *label;
    uint64_t done, total;
} active_file;

static struct progress_state {
    bool in_batch, artifacts, logged;
    size_t files_total, files_done, files_failed;
    uint64_t bytes_total, bytes_finished;
    active_file active[PROGRESS_MAX_ACTIVE];
    size_t n_active;
    int64_t started_ms, last_draw_ms;
    int lines_drawn; /* terminal lines of the last drawing, to redraw over */
} state;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void size_text(uint64_t bytes, char out[24])
{
    if (bytes < 1000 * 1000)
        snprintf(out, 24, "%.1f kB", (double)bytes / 1000);
    else
        snprintf(out, 24, "%.1f MB", (double)bytes / 1e6);
}

static uint64_t bytes_done(void)
{
    uint64_t b = state.bytes_finished;
    for (size_t i = 0; i < state.n_active; i++)
        b += state.active[i].done;
    return b;
}

/* "12/40 files, 3.2 MB / 10.1 MB, 4.5 MB/s, 2 s left" */
static void summary(char *out, size_t cap)
{
    char done[24], total[24], rate[24];
    uint64_t b = bytes_done();
    double seconds = (double)(now_ms() - state.started_ms) / 1000.0;
    size_text(b, done);
    size_text(state.bytes_total, total);
    size_text(seconds > 0.05 ? (uint64_t)((double)b / seconds) : 0, rate);
    int n = snprintf(out, cap, "%zu/%zu files, %s", state.files_done, state.files_total, done);
    if (n < 0 || (size_t)n >= cap)
        return;
    if (state.bytes_total >= b && state.bytes_total > 0)
        n += snprintf(out + n, cap - (size_t)n, " / %s", total);
    if ((size_t)n < cap)
        n += snprintf(out + n, cap - (size_t)n, ", %s/s", rate);
    if ((size_t)n < cap && state.bytes_total > b && b > 0 && seconds > 0.5) {
        double left = seconds * (double)(state.bytes_total - b) / (double)b;
        snprintf(out + n, cap - (size_t)n, ", %.0f s left", left < 1 ? 1 : left);
    }
}

static void draw_terminal(const cli_context *ctx, bool final)
{
    for (int i = 0; i < state.lines_drawn; i++)
        fputs(i == 0 ? "\r\033[K" : "\033[1A\r\033[K", stderr);
    state.lines_drawn = 0;
    if (final) {
        fflush(stderr);
        return;
    }
    char line[160];
    summary(line, sizeof(line));
    fprintf(stderr, "%sDownloading%s %s", cli_style(ctx, "\033[1;36m"), cli_style(ctx, "\033[0m"),
            line);
    state.lines_drawn = 1;
    for (size_t i = 0; i < state.n_active && i < PROGRESS_ACTIVE_SHOWN; i++) {
        char done[24], total[24];
        size_text(state.active[i].done, done);
        size_text(state.active[i].total, total);
        fprintf(stderr, "\n  %-48.48s %s%s%s", state.active[i].label, done,
                state.active[i].total ? " / " : "", state.active[i].total ? total : "");
        state.lines_drawn++;
    }
    fflush(stderr);
}

static active_file *find_active(const char *label)
{
    for (size_t i = 0; i < state.n_active; i++)
        if (strcmp(state.active[i].label, label) == 0)
            return &state.active[i];
    if (state.n_active == PROGRESS_MAX_ACTIVE)
        return NULL;
    active_file *f = &state.active[state.n_active++];
    *f = (active_file){pw_xstrdup(label), 0, 0};
    return f;
}

static void drop_active(const char *label)
{
    for (size_t i = 0; i < state.n_active; i++) {
        if (strcmp(state.active[i].label, label) != 0)
            continue;
        free(state.active[i].label);
        state.active[i] = state.active[--state.n_active];
        return;
    }
}

static void end_batch(const cli_context *ctx, bool terminal)
{
    if (terminal) {
        draw_terminal(ctx, true);
    } else if (state.artifacts || state.logged) {
        char done[24], rate[24];
        double seconds = (double)(now_ms() - state.started_ms) / 1000.0;
        size_text(state.bytes_finished, done);
        size_text(seconds > 0.05 ? (uint64_t)((double)state.bytes_finished / seconds) : 0, rate);
        /* a failed transfer is not "downloaded"; its error follows */
        char failed[48] = "";
        if (state.files_failed)
            snprintf(failed, sizeof(failed), ", %zu failed", state.files_failed);
        fprintf(stderr, "downloaded %zu/%zu files%s, %s in %.1f s (%s/s)\n", state.files_done,
                state.files_total, failed, done, seconds, rate);
    }
    for (size_t i = 0; i < state.n_active; i++)
        free(state.active[i].label);
    memset(&state, 0, sizeof(state));
}

void cli_progress_event(cli_context *ctx, const pw_progress_event *e)
{
    if (ctx->verbosity < 0 || ctx->json)
        return;
    bool terminal = ctx->progress;
    int64_t now = now_ms();
    switch (e->kind) {
    case PW_PROGRESS_BEGIN:
        if (state.in_batch)
            end_batch(ctx, terminal);
        state.in_batch = true;
        state.artifacts = e->artifacts;
        state.files_total = e->files;
        state.bytes_total = e->total;
        /* a terminal shows the batch at once; a log waits for the interval */
        state.started_ms = now;
        state.last_draw_ms = terminal ? 0 : now;
        return;
    case PW_PROGRESS_UPDATE:
        if (!state.in_batch) {
            /* a lone transfer (git): one line, redrawn on a terminal only */
            if (terminal) {
                char done[24];
                size_text(e->done, done);
                fprintf(stderr, "\r\033[K%s %s", e->label ? e->label : "", done);
                fflush(stderr);
            }
            return;
        }
        if (e->label) {
            active_file *f = find_active(e->label);
            if (f) {
                f->done = e->done;
                f->total = e->total;
            }
        }
        break;
    case PW_PROGRESS_FILE_DONE:
        if (!state.in_batch)
            return;
        if (e->failed)
            state.files_failed++;
        else
            state.files_done++;
        state.bytes_finished += e->done;
        if (e->label)
            drop_active(e->label);
        break;
    case PW_PROGRESS_END:
        if (state.in_batch)
            end_batch(ctx, terminal);
        else if (terminal)
            fputs("\r\033[K", stderr);
        return;
    }
    if (terminal && now - state.last_draw_ms >= PROGRESS_REDRAW_MS) {
        state.last_draw_ms = now;
        draw_terminal(ctx, false);
    } else if (!terminal && now - state.last_draw_ms >= PROGRESS_LOG_INTERVAL_MS) {
        char line[160];
        state.last_draw_ms = now;
        state.logged = true;
        summary(line, sizeof(line));
        fprintf(stderr, "downloading: %s\n", line);
    }
}
