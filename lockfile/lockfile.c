#include "lockfile.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

void pw_lock_init(pw_lock *lock)
{
    memset(lock, 0, sizeof(*lock));
    lock->schema_version = PW_LOCK_SCHEMA_VERSION;
}

static void package_free(pw_lock_package *p)
{
    free(p->name);
    free(p->version);
    free(p->file_name);
    free(p->url);
    free(p->sha256);
    free(p->source);
    free(p->index);
    free(p->package_type);
    free(p->install_dir);
    free(p->requires_python);
    free(p->git_commit);
    pw_strlist_free(&p->imports);
    pw_strlist_free(&p->dependencies);
    pw_strlist_free(&p->extras);
    pw_strlist_free(&p->requested);
    pw_strlist_free(&p->required_by);
}

static void release_free(pw_lock_release *r)
{
    free(r->pyodide);
    free(r->index_release);
    free(r->python);
    free(r->abi_version);
    free(r->platform);
    free(r->wheel_platform);
    free(r->arch);
    free(r->index_url);
    free(r->index_sha256);
    free(r->selected_by);
}

void pw_lock_options_free(pw_lock_options *o)
{
    free(o->requirements);
    free(o->project);
    pw_strlist_free(&o->extras);
    pw_strlist_free(&o->groups);
    free(o->pyodide);
    free(o->compat_date);
    pw_strlist_free(&o->compat_flags);
    free(o->wrangler_env);
    free(o->pyodide_index);
    free(o->pyodide_base_url);
    free(o->index_url);
    pw_strlist_free(&o->extra_index_urls);
    pw_strlist_free(&o->find_links);
    pw_strlist_free(&o->from_index);
    free(o->exclude_newer);
    memset(o, 0, sizeof(*o));
}

void pw_lock_options_describe(const pw_lock_options *o, pw_strlist *out)
{
    pw_buf b = PW_BUF_INIT;
    const struct {
        const char *flag;
        const char *value;
    } strings[] = {
        {"-r", o->requirements},           {"--project", o->project},
        {"--pyodide", o->pyodide},         {"--compat-date", o->compat_date},
        {"--env", o->wrangler_env},        {"--pyodide-index", o->pyodide_index},
        {"--pyodide-base-url", o->pyodide_base_url},
        {"--index-url", o->index_url},     {"--exclude-newer", o->exclude_newer},
    };
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        if (!strings[i].value)
            continue;
        pw_buf_reset(&b);
        pw_buf_printf(&b, "%s %s", strings[i].flag, strings[i].value);
        pw_strlist_push(out, pw_buf_cstr(&b));
    }
    const struct {
        const char *flag;
        const pw_strlist *value;
    } lists[] = {
        {"--extra", &o->extras},
        {"--group", &o->groups},
        {"--compat-flag", &o->compat_flags},
        {"--extra-index-url", &o->extra_index_urls},
        {"--find-links", &o->find_links},
        {"--from-index", &o->from_index},
    };
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        for (size_t k = 0; k < lists[i].value->len; k++) {
            pw_buf_reset(&b);
            pw_buf_printf(&b, "%s %s", lists[i].flag, lists[i].value->items[k]);
            pw_strlist_push(out, pw_buf_cstr(&b));
        }
    }
    if (o->no_index)
        pw_strlist_push(out, "--no-index");
    if (o->no_remote_artifacts)
        pw_strlist_push(out, "--no-remote-artifacts");
    if (o->best_match)
        pw_strlist_push(out, "--index-strategy unsafe-best-match");
    if (o->pre)
        pw_strlist_push(out, "--pre");
    pw_buf_free(&b);
}

void pw_lock_free(pw_lock *lock)
{
    pw_lock_options_free(&lock->options);
    for (size_t i = 0; i < lock->n_packages; i++)
        package_free(&lock->packages[i]);
    free(lock->packages);
    release_free(&lock->release);
    free(lock->provenance.commit);
    free(lock->inputs_digest);
    pw_strlist_free(&lock->inputs);
    pw_strlist_free(&lock->requirements);
    pw_strlist_free(&lock->dropped);
    pw_lock_init(lock);
}

