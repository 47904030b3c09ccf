/* libcurl's functions as fetch/ calls them, forwarded to the library opened
 * at the first transfer (libcurl_lazy.h says why). */
#include "libcurl_lazy.h"

/* These definitions are the functions; curl.h's type-checking macros of the
 * same names would rewrite them. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include <stdarg.h>

#ifndef PW_LIBCURL_SONAME
#error "PW_LIBCURL_SONAME (libcurl's soname) comes from fetch/CMakeLists.txt"
#endif

/* X(return type, name, parameters, arguments, result when not loaded);
 * V(name, parameters, arguments) for those that return nothing. The two
 * variadic setopt functions and getinfo have their own bodies, below. */
/* clang-format off */
#define PW_LIBCURL_FUNCTIONS(X, V) \
    V(curl_easy_cleanup, (CURL *handle), (handle)) \
    X(CURL *, curl_easy_init, (void), (), NULL) \
    X(const char *, curl_easy_strerror, (CURLcode code), (code), "libcurl is not loaded") \
    V(curl_global_cleanup, (void), ()) \
    X(CURLcode, curl_global_init, (long flags), (flags), CURLE_FAILED_INIT) \
    X(CURLMcode, curl_multi_add_handle, (CURLM *multi, CURL *handle), (multi, handle), \
      CURLM_INTERNAL_ERROR) \
    X(CURLMcode, curl_multi_cleanup, (CURLM *multi), (multi), CURLM_INTERNAL_ERROR) \
    X(CURLMsg *, curl_multi_info_read, (CURLM *multi, int *queued), (multi, queued), NULL) \
    X(CURLM *, curl_multi_init, (void), (), NULL) \
    X(CURLMcode, curl_multi_perform, (CURLM *multi, int *running), (multi, running), \
      CURLM_INTERNAL_ERROR) \
    X(CURLMcode, curl_multi_poll, \
      (CURLM *multi, struct curl_waitfd extra_fds[], unsigned int extra_nfds, int timeout_ms, \
       int *ret), \
      (multi, extra_fds, extra_nfds, timeout_ms, ret), CURLM_INTERNAL_ERROR) \
    X(CURLMcode, curl_multi_remove_handle, (CURLM *multi, CURL *handle), (multi, handle), \
      CURLM_INTERNAL_ERROR) \
    X(const char *, curl_multi_strerror, (CURLMcode code), (code), "libcurl is not loaded") \
    X(CURLMcode, curl_multi_wakeup, (CURLM *multi), (multi), CURLM_INTERNAL_ERROR) \
    X(struct curl_slist *, curl_slist_append, (struct curl_slist *list, const char *text), \
      (list, text), NULL) \
    V(curl_slist_free_all, (struct curl_slist *list), (list))
#define PW_LIBCURL_OWN_BODIES(Y) Y(curl_easy_getinfo) Y(curl_easy_setopt) Y(curl_multi_setopt)
/* clang-format on */

#define PW_LIBCURL_MEMBER(ret, name, params, args, failed) __typeof__(name) *name;
#define PW_LIBCURL_VOID_MEMBER(name, params, args) __typeof__(name) *name;
#define PW_LIBCURL_OWN_MEMBER(name) __typeof__(name) *name;
typedef struct libcurl_table {
    PW_LIBCURL_FUNCTIONS(PW_LIBCURL_MEMBER, PW_LIBCURL_VOID_MEMBER)
    PW_LIBCURL_OWN_BODIES(PW_LIBCURL_OWN_MEMBER)
} libcurl_table;
static libcurl_table table;

