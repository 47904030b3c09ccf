#include "pyodide_index.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

static const char *const install_dirs[] = {"site", "stdlib", "dynlib", NULL};
static const char *const package_types[] = {"package", "cpython_module", "shared_library",
                                            "static_library", NULL};

/* Where a field lives, for messages: "info" or "package 'numpy'". */
typedef struct field_ctx {
    const char *origin;
    const char *where;
    pw_error *err;
} field_ctx;

static int field_error(const field_ctx *c, const char *field, const char *fmt, ...) PW_PRINTF(3, 4);

static int field_error(const field_ctx *c, const char *field, const char *fmt, ...)
{
    pw_buf b = PW_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    pw_error_set(c->err, PW_EINVAL, "%s: %s: field '%s' %s", c->origin, c->where, field,
                 pw_buf_cstr(&b));
    pw_buf_free(&b);
    return PW_EINVAL;
}

/* Copies a string member into *out. A missing (or, when `nullable`, null)
 * member leaves *out NULL unless `required`. */
static int get_string(const field_ctx *c, const cJSON *obj, const char *field, bool required,
                      bool nullable, char **out)
{
    *out = NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
    if (!v || (nullable && cJSON_IsNull(v))) {
        if (required)
            return field_error(c, field, "is missing");
        return 0;
    }
    if (!cJSON_IsString(v) || !v->valuestring)
        return field_error(c, field, "must be a string%s", nullable ? " or null" : "");
    if (required && !*v->valuestring)
        return field_error(c, field, "must not be empty");
    *out = pw_xstrdup(v->valuestring);
    return 0;
}

static int get_bool(const field_ctx *c, const cJSON *obj, const char *field, bool *out,
                    bool *present)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
    if (present)
        *present = v != NULL;
    if (!v)
        return 0;
    if (!cJSON_IsBool(v))
        return field_error(c, field, "must be true or false");
    *out = cJSON_IsTrue(v);
    return 0;
}

static int get_string_list(const field_ctx *c, const cJSON *obj, const char *field, bool normalize,
                           pw_strlist *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
    if (!v)
        return 0;
    if (!cJSON_IsArray(v))
        return field_error(c, field, "must be a list of strings");
    for (const cJSON *item = v->child; item; item = item->next) {
        if (!cJSON_IsString(item) || !item->valuestring || !*item->valuestring)
            return field_error(c, field, "must be a list of non-empty strings");
        if (normalize) {
            char *name = pw_normalize_name(item->valuestring);
            if (!*name) { /* "-" or "._": no project name survives PEP 503 */
                free(name);
                return field_error(c, field, "must be a list of project names");
            }
            pw_strlist_push_owned(out, name);
        } else
            pw_strlist_push(out, item->valuestring);
    }
    return 0;
}

static int check_enum(const field_ctx *c, const char *field, const char *value,
                      const char *const *allowed)
{
    for (size_t i = 0; allowed[i]; i++) {
        if (strcmp(value, allowed[i]) == 0)
            return 0;
    }
    pw_buf list = PW_BUF_INIT;
    for (size_t i = 0; allowed[i]; i++)
        pw_buf_printf(&list, "%s%s", i ? ", " : "", allowed[i]);
    field_error(c, field, "must be one of %s, not '%s'", pw_buf_cstr(&list), value);
    pw_buf_free(&list);
    return PW_EINVAL;
}

