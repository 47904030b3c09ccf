/*
 * Git sources (libgit2): requirements of the form
 *   name @ git+https://host/org/repo.git@REF#subdirectory=pkg
 * with the transports https, http, ssh, git and file. The repository is
 * cloned once into a bare repository of the cache and fetched again on
 * later use; REF resolves to the commit SHA the lock records, and the
 * commit's tree is exported (no .git) for the wheel builder.
 *
 *   <cache>/git/<sha256 of the redacted URL>/     bare repository
 *   <cache>/git-checkouts/<commit>[-<subdir>]/    exported trees, read-only use
 *
 * Rules (URL forms, ref resolution order, credentials) are in docs/git.md.
 * Included by fetch.h.
 */
#ifndef PW_FETCH_GIT_API_H
#define PW_FETCH_GIT_API_H

#include "common.h"

#include <stdbool.h>

#define PW_GIT_SHA_HEX_LEN 40

typedef struct pw_git_source {
    /* Transport URL without "git+", "@REF" and "#fragment", credentials
     * redacted (safe to print, to record in a lock and to key the cache). */
    char *url;
    char *ref;          /* NULL: the remote's HEAD */
    char *subdirectory; /* from #subdirectory=, without trailing '/'; NULL when absent */
    /* The same URL with its credentials, used only for the transfer;
     * NULL when the URL carries none. Never print it. */
    char *auth_url;
} pw_git_source;

/*
 * Pure: splits a "git+<scheme>://..." requirement URL (pip's VCS URL
 * syntax). Unknown fragment keys (egg=) are ignored. Errors (PW_EINVAL,
 * PW_EUNSUPPORTED for a transport other than https, http, ssh, git, file)
 * quote the redacted URL. On error `out` holds nothing to free.
 */
int pw_git_source_parse(const char *requirement_url, pw_git_source *out, pw_error *err);
void pw_git_source_free(pw_git_source *s);

/*
 * Clones (first time) or fetches (later) the repository into the cache as a
 * bare repository, resolves src->ref to a commit, and exports that commit's
 * tree (or its subdirectory) into <cache>/git-checkouts/, atomically, reusing
 * an existing export. The fetch is skipped when `offline`, or when the ref is
 * a full commit SHA already present (or already exported).
 * On success commit_out holds 40 lowercase hex digits and *tree_dir_out a
 * heap path the caller frees. Errors:
 *   PW_ENET         transfer failed, or offline and not in the cache;
 *   PW_ENOTFOUND    no branch, tag or commit named REF; subdirectory missing;
 *   PW_EUNSUPPORTED ssh without ssh support in libgit2;
 *   PW_EIO          the cache could not be written.
 */
int pw_git_checkout(const pw_git_source *src, const char *cache_dir, bool offline,
                    char commit_out[PW_GIT_SHA_HEX_LEN + 1], char **tree_dir_out, pw_error *err);

/*
 * Reads a file as it is at revision `rev` (any git revision syntax: "HEAD~1",
 * a tag, a branch, a SHA) of the repository containing `repo_dir`
 * (discovered upwards, like git does), straight from the object database.
 * `path` is relative to `repo_dir` (not to the repository root), so
 * "pyproject.toml" names the project file of a project in a subdirectory.
 * PW_ENOTFOUND when there is no repository, no such revision, or no such
 * file at that revision; PW_EINVAL when `path` leaves the repository or
 * names a directory. `out` is appended to.
 */
int pw_git_read_file_at(const char *repo_dir, const char *rev, const char *path, pw_buf *out,
                        pw_error *err);

/*
 * Provenance of a local project: the commit of HEAD of the repository that
 * contains `dir`, and whether the work tree differs from it. As with
 * `git describe --dirty`, staged and unstaged changes to tracked files count,
 * untracked files do not. A bare repository is never dirty. PW_ENOTFOUND
 * outside a repository or before the first commit.
 */
int pw_git_head_state(const char *dir, char commit_out[PW_GIT_SHA_HEX_LEN + 1], bool *dirty,
                      pw_error *err);

#endif
