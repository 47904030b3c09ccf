/*
 * The HTTP servers tests run on 127.0.0.1: pw_test_server (the
 * fault-injecting server of http_server.c, as a child process) and a real
 * nginx (tests/nginx/start.sh). One copy of their start-up for every test
 * area; failures to start fail the calling test (cmocka), except that
 * pw_test_nginx_start reports a missing nginx so that the test can skip.
 */
#ifndef PW_TEST_SERVER_H
#define PW_TEST_SERVER_H

#include "common.h"

#include <stdbool.h>
#include <sys/types.h>

/* The server program's entry point (tests/tools/pw_test_server.c); its
 * options and fault URLs are described at the top of http_server.c. */
int pw_test_server_main(int argc, char **argv);

typedef struct pw_test_server {
    pid_t pid;
    int stdin_fd; /* closing it stops the server */
    int port;
} pw_test_server;

/* Starts <build>/tests/pw_test_server --root ROOT --watch-stdin as a child
 * and waits for its port. Also sets NO_PROXY for 127.0.0.1: tests talk to
 * it directly, whatever proxy the machine has. A process started after
 * this one inherits the server's stdin pipe and keeps it alive after
 * pw_test_server_stop: start nginx first. */
void pw_test_server_start(pw_test_server *s, const char *root);
/* Closes its stdin and waits for it to exit. */
void pw_test_server_stop(pw_test_server *s);
/* "http://127.0.0.1:<port><path>" (path starts with '/'); heap. */
char *pw_test_server_url(const pw_test_server *s, const char *path);
/* The requests the server saw for `path`, and the headers of the last one
 * (heap), asked with a plain socket client, not through the code under
 * test (GET /_count/..., /_headers/...). */
long pw_test_server_count(const pw_test_server *s, const char *path);
char *pw_test_server_headers(const pw_test_server *s, const char *path);

typedef struct pw_test_nginx {
    char *tmp;     /* DIR/ng: config, logs (access.log), pid */
    char *ca_file; /* with TLS: DIR/ca/ca.pem, the test CA; else NULL */
    int port;      /* 0: not running */
    int tls_port;  /* with TLS: the HTTPS (HTTP/2) port */
} pw_test_nginx;

/* Starts nginx serving ROOT, its files under DIR (DIR/ng, and with `tls` a
 * test CA made by tests/nginx/make-ca.sh in DIR/ca). Returns false, with
 * *n zeroed, when /usr/sbin/nginx (or, with `tls`, openssl) is missing;
 * fails the test when it does not start. nginx stops by itself when this
 * process exits. */
bool pw_test_nginx_start(pw_test_nginx *n, const char *root, const char *dir, bool tls);
/* Stops it (tests/nginx/stop.sh) and frees *n; harmless when not running. */
void pw_test_nginx_stop(pw_test_nginx *n);

/* Path of an executable built next to the running test (<build>/tests/NAME); heap. */
char *pw_test_tool_path(const char *name);
/* Runs a shell command; its stdout (and stderr, with "2>&1" in it) is
 * appended to `out` when not NULL. Returns pclose()'s status. */
int pw_test_run(const char *cmd, pw_buf *out);

#endif
