/*
 * Shared pieces of the fuzz harnesses (tests/fuzz/fuzz_<name>.c).
 *
 * Each harness defines LLVMFuzzerTestOneInput. It is linked either with
 * libFuzzer (-fsanitize=fuzzer, PWPKG_FUZZ=ON) or with replay_main.c, which
 * feeds it every file of the seed corpus and the regression inputs so that
 * ordinary `ctest` runs replay them too.
 *
 * Harnesses are deterministic (no clock, no randomness), free everything
 * they allocate (libFuzzer reports leaks) and turn a broken invariant into
 * abort() so that the fuzzer records the input as a crash.
 */
#ifndef PW_FUZZ_H
#define PW_FUZZ_H

#include "common.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with "fuzz invariant: <message>" on stderr when `cond` is false. */
void fuzz_check(bool cond, const char *fmt, ...) PW_PRINTF(2, 3);

/*
 * The error convention every pwpkg function follows: a failure returns a
 * negative PW_E* code and leaves the same code and a message in `err`; a
 * success returns 0. `what` names the call in the abort message. With
 * PWPKG_FUZZ_VERBOSE=1 in the environment, each outcome is printed.
 */
void fuzz_check_status(const char *what, int rc, const pw_error *err);

/* A heap, NUL-terminated copy of the input (parsers that take a length must
 * still not read past it; the copy lets harnesses use C-string helpers). */
char *fuzz_cstr(const uint8_t *data, size_t size);

/*
 * Splits the input at every occurrence of `sep` into at most `max` parts
 * (the last part keeps the rest). Returns the number of parts; the slices
 * point into `data`.
 */
size_t fuzz_split(const uint8_t *data, size_t size, const char *sep, pw_slice *parts, size_t max);

/* Byte equality of two buffers, reporting both texts on mismatch. */
void fuzz_check_same_text(const char *what, const pw_buf *a, const pw_buf *b);

#endif
