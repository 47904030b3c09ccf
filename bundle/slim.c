/* Slimming from traces: which installed paths a slim bundle keeps
 * (bundle.h, pw_bundle_slim; docs/bundle.md, "Slimming from a trace"). */
#include "bundle_private.h"
#include "archive_libraries.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

static int path_cmp(const void *key, const void *item)
{
    return strcmp(key, *(char *const *)item);
}

bool pw_bundle_slim_keeps(const pw_bundle_slim *slim, const char *path)
{
    /* A distribution stays one: importlib.metadata, pip and pwpkg's own
     * checks read its .dist-info, whose RECORD is rewritten for what is
     * kept. */
    size_t top = strcspn(path, "/");
    if (top > 10 && memcmp(path + top - 10, ".dist-info", 10) == 0)
        return true;
    if (slim->traced && slim->traced->len &&
        bsearch(path, slim->traced->items, slim->traced->len, sizeof(char *), path_cmp))
        return true;
    for (size_t i = 0; slim->keep && i < slim->keep->len; i++)
        if (pw_bundle_glob_matches(slim->keep->items[i], path))
            return true;
    return false;
}

static const struct {
    const char *name;
    unsigned mask;
} strip_names[] = {
    {"pycache", PW_STRIP_PYCACHE},
    {"stubs", PW_STRIP_STUBS},
    {"tests", PW_STRIP_TESTS},
};

static cJSON *strlist_json(const pw_strlist *l)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; l && i < l->len; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(l->items[i]));
    return a;
}

cJSON *pw_bundle_slimming_json(unsigned strip, const pw_strlist *exclude,
                               const pw_bundle_slim *slim)
{
    if (!strip && (!exclude || !exclude->len) && !slim)
        return NULL;
    cJSON *j = cJSON_CreateObject();
    cJSON *names = cJSON_AddArrayToObject(j, "strip");
    for (size_t i = 0; i < sizeof(strip_names) / sizeof(strip_names[0]); i++)
        if (strip & strip_names[i].mask)
            cJSON_AddItemToArray(names, cJSON_CreateString(strip_names[i].name));
    cJSON_AddItemToObject(j, "exclude", strlist_json(exclude));
    if (slim) {
        cJSON *s = cJSON_AddObjectToObject(j, "slim");
        cJSON_AddItemToObject(s, "traced", strlist_json(slim->traced));
        cJSON_AddItemToObject(s, "keep", strlist_json(slim->keep));
        cJSON_AddItemToObject(s, "traces", strlist_json(slim->sources));
    }
    return j;
}

/* A list of strings at obj[key]; false when present and not one. */
static bool read_strings(const cJSON *obj, const char *key, pw_strlist *out)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!a)
        return true;
    if (!cJSON_IsArray(a))
        return false;
    const cJSON *v;
    cJSON_ArrayForEach(v, a) {
        if (!cJSON_IsString(v))
            return false;
        pw_strlist_push(out, v->valuestring);
    }
    return true;
}

/* bundle.json of a zip bundle: its member at the root. */
static int read_zip_manifest(const char *path, pw_buf *out, pw_error *err)
{
    int zerr = 0;
    int loaded = pw_archive_libraries_load(err);
    if (loaded != PW_OK)
        return loaded;
    zip_t *za = zip_open(path, ZIP_RDONLY, &zerr);
    if (!za)
        return pw_error_set(err, zerr == ZIP_ER_NOENT ? PW_ENOTFOUND : PW_EIO,
                            "%s: cannot open as a zip (libzip error %d)", path, zerr);
    zip_stat_t st;
    zip_file_t *zf = NULL;
    int rc = PW_OK;
    if (zip_stat(za, PW_BUNDLE_MANIFEST, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
        st.size > (UINT64_C(256) << 20) || !(zf = zip_fopen(za, PW_BUNDLE_MANIFEST, 0))) {
        rc = pw_error_set(err, PW_ENOTFOUND, "%s: no %s inside", path, PW_BUNDLE_MANIFEST);
    } else {
        char buf[65536];
        zip_int64_t got;
        while ((got = zip_fread(zf, buf, sizeof(buf))) > 0)
            pw_buf_append(out, buf, (size_t)got);
        if (got < 0)
            rc = pw_error_set(err, PW_EIO, "%s: %s: %s", path, PW_BUNDLE_MANIFEST,
                              zip_file_strerror(zf));
        zip_fclose(zf);
    }
    zip_discard(za);
    return rc;
}

int pw_bundle_slimming_read(const char *path, pw_bundle_slimming *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    pw_buf text = PW_BUF_INIT;
    char *manifest = NULL;
    int rc;
    if (pw_is_dir(path)) {
        bool legacy = false;
        rc = pw_bundle_manifest_find(path, &manifest, &legacy, err);
        if (rc == PW_OK)
            rc = pw_read_file(manifest, &text, err);
    } else {
        pw_buf label = PW_BUF_INIT;
        pw_buf_printf(&label, "%s:%s", path, PW_BUNDLE_MANIFEST);
        manifest = pw_buf_detach(&label);
        rc = read_zip_manifest(path, &text, err);
    }
    cJSON *root = NULL;
    if (rc == PW_OK)
        rc = pw_json_parse(manifest, text.data ? text.data : "", text.len, &root, err);
    const cJSON *j = rc == PW_OK ? cJSON_GetObjectItemCaseSensitive(root, "slimming") : NULL;
    if (j) {
        pw_strlist names = PW_STRLIST_INIT;
        const cJSON *slim = cJSON_GetObjectItemCaseSensitive(j, "slim");
        bool ok = cJSON_IsObject(j) && read_strings(j, "strip", &names) &&
                  read_strings(j, "exclude", &out->exclude) && (!slim || cJSON_IsObject(slim));
        if (ok && slim) {
            out->has_slim = true;
            ok = read_strings(slim, "traced", &out->traced) &&
                 read_strings(slim, "keep", &out->keep) &&
                 read_strings(slim, "traces", &out->sources);
            pw_strlist_sort_unique(&out->traced);
            out->slim = (pw_bundle_slim){&out->traced, &out->keep, &out->sources};
        }
        if (ok)
            ok = pw_bundle_strip_parse(&names, &out->strip, err) == PW_OK;
        pw_strlist_free(&names);
        if (!ok) {
            pw_error_clear(err);
            rc = pw_error_set(err, PW_EINVAL,
                              "%s: \"slimming\": expected {\"strip\": [class...], \"exclude\": "
                              "[glob...], \"slim\": {\"traced\", \"keep\", \"traces\": [string...]}}",
                              manifest);
        }
    }
    cJSON_Delete(root);
    pw_buf_free(&text);
    free(manifest);
    if (rc != PW_OK)
        pw_bundle_slimming_free(out);
    return rc;
}

void pw_bundle_slimming_free(pw_bundle_slimming *s)
{
    if (!s)
        return;
    pw_strlist_free(&s->exclude);
    pw_strlist_free(&s->traced);
    pw_strlist_free(&s->keep);
    pw_strlist_free(&s->sources);
    memset(s, 0, sizeof(*s));
}
