/*
 * pw_test_server: a small HTTP/1.1 server for the fetch tests, with faults
 * chosen by the URL. The program is tests/tools/pw_test_server.c, which
 * calls pw_test_server_main(); tests start it with pw_test_server_start()
 * (test_server.h).
 *
 *   pw_test_server --root DIR [--port-file FILE] [--idle-timeout SEC] [--watch-stdin]
 *                  [--delay-ms MS] [--log FILE]
 *
 * Binds 127.0.0.1 on a free port and prints it (one line) on stdout, and
 * into --port-file if given. Serves files under DIR with ETag/Last-Modified
 * (304 on If-None-Match / If-Modified-Since) and single byte ranges (206).
 *
 * Faults: GET /fault/<kind>/<file>[?n=N] serves <file> with a fault; N
 * counts the requests of that exact path that get the fault (default 2 for
 * 500-then-ok, 1 otherwise):
 *   500-then-ok       HTTP 500 for the first N requests
 *   429               HTTP 429 with "Retry-After: 1" for the first N requests
 *   429-date          the same with an HTTP-date Retry-After two seconds ahead
 *   truncate          Content-Length of the whole file, half the body, close
 *   truncate-norange  the same, and later requests ignore Range (200)
 *   reset             half the body, then a TCP reset
 *   slow              the body in 16 pieces, 20 ms apart
 *   stall             half the body, then silence (30 s)
 *   redirect          302 to /<file>
 *   redirect-loop     302 to itself
 *   etag              no fault (every file has validators; counted like all)
 *   nocache           no ETag / Last-Modified
 *   maxage            "Cache-Control: max-age=60" (with the validators)
 *   auth              401 unless Basic alice:s3cret
 * A path ending in '/' serves its index.html (a pw_mkindex tree as PEP 503
 * pages). For the latency benchmarks (bench/lock_latency.sh): --delay-ms
 * holds every response that long (a fixed round trip; connections are
 * served concurrently, with TCP_NODELAY so that no segment waits for
 * Nagle), and --log appends one line per request ("SECONDS.MILLIS METHOD PATH",
 * wall clock) to FILE.
 *
 * Introspection: GET /_count/<path> is the number of requests seen for
 * /<path>, GET /_headers/<path> the request headers of the last one.
 *
 * It never outlives its user: it exits when its parent dies, after
 * --idle-timeout seconds without a connection (default 120), and, with
 * --watch-stdin, when stdin is closed. Connections are served by forked
 * children that die with the server.
 */
#include "test_server.h"

#include "common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_ENTRIES 512
#define KEY_LEN 256
#define HEADERS_LEN 2048

typedef struct entry {
    char key[KEY_LEN];
    int count;
    char headers[HEADERS_LEN];
} entry;

/* Shared by all connection children: request counters survive the fork. */
typedef struct shared_state {
    pthread_mutex_t mu;
    entry e[MAX_ENTRIES];
} shared_state;

static shared_state *shared;
static const char *root_dir;
static long delay_ms;
static int log_fd = -1;

static int record(const char *key, const char *headers)
{
    pthread_mutex_lock(&shared->mu);
    entry *slot = NULL;
    for (int i = 0; i < MAX_ENTRIES; i++) {
        if (shared->e[i].key[0] == '\0' || strcmp(shared->e[i].key, key) == 0) {
            slot = &shared->e[i];
            break;
        }
    }
    int n = 0;
    if (slot) {
        snprintf(slot->key, KEY_LEN, "%s", key);
        snprintf(slot->headers, HEADERS_LEN, "%s", headers);
        n = ++slot->count;
    }
    pthread_mutex_unlock(&shared->mu);
    return n;
}

static void lookup(const char *key, int *count, pw_buf *headers)
{
    pthread_mutex_lock(&shared->mu);
    *count = 0;
    for (int i = 0; i < MAX_ENTRIES; i++) {
        if (strcmp(shared->e[i].key, key) == 0) {
            *count = shared->e[i].count;
            if (headers)
                pw_buf_puts(headers, shared->e[i].headers);
            break;
        }
    }
    pthread_mutex_unlock(&shared->mu);
}

