/*
 * PubGrub over finite candidate lists (see solver.h and Dart pub's
 * doc/solver.md, whose vocabulary this file uses: term, incompatibility,
 * assignment, decision level, satisfier, prior cause).
 *
 * A term about package P is a set of outcomes for P: "candidate i is
 * selected" for each allowed i (a bitset) plus, optionally, "P is not
 * selected at all" (`absent`). A positive term ("P in S") leaves `absent`
 * false; a negative one ("not P in S") is the complement: the other
 * candidates plus absence. With that representation every operation of the
 * algorithm is an exact set operation.
 */
#include "solver.h"

#include <stdlib.h>
#include <string.h>

#define SV_NONE UINT32_MAX
/* Explanations recurse along the derivation graph; past this depth the
 * rest of a branch is summarized instead of risking the stack. */
#define SV_REPORT_MAX_DEPTH 300
#define SV_NOTE_MAX_VERSIONS 5
#define SV_PHRASE_MAX_RUNS 4

/* ------------------------------------------------------------- structures */

typedef struct sv_term {
    uint32_t pkg;
    bool absent;
    uint64_t *bits; /* arena; bits past the candidate count are zero */
} sv_term;

enum sv_kind {
    SV_KIND_ROOT,       /* {not root}: the root must be selected */
    SV_KIND_DEPENDENCY, /* {depender in D, not dependee in S} */
    SV_KIND_DERIVED,    /* conflict resolution: cause1 and cause2 */
};

typedef struct sv_incompat {
    sv_term *terms;
    size_t n_terms;
    enum sv_kind kind;
    uint32_t cause1, cause2;
    uint32_t depender, dependee; /* SV_KIND_DEPENDENCY */
    uint64_t *depender_bits;     /* the versions that have this dependency */
    uint64_t *dep_bits;          /* what the requirement admits */
    const char *origin;
} sv_incompat;

typedef struct sv_package {
    const char *name; /* arena */
    const pw_solver_candidate *cands;
    size_t n, nw;
    bool not_found;
    bool sorted; /* newest first as promised: ranges can be described */
    bool allow_pre;
    long preferred;
    const char **vtext;
    uint64_t *full;
    unsigned char *deps_added;
    uint32_t *incs; /* incompatibilities mentioning the package */
    size_t n_incs, cap_incs;
    uint32_t *assigns; /* its assignments, oldest first */
    size_t n_assigns, cap_assigns;
    long decision;
    bool queued;
} sv_package;

typedef struct sv_assign {
    uint32_t pkg;
    bool decision;
    uint32_t level;
    uint32_t cause;
    bool absent, acc_absent;
    uint32_t acc_count; /* candidates in the running intersection */
    uint64_t *bits; /* heap: the term (nw words), then the running intersection */
} sv_assign;

/* A package waiting for a decision, keyed as sv_decide chooses. Entries are
 * never updated in place: a change of the package's state pushes a new
 * entry, and one that no longer matches the state is dropped when it
 * reaches the top (lazy invalidation). */
typedef struct sv_pending {
    uint32_t count; /* admitted candidates when pushed */
    uint32_t pkg;
} sv_pending;

typedef struct sv_solver {
    const pw_solver_provider *p;
    pw_solver_upcoming_fn upcoming; /* NULL: no hints */
    const pw_solver_dep *roots;
    size_t n_roots;
    size_t max_decisions, max_packages;
    pw_arena arena;
    sv_package *pkgs;
    size_t n_pkgs, cap_pkgs;
    uint32_t *table; /* open addressing: package id + 1, 0 = empty */
    size_t table_cap;
    sv_incompat *incs;
    size_t n_incs, cap_incs;
    sv_assign *assigns;
    size_t n_assigns, cap_assigns;
    uint32_t level;
    size_t decisions;
    uint32_t *queue;
    size_t n_queue, cap_queue;
    sv_pending *pending; /* binary min-heap on (count, pkg) */
    size_t n_pending, cap_pending;
    pw_solver_candidate root_cand;
    pw_specifier_set empty_spec;
} sv_solver;

/* ----------------------------------------------------------------- bitsets */

static bool bits_test(const uint64_t *a, size_t i)
{
    return (a[i / 64] >> (i % 64)) & 1u;
}

static void bits_set(uint64_t *a, size_t i)
{
    a[i / 64] |= (uint64_t)1 << (i % 64);
}

static size_t bits_count(const uint64_t *a, size_t nw)
{
    size_t c = 0;
    for (size_t i = 0; i < nw; i++)
        c += (size_t)__builtin_popcountll(a[i]);
    return c;
}

static bool bits_equal(const uint64_t *a, const uint64_t *b, size_t nw)
{
    return nw == 0 || memcmp(a, b, nw * sizeof(uint64_t)) == 0;
}

static bool bits_empty(const uint64_t *a, size_t nw)
{
    for (size_t i = 0; i < nw; i++)
        if (a[i])
            return false;
    return true;
}

/* -------------------------------------------------------------- term algebra */

static size_t sv_nw(const sv_solver *s, uint32_t pkg)
{
    return s->pkgs[pkg].nw;
}

static uint64_t *sv_bits_new(sv_solver *s, uint32_t pkg)
{
    size_t nw = sv_nw(s, pkg);
    return pw_arena_alloc(&s->arena, (nw ? nw : 1) * sizeof(uint64_t));
}

static bool term_subset(size_t nw, const uint64_t *a, bool a_abs, const uint64_t *b, bool b_abs)
{
    if (a_abs && !b_abs)
        return false;
    for (size_t i = 0; i < nw; i++)
        if (a[i] & ~b[i])
            return false;
    return true;
}

static bool term_disjoint(size_t nw, const uint64_t *a, bool a_abs, const uint64_t *b, bool b_abs)
{
    if (a_abs && b_abs)
        return false;
    for (size_t i = 0; i < nw; i++)
        if (a[i] & b[i])
            return false;
    return true;
}

static bool sv_term_universal(const sv_solver *s, const sv_term *t)
{
    return t->absent && bits_equal(t->bits, s->pkgs[t->pkg].full, sv_nw(s, t->pkg));
}

static bool sv_term_impossible(const sv_solver *s, const sv_term *t)
{
    return !t->absent && bits_empty(t->bits, sv_nw(s, t->pkg));
}

/* The intersection of the partial solution's assignments for `pkg`. */
static void sv_current(const sv_solver *s, uint32_t pkg, const uint64_t **bits, bool *absent)
{
    const sv_package *pk = &s->pkgs[pkg];
    if (pk->n_assigns == 0) {
        *bits = pk->full;
        *absent = true;
        return;
    }
    const sv_assign *a = &s->assigns[pk->assigns[pk->n_assigns - 1]];
    *bits = a->bits + pk->nw;
    *absent = a->acc_absent;
}

/* ----------------------------------------------------------------- packages */

static uint64_t sv_hash(const char *name)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        h = (h ^ *c) * 1099511628211u;
    return h;
}

static void sv_table_insert(sv_solver *s, uint32_t id)
{
    size_t mask = s->table_cap - 1;
    size_t i = (size_t)sv_hash(s->pkgs[id].name) & mask;
    while (s->table[i])
        i = (i + 1) & mask;
    s->table[i] = id + 1;
}

static long sv_lookup(const sv_solver *s, const char *name)
{
    size_t mask = s->table_cap - 1;
    for (size_t i = (size_t)sv_hash(name) & mask; s->table[i]; i = (i + 1) & mask) {
        uint32_t id = s->table[i] - 1;
        if (strcmp(s->pkgs[id].name, name) == 0)
            return (long)id;
    }
    return -1;
}

