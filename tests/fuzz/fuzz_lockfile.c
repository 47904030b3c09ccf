/*
 * pwpkg.lock (pw_lock_parse).
 *
 * Invariants: serialize(parse(serialize(parse(x)))) is byte-identical to
 * serialize(parse(x)); a lock compared with its re-parsed self has no
 * changes; the tree and "why" views terminate on any graph (cycles
 * included).
 */
#include "fuzz.h"
#include "resolver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pw_lock lock, again;
    pw_error err = {0, NULL};
    int rc = pw_lock_parse("fuzz/pwpkg.lock", (const char *)data, size, &lock, &err);
    fuzz_check_status("pw_lock_parse", rc, &err);
    if (rc != 0) {
        pw_error_clear(&err);
        return 0;
    }
    pw_buf first = PW_BUF_INIT, second = PW_BUF_INIT, view = PW_BUF_INIT;
    pw_lock_serialize(&lock, &first);
    rc = pw_lock_parse("fuzz/reserialized.lock", first.data, first.len, &again, &err);
    fuzz_check(rc == 0, "the serialized lock does not parse: %s\n%s", pw_error_message(&err), first.data);
    pw_lock_serialize(&again, &second);
    fuzz_check_same_text("serialize(parse(serialize(lock))) and serialize(lock)", &first, &second);

    pw_lock_diff diff;
    pw_lock_diff_compute(&lock, &again, pw_version_cmp_text, &diff);
    pw_lock_diff_format_text(&diff, &view);
    fuzz_check(pw_lock_diff_empty(&diff), "a lock differs from its own re-parse:\n%s", view.data);
    pw_lock_diff_free(&diff);

    pw_buf_reset(&view);
    (void)pw_lock_format_tree(&lock, NULL, &view, NULL);
    if (lock.n_packages > 0) {
        pw_buf_reset(&view);
        rc = pw_lock_explain_why(&lock, lock.packages[lock.n_packages - 1].name, &view, &err);
        fuzz_check_status("pw_lock_explain_why", rc, &err);
    }
    pw_lock_free(&lock);
    pw_lock_free(&again);
    pw_buf_free(&first);
    pw_buf_free(&second);
    pw_buf_free(&view);
    pw_error_clear(&err);
    return 0;
}
