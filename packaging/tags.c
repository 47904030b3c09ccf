#include "tags.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ wheel names */

/* Characters allowed in `s` besides ASCII letters and digits. */
static bool only_chars(pw_slice s, const char *extra)
{
    for (size_t i = 0; i < s.len; i++) {
        if (!pw_is_alnum(s.ptr[i]) && (s.ptr[i] == '\0' || !strchr(extra, s.ptr[i])))
            return false;
    }
    return true;
}

static int wheel_error(pw_error *err, const char *file_name, const char *fmt, ...) PW_PRINTF(3, 4);

static int wheel_error(pw_error *err, const char *file_name, const char *fmt, ...)
{
    pw_buf b = PW_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    pw_error_set(err, PW_EINVAL, "wheel file name '%s': %s", file_name, pw_buf_cstr(&b));
    pw_buf_free(&b);
    return PW_EINVAL;
}

/* PEP 425: a tag component may be a '.'-separated compressed set; each
 * member is lowercased as packaging.tags.Tag does. */
static int expand_tag_set(const char *file_name, const char *what, pw_slice part, pw_strlist *out,
                          pw_error *err)
{
    size_t start = 0;
    for (size_t i = 0; i <= part.len; i++) {
        if (i < part.len && part.ptr[i] != '.')
            continue;
        pw_slice one = pw_slice_make(part.ptr + start, i - start);
        if (one.len == 0 || !only_chars(one, "_"))
            return wheel_error(err, file_name,
                               "%s tag '" PW_SLICE_FMT "' must be one or more '.'-separated "
                               "names of letters, digits and '_'",
                               what, PW_SLICE_ARG(part));
        char *tag = pw_xstrndup(one.ptr, one.len);
        for (char *p = tag; *p; p++)
            *p = pw_ascii_lower(*p);
        pw_strlist_push_owned(out, tag);
        start = i + 1;
    }
    return 0;
}

int pw_wheel_name_parse(const char *file_name, pw_wheel_name *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!file_name || !*file_name)
        return pw_error_set(err, PW_EINVAL, "wheel file name is empty");
    pw_slice whole = pw_slice_from(file_name);
    if (!pw_slice_ends_with(whole, ".whl"))
        return wheel_error(err, file_name, "a wheel file name must end in '.whl'");
    pw_slice stem = pw_slice_make(whole.ptr, whole.len - 4);

    /* PEP 427: {distribution}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag};
     * '-' is escaped to '_' inside each part, so the dashes split it. */
    pw_slice parts[6];
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= stem.len; i++) {
        if (i < stem.len && stem.ptr[i] != '-')
            continue;
        if (n == 6)
            return wheel_error(err, file_name,
                               "expected {name}-{version}[-{build}]-{python}-{abi}-{platform}.whl, "
                               "found more than 6 '-'-separated parts");
        parts[n++] = pw_slice_make(stem.ptr + start, i - start);
        start = i + 1;
    }
    if (n < 5)
        return wheel_error(err, file_name,
                           "expected {name}-{version}[-{build}]-{python}-{abi}-{platform}.whl, "
                           "found %zu '-'-separated part%s",
                           n, n == 1 ? "" : "s");

    pw_slice name = parts[0], version = parts[1];
    if (name.len == 0)
        return wheel_error(err, file_name, "the distribution name is empty");
    /* packaging.utils.parse_wheel_filename: the escaped name holds only
     * letters, digits, '.' and '_', and never "__". */
    if (!only_chars(name, "._") || memmem(name.ptr, name.len, "__", 2))
        return wheel_error(err, file_name,
                           "distribution name '" PW_SLICE_FMT "' may contain only letters, "
                           "digits, '.' and single '_'",
                           PW_SLICE_ARG(name));
    /* PEP 440 versions start with a digit (an epoch is digits too) or a 'v'
     * prefix; checking that catches a name with an unescaped '-'. */
    bool version_ok = version.len > 0 && only_chars(version, ".!+_") &&
                      (pw_is_digit(version.ptr[0]) ||
                       (version.len > 1 && pw_ascii_lower(version.ptr[0]) == 'v' &&
                        pw_is_digit(version.ptr[1])));
    if (!version_ok)
        return wheel_error(err, file_name,
                           "version '" PW_SLICE_FMT "' must start with a digit and contain only "
                           "letters, digits, '.', '!', '+' and '_'",
                           PW_SLICE_ARG(version));
    pw_slice build = {NULL, 0};
    if (n == 6) {
        build = parts[2];
        /* PEP 427: "Must start with a digit." */
        if (build.len == 0 || !pw_is_digit(build.ptr[0]) || !only_chars(build, "._"))
            return wheel_error(err, file_name,
                               "build tag '" PW_SLICE_FMT "' must start with a digit",
                               PW_SLICE_ARG(build));
    }

    int rc = expand_tag_set(file_name, "python", parts[n - 3], &out->python_tags, err);
    if (rc == 0)
        rc = expand_tag_set(file_name, "abi", parts[n - 2], &out->abi_tags, err);
    if (rc == 0)
        rc = expand_tag_set(file_name, "platform", parts[n - 1], &out->platform_tags, err);
    if (rc != 0) {
        pw_wheel_name_free(out);
        return rc;
    }
    out->name = pw_xstrndup(name.ptr, name.len);
    out->key = pw_normalize_name(out->name);
    out->version = pw_xstrndup(version.ptr, version.len);
    if (build.ptr)
        out->build_tag = pw_xstrndup(build.ptr, build.len);
    return 0;
}