static void sv_version_texts(sv_solver *s, sv_package *pk)
{
    pk->vtext = pw_arena_alloc(&s->arena, (pk->n ? pk->n : 1) * sizeof(char *));
    pw_buf b = PW_BUF_INIT;
    for (size_t i = 0; i < pk->n; i++) {
        if (pk->cands[i].version_text) {
            pk->vtext[i] = pk->cands[i].version_text;
            continue;
        }
        pw_buf_reset(&b);
        pw_version_format(&pk->cands[i].version, &b);
        pk->vtext[i] = pw_arena_strdup(&s->arena, pw_buf_cstr(&b));
    }
    pw_buf_free(&b);
}

static uint32_t sv_package_add(sv_solver *s, const char *name, const pw_solver_candidate *cands,
                               size_t n)
{
    PW_GROW(s->pkgs, s->cap_pkgs, s->n_pkgs + 1);
    uint32_t id = (uint32_t)s->n_pkgs++;
    sv_package *pk = &s->pkgs[id];
    memset(pk, 0, sizeof(*pk));
    pk->name = pw_arena_strdup(&s->arena, name);
    pk->cands = cands;
    pk->n = n;
    pk->nw = (n + 63) / 64;
    pk->preferred = -1;
    pk->decision = -1;
    pk->full = sv_bits_new(s, id);
    for (size_t i = 0; i < n; i++)
        bits_set(pk->full, i);
    pk->deps_added = pw_arena_alloc(&s->arena, n ? n : 1);
    pk->sorted = true;
    for (size_t i = 1; i < n; i++)
        if (pw_version_compare(&cands[i - 1].version, &cands[i].version) <= 0)
            pk->sorted = false;
    sv_version_texts(s, pk);
    return id;
}

/* Finds or loads a package; loading asks the provider for its candidates. */
static int sv_package_get(sv_solver *s, const char *name, uint32_t *out, pw_error *err)
{
    long found = sv_lookup(s, name);
    if (found >= 0) {
        *out = (uint32_t)found;
        return 0;
    }
    if (s->n_pkgs - 1 >= s->max_packages)
        return pw_error_set(err, PW_ELIMIT,
                            "dependency resolution needs more than %zu packages (max_packages) "
                            "while adding '%s'",
                            s->max_packages, name);
    const pw_solver_candidate *cands = NULL;
    size_t n = 0;
    bool not_found = false;
    int rc = s->p->candidates(s->p->ctx, name, &cands, &n, err);
    if (rc == PW_ENOTFOUND) {
        pw_error_clear(err);
        not_found = true;
        cands = NULL;
        n = 0;
    } else if (rc != 0) {
        pw_error_wrap(err, "listing the versions of '%s'", name);
        return rc;
    }
    if (!cands)
        n = 0;
    if (n > UINT32_MAX / 2)
        return pw_error_set(err, PW_ELIMIT, "package '%s' has too many candidates (%zu)", name, n);
    uint32_t id = sv_package_add(s, name, cands, n);
    sv_package *pk = &s->pkgs[id];
    pk->not_found = not_found;
    if (s->p->allow_prereleases)
        pk->allow_pre = s->p->allow_prereleases(s->p->ctx, name);
    if (s->p->preferred) {
        long pref = s->p->preferred(s->p->ctx, name);
        pk->preferred = pref >= 0 && (size_t)pref < n ? pref : -1;
    }
    if ((s->n_pkgs) * 2 > s->table_cap) {
        free(s->table);
        s->table_cap *= 2;
        s->table = pw_xcalloc(s->table_cap, sizeof(uint32_t));
        for (uint32_t i = 1; i < s->n_pkgs; i++)
            sv_table_insert(s, i);
    } else {
        sv_table_insert(s, id);
    }
    *out = id;
    return 0;
}

/* ---------------------------------------------------------- incompatibilities */

typedef struct sv_builder {
    sv_term *terms;
    size_t n, cap;
} sv_builder;

/* Adds a term, intersecting with an earlier term about the same package
 * (pub: "incompatibilities are normalized so that at most one term refers
 * to any given package"). `bits` is copied. */
static void sv_builder_add(sv_solver *s, sv_builder *b, uint32_t pkg, const uint64_t *bits,
                           bool absent)
{
    size_t nw = sv_nw(s, pkg);
    for (size_t i = 0; i < b->n; i++) {
        if (b->terms[i].pkg != pkg)
            continue;
        for (size_t w = 0; w < nw; w++)
            b->terms[i].bits[w] &= bits[w];
        b->terms[i].absent = b->terms[i].absent && absent;
        return;
    }
    PW_GROW(b->terms, b->cap, b->n + 1);
    sv_term *t = &b->terms[b->n++];
    t->pkg = pkg;
    t->absent = absent;
    t->bits = sv_bits_new(s, pkg);
    if (nw)
        memcpy(t->bits, bits, nw * sizeof(uint64_t));
}

static void sv_builder_add_negated(sv_solver *s, sv_builder *b, uint32_t pkg,
                                   const uint64_t *bits, bool absent)
{
    size_t nw = sv_nw(s, pkg);
    uint64_t *neg = sv_bits_new(s, pkg);
    for (size_t w = 0; w < nw; w++)
        neg[w] = s->pkgs[pkg].full[w] & ~bits[w];
    sv_builder_add(s, b, pkg, neg, !absent);
}

/*
 * Stores the built incompatibility and returns its id, or SV_NONE when it
 * is vacuous (a term no selection satisfies, e.g. "a 1 depends on a" made
 * into {a 1, not a}). Universal terms hold in every selection and are
 * dropped; so are positive root terms of derived incompatibilities, which
 * always hold (pub's normalization).
 */
static uint32_t sv_incompat_store(sv_solver *s, sv_builder *b, enum sv_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (sv_term_impossible(s, &b->terms[i]))
            return SV_NONE;
        if (!sv_term_universal(s, &b->terms[i]))
            b->terms[n++] = b->terms[i];
    }
    if (kind == SV_KIND_DERIVED && n > 1) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (!(b->terms[i].pkg == 0 && !b->terms[i].absent))
                b->terms[m++] = b->terms[i];
        n = m;
    }
    PW_GROW(s->incs, s->cap_incs, s->n_incs + 1);
    uint32_t id = (uint32_t)s->n_incs++;
    sv_incompat *inc = &s->incs[id];
    memset(inc, 0, sizeof(*inc));
    inc->kind = kind;
    inc->n_terms = n;
    inc->terms = pw_arena_alloc(&s->arena, (n ? n : 1) * sizeof(sv_term));
    if (n)
        memcpy(inc->terms, b->terms, n * sizeof(sv_term));
    inc->cause1 = inc->cause2 = SV_NONE;
    inc->depender = inc->dependee = SV_NONE;
    return id;
}

/* Makes the incompatibility visible to unit propagation. */
static void sv_incompat_register(sv_solver *s, uint32_t id)
{
    const sv_incompat *inc = &s->incs[id];
    for (size_t i = 0; i < inc->n_terms; i++) {
        sv_package *pk = &s->pkgs[inc->terms[i].pkg];
        PW_GROW(pk->incs, pk->cap_incs, pk->n_incs + 1);
        pk->incs[pk->n_incs++] = id;
    }
}

static const sv_term *sv_incompat_term(const sv_solver *s, uint32_t id, uint32_t pkg)
{
    const sv_incompat *inc = &s->incs[id];
    for (size_t i = 0; i < inc->n_terms; i++)
        if (inc->terms[i].pkg == pkg)
            return &inc->terms[i];
    return NULL;
}

/* ------------------------------------------------------------- requirements */

static bool sv_spec_pins(const pw_specifier_set *spec)
{
    for (size_t i = 0; i < spec->len; i++) {
        enum pw_spec_op op = spec->items[i].op;
        if ((op == PW_OP_EQ && !spec->items[i].wildcard) || op == PW_OP_ARBITRARY)
            return true;
    }
    return false;
}

