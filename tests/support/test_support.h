/*
 * What the unit tests share: scratch directories, writing files, and the
 * assertion that a pwpkg call succeeded. The HTTP test server and nginx
 * are in test_server.h; generated wheels in wheelgen.h. Include after
 * <cmocka.h>'s prerequisites (stdarg.h, stddef.h, stdint.h, setjmp.h).
 */
#ifndef PW_TEST_SUPPORT_H
#define PW_TEST_SUPPORT_H

#include "common.h"

/*
 * Asserts that `call` returned PW_OK; otherwise fails the test at the
 * caller's line with the call's text, its status and the error message
 * (libgit2's cl_git_pass), not two numbers. `err` may be NULL.
 */
#define PW_ASSERT_OK(call, err) pw_test_assert_ok((call), (err), #call, __FILE__, __LINE__)
void pw_test_assert_ok(int rc, const pw_error *err, const char *call, const char *file, int line);

/* A new scratch directory $PWPKG_TEST_TMP/<tag>-XXXXXX (else $TMPDIR, else
 * /tmp), mode 0755 so that nginx workers can read it; fails the test when
 * it cannot be made. Heap path. */
char *pw_test_tempdir(const char *tag);

/* Writes DIR/REL (REL may hold '/': parents are made) atomically; fails
 * the test with the error message when it cannot. */
void pw_test_write(const char *dir, const char *rel, const void *data, size_t len);
void pw_test_write_text(const char *dir, const char *rel, const char *text);

#endif
