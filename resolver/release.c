/*
 * The Pyodide release table and Cloudflare's compatibility-flag mapping.
 * Sources: the `pyodide` npm package of each release (versions, Python,
 * Emscripten, info.abi_version of its pyodide-lock.json); workerd
 * build/python_metadata.bzl and src/workerd/io/compatibility-date.capnp for
 * the flags; /work/shared/PYODIDE-FACTS.md collects both.
 */
#include "release.h"

#include "toml.h"

#include <cJSON.h>
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
    {"314.0.5", PY314, "314.0.2"}, /* python_workers_20260817 */
    {"314.0.6", PY314, "314.0.6"},
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

typedef struct compat_flag {
    const char *name;
    const char *release;
    const char *default_on; /* date from which it is implied, or NULL */
    bool experimental;
} compat_flag;

/* In the order of their field numbers in compatibility-date.capnp: when
 * several are enabled, workerd uses the highest. */
static const compat_flag compat_flags[] = {
    {"python_workers", "0.26.0a2", NULL, false},
    {"python_workers_20250116", "0.28.2", "2025-09-29", false},
    {"python_workers_20260610", "314.0.4", NULL, false},
    {"python_workers_20260817", "314.0.5", NULL, true},
};

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* workerd: compatibility dates are YYYY-MM-DD. */
static bool valid_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return false;
    return d >= 1 && d <= mdays[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
}

static bool has_no_flag(const pw_strlist *flags, const char *name)
{
    for (size_t i = 0; i < flags->len; i++)
        if (strncmp(flags->items[i], "no_", 3) == 0 && strcmp(flags->items[i] + 3, name) == 0)
            return true;
    return false;
}

int pw_release_from_compat(const char *date, const pw_strlist *flags,
                           const pw_release_info **out, const char **decisive_flag,
                           pw_error *err)
{
    static const pw_strlist none = PW_STRLIST_INIT;
    *out = NULL;
    if (decisive_flag)
        *decisive_flag = NULL;
    if (!flags)
        flags = &none;
    if (!date || !valid_date(date))
        return pw_error_set(err, PW_EINVAL,
                            "invalid compatibility date '%s': expected a calendar date "
                            "YYYY-MM-DD, e.g. 2025-09-29",
                            date ? date : "");
    const compat_flag *chosen = &compat_flags[0];
    for (size_t i = 0; i < sizeof(compat_flags) / sizeof(compat_flags[0]); i++) {
        const compat_flag *f = &compat_flags[i];
        bool set = pw_strlist_contains(flags, f->name);
        bool disabled = has_no_flag(flags, f->name);
        if (set && disabled)
            return pw_error_set(err, PW_EINVAL,
                                "compatibility flags '%s' and 'no_%s' contradict each other; "
                                "expected at most one of them",
                                f->name, f->name);
        if (set || (f->default_on && strcmp(date, f->default_on) >= 0 && !disabled))
            chosen = f;
    }
    if (!pw_strlist_contains(flags, "python_workers"))
        pw_report(PW_REPORT_WARN,
                  "compatibility_flags lack \"python_workers\": Python Workers need it (Wrangler "
                  "refuses to deploy Python without it); resolving for Pyodide %s anyway",
                  chosen->release);
    if (chosen->experimental)
        pw_report(PW_REPORT_WARN,
                  "\"%s\" is an experimental compatibility flag: workerd accepts it only with "
                  "experimental features enabled, and its Pyodide %s may still change",
                  chosen->name, chosen->release);
    *out = pw_release_lookup(chosen->release);
    if (decisive_flag)
        *decisive_flag = chosen->name;
    return PW_OK;
}

/* ------------------------------------------------------ wrangler config */

void pw_wrangler_config_free(pw_wrangler_config *c)
{
    if (!c)
        return;
    free(c->path);
    free(c->env);
    free(c->main);
    free(c->base_dir);
    free(c->compatibility_date);
    pw_strlist_free(&c->compatibility_flags);
    pw_strlist_free(&c->python_modules_exclude);
    for (size_t i = 0; i < c->n_rules; i++) {
        free(c->rules[i].type);
        pw_strlist_free(&c->rules[i].globs);
    }
    free(c->rules);
    pw_strlist_free(&c->var_names);
    pw_strlist_free(&c->var_values_json);
    memset(c, 0, sizeof(*c));
}

