/*
 * TOML 1.0 (pw_toml_parse).
 *
 * Invariants: the root is a table; every node reached through the accessors
 * has a type, a line within the document, and keys/elements that can be
 * looked up again.
 */
#include "fuzz.h"
#include "toml.h"

#include <string.h>

static size_t count_lines(const uint8_t *data, size_t size)
{
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    return lines;
}

static void walk(const pw_toml_value *v, size_t max_line, int depth, bool nul_keys)
{
    fuzz_check(depth <= PW_TOML_MAX_DEPTH + 1, "a tree deeper than PW_TOML_MAX_DEPTH was accepted");
    size_t line = pw_toml_line(v);
    fuzz_check(line >= 1 && line <= max_line, "a value claims line %zu of a %zu-line document", line,
               max_line);
    switch (pw_toml_type_of(v)) {
    case PW_TOML_STRING:
    case PW_TOML_DATETIME:
        fuzz_check(pw_toml_string(v) != NULL, "a string value without text");
        fuzz_check(pw_toml_string_len(v) >= strlen(pw_toml_string(v)), "a string longer than its length");
        break;
    case PW_TOML_INTEGER:
        (void)pw_toml_integer(v);
        break;
    case PW_TOML_FLOAT:
        (void)pw_toml_float(v);
        break;
    case PW_TOML_BOOL:
        (void)pw_toml_bool(v);
        break;
    case PW_TOML_ARRAY:
        for (size_t i = 0; i < pw_toml_len(v); i++)
            walk(pw_toml_at(v, i), max_line, depth + 1, nul_keys);
        break;
    case PW_TOML_TABLE:
        for (size_t i = 0; i < pw_toml_len(v); i++) {
            const char *key = pw_toml_key_at(v, i);
            fuzz_check(key != NULL, "table key %zu is NULL", i);
            /* A key holding an escaped U+0000 cannot be looked up by C string. */
            fuzz_check(nul_keys || pw_toml_get(v, key) != NULL, "key \"%s\" is listed but not found", key);
            walk(pw_toml_at(v, i), max_line, depth + 1, nul_keys);
        }
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pw_toml_value *root = NULL;
    pw_error err = {0, NULL};
    int rc = pw_toml_parse("fuzz.toml", (const char *)data, size, &root, &err);
    fuzz_check_status("pw_toml_parse", rc, &err);
    if (rc == 0) {
        fuzz_check(root && pw_toml_type_of(root) == PW_TOML_TABLE, "the root is not a table");
        size_t lines = count_lines(data, size);
        if (pw_toml_len(root) > 0)
            walk(root, lines, 0,
                 memmem(data, size, "\\u0000", 6) != NULL || memmem(data, size, "\\U00000000", 10) != NULL);
        (void)pw_toml_get_path(root, "project.optional-dependencies");
        (void)pw_toml_get_path(root, "tool.pwpkg");
    }
    pw_toml_free(root);
    pw_error_clear(&err);
    return 0;
}
