/*
 * Wheel file names (PEP 427 / the binary distribution format) and the
 * ordered PEP 425 tag set a Pyodide release accepts. Part of packaging/:
 * other modules include packaging.h.
 */
#ifndef PW_TAGS_H
#define PW_TAGS_H

#include "common.h"

typedef struct pw_wheel_name {
    char *name;      /* distribution as in the file name ("Jinja2", "ruamel_yaml") */
    char *key;       /* PEP 503 normalized */
    char *version;   /* as in the file name */
    char *build_tag; /* NULL when none; starts with a digit */
    /* Compressed tag sets expanded ("py2.py3" -> "py2", "py3"), lowercased
     * as packaging.tags.Tag does, in file-name order. */
    pw_strlist python_tags, abi_tags, platform_tags;
} pw_wheel_name;

/*
 * Parses "{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl".
 * `file_name` is a bare file name, not a path or URL. The error names the
 * file and the part that was expected. On error `out` holds nothing to free.
 */
int pw_wheel_name_parse(const char *file_name, pw_wheel_name *out, pw_error *err);
void pw_wheel_name_free(pw_wheel_name *w);

typedef struct pw_tag {
    char *python, *abi, *platform;
} pw_tag;

/* Ordered, most preferred first. Zero-initialise before the first use. */
typedef struct pw_tagset {
    pw_tag *tags;
    size_t len, cap;
} pw_tagset;

/*
 * Fills `set` (emptied first) with the tags a release accepts, from its
 * pyodide-lock.json info: python "3.12.7", abi_version "2024_0" or NULL,
 * platform "emscripten_3_1_58", arch "wasm32" (NULL means "wasm32").
 * A `python` that does not start with "X.Y" leaves the set empty.
 */
void pw_tagset_for_release(pw_tagset *set, const char *python, const char *abi_version,
                           const char *platform, const char *arch);
/* Index of the best (lowest) tag of `set` that `w` carries, -1 when none. */
int pw_tagset_rank(const pw_tagset *set, const pw_wheel_name *w);
/* Short human summary for messages: "cp313, pyemscripten_2025_0_wasm32,
 * pyodide_2025_0_wasm32, emscripten_4_0_9_wasm32". */
void pw_tagset_describe(const pw_tagset *set, pw_buf *out);
void pw_tagset_free(pw_tagset *set);

#endif
