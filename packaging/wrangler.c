/*
 * Cloudflare's Wrangler configuration (wrangler.json, wrangler.jsonc,
 * wrangler.toml) as wrangler 4 reads it: what pwpkg needs of a Worker's
 * project. Sources: wrangler's config validation and its docs;
 * ../shared/PYODIDE-FACTS.md beside the project. Part of packaging/: other modules include
 * packaging.h.
 */
#include "wrangler.h"

#include "toml.h"

#include <cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool pw_compat_date_valid(const char *s)
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
    pw_strlist_free(&c->binding_names);
    pw_strlist_free(&c->binding_kinds);
    pw_strlist_free(&c->binding_classes);
    free(c->assets_directory);
    free(c->assets_not_found_handling);
    pw_strlist_free(&c->assets_worker_first_routes);
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

/*
 * Both formats are read through one cJSON tree, so that `[env.NAME]` is
 * applied by one piece of code. cJSON keeps no positions, so a `source`
 * answers "which line, which type as written" for a path of keys: from the
 * TOML tree, or by scanning the JSON text.
 */
typedef struct seg {
    const char *key; /* NULL: the array element `index` */
    size_t index;
} seg;

#define MAX_SEGS 6

typedef struct source {
    const char *path;
    const pw_toml_value *toml; /* NULL for JSON */
    const char *json;          /* comments blanked, lines kept */
    size_t json_len;
} source;

typedef struct json_scan {
    const char *text;
    size_t len, i, line;
} json_scan;

static void scan_ws(json_scan *s)
{
    while (s->i < s->len && (s->text[s->i] == ' ' || s->text[s->i] == '\t' ||
                             s->text[s->i] == '\r' || s->text[s->i] == '\n')) {
        if (s->text[s->i] == '\n')
            s->line++;
        s->i++;
    }
}

/* Skips a string at s->i (on its opening quote); returns the start and
 * length of its raw contents. */
static void scan_string(json_scan *s, size_t *start, size_t *n)
{
    *start = ++s->i;
    while (s->i < s->len && s->text[s->i] != '"') {
        if (s->text[s->i] == '\\' && s->i + 1 < s->len)
            s->i++;
        else if (s->text[s->i] == '\n')
            s->line++;
        s->i++;
    }
    *n = s->i - *start;
    s->i++;
}

/* Walks the value at s->i; when `path` (n segments) leads into it, returns
 * the line of the last segment's key (or element), else 0 once skipped. The
 * text already parsed as JSON, so it is well formed. */
static size_t scan_value(json_scan *s, const seg *path, size_t n)
{
    scan_ws(s);
    if (s->i >= s->len)
        return 0;
    char c = s->text[s->i];
    if (c == '"') {
        size_t start, len;
        scan_string(s, &start, &len);
        return 0;
    }
    if (c != '{' && c != '[') {
        /* a NUL is not a delimiter (strchr would find the terminator) */
        while (s->i < s->len && (s->text[s->i] == '\0' || !strchr(",]} \t\r\n", s->text[s->i])))
            s->i++;
        return 0;
    }
    s->i++;
    for (size_t index = 0;; index++) {
        scan_ws(s);
        if (s->i >= s->len)
            return 0;
        /* every element consumes input, whatever the text holds: a scan
         * that stops moving gives up instead of looping */
        size_t before = s->i;
        if (s->text[s->i] == '}' || s->text[s->i] == ']') {
            s->i++;
            return 0;
        }
        bool match;
        size_t line = s->line;
        if (c == '{') {
            size_t start, len;
            scan_string(s, &start, &len);
            scan_ws(s);
            s->i++; /* ':' */
            match = n > 0 && path[0].key && strlen(path[0].key) == len &&
                    memcmp(s->text + start, path[0].key, len) == 0;
        } else {
            match = n > 0 && !path[0].key && path[0].index == index;
        }
        if (match && n == 1)
            return c == '{' ? line : (scan_ws(s), s->line);
        size_t found = scan_value(s, match ? path + 1 : NULL, match ? n - 1 : 0);
        if (match)
            return found;
        scan_ws(s);
        if (s->i < s->len && s->text[s->i] == ',')
            s->i++;
        if (s->i == before)
            return 0;
    }
}

