/*
 * The Pyodide release table and Cloudflare's compatibility-flag mapping.
 * Sources: the `pyodide` npm package of each release (versions, Python,
 * Emscripten, info.abi_version of its pyodide-lock.json); for the flags,
 * workerd PW_COMPAT_WORKERD_VERSION itself (the bundle it asks for, see
 * tests/cloudflare/workerd-table.sh); ../shared/PYODIDE-FACTS.md (beside the project)
 * collects both.
 */
#include "release.h"

#include "toml.h"

#include <cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PY311 "3.11.3", "3.1.46", NULL
#define PY312_026 "3.12.1", "3.1.58", "2024_0"
#define PY312_027 "3.12.7", "3.1.58", "2024_0"
#define PY313 "3.13.2", "4.0.9", "2025_0"
#define PY314 "3.14.2", "5.0.3", "2026_0"

/* Version order. index_version differs from version only where Cloudflare
 * runs a build with no public pyodide-lock.json, or where its own tooling
 * (pywrangler, the workers-py index) resolves against a nearby release:
 * 0.27.7 for 3.12, 0.28.3 for 3.13, 314.0.2 for 3.14. */
static const pw_release_info releases[] = {
    {"0.25.0", PY311, "0.25.0"},
    {"0.25.1", PY311, "0.25.1"},
    /* Cloudflare's runtime-only pre-release behind `python_workers`: built
     * with Emscripten 3.1.52, never published with an index. */
    {"0.26.0a2", "3.12.1", "3.1.52", "2024_0", "0.27.7"},
    {"0.26.0", PY312_026, "0.26.0"},
    {"0.26.1", PY312_026, "0.26.1"},
    {"0.26.2", PY312_026, "0.26.2"},
    {"0.26.3", PY312_026, "0.26.3"},
    {"0.26.4", PY312_026, "0.26.4"},
    {"0.27.0", PY312_027, "0.27.0"},
    {"0.27.1", PY312_027, "0.27.1"},
    {"0.27.2", PY312_027, "0.27.2"},
    {"0.27.3", PY312_027, "0.27.3"},
    {"0.27.4", PY312_027, "0.27.4"},
    {"0.27.5", PY312_027, "0.27.5"},
    {"0.27.6", PY312_027, "0.27.6"},
    {"0.27.7", PY312_027, "0.27.7"},
    {"0.27.8", PY312_027, "0.27.8"},
    {"0.28.0", PY313, "0.28.0"},
    {"0.28.1", PY313, "0.28.1"},
    {"0.28.2", PY313, "0.28.3"}, /* python_workers_20250116 */
    {"0.28.3", PY313, "0.28.3"},
    {"0.29.0", PY313, "0.29.0"},
    {"0.29.1", PY313, "0.29.1"},
    {"0.29.2", PY313, "0.29.2"},
    {"0.29.3", PY313, "0.29.3"},
    {"0.29.4", PY313, "0.29.4"},
    {"0.29.5", PY313, "0.29.5"},
    {"314.0.0", PY314, "314.0.0"},
    {"314.0.1", PY314, "314.0.1"},
    {"314.0.2", PY314, "314.0.2"},
    {"314.0.3", PY314, "314.0.3"},
    {"314.0.4", PY314, "314.0.2"}, /* python_workers_20260610 */
    {"314.0.5", PY314, "314.0.2"}, /* python_workers_20260817, gone from workerd */
    {"314.0.6", PY314, "314.0.6"}, /* python_workers_314 */
    {"314.0.7", PY314, "314.0.7"},
};

const pw_release_info *pw_release_lookup(const char *version)
{
    if (!version)
        return NULL;
    for (size_t i = 0; i < sizeof(releases) / sizeof(releases[0]); i++)
        if (strcmp(releases[i].version, version) == 0)
            return &releases[i];
    return NULL;
}

const pw_release_info *pw_release_all(size_t *count)
{
    *count = sizeof(releases) / sizeof(releases[0]);
    return releases;
}


/* ------------------------------------------------- compatibility mapping */

/* In the order of their field numbers in compatibility-date.capnp: when
 * several are enabled, workerd uses the highest. Checked against the
 * workerd binary itself (tests/cloudflare/workerd-table.sh). */
