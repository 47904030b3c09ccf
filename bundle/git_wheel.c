/* The wheel of a git requirement: checkout of the commit, then a build. */
#include "bundle.h"
#include "fetch.h"

#include <stdlib.h>
#include <string.h>

/* Fixed, not SOURCE_DATE_EPOCH: the locked sha256 of a git package must not
 * depend on the environment of whoever builds it. */
#define GIT_WHEEL_EPOCH 315532800 /* 1980-01-01T00:00:00Z */

int pw_bundle_git_wheel(const char *requirement_url, const char *pinned_commit,
                        const char *cache_dir, bool offline, char commit_out[41],
                        char **wheel_path_out, pw_error *err)
{
    pw_git_source src;
    *wheel_path_out = NULL;
    int rc = pw_git_source_parse(requirement_url, &src, err);
    if (rc)
        return rc;
    if (pinned_commit) {
        free(src.ref);
        src.ref = pw_xstrdup(pinned_commit);
    }
    char *tree = NULL;
    rc = pw_git_checkout(&src, cache_dir, offline, commit_out, &tree, err);
    if (rc == PW_OK) {
        /* One folder per commit (and subdirectory): a build is immutable. */
        pw_buf out = PW_BUF_INIT;
        pw_buf_printf(&out, "%s/git-wheels/%s", cache_dir, pw_path_basename(tree));
        rc = pw_bundle_build_wheel(tree, out.data, GIT_WHEEL_EPOCH, wheel_path_out, err);
        if (rc)
            pw_error_wrap(err, "building the wheel of %s at %.12s", src.url, commit_out);
        pw_buf_free(&out);
    }
    free(tree);
    pw_git_source_free(&src);
    return rc;
}
