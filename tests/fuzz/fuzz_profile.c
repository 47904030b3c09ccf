/*
 * The report's inputs: a profile (pw_profile_parse, what `pwpkg report
 * --profile` reads) or a trace (pw_trace_parse + pw_html_report_trace_from, `--trace`), chosen
 * by the first byte; the rest is the text. A profile that parses must
 * survive pw_profile_to_json and parse again to the same JSON.
 */
#include "fuzz.h"
#include "report.h"

#include <cJSON.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    pw_error err = {0, NULL};
    if (data[0] % 2 == 0) {
        pw_profile p;
        int rc = pw_profile_parse("profile.json", text, len, &p, &err);
        fuzz_check_status("pw_profile_parse", rc, &err);
        if (rc == 0) {
            for (size_t i = 0; i < p.n_packages; i++)
                fuzz_check(p.packages[i].cumulative_us >= p.packages[i].self_us,
                           "package %zu: self above cumulative", i);
            cJSON *j = pw_profile_to_json(&p);
            pw_buf once = PW_BUF_INIT, twice = PW_BUF_INIT;
            pw_json_write(j, &once);
            cJSON_Delete(j);
            pw_profile q;
            rc = pw_profile_parse("again.json", once.data, once.len, &q, &err);
            fuzz_check(rc == 0, "a written profile does not parse: %s", pw_error_message(&err));
            if (rc == 0) {
                j = pw_profile_to_json(&q);
                pw_json_write(j, &twice);
                cJSON_Delete(j);
                fuzz_check(strcmp(pw_buf_cstr(&once), pw_buf_cstr(&twice)) == 0,
                           "profile JSON does not round-trip");
                pw_profile_free(&q);
            }
            pw_buf_free(&once);
            pw_buf_free(&twice);
            pw_profile_free(&p);
        }
    } else {
        pw_trace read;
        int rc = pw_trace_parse("trace.json", text, len, &read, &err);
        fuzz_check_status("pw_trace_parse", rc, &err);
        if (rc == 0) {
            pw_html_report_trace t;
            pw_html_report_trace_from(&read, &t);
            pw_trace_free(&read);
            for (size_t i = 1; i < t.files.len; i++)
                fuzz_check(strcmp(t.files.items[i - 1], t.files.items[i]) < 0,
                           "trace files not sorted and unique");
            pw_html_report_trace_free(&t);
        }
    }
    pw_error_clear(&err);
    return 0;
}
