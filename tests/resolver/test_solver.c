/*
 * The PubGrub solver, driven through an in-memory provider built from
 * tables of "package, version, dependencies" rows. Covers the examples of
 * Dart pub's doc/solver.md, then the PEP 440 / PEP 592 candidate rules,
 * locked preferences, limits and a generated 500-package universe whose
 * solution is checked independently of the solver.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

#include "pep440.h"
#include "solver.h"

/* ------------------------------------------------------- in-memory provider */

typedef struct trow {
    const char *package; /* "name" or "name[extra]" (the extra's own requirements) */
    const char *version;
    const char *deps;    /* ';'-separated "name spec", e.g. "b>=1,<2; c" */
    bool yanked;
} trow;

typedef struct tdeps {
    pw_solver_dep *items;
    pw_specifier_set *specs;
    char **strings;
    size_t n;
} tdeps;

typedef struct tpkg {
    char *name;
    pw_solver_candidate *cands;
    char **texts;
    tdeps *deps; /* per candidate, parsed on first request */
    size_t n;
} tpkg;

typedef struct tprov {
    const trow *rows;
    size_t n_rows;
    tpkg *pkgs;
    size_t n_pkgs;
    const char *allow_pre;   /* package allowed to use pre-releases */
    const char *pref_pkg;    /* locked package... */
    const char *pref_version;/* ...and its locked version */
    const char *fail_pkg;    /* candidates() fails with PW_ENET for it */
    const char *empty_pkg;   /* exists, but has no usable candidates */
    size_t candidate_calls;
    void *hint_log;          /* test_hints_change_nothing's record */
} tprov;

static char *tfmt(const char *fmt, ...) PW_PRINTF(1, 2);
static char *tfmt(const char *fmt, ...)
{
    pw_buf b = PW_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return pw_buf_detach(&b);
}

static size_t rows_count(const trow *rows)
{
    size_t n = 0;
    while (rows[n].package)
        n++;
    return n;
}

static pw_version parse_version(const char *text)
{
    pw_version v;
    pw_error err = {0, NULL};
    if (pw_version_parse(pw_slice_from(text), &v, &err) != 0)
        fail_msg("bad version '%s' in a test table: %s", text, pw_error_message(&err));
    return v;
}

static int cand_newest_first(const void *a, const void *b)
{
    const pw_solver_candidate *x = a, *y = b;
    return pw_version_compare(&y->version, &x->version);
}

static char *base_name(const char *package)
{
    const char *br = strchr(package, '[');
    return br ? pw_xstrndup(package, (size_t)(br - package)) : pw_xstrdup(package);
}

static int tp_candidates(void *ctx, const char *package, const pw_solver_candidate **out, size_t *n,
                         pw_error *err)
{
    tprov *p = ctx;
    p->candidate_calls++;
    if (p->fail_pkg && strcmp(package, p->fail_pkg) == 0)
        return pw_error_set(err, PW_ENET, "https://index.invalid/%s: connection refused", package);
    for (size_t i = 0; i < p->n_pkgs; i++) {
        if (strcmp(p->pkgs[i].name, package) == 0) {
            *out = p->pkgs[i].cands;
            *n = p->pkgs[i].n;
            return 0;
        }
    }
    /* An extra has exactly the versions of its package. */
    char *base = base_name(package);
    size_t count = 0;
    for (size_t i = 0; i < p->n_rows; i++)
        count += strcmp(p->rows[i].package, base) == 0;
    bool empty = p->empty_pkg && strcmp(p->empty_pkg, package) == 0;
    if (count == 0 && !empty) {
        free(base);
        return pw_error_set(err, PW_ENOTFOUND, "no package %s", package);
    }
    p->pkgs = realloc(p->pkgs, (p->n_pkgs + 1) * sizeof(tpkg));
    tpkg *pk = &p->pkgs[p->n_pkgs++];
    memset(pk, 0, sizeof(*pk));
    pk->name = pw_xstrdup(package);
    pk->cands = calloc(count + 1, sizeof(pw_solver_candidate));
    pk->deps = calloc(count + 1, sizeof(tdeps));
    for (size_t i = 0; i < p->n_rows; i++) {
        if (strcmp(p->rows[i].package, base) != 0)
            continue;
        pw_solver_candidate *c = &pk->cands[pk->n++];
        c->version = parse_version(p->rows[i].version);
        c->version_text = p->rows[i].version;
        c->yanked = p->rows[i].yanked;
    }
    qsort(pk->cands, pk->n, sizeof(pw_solver_candidate), cand_newest_first);
    free(base);
    *out = pk->cands;
    *n = pk->n;
    return 0;
}

static void tdeps_add(tdeps *d, const char *text)
{
    while (*text == ' ')
        text++;
    size_t len = strlen(text);
    while (len && text[len - 1] == ' ')
        len--;
    if (len == 0)
        return;
    size_t name_len = 0;
    while (name_len < len && strchr("<>=!~ ", text[name_len]) == NULL)
        name_len++;
    d->items = realloc(d->items, (d->n + 1) * sizeof(pw_solver_dep));
    d->specs = realloc(d->specs, (d->n + 1) * sizeof(pw_specifier_set));
    d->strings = realloc(d->strings, (2 * d->n + 2) * sizeof(char *));
    char *name = pw_xstrndup(text, name_len);
    char *origin = pw_xstrndup(text, len);
    pw_specifier_set spec = PW_SPECIFIER_SET_INIT;
    pw_error err = {0, NULL};
    if (pw_specifier_set_parse(pw_slice_make(text + name_len, len - name_len), &spec, &err) != 0)
        fail_msg("bad dependency '%s' in a test table: %s", origin, pw_error_message(&err));
    d->strings[2 * d->n] = name;
    d->strings[2 * d->n + 1] = origin;
    d->specs[d->n] = spec;
    d->n++;
    /* specs may have moved: re-point every item */
    for (size_t i = 0; i < d->n; i++) {
        d->items[i].package = d->strings[2 * i];
        d->items[i].origin = d->strings[2 * i + 1];
        d->items[i].specifiers = &d->specs[i];
    }
}