static const pw_toml_value *toml_at_path(const pw_toml_value *v, const seg *path, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        if (path[i].key)
            v = pw_toml_get(v, path[i].key);
        else if (pw_toml_type_of(v) == PW_TOML_ARRAY && path[i].index < pw_toml_len(v))
            v = pw_toml_at(v, path[i].index);
        else
            v = NULL;
    }
    return v;
}

static size_t source_line(const source *src, const seg *path, size_t n)
{
    if (src->toml)
        return pw_toml_line(toml_at_path(src->toml, path, n));
    json_scan s = {src->json, src->json_len, 0, 1};
    size_t line = scan_value(&s, path, n);
    return line ? line : 1;
}

static const char *source_type(const source *src, const seg *path, size_t n, const cJSON *v)
{
    if (src->toml) {
        const pw_toml_value *t = toml_at_path(src->toml, path, n);
        return t ? toml_type_name(t) : json_type_name(v);
    }
    return json_type_name(v);
}

/* TOML as JSON. Numbers stay raw text, so that [vars] keep their exact
 * digits; a date-time is a raw quoted string, so that it prints as JSON
 * but is not taken for a string where one is expected (a bare local date
 * is: `compatibility_date = 2025-09-29` names the same day). */
static cJSON *toml_to_json(const pw_toml_value *v)
{
    char num[64];
    switch (pw_toml_type_of(v)) {
    case PW_TOML_STRING:
        return cJSON_CreateString(pw_toml_string(v));
    case PW_TOML_INTEGER:
        snprintf(num, sizeof(num), "%" PRId64, pw_toml_integer(v));
        return cJSON_CreateRaw(num);
    case PW_TOML_FLOAT: {
        double d = pw_toml_float(v);
        if (!isfinite(d))
            return cJSON_CreateRaw("null"); /* as JSON.stringify writes it */
        snprintf(num, sizeof(num), "%.15g", d);
        if (strtod(num, NULL) != d)
            snprintf(num, sizeof(num), "%.17g", d);
        return cJSON_CreateRaw(num);
    }
    case PW_TOML_BOOL:
        return cJSON_CreateBool(pw_toml_bool(v));
    case PW_TOML_DATETIME: {
        const char *s = pw_toml_string(v);
        if (strlen(s) == 10 && s[4] == '-')
            return cJSON_CreateString(s);
        pw_buf quoted = PW_BUF_INIT;
        pw_buf_printf(&quoted, "\"%s\"", s);
        cJSON *raw = cJSON_CreateRaw(pw_buf_cstr(&quoted));
        pw_buf_free(&quoted);
        return raw;
    }
    case PW_TOML_ARRAY: {
        cJSON *a = cJSON_CreateArray();
        for (size_t i = 0; i < pw_toml_len(v); i++)
            cJSON_AddItemToArray(a, toml_to_json(pw_toml_at(v, i)));
        return a;
    }
    case PW_TOML_TABLE: {
        cJSON *o = cJSON_CreateObject();
        for (size_t i = 0; i < pw_toml_len(v); i++)
            cJSON_AddItemToObject(o, pw_toml_key_at(v, i), toml_to_json(pw_toml_at(v, i)));
        return o;
    }
    }
    return cJSON_CreateNull();
}

/*
 * The keys wrangler 4.164.0 knows (workers-utils config/validation.ts,
 * normalizeAndValidateEnvironment and normalizeAndValidateConfig): it
 * warns "Unexpected fields found" for any other, and so does pwpkg.
 */
