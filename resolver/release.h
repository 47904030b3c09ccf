/*
 * Pyodide releases pwpkg knows, and how a Cloudflare Worker's compatibility
 * date and flags select one (as workerd does: build/python_metadata.bzl,
 * src/workerd/io/compatibility-date.capnp). See docs/releases.md.
 */
#ifndef PW_RELEASE_H
#define PW_RELEASE_H

#include "common.h"
#include "wrangler.h"

typedef struct pw_release_info {
    const char *version;       /* "0.27.7" */
    const char *python;        /* "3.12.7" */
    const char *emscripten;    /* "3.1.58" */
    const char *abi_version;   /* "2024_0", NULL for 0.25 */
    /* The published release whose pyodide-lock.json stands in when this one
     * has none (Cloudflare's runtime-only builds), or the same version. */
    const char *index_version;
} pw_release_info;

/* Exact known releases ("0.27.7", "0.26.0a2"); NULL when unknown. */
const pw_release_info *pw_release_lookup(const char *version);
/* All known releases, in version order; *count receives their number. */
const pw_release_info *pw_release_all(size_t *count);

/* The workerd release whose flags the table below follows: the test
 * suite runs that binary and compares (tests/cloudflare/workerd-table.sh). */
#define PW_COMPAT_WORKERD_VERSION "1.20261117.1"

/* One Python Workers compatibility flag of workerd. */
typedef struct pw_compat_flag {
    const char *name;       /* "python_workers_314" */
    const char *release;    /* the Pyodide release it selects */
    const char *default_on; /* compatibility date from which it is implied, or NULL */
} pw_compat_flag;

/* The flags in workerd's field order (the last enabled one wins). */
const pw_compat_flag *pw_compat_flags(size_t *count);
/* That workerd's other python_workers* flags, which select no release. */
const char *const *pw_compat_other_python_flags(size_t *count);


typedef struct pw_compat_choice {
    const pw_release_info *release;
    const pw_compat_flag *flag; /* the flag that decided ("python_workers" for the base) */
    bool implied_by_date;       /* on by its default_on date, not set in the flags */
} pw_compat_choice;

/*
 * Compatibility date and flags -> the release workerd runs. `date_origin`
 * and `flags_origin` (may be NULL) say where each came from
 * ("--compat-date", "wrangler.toml:3"), for messages. Reports warnings
 * through pw_report: `python_workers` missing (the Worker would not
 * deploy), a python_workers* flag unknown to PW_COMPAT_WORKERD_VERSION
 * (ignored, as workerd ignores it). PW_EINVAL for a bad date or for a flag
 * given together with its no_ form.
 */
int pw_release_decide(const char *date, const char *date_origin, const pw_strlist *flags,
                      const char *flags_origin, pw_compat_choice *out, pw_error *err);
/* The same without origins; *decisive_flag (may be NULL) receives the
 * deciding flag's name. */
int pw_release_from_compat(const char *date, const pw_strlist *flags,
                           const pw_release_info **out, const char **decisive_flag,
                           pw_error *err);

/* The date and flags a Worker deploys with, and where each came from. */
typedef struct pw_release_selection {
    pw_compat_choice choice;
    char *config_path;  /* the wrangler config read, NULL when none */
    char *env;          /* the environment applied, NULL for the top level */
    char *date;
    char *date_origin;  /* "--compat-date", "w/wrangler.toml:3", "w/wrangler.toml:16 (env.staging)" */
    pw_strlist flags;
    char *flags_origin; /* "--compat-flag", "w/wrangler.toml:4", or the config path when it has none */
} pw_release_selection;

/*
 * What `wrangler deploy [--env NAME] [--compatibility-date D]
 * [--compatibility-flags F]...` would run: the date from `cli_date`, else
 * from the wrangler config in `project_dir` (with `env` applied); the flags
 * from `cli_flags` when any, else from the config. Each is taken on its
 * own, as wrangler does. PW_EINVAL, naming where, when no date is found,
 * when `env` is given without a config, or as pw_release_decide.
 */
int pw_release_select(const char *project_dir, const char *env, const char *cli_date,
                      const pw_strlist *cli_flags, pw_release_selection *out, pw_error *err);
void pw_release_selection_free(pw_release_selection *s);

#endif
