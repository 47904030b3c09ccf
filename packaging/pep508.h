/* PEP 508 dependency specifiers and environment markers. Part of
 * packaging/: other modules include packaging.h. */
#ifndef PW_PEP508_H
#define PW_PEP508_H

#include "common.h"
#include "pep440.h"

/* Nesting limit for parentheses in a marker; deeper input fails with
 * PW_ELIMIT instead of exhausting the stack. */
#define PW_MARKER_MAX_DEPTH 64

typedef struct pw_marker pw_marker; /* opaque expression tree */

typedef struct pw_marker_env { /* heap strings owned by the env; NULL reads as "" */
    char *python_version, *python_full_version, *sys_platform, *platform_system,
        *platform_machine, *os_name, *platform_release, *platform_version,
        *implementation_name, *implementation_version, *platform_python_implementation;
} pw_marker_env;

/* Pyodide's marker environment: sys_platform "emscripten", platform_system
 * "Emscripten", platform_machine `arch` ("wasm32" when NULL), os_name
 * "posix", platform_release = the Emscripten version, platform_version "#1",
 * implementation_name "cpython", platform_python_implementation "CPython",
 * python_version "X.Y" and python_full_version / implementation_version
 * "X.Y.Z". */
void pw_marker_env_pyodide(pw_marker_env *env, const char *python_full_version,
                           const char *emscripten_version, const char *arch);
void pw_marker_env_free(pw_marker_env *env);

/*
 * Parses a marker expression ("python_version >= '3.8' and extra == 'x'").
 * Legacy names (os.name, sys.platform, platform.version, platform.machine,
 * platform.python_implementation, python_implementation) are accepted and
 * mean their modern names. Errors read "column N: expected ..." (1-based).
 */
int pw_marker_parse(pw_slice text, pw_marker **out, pw_error *err);
/*
 * PEP 508 evaluation. Version-valued variables (python_version,
 * python_full_version, implementation_version, platform_release) compare
 * as PEP 440 versions when both sides parse as such, everything else as
 * strings. `extra` compares PEP 685-normalized names; with `extra` NULL
 * every comparison involving `extra` is false.
 */
bool pw_marker_evaluate(const pw_marker *m, const pw_marker_env *env, const char *extra);
/* Canonical text: modern variable names, double quotes (single quotes when
 * the value holds '"'), single spaces, parentheses only where needed. */
void pw_marker_format(const pw_marker *m, pw_buf *out);
bool pw_marker_mentions_extra(const pw_marker *m);
pw_marker *pw_marker_copy(const pw_marker *m); /* NULL for NULL */
void pw_marker_free(pw_marker *m);

typedef struct pw_requirement {
    char *name;                 /* as written */
    char *key;                  /* PEP 503 normalized */
    pw_strlist extras;          /* normalized, sorted, unique */
    pw_specifier_set specifiers;
    char *url;                  /* "name @ url", else NULL */
    pw_marker *marker;          /* NULL when none */
} pw_requirement;

/* Parses one PEP 508 requirement. On failure `out` is left zeroed and the
 * message reads "column N: expected ..." (1-based within `text`). */
int pw_requirement_parse(pw_slice text, pw_requirement *out, pw_error *err);
/* Canonical text, e.g. "requests[security]>=2.8.1,==2.8.*; python_version < \"2.7\""
 * or "name[x] @ https://host/f.whl ; os_name == \"posix\"". */
void pw_requirement_format(const pw_requirement *r, pw_buf *out);
/* True when the requirement has no marker or its marker holds in `env`. */
bool pw_requirement_applies(const pw_requirement *r, const pw_marker_env *env, const char *extra);
void pw_requirement_copy(pw_requirement *dst, const pw_requirement *src);
void pw_requirement_free(pw_requirement *r);

/*
 * For callers that embed PEP 508 text in a larger document (requirements
 * files) and report positions in their own terms: the same parsers, but
 * the message carries no "column N: " prefix and *err_offset receives the
 * 0-based byte offset of the problem within `text`.
 */
int pw_requirement_parse_at(pw_slice text, pw_requirement *out, size_t *err_offset, pw_error *err);
int pw_marker_parse_at(pw_slice text, pw_marker **out, size_t *err_offset, pw_error *err);

#endif
