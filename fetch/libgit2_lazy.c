/* Opens libgit2 on first use (libgit2_lazy.h says why). */
#include "libgit2_lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#ifndef PW_LIBGIT2_SONAME
#error "PW_LIBGIT2_SONAME (libgit2's soname) comes from fetch/CMakeLists.txt"
#endif

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
pw_libgit2 pw_lg;
static const pw_libgit2 *loaded;
/* Why it failed, kept for every later caller (dlerror() is read once). */
static char load_error[512];

static void load(void)
{
    /* RTLD_LOCAL: only this table sees libgit2's symbols. A process that
     * already links libgit2 (the tests) gets that same copy back. */
    void *lib = dlopen(PW_LIBGIT2_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error, sizeof(load_error), "%s", dlerror());
        return;
    }
#define PW_LIBGIT2_RESOLVE(name)                                                                   \
    if (!(*(void **)&pw_lg.name = dlsym(lib, #name))) {                                            \
        snprintf(load_error, sizeof(load_error), "%s has no %s", PW_LIBGIT2_SONAME, #name);       \
        return;                                                                                    \
    }
    PW_LIBGIT2_FUNCTIONS(PW_LIBGIT2_RESOLVE)
#undef PW_LIBGIT2_RESOLVE
    loaded = &pw_lg;
}

const pw_libgit2 *pw_libgit2_load(pw_error *err)
{
    pthread_once(&load_once, load);
    if (!loaded)
        pw_error_set(err, PW_EUNSUPPORTED, "git work needs libgit2 (%s): %s", PW_LIBGIT2_SONAME,
                     load_error);
    return loaded;
}