static void tdeps_add_list(tdeps *d, const char *list)
{
    if (!list)
        return;
    const char *start = list;
    for (const char *c = list;; c++) {
        if (*c == ';' || *c == '\0') {
            char *one = pw_xstrndup(start, (size_t)(c - start));
            tdeps_add(d, one);
            free(one);
            start = c + 1;
        }
        if (*c == '\0')
            break;
    }
}

static int tp_dependencies(void *ctx, const char *package, size_t index, const pw_solver_dep **out,
                           size_t *n, pw_error *err)
{
    tprov *p = ctx;
    tpkg *pk = NULL;
    for (size_t i = 0; i < p->n_pkgs; i++)
        if (strcmp(p->pkgs[i].name, package) == 0)
            pk = &p->pkgs[i];
    if (!pk || index >= pk->n)
        return pw_error_set(err, PW_EINVAL, "dependencies of unknown %s #%zu", package, index);
    tdeps *d = &pk->deps[index];
    if (!d->items) {
        const char *version = pk->cands[index].version_text;
        char *base = base_name(package);
        if (strcmp(base, package) != 0) {
            /* name[extra]==v depends on name==v plus the extra's rows */
            char *self = tfmt("%s==%s", base, version);
            tdeps_add(d, self);
            free(self);
        }
        for (size_t i = 0; i < p->n_rows; i++)
            if (strcmp(p->rows[i].package, package) == 0 &&
                strcmp(p->rows[i].version, version) == 0)
                tdeps_add_list(d, p->rows[i].deps);
        free(base);
        if (!d->items) /* mark as parsed */
            d->items = calloc(1, sizeof(pw_solver_dep));
    }
    *out = d->items;
    *n = d->n;
    return 0;
}

static long tp_preferred(void *ctx, const char *package)
{
    tprov *p = ctx;
    if (!p->pref_pkg || strcmp(p->pref_pkg, package) != 0)
        return -1;
    for (size_t i = 0; i < p->n_pkgs; i++) {
        if (strcmp(p->pkgs[i].name, package) != 0)
            continue;
        for (size_t j = 0; j < p->pkgs[i].n; j++)
            if (strcmp(p->pkgs[i].cands[j].version_text, p->pref_version) == 0)
                return (long)j;
    }
    return -1;
}

static bool tp_allow_pre(void *ctx, const char *package)
{
    tprov *p = ctx;
    return p->allow_pre && strcmp(p->allow_pre, package) == 0;
}

static pw_solver_provider tp_provider(tprov *p, const trow *rows)
{
    p->rows = rows;
    p->n_rows = rows_count(rows);
    pw_solver_provider prov = {tp_candidates, tp_dependencies, tp_preferred, tp_allow_pre, p};
    return prov;
}

static void tp_free(tprov *p)
{
    for (size_t i = 0; i < p->n_pkgs; i++) {
        tpkg *pk = &p->pkgs[i];
        for (size_t j = 0; j < pk->n; j++) {
            tdeps *d = &pk->deps[j];
            for (size_t k = 0; k < d->n; k++) {
                pw_specifier_set_free(&d->specs[k]);
                free(d->strings[2 * k]);
                free(d->strings[2 * k + 1]);
            }
            free(d->items);
            free(d->specs);
            free(d->strings);
        }
        free(pk->deps);
        free(pk->cands);
        free(pk->name);
    }
    free(p->pkgs);
}

/* A solve from ';'-separated root requirements. */
typedef struct run {
    tprov prov;
    tdeps roots;
    pw_solution_entry *sol;
    size_t n_sol;
    pw_error err;
    int rc;
} run;

static void run_solve(run *r, const trow *rows, const char *roots, const pw_solver_limits *limits)
{
    pw_solver_provider provider = tp_provider(&r->prov, rows);
    tdeps_add_list(&r->roots, roots);
    r->rc = pw_solve(&provider, r->roots.items, r->roots.n, limits, &r->sol, &r->n_sol, &r->err);
}

static void run_free(run *r)
{
    pw_solution_free(r->sol, r->n_sol);
    for (size_t k = 0; k < r->roots.n; k++) {
        pw_specifier_set_free(&r->roots.specs[k]);
        free(r->roots.strings[2 * k]);
        free(r->roots.strings[2 * k + 1]);
    }
    free(r->roots.items);
    free(r->roots.specs);
    free(r->roots.strings);
    tp_free(&r->prov);
    pw_error_clear(&r->err);
}

/* The chosen version of `package`, or NULL when it is not in the solution. */
static const char *chosen(const run *r, const char *package)
{
    for (size_t i = 0; i < r->n_sol; i++) {
        if (strcmp(r->sol[i].package, package) != 0)
            continue;
        for (size_t j = 0; j < r->prov.n_pkgs; j++)
            if (strcmp(r->prov.pkgs[j].name, package) == 0)
                return r->prov.pkgs[j].cands[r->sol[i].candidate_index].version_text;
    }
    return NULL;
}

/*
 * "a=1.0 b=2.0": the exact solution, nothing more. Checked independently of
 * the solver's own bookkeeping.
 */
static void expect_solution(run *r, const char *expected)
{
    if (r->rc != 0)
        fail_msg("expected a solution, got %s: %s", pw_status_name(r->rc),
                 pw_error_message(&r->err));
    size_t n = 0;
    char *copy = pw_xstrdup(expected);
    for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " ")) {
        char *eq = strchr(tok, '=');
        assert_non_null(eq);
        *eq = '\0';
        const char *got = chosen(r, tok);
        if (!got || strcmp(got, eq + 1) != 0)
            fail_msg("expected %s %s, got %s", tok, eq + 1, got ? got : "(not selected)");
        n++;
    }
    free(copy);
    if (r->n_sol != n) {
        for (size_t i = 0; i < r->n_sol; i++)
            print_message("selected: %s\n", r->sol[i].package);
        fail_msg("expected %zu packages, solution has %zu", n, r->n_sol);
    }
}

