/* libzip's and zlib's functions as pwpkg calls them, forwarded to the
 * libraries opened on first use (archive_libraries.h says why). */
#include "archive_libraries.h"

/* zip.h gives its declarations default visibility; these definitions stay
 * inside the core like every other symbol of pwpkg. */
#define ZIP_EXTERN
#include <zip.h>
#include <zlib.h>

#include <string.h>

#if !defined(PW_LIBZIP_SONAME) || !defined(PW_ZLIB_SONAME)
#error "PW_LIBZIP_SONAME and PW_ZLIB_SONAME (the sonames) come from packaging/CMakeLists.txt"
#endif

/* ---------------------------------------------------------------- libzip */

/* X(return type, name, parameters, arguments, result when not loaded) */
/* clang-format off */
#define PW_LIBZIP_FUNCTIONS(X, V) \
    X(int, zip_close, (zip_t *za), (za), -1) \
    V(zip_discard, (zip_t *za), (za)) \
    X(int, zip_error_code_zip, (const zip_error_t *ze), (ze), ZIP_ER_INTERNAL) \
    V(zip_error_fini, (zip_error_t *ze), (ze)) \
    X(int, zip_fclose, (zip_file_t *zf), (zf), ZIP_ER_INTERNAL) \
    X(zip_int64_t, zip_file_add, (zip_t *za, const char *name, zip_source_t *src, zip_flags_t fl), \
      (za, name, src, fl), -1) \
    X(zip_error_t *, zip_file_get_error, (zip_file_t *zf), (zf), NULL) \
    X(int, zip_file_get_external_attributes, \
      (zip_t *za, zip_uint64_t i, zip_flags_t fl, zip_uint8_t *os, zip_uint32_t *attr), \
      (za, i, fl, os, attr), -1) \
    X(int, zip_file_set_dostime, \
      (zip_t *za, zip_uint64_t i, zip_uint16_t time, zip_uint16_t date, zip_flags_t fl), \
      (za, i, time, date, fl), -1) \
    X(int, zip_file_set_external_attributes, \
      (zip_t *za, zip_uint64_t i, zip_flags_t fl, zip_uint8_t os, zip_uint32_t attr), \
      (za, i, fl, os, attr), -1) \
    X(const char *, zip_file_strerror, (zip_file_t *zf), (zf), libzip.error) \
    X(zip_file_t *, zip_fopen, (zip_t *za, const char *name, zip_flags_t fl), (za, name, fl), NULL) \
    X(zip_file_t *, zip_fopen_index, (zip_t *za, zip_uint64_t i, zip_flags_t fl), (za, i, fl), NULL) \
    X(zip_int64_t, zip_fread, (zip_file_t *zf, void *buf, zip_uint64_t n), (zf, buf, n), -1) \
    X(const char *, zip_get_name, (zip_t *za, zip_uint64_t i, zip_flags_t fl), (za, i, fl), NULL) \
    X(zip_int64_t, zip_get_num_entries, (zip_t *za, zip_flags_t fl), (za, fl), -1) \
    X(zip_int64_t, zip_name_locate, (zip_t *za, const char *name, zip_flags_t fl), (za, name, fl), -1) \
    X(int, zip_set_file_compression, \
      (zip_t *za, zip_uint64_t i, zip_int32_t method, zip_uint32_t level), \
      (za, i, method, level), -1) \
    X(zip_source_t *, zip_source_buffer, (zip_t *za, const void *data, zip_uint64_t n, int fr), \
      (za, data, n, fr), NULL) \
    X(zip_source_t *, zip_source_file, \
      (zip_t *za, const char *path, zip_uint64_t start, zip_int64_t len), \
      (za, path, start, len), NULL) \
    V(zip_source_free, (zip_source_t *src), (src)) \
    X(zip_source_t *, zip_source_zip, \
      (zip_t *za, zip_t *from, zip_uint64_t i, zip_flags_t fl, zip_uint64_t start, zip_int64_t len), \
      (za, from, i, fl, start, len), NULL) \
    X(int, zip_stat, (zip_t *za, const char *name, zip_flags_t fl, zip_stat_t *st), \
      (za, name, fl, st), -1) \
    X(int, zip_stat_index, (zip_t *za, zip_uint64_t i, zip_flags_t fl, zip_stat_t *st), \
      (za, i, fl, st), -1) \
    X(const char *, zip_strerror, (zip_t *za), (za), libzip.error)
/* clang-format on */

/* Forwarded with their own bodies, below: what they do without the library
 * matters. */
#define PW_LIBZIP_OWN_BODIES(Y) Y(zip_error_init_with_code) Y(zip_error_strerror) Y(zip_open)

#define PW_LIBZIP_MEMBER(ret, name, params, args, failed) __typeof__(name) *name;
#define PW_LIBZIP_VOID_MEMBER(name, params, args) __typeof__(name) *name;
#define PW_LIBZIP_OWN_MEMBER(name) __typeof__(name) *name;
typedef struct libzip_table {
    PW_LIBZIP_FUNCTIONS(PW_LIBZIP_MEMBER, PW_LIBZIP_VOID_MEMBER)
    PW_LIBZIP_OWN_BODIES(PW_LIBZIP_OWN_MEMBER)
} libzip_table;
static libzip_table zip_table;