/* ------------------------------------------------------------- requests */

typedef struct request {
    char *method;
    char *path;  /* without the query */
    char *query; /* "" when none */
    char *headers;
    bool close;
} request;

static void request_free(request *r)
{
    free(r->method);
    free(r->path);
    free(r->query);
    free(r->headers);
    memset(r, 0, sizeof(*r));
}

/* Case-insensitive header lookup; new heap string or NULL. */
static char *header_value(const request *r, const char *name)
{
    size_t nlen = strlen(name);
    for (const char *line = r->headers; line && *line;) {
        const char *end = strstr(line, "\r\n");
        if (!end)
            end = line + strlen(line);
        if ((size_t)(end - line) > nlen && strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            pw_slice v = pw_slice_trim(pw_slice_make(line + nlen + 1, (size_t)(end - line) - nlen - 1));
            return pw_xstrndup(v.ptr, v.len);
        }
        line = *end ? end + 2 : end;
    }
    return NULL;
}

/* Reads one request head; false on EOF, timeout or garbage. */
static bool read_request(int fd, pw_buf *in, request *r)
{
    for (;;) {
        char *end = in->len ? strstr(in->data, "\r\n\r\n") : NULL;
        if (end) {
            size_t head_len = (size_t)(end - in->data) + 4;
            char *head = pw_xstrndup(in->data, head_len);
            memmove(in->data, in->data + head_len, in->len - head_len + 1);
            in->len -= head_len;
            char *line_end = strstr(head, "\r\n");
            *line_end = '\0';
            char method[16], target[1024], version[16];
            int ok = sscanf(head, "%15s %1023s %15s", method, target, version) == 3;
            if (ok) {
                r->method = pw_xstrdup(method);
                char *q = strchr(target, '?');
                r->query = pw_xstrdup(q ? q + 1 : "");
                if (q)
                    *q = '\0';
                r->path = pw_xstrdup(target);
                r->headers = pw_xstrdup(line_end + 2);
                char *conn = header_value(r, "Connection");
                r->close = (conn && strcasecmp(conn, "close") == 0) ||
                           strcmp(version, "HTTP/1.0") == 0;
                free(conn);
            }
            free(head);
            return ok;
        }
        if (in->len > 65536)
            return false;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 15000) <= 0)
            return false;
        pw_buf_reserve(in, 4096);
        ssize_t n = read(fd, in->data + in->len, 4096);
        if (n <= 0)
            return false;
        in->len += (size_t)n;
        in->data[in->len] = '\0';
    }
}

static long query_long(const request *r, const char *name, long fallback)
{
    size_t nlen = strlen(name);
    for (const char *p = r->query; p && *p;) {
        if (strncmp(p, name, nlen) == 0 && p[nlen] == '=')
            return strtol(p + nlen + 1, NULL, 10);
        p = strchr(p, '&');
        if (p)
            p++;
    }
    return fallback;
}

static void http_date(time_t t, char *out, size_t cap)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static const char *content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && strcmp(dot, ".html") == 0)
        return "text/html";
    if (dot && strcmp(dot, ".json") == 0)
        return "application/json";
    return "application/octet-stream";
}

static int send_simple(int fd, int code, const char *reason, const char *extra, const char *body,
                       bool close_conn)
{
    pw_buf b = PW_BUF_INIT;
    pw_buf_printf(&b,
                  "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\nContent-Type: text/plain\r\n%s%s\r\n%s",
                  code, reason, strlen(body), extra ? extra : "",
                  close_conn ? "Connection: close\r\n" : "", body);
    int rc = pw_write_all(fd, b.data, b.len);
    pw_buf_free(&b);
    return rc;
}

