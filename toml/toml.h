/*
 * toml: a strict reader of TOML 1.0 (https://toml.io/en/v1.0.0), for
 * pyproject.toml, pylock.toml and wrangler.toml. Debian packages no C TOML
 * library, hence this one.
 *
 * The parser is pure: bytes in, a tree of values or an error out. Every
 * value remembers the line it starts on so that callers can name
 * "file:line" when a value has the wrong type. Errors read
 * "<origin>:<line>:<column>: <what was expected>" (column counted in
 * characters, 1-based) with PW_EINVAL, or PW_ELIMIT when the document nests
 * deeper than PW_TOML_MAX_DEPTH.
 */
#ifndef PW_TOML_H
#define PW_TOML_H

#include "common.h"

#define PW_TOML_MAX_DEPTH 128

typedef enum {
    PW_TOML_STRING,
    PW_TOML_INTEGER,
    PW_TOML_FLOAT,
    PW_TOML_BOOL,
    PW_TOML_DATETIME, /* offset/local date-time, local date, local time: validated text */
    PW_TOML_ARRAY,
    PW_TOML_TABLE,
} pw_toml_type;

typedef struct pw_toml_value pw_toml_value;

/* `origin` names the document in error messages (usually its path). On
 * success *root is a table the caller frees with pw_toml_free. */
int pw_toml_parse(const char *origin, const char *text, size_t len, pw_toml_value **root,
                  pw_error *err);
void pw_toml_free(pw_toml_value *root);

/* `v` must not be NULL (a NULL reads as an empty table). */
pw_toml_type pw_toml_type_of(const pw_toml_value *v);
/* NULL if absent or `table` is not a table. */
const pw_toml_value *pw_toml_get(const pw_toml_value *table, const char *key);
/* Follows a dotted path of bare keys, e.g. "project.optional-dependencies". */
const pw_toml_value *pw_toml_get_path(const pw_toml_value *table, const char *dotted);
/* NULL unless STRING (or DATETIME: its text as written). Strings are
 * NUL-terminated; pw_toml_string_len gives the length when the text holds
 * an escaped U+0000. */
const char *pw_toml_string(const pw_toml_value *v);
size_t pw_toml_string_len(const pw_toml_value *v);
int64_t pw_toml_integer(const pw_toml_value *v); /* 0 unless INTEGER */
double pw_toml_float(const pw_toml_value *v);    /* 0.0 unless FLOAT */
bool pw_toml_bool(const pw_toml_value *v);       /* false unless BOOL */
/* Array elements or table keys; 0 for scalars. */
size_t pw_toml_len(const pw_toml_value *v);
/* The i-th array element, or the value of the i-th key of a table. */
const pw_toml_value *pw_toml_at(const pw_toml_value *v, size_t i);
/* Keys in document order (the order in which they were first defined). */
const char *pw_toml_key_at(const pw_toml_value *table, size_t i);
/* 1-based line where the value starts (for a table: its header, or the
 * first key that created it); 0 for NULL. */
size_t pw_toml_line(const pw_toml_value *v);

#endif
