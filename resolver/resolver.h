/*
 * resolver: resolution of pwpkg, on top of packaging/ (the standards).
 *
 * This is the module's one public header. Besides the solver and the
 * provider behind pw_resolve, it re-exports the resolver's own parts:
 *   remote_wheel.h  METADATA of a remote wheel through HTTP range requests
 *   release.h       Pyodide releases and Cloudflare compatibility dates
 *   input_edit.h    `pwpkg add` / `remove` edits of requirements files
 */
#ifndef PW_RESOLVER_H
#define PW_RESOLVER_H

#include "common.h"
#include "fetch.h"
#include "lockfile.h"
#include "packaging.h"
#include "release.h"
#include "remote_wheel.h"
#include "input_edit.h"

#define PW_PYODIDE_CDN "https://cdn.jsdelivr.net/pyodide/v%s/full/"

/* Flags of pw_resolve_request.given: switches the user gave, which a recorded
 * option does not replace (string and list options are given when set). */
enum {
    PW_GIVEN_PRE = 1u << 0,
    PW_GIVEN_NO_INDEX = 1u << 1,
    PW_GIVEN_INDEX_STRATEGY = 1u << 2,
    PW_GIVEN_NO_REMOTE_ARTIFACTS = 1u << 3,
};

/* Everything `pwpkg lock` needs to know, as the CLI parsed it. */
typedef struct pw_resolve_request {
    const char *requirements_path; /* -r FILE; NULL: requirements.txt beside the lock,
                                    * else pyproject.toml there */
    const char *project_path;      /* --project pyproject.toml */
    const pw_strlist *extras;      /* --extra NAME (pyproject input) */
    const pw_strlist *groups;      /* --group NAME (pyproject input) */
    const char *lock_path;         /* -o FILE; default pwpkg.lock */
    const char *pyodide_version;   /* --pyodide */
    const char *compat_date;       /* --compat-date */
    const pw_strlist *compat_flags;/* --compat-flag (repeatable) */
    const char *wrangler_env;      /* --env NAME: the wrangler [env.NAME] applied */
    const char *pyodide_index;     /* --pyodide-index: file, directory or URL */
    const char *pyodide_base_url;  /* --pyodide-base-url: artifacts not beside the index;
                                    * NULL: the release's CDN folder */
    bool no_remote_artifacts;      /* --no-remote-artifacts: all from beside the index */
    pw_transfer_options transfer;  /* every fetch of the resolution uses these */

    /* package indexes (added to those of the requirements file) */
    const char *index_url;         /* --index-url; default https://pypi.org/simple */
    const pw_strlist *extra_index_urls;
    const pw_strlist *find_links;
    bool no_index;
    bool best_match;               /* --index-strategy unsafe-best-match */
    const pw_strlist *from_index;  /* --from-index NAME: not from the release */

    /* choices */
    bool pre;                      /* --pre */
    int64_t exclude_newer;         /* --exclude-newer, seconds since the epoch; 0: none */
    bool upgrade;                  /* --upgrade: ignore the pins of the existing lock */
    const pw_strlist *upgrade_packages; /* --upgrade-package NAME (normalized) */

    /* builds the wheels of "name @ git+URL" requirements; NULL refuses them */
    pw_git_wheel_builder build_git;

    /* The existing lock's recorded options fill in what was not given, so
     * that `lock`, `lock --check` and `verify` repeat how it was made; an
     * option given that differs from the recorded one is reported. */
    bool reuse_recorded;
    unsigned given; /* PW_GIVEN_* */
} pw_resolve_request;

/*
 * Reads the inputs, picks the release, resolves, and fills `out` (a lock
 * ready to be written). Fails with PW_ECONFLICT when no resolution exists,
 * with a message that explains why.
 */
int pw_resolver_lock(const pw_resolve_request *req, pw_lock *out, pw_error *err);

/* The input file pw_resolver_lock reads for `req`: -r or --project, else
 * the one the lock recorded, else requirements.txt beside the lock, else
 * pyproject.toml there (requirements.txt when neither exists). Heap. */
char *pw_resolver_input_path(const pw_resolve_request *req);

/*
 * `pwpkg lock --check`: compares the lock at lock_path with a fresh
 * resolution, byte for byte. PW_OK when they are equal; PW_ECHECK when the
 * lock is stale, missing or unreadable, with `diff` filled (when the old
 * lock could be read) and a message listing the changes. Free `diff` with
 * pw_lock_diff_free in every case.
 */
int pw_resolver_compare(const char *lock_path, const pw_lock *fresh, pw_lock_diff *diff,
                        pw_error *err);

#endif