static bool sv_spec_admits(const sv_package *pk, const pw_specifier_set *spec, size_t i, bool pre,
                           bool pins)
{
    const pw_solver_candidate *c = &pk->cands[i];
    /* PEP 592: a yanked release is only for a requirement that pins it. */
    if (c->yanked && !pins)
        return false;
    pw_slice raw = pw_slice_from(c->version_text ? c->version_text : "");
    return pw_specifier_set_contains_raw(spec, &c->version, raw, pre);
}

/* The candidates a requirement admits, as a bitset (see solver.h). */
static uint64_t *sv_spec_bits(sv_solver *s, uint32_t pkg, const pw_specifier_set *spec)
{
    const sv_package *pk = &s->pkgs[pkg];
    if (!spec)
        spec = &s->empty_spec;
    uint64_t *bits = sv_bits_new(s, pkg);
    bool pins = sv_spec_pins(spec);
    bool pre = pk->allow_pre || pw_specifier_set_mentions_prerelease(spec);
    bool any_final = false;
    for (size_t i = 0; i < pk->n; i++) {
        if (!sv_spec_admits(pk, spec, i, pre, pins))
            continue;
        bits_set(bits, i);
        if (!pw_version_is_prerelease(&pk->cands[i].version))
            any_final = true;
    }
    if (!any_final && !pre) {
        /* pip: pre-releases are accepted when no final release satisfies. */
        for (size_t i = 0; i < pk->n; i++)
            if (sv_spec_admits(pk, spec, i, true, pins))
                bits_set(bits, i);
    }
    return bits;
}

static const char *sv_origin(sv_solver *s, const pw_solver_dep *dep)
{
    if (dep->origin && dep->origin[0])
        return pw_arena_strdup(&s->arena, dep->origin);
    pw_buf b = PW_BUF_INIT;
    pw_buf_puts(&b, dep->package);
    if (dep->specifiers)
        pw_specifier_set_format(dep->specifiers, &b);
    const char *text = pw_arena_strdup(&s->arena, pw_buf_cstr(&b));
    pw_buf_free(&b);
    return text;
}

static void sv_incompat_unregister(sv_solver *s, uint32_t id)
{
    const sv_incompat *inc = &s->incs[id];
    for (size_t i = 0; i < inc->n_terms; i++) {
        sv_package *pk = &s->pkgs[inc->terms[i].pkg];
        for (size_t k = pk->n_incs; k-- > 0;) {
            if (pk->incs[k] != id)
                continue;
            memmove(&pk->incs[k], &pk->incs[k + 1], (pk->n_incs - k - 1) * sizeof(uint32_t));
            pk->n_incs--;
            break;
        }
    }
}

/* The registered dependency of other versions of `pkg` on the same
 * requirement, or SV_NONE. */
static uint32_t sv_same_dependency(const sv_solver *s, uint32_t pkg, uint32_t dep,
                                   const uint64_t *admitted, const char *origin)
{
    const sv_package *pk = &s->pkgs[pkg];
    for (size_t k = pk->n_incs; k-- > 0;) {
        const sv_incompat *inc = &s->incs[pk->incs[k]];
        if (inc->kind == SV_KIND_DEPENDENCY && inc->depender == pkg && inc->dependee == dep &&
            bits_equal(inc->dep_bits, admitted, sv_nw(s, dep)) && strcmp(inc->origin, origin) == 0)
            return pk->incs[k];
    }
    return SV_NONE;
}

/*
 * Turns the dependencies of candidate `v` of `pkg` into incompatibilities
 * {pkg in D, not dep}. As pub's package lister does, versions sharing a
 * dependency share one incompatibility (D grows as versions are visited),
 * so that what is learned about one version covers its siblings and
 * messages speak of ranges. Ids of those that are not vacuous go to *ids.
 */
static int sv_add_dependencies(sv_solver *s, uint32_t pkg, size_t v, uint32_t **ids, size_t *n_ids,
                               pw_error *err)
{
    const pw_solver_dep *deps;
    size_t n_deps;
    *ids = NULL;
    *n_ids = 0;
    if (pkg == 0) {
        deps = s->roots;
        n_deps = s->n_roots;
    } else {
        deps = NULL;
        n_deps = 0;
        int rc = s->p->dependencies(s->p->ctx, s->pkgs[pkg].name, v, &deps, &n_deps, err);
        if (rc != 0) {
            pw_error_wrap(err, "reading the dependencies of %s %s", s->pkgs[pkg].name,
                          s->pkgs[pkg].vtext[v]);
            return rc;
        }
        if (!deps)
            n_deps = 0;
    }
    s->pkgs[pkg].deps_added[v] = 1;
    size_t cap = 0;
    sv_builder b = {NULL, 0, 0};
    int rc = 0;
    for (size_t i = 0; i < n_deps && rc == 0; i++) {
        if (!deps[i].package || !deps[i].package[0]) {
            rc = pw_error_set(err, PW_EINVAL, "a dependency of %s %s has no package name",
                              pkg == 0 ? "the root" : s->pkgs[pkg].name, s->pkgs[pkg].vtext[v]);
            break;
        }
        uint32_t dep = 0;
        rc = sv_package_get(s, deps[i].package, &dep, err);
        if (rc != 0)
            break;
        uint64_t *admitted = sv_spec_bits(s, dep, deps[i].specifiers);
        const char *origin = sv_origin(s, &deps[i]);
        uint64_t *dependers = sv_bits_new(s, pkg);
        bits_set(dependers, v);
        uint32_t old = dep == pkg ? SV_NONE : sv_same_dependency(s, pkg, dep, admitted, origin);
        if (old != SV_NONE)
            for (size_t w = 0; w < sv_nw(s, pkg); w++)
                dependers[w] |= s->incs[old].depender_bits[w];
        b.n = 0;
        sv_builder_add(s, &b, pkg, dependers, false);
        sv_builder_add_negated(s, &b, dep, admitted, false);
        uint32_t id = sv_incompat_store(s, &b, SV_KIND_DEPENDENCY);
        if (id == SV_NONE)
            continue;
        sv_incompat *inc = &s->incs[id];
        inc->depender = pkg;
        inc->depender_bits = dependers;
        inc->dependee = dep;
        inc->dep_bits = admitted;
        inc->origin = origin;
        /* The merged incompatibility implies the old one, which stays only
         * as a cause in the derivation graph. */
        if (old != SV_NONE)
            sv_incompat_unregister(s, old);
        sv_incompat_register(s, id);
        PW_GROW(*ids, cap, *n_ids + 1);
        (*ids)[(*n_ids)++] = id;
    }
    free(b.terms);
    if (rc != 0) {
        free(*ids);
        *ids = NULL;
        *n_ids = 0;
    }
    return rc;
}

/* ---------------------------------------------------- undecided packages */

/*
 * sv_decide picks, among the packages with a positive derivation and no
 * decision, the one with the fewest admitted candidates (pub), the lowest
 * id on ties. Scanning every package per decision made a solve quadratic;
 * a heap of (count, id) makes each decision O(log n) amortised.
 */

static bool sv_pending_less(sv_pending a, sv_pending b)
{
    return a.count != b.count ? a.count < b.count : a.pkg < b.pkg;
}

/* Whether `e` is the package's current key and the package awaits a
 * decision: only such entries may be acted on. */
static bool sv_pending_valid(const sv_solver *s, sv_pending e)
{
    const sv_package *pk = &s->pkgs[e.pkg];
    if (pk->decision >= 0 || pk->n_assigns == 0)
        return false;
    const sv_assign *a = &s->assigns[pk->assigns[pk->n_assigns - 1]];
    return !a->acc_absent && a->acc_count == e.count;
}

static void sv_pending_sift_up(sv_solver *s, size_t i)
{
    sv_pending e = s->pending[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!sv_pending_less(e, s->pending[parent]))
            break;
        s->pending[i] = s->pending[parent];
        i = parent;
    }
    s->pending[i] = e;
}