static const char *const env_keys[] = {
    "account_id", "compatibility_date", "compatibility_flags", "jsx_factory", "jsx_fragment",
    "tsconfig", "rules", "name", "main", "find_additional_modules", "preserve_file_names",
    "base_dir", "route", "routes", "triggers", "assets", "limits", "placement", "build",
    "workers_dev", "preview_urls", "vars", "secrets", "define", "durable_objects", "workflows",
    "migrations", "exports", "kv_namespaces", "cloudchamber", "containers", "send_email",
    "queues", "connect", "r2_buckets", "d1_databases", "vectorize", "ai_search_namespaces",
    "ai_search", "agent_memory", "hyperdrive", "services", "analytics_engine_datasets",
    "dispatch_namespaces", "mtls_certificates", "tail_consumers", "streaming_tail_consumers",
    "unsafe", "browser", "analytics", "ai", "images", "stream", "media", "pipelines", "k2",
    "secrets_store_secrets", "artifacts", "unsafe_hello_world", "flagship", "worker_loaders",
    "ratelimits", "vpc_services", "vpc_networks", "version_metadata", "logfwdr", "no_bundle",
    "minify", "keep_names", "first_party_worker", "logpush", "upload_source_maps",
    "observability", "access", "cache", "compliance_region", "python_modules", "previews",
};
static const char *const top_only_keys[] = {
    "env", "$schema", "send_metrics", "dependencies_instrumentation", "keep_vars", "addresses",
    "pages_build_output_dir", "dev", "site", "alias", "wasm_modules", "text_blobs",
    "data_blobs", "configPath", "userConfigPath", "topLevelName", "definedEnvironments",
    "targetEnvironment",
};
/* Keys wrangler does not inherit into an environment (notInheritable): it
 * warns when the top level has one and the environment does not. */
static const char *const not_inherited_keys[] = {
    "vars", "secrets", "define", "durable_objects", "workflows", "kv_namespaces",
    "cloudchamber", "containers", "send_email", "queues", "connect", "r2_buckets",
    "d1_databases", "vectorize", "ai_search_namespaces", "ai_search", "agent_memory",
    "hyperdrive", "services", "analytics_engine_datasets", "dispatch_namespaces",
    "mtls_certificates", "tail_consumers", "streaming_tail_consumers", "unsafe", "browser",
    "analytics", "ai", "images", "stream", "media", "pipelines", "k2", "secrets_store_secrets",
    "artifacts", "unsafe_hello_world", "flagship", "worker_loaders", "ratelimits",
    "vpc_services", "vpc_networks", "version_metadata",
};
/* wrangler's validateRule accepts only these module types in `rules`. */
static const char *const rule_types[] = {"ESModule", "CommonJS", "CompiledWasm", "Text", "Data"};


/* One object of the config (the top level or one environment) and where it
 * sits: `prefix` is empty for the top level, {"env", NAME} otherwise. */
typedef struct layer {
    const source *src;
    const cJSON *obj;
    const char *env; /* NULL for the top level */
    seg prefix[2];
    size_t n_prefix;
} layer;

/* The path of `key` (then optionally `sub`, then array element `index`
 * when has_index) inside the layer. */
static size_t layer_path(const layer *l, const char *key, const char *sub, bool has_index,
                         size_t index, seg *path)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n_prefix; i++)
        path[n++] = l->prefix[i];
    path[n++] = (seg){key, 0};
    if (sub)
        path[n++] = (seg){sub, 0};
    if (has_index)
        path[n++] = (seg){NULL, index};
    return n;
}

static size_t key_line(const layer *l, const char *key)
{
    seg path[MAX_SEGS];
    return source_line(l->src, path, layer_path(l, key, NULL, false, 0, path));
}

/* "compatibility_date" or "env.staging.compatibility_date", for messages. */
static void field_name(const layer *l, const char *key, const char *sub, pw_buf *out)
{
    pw_buf_reset(out);
    if (l->env)
        pw_buf_printf(out, "env.%s.", l->env);
    pw_buf_puts(out, key);
    if (sub)
        pw_buf_printf(out, ".%s", sub);
}

