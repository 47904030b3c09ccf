/*
 * Cloudflare's Wrangler configuration, as `wrangler deploy` reads it.
 * Part of packaging/: other modules include packaging.h.
 */
#ifndef PW_WRANGLER_H
#define PW_WRANGLER_H

#include "common.h"

/* workerd: compatibility dates are calendar dates written YYYY-MM-DD. */
bool pw_compat_date_valid(const char *date);

/* One entry of wrangler's `rules` (module rules): files matching `globs`
 * are uploaded as modules of `type` ("ESModule", "CommonJS", "Text",
 * "Data", "CompiledWasm", "PythonModule", "PythonRequirement"). */
typedef struct pw_wrangler_rule {
    char *type;
    pw_strlist globs;
    bool fallthrough;
} pw_wrangler_rule;

/*
 * What pwpkg needs of a Wrangler configuration, after `--env NAME` is
 * applied as wrangler applies it (inheritable keys fall back to the top
 * level, non-inheritable ones such as `vars` do not). Each *_line is the
 * 1-based line of the key in `path`, 0 when absent, so that every message
 * can say where a value came from.
 */
typedef struct pw_wrangler_config {
    char *path;               /* the file read */
    char *env;                /* the [env.NAME] applied, NULL for the top level */
    char *main;               /* main module as written ("src/entry.py"), NULL when absent */
    size_t main_line;
    char *base_dir;           /* wrangler's base_dir as written, NULL when absent */
    size_t base_dir_line;
    char *compatibility_date; /* NULL when the file has none */
    size_t compatibility_date_line;
    pw_strlist compatibility_flags;
    size_t compatibility_flags_line;
    /* Whether the environment set them (else the top level, inherited). */
    bool compatibility_date_from_env;
    bool compatibility_flags_from_env;
    /* python_modules.exclude: a value given replaces wrangler's default
     * (every .pyc file); has_python_modules_exclude tells whether one was. */
    bool has_python_modules_exclude;
    pw_strlist python_modules_exclude;
    size_t python_modules_exclude_line;
    /* find_additional_modules = false: wrangler then uploads the main
     * module alone, python_modules/ included in what it leaves out. */
    bool has_find_additional_modules;
    bool find_additional_modules;
    size_t find_additional_modules_line;
    pw_wrangler_rule *rules;
    size_t n_rules;
    size_t rules_line;
    /* [vars]: names, and each value as JSON text ("\"a string\"", "3"). */
    pw_strlist var_names;
    pw_strlist var_values_json;
    size_t vars_line;
    /* Bindings, one entry each in the three lists: the name the Worker sees
     * in env, the config key declaring it ("kv_namespaces",
     * "durable_objects"), and for a Durable Object class of this Worker
     * (no script_name) its class_name, else "". Not inherited into an
     * environment, as wrangler does not. */
    pw_strlist binding_names;
    pw_strlist binding_kinds;
    pw_strlist binding_classes;
    /* [assets]: static files Cloudflare serves before the Worker. */
    char *assets_directory; /* as written, NULL without assets */
    size_t assets_line;
    char *assets_not_found_handling; /* "none" (default), "single-page-application", "404-page" */
    bool assets_run_worker_first;    /* true: every request reaches the Worker first */
    pw_strlist assets_worker_first_routes; /* run_worker_first as route patterns */
} pw_wrangler_config;

/*
 * Finds the Wrangler configuration in `dir` (wrangler.json, then
 * wrangler.jsonc, then wrangler.toml, as Wrangler does) and reads it with
 * the environment `env` applied (NULL: the top level), as `wrangler deploy
 * --env NAME` does. PW_ENOTFOUND when there is no config. PW_EINVAL, naming
 * file:line, for a key of the wrong type, a malformed compatibility date or
 * an environment the file does not define. Keys wrangler does not know are
 * warned about through pw_report, as wrangler warns.
 */
int pw_wrangler_read_dir(const char *dir, const char *env, pw_wrangler_config *out,
                         pw_error *err);
/* The format follows the extension: .toml, or else JSON with comments. */
int pw_wrangler_read_file(const char *path, const char *env, pw_wrangler_config *out,
                          pw_error *err);
/* Parses text already in memory (pure but for warnings); `path` names it in
 * errors and picks the format. */
int pw_wrangler_parse(const char *path, const char *text, size_t len, const char *env,
                      pw_wrangler_config *out, pw_error *err);
void pw_wrangler_config_free(pw_wrangler_config *c);

#endif