static void sv_pending_sift_down(sv_solver *s, size_t i)
{
    sv_pending e = s->pending[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->n_pending)
            break;
        if (c + 1 < s->n_pending && sv_pending_less(s->pending[c + 1], s->pending[c]))
            c++;
        if (!sv_pending_less(s->pending[c], e))
            break;
        s->pending[i] = s->pending[c];
        i = c;
    }
    s->pending[i] = e;
}

static void sv_pending_pop(sv_solver *s)
{
    s->pending[0] = s->pending[--s->n_pending];
    if (s->n_pending > 0)
        sv_pending_sift_down(s, 0);
}

/* Stale entries pile up with backtracking; past twice the packages, the
 * heap is rebuilt from the packages themselves (O(n) after >= n pushes, so
 * amortised O(1) per push). */
static void sv_pending_rebuild(sv_solver *s)
{
    s->n_pending = 0;
    for (uint32_t i = 0; i < s->n_pkgs; i++) {
        const sv_package *pk = &s->pkgs[i];
        if (pk->decision >= 0 || pk->n_assigns == 0)
            continue;
        const sv_assign *a = &s->assigns[pk->assigns[pk->n_assigns - 1]];
        if (!a->acc_absent)
            s->pending[s->n_pending++] = (sv_pending){a->acc_count, i};
    }
    for (size_t i = s->n_pending / 2; i-- > 0;)
        sv_pending_sift_down(s, i);
}

/* Records the current state of `pkg` when it awaits a decision. */
static void sv_pending_offer(sv_solver *s, uint32_t pkg)
{
    const sv_package *pk = &s->pkgs[pkg];
    if (pk->decision >= 0 || pk->n_assigns == 0)
        return;
    const sv_assign *a = &s->assigns[pk->assigns[pk->n_assigns - 1]];
    if (a->acc_absent)
        return;
    if (s->n_pending >= 2 * s->n_pkgs + 64) {
        sv_pending_rebuild(s);
        return; /* the rebuild saw the package's current state */
    }
    PW_GROW(s->pending, s->cap_pending, s->n_pending + 1);
    s->pending[s->n_pending++] = (sv_pending){a->acc_count, pkg};
    sv_pending_sift_up(s, s->n_pending - 1);
}

/* The package to decide next, or SV_NONE when every package is decided. */
static uint32_t sv_pending_best(sv_solver *s)
{
    while (s->n_pending > 0 && !sv_pending_valid(s, s->pending[0]))
        sv_pending_pop(s);
    return s->n_pending > 0 ? s->pending[0].pkg : SV_NONE;
}

/* --------------------------------------------------------- partial solution */

static void sv_assign_push(sv_solver *s, uint32_t pkg, bool decision, uint32_t cause,
                           const uint64_t *bits, bool absent)
{
    const uint64_t *cur;
    bool cur_absent;
    sv_current(s, pkg, &cur, &cur_absent);
    size_t nw = sv_nw(s, pkg);
    PW_GROW(s->assigns, s->cap_assigns, s->n_assigns + 1);
    sv_assign *a = &s->assigns[s->n_assigns];
    a->pkg = pkg;
    a->decision = decision;
    a->level = s->level;
    a->cause = cause;
    a->absent = absent;
    a->acc_absent = absent && cur_absent;
    a->bits = pw_xcalloc(2 * nw + 1, sizeof(uint64_t));
    for (size_t w = 0; w < nw; w++) {
        a->bits[w] = bits[w];
        a->bits[nw + w] = bits[w] & cur[w];
    }
    a->acc_count = (uint32_t)bits_count(a->bits + nw, nw);
    sv_package *pk = &s->pkgs[pkg];
    PW_GROW(pk->assigns, pk->cap_assigns, pk->n_assigns + 1);
    pk->assigns[pk->n_assigns++] = (uint32_t)s->n_assigns;
    s->n_assigns++;
    if (!decision)
        sv_pending_offer(s, pkg);
}

/* Derives "not term" for the term of incompatibility `id` about `pkg`. */
static void sv_derive(sv_solver *s, uint32_t id, uint32_t pkg)
{
    const sv_term *t = sv_incompat_term(s, id, pkg);
    size_t nw = sv_nw(s, pkg);
    uint64_t *neg = pw_xcalloc(nw + 1, sizeof(uint64_t));
    for (size_t w = 0; w < nw; w++)
        neg[w] = s->pkgs[pkg].full[w] & ~t->bits[w];
    sv_assign_push(s, pkg, false, id, neg, !t->absent);
    free(neg);
}

static void sv_backtrack(sv_solver *s, uint32_t level)
{
    while (s->n_assigns > 0 && s->assigns[s->n_assigns - 1].level > level) {
        sv_assign *a = &s->assigns[--s->n_assigns];
        sv_package *pk = &s->pkgs[a->pkg];
        pk->n_assigns--;
        if (a->decision)
            pk->decision = -1;
        free(a->bits);
        /* An intermediate state's entry is harmless: it is dropped unless
         * it matches the state at decision time. */
        sv_pending_offer(s, a->pkg);
    }
    s->level = level;
}

enum sv_relation { SV_SATISFIED, SV_CONTRADICTED, SV_ALMOST, SV_INCONCLUSIVE };

static enum sv_relation sv_relation(const sv_solver *s, uint32_t id, size_t *unsatisfied)
{
    const sv_incompat *inc = &s->incs[id];
    enum sv_relation rel = SV_SATISFIED;
    for (size_t i = 0; i < inc->n_terms; i++) {
        const sv_term *t = &inc->terms[i];
        const uint64_t *cur;
        bool cur_absent;
        sv_current(s, t->pkg, &cur, &cur_absent);
        size_t nw = sv_nw(s, t->pkg);
        if (term_subset(nw, cur, cur_absent, t->bits, t->absent))
            continue;
        if (term_disjoint(nw, cur, cur_absent, t->bits, t->absent))
            return SV_CONTRADICTED;
        if (rel == SV_ALMOST)
            rel = SV_INCONCLUSIVE;
        else if (rel == SV_SATISFIED) {
            rel = SV_ALMOST;
            *unsatisfied = i;
        }
    }
    return rel;
}

static bool sv_is_terminal(const sv_solver *s, uint32_t id)
{
    const sv_incompat *inc = &s->incs[id];
    if (inc->n_terms == 0)
        return true;
    return inc->n_terms == 1 && inc->terms[0].pkg == 0 && !inc->terms[0].absent &&
           bits_test(inc->terms[0].bits, 0);
}

/* --------------------------------------------------------- conflict resolution */

static void sv_report(sv_solver *s, uint32_t root, pw_buf *out); /* below */

/* Global index of the earliest assignment after which the partial solution
 * satisfies `t`. */
static size_t sv_satisfier_index(const sv_solver *s, const sv_term *t)
{
    const sv_package *pk = &s->pkgs[t->pkg];
    for (size_t j = 0; j < pk->n_assigns; j++) {
        const sv_assign *a = &s->assigns[pk->assigns[j]];
        if (term_subset(pk->nw, a->bits + pk->nw, a->acc_absent, t->bits, t->absent))
            return pk->assigns[j];
    }
    return SIZE_MAX; /* not reached: the incompatibility is satisfied */
}

/*
 * pub's conflict resolution: walks back from an incompatibility the partial
 * solution satisfies to its root cause, deriving prior causes, then
 * backjumps. On success *out_id is almost satisfied by the backtracked
 * solution, its unsatisfied term being about *out_pkg.
 */
