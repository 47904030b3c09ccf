/*
 * lockfile: pwpkg.lock, the data model of a resolution and its one on-disk
 * form (documented in docs/lockfile.md).
 *
 * The lock is JSON, schema-versioned and byte-deterministic: the same
 * resolution always serializes to the same bytes (packages sorted by
 * normalized name, keys sorted, two-space indentation, trailing newline,
 * no timestamps, no host paths).
 */
#ifndef PW_LOCKFILE_H
#define PW_LOCKFILE_H

#include "common.h"

#define PW_LOCK_SCHEMA_VERSION 2
/* The oldest schema still read (1: no recorded resolution options). */
#define PW_LOCK_SCHEMA_OLDEST 1
#define PW_LOCK_DEFAULT_NAME "pwpkg.lock"

/* Where a locked artifact comes from. */
#define PW_SOURCE_PYODIDE "pyodide"       /* the release's pyodide-lock.json */
#define PW_SOURCE_INDEX "index"           /* a PEP 503/691 simple index */
#define PW_SOURCE_FIND_LINKS "find-links" /* a --find-links directory or page */
#define PW_SOURCE_URL "url"               /* name @ https://.../x.whl or a local wheel */
#define PW_SOURCE_GIT "git"               /* name @ git+...: built from a commit */

typedef struct pw_lock_package {
    char *name;          /* PEP 503 normalized */
    char *version;
    char *file_name;
    char *url;           /* credentials never stored */
    char *sha256;
    int64_t size;        /* -1 when unknown */
    char *source;        /* one of PW_SOURCE_* */
    char *index;         /* the index or find-links location, NULL for pyodide/url */
    char *package_type;  /* package, cpython_module, shared_library, static_library */
    char *install_dir;   /* site, stdlib, dynlib */
    char *requires_python; /* NULL when none */
    char *git_commit;    /* for PW_SOURCE_GIT, else NULL */
    pw_strlist imports;
    pw_strlist dependencies;  /* normalized names, sorted */
    pw_strlist extras;        /* extras that were requested of it, sorted */
    pw_strlist requested;     /* root requirements (canonical text) naming it, sorted */
    pw_strlist required_by;   /* names of the locked packages that depend on it, sorted */
} pw_lock_package;

typedef struct pw_lock_release {
    char *pyodide;       /* the release whose runtime runs the bundle */
    char *index_release; /* the release whose package index was used */
    char *python;
    char *abi_version;   /* NULL for releases without one (0.25) */
    char *platform;      /* emscripten_X_Y_Z, from the index's info */
    char *wheel_platform;/* the preferred wheel platform tag */
    char *arch;
    char *index_url;
    char *index_sha256;
    char *selected_by;   /* "--pyodide", "--compat-date", or a wrangler file path */
} pw_lock_release;

/* Where the lock was made: the project's git commit and whether the
 * working tree differed from it, when the lock's content last changed. */
typedef struct pw_lock_provenance {
    char *commit; /* 40 hex digits; NULL outside a git repository */
    bool dirty;
} pw_lock_provenance;

/*
 * How the resolution was made: every option given to `pwpkg lock` that
 * changes its result, so that `lock --check`, `verify` and a plain `lock`
 * repeat it with no flags (as uv.lock records its options). Local paths
 * are relative to the lock's directory; URLs carry no credentials. Unset
 * fields are NULL, empty or false.
 */
typedef struct pw_lock_options {
    bool recorded;              /* false in a lock of schema 1 */
    char *requirements;         /* -r FILE */
    char *project;              /* --project FILE */
    pw_strlist extras, groups;  /* --extra, --group */
    char *pyodide;              /* --pyodide */
    char *compat_date;          /* --compat-date */
    pw_strlist compat_flags;    /* --compat-flag */
    char *wrangler_env;         /* --env */
    char *pyodide_index;        /* --pyodide-index */
    char *pyodide_base_url;     /* --pyodide-base-url */
    bool no_remote_artifacts;   /* --no-remote-artifacts */
    char *index_url;            /* --index-url */
    pw_strlist extra_index_urls;/* --extra-index-url */
    pw_strlist find_links;      /* --find-links */
    pw_strlist from_index;      /* --from-index (normalized names) */
    bool no_index;              /* --no-index */
    bool best_match;            /* --index-strategy unsafe-best-match */
    bool pre;                   /* --pre */
    char *exclude_newer;        /* --exclude-newer, RFC 3339 in UTC */
} pw_lock_options;

void pw_lock_options_free(pw_lock_options *o);
/* The options as a command line would give them, one per item
 * ("--pyodide 0.27.7", "--find-links wheels", "--pre"), in a fixed order. */
void pw_lock_options_describe(const pw_lock_options *o, pw_strlist *out);