pw_lock_package *pw_lock_add_package(pw_lock *lock, const char *name)
{
    PW_GROW(lock->packages, lock->cap_packages, lock->n_packages + 1);
    pw_lock_package *p = &lock->packages[lock->n_packages++];
    memset(p, 0, sizeof(*p));
    p->name = pw_xstrdup(name);
    p->size = -1;
    return p;
}

pw_lock_package *pw_lock_find(const pw_lock *lock, const char *name)
{
    char *key = pw_normalize_name(name);
    pw_lock_package *found = NULL;
    for (size_t i = 0; i < lock->n_packages && !found; i++)
        if (strcmp(lock->packages[i].name, key) == 0)
            found = &lock->packages[i];
    free(key);
    return found;
}

static int compare_packages(const void *a, const void *b)
{
    return strcmp(((const pw_lock_package *)a)->name, ((const pw_lock_package *)b)->name);
}

void pw_lock_count_release_artifacts(const pw_lock *lock, size_t *beside, size_t *elsewhere)
{
    *beside = *elsewhere = 0;
    const char *index = lock->release.index_url;
    const char *slash = index ? strrchr(index, '/') : NULL;
    size_t dir_len = slash ? (size_t)(slash - index) + 1 : 0;
    for (size_t i = 0; i < lock->n_packages; i++) {
        const pw_lock_package *p = &lock->packages[i];
        if (!p->source || strcmp(p->source, PW_SOURCE_PYODIDE) != 0 || !p->url)
            continue;
        bool near = !strstr(p->url, "://") ||
                    (dir_len && strstr(index, "://") && strncmp(p->url, index, dir_len) == 0);
        if (near)
            (*beside)++;
        else
            (*elsewhere)++;
    }
}

void pw_lock_sort(pw_lock *lock)
{
    if (lock->n_packages > 1)
        qsort(lock->packages, lock->n_packages, sizeof(pw_lock_package), compare_packages);
    for (size_t i = 0; i < lock->n_packages; i++) {
        pw_lock_package *p = &lock->packages[i];
        pw_strlist_sort_unique(&p->dependencies);
        pw_strlist_sort_unique(&p->extras);
        pw_strlist_sort_unique(&p->requested);
        pw_strlist_sort_unique(&p->required_by);
        /* imports keep the order of the source index: the first one is the
         * package's main module for `pwpkg check`. */
    }
    pw_strlist_sort_unique(&lock->requirements);
    pw_strlist_sort_unique(&lock->dropped);
}

/* ------------------------------------------------------------- serialize */

static void add_string_or_null(cJSON *obj, const char *key, const char *value)
{
    if (value)
        cJSON_AddStringToObject(obj, key, value);
    else
        cJSON_AddNullToObject(obj, key);
}

static void add_strlist(cJSON *obj, const char *key, const pw_strlist *list)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, key);
    for (size_t i = 0; i < list->len; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(list->items[i]));
}

static cJSON *package_to_json(const pw_lock_package *p)
{
    cJSON *o = cJSON_CreateObject();
    add_string_or_null(o, "name", p->name);
    add_string_or_null(o, "version", p->version);
    add_string_or_null(o, "file_name", p->file_name);
    add_string_or_null(o, "url", p->url);
    add_string_or_null(o, "sha256", p->sha256);
    if (p->size >= 0)
        cJSON_AddNumberToObject(o, "size", (double)p->size);
    else
        cJSON_AddNullToObject(o, "size");
    add_string_or_null(o, "source", p->source);
    if (p->index)
        cJSON_AddStringToObject(o, "index", p->index);
    add_string_or_null(o, "package_type", p->package_type);
    add_string_or_null(o, "install_dir", p->install_dir);
    if (p->requires_python)
        cJSON_AddStringToObject(o, "requires_python", p->requires_python);
    if (p->git_commit)
        cJSON_AddStringToObject(o, "git_commit", p->git_commit);
    add_strlist(o, "imports", &p->imports);
    add_strlist(o, "dependencies", &p->dependencies);
    if (p->extras.len)
        add_strlist(o, "extras", &p->extras);
    add_strlist(o, "requested", &p->requested);
    add_strlist(o, "required_by", &p->required_by);
    return o;
}

/* Only what was given is written: a lock made with no options says
 * "resolution": {}. Lists keep the order given (it decides index order). */