static void expect_conflict_mentions(run *r, const char *const *needles)
{
    if (r->rc != PW_ECONFLICT)
        fail_msg("expected PW_ECONFLICT, got %s: %s", pw_status_name(r->rc),
                 pw_error_message(&r->err));
    const char *msg = pw_error_message(&r->err);
    for (size_t i = 0; needles[i]; i++)
        if (!strstr(msg, needles[i]))
            fail_msg("explanation lacks '%s':\n%s", needles[i], msg);
}

/* ------------------------------------------ pub doc/solver.md: examples */

static void test_no_conflicts(void **state)
{
    (void)state;
    static const trow rows[] = {
        {"foo", "1.0.0", "bar>=1.0.0,<2.0.0", false},
        {"bar", "1.0.0", "", false},
        {"bar", "2.0.0", "", false},
        {NULL, NULL, NULL, false},
    };
    run r = {0};
    run_solve(&r, rows, "foo>=1.0.0,<2.0.0", NULL);
    expect_solution(&r, "foo=1.0.0 bar=1.0.0");
    run_free(&r);
}

static void test_avoiding_conflict_during_decision_making(void **state)
{
    (void)state;
    static const trow rows[] = {
        {"foo", "1.1.0", "bar>=2.0.0,<3.0.0", false},
        {"foo", "1.0.0", "", false},
        {"bar", "1.0.0", "", false},
        {"bar", "1.1.0", "", false},
        {"bar", "2.0.0", "", false},
        {NULL, NULL, NULL, false},
    };
    run r = {0};
    run_solve(&r, rows, "foo>=1.0.0,<2.0.0; bar>=1.0.0,<2.0.0", NULL);
    expect_solution(&r, "foo=1.0.0 bar=1.1.0");
    run_free(&r);
}

static void test_performing_conflict_resolution(void **state)
{
    (void)state;
    static const trow rows[] = {
        {"foo", "2.0.0", "bar>=1.0.0,<2.0.0", false},
        {"foo", "1.0.0", "", false},
        {"bar", "1.0.0", "foo>=1.0.0,<2.0.0", false},
        {NULL, NULL, NULL, false},
    };
    run r = {0};
    run_solve(&r, rows, "foo>=1.0.0", NULL);
    expect_solution(&r, "foo=1.0.0");
    run_free(&r);
}

static void test_conflict_resolution_with_partial_satisfier(void **state)
{
    (void)state;
    static const trow rows[] = {
        {"foo", "1.1.0", "left>=1.0.0,<2.0.0; right>=1.0.0,<2.0.0", false},
        {"foo", "1.0.0", "", false},
        {"left", "1.0.0", "shared>=1.0.0", false},
        {"right", "1.0.0", "shared<2.0.0", false},
        {"shared", "2.0.0", "", false},
        {"shared", "1.0.0", "target>=1.0.0,<2.0.0", false},
        {"target", "2.0.0", "", false},
        {"target", "1.0.0", "", false},
        {NULL, NULL, NULL, false},
    };
    run r = {0};
    run_solve(&r, rows, "foo>=1.0.0,<2.0.0; target>=2.0.0,<3.0.0", NULL);
    expect_solution(&r, "foo=1.0.0 target=2.0.0");
    run_free(&r);
}

static void test_linear_error_reporting(void **state)
{
    (void)state;
    static const trow rows[] = {
        {"foo", "1.0.0", "bar>=2.0.0,<3.0.0", false},
        {"bar", "2.0.0", "baz>=3.0.0,<4.0.0", false},
        {"baz", "1.0.0", "", false},
        {"baz", "3.0.0", "", false},
        {NULL, NULL, NULL, false},
    };
    run r = {0};
    run_solve(&r, rows, "foo>=1.0.0,<2.0.0; baz>=1.0.0,<2.0.0", NULL);
    static const char *const needles[] = {
        "foo==1.0.0 depends on bar>=2.0.0,<3.0.0 which depends on baz>=3.0.0,<4.0.0",
        "the root requires both",
        "foo>=1.0.0,<2.0.0",
        "baz>=1.0.0,<2.0.0",
        "So, because",
        "version solving failed.",
        NULL,
    };
    expect_conflict_mentions(&r, needles);
    /* A linear derivation refers to nothing far away: no line numbers. */
    assert_null(strstr(pw_error_message(&r.err), "(1)"));
    run_free(&r);
}

static void test_branching_error_reporting(void **state)
{
    (void)state;
    static const trow rows[] = {
        {"foo", "1.0.0", "a>=1.0.0,<2.0.0; b>=1.0.0,<2.0.0", false},
        {"foo", "1.1.0", "x>=1.0.0,<2.0.0; y>=1.0.0,<2.0.0", false},
        {"a", "1.0.0", "b>=2.0.0,<3.0.0", false},
        {"b", "1.0.0", "", false},
        {"b", "2.0.0", "", false},
        {"x", "1.0.0", "y>=2.0.0,<3.0.0", false},
        {"y", "1.0.0", "", false},
        {"y", "2.0.0", "", false},
        {NULL, NULL, NULL, false},
    };
    run r = {0};
    run_solve(&r, rows, "foo>=1.0.0,<2.0.0", NULL);
    static const char *const needles[] = {
        "foo==1.0.0 depends on a>=1.0.0,<2.0.0 which depends on b>=2.0.0,<3.0.0",
        "foo==1.0.0 depends on b>=1.0.0,<2.0.0, foo==1.0.0 is forbidden.",
        "foo==1.1.0 depends on x>=1.0.0,<2.0.0 which depends on y>=2.0.0,<3.0.0",
        "foo==1.1.0 depends on y>=1.0.0,<2.0.0, foo==1.1.0 is forbidden.",
        "because foo==1.0.0 is forbidden (1), every version of foo is forbidden.",
        "the root requires foo>=1.0.0,<2.0.0",
        "version solving failed.",
        NULL,
    };
    expect_conflict_mentions(&r, needles);
    /* Two derived branches: the first one's conclusion is numbered and
     * referred to again, and a blank line separates the branches. */
    const char *msg = pw_error_message(&r.err);
    const char *first = strstr(msg, "(1)");
    assert_non_null(first);
    assert_non_null(strstr(first + 3, "(1)"));
    assert_non_null(strstr(msg, "\n\n"));
    run_free(&r);
}

