/*
 * libzip and zlib, opened at the first archive work.
 *
 * Why: libzip and what it links (libbz2, liblzma, libzstd, ...) and zlib
 * cost every command their loading, though most never open an archive: a
 * lock from a release's index, tree, why, cache, diff (issue 14: no shared
 * library loaded that a command does not use). No module is linked with
 * them: archive_libraries.c defines each libzip and zlib function pwpkg
 * calls, under the library's own name and prototype, and forwards it to
 * the library opened by soname (read from the library found at configure
 * time) on the first call. A function used but not defined there fails to
 * link in the core.
 *
 * Unlike libcurl (fetch/libcurl_lazy.h), any call opens the library: every
 * libzip or zlib call is archive work. Code that opens an archive, or
 * inflates or deflates, calls pw_archive_libraries_load (pw_zlib_load when
 * zlib is all it uses) first, so that a library that cannot be loaded is
 * reported as that, not as an unreadable archive.
 */
#ifndef PW_PACKAGING_ARCHIVE_LIBRARIES_H
#define PW_PACKAGING_ARCHIVE_LIBRARIES_H

#include "common.h"

/*
 * Opens libzip and zlib on the first call (once per process, thread-safe;
 * they stay loaded). PW_OK, or PW_EUNSUPPORTED in `err` ("archives need
 * libzip (libzip.so.4): <the loader's reason>") when one cannot be opened
 * or lacks a function; then every forwarded function of that library
 * fails as the library does (NULL, -1, ZIP_ER_INTERNAL, Z_VERSION_ERROR).
 */
int pw_archive_libraries_load(pw_error *err);

/* zlib alone, the same way ("archives need zlib ..."): for code that only
 * inflates, such as pwpkg's own reader of a wheel's METADATA, which leaves
 * libzip (and the libbz2 it links) unloaded. */
int pw_zlib_load(pw_error *err);

#endif