static cJSON *options_to_json(const pw_lock_options *o)
{
    cJSON *j = cJSON_CreateObject();
    const struct {
        const char *key;
        const char *value;
    } strings[] = {
        {"requirements", o->requirements},   {"project", o->project},
        {"pyodide", o->pyodide},             {"compat_date", o->compat_date},
        {"env", o->wrangler_env},            {"pyodide_index", o->pyodide_index},
        {"pyodide_base_url", o->pyodide_base_url},
        {"index_url", o->index_url},         {"exclude_newer", o->exclude_newer},
    };
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        if (strings[i].value)
            cJSON_AddStringToObject(j, strings[i].key, strings[i].value);
    const struct {
        const char *key;
        const pw_strlist *value;
    } lists[] = {
        {"extras", &o->extras},
        {"groups", &o->groups},
        {"compat_flags", &o->compat_flags},
        {"extra_index_urls", &o->extra_index_urls},
        {"find_links", &o->find_links},
        {"from_index", &o->from_index},
    };
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        if (lists[i].value->len)
            add_strlist(j, lists[i].key, lists[i].value);
    if (o->no_index)
        cJSON_AddBoolToObject(j, "no_index", true);
    if (o->no_remote_artifacts)
        cJSON_AddBoolToObject(j, "no_remote_artifacts", true);
    if (o->best_match)
        cJSON_AddStringToObject(j, "index_strategy", "unsafe-best-match");
    if (o->pre)
        cJSON_AddBoolToObject(j, "pre", true);
    return j;
}

void pw_lock_serialize(const pw_lock *lock, pw_buf *out)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "lock_version", lock->schema_version);
    cJSON_AddStringToObject(root, "generator", "pwpkg");

    const pw_lock_release *r = &lock->release;
    cJSON *rel = cJSON_AddObjectToObject(root, "release");
    add_string_or_null(rel, "pyodide", r->pyodide);
    add_string_or_null(rel, "index_release", r->index_release);
    add_string_or_null(rel, "python", r->python);
    add_string_or_null(rel, "abi_version", r->abi_version);
    add_string_or_null(rel, "platform", r->platform);
    add_string_or_null(rel, "wheel_platform", r->wheel_platform);
    add_string_or_null(rel, "arch", r->arch);
    add_string_or_null(rel, "index_url", r->index_url);
    add_string_or_null(rel, "index_sha256", r->index_sha256);
    add_string_or_null(rel, "selected_by", r->selected_by);

    if (lock->options.recorded)
        cJSON_AddItemToObject(root, "resolution", options_to_json(&lock->options));

    cJSON *inputs = cJSON_AddObjectToObject(root, "inputs");
    add_string_or_null(inputs, "digest", lock->inputs_digest);
    add_strlist(inputs, "files", &lock->inputs);
    add_strlist(inputs, "requirements", &lock->requirements);
    add_strlist(inputs, "dropped", &lock->dropped);

    cJSON *packages = cJSON_AddArrayToObject(root, "packages");
    for (size_t i = 0; i < lock->n_packages; i++)
        cJSON_AddItemToArray(packages, package_to_json(&lock->packages[i]));

    if (lock->provenance.commit) {
        cJSON *prov = cJSON_AddObjectToObject(root, "provenance");
        cJSON_AddStringToObject(prov, "commit", lock->provenance.commit);
        cJSON_AddBoolToObject(prov, "dirty", lock->provenance.dirty);
    }
    pw_json_write(root, out);
    cJSON_Delete(root);
}

int pw_lock_save(const char *path, const pw_lock *lock, bool *changed, pw_error *err)
{
    pw_buf text = PW_BUF_INIT, existing = PW_BUF_INIT;
    pw_lock_serialize(lock, &text);
    pw_error ignored = {0};
    bool differs = pw_read_file(path, &existing, &ignored) != PW_OK || existing.len != text.len ||
                   memcmp(existing.data, text.data, text.len) != 0;
    pw_error_clear(&ignored);
    int rc = differs ? pw_write_file_atomic(path, text.data, text.len, err) : PW_OK;
    if (changed)
        *changed = differs && rc == PW_OK;
    pw_buf_free(&text);
    pw_buf_free(&existing);
    return rc;
}