typedef struct pw_lock {
    int schema_version;
    pw_lock_options options;   /* "resolution" in the file */
    pw_lock_provenance provenance;
    pw_lock_release release;
    char *inputs_digest;       /* "sha256:<hex>" of the normalized inputs */
    pw_strlist inputs;         /* the input files, relative to the lock */
    pw_strlist requirements;   /* root requirements, canonical form, sorted */
    pw_strlist dropped;        /* requirements whose marker is false in Pyodide */
    pw_lock_package *packages; /* sorted by name once pw_lock_sort ran */
    size_t n_packages;
    size_t cap_packages;
} pw_lock;

void pw_lock_init(pw_lock *lock);
void pw_lock_free(pw_lock *lock);
/* Appends a zeroed package (size = -1) owned by the lock; name is copied. */
pw_lock_package *pw_lock_add_package(pw_lock *lock, const char *name);
pw_lock_package *pw_lock_find(const pw_lock *lock, const char *name);
/* Sorts packages by name and every list inside them: call before writing. */
void pw_lock_sort(pw_lock *lock);

/* The release's own packages (source "pyodide") whose url is beside the
 * release index (in the folder of release.index_url), and the others. */
void pw_lock_count_release_artifacts(const pw_lock *lock, size_t *beside, size_t *elsewhere);

/* Serializes to the deterministic JSON text. */
void pw_lock_serialize(const pw_lock *lock, pw_buf *out);
/* Parses lock text; errors name `origin` and the field that is wrong. */
int pw_lock_parse(const char *origin, const char *text, size_t len, pw_lock *out, pw_error *err);
int pw_lock_load(const char *path, pw_lock *out, pw_error *err);
/* The one writer of a lock file: serializes and writes atomically, but
 * only when the bytes differ from the file's, so that its mtime tells
 * build systems the truth. *changed (may be NULL) says whether it wrote. */
int pw_lock_save(const char *path, const pw_lock *lock, bool *changed, pw_error *err);

/* ------------------------------------------------------------- comparing */

enum pw_lock_change_kind {
    PW_CHANGE_ADDED,
    PW_CHANGE_REMOVED,
    PW_CHANGE_UPGRADED,
    PW_CHANGE_DOWNGRADED,
    PW_CHANGE_REHASHED,  /* same version, different artifact or hash */
    PW_CHANGE_MODIFIED,  /* same artifact, other recorded fields differ */
};

typedef struct pw_lock_change {
    enum pw_lock_change_kind kind;
    char *name;
    char *old_version; /* NULL when added */
    char *new_version; /* NULL when removed */
    char *detail;      /* e.g. the changed field, NULL when none */
} pw_lock_change;

typedef struct pw_lock_diff {
    pw_lock_change *changes; /* sorted by name */
    size_t len;
    size_t cap;
    pw_strlist release_changes; /* "python: 3.12.7 -> 3.13.2", ... */
    pw_strlist option_changes;  /* "+ --pre", "- --index-url URL": resolution options */
    pw_strlist requirement_changes; /* "+ numpy>=2", "- six": root requirements */
    bool inputs_changed;
} pw_lock_diff;

/* Version ordering is PEP 440's, which lives in resolver/: the caller passes
 * it in so that this module stays a leaf. NULL compares as strings. */
typedef int (*pw_version_cmp_fn)(const char *a, const char *b);

void pw_lock_diff_compute(const pw_lock *old_lock, const pw_lock *new_lock, pw_version_cmp_fn cmp,
                          pw_lock_diff *out);
bool pw_lock_diff_empty(const pw_lock_diff *d);
void pw_lock_diff_free(pw_lock_diff *d);
const char *pw_lock_change_kind_name(enum pw_lock_change_kind kind);
/* Plain text, one line per change ("  + numpy 2.0.2"), or a Markdown table. */
void pw_lock_diff_format_text(const pw_lock_diff *d, pw_buf *out);
void pw_lock_diff_format_markdown(const pw_lock_diff *d, pw_buf *out);

/* ------------------------------------------------------------------ graph */

typedef struct pw_lock_tree_options {
    int depth;          /* levels below the roots to expand; -1 for all */
    const char *invert; /* a package: draw what depends on it, up to the roots */
    bool sizes;         /* each package's artifact size */
    bool ascii;         /* |- `- instead of the box-drawing glyphs */
} pw_lock_tree_options;
/* The resolved graph as a tree from the root requirements (options NULL:
 * the defaults); a package already shown is marked "(*)" instead of being
 * expanded again. PW_ENOTFOUND when `invert` is not in the lock. */
int pw_lock_format_tree(const pw_lock *lock, const pw_lock_tree_options *opt, pw_buf *out,
                        pw_error *err);
/* Why `name` is in the lock: every path from a root requirement to it.
 * PW_ENOTFOUND when the lock has no such package. */
int pw_lock_explain_why(const pw_lock *lock, const char *name, pw_buf *out, pw_error *err);

#endif
