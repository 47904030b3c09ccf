/*
 * Core metadata (METADATA / PKG-INFO, pw_metadata_parse).
 *
 * Invariants: a parsed file has its three required fields; every
 * Requires-Dist formats to text that parses again; the identity check
 * accepts the metadata's own name and version.
 */
#include "fuzz.h"
#include "packaging.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pw_metadata m;
    pw_error err = {0, NULL};
    int rc = pw_metadata_parse("fuzz/METADATA", (const char *)data, size, &m, &err);
    fuzz_check_status("pw_metadata_parse", rc, &err);
    if (rc != 0) {
        pw_error_clear(&err);
        return 0;
    }
    fuzz_check(m.metadata_version && m.name && m.version, "Metadata-Version, Name or Version missing");
    for (size_t i = 0; i < m.n_requires_dist; i++) {
        pw_buf text = PW_BUF_INIT;
        pw_requirement_format(&m.requires_dist[i], &text);
        pw_requirement again;
        rc = pw_requirement_parse(pw_slice_make(text.data, text.len), &again, &err);
        fuzz_check(rc == 0, "Requires-Dist %zu formats as \"%s\", which does not parse: %s", i, text.data,
                   pw_error_message(&err));
        pw_requirement_free(&again);
        pw_buf_free(&text);
    }
    rc = pw_metadata_check_identity(&m, "fuzz/METADATA", m.name, m.version, &err);
    fuzz_check(rc == 0, "metadata of %s %s does not match itself: %s", m.name, m.version,
               pw_error_message(&err));
    rc = pw_metadata_check_identity(&m, "fuzz/METADATA", "pwpkg-fuzz-other-name", NULL, &err);
    fuzz_check_status("pw_metadata_check_identity", rc, &err);
    pw_metadata_free(&m);
    pw_error_clear(&err);
    return 0;
}
