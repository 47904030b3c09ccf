/* libcurl's functions as fetch/ calls them, forwarded to the library opened
 * at the first transfer (libcurl_lazy.h says why). */
#include "libcurl_lazy.h"

/* These definitions are the functions; curl.h's type-checking macros of the
 * same names would rewrite them. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

#ifndef PW_LIBCURL_SONAME
#error "PW_LIBCURL_SONAME (libcurl's soname) comes from fetch/CMakeLists.txt"
#endif

/* clang-format off */
#define PW_LIBCURL_FUNCTIONS(X) \
    X(curl_easy_cleanup) \
    X(curl_easy_getinfo) \
    X(curl_easy_init) \
    X(curl_easy_setopt) \
    X(curl_easy_strerror) \
    X(curl_global_cleanup) \
    X(curl_global_init) \
    X(curl_multi_add_handle) \
    X(curl_multi_cleanup) \
    X(curl_multi_info_read) \
    X(curl_multi_init) \
    X(curl_multi_perform) \
    X(curl_multi_poll) \
    X(curl_multi_remove_handle) \
    X(curl_multi_setopt) \
    X(curl_multi_strerror) \
    X(curl_multi_wakeup) \
    X(curl_slist_append) \
    X(curl_slist_free_all)
/* clang-format on */

#define PW_LIBCURL_MEMBER(name) __typeof__(name) *name;
typedef struct libcurl_table {
    PW_LIBCURL_FUNCTIONS(PW_LIBCURL_MEMBER)
} libcurl_table;
#undef PW_LIBCURL_MEMBER

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static libcurl_table table;
/* Set (release) once the table is complete; the forwarders read it
 * (acquire) without loading anything, so that freeing a NULL list or a
 * never-used session opens nothing. */
static _Atomic(const libcurl_table *) loaded;
/* Why it failed, kept for every later caller (dlerror() is read once). */
static char load_error[512];

static void load(void)
{
#define PW_LIBCURL_NAME(name) #name,
#define PW_LIBCURL_SLOT(name) (void **)&table.name,
    static const char *const names[] = {PW_LIBCURL_FUNCTIONS(PW_LIBCURL_NAME)};
    static void **const slots[] = {PW_LIBCURL_FUNCTIONS(PW_LIBCURL_SLOT)};
#undef PW_LIBCURL_NAME
#undef PW_LIBCURL_SLOT
    if (pw_library_open(PW_LIBCURL_SONAME, names, slots, PW_COUNT(names), load_error,
                        sizeof(load_error)))
        atomic_store_explicit(&loaded, &table, memory_order_release);
}

int pw_libcurl_load(pw_error *err)
{
    pthread_once(&load_once, load);
    if (!atomic_load_explicit(&loaded, memory_order_acquire))
        return pw_error_set(err, PW_EUNSUPPORTED, "downloads need libcurl (%s): %s",
                            PW_LIBCURL_SONAME, load_error);
    return PW_OK;
}

static const libcurl_table *current(void)
{
    return atomic_load_explicit(&loaded, memory_order_acquire);
}

/*
 * The setopt functions take one argument whose type the option's number
 * encodes (curl.h, CURLOPTTYPE_*; the multi options use the same ranges),
 * and libcurl reads it by that type; so does the forwarder. A callback is
 * passed on as a generic function pointer: every platform with dlsym gives
 * all function pointers one representation.
 */
#define FORWARD_OPTION(result, fn, handle, option, args)                                          \
    do {                                                                                           \
        if ((option) < CURLOPTTYPE_OBJECTPOINT)                                                    \
            (result) = (fn)((handle), (option), va_arg((args), long));                             \
        else if ((option) < CURLOPTTYPE_FUNCTIONPOINT)                                             \
            (result) = (fn)((handle), (option), va_arg((args), void *));                           \
        else if ((option) < CURLOPTTYPE_OFF_T)                                                     \
            (result) = (fn)((handle), (option), va_arg((args), void (*)(void)));                   \
        else if ((option) < CURLOPTTYPE_BLOB)                                                      \
            (result) = (fn)((handle), (option), va_arg((args), curl_off_t));                       \
        else                                                                                       \
            (result) = (fn)((handle), (option), va_arg((args), void *));                           \
    } while (0)

