/*
 * pyproject.toml as the input of `pwpkg lock`:
 *   [project].dependencies                    PEP 621, always;
 *   [project.optional-dependencies].NAME      with --extra NAME;
 *   [dependency-groups].NAME                  PEP 735, with --group NAME,
 *                                             including {include-group = ...}.
 * The requirements land in a pw_reqfile, as if they had been written in a
 * requirements file, so that everything after reading is shared.
 */
#include "pyproject.h"
#include "toml.h"

#include <stdlib.h>
#include <string.h>

#define MAX_GROUP_DEPTH 32

typedef struct pyproject_reader {
    const char *path;
    const pw_toml_value *root;
    pw_reqfile *out;
    pw_strlist group_stack; /* for PEP 735 include cycles */
    pw_error *err;
} pyproject_reader;

static int add_requirement(pyproject_reader *rd, const pw_toml_value *item, const char *where)
{
    const char *text = pw_toml_string(item);
    size_t line = pw_toml_line(item);
    if (!text || pw_toml_type_of(item) != PW_TOML_STRING)
        return pw_error_set(rd->err, PW_EINVAL, "%s:%zu: %s: expected a requirement string",
                            rd->path, line, where);
    pw_reqfile *rf = rd->out;
    pw_reqfile_entry entry;
    memset(&entry, 0, sizeof(entry));
    int rc = pw_requirement_parse(pw_slice_from(text), &entry.req, rd->err);
    if (rc)
        return pw_error_wrap(rd->err, "%s:%zu: %s", rd->path, line, where);
    entry.text = pw_xstrdup(text);
    entry.file = pw_xstrdup(rd->path);
    entry.line = line;
    rf->requirements = pw_xrealloc(rf->requirements,
                                   (rf->n_requirements + 1) * sizeof(*rf->requirements));
    rf->requirements[rf->n_requirements++] = entry;
    return PW_OK;
}

static int add_list(pyproject_reader *rd, const pw_toml_value *list, const char *where)
{
    if (pw_toml_type_of(list) != PW_TOML_ARRAY)
        return pw_error_set(rd->err, PW_EINVAL, "%s:%zu: %s must be an array of requirement strings",
                            rd->path, pw_toml_line(list), where);
    for (size_t i = 0; i < pw_toml_len(list); i++) {
        int rc = add_requirement(rd, pw_toml_at(list, i), where);
        if (rc)
            return rc;
    }
    return PW_OK;
}

/* PEP 735: group names compare normalized, like project names. */
static const pw_toml_value *find_normalized(const pw_toml_value *table, const char *name)
{
    char *want = pw_normalize_name(name);
    const pw_toml_value *found = NULL;
    for (size_t i = 0; i < pw_toml_len(table) && !found; i++) {
        char *key = pw_normalize_name(pw_toml_key_at(table, i));
        if (strcmp(key, want) == 0)
            found = pw_toml_at(table, i);
        free(key);
    }
    free(want);
    return found;
}

static int add_group(pyproject_reader *rd, const char *name, size_t line)
{
    const pw_toml_value *groups = pw_toml_get(rd->root, "dependency-groups");
    const pw_toml_value *group = groups ? find_normalized(groups, name) : NULL;
    if (!group)
        return pw_error_set(rd->err, PW_EINVAL, "%s:%zu: no dependency group '%s' in [dependency-groups]",
                            rd->path, line, name);
    char *key = pw_normalize_name(name);
    if (pw_strlist_contains(&rd->group_stack, key) || rd->group_stack.len >= MAX_GROUP_DEPTH) {
        int rc = pw_error_set(rd->err, PW_EINVAL,
                              "%s:%zu: dependency group '%s' includes itself (PEP 735 forbids cycles)",
                              rd->path, pw_toml_line(group), name);
        free(key);
        return rc;
    }
    pw_strlist_push_owned(&rd->group_stack, key);
    int rc = PW_OK;
    if (pw_toml_type_of(group) != PW_TOML_ARRAY) {
        rc = pw_error_set(rd->err, PW_EINVAL, "%s:%zu: dependency group '%s' must be an array",
                          rd->path, pw_toml_line(group), name);
        goto done;
    }
    pw_buf where = PW_BUF_INIT;
    pw_buf_printf(&where, "dependency group '%s'", name);
    for (size_t i = 0; i < pw_toml_len(group) && rc == PW_OK; i++) {
        const pw_toml_value *item = pw_toml_at(group, i);
        if (pw_toml_type_of(item) == PW_TOML_TABLE) {
            const char *include = pw_toml_string(pw_toml_get(item, "include-group"));
            if (!include || pw_toml_len(item) != 1)
                rc = pw_error_set(rd->err, PW_EINVAL,
                                  "%s:%zu: %s: expected a requirement string or "
                                  "{include-group = \"NAME\"}",
                                  rd->path, pw_toml_line(item), where.data);
            else
                rc = add_group(rd, include, pw_toml_line(item));
        } else {
            rc = add_requirement(rd, item, where.data);
        }
    }
    pw_buf_free(&where);
done:
    free(rd->group_stack.items[--rd->group_stack.len]);
    return rc;
}

int pw_pyproject_read(const char *path, const pw_strlist *extras, const pw_strlist *groups,
                      pw_reqfile *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    pw_buf text = PW_BUF_INIT;
    int rc = pw_read_file(path, &text, err);
    if (rc) {
        pw_buf_free(&text);
        return rc;
    }
    pw_toml_value *root = NULL;
    rc = pw_toml_parse(path, pw_buf_cstr(&text), text.len, &root, err);
    pw_buf_free(&text);
    if (rc)
        return rc;
    pyproject_reader rd = {path, root, out, PW_STRLIST_INIT, err};
    pw_strlist_push(&out->files, path);

    const pw_toml_value *project = pw_toml_get(root, "project");
    const pw_toml_value *deps = project ? pw_toml_get(project, "dependencies") : NULL;
    if (project && pw_toml_type_of(project) != PW_TOML_TABLE) {
        rc = pw_error_set(err, PW_EINVAL, "%s:%zu: [project] must be a table", path,
                          pw_toml_line(project));
        goto done;
    }
    if (!project && (!groups || groups->len == 0)) {
        rc = pw_error_set(err, PW_EINVAL,
                          "%s: no [project] table: pwpkg reads [project].dependencies "
                          "(PEP 621) or --group from [dependency-groups] (PEP 735)",
                          path);
        goto done;
    }
    if (deps && (rc = add_list(&rd, deps, "[project].dependencies")))
        goto done;
    for (size_t i = 0; extras && i < extras->len; i++) {
        const pw_toml_value *optional = project ? pw_toml_get(project, "optional-dependencies") : NULL;
        const pw_toml_value *list = optional ? find_normalized(optional, extras->items[i]) : NULL;
        if (!list) {
            rc = pw_error_set(err, PW_EINVAL,
                              "%s: --extra %s: no such extra in [project.optional-dependencies]",
                              path, extras->items[i]);
            goto done;
        }
        pw_buf where = PW_BUF_INIT;
        pw_buf_printf(&where, "optional dependency '%s'", extras->items[i]);
        rc = add_list(&rd, list, where.data);
        pw_buf_free(&where);
        if (rc)
            goto done;
    }
    for (size_t i = 0; groups && i < groups->len; i++)
        if ((rc = add_group(&rd, groups->items[i], 0)))
            goto done;
done:
    pw_strlist_free(&rd.group_stack);
    pw_toml_free(root);
    if (rc)
        pw_reqfile_free(out);
    return rc;
}