/* ------------------------------------------------------------------ parse */

typedef struct lock_reader {
    const char *origin;
    const char *where; /* "release", "package 'numpy'" ... for messages */
    pw_error *err;
} lock_reader;

static int field_error(lock_reader *rd, const char *key, const char *expected)
{
    return pw_error_set(rd->err, PW_EINVAL, "%s: %s: field '%s' must be %s", rd->origin,
                        rd->where, key, expected);
}

/* Reads an optional-or-required string field; null is allowed when !required. */
static int read_string(lock_reader *rd, const cJSON *obj, const char *key, bool required,
                       char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v)) {
        if (required)
            return field_error(rd, key, "a string");
        *out = NULL;
        return PW_OK;
    }
    if (!cJSON_IsString(v))
        return field_error(rd, key, required ? "a string" : "a string or null");
    *out = pw_xstrdup(v->valuestring);
    return PW_OK;
}

static int read_strlist(lock_reader *rd, const cJSON *obj, const char *key, bool required,
                        pw_strlist *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        if (required)
            return field_error(rd, key, "a list of strings");
        return PW_OK;
    }
    if (!cJSON_IsArray(v))
        return field_error(rd, key, "a list of strings");
    for (const cJSON *item = v->child; item; item = item->next) {
        if (!cJSON_IsString(item))
            return field_error(rd, key, "a list of strings");
        pw_strlist_push(out, item->valuestring);
    }
    return PW_OK;
}

static int read_package(lock_reader *rd, const cJSON *obj, pw_lock *lock, size_t index)
{
    pw_buf where = PW_BUF_INIT;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
    if (cJSON_IsString(name))
        pw_buf_printf(&where, "package '%s'", name->valuestring);
    else
        pw_buf_printf(&where, "packages[%zu]", index);
    rd->where = pw_buf_cstr(&where);

    int rc = PW_OK;
    if (!cJSON_IsObject(obj)) {
        rc = pw_error_set(rd->err, PW_EINVAL, "%s: %s: expected an object", rd->origin, rd->where);
        goto done;
    }
    if (!cJSON_IsString(name)) {
        rc = field_error(rd, "name", "a string");
        goto done;
    }
    /* Lookups compare normalized names: a lock holds only those. */
    char *normalized = pw_normalize_name(name->valuestring);
    bool is_normalized = strcmp(normalized, name->valuestring) == 0 && *normalized;
    free(normalized);
    if (!is_normalized) {
        rc = field_error(rd, "name", "a normalized project name (PEP 503)");
        goto done;
    }
    pw_lock_package *p = pw_lock_add_package(lock, name->valuestring);
    if ((rc = read_string(rd, obj, "version", true, &p->version)) ||
        (rc = read_string(rd, obj, "file_name", true, &p->file_name)) ||
        (rc = read_string(rd, obj, "url", true, &p->url)) ||
        (rc = read_string(rd, obj, "sha256", true, &p->sha256)) ||
        (rc = read_string(rd, obj, "source", true, &p->source)) ||
        (rc = read_string(rd, obj, "index", false, &p->index)) ||
        (rc = read_string(rd, obj, "package_type", true, &p->package_type)) ||
        (rc = read_string(rd, obj, "install_dir", true, &p->install_dir)) ||
        (rc = read_string(rd, obj, "requires_python", false, &p->requires_python)) ||
        (rc = read_string(rd, obj, "git_commit", false, &p->git_commit)) ||
        (rc = read_strlist(rd, obj, "imports", true, &p->imports)) ||
        (rc = read_strlist(rd, obj, "dependencies", true, &p->dependencies)) ||
        (rc = read_strlist(rd, obj, "extras", false, &p->extras)) ||
        (rc = read_strlist(rd, obj, "requested", true, &p->requested)) ||
        (rc = read_strlist(rd, obj, "required_by", true, &p->required_by)))
        goto done;
    if (!pw_is_sha256_hex(p->sha256)) {
        rc = field_error(rd, "sha256", "64 hexadecimal digits");
        goto done;
    }
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(obj, "size");
    /* Exact integers only: a double beyond 2^53 (or out of int64_t's range)
     * is not a byte count, and converting it would be undefined. */
    if (cJSON_IsNumber(size) && size->valuedouble >= 0 &&
        size->valuedouble <= 9007199254740992.0 &&
        size->valuedouble == (double)(int64_t)size->valuedouble)
        p->size = (int64_t)size->valuedouble;
    else if (size && !cJSON_IsNull(size))
        rc = field_error(rd, "size", "a non-negative integer or null");
done:
    pw_buf_free(&where);
    rd->where = "";
    return rc;
}

