/* Helpers shared by the bundle tests. */
#ifndef PW_TEST_SUPPORT_BUNDLE_H
#define PW_TEST_SUPPORT_BUNDLE_H

#include "test_support.h"

#include "bundle.h"
#include "wheelgen.h"

/* Generates an archive from `spec` into `dir`; asserts success; heap path. */
char *tb_make(const pw_wheelgen_spec *spec, const char *dir);
/* The whole file as a NUL-terminated heap string; NULL when missing. */
char *tb_slurp(const char *dir, const char *rel, size_t *len);
/* How many entries of `dir` start with `prefix` (temp leftovers). */
size_t tb_count_prefixed(const char *dir, const char *prefix);
/* sha256 hex of a file (asserts it can be read). */
void tb_sha256(const char *path, char hex[PW_SHA256_HEX_LEN + 1]);
/* Mode bits (permissions only) of a path, -1 when missing. */
int tb_mode(const char *dir, const char *rel);
/* A small valid wheel with a module, tests, stubs, caches and .data. */
pw_wheelgen_spec tb_rich_spec(void); /* "rich" 1.0 */

#endif
