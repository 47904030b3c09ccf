/* Opens libgit2 on first use (libgit2_lazy.h says why). */
#include "libgit2_lazy.h"

#include <pthread.h>

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
#define PW_LIBGIT2_NAME(name) #name,
#define PW_LIBGIT2_SLOT(name) (void **)&pw_lg.name,
    static const char *const names[] = {PW_LIBGIT2_FUNCTIONS(PW_LIBGIT2_NAME)};
    static void **const slots[] = {PW_LIBGIT2_FUNCTIONS(PW_LIBGIT2_SLOT)};
#undef PW_LIBGIT2_NAME
#undef PW_LIBGIT2_SLOT
    if (pw_library_open(PW_LIBGIT2_SONAME, names, slots, PW_COUNT(names), load_error,
                        sizeof(load_error)))
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
