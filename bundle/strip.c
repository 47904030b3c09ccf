/* Slimming: which installed paths a Worker bundle can do without. */
#include "bundle_private.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    unsigned mask;
} strip_classes[] = {
    {"tests", PW_STRIP_TESTS},
    {"pycache", PW_STRIP_PYCACHE},
    {"stubs", PW_STRIP_STUBS},
    {"all", PW_STRIP_TESTS | PW_STRIP_PYCACHE | PW_STRIP_STUBS},
};

int pw_bundle_strip_parse(const pw_strlist *names, unsigned *mask, pw_error *err)
{
    *mask = 0;
    for (size_t i = 0; names && i < names->len; i++) {
        size_t k = 0;
        for (; k < sizeof(strip_classes) / sizeof(strip_classes[0]); k++)
            if (strcmp(names->items[i], strip_classes[k].name) == 0)
                break;
        if (k == sizeof(strip_classes) / sizeof(strip_classes[0]))
            return pw_error_set(err, PW_EINVAL,
                                "unknown strip class \"%s\": expected tests, pycache, stubs or all",
                                names->items[i]);
        *mask |= strip_classes[k].mask;
    }
    return PW_OK;
}

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static bool component_is(const char *c, size_t len, const char *name)
{
    return len == strlen(name) && memcmp(c, name, len) == 0;
}

/* A glob matches the path itself or any directory that contains it, so
 * "pkg/data" excludes everything under pkg/data/ (as in .gitignore). */
bool pw_bundle_glob_matches(const char *pattern, const char *path)
{
    if (fnmatch(pattern, path, 0) == 0)
        return true;
    char *copy = pw_xstrdup(path);
    bool hit = false;
    for (char *p = copy; *p && !hit; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        hit = fnmatch(pattern, copy, 0) == 0;
        *p = '/';
    }
    free(copy);
    return hit;
}

bool pw_bundle_path_stripped(const char *path, unsigned mask, const pw_strlist *exclude,
                             bool has_source)
{
    const char *first_slash = strchr(path, '/');
    size_t first_len = first_slash ? (size_t)(first_slash - path) : strlen(path);
    /* Package metadata stays whole: RECORD must describe what is installed. */
    if (has_suffix(path, first_len, ".dist-info"))
        return false;

    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t base_len = strlen(base);

    size_t depth = 0;
    for (const char *c = path; c != base; depth++) {
        const char *slash = strchr(c, '/');
        size_t len = (size_t)(slash - c);
        /* Test suites live in test/ or tests/ below a package; a top-level
         * "test" is a package of its own (CPython's test suite) and stays. */
        if ((mask & PW_STRIP_TESTS) && depth >= 1 &&
            (component_is(c, len, "tests") || component_is(c, len, "test")))
            return true;
        if ((mask & PW_STRIP_PYCACHE) && component_is(c, len, "__pycache__"))
            return true;
        c = slash + 1;
    }
    /* A .pyc without its .py is a sourceless module: the only code there is. */
    if ((mask & PW_STRIP_PYCACHE) && has_source &&
        (has_suffix(base, base_len, ".pyc") || has_suffix(base, base_len, ".pyo")))
        return true;
    if ((mask & PW_STRIP_STUBS) &&
        (has_suffix(base, base_len, ".pyi") || strcmp(base, "py.typed") == 0))
        return true;
    for (size_t i = 0; exclude && i < exclude->len; i++)
        if (pw_bundle_glob_matches(exclude->items[i], path))
            return true;
    return false;
}
