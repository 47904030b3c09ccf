/*
 * libcurl, opened at a session's first transfer (private to fetch/).
 *
 * Why: libcurl and what it links (OpenSSL's libssl, nghttp2, libssh2,
 * librtmp, GSSAPI, LDAP, ...: 28 shared objects on Debian 12) cost every
 * command their loading and relocation, though many never transfer: a
 * lock from a local index, tree, why, diff, report, cache (issue 14: no
 * shared library loaded that a command does not use). The fetch module is
 * therefore not linked with libcurl: libcurl_lazy.c defines each libcurl
 * function fetch/ calls, under libcurl's own name and prototype, and
 * forwards it to the library opened by soname (PW_LIBCURL_SONAME, read
 * from the library found at configure time) when the session needs its
 * multi handle.
 *
 * Unlike libgit2 (libgit2_lazy.h, a table of pointers), the call sites keep
 * libcurl's API as it is: curl_easy_setopt and curl_easy_getinfo are
 * variadic, and curl.h checks their arguments' types at compile time with
 * gcc (typecheck-gcc.h) only when they are called by name. A libcurl
 * function used but not defined in libcurl_lazy.c fails to link.
 */
#ifndef PW_FETCH_LIBCURL_LAZY_H
#define PW_FETCH_LIBCURL_LAZY_H

#include "common.h"

/*
 * Opens libcurl on the first call (once per process, thread-safe; the
 * library stays loaded). PW_OK, or PW_EUNSUPPORTED in `err` ("downloads
 * need libcurl (libcurl.so.4): <dlerror>") when it cannot be opened or
 * lacks a function. Until it succeeds, every forwarded function fails as
 * libcurl does when it is out of resources (NULL, CURLE_FAILED_INIT,
 * CURLM_INTERNAL_ERROR).
 */
int pw_libcurl_load(pw_error *err);

#endif