/* --------------------------------------------------------- backtracking */

static void test_backtracking_trap(void **state)
{
    (void)state;
    /* The newest "top" drags a chain of five packages whose last link needs
     * a version of "leaf" the root forbids; the solver must learn that the
     * whole chain is unusable and fall back to the old top. */
    static const trow rows[] = {
        {"top", "2.0", "l1>=2", false},
        {"top", "1.0", "l1<2", false},
        {"l1", "2.0", "l2>=2", false},
        {"l1", "1.0", "", false},
        {"l2", "2.0", "l3>=2", false},
        {"l2", "1.0", "", false},
        {"l3", "2.0", "l4>=2", false},
        {"l3", "1.0", "", false},
        {"l4", "2.0", "leaf>=2", false},
        {"l4", "1.0", "", false},
        {"leaf", "2.0", "", false},
        {"leaf", "1.0", "", false},
        {NULL, NULL, NULL, false},
    };
    run r = {0};
    run_solve(&r, rows, "top; leaf<2", NULL);
    expect_solution(&r, "top=1.0 l1=1.0 leaf=1.0");
    run_free(&r);
}

static void test_backtracking_many_versions(void **state)
{
    (void)state;
    /* Every newer "a" needs a "b" that conflicts with "c"; only a 1.0 works.
     * Conflict learning must not give up before reaching it. */
    static const trow rows[] = {
        {"a", "6.0", "b==6.0", false}, {"a", "5.0", "b==5.0", false},
        {"a", "4.0", "b==4.0", false}, {"a", "3.0", "b==3.0", false},
        {"a", "2.0", "b==2.0", false}, {"a", "1.0", "", false},
        {"b", "6.0", "c<1", false},    {"b", "5.0", "c<1", false},
        {"b", "4.0", "c<1", false},    {"b", "3.0", "c<1", false},
        {"b", "2.0", "c<1", false},    {"c", "1.0", "", false},
        {"c", "0.5", "", false},       {NULL, NULL, NULL, false},
    };
    run r = {0};
    run_solve(&r, rows, "a; c>=1", NULL);
    expect_solution(&r, "a=1.0 c=1.0");
    run_free(&r);
}

static void test_sibling_versions_share_dependencies(void **state)
{
    (void)state;
    /* Versions with the same requirement are reasoned about (and explained)
     * as one range, as pub's package lister does. */
    static const trow rows[] = {
        {"a", "5.0", "b>=2", false}, {"a", "4.0", "b>=2", false},
        {"a", "3.0", "b>=2", false}, {"a", "2.0", "gone", false},
        {"a", "1.0", "gone", false}, {"b", "1.0", "", false},
        {NULL, NULL, NULL, false},
    };
    run r = {0};
    run_solve(&r, rows, "a", NULL);
    static const char *const needles[] = {
        "a>=3.0 depends on b>=2 (no version of b matches; available: 1.0)",
        "a<3.0 depends on gone (there is no package named gone)",
        "the root requires a",
        NULL,
    };
    expect_conflict_mentions(&r, needles);
    run_free(&r);
}

/* ---------------------------------------------- PEP 440 / PEP 592 rules */

static const trow pre_rows[] = {
    {"p", "2.0b1", "", false},
    {"p", "1.0", "", false},
    {"q", "3.0rc1", "", false},
    {"q", "3.0a1", "", false},
    {NULL, NULL, NULL, false},
};

static void test_prerelease_excluded_by_default(void **state)
{
    (void)state;
    run r = {0};
    run_solve(&r, pre_rows, "p", NULL);
    expect_solution(&r, "p=1.0");
    run_free(&r);
}

static void test_prerelease_when_specifier_names_one(void **state)
{
    (void)state;
    run r = {0};
    run_solve(&r, pre_rows, "p>=2.0b1", NULL);
    expect_solution(&r, "p=2.0b1");
    run_free(&r);
}

static void test_prerelease_when_nothing_else_satisfies(void **state)
{
    (void)state;
    run r = {0};
    /* pip: p>=1.5 has no final release, so the pre-release is admitted */
    run_solve(&r, pre_rows, "p>=1.5; q", NULL);
    expect_solution(&r, "p=2.0b1 q=3.0rc1");
    run_free(&r);
}

static void test_prerelease_allowed_by_provider(void **state)
{
    (void)state;
    run r = {0};
    r.prov.allow_pre = "p";
    run_solve(&r, pre_rows, "p", NULL);
    expect_solution(&r, "p=2.0b1");
    run_free(&r);
}

static const trow yank_rows[] = {
    {"y", "3.0", "", true},
    {"y", "2.0", "", false},
    {"y", "1.0", "", false},
    {"z", "1.0", "", true},
    {NULL, NULL, NULL, false},
};

static void test_yanked_skipped_unless_pinned(void **state)
{
    (void)state;
    run r = {0};
    run_solve(&r, yank_rows, "y", NULL);
    expect_solution(&r, "y=2.0");
    run_free(&r);

    run pinned = {0};
    run_solve(&pinned, yank_rows, "y==3.0", NULL);
    expect_solution(&pinned, "y=3.0");
    run_free(&pinned);

    run arbitrary = {0};
    run_solve(&arbitrary, yank_rows, "y===3.0", NULL);
    expect_solution(&arbitrary, "y=3.0");
    run_free(&arbitrary);

    /* PEP 592: a range does not reach a yanked release, even the only one */
    run range = {0};
    run_solve(&range, yank_rows, "z>=1", NULL);
    static const char *const needles[] = {"z>=1", "1.0 (yanked)", NULL};
    expect_conflict_mentions(&range, needles);
    run_free(&range);
}