static int wrong_type(const layer *l, const char *key, const char *sub, bool has_index,
                      size_t index, const cJSON *v, const char *expected, pw_error *err)
{
    seg path[MAX_SEGS];
    size_t n = layer_path(l, key, sub, has_index, index, path);
    pw_buf name = PW_BUF_INIT;
    field_name(l, key, sub, &name);
    if (has_index)
        pw_buf_printf(&name, "[%zu]", index);
    int rc = pw_error_set(err, PW_EINVAL, "%s:%zu: %s must be %s, found %s", l->src->path,
                          source_line(l->src, path, n), pw_buf_cstr(&name), expected,
                          source_type(l->src, path, n, v));
    pw_buf_free(&name);
    return rc;
}

static int read_string(const layer *l, const char *key, const char *expected, char **out,
                       size_t *line, pw_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(l->obj, key);
    if (!v)
        return PW_OK;
    if (!cJSON_IsString(v))
        return wrong_type(l, key, NULL, false, 0, v, expected, err);
    *out = pw_xstrdup(v->valuestring);
    if (line)
        *line = key_line(l, key);
    return PW_OK;
}

/* `v` (at key[.sub]) must be an array of strings. */
static int read_strings(const layer *l, const char *key, const char *sub, const cJSON *v,
                        pw_strlist *out, pw_error *err)
{
    if (!cJSON_IsArray(v))
        return wrong_type(l, key, sub, false, 0, v, "an array of strings", err);
    size_t i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        if (!cJSON_IsString(e))
            return wrong_type(l, key, sub, true, i, e, "a string", err);
        pw_strlist_push(out, e->valuestring);
    }
    return PW_OK;
}

static int read_rules(const layer *l, const cJSON *v, pw_wrangler_config *c, pw_error *err)
{
    if (!cJSON_IsArray(v))
        return wrong_type(l, "rules", NULL, false, 0, v, "an array of rules", err);
    c->rules_line = key_line(l, "rules");
    size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
    c->rules = pw_xcalloc(n ? n : 1, sizeof(*c->rules));
    for (const cJSON *r = v->child; r; r = r->next, i++) {
        if (!cJSON_IsObject(r))
            return wrong_type(l, "rules", NULL, true, i, r,
                              "a rule {type, globs[, fallthrough]}", err);
        pw_wrangler_rule *rule = &c->rules[c->n_rules++];
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(r, "type");
        if (!cJSON_IsString(type) || !pw_cstr_in(type->valuestring, rule_types, PW_COUNT(rule_types)))
            return wrong_type(l, "rules", NULL, true, i, r,
                              "a rule whose \"type\" is one of \"ESModule\", \"CommonJS\", "
                              "\"CompiledWasm\", \"Text\" or \"Data\" (as wrangler requires)",
                              err);
        rule->type = pw_xstrdup(type->valuestring);
        const cJSON *globs = cJSON_GetObjectItemCaseSensitive(r, "globs");
        bool ok = cJSON_IsArray(globs);
        for (const cJSON *g = ok ? globs->child : NULL; g; g = g->next)
            ok = ok && cJSON_IsString(g);
        if (!ok)
            return wrong_type(l, "rules", NULL, true, i, r,
                              "a rule with \"globs\", an array of strings", err);
        for (const cJSON *g = globs->child; g; g = g->next)
            pw_strlist_push(&rule->globs, g->valuestring);
        const cJSON *fall = cJSON_GetObjectItemCaseSensitive(r, "fallthrough");
        if (fall && !cJSON_IsBool(fall))
            return wrong_type(l, "rules", NULL, true, i, r,
                              "a rule whose \"fallthrough\" is a boolean", err);
        rule->fallthrough = cJSON_IsTrue(fall);
    }
    return PW_OK;
}

static void warn_unknown_keys(const layer *l)
{
    for (const cJSON *k = l->obj->child; k; k = k->next) {
        if (pw_cstr_in(k->string, env_keys, PW_COUNT(env_keys)) ||
            (!l->env && pw_cstr_in(k->string, top_only_keys, PW_COUNT(top_only_keys))))
            continue;
        pw_report(PW_REPORT_WARN,
                  "%s:%zu: unexpected field \"%s\" in %s%s: wrangler warns about it too and "
                  "ignores it",
                  l->src->path, key_line(l, k->string), k->string, l->env ? "env." : "the ",
                  l->env ? l->env : "top level");
    }
}