static const pw_compat_flag compat_flags[] = {
    {"python_workers", "0.26.0a2", NULL},
    {"python_workers_20250116", "0.28.2", "2025-09-29"},
    {"python_workers_20260610", "314.0.4", NULL},
    {"python_workers_314", "314.0.6", "2026-09-08"},
};

/* The other python_workers* flags of that workerd: they select no release
 * (and the no_ forms of the table's flags are known too). */
static const char *const other_python_flags[] = {
    "python_workers_development",
    "python_workers_durable_objects",
    "python_workers_force_new_vendor_path",
};

const char *const *pw_compat_other_python_flags(size_t *count)
{
    *count = sizeof(other_python_flags) / sizeof(other_python_flags[0]);
    return other_python_flags;
}

const pw_compat_flag *pw_compat_flags(size_t *count)
{
    *count = sizeof(compat_flags) / sizeof(compat_flags[0]);
    return compat_flags;
}


static const pw_compat_flag *find_flag(const char *name)
{
    for (size_t i = 0; i < sizeof(compat_flags) / sizeof(compat_flags[0]); i++)
        if (strcmp(compat_flags[i].name, name) == 0)
            return &compat_flags[i];
    return NULL;
}

/* " (from wrangler.toml:4)", or nothing when the caller did not say. */
static void origin_note(const char *origin, char *out, size_t size)
{
    if (origin && *origin)
        snprintf(out, size, " (from %s)", origin);
    else
        out[0] = '\0';
}

int pw_release_decide(const char *date, const char *date_origin, const pw_strlist *flags,
                      const char *flags_origin, pw_compat_choice *out, pw_error *err)
{
    static const pw_strlist none = PW_STRLIST_INIT;
    memset(out, 0, sizeof(*out));
    if (!flags)
        flags = &none;
    char date_from[300], flags_from[300];
    origin_note(date_origin, date_from, sizeof(date_from));
    origin_note(flags_origin, flags_from, sizeof(flags_from));
    if (!date || !pw_compat_date_valid(date))
        return pw_error_set(err, PW_EINVAL,
                            "invalid compatibility date '%s'%s: expected a calendar date "
                            "YYYY-MM-DD, e.g. 2025-09-29",
                            date ? date : "", date_from);
    for (size_t i = 0; i < flags->len; i++) {
        const char *f = flags->items[i];
        const char *base = strncmp(f, "no_", 3) == 0 ? f + 3 : f;
        /* Only Python flags matter here; workerd has hundreds of others. */
        if (strncmp(base, "python_workers", 14) != 0 || find_flag(base) ||
            pw_cstr_in(base, other_python_flags, PW_COUNT(other_python_flags)))
            continue;
        pw_report(PW_REPORT_WARN,
                  "compatibility flag \"%s\"%s is unknown to workerd %s, the version pwpkg's "
                  "flag table follows: it selects no Pyodide release there, and pwpkg ignores "
                  "it (see docs/releases.md)",
                  f, flags_from, PW_COMPAT_WORKERD_VERSION);
    }
    const pw_compat_flag *chosen = &compat_flags[0];
    bool implied = false;
    for (size_t i = 0; i < sizeof(compat_flags) / sizeof(compat_flags[0]); i++) {
        const pw_compat_flag *f = &compat_flags[i];
        bool set = pw_strlist_contains(flags, f->name);
        pw_buf no = PW_BUF_INIT;
        pw_buf_printf(&no, "no_%s", f->name);
        bool disabled = pw_strlist_contains(flags, pw_buf_cstr(&no));
        pw_buf_free(&no);
        if (set && disabled)
            return pw_error_set(err, PW_EINVAL,
                                "compatibility flags '%s' and 'no_%s'%s contradict each other; "
                                "expected at most one of them",
                                f->name, f->name, flags_from);
        if (set) {
            chosen = f;
            implied = false;
        } else if (f->default_on && strcmp(date, f->default_on) >= 0 && !disabled) {
            chosen = f;
            implied = true;
        }
    }
    if (!pw_strlist_contains(flags, "python_workers"))
        pw_report(PW_REPORT_WARN,
                  "compatibility_flags%s lack \"python_workers\": Python Workers need it "
                  "(Wrangler refuses to deploy Python without it); resolving for Pyodide %s "
                  "anyway",
                  flags_origin ? flags_from : "", chosen->release);
    out->release = pw_release_lookup(chosen->release);
    out->flag = chosen;
    out->implied_by_date = implied;
    return PW_OK;
}