static void test_preferred_locked_version_kept(void **state)
{
    (void)state;
    static const trow rows[] = {
        {"app", "1.0", "lib>=1", false},
        {"lib", "3.0", "", false},
        {"lib", "2.0", "", false},
        {"lib", "1.0", "", false},
        {NULL, NULL, NULL, false},
    };
    run r = {0};
    r.prov.pref_pkg = "lib";
    r.prov.pref_version = "2.0";
    run_solve(&r, rows, "app", NULL);
    expect_solution(&r, "app=1.0 lib=2.0");
    run_free(&r);

    /* A lock that no longer fits gives way to the newest allowed version. */
    run moved = {0};
    moved.prov.pref_pkg = "lib";
    moved.prov.pref_version = "2.0";
    run_solve(&moved, rows, "app; lib>=3", NULL);
    expect_solution(&moved, "app=1.0 lib=3.0");
    run_free(&moved);
}

/* -------------------------------------------------- limits and failures */

static void test_max_decisions_limit(void **state)
{
    (void)state;
    static const trow rows[] = {
        {"a", "1.0", "b", false}, {"b", "1.0", "c", false},
        {"c", "1.0", "d", false}, {"d", "1.0", "", false},
        {NULL, NULL, NULL, false},
    };
    pw_solver_limits limits = {3, 0};
    run r = {0};
    run_solve(&r, rows, "a", &limits);
    assert_int_equal(r.rc, PW_ELIMIT);
    assert_non_null(strstr(pw_error_message(&r.err), "max_decisions"));
    assert_null(r.sol);
    run_free(&r);

    pw_solver_limits enough = {10, 0};
    run ok = {0};
    run_solve(&ok, rows, "a", &enough);
    expect_solution(&ok, "a=1.0 b=1.0 c=1.0 d=1.0");
    run_free(&ok);
}

static void test_max_packages_limit(void **state)
{
    (void)state;
    static const trow rows[] = {
        {"a", "1.0", "b; c", false}, {"b", "1.0", "", false},
        {"c", "1.0", "", false},     {NULL, NULL, NULL, false},
    };
    pw_solver_limits limits = {0, 2};
    run r = {0};
    run_solve(&r, rows, "a", &limits);
    assert_int_equal(r.rc, PW_ELIMIT);
    assert_non_null(strstr(pw_error_message(&r.err), "max_packages"));
    run_free(&r);
}

static void test_missing_package_explained(void **state)
{
    (void)state;
    static const trow rows[] = {
        {"a", "2.0", "ghost>=1", false},
        {"a", "1.0", "", false},
        {"b", "2.0", "", false},
        {"b", "1.0", "", false},
        {NULL, NULL, NULL, false},
    };
    /* A root requirement on a package that exists nowhere. */
    run r = {0};
    run_solve(&r, rows, "nope>=1", NULL);
    static const char *const missing[] = {
        "the root requires nope>=1", "there is no package named nope", "version solving failed",
        NULL,
    };
    expect_conflict_mentions(&r, missing);
    run_free(&r);

    /* Transitively: a 2.0 is unusable, a 1.0 is chosen. */
    run t = {0};
    run_solve(&t, rows, "a", NULL);
    expect_solution(&t, "a=1.0");
    run_free(&t);

    /* ...and when a 2.0 is demanded, the explanation says why it fails. */
    run demanded = {0};
    run_solve(&demanded, rows, "a>=2", NULL);
    static const char *const chain[] = {
        "the root requires a>=2 which depends on ghost>=1 (there is no package named ghost)",
        NULL,
    };
    expect_conflict_mentions(&demanded, chain);
    run_free(&demanded);

    /* Versions exist, none matches: the message lists what exists. */
    run none = {0};
    run_solve(&none, rows, "b>=5", NULL);
    static const char *const nomatch[] = {
        "the root requires b>=5", "no version of b matches; available: 2.0, 1.0", NULL,
    };
    expect_conflict_mentions(&none, nomatch);
    run_free(&none);

    /* The package exists but the provider filtered every candidate away. */
    run empty = {0};
    empty.prov.empty_pkg = "wasm-only";
    run_solve(&empty, rows, "wasm-only", NULL);
    static const char *const nousable[] = {"wasm-only has no usable versions", NULL};
    expect_conflict_mentions(&empty, nousable);
    run_free(&empty);
}

static void test_provider_error_passed_up(void **state)
{
    (void)state;
    static const trow rows[] = {
        {"a", "1.0", "flaky", false},
        {NULL, NULL, NULL, false},
    };
    run r = {0};
    r.prov.fail_pkg = "flaky";
    run_solve(&r, rows, "a", NULL);
    assert_int_equal(r.rc, PW_ENET);
    const char *msg = pw_error_message(&r.err);
    assert_non_null(strstr(msg, "flaky"));
    assert_non_null(strstr(msg, "connection refused"));
    run_free(&r);
}

static void test_self_dependency(void **state)
{
    (void)state;
    static const trow rows[] = {
        {"a", "2.0", "a<2", false},  /* contradicts itself */
        {"a", "1.0", "a; b", false}, /* harmless */
        {"b", "1.0", "a==1.0", false},
        {NULL, NULL, NULL, false},
    };
    run r = {0};
    run_solve(&r, rows, "a", NULL);
    expect_solution(&r, "a=1.0 b=1.0");
    run_free(&r);

    run forced = {0};
    run_solve(&forced, rows, "a==2.0", NULL);
    static const char *const needles[] = {"the root requires a==2.0 which depends on a<2", NULL};
    expect_conflict_mentions(&forced, needles);
    run_free(&forced);
}