static int sv_resolve_conflict(sv_solver *s, uint32_t id, uint32_t *out_id, uint32_t *out_pkg,
                               pw_error *err)
{
    bool changed = false;
    sv_builder b = {NULL, 0, 0};
    uint64_t *scratch = NULL;
    size_t scratch_cap = 0;
    for (;;) {
        if (sv_is_terminal(s, id)) {
            free(b.terms);
            free(scratch);
            pw_buf msg = PW_BUF_INIT;
            sv_report(s, id, &msg);
            pw_error_set(err, PW_ECONFLICT, "no versions satisfy the requirements:\n%s",
                         pw_buf_cstr(&msg));
            pw_buf_free(&msg);
            return PW_ECONFLICT;
        }
        const sv_incompat *inc = &s->incs[id];
        size_t sat = 0, sat_term = 0;
        long prev = -1;
        size_t *idx = pw_xcalloc(inc->n_terms, sizeof(size_t));
        for (size_t i = 0; i < inc->n_terms; i++) {
            idx[i] = sv_satisfier_index(s, &inc->terms[i]);
            if (idx[i] == SIZE_MAX) {
                free(idx);
                free(b.terms);
                free(scratch);
                return pw_error_set(err, PW_EINVAL,
                                    "internal solver error: conflict on '%s' has no satisfier",
                                    s->pkgs[inc->terms[i].pkg].name);
            }
            if (i == 0 || idx[i] > sat) {
                sat = idx[i];
                sat_term = i;
            }
        }
        for (size_t i = 0; i < inc->n_terms; i++)
            if (i != sat_term && (long)idx[i] > prev)
                prev = (long)idx[i];
        free(idx);
        const sv_assign *satisfier = &s->assigns[sat];
        const sv_term *t = &inc->terms[sat_term];
        const sv_package *pk = &s->pkgs[t->pkg];
        size_t nw = pk->nw;
        /* The satisfier may need earlier assignments about its own package
         * to satisfy the term (pub: "satisfier may not satisfy term on its
         * own"); the earliest such one is a candidate previous satisfier. */
        if (!term_subset(nw, satisfier->bits, satisfier->absent, t->bits, t->absent)) {
            PW_GROW(scratch, scratch_cap, nw + 1);
            for (size_t j = 0; j < pk->n_assigns && pk->assigns[j] < sat; j++) {
                const sv_assign *a = &s->assigns[pk->assigns[j]];
                for (size_t w = 0; w < nw; w++)
                    scratch[w] = a->bits[nw + w] & satisfier->bits[w];
                bool ab = a->acc_absent && satisfier->absent;
                if (term_subset(nw, scratch, ab, t->bits, t->absent)) {
                    if ((long)pk->assigns[j] > prev)
                        prev = (long)pk->assigns[j];
                    break;
                }
            }
        }
        uint32_t prev_level = prev >= 0 ? s->assigns[prev].level : 0;
        if (prev_level < 1)
            prev_level = 1; /* keep the root decision (pub's level 1) */
        if (satisfier->decision || prev_level < satisfier->level) {
            uint32_t pkg = t->pkg;
            if (changed)
                sv_incompat_register(s, id);
            sv_backtrack(s, prev_level);
            free(b.terms);
            free(scratch);
            *out_id = id;
            *out_pkg = pkg;
            return 0;
        }
        /* Prior cause: resolution of the incompatibility with the
         * satisfier's cause, {q, r, t1 ∪ t2} in pub's notation. */
        uint32_t cause = satisfier->cause;
        uint32_t pkg = t->pkg;
        const sv_incompat *c = &s->incs[cause];
        const sv_term *t2 = sv_incompat_term(s, cause, pkg);
        b.n = 0;
        uint64_t *u = sv_bits_new(s, pkg);
        for (size_t w = 0; w < nw; w++)
            u[w] = t->bits[w] | (t2 ? t2->bits[w] : 0);
        sv_builder_add(s, &b, pkg, u, t->absent || (t2 && t2->absent));
        for (size_t i = 0; i < inc->n_terms; i++)
            if (inc->terms[i].pkg != pkg)
                sv_builder_add(s, &b, inc->terms[i].pkg, inc->terms[i].bits,
                               inc->terms[i].absent);
        for (size_t i = 0; i < c->n_terms; i++)
            if (c->terms[i].pkg != pkg)
                sv_builder_add(s, &b, c->terms[i].pkg, c->terms[i].bits, c->terms[i].absent);
        uint32_t derived = sv_incompat_store(s, &b, SV_KIND_DERIVED);
        if (derived == SV_NONE) {
            /* Cannot happen for a sound derivation (the prior cause is
             * satisfied by the partial solution); refuse rather than loop. */
            free(b.terms);
            free(scratch);
            return pw_error_set(err, PW_EINVAL,
                                "internal solver error: vacuous prior cause for '%s'",
                                s->pkgs[pkg].name);
        }
        s->incs[derived].cause1 = id;
        s->incs[derived].cause2 = cause;
        id = derived;
        changed = true;
    }
}

/* ---------------------------------------------------------- unit propagation */

static void sv_queue_push(sv_solver *s, uint32_t pkg)
{
    if (s->pkgs[pkg].queued)
        return;
    s->pkgs[pkg].queued = true;
    PW_GROW(s->queue, s->cap_queue, s->n_queue + 1);
    s->queue[s->n_queue++] = pkg;
}

static void sv_queue_clear(sv_solver *s)
{
    for (size_t i = 0; i < s->n_queue; i++)
        s->pkgs[s->queue[i]].queued = false;
    s->n_queue = 0;
}

static int sv_propagate(sv_solver *s, uint32_t start, pw_error *err)
{
    sv_queue_clear(s);
    sv_queue_push(s, start);
    while (s->n_queue > 0) {
        uint32_t pkg = s->queue[--s->n_queue];
        s->pkgs[pkg].queued = false;
        /* Newest first: conflict resolution's later incompatibilities are
         * the more general ones (pub). */
        for (size_t k = s->pkgs[pkg].n_incs; k-- > 0;) {
            uint32_t id = s->pkgs[pkg].incs[k];
            size_t unsat = 0;
            enum sv_relation rel = sv_relation(s, id, &unsat);
            if (rel == SV_SATISFIED) {
                uint32_t root_cause = 0, term_pkg = 0;
                int rc = sv_resolve_conflict(s, id, &root_cause, &term_pkg, err);
                if (rc != 0)
                    return rc;
                sv_derive(s, root_cause, term_pkg);
                sv_queue_clear(s);
                sv_queue_push(s, term_pkg);
                break;
            }
            if (rel == SV_ALMOST) {
                uint32_t term_pkg = s->incs[id].terms[unsat].pkg;
                sv_derive(s, id, term_pkg);
                sv_queue_push(s, term_pkg);
            }
        }
    }
    return 0;
}

/* ---------------------------------------------------------- decision making */

static bool sv_would_conflict(const sv_solver *s, uint32_t id, uint32_t pkg, size_t v)
{
    const sv_incompat *inc = &s->incs[id];
    for (size_t i = 0; i < inc->n_terms; i++) {
        const sv_term *t = &inc->terms[i];
        if (t->pkg == pkg) {
            if (!bits_test(t->bits, v))
                return false;
            continue;
        }
        const uint64_t *cur;
        bool cur_absent;
        sv_current(s, t->pkg, &cur, &cur_absent);
        if (!term_subset(sv_nw(s, t->pkg), cur, cur_absent, t->bits, t->absent))
            return false;
    }
    return true;
}

/* The candidate a decision on `pkg` takes now: the preferred one if
 * admitted, else the newest non-yanked admitted one, else any admitted. */
static long sv_choose(const sv_solver *s, uint32_t pkg)
{
    const uint64_t *cur;
    bool cur_absent;
    sv_current(s, pkg, &cur, &cur_absent);
    const sv_package *pk = &s->pkgs[pkg];
    long v = -1;
    if (pk->preferred >= 0 && bits_test(cur, (size_t)pk->preferred))
        v = pk->preferred;
    for (size_t i = 0; v < 0 && i < pk->n; i++)
        if (bits_test(cur, i) && !pk->cands[i].yanked)
            v = (long)i;
    for (size_t i = 0; v < 0 && i < pk->n; i++)
        if (bits_test(cur, i))
            v = (long)i;
    return v;
}

