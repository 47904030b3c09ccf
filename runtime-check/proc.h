/*
 * Private to runtime-check: runs a child (node, npm, tar) in its own process
 * group, feeds it stdin, collects stdout and stderr, and enforces a deadline
 * by killing the whole group (SIGTERM, then SIGKILL after a grace period),
 * so nothing the child started outlives the check.
 */
#ifndef PW_RUNTIME_PROC_H
#define PW_RUNTIME_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common.h"

/* Called for every complete stdout line (without its '\n') as it arrives. */
typedef void (*pw_proc_line_fn)(void *ctx, const char *line, size_t len);

typedef struct pw_proc_spec {
    const char *const *argv; /* argv[0] is a path or a name searched on PATH */
    const void *input;       /* written to stdin, then stdin is closed; may be NULL */
    size_t input_len;
    int timeout_ms;          /* <= 0: none */
    pw_proc_line_fn on_line; /* may be NULL */
    void *ctx;
} pw_proc_spec;

typedef struct pw_proc_result {
    pid_t pid;             /* also the process group id */
    int exit_code;         /* when exited normally, else -1 */
    int term_signal;       /* when killed by a signal, else 0 */
    bool timed_out;
    pw_buf out;            /* all of stdout */
    pw_buf errtext;        /* stderr, capped at PW_PROC_STDERR_CAP */
    uint64_t max_rss_bytes;
    double wall_ms;
} pw_proc_result;

#define PW_PROC_STDERR_CAP (1u << 20)
#define PW_PROC_STDOUT_CAP (256u << 20)

/* Fails (PW_ERUNTIME) only when the child cannot be started or watched;
 * a child that fails or times out is described in *res. */
int pw_proc_run(const pw_proc_spec *spec, pw_proc_result *res, pw_error *err);
void pw_proc_result_free(pw_proc_result *res);
/* "exited with status 2" / "killed by signal 9" / "timed out after 5000 ms". */
void pw_proc_describe(const pw_proc_result *res, int timeout_ms, pw_buf *out);

#endif