static void test_extras_are_packages(void **state)
{
    (void)state;
    /* The provider makes web[tls]==v depend on web==v and on the extra's
     * requirements; the solver only sees another package. */
    static const trow rows[] = {
        {"web", "2.0", "", false},
        {"web", "1.0", "", false},
        {"web[tls]", "2.0", "crypto>=3", false},
        {"web[tls]", "1.0", "crypto<3", false},
        {"crypto", "3.0", "", false},
        {"crypto", "2.0", "", false},
        {NULL, NULL, NULL, false},
    };
    run r = {0};
    run_solve(&r, rows, "web[tls]; crypto<3", NULL);
    expect_solution(&r, "web=1.0 web[tls]=1.0 crypto=2.0");
    run_free(&r);

    /* The extra and its package can never disagree on the version. */
    run pinned = {0};
    run_solve(&pinned, rows, "web[tls]; web==2.0; crypto<3", NULL);
    static const char *const needles[] = {"web[tls]", "crypto<3", NULL};
    expect_conflict_mentions(&pinned, needles);
    run_free(&pinned);
}

/* -------------------------------------------------- a generated universe */

#define GEN_PACKAGES 500
#define GEN_VERSIONS 10

static uint64_t gen_next(uint64_t *state)
{
    uint64_t x = *state; /* xorshift64 */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

typedef struct gen_universe {
    trow *rows;
    size_t n;
    char **owned;
    size_t n_owned;
} gen_universe;

static const char *gen_own(gen_universe *u, char *s)
{
    u->owned = realloc(u->owned, (u->n_owned + 1) * sizeof(char *));
    u->owned[u->n_owned++] = s;
    return s;
}

/*
 * 500 packages of 10 versions. A hidden "good" version per package has
 * dependencies (on higher-numbered packages, plus some cycles back) whose
 * ranges contain the good versions, so a solution exists; every other
 * version has random ranges that often exclude them, so the solver has to
 * search.
 */
static void gen_build(gen_universe *u, uint64_t seed)
{
    uint64_t st = seed;
    int good[GEN_PACKAGES];
    for (int i = 0; i < GEN_PACKAGES; i++)
        good[i] = (int)(gen_next(&st) % GEN_VERSIONS);
    u->rows = calloc(GEN_PACKAGES * GEN_VERSIONS + 1, sizeof(trow));
    pw_buf b = PW_BUF_INIT;
    for (int i = 0; i < GEN_PACKAGES; i++) {
        const char *pname = gen_own(u, tfmt("pkg%03d", i));
        for (int v = 0; v < GEN_VERSIONS; v++) {
            pw_buf_reset(&b);
            int n_deps = (int)(gen_next(&st) % 4);
            for (int d = 0; d < n_deps && i + 1 < GEN_PACKAGES; d++) {
                int span = GEN_PACKAGES - i - 1 < 40 ? GEN_PACKAGES - i - 1 : 40;
                int j = i + 1 + (int)(gen_next(&st) % (uint64_t)span);
                int lo, hi;
                if (v == good[i]) {
                    lo = good[j] - (int)(gen_next(&st) % 3);
                    hi = good[j] + 1 + (int)(gen_next(&st) % 3);
                } else {
                    lo = (int)(gen_next(&st) % GEN_VERSIONS);
                    hi = lo + 1 + (int)(gen_next(&st) % 3);
                }
                pw_buf_printf(&b, "%spkg%03d>=%d.0,<%d.0", b.len ? ";" : "", j, lo < 0 ? 0 : lo,
                              hi);
            }
            if (i > 0 && gen_next(&st) % 10 == 0) /* a cycle back, any version */
                pw_buf_printf(&b, "%spkg%03d", b.len ? ";" : "",
                              (int)(gen_next(&st) % (uint64_t)i));
            trow *row = &u->rows[u->n++];
            row->package = pname;
            row->version = gen_own(u, tfmt("%d.0", v));
            row->deps = gen_own(u, pw_xstrdup(pw_buf_cstr(&b)));
            row->yanked = false;
        }
    }
    pw_buf_free(&b);
}

static void gen_free(gen_universe *u)
{
    for (size_t i = 0; i < u->n_owned; i++)
        free(u->owned[i]);
    free(u->owned);
    free(u->rows);
}

/* Index of `package` in the solution, or -1. */
static long sol_find(const run *r, const char *package)
{
    for (size_t i = 0; i < r->n_sol; i++)
        if (strcmp(r->sol[i].package, package) == 0)
            return (long)i;
    return -1;
}

static const tpkg *prov_pkg(const run *r, const char *package)
{
    for (size_t i = 0; i < r->prov.n_pkgs; i++)
        if (strcmp(r->prov.pkgs[i].name, package) == 0)
            return &r->prov.pkgs[i];
    return NULL;
}

/* Fails unless `dep` is met by the solution. */
static void check_dep(const run *r, const pw_solver_dep *dep, const char *who)
{
    long k = sol_find(r, dep->package);
    if (k < 0)
        fail_msg("%s needs %s, which is not in the solution", who, dep->origin);
    const tpkg *pk = prov_pkg(r, dep->package);
    assert_non_null(pk);
    const pw_solver_candidate *c = &pk->cands[r->sol[k].candidate_index];
    if (!pw_specifier_set_contains(dep->specifiers, &c->version, true))
        fail_msg("%s needs %s, but %s %s was chosen", who, dep->origin, dep->package,
                 c->version_text);
}

/* Every requirement met, one version per package, nothing unreachable. */
static void check_solution(run *r)
{
    PW_ASSERT_OK(r->rc, &r->err);
    bool *reached = calloc(r->n_sol + 1, sizeof(bool));
    size_t *stack = calloc(r->n_sol + 1, sizeof(size_t));
    size_t n_stack = 0;
    for (size_t i = 0; i < r->roots.n; i++) {
        check_dep(r, &r->roots.items[i], "the root");
        size_t k = (size_t)sol_find(r, r->roots.items[i].package);
        if (!reached[k]) {
            reached[k] = true;
            stack[n_stack++] = k;
        }
    }
    for (size_t i = 1; i < r->n_sol; i++)
        assert_true(strcmp(r->sol[i - 1].package, r->sol[i].package) < 0);
    while (n_stack > 0) {
        size_t k = stack[--n_stack];
        const pw_solver_dep *deps;
        size_t n_deps;
        pw_error err = {0, NULL};
        PW_ASSERT_OK(tp_dependencies(&r->prov, r->sol[k].package, r->sol[k].candidate_index,
                                     &deps, &n_deps, &err), &err);
        for (size_t d = 0; d < n_deps; d++) {
            check_dep(r, &deps[d], r->sol[k].package);
            size_t j = (size_t)sol_find(r, deps[d].package);
            if (!reached[j]) {
                reached[j] = true;
                stack[n_stack++] = j;
            }
        }
    }
    for (size_t i = 0; i < r->n_sol; i++)
        if (!reached[i])
            fail_msg("%s is in the solution but nothing requires it", r->sol[i].package);
    free(reached);
    free(stack);
}

/* The generated universes both solver properties are checked on. */
static const uint64_t universe_seeds[] = {0x9e3779b97f4a7c15u, 12345, 0xdeadbeefu};

static void test_generated_universe(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof(universe_seeds) / sizeof(universe_seeds[0]); s++) {
        gen_universe u = {0};
        gen_build(&u, universe_seeds[s]);
        u.rows[u.n].package = NULL;
        run r = {0};
        run_solve(&r, u.rows, "pkg000; pkg001; pkg002; pkg003; pkg004", NULL);
        if (r.rc != 0)
            fail_msg("seed %zu: %s", s, pw_error_message(&r.err));
        assert_true(r.n_sol >= 5);
        check_solution(&r);
        run_free(&r);
        gen_free(&u);
    }
}

