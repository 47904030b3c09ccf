/* Shared libraries opened on first use (common.h says why). */
#include "common.h"

#include <dlfcn.h>
#include <stdio.h>

bool pw_library_open(const char *soname, const char *const names[], void **const slots[], size_t n,
                     char *why, size_t why_size)
{
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(why, why_size, "%s", dlerror());
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        /* POSIX: a function's address comes back from dlsym as a void *. */
        *slots[i] = dlsym(lib, names[i]);
        if (!*slots[i]) {
            snprintf(why, why_size, "it has no %s", names[i]);
            return false;
        }
    }
    return true;
}
