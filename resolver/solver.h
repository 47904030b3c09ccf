/*
 * The dependency solver: PubGrub (Natalie Weizenbaum's algorithm, as
 * described in Dart pub's doc/solver.md) over a finite universe.
 *
 * Private to resolver/. The solver knows nothing about indexes, wheels or
 * markers: a provider lists, per package, the FINITE set of usable
 * candidates (already filtered by wheel tags, requires-python...), newest
 * first, and the dependencies of each candidate (markers and extras
 * already applied). Every version set is therefore a bitset over one
 * package's candidate list, which makes PubGrub's term algebra (union,
 * intersection, complement, subset) exact; PEP 440 specifier semantics are
 * applied once, when a dependency is turned into a bitset.
 *
 * Package names are opaque keys compared byte for byte: the provider
 * normalizes them. An extra is just another package: the provider makes
 * "name[extra]" candidate v depend on "name==v" plus the extra's
 * requirements, and the solver needs nothing special.
 */
#ifndef PW_SOLVER_H
#define PW_SOLVER_H

#include "common.h"
#include "pep440.h"

typedef struct pw_solver_candidate {
    pw_version version;
    const char *version_text; /* as published; NULL: the normalized form */
    bool yanked;              /* PEP 592 */
    void *user;               /* the provider's, untouched */
} pw_solver_candidate;

typedef struct pw_solver_dep {
    const char *package;                 /* key; may be "name[extra]" */
    const pw_specifier_set *specifiers;  /* NULL: any version */
    const char *origin;                  /* for messages, e.g. "b>=1,<2"; NULL: built */
} pw_solver_dep;

typedef struct pw_solver_hint {
    const char *package;
    size_t candidate_index;
} pw_solver_hint;

typedef struct pw_solver_provider {
    /*
     * Candidates of `package`, newest first. Called once per package; the
     * array must stay valid until pw_solve returns. PW_ENOTFOUND means the
     * package exists nowhere (dependencies on it become explained
     * incompatibilities); any other error stops the solve and is passed up.
     */
    int (*candidates)(void *ctx, const char *package, const pw_solver_candidate **out, size_t *n,
                      pw_error *err);
    /* Dependencies of candidate `candidate_index` of `package`. The array,
     * its strings and specifier sets must stay valid until pw_solve returns
     * (the solver keeps the specifier sets and origins for its messages). */
    int (*dependencies)(void *ctx, const char *package, size_t candidate_index,
                        const pw_solver_dep **out, size_t *n, pw_error *err);
    /* Optional: index of the preferred candidate (e.g. the locked one), or -1. */
    long (*preferred)(void *ctx, const char *package);
    /* Optional: whether pre-releases of `package` may be chosen freely. */
    bool (*allow_prereleases)(void *ctx, const char *package);
    void *ctx;
} pw_solver_provider;

typedef struct pw_solver_limits {
    size_t max_decisions; /* 0: PW_SOLVER_DEFAULT_MAX_DECISIONS */
    size_t max_packages;  /* 0: PW_SOLVER_DEFAULT_MAX_PACKAGES */
} pw_solver_limits;

#define PW_SOLVER_DEFAULT_MAX_DECISIONS 200000
#define PW_SOLVER_DEFAULT_MAX_PACKAGES 100000

typedef struct pw_solution_entry {
    char *package;          /* heap, owned by the solution */
    size_t candidate_index; /* into the provider's candidate list */
} pw_solution_entry;

/*
 * Chooses one candidate per package reachable from `roots` such that every
 * chosen candidate's dependencies hold. The solution is sorted by package
 * name and does not include the (virtual) root.
 *
 * Which candidates a requirement admits:
 *  - the PEP 440 specifier set must contain the version ("===" also
 *    compares the published version text);
 *  - pre-releases only when allow_prereleases(package) says so, or the set
 *    names a pre-release, or no final release among the candidates
 *    satisfies the set (pip's rule);
 *  - PEP 592: a yanked candidate only when the set pins it exactly with a
 *    non-wildcard "==" or with "===".
 * Among admitted versions the solver tries the preferred one first, then the
 * newest non-yanked one; it decides the package with the fewest admitted
 * candidates first, as pub does.
 *
 * Errors: PW_ECONFLICT when no solution exists, with PubGrub's derivation
 * explained in plain words (root requirements named by their `origin`);
 * PW_ELIMIT when a limit is hit; provider errors are passed up with the
 * package named.
 */
int pw_solve(const pw_solver_provider *provider, const pw_solver_dep *roots, size_t n_roots,
             const pw_solver_limits *limits, pw_solution_entry **solution, size_t *n_solution,
             pw_error *err);
/*
 * pw_solve with a hint for the provider: `upcoming` (with the provider's
 * ctx) is told the candidates the solver will probably ask dependencies()
 * of soon (the one it is deciding, and what it would choose now for the
 * packages next in line) before it asks for one it has not read, so that
 * a provider can fetch them all at once. Only a hint: what the solver
 * decides does not depend on it.
 */
typedef void (*pw_solver_upcoming_fn)(void *ctx, const pw_solver_hint *hints, size_t n);
int pw_solve_hinted(const pw_solver_provider *provider, pw_solver_upcoming_fn upcoming,
                    const pw_solver_dep *roots, size_t n_roots, const pw_solver_limits *limits,
                    pw_solution_entry **solution, size_t *n_solution, pw_error *err);
void pw_solution_free(pw_solution_entry *solution, size_t n);

#endif