CURLcode curl_global_init(long flags)
{
    const libcurl_table *lc = current();
    return lc ? lc->curl_global_init(flags) : CURLE_FAILED_INIT;
}

void curl_global_cleanup(void)
{
    const libcurl_table *lc = current();
    if (lc)
        lc->curl_global_cleanup();
}

CURL *curl_easy_init(void)
{
    const libcurl_table *lc = current();
    return lc ? lc->curl_easy_init() : NULL;
}

void curl_easy_cleanup(CURL *handle)
{
    const libcurl_table *lc = current();
    if (lc)
        lc->curl_easy_cleanup(handle);
}

CURLcode curl_easy_setopt(CURL *handle, CURLoption option, ...)
{
    const libcurl_table *lc = current();
    if (!lc)
        return CURLE_FAILED_INIT;
    CURLcode rc;
    va_list args;
    va_start(args, option);
    FORWARD_OPTION(rc, lc->curl_easy_setopt, handle, option, args);
    va_end(args);
    return rc;
}

/* Every CURLINFO_* takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *handle, CURLINFO info, ...)
{
    const libcurl_table *lc = current();
    if (!lc)
        return CURLE_FAILED_INIT;
    va_list args;
    va_start(args, info);
    CURLcode rc = lc->curl_easy_getinfo(handle, info, va_arg(args, void *));
    va_end(args);
    return rc;
}

const char *curl_easy_strerror(CURLcode code)
{
    const libcurl_table *lc = current();
    return lc ? lc->curl_easy_strerror(code) : "libcurl is not loaded";
}

CURLM *curl_multi_init(void)
{
    const libcurl_table *lc = current();
    return lc ? lc->curl_multi_init() : NULL;
}

CURLMcode curl_multi_cleanup(CURLM *multi)
{
    const libcurl_table *lc = current();
    return lc ? lc->curl_multi_cleanup(multi) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_setopt(CURLM *multi, CURLMoption option, ...)
{
    const libcurl_table *lc = current();
    if (!lc)
        return CURLM_INTERNAL_ERROR;
    CURLMcode rc;
    va_list args;
    va_start(args, option);
    FORWARD_OPTION(rc, lc->curl_multi_setopt, multi, option, args);
    va_end(args);
    return rc;
}

CURLMcode curl_multi_add_handle(CURLM *multi, CURL *handle)
{
    const libcurl_table *lc = current();
    return lc ? lc->curl_multi_add_handle(multi, handle) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_remove_handle(CURLM *multi, CURL *handle)
{
    const libcurl_table *lc = current();
    return lc ? lc->curl_multi_remove_handle(multi, handle) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_perform(CURLM *multi, int *running)
{
    const libcurl_table *lc = current();
    return lc ? lc->curl_multi_perform(multi, running) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_poll(CURLM *multi, struct curl_waitfd extra_fds[], unsigned int extra_nfds,
                          int timeout_ms, int *ret)
{
    const libcurl_table *lc = current();
    return lc ? lc->curl_multi_poll(multi, extra_fds, extra_nfds, timeout_ms, ret)
              : CURLM_INTERNAL_ERROR;
}

CURLMsg *curl_multi_info_read(CURLM *multi, int *queued)
{
    const libcurl_table *lc = current();
    return lc ? lc->curl_multi_info_read(multi, queued) : NULL;
}

CURLMcode curl_multi_wakeup(CURLM *multi)
{
    const libcurl_table *lc = current();
    return lc ? lc->curl_multi_wakeup(multi) : CURLM_INTERNAL_ERROR;
}

const char *curl_multi_strerror(CURLMcode code)
{
    const libcurl_table *lc = current();
    return lc ? lc->curl_multi_strerror(code) : "libcurl is not loaded";
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *text)
{
    const libcurl_table *lc = current();
    return lc ? lc->curl_slist_append(list, text) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
    const libcurl_table *lc = current();
    if (lc)
        lc->curl_slist_free_all(list);
}