/* Serves one request; false when the connection must be closed. */
static bool handle(int fd, const request *r)
{
    if (log_fd >= 0) {
        /* One write per line: O_APPEND keeps the children's lines whole. */
        pw_buf line = PW_BUF_INIT;
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        pw_buf_printf(&line, "%lld.%03ld %s %s\n", (long long)now.tv_sec, now.tv_nsec / 1000000L,
                      r->method, r->path);
        pw_write_all(log_fd, line.data, line.len);
        pw_buf_free(&line);
    }
    if (delay_ms > 0) {
        struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    int count = record(r->path, r->headers);
    if (strncmp(r->path, "/_count/", 8) == 0 || strncmp(r->path, "/_headers/", 10) == 0) {
        bool counting = r->path[2] == 'c';
        const char *rest = r->path + (counting ? 7 : 9);
        int n = 0;
        pw_buf h = PW_BUF_INIT;
        lookup(rest, &n, &h);
        pw_buf body = PW_BUF_INIT;
        if (counting)
            pw_buf_printf(&body, "%d", n);
        else
            pw_buf_puts(&body, pw_buf_cstr(&h));
        send_simple(fd, 200, "OK", NULL, pw_buf_cstr(&body), r->close);
        pw_buf_free(&h);
        pw_buf_free(&body);
        return !r->close;
    }
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
        send_simple(fd, 405, "Method Not Allowed", NULL, "GET only\n", true);
        return false;
    }

    char kind[64] = "";
    const char *file = r->path;
    if (strncmp(r->path, "/fault/", 7) == 0) {
        const char *k = r->path + 7;
        size_t klen = strcspn(k, "/");
        if (klen >= sizeof(kind) || k[klen] != '/') {
            send_simple(fd, 400, "Bad Request", NULL, "bad fault path\n", r->close);
            return !r->close;
        }
        memcpy(kind, k, klen);
        kind[klen] = '\0';
        file = k + klen;
    }
    long n = query_long(r, "n", strcmp(kind, "500-then-ok") == 0 ? 2 : 1);
    bool faulty = count <= n;

    if (strcmp(kind, "auth") == 0) {
        char *auth = header_value(r, "Authorization");
        bool ok = auth && strcmp(auth, "Basic YWxpY2U6czNjcmV0") == 0;
        free(auth);
        if (!ok) {
            send_simple(fd, 401, "Unauthorized", "WWW-Authenticate: Basic realm=\"test\"\r\n",
                        "credentials required\n", r->close);
            return !r->close;
        }
    }
    if (strcmp(kind, "redirect-loop") == 0) {
        pw_buf loc = PW_BUF_INIT;
        pw_buf_printf(&loc, "Location: %s\r\n", r->path);
        send_simple(fd, 302, "Found", loc.data, "", r->close);
        pw_buf_free(&loc);
        return !r->close;
    }
    if (strcmp(kind, "redirect") == 0) {
        pw_buf loc = PW_BUF_INIT;
        pw_buf_printf(&loc, "Location: %s\r\n", file);
        send_simple(fd, 302, "Found", loc.data, "", r->close);
        pw_buf_free(&loc);
        return !r->close;
    }
    if (strcmp(kind, "500-then-ok") == 0 && faulty) {
        send_simple(fd, 500, "Internal Server Error", NULL, "injected failure\n", r->close);
        return !r->close;
    }
    if ((strcmp(kind, "429") == 0 || strcmp(kind, "429-date") == 0) && faulty) {
        char date[64];
        http_date(time(NULL) + 2, date, sizeof(date));
        pw_buf h = PW_BUF_INIT;
        pw_buf_printf(&h, "Retry-After: %s\r\n", kind[3] ? date : "1");
        send_simple(fd, 429, "Too Many Requests", h.data, "slow down\n", r->close);
        pw_buf_free(&h);
        return !r->close;
    }

    if (strstr(file, "/../") || strcmp(file, "/") == 0) {
        send_simple(fd, 404, "Not Found", NULL, "not found\n", r->close);
        return !r->close;
    }
    char *path = pw_path_join(root_dir, file + 1);
    if (file[strlen(file) - 1] == '/') {
        char *index = pw_path_join(path, "index.html");
        free(path);
        path = index;
    }
    pw_buf content = PW_BUF_INIT;
    pw_error err = {0};
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || pw_read_file(path, &content, &err) != 0) {
        pw_error_clear(&err);
        free(path);
        pw_buf_free(&content);
        send_simple(fd, 404, "Not Found", NULL, "not found\n", r->close);
        return !r->close;
    }
    const char *ctype = content_type(path); /* of index.html for a '/' path */
    free(path);

    pw_buf h = PW_BUF_INIT;
    char etag[96], modified[64];
    snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtime);
    http_date(st.st_mtime, modified, sizeof(modified));
    bool validators = strcmp(kind, "nocache") != 0;
    if (validators) {
        char *inm = header_value(r, "If-None-Match");
        char *ims = header_value(r, "If-Modified-Since");
        /* RFC 9110 13.2.2: If-None-Match wins over If-Modified-Since. */
        bool not_modified = inm ? strcmp(inm, etag) == 0 : ims && strcmp(ims, modified) == 0;
        free(inm);
        free(ims);
        if (not_modified) {
            pw_buf_printf(&h, "HTTP/1.1 304 Not Modified\r\nETag: %s\r\n%s%s\r\n", etag,
                          strcmp(kind, "maxage") == 0 ? "Cache-Control: max-age=60\r\n" : "",
                          r->close ? "Connection: close\r\n" : "");
            pw_write_all(fd, h.data, h.len);
            pw_buf_free(&h);
            pw_buf_free(&content);
            return !r->close;
        }
    }

    size_t start = 0, end = content.len; /* [start, end) */
    bool partial = false;
    char *range = header_value(r, "Range");
    bool honour_range = !(strcmp(kind, "truncate-norange") == 0 && !faulty);
    if (range && honour_range && strncmp(range, "bytes=", 6) == 0) {
        char *dash = NULL;
        unsigned long long first = strtoull(range + 6, &dash, 10);
        if (dash && *dash == '-') {
            if (first >= content.len) {
                free(range);
                pw_buf_printf(&h, "Content-Range: bytes */%zu\r\n", content.len);
                send_simple(fd, 416, "Range Not Satisfiable", h.data, "", r->close);
                pw_buf_free(&h);
                pw_buf_free(&content);
                return !r->close;
            }
            start = (size_t)first;
            if (dash[1]) {
                unsigned long long last = strtoull(dash + 1, NULL, 10);
                if (last + 1 < end)
                    end = (size_t)last + 1;
            }
            partial = true;
        }
    }
    free(range);

    if (partial)
        pw_buf_printf(&h, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes %zu-%zu/%zu\r\n",
                      start, end - 1, content.len);
    else
        pw_buf_puts(&h, "HTTP/1.1 200 OK\r\n");
    pw_buf_printf(&h, "Content-Length: %zu\r\nContent-Type: %s\r\nAccept-Ranges: bytes\r\n",
                  end - start, ctype);
    if (validators)
        pw_buf_printf(&h, "ETag: %s\r\nLast-Modified: %s\r\n", etag, modified);
    if (strcmp(kind, "maxage") == 0)
        pw_buf_puts(&h, "Cache-Control: max-age=60\r\n");
    if (r->close)
        pw_buf_puts(&h, "Connection: close\r\n");
    pw_buf_puts(&h, "\r\n");
    bool keep = !r->close;
    if (pw_write_all(fd, h.data, h.len) != 0 || strcmp(r->method, "HEAD") == 0) {
        keep = keep && strcmp(r->method, "HEAD") == 0;
    } else if ((strcmp(kind, "truncate") == 0 || strcmp(kind, "truncate-norange") == 0 ||
                strcmp(kind, "reset") == 0 || strcmp(kind, "stall") == 0) &&
               faulty) {
        size_t half = (end - start) / 2;
        pw_write_all(fd, content.data + start, half);
        if (strcmp(kind, "stall") == 0) {
            sleep(30);
        } else if (strcmp(kind, "reset") == 0) {
            /* SO_LINGER with a zero timeout: close() sends RST. */
            struct linger lg = {1, 0};
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        }
        keep = false;
    } else if (strcmp(kind, "slow") == 0) {
        size_t step = (end - start + 15) / 16;
        for (size_t at = start; at < end && keep; at += step) {
            size_t piece = end - at < step ? end - at : step;
            if (pw_write_all(fd, content.data + at, piece) != 0)
                keep = false;
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    } else if (pw_write_all(fd, content.data + start, end - start) != 0) {
        keep = false;
    }
    pw_buf_free(&h);
    pw_buf_free(&content);
    return keep;
}