#define PW_LIBZIP_NAME(ret, name, params, args, failed) #name,
#define PW_LIBZIP_VOID_NAME(name, params, args) #name,
#define PW_LIBZIP_OWN_NAME(name) #name,
#define PW_LIBZIP_SLOT(ret, name, params, args, failed) (void **)&zip_table.name,
#define PW_LIBZIP_VOID_SLOT(name, params, args) (void **)&zip_table.name,
#define PW_LIBZIP_OWN_SLOT(name) (void **)&zip_table.name,
static const char *const libzip_names[] = {PW_LIBZIP_FUNCTIONS(PW_LIBZIP_NAME, PW_LIBZIP_VOID_NAME)
                                               PW_LIBZIP_OWN_BODIES(PW_LIBZIP_OWN_NAME)};
static void **const libzip_slots[] = {PW_LIBZIP_FUNCTIONS(PW_LIBZIP_SLOT, PW_LIBZIP_VOID_SLOT)
                                          PW_LIBZIP_OWN_BODIES(PW_LIBZIP_OWN_SLOT)};
/* Its error is also what libzip's message functions say without it. */
static pw_library libzip = {.soname = PW_LIBZIP_SONAME,
                            .purpose = "archives need libzip",
                            .names = libzip_names,
                            .slots = libzip_slots,
                            .n = PW_COUNT(libzip_names)};

/* A forwarder: the library's function when it opens, else `failed`. */
#define FORWARD(lib, table, ret, name, params, args, failed)                                      \
    ret name params                                                                                \
    {                                                                                              \
        return pw_library_ready(&(lib)) ? (table).name args : (failed);                            \
    }
#define PW_LIBZIP_FORWARD(ret, name, params, args, failed)                                        \
    FORWARD(libzip, zip_table, ret, name, params, args, failed)
#define PW_LIBZIP_VOID_FORWARD(name, params, args)                                                 \
    void name params                                                                               \
    {                                                                                              \
        if (pw_library_ready(&libzip))                                                             \
            zip_table.name args;                                                                   \
    }
PW_LIBZIP_FUNCTIONS(PW_LIBZIP_FORWARD, PW_LIBZIP_VOID_FORWARD)

zip_t *zip_open(const char *path, int flags, int *errorp)
{
    if (pw_library_ready(&libzip))
        return zip_table.zip_open(path, flags, errorp);
    if (errorp)
        *errorp = ZIP_ER_INTERNAL;
    return NULL;
}

void zip_error_init_with_code(zip_error_t *ze, int code)
{
    if (pw_library_ready(&libzip)) {
        zip_table.zip_error_init_with_code(ze, code);
        return;
    }
    memset(ze, 0, sizeof(*ze));
    ze->zip_err = code;
}

const char *zip_error_strerror(zip_error_t *ze)
{
    return pw_library_ready(&libzip) ? zip_table.zip_error_strerror(ze) : libzip.error;
}

/* ------------------------------------------------------------------ zlib */

/* clang-format off */
#define PW_ZLIB_FUNCTIONS(X) \
    X(uLong, crc32, (uLong crc, const Bytef *buf, uInt len), (crc, buf, len), 0) \
    X(int, deflate, (z_streamp strm, int flush), (strm, flush), Z_STREAM_ERROR) \
    X(int, deflateEnd, (z_streamp strm), (strm), Z_STREAM_ERROR) \
    X(int, deflateInit2_, \
      (z_streamp strm, int level, int method, int window_bits, int mem_level, int strategy, \
       const char *version, int stream_size), \
      (strm, level, method, window_bits, mem_level, strategy, version, stream_size), \
      Z_VERSION_ERROR) \
    X(int, deflatePending, (z_streamp strm, unsigned *pending, int *bits), (strm, pending, bits), \
      Z_STREAM_ERROR) \
    X(int, inflate, (z_streamp strm, int flush), (strm, flush), Z_STREAM_ERROR) \
    X(int, inflateEnd, (z_streamp strm), (strm), Z_STREAM_ERROR) \
    X(int, inflateInit2_, (z_streamp strm, int window_bits, const char *version, int stream_size), \
      (strm, window_bits, version, stream_size), Z_VERSION_ERROR)
/* clang-format on */

#define PW_ZLIB_MEMBER(ret, name, params, args, failed) __typeof__(name) *name;
typedef struct zlib_table {
    PW_ZLIB_FUNCTIONS(PW_ZLIB_MEMBER)
} zlib_table;
static zlib_table z_table;

#define PW_ZLIB_NAME(ret, name, params, args, failed) #name,
#define PW_ZLIB_SLOT(ret, name, params, args, failed) (void **)&z_table.name,
static const char *const zlib_names[] = {PW_ZLIB_FUNCTIONS(PW_ZLIB_NAME)};
static void **const zlib_slots[] = {PW_ZLIB_FUNCTIONS(PW_ZLIB_SLOT)};
static pw_library zlib = {.soname = PW_ZLIB_SONAME,
                          .purpose = "archives need zlib",
                          .names = zlib_names,
                          .slots = zlib_slots,
                          .n = PW_COUNT(zlib_names)};

#define PW_ZLIB_FORWARD(ret, name, params, args, failed)                                          \
    FORWARD(zlib, z_table, ret, name, params, args, failed)
PW_ZLIB_FUNCTIONS(PW_ZLIB_FORWARD)

int pw_archive_libraries_load(pw_error *err)
{
    int rc = pw_library_require(&libzip, err);
    return rc == PW_OK ? pw_zlib_load(err) : rc;
}

int pw_zlib_load(pw_error *err)
{
    return pw_library_require(&zlib, err);
}
