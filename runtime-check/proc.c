#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Time between SIGTERM and SIGKILL of a timed-out process group. */
#define PW_PROC_GRACE_MS 2000

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static void emit_lines(const pw_proc_spec *spec, pw_buf *out, size_t *scanned)
{
    if (!spec->on_line)
        return;
    size_t start = *scanned;
    for (size_t i = start; i < out->len; i++) {
        if (out->data[i] == '\n') {
            spec->on_line(spec->ctx, out->data + start, i - start);
            start = i + 1;
        }
    }
    *scanned = start;
}

/* Reads what is available; returns false at EOF or on error. */
static bool drain(int fd, pw_buf *into, size_t cap, bool *overflow)
{
    char chunk[16384];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n > 0) {
            size_t room = into->len < cap ? cap - into->len : 0;
            size_t take = (size_t)n < room ? (size_t)n : room;
            if (take < (size_t)n)
                *overflow = true;
            pw_buf_append(into, chunk, take);
            continue;
        }
        if (n == 0)
            return false;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK;
    }
}

static bool leader_exited(pid_t pid)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    /* WNOWAIT: the zombie keeps the process group id reserved until the
     * group has been killed, so the kill cannot hit a recycled id. */
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
        return errno == ECHILD;
    return info.si_pid == pid;
}

int pw_proc_run(const pw_proc_spec *spec, pw_proc_result *res, pw_error *err)
{
    memset(res, 0, sizeof *res);
    res->exit_code = -1;
    int in_sv[2] = {-1, -1}, out_p[2] = {-1, -1}, err_p[2] = {-1, -1};
    /* stdin is a socket so that writing to a child that died early gives
     * EPIPE through MSG_NOSIGNAL instead of a process-wide SIGPIPE. */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_sv) != 0 ||
        pipe2(out_p, O_CLOEXEC) != 0 || pipe2(err_p, O_CLOEXEC) != 0) {
        int e = errno;
        close_fd(&in_sv[0]), close_fd(&in_sv[1]), close_fd(&out_p[0]), close_fd(&out_p[1]);
        close_fd(&err_p[0]), close_fd(&err_p[1]);
        return pw_error_set(err, PW_ERUNTIME, "cannot create pipes for %s: %s", spec->argv[0],
                            strerror(e));
    }

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_sv[1], 0);
    posix_spawn_file_actions_adddup2(&fa, out_p[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err_p[1], 2);
    posix_spawnattr_init(&attr);
    sigset_t def, none;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    sigaddset(&def, SIGTERM);
    sigaddset(&def, SIGINT);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                        POSIX_SPAWN_SETSIGMASK);

    double t0 = now_ms();
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, spec->argv[0], &fa, &attr, (char *const *)spec->argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close_fd(&in_sv[1]), close_fd(&out_p[1]), close_fd(&err_p[1]);
    if (rc != 0) {
        close_fd(&in_sv[0]), close_fd(&out_p[0]), close_fd(&err_p[0]);
        return pw_error_set(err, PW_ERUNTIME, "cannot run %s: %s", spec->argv[0], strerror(rc));
    }
    res->pid = pid;
    int in_fd = in_sv[0], out_fd = out_p[0], err_fd = err_p[0];
    set_nonblock(in_fd), set_nonblock(out_fd), set_nonblock(err_fd);

    size_t written = 0, scanned = 0;
    if (!spec->input || spec->input_len == 0)
        close_fd(&in_fd);
    bool out_over = false, err_over = false, term_sent = false, killed = false;
    double deadline = spec->timeout_ms > 0 ? t0 + spec->timeout_ms : 0;
    double kill_at = 0;

    for (;;) {
        if (leader_exited(pid))
            break;
        double now = now_ms();
        if (deadline > 0 && now >= deadline && !term_sent) {
            res->timed_out = true;
            kill(-pid, SIGTERM);
            term_sent = true;
            kill_at = now + PW_PROC_GRACE_MS;
        }
        if (term_sent && !killed && now >= kill_at) {
            kill(-pid, SIGKILL);
            killed = true;
        }
        struct pollfd pf[3];
        int n = 0;
        if (in_fd >= 0)
            pf[n++] = (struct pollfd){in_fd, POLLOUT, 0};
        if (out_fd >= 0)
            pf[n++] = (struct pollfd){out_fd, POLLIN, 0};
        if (err_fd >= 0)
            pf[n++] = (struct pollfd){err_fd, POLLIN, 0};
        /* Short waits: the leader's exit is noticed by polling waitid, as
         * grandchildren may hold the pipes open after it is gone. */
        int wait = 50;
        if (n == 0) {
            struct timespec ts = {0, 20 * 1000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        if (poll(pf, (nfds_t)n, wait) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            if (!pf[i].revents)
                continue;
            if (pf[i].fd == in_fd) {
                const char *p = (const char *)spec->input + written;
                ssize_t w = send(in_fd, p, spec->input_len - written, MSG_NOSIGNAL);
                if (w > 0)
                    written += (size_t)w;
                if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == spec->input_len) {
                    shutdown(in_fd, SHUT_WR);
                    close_fd(&in_fd);
                }
            } else if (pf[i].fd == out_fd) {
                bool open_ = drain(out_fd, &res->out, PW_PROC_STDOUT_CAP, &out_over);
                emit_lines(spec, &res->out, &scanned);
                if (!open_)
                    close_fd(&out_fd);
            } else if (pf[i].fd == err_fd) {
                if (!drain(err_fd, &res->errtext, PW_PROC_STDERR_CAP, &err_over))
                    close_fd(&err_fd);
            }
        }
    }
    /* What the leader wrote before exiting is still in the pipes. */
    if (out_fd >= 0)
        drain(out_fd, &res->out, PW_PROC_STDOUT_CAP, &out_over);
    emit_lines(spec, &res->out, &scanned);
    if (err_fd >= 0)
        drain(err_fd, &res->errtext, PW_PROC_STDERR_CAP, &err_over);
    close_fd(&in_fd), close_fd(&out_fd), close_fd(&err_fd);
    /* Whatever the leader left behind in its group goes with it. */
    kill(-pid, SIGKILL);

    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    res->wall_ms = now_ms() - t0;
    /* Linux: ru_maxrss is in kilobytes. */
    res->max_rss_bytes = (uint64_t)ru.ru_maxrss * 1024u;
    if (WIFEXITED(status))
        res->exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        res->term_signal = WTERMSIG(status);
    if (err_over)
        pw_buf_puts(&res->errtext, "\n[stderr truncated]\n");
    if (out_over)
        return pw_error_set(err, PW_ELIMIT, "%s wrote more than %u bytes to stdout", spec->argv[0],
                            PW_PROC_STDOUT_CAP);
    return 0;
}

void pw_proc_describe(const pw_proc_result *res, int timeout_ms, pw_buf *out)
{
    if (res->timed_out)
        pw_buf_printf(out, "timed out after %d ms (process group killed)", timeout_ms);
    else if (res->term_signal)
        pw_buf_printf(out, "killed by signal %d (%s)", res->term_signal, strsignal(res->term_signal));
    else
        pw_buf_printf(out, "exited with status %d", res->exit_code);
}

void pw_proc_result_free(pw_proc_result *res)
{
    pw_buf_free(&res->out);
    pw_buf_free(&res->errtext);
}
