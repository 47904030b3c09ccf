/*
 * A Pyodide release's package index, pyodide-lock.json (schema
 * pyodide-lock 0.2.0): read as the releases 0.25 .. 314.x ship it, written
 * so that the reference implementation (pyodide-lock, which forbids unknown
 * keys) accepts it. Part of packaging/: other modules include packaging.h.
 */
#ifndef PW_PYODIDE_INDEX_H
#define PW_PYODIDE_INDEX_H

#include "common.h"

typedef struct pw_pyodide_package {
    char *name;         /* as the lock spells it ("Jinja2") */
    char *key;          /* PEP 503 normalized map key ("jinja2") */
    char *version;
    char *file_name;    /* relative to the lock, or a URL */
    char *sha256;       /* 64 lowercase hex digits */
    char *install_dir;  /* "site", "stdlib" or "dynlib" */
    char *package_type; /* "package", "cpython_module", "shared_library", "static_library" */
    pw_strlist imports;
    pw_strlist depends; /* PEP 503 normalized keys, in file order */
    bool unvendored_tests;
    /* The deprecated boolean when the file has it (0.26), else
     * package_type == "shared_library". Never written back. */
    bool shared_library;
} pw_pyodide_package;

typedef struct pw_pyodide_index {
    char *python;      /* "3.12.7" */
    char *platform;    /* "emscripten_3_1_58" */
    char *arch;        /* "wasm32" or "wasm64" */
    char *abi_version; /* "2024_0", NULL when absent or null (0.25) */
    char *version;     /* info.version as written (may be wrong), NULL when missing */
    char *emscripten;  /* from platform: "emscripten_3_1_58" -> "3.1.58" */
    char sha256[65];   /* of the raw bytes parsed; "" for an index built in memory */
    pw_pyodide_package *packages; /* sorted by key, keys unique */
    size_t n_packages;
} pw_pyodide_index;

/*
 * Parses the text of a pyodide-lock.json. Unknown keys are ignored (314.x
 * adds "tool"). Defaults follow pyodide-lock where a field may be omitted
 * (package_type "package", empty imports/depends, unvendored_tests false,
 * arch "wasm32"); name, version, file_name, sha256 and install_dir are
 * required, and sha256 must be a real digest. Errors name `origin`, the
 * package and the field; JSON syntax errors give line:column. On error
 * `out` holds nothing to free.
 */
int pw_pyodide_index_parse(const char *origin, const char *json, size_t len,
                           pw_pyodide_index *out, pw_error *err);
/* Any spelling of the name (PEP 503); binary search. NULL when absent. */
const pw_pyodide_package *pw_pyodide_index_find(const pw_pyodide_index *idx, const char *name);
/*
 * Appends a pyodide-lock.json: only the schema's fields, keys sorted, via
 * pw_json_write. info gets arch, platform, python and abi_version (when
 * non-NULL), never the deprecated version; packages never get the
 * deprecated shared_library flag.
 */
void pw_pyodide_index_write(const pw_pyodide_index *idx, pw_buf *out);
void pw_pyodide_index_free(pw_pyodide_index *idx);
/*
 * Adds a deep copy of `pkg` to an index being built in memory (start from a
 * zeroed pw_pyodide_index), keeping the packages sorted. The key is
 * pkg->key, or pkg->name when key is NULL, normalized; depends are
 * normalized too. A package with the same key is replaced.
 */
void pw_pyodide_index_add(pw_pyodide_index *idx, const pw_pyodide_package *pkg);

/* "emscripten_3_1_58" -> "3.1.58" (heap), the one rule for the platform
 * field; NULL for NULL or anything not of that shape. */
char *pw_emscripten_version(const char *platform);

#endif