int pw_release_from_compat(const char *date, const pw_strlist *flags,
                           const pw_release_info **out, const char **decisive_flag,
                           pw_error *err)
{
    pw_compat_choice choice;
    int rc = pw_release_decide(date, NULL, flags, NULL, &choice, err);
    *out = choice.release;
    if (decisive_flag)
        *decisive_flag = choice.flag ? choice.flag->name : NULL;
    return rc;
}

/* ------------------------------------------------- the release selection */

void pw_release_selection_free(pw_release_selection *s)
{
    if (!s)
        return;
    free(s->config_path);
    free(s->env);
    free(s->date);
    free(s->date_origin);
    pw_strlist_free(&s->flags);
    free(s->flags_origin);
    memset(s, 0, sizeof(*s));
}

/* "wrangler.toml:16 (env.staging)" */
static char *config_origin(const pw_wrangler_config *c, size_t line, bool from_env)
{
    pw_buf b = PW_BUF_INIT;
    pw_buf_printf(&b, "%s:%zu", c->path, line);
    if (from_env)
        pw_buf_printf(&b, " (env.%s)", c->env);
    else if (c->env)
        pw_buf_printf(&b, " (top level, inherited by env.%s)", c->env);
    return pw_buf_detach(&b);
}

int pw_release_select(const char *project_dir, const char *env, const char *cli_date,
                      const pw_strlist *cli_flags, pw_release_selection *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    pw_wrangler_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    int rc = pw_wrangler_read_dir(project_dir, env, &cfg, err);
    bool have_config = rc == PW_OK;
    if (rc == PW_ENOTFOUND) {
        if (env)
            return pw_error_set(err, PW_EINVAL,
                                "--env %s: %s has no wrangler.json, wrangler.jsonc or "
                                "wrangler.toml whose [env.%s] it could apply",
                                env, project_dir, env);
        pw_error_clear(err);
        rc = PW_OK;
    }
    if (rc)
        return rc;
    if (have_config) {
        out->config_path = pw_xstrdup(cfg.path);
        out->env = env ? pw_xstrdup(env) : NULL;
    }
    /* wrangler deploy: `args.compatibilityDate ?? config.compatibility_date`
     * and `args.compatibilityFlags ?? config.compatibility_flags`, each on
     * its own. */
    if (cli_date) {
        out->date = pw_xstrdup(cli_date);
        out->date_origin = pw_xstrdup("--compat-date");
    } else if (have_config && cfg.compatibility_date) {
        out->date = pw_xstrdup(cfg.compatibility_date);
        out->date_origin = config_origin(&cfg, cfg.compatibility_date_line,
                                         cfg.compatibility_date_from_env);
    }
    if (cli_flags && cli_flags->len) {
        for (size_t i = 0; i < cli_flags->len; i++)
            pw_strlist_push(&out->flags, cli_flags->items[i]);
        out->flags_origin = pw_xstrdup("--compat-flag");
    } else if (have_config && cfg.compatibility_flags_line) {
        for (size_t i = 0; i < cfg.compatibility_flags.len; i++)
            pw_strlist_push(&out->flags, cfg.compatibility_flags.items[i]);
        out->flags_origin = config_origin(&cfg, cfg.compatibility_flags_line,
                                          cfg.compatibility_flags_from_env);
    } else {
        out->flags_origin = pw_xstrdup(have_config ? cfg.path : "no --compat-flag");
    }
    pw_wrangler_config_free(&cfg);
    if (!out->date) {
        rc = have_config ? pw_error_set(err, PW_EINVAL,
                                        "%s: no compatibility_date%s%s: pwpkg needs it to pick "
                                        "the Pyodide release (or pass --compat-date or --pyodide)",
                                        out->config_path, env ? " in env." : "", env ? env : "")
                         : pw_error_set(err, PW_EINVAL,
                                        "no Pyodide release chosen: pass --pyodide VERSION or "
                                        "--compat-date YYYY-MM-DD, or put a wrangler.toml / "
                                        "wrangler.jsonc with compatibility_date in %s",
                                        project_dir);
        pw_release_selection_free(out);
        return rc;
    }
    rc = pw_release_decide(out->date, out->date_origin, &out->flags, out->flags_origin,
                           &out->choice, err);
    if (rc)
        pw_release_selection_free(out);
    return rc;
}
