/* PEP 440 versions and version specifiers. Part of packaging/: other modules include packaging.h. */
#ifndef PW_PEP440_H
#define PW_PEP440_H

#include "common.h"

#define PW_VERSION_MAX_RELEASE 16
#define PW_VERSION_MAX_LOCAL 8

enum pw_pre_kind { PW_PRE_NONE = 0, PW_PRE_ALPHA, PW_PRE_BETA, PW_PRE_RC };

typedef struct pw_local_segment {
    bool is_number;
    uint64_t number;  /* when is_number */
    char text[32];    /* lowercase, when !is_number */
} pw_local_segment;

/* A parsed version: plain data, no heap, copyable by assignment. */
typedef struct pw_version {
    uint64_t epoch;
    uint64_t release[PW_VERSION_MAX_RELEASE];
    size_t release_len;
    enum pw_pre_kind pre_kind;
    uint64_t pre;
    bool has_post;
    uint64_t post;
    bool has_dev;
    uint64_t dev;
    pw_local_segment local[PW_VERSION_MAX_LOCAL];
    size_t local_len;
} pw_version;

/* Parses any PEP 440 spelling (leading 'v', implicit separators, "alpha",
 * "pre", "preview", "c", "rev", "r", '-N' post releases, '_'/'-' separators,
 * surrounding whitespace). The error says what was expected and at which
 * column (1-based) of `text`. */
int pw_version_parse(pw_slice text, pw_version *out, pw_error *err);
/* Total order of PEP 440 (dev < pre < release < post; local after public). */
int pw_version_compare(const pw_version *a, const pw_version *b);
/* Normalized form, e.g. "1!2.0rc1.post3.dev4+ubuntu.1". */
void pw_version_format(const pw_version *v, pw_buf *out);
bool pw_version_is_prerelease(const pw_version *v); /* pre or dev */
bool pw_version_is_postrelease(const pw_version *v);

enum pw_spec_op {
    PW_OP_COMPATIBLE, /* ~= */
    PW_OP_EQ,         /* == (may carry a .* wildcard) */
    PW_OP_NE,         /* != (may carry a .* wildcard) */
    PW_OP_LE,
    PW_OP_GE,
    PW_OP_LT,
    PW_OP_GT,
    PW_OP_ARBITRARY,  /* === */
};

typedef struct pw_specifier {
    enum pw_spec_op op;
    pw_version version;     /* unused for === */
    bool wildcard;          /* "==1.2.*" / "!=1.2.*" */
    char *arbitrary;        /* heap, for === only */
} pw_specifier;

typedef struct pw_specifier_set {
    pw_specifier *items;
    size_t len;
    size_t cap;
} pw_specifier_set;

#define PW_SPECIFIER_SET_INIT {NULL, 0, 0}

/* Parses a comma-separated specifier list ("" is the empty set, which
 * matches everything). Errors give a 1-based column within `text`. */
int pw_specifier_set_parse(pw_slice text, pw_specifier_set *out, pw_error *err);
void pw_specifier_set_free(pw_specifier_set *set);
/* Appends every specifier of `from` (copies). */
void pw_specifier_set_extend(pw_specifier_set *set, const pw_specifier_set *from);
/* Normalized text, specifiers in the given order, joined with ",". */
void pw_specifier_set_format(const pw_specifier_set *set, pw_buf *out);
/* The operator's PEP 440 semantics only: no pre-release filtering. */
bool pw_specifier_contains(const pw_specifier *spec, const pw_version *v);
/*
 * PEP 440 pre-release rule: a pre-release matches only when `prereleases`
 * is true, or when a specifier in the set itself names a pre-release
 * (then pre-releases are allowed for the whole set). The `candidates`
 * fallback (only pre-releases exist) is the caller's decision.
 */
bool pw_specifier_set_contains(const pw_specifier_set *set, const pw_version *v, bool prereleases);
/*
 * The same, for callers that still have the candidate's version text as
 * published (`raw`, may be empty): "===" compares case-insensitively against
 * that text as well as against the normalized form of `v`, since pw_version
 * keeps no original spelling. pw_specifier_set_contains() and
 * pw_specifier_contains() only compare against the normalized form.
 */
bool pw_specifier_set_contains_raw(const pw_specifier_set *set, const pw_version *v, pw_slice raw,
                                   bool prereleases);
/* True when a specifier other than != names a pre-release or dev release
 * (as packaging does: excluding "!=1.0a1" does not opt into pre-releases). */
bool pw_specifier_set_mentions_prerelease(const pw_specifier_set *set);

/* PEP 440 comparison of two version strings, for pw_lock_diff_compute;
 * unparsable versions compare as strings after the parsable ones. */
int pw_version_cmp_text(const char *a, const char *b);

#endif
