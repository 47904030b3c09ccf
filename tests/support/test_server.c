#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void no_proxy_for_loopback(void)
{
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    setenv("no_proxy", "127.0.0.1,localhost", 1);
}

char *pw_test_tool_path(const char *name)
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

int pw_test_run(const char *cmd, pw_buf *out)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char chunk[512];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        if (out)
            pw_buf_append(out, chunk, n);
    return pclose(p);
}

void pw_test_server_start(pw_test_server *s, const char *root)
{
    no_proxy_for_loopback();
    char *exe = pw_test_tool_path("pw_test_server");
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
    /* The server prints its port, one line, once it listens. */
    char line[32] = "";
    size_t len = 0;
    while (len < sizeof(line) - 1 && read(out[0], line + len, 1) == 1 && line[len] != '\n')
        len++;
    line[len] = '\0';
    close(out[0]);
    s->port = atoi(line);
    if (s->port <= 0)
        fail_msg("pw_test_server did not report a port (got \"%s\")", line);
}

void pw_test_server_stop(pw_test_server *s)
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

char *pw_test_server_url(const pw_test_server *s, const char *path)
{
    pw_buf b = PW_BUF_INIT;
    pw_buf_printf(&b, "http://127.0.0.1:%d%s", s->port, path);
    return pw_buf_detach(&b);
}

/* A deliberately independent HTTP client: the probes must not go through
 * the code under test. */
static char *raw_get(const pw_test_server *s, const char *path)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
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

long pw_test_server_count(const pw_test_server *s, const char *path)
{
    pw_buf p = PW_BUF_INIT;
    pw_buf_printf(&p, "/_count%s", path);
    char *body = raw_get(s, p.data);
    long n = strtol(body, NULL, 10);
    free(body);
    pw_buf_free(&p);
    return n;
}

char *pw_test_server_headers(const pw_test_server *s, const char *path)
{
    pw_buf p = PW_BUF_INIT;
    pw_buf_printf(&p, "/_headers%s", path);
    char *body = raw_get(s, p.data);
    pw_buf_free(&p);
    return body;
}

static int env_int(const char *text, const char *name)
{
    const char *p = strstr(text, name);
    return p ? atoi(p + strlen(name)) : 0;
}

bool pw_test_nginx_start(pw_test_nginx *n, const char *root, const char *dir, bool tls)
{
    memset(n, 0, sizeof(*n));
    if (access("/usr/sbin/nginx", X_OK) != 0 ||
        (tls && pw_test_run("command -v openssl >/dev/null", NULL) != 0))
        return false;
    no_proxy_for_loopback();
    pw_buf cmd = PW_BUF_INIT, out = PW_BUF_INIT;
    if (tls) {
        pw_buf_printf(&cmd, "bash %s/tests/nginx/make-ca.sh %s/ca 2>&1", PWPKG_SOURCE_DIR, dir);
        if (pw_test_run(cmd.data, &out) != 0)
            fail_msg("make-ca.sh failed: %s", pw_buf_cstr(&out));
        n->ca_file = pw_path_join(dir, "ca/ca.pem");
        pw_buf_reset(&cmd);
        pw_buf_reset(&out);
    }
    n->tmp = pw_path_join(dir, "ng");
    pw_buf_printf(&cmd, "bash %s/tests/nginx/start.sh --root %s --tmp %s --watch-pid %ld",
                  PWPKG_SOURCE_DIR, root, n->tmp, (long)getpid());
    if (tls)
        pw_buf_printf(&cmd, " --tls %s/ca", dir);
    pw_buf_printf(&cmd, " 2>&1");
    if (pw_test_run(cmd.data, &out) != 0)
        fail_msg("start.sh failed: %s", pw_buf_cstr(&out));
    n->port = env_int(pw_buf_cstr(&out), "PORT=");
    n->tls_port = tls ? env_int(pw_buf_cstr(&out), "TLS_PORT=") : 0;
    if (n->port <= 0 || (tls && n->tls_port <= 0))
        fail_msg("start.sh gave no port: %s", pw_buf_cstr(&out));
    pw_buf_free(&cmd);
    pw_buf_free(&out);
    return true;
}

void pw_test_nginx_stop(pw_test_nginx *n)
{
    if (n->port) {
        pw_buf cmd = PW_BUF_INIT;
        pw_buf_printf(&cmd, "bash %s/tests/nginx/stop.sh %s", PWPKG_SOURCE_DIR, n->tmp);
        pw_test_run(cmd.data, NULL);
        pw_buf_free(&cmd);
    }
    free(n->tmp);
    free(n->ca_file);
    memset(n, 0, sizeof(*n));
}
