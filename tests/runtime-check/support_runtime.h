/* Helpers shared by the runtime-check tests: scratch dirs, the runtime
 * cache (installed for real with npm), small python_modules trees. */
#ifndef PW_TEST_SUPPORT_RUNTIME_H
#define PW_TEST_SUPPORT_RUNTIME_H

#include "test_support.h"

#include "common.h"

/* $PWPKG_TEST_RUNTIME_CACHE, else $PWPKG_TEST_TMP/runtime-cache. */
const char *rt_cache_dir(void);
/* pw_runtime_install into the test cache (reused when already there). */
char *rt_runtime(const char *version);
/* Writes root/rel (creating directories); fails the test on error. */
void rt_write(const char *root, const char *rel, const char *text);
/* Points PWPKG_HARNESS at the source tree's harness.mjs. */
void rt_use_source_harness(void);
/* Removes the directory tree and frees the string. */
void rt_cleanup(char *dir);
/* Reads a whole file into a heap string; NULL when missing. */
char *rt_read(const char *path, size_t *len);

#endif