static void serve_connection(int fd)
{
    pw_buf in = PW_BUF_INIT;
    for (;;) {
        request r = {0};
        if (!read_request(fd, &in, &r)) {
            request_free(&r);
            break;
        }
        bool keep = handle(fd, &r);
        request_free(&r);
        if (!keep)
            break;
    }
    pw_buf_free(&in);
    close(fd);
}

static void usage(void)
{
    fprintf(stderr, "usage: pw_test_server --root DIR [--port-file FILE] [--idle-timeout SEC] "
                    "[--watch-stdin] [--delay-ms MS] [--log FILE]\n");
    exit(2);
}

int pw_test_server_main(int argc, char **argv)
{
    const char *port_file = NULL;
    long idle = 120;
    bool watch_stdin = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
            root_dir = argv[++i];
        else if (strcmp(argv[i], "--port-file") == 0 && i + 1 < argc)
            port_file = argv[++i];
        else if (strcmp(argv[i], "--idle-timeout") == 0 && i + 1 < argc)
            idle = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--watch-stdin") == 0)
            watch_stdin = true;
        else if (strcmp(argv[i], "--delay-ms") == 0 && i + 1 < argc)
            delay_ms = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc) {
            log_fd = open(argv[++i], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
            if (log_fd < 0) {
                perror("pw_test_server: --log");
                return 2;
            }
        }
        else
            usage();
    }
    if (!root_dir || idle <= 0 || delay_ms < 0)
        usage();
    pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        return 0;
    signal(SIGPIPE, SIG_IGN);
    /* Children are reaped by the kernel: nobody waits for them. */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = SA_NOCLDWAIT;
    sigaction(SIGCHLD, &sa, NULL);

    shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        perror("pw_test_server: mmap");
        return 1;
    }
    memset(shared, 0, sizeof(*shared));
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&shared->mu, &attr);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t alen = sizeof(addr);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(lfd, 128) != 0 ||
        getsockname(lfd, (struct sockaddr *)&addr, &alen) != 0) {
        perror("pw_test_server: bind 127.0.0.1");
        return 1;
    }
    int port = ntohs(addr.sin_port);
    if (port_file) {
        pw_buf b = PW_BUF_INIT;
        pw_error err = {0};
        pw_buf_printf(&b, "%d\n", port);
        if (pw_write_file_atomic(port_file, b.data, b.len, &err) != 0) {
            fprintf(stderr, "pw_test_server: %s\n", pw_error_message(&err));
            return 1;
        }
        pw_buf_free(&b);
    }
    printf("%d\n", port);
    fflush(stdout);

    for (;;) {
        struct pollfd p[2] = {{lfd, POLLIN, 0}, {0, POLLIN, 0}};
        int rc = poll(p, watch_stdin ? 2 : 1, (int)(idle * 1000));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            break; /* idle timeout */
        if (watch_stdin && p[1].revents) {
            char c[64];
            if (read(0, c, sizeof(c)) <= 0)
                break;
        }
        if (!(p[0].revents & POLLIN))
            continue;
        int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0)
            continue;
        setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        pid_t child = fork();
        if (child == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() == 1)
                _exit(0);
            close(lfd);
            serve_connection(cfd);
            _exit(0);
        }
        close(cfd);
    }
    close(lfd);
    return 0;
}