static int read_true(lock_reader *rd, const cJSON *obj, const char *key, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v && !cJSON_IsBool(v))
        return field_error(rd, key, "true or false");
    *out = cJSON_IsTrue(v);
    return PW_OK;
}

static int read_options(lock_reader *rd, const cJSON *obj, pw_lock_options *o)
{
    rd->where = "resolution";
    if (!cJSON_IsObject(obj))
        return pw_error_set(rd->err, PW_EINVAL, "%s: field 'resolution' must be an object",
                            rd->origin);
    o->recorded = true;
    int rc;
    if ((rc = read_string(rd, obj, "requirements", false, &o->requirements)) ||
        (rc = read_string(rd, obj, "project", false, &o->project)) ||
        (rc = read_strlist(rd, obj, "extras", false, &o->extras)) ||
        (rc = read_strlist(rd, obj, "groups", false, &o->groups)) ||
        (rc = read_string(rd, obj, "pyodide", false, &o->pyodide)) ||
        (rc = read_string(rd, obj, "compat_date", false, &o->compat_date)) ||
        (rc = read_strlist(rd, obj, "compat_flags", false, &o->compat_flags)) ||
        (rc = read_string(rd, obj, "env", false, &o->wrangler_env)) ||
        (rc = read_string(rd, obj, "pyodide_index", false, &o->pyodide_index)) ||
        (rc = read_string(rd, obj, "pyodide_base_url", false, &o->pyodide_base_url)) ||
        (rc = read_true(rd, obj, "no_remote_artifacts", &o->no_remote_artifacts)) ||
        (rc = read_string(rd, obj, "index_url", false, &o->index_url)) ||
        (rc = read_strlist(rd, obj, "extra_index_urls", false, &o->extra_index_urls)) ||
        (rc = read_strlist(rd, obj, "find_links", false, &o->find_links)) ||
        (rc = read_strlist(rd, obj, "from_index", false, &o->from_index)) ||
        (rc = read_true(rd, obj, "no_index", &o->no_index)) ||
        (rc = read_true(rd, obj, "pre", &o->pre)) ||
        (rc = read_string(rd, obj, "exclude_newer", false, &o->exclude_newer)))
        return rc;
    const cJSON *strategy = cJSON_GetObjectItemCaseSensitive(obj, "index_strategy");
    if (strategy) {
        if (!cJSON_IsString(strategy) || (strcmp(strategy->valuestring, "unsafe-best-match") != 0 &&
                                          strcmp(strategy->valuestring, "first-index") != 0))
            return field_error(rd, "index_strategy", "\"first-index\" or \"unsafe-best-match\"");
        o->best_match = strcmp(strategy->valuestring, "unsafe-best-match") == 0;
    }
    return PW_OK;
}