/* How far into the heap the upcoming() hint looks: its first entries hold
 * the smallest keys, and a bounded look keeps each decision O(log n). */
#define SV_HINT_SCAN 64

/* Tells the provider which candidates it will probably be asked for:
 * this one, and the choices of the packages near the top of the heap. */
static void sv_hint_upcoming(sv_solver *s, uint32_t pkg, size_t v)
{
    if (!s->upcoming)
        return;
    pw_solver_hint hints[SV_HINT_SCAN + 1];
    size_t n = 0;
    if (pkg != 0) /* the root's "dependencies" are the requirements */
        hints[n++] = (pw_solver_hint){s->pkgs[pkg].name, v};
    for (size_t k = 0; k < s->n_pending && k < SV_HINT_SCAN; k++) {
        sv_pending e = s->pending[k];
        if (e.pkg == pkg || e.pkg == 0 || !sv_pending_valid(s, e))
            continue;
        long c = sv_choose(s, e.pkg);
        if (c >= 0 && !s->pkgs[e.pkg].deps_added[c])
            hints[n++] = (pw_solver_hint){s->pkgs[e.pkg].name, (size_t)c};
    }
    if (n > 0)
        s->upcoming(s->p->ctx, hints, n);
}

static int sv_decide(sv_solver *s, uint32_t *next, bool *done, pw_error *err)
{
    /* The entry stays in the heap: a blocked decision leaves the package
     * undecided, and propagation then changes its state (a new entry). */
    uint32_t best = sv_pending_best(s);
    if (best == SV_NONE) {
        *done = true;
        return 0;
    }
    if (s->decisions >= s->max_decisions)
        return pw_error_set(err, PW_ELIMIT,
                            "dependency resolution gave up after %zu decisions "
                            "(max_decisions = %zu) while choosing a version of '%s'",
                            s->decisions, s->max_decisions, s->pkgs[best].name);
    s->decisions++;
    const sv_package *pk = &s->pkgs[best];
    long v = sv_choose(s, best);
    bool blocked = false;
    if (!pk->deps_added[v]) {
        sv_hint_upcoming(s, best, (size_t)v);
        uint32_t *ids = NULL;
        size_t n_ids = 0;
        int rc = sv_add_dependencies(s, best, (size_t)v, &ids, &n_ids, err);
        if (rc != 0)
            return rc;
        /* pub: don't decide a version whose own dependencies already
         * conflict; propagation will derive its exclusion instead. */
        for (size_t i = 0; i < n_ids && !blocked; i++)
            blocked = sv_would_conflict(s, ids[i], best, (size_t)v);
        free(ids);
    }
    if (!blocked) {
        s->level++;
        uint64_t *one = pw_xcalloc(s->pkgs[best].nw + 1, sizeof(uint64_t));
        bits_set(one, (size_t)v);
        sv_assign_push(s, best, true, SV_NONE, one, false);
        free(one);
        s->pkgs[best].decision = v;
    }
    *next = best;
    return 0;
}

/* ------------------------------------------------------------- explanation */

/* "a==1.0", "a>=2.0", "a<1.1", "every version of a"... for a set of
 * candidates of `pkg`, in terms of the candidates that exist. */
static void sv_phrase_set(const sv_solver *s, uint32_t pkg, const uint64_t *bits, bool subject,
                          pw_buf *out)
{
    const sv_package *pk = &s->pkgs[pkg];
    if (pkg == 0) {
        pw_buf_puts(out, "the root");
        return;
    }
    size_t count = bits_count(bits, pk->nw);
    if (count == pk->n && pk->n != 1) {
        if (subject)
            pw_buf_puts(out, "every version of ");
        pw_buf_puts(out, pk->name);
        return;
    }
    pw_buf_puts(out, pk->name);
    size_t runs = 0;
    for (size_t i = 0; i < pk->n;) {
        if (!bits_test(bits, i)) {
            i++;
            continue;
        }
        size_t j = i;
        while (pk->sorted && j + 1 < pk->n && bits_test(bits, j + 1))
            j++;
        if (runs == SV_PHRASE_MAX_RUNS) {
            size_t rest = 0;
            for (size_t k = i; k < pk->n; k++)
                rest += bits_test(bits, k);
            pw_buf_printf(out, " or %zu other version%s", rest, rest == 1 ? "" : "s");
            break;
        }
        if (runs > 0)
            pw_buf_puts(out, " or ");
        runs++;
        /* Candidates run newest first: i is the newest of the run. */
        if (i == j)
            pw_buf_printf(out, "==%s", pk->vtext[i]);
        else if (i == 0)
            pw_buf_printf(out, ">=%s", pk->vtext[j]);
        else if (j == pk->n - 1)
            pw_buf_printf(out, "<%s", pk->vtext[i - 1]);
        else
            pw_buf_printf(out, ">=%s,<%s", pk->vtext[j], pk->vtext[i - 1]);
        i = j + 1;
    }
}

/* The positive set a negative term asks for: "not a in S" read as
 * "a in (candidates - S)". */
static void sv_phrase_required(const sv_solver *s, const sv_term *t, pw_buf *out)
{
    size_t nw = sv_nw(s, t->pkg);
    uint64_t *pos = pw_xcalloc(nw + 1, sizeof(uint64_t));
    for (size_t w = 0; w < nw; w++)
        pos[w] = s->pkgs[t->pkg].full[w] & ~t->bits[w];
    sv_phrase_set(s, t->pkg, pos, false, out);
    free(pos);
}

/* Why a requirement admits nothing, or "" when it admits something. */
static void sv_note_empty(const sv_solver *s, const sv_incompat *inc, pw_buf *out)
{
    const sv_package *pk = &s->pkgs[inc->dependee];
    if (!bits_empty(inc->dep_bits, pk->nw))
        return;
    if (pk->not_found) {
        pw_buf_printf(out, " (there is no package named %s)", pk->name);
        return;
    }
    if (pk->n == 0) {
        pw_buf_printf(out, " (%s has no usable versions)", pk->name);
        return;
    }
    pw_buf_printf(out, " (no version of %s matches; available: ", pk->name);
    for (size_t i = 0; i < pk->n && i < SV_NOTE_MAX_VERSIONS; i++) {
        pw_buf_printf(out, "%s%s", i ? ", " : "", pk->vtext[i]);
        if (pk->cands[i].yanked)
            pw_buf_puts(out, " (yanked)");
        else if (pw_version_is_prerelease(&pk->cands[i].version))
            pw_buf_puts(out, " (pre-release)");
    }
    if (pk->n > SV_NOTE_MAX_VERSIONS)
        pw_buf_printf(out, " and %zu more", pk->n - SV_NOTE_MAX_VERSIONS);
    pw_buf_puts(out, ")");
}

static void sv_phrase_depender(const sv_solver *s, const sv_incompat *inc, pw_buf *out)
{
    if (inc->depender == 0) {
        pw_buf_puts(out, "the root");
        return;
    }
    sv_phrase_set(s, inc->depender, inc->depender_bits, true, out);
}