/* pw_solve_hinted: the hint names real candidates and changes nothing. */
typedef struct hint_log {
    const tprov *prov;
    size_t calls, hints, bad;
} hint_log;

static void record_hints(void *ctx, const pw_solver_hint *hints, size_t n)
{
    hint_log *log = ((tprov *)ctx)->hint_log;
    log->calls++;
    for (size_t h = 0; h < n; h++) {
        log->hints++;
        bool known = false;
        for (size_t i = 0; i < log->prov->n_pkgs && !known; i++)
            known = strcmp(log->prov->pkgs[i].name, hints[h].package) == 0 &&
                    hints[h].candidate_index < log->prov->pkgs[i].n;
        log->bad += !known;
    }
}

static void test_hints_change_nothing(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof(universe_seeds) / sizeof(universe_seeds[0]); s++) {
        gen_universe u = {0};
        gen_build(&u, universe_seeds[s]);
        u.rows[u.n].package = NULL;
        run plain = {0};
        run_solve(&plain, u.rows, "pkg000; pkg001; pkg002; pkg003; pkg004", NULL);
        PW_ASSERT_OK(plain.rc, &plain.err);

        run hinted = {0};
        hint_log log = {&hinted.prov, 0, 0, 0};
        hinted.prov.hint_log = &log;
        pw_solver_provider provider = tp_provider(&hinted.prov, u.rows);
        tdeps_add_list(&hinted.roots, "pkg000; pkg001; pkg002; pkg003; pkg004");
        hinted.rc = pw_solve_hinted(&provider, record_hints, hinted.roots.items, hinted.roots.n,
                                    NULL, &hinted.sol, &hinted.n_sol, &hinted.err);
        PW_ASSERT_OK(hinted.rc, &hinted.err);
        assert_int_equal(hinted.n_sol, plain.n_sol);
        for (size_t i = 0; i < plain.n_sol; i++) {
            assert_string_equal(hinted.sol[i].package, plain.sol[i].package);
            assert_int_equal(hinted.sol[i].candidate_index, plain.sol[i].candidate_index);
        }
        assert_true(log.calls > 0);
        assert_true(log.hints >= log.calls);
        assert_int_equal(log.bad, 0);
        run_free(&plain);
        run_free(&hinted);
        gen_free(&u);
    }
}

/* --------------------------------------- small universes vs brute force */

#define BF_PACKAGES 5
#define BF_VERSIONS 3

static const char *const bf_names[BF_PACKAGES] = {"p0", "p1", "p2", "p3", "p4"};

static const char *const bf_specs[] = {
    "", ">=2.0", "<2.0", "==1.0", "!=2.0", ">=3.0", "<1.0", "~=2.0", "==2.0",
};

static void bf_build(gen_universe *u, uint64_t *st, pw_buf *roots)
{
    u->rows = calloc(BF_PACKAGES * BF_VERSIONS + 1, sizeof(trow));
    pw_buf b = PW_BUF_INIT;
    for (int i = 0; i < BF_PACKAGES; i++) {
        const char *pname = gen_own(u, tfmt("p%d", i));
        for (int v = 0; v < BF_VERSIONS; v++) {
            pw_buf_reset(&b);
            int n_deps = (int)(gen_next(st) % 3);
            for (int d = 0; d < n_deps; d++) {
                uint64_t target = gen_next(st) % (BF_PACKAGES + 1);
                size_t n_specs = sizeof(bf_specs) / sizeof(bf_specs[0]);
                const char *spec = bf_specs[gen_next(st) % n_specs];
                if (target == BF_PACKAGES)
                    pw_buf_printf(&b, "%sghost%s", b.len ? ";" : "", spec);
                else
                    pw_buf_printf(&b, "%sp%d%s", b.len ? ";" : "", (int)target, spec);
            }
            trow *row = &u->rows[u->n++];
            row->package = pname;
            row->version = gen_own(u, tfmt("%d.0", v + 1));
            row->deps = gen_own(u, pw_xstrdup(pw_buf_cstr(&b)));
        }
    }
    pw_buf_reset(roots);
    int n_roots = 1 + (int)(gen_next(st) % 2);
    for (int d = 0; d < n_roots; d++)
        pw_buf_printf(roots, "%sp%d%s", roots->len ? ";" : "", (int)(gen_next(st) % BF_PACKAGES),
                      bf_specs[gen_next(st) % 5]);
    pw_buf_free(&b);
}

