/*
 * PEP 508 requirements and environment markers.
 *
 * The whole input is parsed both as a requirement and as a bare marker.
 * Invariants: the canonical text parses again to the same canonical text,
 * and evaluation in Pyodide's environment (with and without an extra) gives
 * the same answer before and after the round trip and on a copy.
 */
#include "fuzz.h"
#include "packaging.h"

static void check_requirement(pw_slice text, const pw_marker_env *env)
{
    pw_requirement req, again, copy;
    pw_error err = {0, NULL};
    int rc = pw_requirement_parse(text, &req, &err);
    fuzz_check_status("pw_requirement_parse", rc, &err);
    if (rc != 0) {
        fuzz_check(req.name == NULL && req.marker == NULL, "a failed parse left a requirement behind");
        pw_error_clear(&err);
        return;
    }
    fuzz_check(req.name && req.key, "a requirement without a name");
    pw_buf first = PW_BUF_INIT, second = PW_BUF_INIT;
    pw_requirement_format(&req, &first);
    rc = pw_requirement_parse(pw_slice_make(first.data, first.len), &again, &err);
    fuzz_check(rc == 0, "\"%.*s\" formats as \"%s\", which does not parse: %s", PW_SLICE_ARG(text),
               first.data, pw_error_message(&err));
    pw_requirement_format(&again, &second);
    fuzz_check_same_text("requirement format(parse(format(r))) and format(r)", &first, &second);
    pw_requirement_copy(&copy, &req);
    static const char *const extras[] = {NULL, "test", "Security_Extra"};
    for (size_t i = 0; i < sizeof(extras) / sizeof(extras[0]); i++) {
        bool applies = pw_requirement_applies(&req, env, extras[i]);
        fuzz_check(applies == pw_requirement_applies(&again, env, extras[i]) &&
                       applies == pw_requirement_applies(&copy, env, extras[i]),
                   "\"%s\" evaluates differently after a round trip or a copy", first.data);
    }
    pw_requirement_free(&req);
    pw_requirement_free(&again);
    pw_requirement_free(&copy);
    pw_buf_free(&first);
    pw_buf_free(&second);
    pw_error_clear(&err);
}

static void check_marker(pw_slice text, const pw_marker_env *env)
{
    pw_marker *m = NULL, *again = NULL;
    pw_error err = {0, NULL};
    int rc = pw_marker_parse(text, &m, &err);
    fuzz_check_status("pw_marker_parse", rc, &err);
    if (rc == 0) {
        pw_buf first = PW_BUF_INIT, second = PW_BUF_INIT;
        pw_marker_format(m, &first);
        rc = pw_marker_parse(pw_slice_make(first.data, first.len), &again, &err);
        fuzz_check(rc == 0, "marker \"%.*s\" formats as \"%s\", which does not parse: %s",
                   PW_SLICE_ARG(text), first.data, pw_error_message(&err));
        pw_marker_format(again, &second);
        fuzz_check_same_text("marker format(parse(format(m))) and format(m)", &first, &second);
        fuzz_check(pw_marker_mentions_extra(m) == pw_marker_mentions_extra(again),
                   "\"%s\" changes its mention of extra when re-parsed", first.data);
        pw_marker *copy = pw_marker_copy(m);
        static const char *const extras[] = {NULL, "test", "Security_Extra"};
        for (size_t i = 0; i < sizeof(extras) / sizeof(extras[0]); i++) {
            bool holds = pw_marker_evaluate(m, env, extras[i]);
            fuzz_check(holds == pw_marker_evaluate(again, env, extras[i]) &&
                           holds == pw_marker_evaluate(copy, env, extras[i]),
                       "marker \"%s\" evaluates differently after a round trip or a copy", first.data);
        }
        pw_marker_free(copy);
        pw_buf_free(&first);
        pw_buf_free(&second);
    }
    pw_marker_free(m);
    pw_marker_free(again);
    pw_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pw_marker_env env;
    pw_marker_env_pyodide(&env, "3.12.7", "3.1.58", NULL);
    pw_slice text = pw_slice_make((const char *)data, size);
    check_requirement(text, &env);
    check_marker(text, &env);
    pw_marker_env_free(&env);
    return 0;
}
