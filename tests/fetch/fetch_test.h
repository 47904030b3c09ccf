/* Helpers shared by the fetch tests: files, trees and fetch options. The
 * HTTP test server and nginx are test support's (test_server.h). */
#ifndef PW_FETCH_TEST_H
#define PW_FETCH_TEST_H

#include "test_server.h"
#include "test_support.h"

#include "common.h"
#include "fetch.h"

/* Deterministic pseudo-random bytes. */
void ft_blob(pw_buf *out, size_t len, unsigned seed);
/* Regular files below dir (recursive). */
size_t ft_count_files(const char *dir);
/* True when some file name or content below dir contains needle. */
bool ft_tree_contains(const char *dir, const char *needle);
/* Options for fast tests: tiny backoff, cache in `cache`. */
void ft_options(pw_fetch_options *o, const char *cache);
pw_fetch_session *ft_session(const pw_fetch_options *o);

#endif