static bool is_digits(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

char *pw_emscripten_version(const char *platform)
{
    static const char prefix[] = "emscripten_";
    if (!platform || strncmp(platform, prefix, sizeof(prefix) - 1) != 0)
        return NULL;
    const char *p = platform + sizeof(prefix) - 1;
    size_t parts = 0;
    pw_buf b = PW_BUF_INIT;
    while (true) {
        size_t n = strcspn(p, "_");
        if (!is_digits(p, n)) {
            pw_buf_free(&b);
            return NULL;
        }
        if (parts++)
            pw_buf_putc(&b, '.');
        pw_buf_append(&b, p, n);
        if (!p[n])
            break;
        p += n + 1;
    }
    if (parts != 3) {
        pw_buf_free(&b);
        return NULL;
    }
    return pw_buf_detach(&b);
}

/* "3.12.7" (or "3.12"): digits separated by dots, at least major.minor. */
static bool is_python_version(const char *s)
{
    size_t parts = 0;
    while (true) {
        size_t n = strcspn(s, ".");
        if (!is_digits(s, n))
            return false;
        parts++;
        if (!s[n])
            break;
        s += n + 1;
    }
    return parts >= 2 && parts <= 3;
}

static int parse_info(const char *origin, const cJSON *info, pw_pyodide_index *out, pw_error *err)
{
    field_ctx c = {origin, "info", err};
    if (!cJSON_IsObject(info))
        return pw_error_set(err, PW_EINVAL, "%s: 'info' must be a JSON object", origin);
    int rc = get_string(&c, info, "python", true, false, &out->python);
    if (rc == 0 && !is_python_version(out->python))
        rc = field_error(&c, "python", "must be a Python version like \"3.12.7\", not '%s'",
                         out->python);
    if (rc == 0)
        rc = get_string(&c, info, "platform", true, false, &out->platform);
    if (rc == 0 && !(out->emscripten = pw_emscripten_version(out->platform)))
        rc = field_error(&c, "platform", "must look like \"emscripten_3_1_58\", not '%s'",
                         out->platform);
    /* pyodide-lock: arch defaults to wasm32. */
    if (rc == 0)
        rc = get_string(&c, info, "arch", false, false, &out->arch);
    if (rc == 0 && !out->arch)
        out->arch = pw_xstrdup("wasm32");
    if (rc == 0 && strcmp(out->arch, "wasm32") != 0 && strcmp(out->arch, "wasm64") != 0)
        rc = field_error(&c, "arch", "must be wasm32 or wasm64, not '%s'", out->arch);
    if (rc == 0)
        rc = get_string(&c, info, "abi_version", false, true, &out->abi_version);
    if (rc == 0 && out->abi_version && !*out->abi_version)
        rc = field_error(&c, "abi_version", "must not be empty (use null)");
    /* Deprecated and not always right (0.28.3 says 0.28.0.dev0): kept as
     * written for the caller to judge. */
    if (rc == 0)
        rc = get_string(&c, info, "version", false, false, &out->version);
    return rc;
}

static void package_free(pw_pyodide_package *p)
{
    free(p->name);
    free(p->key);
    free(p->version);
    free(p->file_name);
    free(p->sha256);
    free(p->install_dir);
    free(p->package_type);
    pw_strlist_free(&p->imports);
    pw_strlist_free(&p->depends);
    memset(p, 0, sizeof(*p));
}

static void lowercase(char *s)
{
    for (; *s; s++) {
        if (*s >= 'A' && *s <= 'F')
            *s = (char)(*s - 'A' + 'a');
    }
}

static int parse_package(const char *origin, const cJSON *entry, pw_pyodide_package *p,
                         pw_error *err)
{
    memset(p, 0, sizeof(*p));
    pw_buf where = PW_BUF_INIT;
    pw_buf_printf(&where, "package '%s'", entry->string);
    field_ctx c = {origin, pw_buf_cstr(&where), err};
    int rc = 0;

    if (!cJSON_IsObject(entry)) {
        rc = pw_error_set(err, PW_EINVAL, "%s: %s must be a JSON object", origin, c.where);
        goto done;
    }
    p->key = pw_normalize_name(entry->string);
    if (!*p->key) {
        rc = pw_error_set(err, PW_EINVAL, "%s: %s: the package name is empty", origin, c.where);
        goto done;
    }
    if ((rc = get_string(&c, entry, "name", true, false, &p->name)) != 0 ||
        (rc = get_string(&c, entry, "version", true, false, &p->version)) != 0 ||
        (rc = get_string(&c, entry, "file_name", true, false, &p->file_name)) != 0 ||
        (rc = get_string(&c, entry, "sha256", true, false, &p->sha256)) != 0 ||
        (rc = get_string(&c, entry, "install_dir", true, false, &p->install_dir)) != 0 ||
        (rc = get_string(&c, entry, "package_type", false, false, &p->package_type)) != 0)
        goto done;
    if (!pw_is_sha256_hex(p->sha256)) {
        rc = field_error(&c, "sha256", "must be a 64-character hex string");
        goto done;
    }
    /* The map key and the name must be the same project (PEP 503), or a
     * lookup by name and a lookup by key would disagree. */
    char *name_key = pw_normalize_name(p->name);
    bool same = strcmp(name_key, p->key) == 0;
    free(name_key);
    if (!same) {
        rc = field_error(&c, "name", "must name the same project as its key");
        goto done;
    }
    lowercase(p->sha256);
    if ((rc = check_enum(&c, "install_dir", p->install_dir, install_dirs)) != 0)
        goto done;
    /* pyodide-lock: package_type defaults to "package". */
    if (!p->package_type)
        p->package_type = pw_xstrdup("package");
    if ((rc = check_enum(&c, "package_type", p->package_type, package_types)) != 0)
        goto done;
    if ((rc = get_string_list(&c, entry, "imports", false, &p->imports)) != 0 ||
        (rc = get_string_list(&c, entry, "depends", true, &p->depends)) != 0 ||
        (rc = get_bool(&c, entry, "unvendored_tests", &p->unvendored_tests, NULL)) != 0)
        goto done;
    /* The boolean is deprecated and gone after 0.26; package_type says the
     * same thing, except that 0.26 also flags cpython_modules that bundle a
     * library (hashlib), so an explicit value wins. */
    bool present = false;
    if ((rc = get_bool(&c, entry, "shared_library", &p->shared_library, &present)) != 0)
        goto done;
    if (!present)
        p->shared_library = strcmp(p->package_type, "shared_library") == 0;

done:
    if (rc != 0)
        package_free(p);
    pw_buf_free(&where);
    return rc;
}

static int compare_packages(const void *a, const void *b)
{
    return strcmp(((const pw_pyodide_package *)a)->key, ((const pw_pyodide_package *)b)->key);
}

int pw_pyodide_index_parse(const char *origin, const char *json, size_t len,
                           pw_pyodide_index *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = NULL;
    int rc = pw_json_parse(origin, json, len, &root, err);
    if (rc != 0)
        return rc;

    const cJSON *info = cJSON_GetObjectItemCaseSensitive(root, "info");
    const cJSON *packages = cJSON_GetObjectItemCaseSensitive(root, "packages");
    if (!cJSON_IsObject(root)) {
        rc = pw_error_set(err, PW_EINVAL, "%s: expected a JSON object with 'info' and 'packages'",
                          origin);
    } else if (!info) {
        rc = pw_error_set(err, PW_EINVAL, "%s: 'info' is missing", origin);
    } else if (!packages) {
        rc = pw_error_set(err, PW_EINVAL, "%s: 'packages' is missing", origin);
    } else if (!cJSON_IsObject(packages)) {
        rc = pw_error_set(err, PW_EINVAL, "%s: 'packages' must be a JSON object", origin);
    }
    if (rc == 0)
        rc = parse_info(origin, info, out, err);

    size_t n = 0;
    if (rc == 0) {
        for (const cJSON *e = packages->child; e; e = e->next)
            n++;
        if (n)
            out->packages = pw_xcalloc(n, sizeof(*out->packages));
    }
    for (const cJSON *e = rc == 0 ? packages->child : NULL; e; e = e->next) {
        rc = parse_package(origin, e, &out->packages[out->n_packages], err);
        if (rc != 0)
            break;
        out->n_packages++;
    }
    if (rc == 0 && out->n_packages > 1) {
        qsort(out->packages, out->n_packages, sizeof(*out->packages), compare_packages);
        for (size_t i = 1; i < out->n_packages; i++) {
            const pw_pyodide_package *a = &out->packages[i - 1], *b = &out->packages[i];
            if (strcmp(a->key, b->key) == 0) {
                rc = pw_error_set(err, PW_EINVAL,
                                  "%s: packages '%s' and '%s' have the same normalized name '%s'",
                                  origin, a->name, b->name, a->key);
                break;
            }
        }
    }
    cJSON_Delete(root);
    if (rc != 0) {
        pw_pyodide_index_free(out);
        return rc;
    }
    pw_sha256_hex(json, len, out->sha256);
    return 0;
}

/* Index of `key` in the sorted packages, or where it would go (*found false). */
static size_t search(const pw_pyodide_index *idx, const char *key, bool *found)
{
    size_t lo = 0, hi = idx->n_packages;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(idx->packages[mid].key, key);
        if (cmp == 0) {
            *found = true;
            return mid;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

const pw_pyodide_package *pw_pyodide_index_find(const pw_pyodide_index *idx, const char *name)
{
    if (!idx || !name)
        return NULL;
    char *key = pw_normalize_name(name);
    bool found;
    size_t i = search(idx, key, &found);
    free(key);
    return found ? &idx->packages[i] : NULL;
}

static char *dup_or_null(const char *s)
{
    return s ? pw_xstrdup(s) : NULL;
}

void pw_pyodide_index_add(pw_pyodide_index *idx, const pw_pyodide_package *pkg)
{
    pw_pyodide_package copy = {0};
    copy.key = pw_normalize_name(pkg->key ? pkg->key : pkg->name ? pkg->name : "");
    copy.name = pw_xstrdup(pkg->name ? pkg->name : copy.key);
    copy.version = dup_or_null(pkg->version);
    copy.file_name = dup_or_null(pkg->file_name);
    copy.sha256 = dup_or_null(pkg->sha256);
    if (copy.sha256)
        lowercase(copy.sha256);
    copy.install_dir = dup_or_null(pkg->install_dir);
    copy.package_type = dup_or_null(pkg->package_type);
    for (size_t i = 0; i < pkg->imports.len; i++)
        pw_strlist_push(&copy.imports, pkg->imports.items[i]);
    for (size_t i = 0; i < pkg->depends.len; i++)
        pw_strlist_push_owned(&copy.depends, pw_normalize_name(pkg->depends.items[i]));
    copy.unvendored_tests = pkg->unvendored_tests;
    copy.shared_library = pkg->shared_library;

    bool found;
    size_t at = search(idx, copy.key, &found);
    if (found) {
        package_free(&idx->packages[at]);
        idx->packages[at] = copy;
        return;
    }
    /* The struct has no capacity field: growing one slot at a time is fine
     * for the few hundred packages of a release. */
    idx->packages = pw_xrealloc(idx->packages, (idx->n_packages + 1) * sizeof(*idx->packages));
    memmove(&idx->packages[at + 1], &idx->packages[at],
            (idx->n_packages - at) * sizeof(*idx->packages));
    idx->packages[at] = copy;
    idx->n_packages++;
}

static void add_string(cJSON *obj, const char *key, const char *value)
{
    cJSON_AddItemToObject(obj, key, cJSON_CreateString(value ? value : ""));
}

static cJSON *string_array(const pw_strlist *l)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < l->len; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(l->items[i]));
    return a;
}

void pw_pyodide_index_write(const pw_pyodide_index *idx, pw_buf *out)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *info = cJSON_CreateObject();
    cJSON_AddItemToObject(root, "info", info);
    add_string(info, "arch", idx->arch ? idx->arch : "wasm32");
    add_string(info, "platform", idx->platform);
    add_string(info, "python", idx->python);
    if (idx->abi_version)
        add_string(info, "abi_version", idx->abi_version);

    cJSON *packages = cJSON_CreateObject();
    cJSON_AddItemToObject(root, "packages", packages);
    for (size_t i = 0; i < idx->n_packages; i++) {
        const pw_pyodide_package *p = &idx->packages[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToObject(packages, p->key, e);
        cJSON_AddItemToObject(e, "depends", string_array(&p->depends));
        add_string(e, "file_name", p->file_name);
        cJSON_AddItemToObject(e, "imports", string_array(&p->imports));
        add_string(e, "install_dir", p->install_dir ? p->install_dir : "site");
        add_string(e, "name", p->name ? p->name : p->key);
        add_string(e, "package_type", p->package_type ? p->package_type : "package");
        add_string(e, "sha256", p->sha256);
        cJSON_AddItemToObject(e, "unvendored_tests", cJSON_CreateBool(p->unvendored_tests));
        add_string(e, "version", p->version);
    }
    pw_json_write(root, out);
    cJSON_Delete(root);
}

void pw_pyodide_index_free(pw_pyodide_index *idx)
{
    if (!idx)
        return;
    free(idx->python);
    free(idx->platform);
    free(idx->arch);
    free(idx->abi_version);
    free(idx->version);
    free(idx->emscripten);
    for (size_t i = 0; i < idx->n_packages; i++)
        package_free(&idx->packages[i]);
    free(idx->packages);
    memset(idx, 0, sizeof(*idx));
}
