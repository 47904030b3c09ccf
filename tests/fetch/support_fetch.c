#include "fetch_test.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

extern char **environ;

void ft_write(const char *dir, const char *name, const void *data, size_t len)
{
    char *path = pw_path_join(dir, name);
    char *parent = pw_path_dirname(path);
    pw_error err = {0};
    assert_int_equal(pw_mkdirs(parent, &err), 0);
    if (pw_write_file_atomic(path, data, len, &err) != 0)
        fail_msg("%s", pw_error_message(&err));
    free(parent);
    free(path);
}

void ft_blob(pw_buf *out, size_t len, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 1;
    pw_buf_reset(out);
    pw_buf_reserve(out, len + 1);
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out->data[i] = (char)(x & 0xff);
    }
    out->len = len;
    out->data[len] = '\0';
}

static void walk(const char *dir, size_t *count, const char *needle, bool *found)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *path = pw_path_join(dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            walk(path, count, needle, found);
        } else if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            (*count)++;
            if (needle && strstr(e->d_name, needle))
                *found = true;
            pw_buf content = PW_BUF_INIT;
            pw_error err = {0};
            if (needle && pw_read_file(path, &content, &err) == 0 && content.len &&
                memmem(content.data, content.len, needle, strlen(needle)))
                *found = true;
            pw_error_clear(&err);
            pw_buf_free(&content);
        }
        free(path);
    }
    closedir(d);
}

size_t ft_count_files(const char *dir)
{
    size_t n = 0;
    bool found = false;
    walk(dir, &n, NULL, &found);
    return n;
}

bool ft_tree_contains(const char *dir, const char *needle)
{
    size_t n = 0;
    bool found = false;
    walk(dir, &n, needle, &found);
    return found;
}

char *ft_tool_path(const char *name)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    assert_true(n > 0);
    self[n] = '\0';
    char *dir = pw_path_dirname(self);
    char *path = pw_path_join(dir, name);
    free(dir);
    return path;
}

void ft_server_start(ft_server *s, const char *root)
{
    /* Tests talk to 127.0.0.1 directly, whatever proxy the machine has. */
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    char *exe = ft_tool_path("pw_test_server");
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    char *argv[] = {exe, "--root", (char *)root, "--idle-timeout", "120", "--watch-stdin", NULL};
    int rc = posix_spawn(&s->pid, exe, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        fail_msg("cannot start %s: %s", exe, strerror(rc));
    free(exe);
    close(in[0]);
    close(out[1]);
    s->stdin_fd = in[1];
    char line[32] = "";
    size_t len = 0;
    while (len < sizeof(line) - 1) {
        ssize_t n = read(out[0], line + len, 1);
        if (n <= 0 || line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
    close(out[0]);
    s->port = atoi(line);
    if (s->port <= 0)
        fail_msg("pw_test_server did not report a port (got \"%s\")", line);
}

void ft_server_stop(ft_server *s)
{
    if (s->stdin_fd >= 0)
        close(s->stdin_fd);
    s->stdin_fd = -1;
    if (s->pid > 0) {
        int status;
        waitpid(s->pid, &status, 0);
    }
    s->pid = 0;
}

char *ft_url(const ft_server *s, const char *path)
{
    pw_buf b = PW_BUF_INIT;
    pw_buf_printf(&b, "http://127.0.0.1:%d%s", s->port, path);
    return pw_buf_detach(&b);
}

/* A deliberately independent HTTP client: the probes must not go through
 * the code under test. */
static char *raw_get(const ft_server *s, const char *path)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((uint16_t)s->port);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    pw_buf req = PW_BUF_INIT;
    pw_buf_printf(&req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
    assert_int_equal(write(fd, req.data, req.len), (ssize_t)req.len);
    pw_buf_free(&req);
    pw_buf resp = PW_BUF_INIT;
    for (;;) {
        pw_buf_reserve(&resp, 4096);
        ssize_t n = read(fd, resp.data + resp.len, 4096);
        if (n <= 0)
            break;
        resp.len += (size_t)n;
        resp.data[resp.len] = '\0';
    }
    close(fd);
    const char *body = resp.len ? strstr(resp.data, "\r\n\r\n") : NULL;
    char *result = pw_xstrdup(body ? body + 4 : "");
    pw_buf_free(&resp);
    return result;
}

long ft_server_count(const ft_server *s, const char *path)
{
    pw_buf p = PW_BUF_INIT;
    pw_buf_printf(&p, "/_count%s", path);
    char *body = raw_get(s, p.data);
    long n = strtol(body, NULL, 10);
    free(body);
    pw_buf_free(&p);
    return n;
}

char *ft_server_headers(const ft_server *s, const char *path)
{
    pw_buf p = PW_BUF_INIT;
    pw_buf_printf(&p, "/_headers%s", path);
    char *body = raw_get(s, p.data);
    pw_buf_free(&p);
    return body;
}

void ft_options(pw_fetch_options *o, const char *cache)
{
    pw_fetch_options_default(o);
    o->cache_dir = cache;
    o->backoff_base_ms = 1;
    o->backoff_max_ms = 20;
    o->connect_timeout_ms = 5000;
    o->idle_timeout_s = 10;
    o->use_netrc = false;
}

pw_fetch_session *ft_session(const pw_fetch_options *o)
{
    pw_fetch_session *s = NULL;
    pw_error err = {0};
    if (pw_fetch_session_new(o, &s, &err) != 0)
        fail_msg("session: %s", pw_error_message(&err));
    return s;
}
