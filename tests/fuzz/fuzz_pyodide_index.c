/*
 * pyodide-lock.json (pw_pyodide_index_parse).
 *
 * Invariants: every package is found by its key (and by its name when the
 * name normalizes to the key: the parser takes the key from the JSON object,
 * which real releases always spell as the name); the written index parses
 * back and writes the same bytes again.
 */
#include "fuzz.h"
#include "packaging.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pw_pyodide_index idx, again;
    pw_error err = {0, NULL};
    int rc = pw_pyodide_index_parse("fuzz/pyodide-lock.json", (const char *)data, size, &idx, &err);
    fuzz_check_status("pw_pyodide_index_parse", rc, &err);
    if (rc != 0) {
        pw_error_clear(&err);
        return 0;
    }
    for (size_t i = 0; i < idx.n_packages; i++) {
        const pw_pyodide_package *p = &idx.packages[i];
        fuzz_check(p->name && p->key && p->version && p->file_name && p->sha256 && p->install_dir,
                   "package %zu lacks a required field", i);
        fuzz_check(pw_pyodide_index_find(&idx, p->key) == p, "package %s is not found by its key", p->key);
        if (pw_names_equal(p->name, p->key))
            fuzz_check(pw_pyodide_index_find(&idx, p->name) == p, "package %s is not found by its name",
                       p->name);
    }
    pw_buf first = PW_BUF_INIT, second = PW_BUF_INIT;
    pw_pyodide_index_write(&idx, &first);
    rc = pw_pyodide_index_parse("fuzz/rewritten.json", first.data, first.len, &again, &err);
    fuzz_check(rc == 0, "the written index does not parse: %s\n%s", pw_error_message(&err), first.data);
    fuzz_check(again.n_packages == idx.n_packages, "the round trip kept %zu of %zu packages",
               again.n_packages, idx.n_packages);
    pw_pyodide_index_write(&again, &second);
    fuzz_check_same_text("write(parse(write(index))) and write(index)", &first, &second);
    pw_pyodide_index_free(&again);
    pw_pyodide_index_free(&idx);
    pw_buf_free(&first);
    pw_buf_free(&second);
    pw_error_clear(&err);
    return 0;
}
