/* Opens libgit2 on first use (libgit2_lazy.h says why). */
#include "libgit2_lazy.h"

#ifndef PW_LIBGIT2_SONAME
#error "PW_LIBGIT2_SONAME (libgit2's soname) comes from fetch/CMakeLists.txt"
#endif

pw_libgit2 pw_lg;

#define PW_LIBGIT2_NAME(name) #name,
#define PW_LIBGIT2_SLOT(name) (void **)&pw_lg.name,
static const char *const names[] = {PW_LIBGIT2_FUNCTIONS(PW_LIBGIT2_NAME)};
static void **const slots[] = {PW_LIBGIT2_FUNCTIONS(PW_LIBGIT2_SLOT)};
#undef PW_LIBGIT2_NAME
#undef PW_LIBGIT2_SLOT
static pw_library libgit2 = {.soname = PW_LIBGIT2_SONAME,
                             .purpose = "git work needs libgit2",
                             .names = names,
                             .slots = slots,
                             .n = PW_COUNT(names)};

const pw_libgit2 *pw_libgit2_load(pw_error *err)
{
    return pw_library_require(&libgit2, err) == PW_OK ? &pw_lg : NULL;
}
