/* Helpers shared by the fetch tests: scratch directories, the fault-injecting
 * test server (tests/tools/pw_test_server.c) and a raw HTTP probe for its
 * introspection endpoints. */
#ifndef PW_FETCH_TEST_H
#define PW_FETCH_TEST_H

#include "test_support.h"

#include "common.h"
#include "fetch.h"

#include <sys/types.h>

/* Writes dir/name (creating parents); aborts the test on failure. */
void ft_write(const char *dir, const char *name, const void *data, size_t len);
/* Deterministic pseudo-random bytes. */
void ft_blob(pw_buf *out, size_t len, unsigned seed);
/* Regular files below dir (recursive). */
size_t ft_count_files(const char *dir);
/* True when some file name or content below dir contains needle. */
bool ft_tree_contains(const char *dir, const char *needle);
/* Path of an executable built next to this test (<build>/tests/<name>). */
char *ft_tool_path(const char *name);

typedef struct ft_server {
    pid_t pid;
    int stdin_fd; /* closing it stops the server */
    int port;
} ft_server;

/* Starts pw_test_server on 127.0.0.1 serving `root`. */
void ft_server_start(ft_server *s, const char *root);
void ft_server_stop(ft_server *s);
/* "http://127.0.0.1:<port><path>" (path starts with '/'); heap. */
char *ft_url(const ft_server *s, const char *path);
/* Requests the server saw for `path`, and the headers of the last one. */
long ft_server_count(const ft_server *s, const char *path);
char *ft_server_headers(const ft_server *s, const char *path);

/* Options for fast tests: tiny backoff, cache in `cache`. */
void ft_options(pw_fetch_options *o, const char *cache);
pw_fetch_session *ft_session(const pw_fetch_options *o);

#endif