static void sv_describe(const sv_solver *s, uint32_t id, pw_buf *out)
{
    const sv_incompat *inc = &s->incs[id];
    if (inc->kind == SV_KIND_ROOT) {
        pw_buf_puts(out, "the root is required");
        return;
    }
    if (inc->kind == SV_KIND_DEPENDENCY) {
        sv_phrase_depender(s, inc, out);
        pw_buf_puts(out, inc->depender == 0 ? " requires " : " depends on ");
        pw_buf_puts(out, inc->origin);
        sv_note_empty(s, inc, out);
        return;
    }
    if (sv_is_terminal(s, id)) {
        pw_buf_puts(out, "version solving failed");
        return;
    }
    size_t n_pos = 0, n_neg = 0;
    for (size_t i = 0; i < inc->n_terms; i++) {
        if (inc->terms[i].absent)
            n_neg++;
        else
            n_pos++;
    }
    size_t k = 0;
    for (size_t i = 0; i < inc->n_terms; i++) {
        if (inc->terms[i].absent)
            continue;
        if (k > 0)
            pw_buf_puts(out, k + 1 == n_pos ? " and " : ", ");
        sv_phrase_set(s, inc->terms[i].pkg, inc->terms[i].bits, true, out);
        k++;
    }
    if (n_neg == 0) {
        pw_buf_puts(out, n_pos == 1 ? " is forbidden" : " are incompatible");
        return;
    }
    if (n_pos == 0)
        pw_buf_puts(out, n_neg == 1 ? "" : "one of ");
    else
        pw_buf_puts(out, n_pos == 1 ? " requires " : " together require ");
    k = 0;
    for (size_t i = 0; i < inc->n_terms; i++) {
        if (!inc->terms[i].absent)
            continue;
        if (k > 0)
            pw_buf_puts(out, " or ");
        sv_phrase_required(s, &inc->terms[i], out);
        k++;
    }
    if (n_pos == 0)
        pw_buf_puts(out, n_neg == 1 ? " is required" : " must be selected");
}

typedef struct sv_line {
    char *text;
    int number; /* 0: none */
} sv_line;

typedef struct sv_reporter {
    const sv_solver *s;
    uint32_t root;
    uint32_t *derivations; /* how many incompatibilities each one causes */
    int *line_numbers;
    int n_numbers;
    sv_line *lines;
    size_t n_lines, cap_lines;
} sv_reporter;

static bool sv_is_derived(const sv_reporter *r, uint32_t id)
{
    return r->s->incs[id].kind == SV_KIND_DERIVED;
}

static void sv_write(sv_reporter *r, uint32_t id, char *text, bool numbered)
{
    PW_GROW(r->lines, r->cap_lines, r->n_lines + 1);
    sv_line *l = &r->lines[r->n_lines++];
    l->text = text;
    l->number = 0;
    if (numbered && id != SV_NONE) {
        l->number = ++r->n_numbers;
        r->line_numbers[id] = l->number;
    }
}

static void sv_put_ref(const sv_reporter *r, uint32_t id, int line, pw_buf *b)
{
    sv_describe(r->s, id, b);
    if (line > 0)
        pw_buf_printf(b, " (%d)", line);
}

/* "a and b", with pub's shortcuts for two dependencies: "x depends on both
 * a and b" and "x depends on a which depends on b". */
static void sv_put_and(const sv_reporter *r, uint32_t a, int la, uint32_t b_id, int lb, pw_buf *b)
{
    const sv_solver *s = r->s;
    const sv_incompat *x = &s->incs[a];
    const sv_incompat *y = &s->incs[b_id];
    if (x->kind == SV_KIND_DEPENDENCY && y->kind == SV_KIND_DEPENDENCY && la == 0 && lb == 0) {
        const char *verb = x->depender == 0 ? " requires " : " depends on ";
        if (x->depender == y->depender &&
            bits_equal(x->depender_bits, y->depender_bits, s->pkgs[x->depender].nw)) {
            sv_phrase_depender(s, x, b);
            pw_buf_printf(b, "%sboth %s", verb, x->origin);
            sv_note_empty(s, x, b);
            pw_buf_printf(b, " and %s", y->origin);
            sv_note_empty(s, y, b);
            return;
        }
        for (int swap = 0; swap < 2; swap++) {
            const sv_incompat *first = swap ? y : x, *second = swap ? x : y;
            const sv_package *mid = &s->pkgs[first->dependee];
            if (first->dependee != second->depender ||
                !term_subset(mid->nw, first->dep_bits, false, second->depender_bits, false))
                continue;
            sv_phrase_depender(s, first, b);
            pw_buf_puts(b, first->depender == 0 ? " requires " : " depends on ");
            pw_buf_printf(b, "%s which depends on %s", first->origin, second->origin);
            sv_note_empty(s, second, b);
            return;
        }
    }
    sv_put_ref(r, a, la, b);
    pw_buf_puts(b, " and ");
    sv_put_ref(r, b_id, lb, b);
}

static bool sv_is_single_line(const sv_reporter *r, uint32_t id)
{
    const sv_incompat *inc = &r->s->incs[id];
    return !sv_is_derived(r, inc->cause1) && !sv_is_derived(r, inc->cause2);
}

static bool sv_is_collapsible(const sv_reporter *r, uint32_t id)
{
    if (r->derivations[id] > 1)
        return false;
    const sv_incompat *inc = &r->s->incs[id];
    bool d1 = sv_is_derived(r, inc->cause1), d2 = sv_is_derived(r, inc->cause2);
    if (d1 == d2)
        return false;
    uint32_t complex = d1 ? inc->cause1 : inc->cause2;
    return r->line_numbers[complex] == 0;
}

/* pub's error-reporting algorithm (doc/solver.md, "Error Reporting"). */
static void sv_visit(sv_reporter *r, uint32_t id, bool conclusion, int depth)
{
    const sv_solver *s = r->s;
    const sv_incompat *inc = &s->incs[id];
    bool numbered = conclusion || r->derivations[id] > 1;
    const char *conj = conclusion || id == r->root ? "So," : "And";
    pw_buf b = PW_BUF_INIT;
    pw_buf cur = PW_BUF_INIT;
    sv_describe(s, id, &cur);
    uint32_t c1 = inc->cause1, c2 = inc->cause2;
    bool d1 = sv_is_derived(r, c1), d2 = sv_is_derived(r, c2);
    if (depth > SV_REPORT_MAX_DEPTH) {
        pw_buf_printf(&b, "For reasons too long to list here, %s.", pw_buf_cstr(&cur));
    } else if (d1 && d2) {
        int l1 = r->line_numbers[c1], l2 = r->line_numbers[c2];
        if (l1 && l2) {
            pw_buf_puts(&b, "Because ");
            sv_put_and(r, c1, l1, c2, l2, &b);
            pw_buf_printf(&b, ", %s.", pw_buf_cstr(&cur));
        } else if (l1 || l2) {
            uint32_t with = l1 ? c1 : c2, without = l1 ? c2 : c1;
            sv_visit(r, without, false, depth + 1);
            pw_buf_printf(&b, "%s because ", conj);
            sv_put_ref(r, with, r->line_numbers[with], &b);
            pw_buf_printf(&b, ", %s.", pw_buf_cstr(&cur));
        } else {
            bool single1 = sv_is_single_line(r, c1), single2 = sv_is_single_line(r, c2);
            if (single1 || single2) {
                uint32_t first = single2 ? c1 : c2, second = single2 ? c2 : c1;
                sv_visit(r, first, false, depth + 1);
                sv_visit(r, second, false, depth + 1);
                pw_buf_printf(&b, "Thus, %s.", pw_buf_cstr(&cur));
            } else {
                sv_visit(r, c1, true, depth + 1);
                sv_write(r, SV_NONE, pw_xstrdup(""), false);
                sv_visit(r, c2, false, depth + 1);
                pw_buf_printf(&b, "%s because ", conj);
                sv_put_ref(r, c1, r->line_numbers[c1], &b);
                pw_buf_printf(&b, ", %s.", pw_buf_cstr(&cur));
            }
        }
    } else if (d1 || d2) {
        uint32_t derived = d1 ? c1 : c2, ext = d1 ? c2 : c1;
        int line = r->line_numbers[derived];
        if (line) {
            pw_buf_puts(&b, "Because ");
            sv_put_and(r, ext, 0, derived, line, &b);
            pw_buf_printf(&b, ", %s.", pw_buf_cstr(&cur));
        } else if (sv_is_collapsible(r, derived)) {
            const sv_incompat *dinc = &s->incs[derived];
            bool dd1 = sv_is_derived(r, dinc->cause1);
            uint32_t prior_derived = dd1 ? dinc->cause1 : dinc->cause2;
            uint32_t prior_ext = dd1 ? dinc->cause2 : dinc->cause1;
            sv_visit(r, prior_derived, false, depth + 1);
            pw_buf_printf(&b, "%s because ", conj);
            sv_put_and(r, prior_ext, 0, ext, 0, &b);
            pw_buf_printf(&b, ", %s.", pw_buf_cstr(&cur));
        } else {
            sv_visit(r, derived, false, depth + 1);
            pw_buf_printf(&b, "%s because ", conj);
            sv_describe(s, ext, &b);
            pw_buf_printf(&b, ", %s.", pw_buf_cstr(&cur));
        }
    } else {
        pw_buf_puts(&b, "Because ");
        sv_put_and(r, c1, 0, c2, 0, &b);
        pw_buf_printf(&b, ", %s.", pw_buf_cstr(&cur));
    }
    pw_buf_free(&cur);
    sv_write(r, id, pw_buf_detach(&b), numbered);
}