static void read_bindings(const layer *l, pw_wrangler_config *c);
static int read_assets(const layer *l, pw_wrangler_config *c, pw_error *err);

/* Reads what pwpkg uses of one layer into `c` (path and env left unset). */
static int read_layer(const layer *l, pw_wrangler_config *c, pw_error *err)
{
    warn_unknown_keys(l);
    int rc = read_string(l, "main", "a string (the main module's path)", &c->main,
                         &c->main_line, err);
    if (!rc)
        rc = read_string(l, "base_dir", "a string (a directory)", &c->base_dir,
                         &c->base_dir_line, err);
    if (!rc)
        rc = read_string(l, "compatibility_date", "a date string \"YYYY-MM-DD\"",
                         &c->compatibility_date, &c->compatibility_date_line, err);
    if (rc)
        return rc;
    if (c->compatibility_date && !pw_compat_date_valid(c->compatibility_date)) {
        pw_buf name = PW_BUF_INIT;
        field_name(l, "compatibility_date", NULL, &name);
        rc = pw_error_set(err, PW_EINVAL,
                          "%s:%zu: %s '%s' is not a calendar date: expected \"YYYY-MM-DD\", e.g. "
                          "\"2025-09-29\"",
                          l->src->path, c->compatibility_date_line, pw_buf_cstr(&name),
                          c->compatibility_date);
        pw_buf_free(&name);
        return rc;
    }
    const cJSON *flags = cJSON_GetObjectItemCaseSensitive(l->obj, "compatibility_flags");
    if (flags) {
        c->compatibility_flags_line = key_line(l, "compatibility_flags");
        rc = read_strings(l, "compatibility_flags", NULL, flags, &c->compatibility_flags, err);
        if (rc)
            return rc;
    }
    const cJSON *pm = cJSON_GetObjectItemCaseSensitive(l->obj, "python_modules");
    if (pm) {
        if (!cJSON_IsObject(pm))
            return wrong_type(l, "python_modules", NULL, false, 0, pm,
                              "a table with \"exclude\", an array of globs", err);
        const cJSON *ex = cJSON_GetObjectItemCaseSensitive(pm, "exclude");
        /* Without `exclude`, wrangler 4.164.0 fails at upload
         * (config.python_modules.exclude is not iterable). */
        if (!ex)
            return wrong_type(l, "python_modules", NULL, false, 0, pm,
                              "a table with \"exclude\", an array of globs (wrangler needs it "
                              "once python_modules is given)",
                              err);
        c->has_python_modules_exclude = true;
        c->python_modules_exclude_line = key_line(l, "python_modules");
        seg path[MAX_SEGS];
        size_t line = source_line(l->src, path,
                                  layer_path(l, "python_modules", "exclude", false, 0, path));
        if (line)
            c->python_modules_exclude_line = line;
        rc = read_strings(l, "python_modules", "exclude", ex, &c->python_modules_exclude, err);
        if (rc)
            return rc;
    }
    const cJSON *fam = cJSON_GetObjectItemCaseSensitive(l->obj, "find_additional_modules");
    if (fam) {
        if (!cJSON_IsBool(fam))
            return wrong_type(l, "find_additional_modules", NULL, false, 0, fam, "true or false",
                              err);
        c->has_find_additional_modules = true;
        c->find_additional_modules = cJSON_IsTrue(fam);
        c->find_additional_modules_line = key_line(l, "find_additional_modules");
    }
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(l->obj, "rules");
    if (rules) {
        rc = read_rules(l, rules, c, err);
        if (rc)
            return rc;
    }
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(l->obj, "vars");
    if (vars) {
        if (!cJSON_IsObject(vars))
            return wrong_type(l, "vars", NULL, false, 0, vars, "a table of variables", err);
        c->vars_line = key_line(l, "vars");
        for (const cJSON *v = vars->child; v; v = v->next) {
            pw_strlist_push(&c->var_names, v->string);
            char *text = cJSON_PrintUnformatted(v);
            pw_strlist_push(&c->var_values_json, text);
            cJSON_free(text);
        }
    }
    read_bindings(l, c);
    return read_assets(l, c, err);
}