static const char *toml_type_name(const pw_toml_value *v)
{
    switch (pw_toml_type_of(v)) {
    case PW_TOML_STRING: return "a string";
    case PW_TOML_INTEGER: return "an integer";
    case PW_TOML_FLOAT: return "a float";
    case PW_TOML_BOOL: return "a boolean";
    case PW_TOML_DATETIME: return "a date-time";
    case PW_TOML_ARRAY: return "an array";
    case PW_TOML_TABLE: return "a table";
    }
    return "a value";
}

static int parse_toml(const char *path, const char *text, size_t len, pw_wrangler_config *out,
                      pw_error *err)
{
    pw_toml_value *root;
    int rc = pw_toml_parse(path, text, len, &root, err);
    if (rc)
        return rc;
    const pw_toml_value *date = pw_toml_get(root, "compatibility_date");
    if (date) {
        const char *s = pw_toml_string(date);
        /* A bare TOML local date (compatibility_date = 2025-09-29) is the
         * same day; a date-time is not a compatibility date. */
        bool ok = pw_toml_type_of(date) == PW_TOML_STRING ||
                  (pw_toml_type_of(date) == PW_TOML_DATETIME && strlen(s) == 10 &&
                   s[4] == '-');
        if (!ok) {
            rc = pw_error_set(err, PW_EINVAL,
                              "%s:%zu: compatibility_date must be a date string \"YYYY-MM-DD\", "
                              "found %s",
                              path, pw_toml_line(date), toml_type_name(date));
            goto done;
        }
        out->compatibility_date = pw_xstrdup(s);
    }
    const pw_toml_value *flags = pw_toml_get(root, "compatibility_flags");
    if (flags) {
        if (pw_toml_type_of(flags) != PW_TOML_ARRAY) {
            rc = pw_error_set(err, PW_EINVAL,
                              "%s:%zu: compatibility_flags must be an array of strings, found %s",
                              path, pw_toml_line(flags), toml_type_name(flags));
            goto done;
        }
        for (size_t i = 0; i < pw_toml_len(flags); i++) {
            const pw_toml_value *f = pw_toml_at(flags, i);
            if (pw_toml_type_of(f) != PW_TOML_STRING) {
                rc = pw_error_set(err, PW_EINVAL,
                                  "%s:%zu: compatibility_flags[%zu] must be a string, found %s",
                                  path, pw_toml_line(f), i, toml_type_name(f));
                goto done;
            }
            pw_strlist_push(&out->compatibility_flags, pw_toml_string(f));
        }
    }
done:
    pw_toml_free(root);
    return rc;
}

/* The line of the top-level member `key` in JSON text (comments already
 * blanked, lines kept), 0 when absent: cJSON keeps no positions. */
static size_t json_member_line(const char *text, size_t len, const char *key)
{
    size_t line = 1, depth = 0, klen = strlen(key);
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '\n') {
            line++;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        } else if (c == '"') {
            size_t start = ++i, start_line = line;
            while (i < len && text[i] != '"') {
                if (text[i] == '\\' && i + 1 < len)
                    i++;
                else if (text[i] == '\n')
                    line++;
                i++;
            }
            if (depth != 1 || i - start != klen || memcmp(text + start, key, klen) != 0)
                continue;
            size_t j = i + 1;
            while (j < len && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r' ||
                               text[j] == '\n'))
                j++;
            if (j < len && text[j] == ':')
                return start_line;
        }
    }
    return 0;
}

static const char *json_type_name(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    return "a value";
}