static void sv_count_derivations(sv_reporter *r, uint32_t root)
{
    uint32_t *stack = NULL;
    size_t n = 0, cap = 0;
    PW_GROW(stack, cap, 1);
    stack[n++] = root;
    while (n > 0) {
        uint32_t id = stack[--n];
        if (r->derivations[id]++ > 0)
            continue;
        const sv_incompat *inc = &r->s->incs[id];
        if (inc->kind != SV_KIND_DERIVED)
            continue;
        PW_GROW(stack, cap, n + 2);
        stack[n++] = inc->cause1;
        stack[n++] = inc->cause2;
    }
    free(stack);
}

static void sv_report(sv_solver *s, uint32_t root, pw_buf *out)
{
    if (s->incs[root].kind != SV_KIND_DERIVED) {
        pw_buf_puts(out, "Because ");
        sv_describe(s, root, out);
        pw_buf_puts(out, ", version solving failed.");
        return;
    }
    sv_reporter r = {0};
    r.s = s;
    r.root = root;
    r.derivations = pw_xcalloc(s->n_incs, sizeof(uint32_t));
    r.line_numbers = pw_xcalloc(s->n_incs, sizeof(int));
    sv_count_derivations(&r, root);
    sv_visit(&r, root, false, 0);
    int width = 0;
    if (r.n_numbers > 0) {
        pw_buf tmp = PW_BUF_INIT;
        pw_buf_printf(&tmp, "(%d) ", r.n_numbers);
        width = (int)tmp.len;
        pw_buf_free(&tmp);
    }
    bool last_empty = true; /* no leading blank line */
    bool first = true;
    for (size_t i = 0; i < r.n_lines; i++) {
        const sv_line *l = &r.lines[i];
        if (!l->text[0]) {
            if (!last_empty)
                pw_buf_putc(out, '\n');
            last_empty = true;
            continue;
        }
        last_empty = false;
        if (!first)
            pw_buf_putc(out, '\n');
        first = false;
        if (l->number) {
            pw_buf tmp = PW_BUF_INIT;
            pw_buf_printf(&tmp, "(%d)", l->number);
            pw_buf_printf(out, "%-*s", width, pw_buf_cstr(&tmp));
            pw_buf_free(&tmp);
        } else {
            pw_buf_printf(out, "%*s", width, "");
        }
        pw_buf_puts(out, l->text);
    }
    for (size_t i = 0; i < r.n_lines; i++)
        free(r.lines[i].text);
    free(r.lines);
    free(r.derivations);
    free(r.line_numbers);
}

/* ------------------------------------------------------------------ driver */

static void sv_free(sv_solver *s)
{
    sv_backtrack(s, 0);
    while (s->n_assigns > 0)
        free(s->assigns[--s->n_assigns].bits);
    for (size_t i = 0; i < s->n_pkgs; i++) {
        free(s->pkgs[i].incs);
        free(s->pkgs[i].assigns);
    }
    free(s->pkgs);
    free(s->table);
    free(s->incs);
    free(s->assigns);
    free(s->queue);
    free(s->pending);
    pw_arena_free(&s->arena);
}

static int sv_entry_cmp(const void *a, const void *b)
{
    return strcmp(((const pw_solution_entry *)a)->package,
                  ((const pw_solution_entry *)b)->package);
}

int pw_solve(const pw_solver_provider *provider, const pw_solver_dep *roots, size_t n_roots,
             const pw_solver_limits *limits, pw_solution_entry **solution, size_t *n_solution,
             pw_error *err)
{
    return pw_solve_hinted(provider, NULL, roots, n_roots, limits, solution, n_solution, err);
}

int pw_solve_hinted(const pw_solver_provider *provider, pw_solver_upcoming_fn upcoming,
                    const pw_solver_dep *roots, size_t n_roots, const pw_solver_limits *limits,
                    pw_solution_entry **solution, size_t *n_solution, pw_error *err)
{
    *solution = NULL;
    *n_solution = 0;
    if (!provider || !provider->candidates || !provider->dependencies || (n_roots && !roots))
        return pw_error_set(err, PW_EINVAL, "pw_solve: a provider with candidates() and "
                                            "dependencies() is required");
    sv_solver s;
    memset(&s, 0, sizeof(s));
    s.p = provider;
    s.upcoming = upcoming;
    s.roots = roots;
    s.n_roots = n_roots;
    s.max_decisions = limits && limits->max_decisions ? limits->max_decisions
                                                      : PW_SOLVER_DEFAULT_MAX_DECISIONS;
    s.max_packages = limits && limits->max_packages ? limits->max_packages
                                                    : PW_SOLVER_DEFAULT_MAX_PACKAGES;
    s.table_cap = 64;
    s.table = pw_xcalloc(s.table_cap, sizeof(uint32_t));
    s.empty_spec = (pw_specifier_set)PW_SPECIFIER_SET_INIT;
    s.root_cand.version_text = "";
    /* The root is a package of one candidate whose dependencies are the
     * requirements; it is kept out of the name table. */
    sv_package_add(&s, "<root>", &s.root_cand, 1);

    sv_builder b = {NULL, 0, 0};
    uint64_t none = 0;
    sv_builder_add(&s, &b, 0, &none, true);
    uint32_t not_root = sv_incompat_store(&s, &b, SV_KIND_ROOT);
    free(b.terms);
    sv_incompat_register(&s, not_root);

    int rc = 0;
    uint32_t next = 0;
    for (;;) {
        rc = sv_propagate(&s, next, err);
        if (rc != 0)
            break;
        bool done = false;
        rc = sv_decide(&s, &next, &done, err);
        if (rc != 0 || done)
            break;
    }
    if (rc == 0) {
        size_t n = 0;
        for (size_t i = 1; i < s.n_pkgs; i++)
            n += s.pkgs[i].decision >= 0;
        pw_solution_entry *out = pw_xcalloc(n ? n : 1, sizeof(*out));
        n = 0;
        for (size_t i = 1; i < s.n_pkgs; i++) {
            if (s.pkgs[i].decision < 0)
                continue;
            out[n].package = pw_xstrdup(s.pkgs[i].name);
            out[n].candidate_index = (size_t)s.pkgs[i].decision;
            n++;
        }
        qsort(out, n, sizeof(*out), sv_entry_cmp);
        *solution = out;
        *n_solution = n;
    }
    sv_free(&s);
    return rc;
}

void pw_solution_free(pw_solution_entry *solution, size_t n)
{
    if (!solution)
        return;
    for (size_t i = 0; i < n; i++)
        free(solution[i].package);
    free(solution);
}
