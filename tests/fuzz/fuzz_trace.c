/*
 * Trace files (pw_trace_parse), as `pwpkg bundle --slim` reads them: a
 * trace that parses writes back to text that parses to the same files, and
 * its keep set is sorted.
 */
#include "fuzz.h"
#include "runtime_check.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pw_trace t;
    pw_error err = {0, NULL};
    int rc = pw_trace_parse("trace.json", (const char *)data, size, &t, &err);
    fuzz_check_status("pw_trace_parse", rc, &err);
    if (rc == 0) {
        pw_buf text = PW_BUF_INIT;
        pw_trace_write(&t, &text);
        pw_trace back;
        rc = pw_trace_parse("again.json", text.data, text.len, &back, &err);
        fuzz_check(rc == 0, "a written trace does not parse: %s", pw_error_message(&err));
        fuzz_check(back.files.len == t.files.len, "files %zu -> %zu", t.files.len, back.files.len);
        for (size_t i = 0; i < t.files.len; i++)
            fuzz_check(strcmp(back.files.items[i], t.files.items[i]) == 0, "file %zu changed", i);
        pw_strlist keep = PW_STRLIST_INIT;
        pw_trace_keep_set(&t, &keep);
        for (size_t i = 1; i < keep.len; i++)
            fuzz_check(strcmp(keep.items[i - 1], keep.items[i]) < 0, "keep set not sorted");
        pw_strlist_free(&keep);
        pw_trace_free(&back);
        pw_buf_free(&text);
        pw_trace_free(&t);
    }
    pw_error_clear(&err);
    return 0;
}