static int parse_json(const char *path, const char *text, size_t len, pw_wrangler_config *out,
                      pw_error *err)
{
    /* Wrangler reads wrangler.json and wrangler.jsonc alike as JSONC. */
    pw_buf json = PW_BUF_INIT;
    pw_jsonc_strip(text, len, &json);
    cJSON *root = NULL;
    int rc = pw_json_parse(path, json.data, json.len, &root, err);
    if (rc)
        goto done;
    if (!cJSON_IsObject(root)) {
        rc = pw_error_set(err, PW_EINVAL, "%s:1: expected a JSON object at the top level, found %s",
                          path, json_type_name(root));
        goto done;
    }
    const cJSON *date = cJSON_GetObjectItemCaseSensitive(root, "compatibility_date");
    if (date) {
        if (!cJSON_IsString(date)) {
            rc = pw_error_set(err, PW_EINVAL,
                              "%s:%zu: compatibility_date must be a date string \"YYYY-MM-DD\", "
                              "found %s",
                              path, json_member_line(json.data, json.len, "compatibility_date"),
                              json_type_name(date));
            goto done;
        }
        out->compatibility_date = pw_xstrdup(date->valuestring);
    }
    const cJSON *flags = cJSON_GetObjectItemCaseSensitive(root, "compatibility_flags");
    if (flags) {
        size_t line = json_member_line(json.data, json.len, "compatibility_flags");
        if (!cJSON_IsArray(flags)) {
            rc = pw_error_set(err, PW_EINVAL,
                              "%s:%zu: compatibility_flags must be an array of strings, found %s",
                              path, line, json_type_name(flags));
            goto done;
        }
        size_t i = 0;
        for (const cJSON *f = flags->child; f; f = f->next, i++) {
            if (!cJSON_IsString(f)) {
                rc = pw_error_set(err, PW_EINVAL,
                                  "%s:%zu: compatibility_flags[%zu] must be a string, found %s",
                                  path, line, i, json_type_name(f));
                goto done;
            }
            pw_strlist_push(&out->compatibility_flags, f->valuestring);
        }
    }
done:
    cJSON_Delete(root);
    pw_buf_free(&json);
    return rc;
}

int pw_wrangler_parse(const char *path, const char *text, size_t len, pw_wrangler_config *out,
                      pw_error *err)
{
    memset(out, 0, sizeof(*out));
    out->path = pw_xstrdup(path);
    pw_slice name = pw_slice_from(path);
    int rc = pw_slice_ends_with(name, ".toml") ? parse_toml(path, text, len, out, err)
                                               : parse_json(path, text, len, out, err);
    if (rc)
        pw_wrangler_config_free(out);
    return rc;
}

int pw_wrangler_read_file(const char *path, pw_wrangler_config *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    pw_buf text = PW_BUF_INIT;
    int rc = pw_read_file(path, &text, err);
    if (!rc)
        rc = pw_wrangler_parse(path, text.data ? text.data : "", text.len, out, err);
    pw_buf_free(&text);
    return rc;
}

/*
 * Wrangler's findWranglerConfig (workers-sdk, packages/wrangler/src/config)
 * takes the first of wrangler.json, wrangler.jsonc, wrangler.toml; the file
 * it deploys with is the one whose compatibility date picks the runtime, so
 * pwpkg must read the same one.
 */
static const char *const config_names[] = {"wrangler.json", "wrangler.jsonc", "wrangler.toml"};

int pw_wrangler_read_dir(const char *dir, pw_wrangler_config *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    char *found = NULL;
    for (size_t i = 0; i < sizeof(config_names) / sizeof(config_names[0]); i++) {
        char *path = pw_path_join(dir, config_names[i]);
        if (!pw_file_exists(path)) {
            free(path);
        } else if (!found) {
            found = path;
        } else {
            pw_report(PW_REPORT_WARN, "%s is ignored: Wrangler reads %s first, and so does pwpkg",
                      path, found);
            free(path);
        }
    }
    if (!found)
        return pw_error_set(err, PW_ENOTFOUND,
                            "%s: no wrangler.json, wrangler.jsonc or wrangler.toml", dir);
    int rc = pw_wrangler_read_file(found, out, err);
    free(found);
    return rc;
}
