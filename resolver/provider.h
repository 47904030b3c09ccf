/*
 * The package universe of one `pwpkg lock`: the Pyodide release, package
 * indexes, --find-links locations and direct URLs, behind the solver's
 * provider interface. Private to resolver/.
 *
 * Source priority (docs/sources.md):
 *  1. a name the Pyodide release provides comes from the release (its
 *     binaries are built for the release's ABI), unless --from-index NAME;
 *  2. a direct URL requirement comes from its URL;
 *  3. any other name comes from the FIRST index that has the project, plus
 *     --find-links; results are never mixed across indexes (dependency
 *     confusion) unless --index-strategy unsafe-best-match.
 */
#ifndef PW_PROVIDER_H
#define PW_PROVIDER_H

#include "fetch.h"
#include "resolve_context.h"
#include "metadata.h"
#include "simple_index.h"
#include "solver.h"

enum pw_package_kind {
    PW_PKG_PYODIDE,
    PW_PKG_INDEX,   /* an index or --find-links */
    PW_PKG_URL,     /* name @ https://.../x.whl or a local wheel */
    PW_PKG_MISSING, /* nowhere */
};

typedef struct pw_candidate_info {
    const pw_index_file *file;   /* NULL for Pyodide packages */
    const char *source;          /* index or find-links location it came from */
    const char *source_kind;     /* PW_SOURCE_* */
    bool metadata_loaded;
    pw_metadata metadata;
    char *artifact_path;         /* the wheel in the cache, once downloaded */
    char sha256[65];             /* of the wheel, once known */
    int64_t size;
    char *git_commit;            /* git sources: the commit the ref resolved to */
    char *git_url;               /* git sources: "git+URL@COMMIT[#subdirectory=..]" */
} pw_candidate_info;

typedef struct pw_package {
    char *key;     /* "name" or "name[extra]" */
    char *base;    /* "name" */
    char *extra;   /* NULL for a base package */
    enum pw_package_kind kind;
    const pw_pyodide_package *pyodide;
    pw_solver_candidate *candidates;
    pw_candidate_info *info;     /* parallel to candidates (shared with the base for extras) */
    size_t n_candidates;
    pw_index_page *pages;        /* owned: candidate files point into them */
    size_t n_pages;
    pw_solver_dep **deps;        /* per candidate, once computed */
    size_t *n_deps;
    bool *deps_loaded;
    char *hint;                  /* why versions are missing, for error messages */
    bool loaded;
} pw_package;

typedef struct pw_provider {
    pw_resolve_context *lock;
    pw_fetch_session *session;
    pw_tagset tags;
    pw_version python;           /* the release's full Python version */
    pw_strlist indexes;          /* in priority order, normalized to URLs */
    pw_strlist find_links;
    bool best_match;             /* --index-strategy unsafe-best-match */
    bool pre;
    int64_t exclude_newer;       /* seconds since the epoch, or 0 */
    const pw_lock *previous;     /* pins to keep, or NULL */
    bool upgrade_all;
    const pw_strlist *upgrade_packages; /* normalized */
    const pw_strlist *from_index;       /* normalized: skip the release for these */
    pw_map packages;             /* key -> pw_package* */
    pw_map pages;                /* page URL -> struct provider_page* */
    pw_map speculated;           /* key -> the requirements speculation saw (provider.c) */
    struct spec_source *walks;   /* whose older versions may be asked for next (provider.c) */
    size_t n_walks, cap_walks;
    pw_index_page *find_links_pages; /* one per --find-links location, read once */
    size_t n_find_links_pages;
    bool find_links_loaded;
    int find_links_rc;           /* the outcome of reading them */
    char *find_links_error;
    pw_arena arena;              /* dependency arrays, strings */
    bool shadow;                 /* pw_provider_revalidate_closure's offline walk */
    pw_specifier_set **owned_specs;
    size_t n_owned_specs, cap_owned_specs;
} pw_provider;

int pw_provider_init(pw_provider *p, pw_resolve_context *ctx, pw_error *err);
void pw_provider_free(pw_provider *p);
pw_solver_provider pw_provider_interface(pw_provider *p);
/* Loads (or returns) the package `key`; fetches what it needs. */
int pw_provider_package(pw_provider *p, const char *key, pw_package **out, pw_error *err);
/* Fetches the index pages of many names at once (parallel transfers). */
void pw_provider_prefetch(pw_provider *p, const pw_strlist *keys);
/* Fetches, in parallel waves, the pages and PEP 658 metadata the solver
 * is likely to ask for from these requirements on (see provider.c). */
void pw_provider_speculate(pw_provider *p, const pw_solver_dep *deps, size_t n);
/* Warm cache: the index pages of the closure the cache already knows from
 * these requirements on, revalidated in one parallel batch (provider.c). */
void pw_provider_revalidate_closure(pw_provider *p, const pw_solver_dep *deps, size_t n);
/* pw_solve_hinted's hint: fetches the metadata of the candidates named, and
 * speculates from their dependencies; ctx is the pw_provider. */
void pw_provider_upcoming(void *ctx, const pw_solver_hint *hints, size_t n);
/* The wheel of a candidate, downloaded and verified; fills info->sha256. */
int pw_provider_artifact(pw_provider *p, pw_package *pkg, size_t i, pw_error *err);

#endif