void pw_wheel_name_free(pw_wheel_name *w)
{
    if (!w)
        return;
    free(w->name);
    free(w->key);
    free(w->version);
    free(w->build_tag);
    pw_strlist_free(&w->python_tags);
    pw_strlist_free(&w->abi_tags);
    pw_strlist_free(&w->platform_tags);
    memset(w, 0, sizeof(*w));
}

/* ---------------------------------------------------------------- tag sets */

static void tagset_clear(pw_tagset *set)
{
    for (size_t i = 0; i < set->len; i++) {
        free(set->tags[i].python);
        free(set->tags[i].abi);
        free(set->tags[i].platform);
    }
    set->len = 0;
}

static void push_tag(pw_tagset *set, const char *python, const char *abi, const char *platform)
{
    PW_GROW(set->tags, set->cap, set->len + 1);
    pw_tag *t = &set->tags[set->len++];
    t->python = pw_xstrdup(python);
    t->abi = pw_xstrdup(abi);
    t->platform = pw_xstrdup(platform);
}

/* Reads "X.Y" at the start of a version string such as "3.12.7". */
static bool parse_major_minor(const char *s, unsigned *major, unsigned *minor)
{
    unsigned parts[2] = {0, 0};
    const char *p = s;
    for (int k = 0; k < 2; k++) {
        if (!p || !pw_is_digit(*p))
            return false;
        unsigned v = 0;
        while (pw_is_digit(*p)) {
            if (v > 1000)
                return false;
            v = v * 10 + (unsigned)(*p++ - '0');
        }
        parts[k] = v;
        if (k == 0) {
            if (*p != '.')
                return false;
            p++;
        }
    }
    *major = parts[0];
    *minor = parts[1];
    return true;
}

/* packaging.tags._normalize_string: '.', '-' and ' ' become '_'. */
static char *platform_tag(const char *prefix, const char *middle, const char *arch)
{
    pw_buf b = PW_BUF_INIT;
    pw_buf_printf(&b, "%s%s_%s", prefix, middle, arch);
    for (size_t i = 0; i < b.len; i++) {
        char c = b.data[i];
        b.data[i] = (c == '.' || c == '-' || c == ' ') ? '_' : pw_ascii_lower(c);
    }
    return pw_buf_detach(&b);
}

/*
 * The order is packaging.tags.sys_tags() as micropip runs it inside Pyodide
 * (cpython_tags() followed by compatible_tags()). The platforms are those of
 * packaging's _emscripten_platforms() (PEP 783's pyemscripten_{abi}, then the
 * sysconfig platform emscripten_X_Y_Z), with the pre-PEP 783 pyodide_{abi}
 * tag, which Pyodide 0.26-0.29 wheels carry, between the two as micropip
 * orders them:
 *
 *   for each platform:  cpXY-cpXY-<platform>
 *   for each platform:  cpXY-abi3-<platform>
 *   for each platform:  cpXY-none-<platform>
 *   for m = Y-1 .. 2:   for each platform: cpXm-abi3-<platform>
 *   for v in pyXY, pyX, pyX(Y-1) .. pyX0:  for each platform: v-none-<platform>
 *   cpXY-none-any
 *   for v in pyXY, pyX, pyX(Y-1) .. pyX0:  v-none-any
 *
 * The ABI is the outer loop, so an exact cpXY-cpXY wheel for any Pyodide
 * platform beats an abi3 one; within one ABI the newest platform naming
 * (PEP 783's pyemscripten) comes first. cpXY-none-<platform> sits before the
 * older abi3 tags and cpXY-none-any before py*-none-any, as in packaging, so
 * the ranking agrees with what micropip would pick at runtime. Binary
 * platform tags always precede "any".
 */
