/* Shared libraries opened on first use (common.h says why). */
#include "common.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

enum { NOT_TRIED, LOADED, FAILED };

/* One lock for every library: each is opened once, and then never again
 * taken (the state is read first). */
static pthread_mutex_t opening = PTHREAD_MUTEX_INITIALIZER;

static int open_library(pw_library *lib)
{
    void *handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(lib->error, sizeof(lib->error), "%s (%s): %s", lib->purpose, lib->soname,
                 dlerror());
        return FAILED;
    }
    for (size_t i = 0; i < lib->n; i++) {
        /* POSIX: a function's address comes back from dlsym as a void *. */
        *lib->slots[i] = dlsym(handle, lib->names[i]);
        if (!*lib->slots[i]) {
            snprintf(lib->error, sizeof(lib->error), "%s (%s): it has no %s", lib->purpose,
                     lib->soname, lib->names[i]);
            return FAILED;
        }
    }
    return LOADED;
}

bool pw_library_ready(pw_library *lib)
{
    int state = atomic_load_explicit(&lib->state, memory_order_acquire);
    if (state == NOT_TRIED) {
        pthread_mutex_lock(&opening);
        state = atomic_load_explicit(&lib->state, memory_order_relaxed);
        if (state == NOT_TRIED) {
            state = open_library(lib);
            atomic_store_explicit(&lib->state, state, memory_order_release);
        }
        pthread_mutex_unlock(&opening);
    }
    return state == LOADED;
}

bool pw_library_loaded(pw_library *lib)
{
    return atomic_load_explicit(&lib->state, memory_order_acquire) == LOADED;
}

int pw_library_require(pw_library *lib, pw_error *err)
{
    if (pw_library_ready(lib))
        return PW_OK;
    return pw_error_set(err, PW_EUNSUPPORTED, "%s", lib->error);
}