/* The bindings a config declares, by the key wrangler reads each from:
 * arrays of tables with the name under `name_key`, tables with one
 * binding, and the two nested ones (durable_objects.bindings,
 * queues.producers). Types were wrangler's to validate; what does not
 * have the expected shape is skipped. */
static const struct binding_key {
    const char *key;
    const char *sub;      /* the array inside the table, or NULL */
    const char *name_key; /* "binding" or "name" */
    bool single;          /* a table holding one binding */
} binding_keys[] = {
    {"kv_namespaces", NULL, "binding", false},   {"r2_buckets", NULL, "binding", false},
    {"d1_databases", NULL, "binding", false},    {"services", NULL, "binding", false},
    {"analytics_engine_datasets", NULL, "binding", false},
    {"hyperdrive", NULL, "binding", false},      {"vectorize", NULL, "binding", false},
    {"dispatch_namespaces", NULL, "binding", false},
    {"mtls_certificates", NULL, "binding", false}, {"send_email", NULL, "name", false},
    {"workflows", NULL, "binding", false},       {"secrets_store_secrets", NULL, "binding", false},
    {"ratelimits", NULL, "name", false},         {"worker_loaders", NULL, "binding", false},
    {"pipelines", NULL, "binding", false},       {"vpc_services", NULL, "binding", false},
    {"durable_objects", "bindings", "name", false}, {"queues", "producers", "binding", false},
    {"ai", NULL, "binding", true},               {"browser", NULL, "binding", true},
    {"images", NULL, "binding", true},           {"media", NULL, "binding", true},
    {"assets", NULL, "binding", true},           {"version_metadata", NULL, "binding", true},
};

static void read_bindings(const layer *l, pw_wrangler_config *c)
{
    for (size_t i = 0; i < PW_COUNT(binding_keys); i++) {
        const struct binding_key *k = &binding_keys[i];
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(l->obj, k->key);
        if (v && k->sub)
            v = cJSON_GetObjectItemCaseSensitive(v, k->sub);
        if (!v)
            continue;
        const cJSON *one = k->single ? v : NULL;
        for (const cJSON *b = one ? one : (cJSON_IsArray(v) ? v->child : NULL); b;
             b = one ? NULL : b->next) {
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(b, k->name_key);
            if (!cJSON_IsString(name))
                continue;
            const cJSON *cls = cJSON_GetObjectItemCaseSensitive(b, "class_name");
            bool local = strcmp(k->key, "durable_objects") == 0 && cJSON_IsString(cls) &&
                         !cJSON_GetObjectItemCaseSensitive(b, "script_name");
            pw_strlist_push(&c->binding_names, name->valuestring);
            pw_strlist_push(&c->binding_kinds, k->key);
            pw_strlist_push(&c->binding_classes, local ? cls->valuestring : "");
        }
    }
}

static int read_assets(const layer *l, pw_wrangler_config *c, pw_error *err)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(l->obj, "assets");
    if (!a)
        return PW_OK;
    if (!cJSON_IsObject(a))
        return wrong_type(l, "assets", NULL, false, 0, a, "a table with \"directory\"", err);
    c->assets_line = key_line(l, "assets");
    const cJSON *dir = cJSON_GetObjectItemCaseSensitive(a, "directory");
    if (dir && !cJSON_IsString(dir))
        return wrong_type(l, "assets", "directory", false, 0, dir, "a string (a directory)", err);
    /* Without a directory wrangler uploads no assets (a binding alone). */
    c->assets_directory = pw_xstrdup(dir ? dir->valuestring : "");
    const cJSON *nf = cJSON_GetObjectItemCaseSensitive(a, "not_found_handling");
    if (nf && !cJSON_IsString(nf))
        return wrong_type(l, "assets", "not_found_handling", false, 0, nf,
                          "\"single-page-application\", \"404-page\" or \"none\"", err);
    c->assets_not_found_handling = pw_xstrdup(nf ? nf->valuestring : "none");
    const cJSON *first = cJSON_GetObjectItemCaseSensitive(a, "run_worker_first");
    if (cJSON_IsBool(first))
        c->assets_run_worker_first = cJSON_IsTrue(first);
    else if (first)
        return read_strings(l, "assets", "run_worker_first", first,
                            &c->assets_worker_first_routes, err);
    return PW_OK;
}