void pw_tagset_for_release(pw_tagset *set, const char *python, const char *abi_version,
                           const char *platform, const char *arch)
{
    tagset_clear(set);
    unsigned major, minor;
    if (!python || !parse_major_minor(python, &major, &minor))
        return;
    if (!arch || !*arch)
        arch = "wasm32";

    /* A release without abi_version (0.25) predates the pyodide_* tags and
     * accepts only its own emscripten_X_Y_Z tag. */
    char *platforms[3];
    size_t n_platforms = 0;
    if (abi_version && *abi_version) {
        platforms[n_platforms++] = platform_tag("pyemscripten_", abi_version, arch);
        platforms[n_platforms++] = platform_tag("pyodide_", abi_version, arch);
    }
    if (platform && *platform)
        platforms[n_platforms++] = platform_tag("", platform, arch);

    pw_buf interp = PW_BUF_INIT, tmp = PW_BUF_INIT;
    pw_buf_printf(&interp, "cp%u%u", major, minor);
    const char *cp = pw_buf_cstr(&interp);

    for (size_t p = 0; p < n_platforms; p++)
        push_tag(set, cp, cp, platforms[p]);
    /* PEP 384: the stable ABI exists from Python 3.2 on. */
    bool abi3 = major == 3 && minor >= 2;
    if (abi3) {
        for (size_t p = 0; p < n_platforms; p++)
            push_tag(set, cp, "abi3", platforms[p]);
    }
    for (size_t p = 0; p < n_platforms; p++)
        push_tag(set, cp, "none", platforms[p]);
    if (abi3) {
        for (unsigned m = minor; m-- > 2;) {
            pw_buf_reset(&tmp);
            pw_buf_printf(&tmp, "cp%u%u", major, m);
            for (size_t p = 0; p < n_platforms; p++)
                push_tag(set, pw_buf_cstr(&tmp), "abi3", platforms[p]);
        }
    }

    /* packaging.tags._py_interpreter_range: pyXY, pyX, then pyX(Y-1) .. pyX0. */
    pw_strlist py = PW_STRLIST_INIT;
    pw_buf_reset(&tmp);
    pw_buf_printf(&tmp, "py%u%u", major, minor);
    pw_strlist_push(&py, pw_buf_cstr(&tmp));
    pw_buf_reset(&tmp);
    pw_buf_printf(&tmp, "py%u", major);
    pw_strlist_push(&py, pw_buf_cstr(&tmp));
    for (unsigned m = minor; m-- > 0;) {
        pw_buf_reset(&tmp);
        pw_buf_printf(&tmp, "py%u%u", major, m);
        pw_strlist_push(&py, pw_buf_cstr(&tmp));
    }
    for (size_t v = 0; v < py.len; v++) {
        for (size_t p = 0; p < n_platforms; p++)
            push_tag(set, py.items[v], "none", platforms[p]);
    }
    push_tag(set, cp, "none", "any");
    for (size_t v = 0; v < py.len; v++)
        push_tag(set, py.items[v], "none", "any");

    pw_strlist_free(&py);
    pw_buf_free(&tmp);
    pw_buf_free(&interp);
    for (size_t p = 0; p < n_platforms; p++)
        free(platforms[p]);
}

int pw_tagset_rank(const pw_tagset *set, const pw_wheel_name *w)
{
    /* A wheel supports every combination of its expanded tag sets (PEP 425
     * compressed tag sets), so its rank is that of the best such tag. */
    for (size_t i = 0; i < set->len && i <= (size_t)INT_MAX; i++) {
        const pw_tag *t = &set->tags[i];
        if (pw_strlist_contains(&w->python_tags, t->python) &&
            pw_strlist_contains(&w->abi_tags, t->abi) &&
            pw_strlist_contains(&w->platform_tags, t->platform))
            return (int)i;
    }
    return -1;
}

void pw_tagset_describe(const pw_tagset *set, pw_buf *out)
{
    if (set->len == 0) {
        pw_buf_puts(out, "no compatible tags");
        return;
    }
    pw_buf_puts(out, set->tags[0].python);
    /* Platforms in preference order, each once; "any" goes without saying. */
    for (size_t i = 0; i < set->len; i++) {
        const char *platform = set->tags[i].platform;
        if (strcmp(platform, "any") == 0)
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(set->tags[j].platform, platform) == 0;
        if (!seen)
            pw_buf_printf(out, ", %s", platform);
    }
}

void pw_tagset_free(pw_tagset *set)
{
    if (!set)
        return;
    tagset_clear(set);
    free(set->tags);
    memset(set, 0, sizeof(*set));
}
