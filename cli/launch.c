/*
 * The pwpkg executable. It answers `pwpkg --version` itself and loads the
 * commands, the core (libpwpkg_core.so), only to run one.
 *
 * Why: the core links libcurl, libzip and OpenSSL, about forty shared
 * libraries whose loading and relocation cost ~9 ms at every start (95% of
 * what `--version` cost, issue 14). This file links only the C library.
 *
 * Where: beside the executable (the build tree) or in PWPKG_CORE_INSTALLED
 * relative to it (an installation: bin/ and lib/pwpkg/), both found from
 * /proc/self/exe, never from the working directory or LD_LIBRARY_PATH, so
 * the executable always runs the core it was installed with. Without a core
 * it says so in one line and exits 2 (CLI_EXIT_USAGE: a broken
 * installation is bad input, not a failed check).
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef PWPKG_VERSION
#define PWPKG_VERSION "0.0.0"
#endif
#ifndef PWPKG_CORE_NAME
#define PWPKG_CORE_NAME "libpwpkg_core.so"
#endif
#ifndef PWPKG_CORE_INSTALLED
#define PWPKG_CORE_INSTALLED "../lib/pwpkg"
#endif

enum { LAUNCH_EXIT_BROKEN = 2 };

/*
 * Whether main.c would print the version: its global options are
 * "+:qvhV" and long ones; -q and -v before -V change nothing. Anything else
 * (a command, -h, a long option other than --version, an abbreviation) is
 * left to the core, which gives the same answer, only later.
 */
static int wants_version(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--version") == 0)
            return 1;
        if (a[0] != '-' || a[1] == '\0' || a[1] == '-')
            return 0;
        for (const char *c = a + 1; *c; c++) {
            if (*c == 'V')
                return 1;
            if (*c != 'q' && *c != 'v')
                return 0;
        }
    }
    return 0;
}

typedef int (*core_main_fn)(int argc, char **argv);

int main(int argc, char **argv)
{
    if (wants_version(argc, argv)) {
        printf("pwpkg %s\n", PWPKG_VERSION);
        return fflush(stdout) == 0 ? 0 : LAUNCH_EXIT_BROKEN;
    }

    char dir[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
    if (n <= 0 || (size_t)n >= sizeof(dir) - 1) {
        fprintf(stderr, "pwpkg: cannot find its own executable through /proc/self/exe (is /proc "
                        "mounted?)\n");
        return LAUNCH_EXIT_BROKEN;
    }
    dir[n] = '\0';
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';

    char beside[PATH_MAX + 64], installed[PATH_MAX + 64];
    snprintf(beside, sizeof(beside), "%s/%s", dir, PWPKG_CORE_NAME);
    snprintf(installed, sizeof(installed), "%s/%s/%s", dir, PWPKG_CORE_INSTALLED,
             PWPKG_CORE_NAME);
    const char *path = access(beside, F_OK) == 0 ? beside : installed;
    if (access(path, F_OK) != 0) {
        fprintf(stderr, "pwpkg: its commands are missing: neither %s nor %s exists "
                        "(reinstall pwpkg)\n", beside, installed);
        return LAUNCH_EXIT_BROKEN;
    }
    /* RTLD_LAZY: functions are bound at their first call, as the linker
     * does for an executable; binding all of them up front (RTLD_NOW) cost
     * a lock 5% more instructions. The core was linked with
     * --no-undefined, so nothing is missing short of a broken installation.
     * It is never closed, so that leak reports and stack traces of a
     * sanitizer build still name its functions at exit. */
    void *core = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
    if (!core) {
        fprintf(stderr, "pwpkg: cannot load its commands: %s\n", dlerror());
        return LAUNCH_EXIT_BROKEN;
    }
    core_main_fn run;
    *(void **)&run = dlsym(core, "pwpkg_core_main");
    if (!run) {
        fprintf(stderr, "pwpkg: %s is not a pwpkg core (no pwpkg_core_main)\n", path);
        return LAUNCH_EXIT_BROKEN;
    }
    return run(argc, argv);
}