static void move_str(char **dst, size_t *dst_line, char **src, size_t src_line)
{
    *dst = *src;
    *src = NULL;
    if (dst_line)
        *dst_line = src_line;
}

static void move_list(pw_strlist *dst, pw_strlist *src)
{
    *dst = *src;
    memset(src, 0, sizeof(*src));
}

/* wrangler's inheritable(): the environment's value when it has the key,
 * else the top level's. notInheritable() keys (vars) come from the
 * environment alone. */
static void apply_env(pw_wrangler_config *top, pw_wrangler_config *env, pw_wrangler_config *out)
{
    pw_wrangler_config *from = env->main ? env : top;
    move_str(&out->main, &out->main_line, &from->main, from->main_line);
    from = env->base_dir ? env : top;
    move_str(&out->base_dir, &out->base_dir_line, &from->base_dir, from->base_dir_line);
    from = env->compatibility_date ? env : top;
    out->compatibility_date_from_env = from == env;
    move_str(&out->compatibility_date, &out->compatibility_date_line,
             &from->compatibility_date, from->compatibility_date_line);
    from = env->compatibility_flags_line ? env : top;
    out->compatibility_flags_from_env = from == env;
    move_list(&out->compatibility_flags, &from->compatibility_flags);
    out->compatibility_flags_line = from->compatibility_flags_line;
    from = env->has_python_modules_exclude ? env : top;
    out->has_python_modules_exclude = from->has_python_modules_exclude;
    out->python_modules_exclude_line = from->python_modules_exclude_line;
    move_list(&out->python_modules_exclude, &from->python_modules_exclude);
    from = env->has_find_additional_modules ? env : top;
    out->has_find_additional_modules = from->has_find_additional_modules;
    out->find_additional_modules = from->find_additional_modules;
    out->find_additional_modules_line = from->find_additional_modules_line;
    from = env->rules_line ? env : top;
    out->rules = from->rules;
    out->n_rules = from->n_rules;
    out->rules_line = from->rules_line;
    from->rules = NULL;
    from->n_rules = 0;
    out->vars_line = env->vars_line;
    move_list(&out->var_names, &env->var_names);
    move_list(&out->var_values_json, &env->var_values_json);
    move_list(&out->binding_names, &env->binding_names);
    move_list(&out->binding_kinds, &env->binding_kinds);
    move_list(&out->binding_classes, &env->binding_classes);
    from = env->assets_line ? env : top;
    move_str(&out->assets_directory, &out->assets_line, &from->assets_directory,
             from->assets_line);
    move_str(&out->assets_not_found_handling, NULL, &from->assets_not_found_handling, 0);
    out->assets_run_worker_first = from->assets_run_worker_first;
    move_list(&out->assets_worker_first_routes, &from->assets_worker_first_routes);
}

