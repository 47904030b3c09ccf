/* A bundle of everything a lock pins. */
#include "bundle.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

void pw_bundle_lock_digest(const pw_lock *lock, char out[PW_BUNDLE_DIGEST_LEN])
{
    pw_buf text = PW_BUF_INIT;
    pw_lock_serialize(lock, &text);
    char hex[PW_SHA256_HEX_LEN + 1];
    pw_sha256_hex(text.data, text.len, hex);
    snprintf(out, PW_BUNDLE_DIGEST_LEN, "sha256:%s", hex);
    pw_buf_free(&text);
}

int pw_bundle_from_lock(const pw_lock *lock, const char *const *artifact_paths,
                        const pw_bundle_options *o, pw_bundle_report *rep, pw_error *err)
{
    /* Nothing is installed that was not locked as it is. */
    int checked = pw_bundle_check_installed(lock, artifact_paths, err);
    if (checked != PW_OK)
        return checked;
    pw_bundle_item *items = pw_xcalloc(lock->n_packages + 1, sizeof(*items));
    for (size_t i = 0; i < lock->n_packages; i++) {
        const pw_lock_package *p = &lock->packages[i];
        items[i].name = p->name;
        items[i].version = p->version;
        items[i].path = artifact_paths[i];
        items[i].file_name = p->file_name;
        items[i].sha256 = p->sha256;
        items[i].install_dir = p->install_dir;
        items[i].package_type = p->package_type;
    }
    char digest[PW_BUNDLE_DIGEST_LEN];
    pw_bundle_options opts = *o;
    /* The lock's provenance, not the tree's state now: a bundle rebuilt
     * from the same lock must be the same bytes. */
    if (!opts.source_commit && lock->provenance.commit) {
        opts.source_commit = lock->provenance.commit;
        opts.source_dirty = lock->provenance.dirty;
    }
    if (!opts.lock_digest) {
        pw_bundle_lock_digest(lock, digest);
        opts.lock_digest = digest;
    }
    int rc = pw_bundle_build(items, lock->n_packages, &opts, rep, err);
    free(items);
    return rc;
}