typedef struct bf_state {
    tprov prov;
    const pw_solver_candidate *cands[BF_PACKAGES];
    size_t n[BF_PACKAGES];
    long choice[BF_PACKAGES];
} bf_state;

static bool bf_dep_met(const bf_state *bf, const pw_solver_dep *dep)
{
    if (dep->package[0] != 'p')
        return false; /* ghost */
    int i = dep->package[1] - '0';
    if (bf->choice[i] < 0)
        return false;
    return pw_specifier_set_contains(dep->specifiers, &bf->cands[i][bf->choice[i]].version, true);
}

/* Whether any selection (each package absent or at one version) works. */
static bool bf_solvable(const trow *rows, const tdeps *roots)
{
    bf_state bf;
    memset(&bf, 0, sizeof(bf));
    tp_provider(&bf.prov, rows);
    pw_error err = {0, NULL};
    size_t combos = 1;
    for (int i = 0; i < BF_PACKAGES; i++) {
        PW_ASSERT_OK(tp_candidates(&bf.prov, bf_names[i], &bf.cands[i], &bf.n[i], &err), &err);
        combos *= bf.n[i] + 1;
    }
    bool found = false;
    for (size_t c = 0; c < combos && !found; c++) {
        size_t rest = c;
        for (int i = 0; i < BF_PACKAGES; i++) {
            bf.choice[i] = (long)(rest % (bf.n[i] + 1)) - 1;
            rest /= bf.n[i] + 1;
        }
        bool ok = true;
        for (size_t d = 0; d < roots->n && ok; d++)
            ok = bf_dep_met(&bf, &roots->items[d]);
        for (int i = 0; i < BF_PACKAGES && ok; i++) {
            if (bf.choice[i] < 0)
                continue;
            const pw_solver_dep *deps;
            size_t n_deps;
            int rc = tp_dependencies(&bf.prov, bf_names[i], (size_t)bf.choice[i], &deps, &n_deps,
                                     &err);
            PW_ASSERT_OK(rc, &err);
            for (size_t d = 0; d < n_deps && ok; d++)
                ok = bf_dep_met(&bf, &deps[d]);
        }
        found = ok;
    }
    tp_free(&bf.prov);
    return found;
}

/* Soundness and completeness: the solver finds a solution exactly when one
 * exists, over many small random universes (self-dependencies, cycles,
 * missing packages and unsatisfiable ranges included). */
static void test_matches_brute_force(void **state)
{
    (void)state;
    uint64_t st = 0x2545f4914f6cdd1du;
    size_t solvable = 0, unsolvable = 0;
    for (int round = 0; round < 400; round++) {
        gen_universe u = {0};
        pw_buf roots = PW_BUF_INIT;
        bf_build(&u, &st, &roots);
        run r = {0};
        run_solve(&r, u.rows, pw_buf_cstr(&roots), NULL);
        bool expected = bf_solvable(u.rows, &r.roots);
        if (expected) {
            if (r.rc != 0)
                fail_msg("round %d: a solution exists for %s but the solver said: %s", round,
                         pw_buf_cstr(&roots), pw_error_message(&r.err));
            check_solution(&r);
            solvable++;
        } else {
            assert_int_equal(r.rc, PW_ECONFLICT);
            assert_non_null(strstr(pw_error_message(&r.err), "version solving failed"));
            unsolvable++;
        }
        run_free(&r);
        pw_buf_free(&roots);
        gen_free(&u);
    }
    /* the generator must exercise both outcomes */
    assert_true(solvable > 50);
    assert_true(unsolvable > 50);
}

/* The checker itself must reject a wrong solution. */
static void test_checker_rejects_bad_solution(void **state)
{
    (void)state;
    static const trow rows[] = {
        {"a", "1.0", "b>=2", false},
        {"b", "2.0", "", false},
        {"b", "1.0", "", false},
        {NULL, NULL, NULL, false},
    };
    run r = {0};
    run_solve(&r, rows, "a", NULL);
    check_solution(&r);
    /* Tamper: pick b 1.0 and see the checker's verdict without failing. */
    long k = sol_find(&r, "b");
    assert_true(k >= 0);
    r.sol[k].candidate_index = 1;
    const pw_solver_dep *deps;
    size_t n_deps;
    pw_error err = {0, NULL};
    PW_ASSERT_OK(tp_dependencies(&r.prov, "a", 0, &deps, &n_deps, &err), &err);
    const tpkg *b = prov_pkg(&r, "b");
    assert_false(pw_specifier_set_contains(deps[0].specifiers, &b->cands[1].version, true));
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_conflicts),
        cmocka_unit_test(test_hints_change_nothing),
        cmocka_unit_test(test_avoiding_conflict_during_decision_making),
        cmocka_unit_test(test_performing_conflict_resolution),
        cmocka_unit_test(test_conflict_resolution_with_partial_satisfier),
        cmocka_unit_test(test_linear_error_reporting),
        cmocka_unit_test(test_branching_error_reporting),
        cmocka_unit_test(test_backtracking_trap),
        cmocka_unit_test(test_backtracking_many_versions),
        cmocka_unit_test(test_sibling_versions_share_dependencies),
        cmocka_unit_test(test_prerelease_excluded_by_default),
        cmocka_unit_test(test_prerelease_when_specifier_names_one),
        cmocka_unit_test(test_prerelease_when_nothing_else_satisfies),
        cmocka_unit_test(test_prerelease_allowed_by_provider),
        cmocka_unit_test(test_yanked_skipped_unless_pinned),
        cmocka_unit_test(test_preferred_locked_version_kept),
        cmocka_unit_test(test_max_decisions_limit),
        cmocka_unit_test(test_max_packages_limit),
        cmocka_unit_test(test_missing_package_explained),
        cmocka_unit_test(test_provider_error_passed_up),
        cmocka_unit_test(test_self_dependency),
        cmocka_unit_test(test_extras_are_packages),
        cmocka_unit_test(test_generated_universe),
        cmocka_unit_test(test_matches_brute_force),
        cmocka_unit_test(test_checker_rejects_bad_solution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