static int read_config(const source *src, const cJSON *root, const char *env,
                       pw_wrangler_config *out, pw_error *err)
{
    if (!cJSON_IsObject(root))
        return pw_error_set(err, PW_EINVAL, "%s:1: expected a %s at the top level, found %s",
                            src->path, src->toml ? "table" : "JSON object",
                            json_type_name(root));
    layer top = {src, root, NULL, {{NULL, 0}}, 0};
    if (!env)
        return read_layer(&top, out, err);

    const cJSON *envs = cJSON_GetObjectItemCaseSensitive(root, "env");
    if (envs && !cJSON_IsObject(envs))
        return wrong_type(&top, "env", NULL, false, 0, envs, "a table of environments", err);
    const cJSON *raw_env = cJSON_GetObjectItemCaseSensitive(envs, env);
    if (!raw_env) {
        pw_buf names = PW_BUF_INIT;
        for (const cJSON *e = envs ? envs->child : NULL; e; e = e->next)
            pw_buf_printf(&names, "%s\"%s\"", names.len ? ", " : "", e->string);
        int rc = pw_error_set(err, PW_EINVAL,
                              "%s: no environment \"%s\" (--env %s): expected an [env.%s] "
                              "section; the file defines %s",
                              src->path, env, env, env,
                              names.len ? pw_buf_cstr(&names) : "no environments");
        pw_buf_free(&names);
        return rc;
    }
    layer sub = {src, raw_env, env, {{"env", 0}, {env, 0}}, 2};
    if (!cJSON_IsObject(raw_env))
        return wrong_type(&top, "env", env, false, 0, raw_env, "a table of settings", err);

    pw_wrangler_config top_cfg, env_cfg;
    memset(&top_cfg, 0, sizeof(top_cfg));
    memset(&env_cfg, 0, sizeof(env_cfg));
    int rc = read_layer(&top, &top_cfg, err);
    if (!rc)
        rc = read_layer(&sub, &env_cfg, err);
    if (!rc) {
        for (size_t i = 0; i < PW_COUNT(not_inherited_keys); i++) {
            const char *key = not_inherited_keys[i];
            if (cJSON_GetObjectItemCaseSensitive(root, key) &&
                !cJSON_GetObjectItemCaseSensitive(raw_env, key))
                pw_report(PW_REPORT_WARN,
                          "%s:%zu: \"%s\" exists at the top level but not in env.%s: wrangler "
                          "does not inherit it, so --env %s has none",
                          src->path, key_line(&top, key), key, env, env);
        }
        apply_env(&top_cfg, &env_cfg, out);
        out->env = pw_xstrdup(env);
    }
    pw_wrangler_config_free(&top_cfg);
    pw_wrangler_config_free(&env_cfg);
    return rc;
}

static int parse_toml(const char *path, const char *text, size_t len, const char *env,
                      pw_wrangler_config *out, pw_error *err)
{
    pw_toml_value *root;
    int rc = pw_toml_parse(path, text, len, &root, err);
    if (rc)
        return rc;
    cJSON *json = toml_to_json(root);
    source src = {path, root, NULL, 0};
    rc = read_config(&src, json, env, out, err);
    cJSON_Delete(json);
    pw_toml_free(root);
    return rc;
}

static int parse_json(const char *path, const char *text, size_t len, const char *env,
                      pw_wrangler_config *out, pw_error *err)
{
    /* Wrangler reads wrangler.json and wrangler.jsonc alike as JSONC. */
    pw_buf json = PW_BUF_INIT;
    pw_jsonc_strip(text, len, &json);
    cJSON *root = NULL;
    int rc = pw_json_parse(path, json.data, json.len, &root, err);
    if (!rc) {
        source src = {path, NULL, json.data, json.len};
        rc = read_config(&src, root, env, out, err);
    }
    cJSON_Delete(root);
    pw_buf_free(&json);
    return rc;
}

int pw_wrangler_parse(const char *path, const char *text, size_t len, const char *env,
                      pw_wrangler_config *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    out->path = pw_xstrdup(path);
    pw_slice name = pw_slice_from(path);
    int rc = pw_slice_ends_with(name, ".toml") ? parse_toml(path, text, len, env, out, err)
                                               : parse_json(path, text, len, env, out, err);
    if (rc)
        pw_wrangler_config_free(out);
    return rc;
}

int pw_wrangler_read_file(const char *path, const char *env, pw_wrangler_config *out,
                          pw_error *err)
{
    memset(out, 0, sizeof(*out));
    pw_buf text = PW_BUF_INIT;
    int rc = pw_read_file(path, &text, err);
    if (!rc)
        rc = pw_wrangler_parse(path, text.data ? text.data : "", text.len, env, out, err);
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

int pw_wrangler_read_dir(const char *dir, const char *env, pw_wrangler_config *out,
                         pw_error *err)
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
    int rc = pw_wrangler_read_file(found, env, out, err);
    free(found);
    return rc;
}
