/*
 * PEP 440 versions and specifiers.
 *
 * Input lines: version A, version B, then a specifier set (the rest).
 * Invariants: format(parse(x)) parses to an equal version and formats to
 * the same text; compare is reflexive and antisymmetric; a specifier set
 * formats to text that parses to a set with the same text and the same
 * answers for A and B.
 */
#include "fuzz.h"
#include "packaging.h"

#include <stdlib.h>

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

static bool check_version(pw_slice text, pw_version *out)
{
    pw_error err = {0, NULL};
    int rc = pw_version_parse(text, out, &err);
    fuzz_check_status("pw_version_parse", rc, &err);
    pw_error_clear(&err);
    if (rc != 0)
        return false;
    fuzz_check(pw_version_compare(out, out) == 0, "compare(v, v) != 0 for \"%.*s\"", PW_SLICE_ARG(text));
    pw_buf first = PW_BUF_INIT, second = PW_BUF_INIT;
    pw_version_format(out, &first);
    pw_version again;
    rc = pw_version_parse(pw_slice_make(first.data, first.len), &again, &err);
    fuzz_check(rc == 0, "\"%.*s\" formats as \"%s\", which does not parse: %s", PW_SLICE_ARG(text),
               first.data, pw_error_message(&err));
    fuzz_check(pw_version_compare(out, &again) == 0, "\"%.*s\" and its normal form \"%s\" compare unequal",
               PW_SLICE_ARG(text), first.data);
    fuzz_check(pw_version_is_prerelease(out) == pw_version_is_prerelease(&again) &&
                   pw_version_is_postrelease(out) == pw_version_is_postrelease(&again),
               "\"%s\" changes pre/post-release status when re-parsed", first.data);
    pw_version_format(&again, &second);
    fuzz_check_same_text("version format(parse(format(v))) and format(v)", &first, &second);
    pw_buf_free(&first);
    pw_buf_free(&second);
    pw_error_clear(&err);
    return true;
}

static void check_specifiers(pw_slice text, const pw_version *a, const pw_version *b)
{
    pw_specifier_set set = PW_SPECIFIER_SET_INIT, again = PW_SPECIFIER_SET_INIT;
    pw_error err = {0, NULL};
    int rc = pw_specifier_set_parse(text, &set, &err);
    fuzz_check_status("pw_specifier_set_parse", rc, &err);
    if (rc == 0) {
        pw_buf first = PW_BUF_INIT, second = PW_BUF_INIT;
        pw_specifier_set_format(&set, &first);
        rc = pw_specifier_set_parse(pw_slice_make(first.data, first.len), &again, &err);
        fuzz_check(rc == 0, "specifiers \"%.*s\" format as \"%s\", which does not parse: %s",
                   PW_SLICE_ARG(text), first.data, pw_error_message(&err));
        pw_specifier_set_format(&again, &second);
        fuzz_check_same_text("specifier format(parse(format(s))) and format(s)", &first, &second);
        fuzz_check(pw_specifier_set_mentions_prerelease(&set) == pw_specifier_set_mentions_prerelease(&again),
                   "\"%s\" changes its pre-release mention when re-parsed", first.data);
        const pw_version *vs[2] = {a, b};
        for (size_t i = 0; i < 2; i++) {
            if (!vs[i])
                continue;
            for (int pre = 0; pre < 2; pre++)
                fuzz_check(pw_specifier_set_contains(&set, vs[i], pre) ==
                               pw_specifier_set_contains(&again, vs[i], pre),
                           "\"%s\" answers differently once re-parsed", first.data);
            (void)pw_specifier_set_contains_raw(&set, vs[i], pw_slice_make("1.0", 3), true);
        }
        pw_specifier_set copy = PW_SPECIFIER_SET_INIT;
        pw_specifier_set_extend(&copy, &set);
        pw_specifier_set_extend(&copy, &again);
        fuzz_check(copy.len == set.len * 2, "extend lost specifiers");
        pw_specifier_set_free(&copy);
        pw_buf_free(&first);
        pw_buf_free(&second);
    }
    pw_specifier_set_free(&set);
    pw_specifier_set_free(&again);
    pw_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pw_slice parts[3];
    size_t n = fuzz_split(data, size, "\n", parts, 3);
    pw_version a, b;
    bool have_a = check_version(parts[0], &a);
    bool have_b = n > 1 && check_version(parts[1], &b);
    if (have_a && have_b) {
        int ab = pw_version_compare(&a, &b), ba = pw_version_compare(&b, &a);
        fuzz_check(sign(ab) == -sign(ba), "compare(a, b) = %d but compare(b, a) = %d", ab, ba);
    }
    if (n > 1) {
        char *ta = pw_xstrndup(parts[0].ptr, parts[0].len), *tb = pw_xstrndup(parts[1].ptr, parts[1].len);
        int ab = pw_version_cmp_text(ta, tb), ba = pw_version_cmp_text(tb, ta);
        fuzz_check(sign(ab) == -sign(ba), "cmp_text(a, b) = %d but cmp_text(b, a) = %d", ab, ba);
        free(ta);
        free(tb);
    }
    if (n > 2)
        check_specifiers(parts[2], have_a ? &a : NULL, have_b ? &b : NULL);
    return 0;
}