#define PW_LIBCURL_NAME(ret, name, params, args, failed) #name,
#define PW_LIBCURL_VOID_NAME(name, params, args) #name,
#define PW_LIBCURL_OWN_NAME(name) #name,
#define PW_LIBCURL_SLOT(ret, name, params, args, failed) (void **)&table.name,
#define PW_LIBCURL_VOID_SLOT(name, params, args) (void **)&table.name,
#define PW_LIBCURL_OWN_SLOT(name) (void **)&table.name,
static const char *const names[] = {PW_LIBCURL_FUNCTIONS(PW_LIBCURL_NAME, PW_LIBCURL_VOID_NAME)
                                        PW_LIBCURL_OWN_BODIES(PW_LIBCURL_OWN_NAME)};
static void **const slots[] = {PW_LIBCURL_FUNCTIONS(PW_LIBCURL_SLOT, PW_LIBCURL_VOID_SLOT)
                                   PW_LIBCURL_OWN_BODIES(PW_LIBCURL_OWN_SLOT)};
static pw_library libcurl = {.soname = PW_LIBCURL_SONAME,
                             .purpose = "downloads need libcurl",
                             .names = names,
                             .slots = slots,
                             .n = PW_COUNT(names)};

int pw_libcurl_load(pw_error *err)
{
    return pw_library_require(&libcurl, err);
}

/* The forwarders never open libcurl themselves (pw_library_loaded): freeing
 * an empty list or a never-used session must not load it. */
#define PW_LIBCURL_FORWARD(ret, name, params, args, failed)                                       \
    ret name params                                                                                \
    {                                                                                              \
        return pw_library_loaded(&libcurl) ? table.name args : (failed);                           \
    }
#define PW_LIBCURL_VOID_FORWARD(name, params, args)                                                \
    void name params                                                                               \
    {                                                                                              \
        if (pw_library_loaded(&libcurl))                                                           \
            table.name args;                                                                       \
    }
PW_LIBCURL_FUNCTIONS(PW_LIBCURL_FORWARD, PW_LIBCURL_VOID_FORWARD)

/*
 * The setopt functions take one argument whose type the option's number
 * encodes (curl.h, CURLOPTTYPE_*; the multi options use the same ranges),
 * and libcurl reads it by that type; so does the forwarder. A callback is
 * passed on as a generic function pointer: every platform with dlsym gives
 * all function pointers one representation.
 */
#define PW_LIBCURL_SETOPT(ret, name, handle_type, option_type, failed)                            \
    ret name(handle_type handle, option_type option, ...)                                          \
    {                                                                                              \
        if (!pw_library_loaded(&libcurl))                                                          \
            return (failed);                                                                       \
        ret rc;                                                                                    \
        va_list args;                                                                              \
        va_start(args, option);                                                                    \
        if (option < CURLOPTTYPE_OBJECTPOINT)                                                      \
            rc = table.name(handle, option, va_arg(args, long));                                   \
        else if (option < CURLOPTTYPE_FUNCTIONPOINT)                                               \
            rc = table.name(handle, option, va_arg(args, void *));                                 \
        else if (option < CURLOPTTYPE_OFF_T)                                                       \
            rc = table.name(handle, option, va_arg(args, void (*)(void)));                         \
        else if (option < CURLOPTTYPE_BLOB)                                                        \
            rc = table.name(handle, option, va_arg(args, curl_off_t));                             \
        else                                                                                       \
            rc = table.name(handle, option, va_arg(args, void *));                                 \
        va_end(args);                                                                              \
        return rc;                                                                                 \
    }
PW_LIBCURL_SETOPT(CURLcode, curl_easy_setopt, CURL *, CURLoption, CURLE_FAILED_INIT)
PW_LIBCURL_SETOPT(CURLMcode, curl_multi_setopt, CURLM *, CURLMoption, CURLM_INTERNAL_ERROR)

/* Every CURLINFO_* takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *handle, CURLINFO info, ...)
{
    if (!pw_library_loaded(&libcurl))
        return CURLE_FAILED_INIT;
    va_list args;
    va_start(args, info);
    CURLcode rc = table.curl_easy_getinfo(handle, info, va_arg(args, void *));
    va_end(args);
    return rc;
}