int pw_lock_parse(const char *origin, const char *text, size_t len, pw_lock *out, pw_error *err)
{
    pw_lock_init(out);
    cJSON *root = NULL;
    int rc = pw_json_parse(origin, text, len, &root, err);
    if (rc)
        return rc;
    lock_reader rd = {origin, "top level", err};
    if (!cJSON_IsObject(root)) {
        rc = pw_error_set(err, PW_EINVAL, "%s: expected a JSON object", origin);
        goto done;
    }
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "lock_version");
    if (!cJSON_IsNumber(version)) {
        rc = field_error(&rd, "lock_version", "a number");
        goto done;
    }
    if (version->valuedouble < PW_LOCK_SCHEMA_OLDEST ||
        version->valuedouble > PW_LOCK_SCHEMA_VERSION ||
        version->valuedouble != (double)version->valueint) {
        rc = pw_error_set(err, PW_EUNSUPPORTED,
                          "%s: lock_version %d is not supported (this pwpkg reads versions %d "
                          "to %d)",
                          origin, version->valueint, PW_LOCK_SCHEMA_OLDEST,
                          PW_LOCK_SCHEMA_VERSION);
        if (version->valuedouble != (double)version->valueint)
            rc = pw_error_set(err, PW_EINVAL, "%s: field 'lock_version' must be an integer",
                              origin);
        goto done;
    }
    const cJSON *rel = cJSON_GetObjectItemCaseSensitive(root, "release");
    if (!cJSON_IsObject(rel)) {
        rc = field_error(&rd, "release", "an object");
        goto done;
    }
    rd.where = "release";
    pw_lock_release *r = &out->release;
    if ((rc = read_string(&rd, rel, "pyodide", true, &r->pyodide)) ||
        (rc = read_string(&rd, rel, "index_release", false, &r->index_release)) ||
        (rc = read_string(&rd, rel, "python", true, &r->python)) ||
        (rc = read_string(&rd, rel, "abi_version", false, &r->abi_version)) ||
        (rc = read_string(&rd, rel, "platform", true, &r->platform)) ||
        (rc = read_string(&rd, rel, "wheel_platform", false, &r->wheel_platform)) ||
        (rc = read_string(&rd, rel, "arch", false, &r->arch)) ||
        (rc = read_string(&rd, rel, "index_url", false, &r->index_url)) ||
        (rc = read_string(&rd, rel, "index_sha256", false, &r->index_sha256)) ||
        (rc = read_string(&rd, rel, "selected_by", false, &r->selected_by)))
        goto done;

    out->schema_version = version->valueint;
    const cJSON *resolution = cJSON_GetObjectItemCaseSensitive(root, "resolution");
    if (resolution && (rc = read_options(&rd, resolution, &out->options)))
        goto done;

    const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(root, "inputs");
    if (!cJSON_IsObject(inputs)) {
        rd.where = "top level";
        rc = field_error(&rd, "inputs", "an object");
        goto done;
    }
    rd.where = "inputs";
    if ((rc = read_string(&rd, inputs, "digest", false, &out->inputs_digest)) ||
        (rc = read_strlist(&rd, inputs, "files", false, &out->inputs)) ||
        (rc = read_strlist(&rd, inputs, "requirements", false, &out->requirements)) ||
        (rc = read_strlist(&rd, inputs, "dropped", false, &out->dropped)))
        goto done;

    const cJSON *prov = cJSON_GetObjectItemCaseSensitive(root, "provenance");
    if (prov) {
        rd.where = "provenance";
        const cJSON *dirty = cJSON_GetObjectItemCaseSensitive(prov, "dirty");
        if (!cJSON_IsObject(prov) || !cJSON_IsBool(dirty)) {
            rc = field_error(&rd, "dirty", "true or false");
            goto done;
        }
        if ((rc = read_string(&rd, prov, "commit", true, &out->provenance.commit)))
            goto done;
        out->provenance.dirty = cJSON_IsTrue(dirty);
    }
    const cJSON *packages = cJSON_GetObjectItemCaseSensitive(root, "packages");
    if (!cJSON_IsArray(packages)) {
        rd.where = "top level";
        rc = field_error(&rd, "packages", "a list");
        goto done;
    }
    size_t index = 0;
    for (const cJSON *p = packages->child; p; p = p->next, index++)
        if ((rc = read_package(&rd, p, out, index)))
            goto done;
    pw_lock_sort(out);
    for (size_t i = 1; i < out->n_packages; i++) {
        if (strcmp(out->packages[i - 1].name, out->packages[i].name) == 0) {
            rc = pw_error_set(err, PW_EINVAL, "%s: package '%s' is listed twice", origin,
                              out->packages[i].name);
            goto done;
        }
    }
done:
    cJSON_Delete(root);
    if (rc)
        pw_lock_free(out);
    return rc;
}

int pw_lock_load(const char *path, pw_lock *out, pw_error *err)
{
    pw_buf text = PW_BUF_INIT;
    int rc = pw_read_file(path, &text, err);
    if (rc == PW_OK)
        rc = pw_lock_parse(path, pw_buf_cstr(&text), text.len, out, err);
    else
        pw_lock_init(out);
    pw_buf_free(&text);
    return rc;
}
