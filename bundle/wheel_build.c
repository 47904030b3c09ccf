/*
 * pw_bundle_build_wheel: a pure-Python wheel from static PEP 621 metadata.
 *
 * Specifications followed:
 *  - pyproject.toml [project] (PEP 621, "Declaring project metadata");
 *  - core metadata 2.1 (2.4 when PEP 639 License-Expression is used);
 *  - binary distribution format (PEP 427 and its living specification):
 *    file name escaping, WHEEL, RECORD (sha256, urlsafe base64 without
 *    padding), .dist-info placed last;
 *  - entry points file format (entry_points.txt).
 *
 * The backend's own configuration is read only for where the packages are;
 * every backend option that could change the wheel in a way not reproduced
 * here is refused with PW_EUNSUPPORTED rather than silently ignored.
 */
#include "wheel_build.h"

#include "bundle_private.h"
#include "archive_libraries.h"
#include "packaging.h"
#include "toml.h"

#include <zip.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WB_ZIP_LEVEL 9
#define WB_MAX_FILES 100000
#define WB_MAX_DEPTH 64
#define WB_FIND_LINKS_HINT                                                                         \
    "; build the wheel yourself (e.g. `pip wheel --no-deps <project>` or `python -m build "    \
    "--wheel`) and pass its directory with --find-links"

enum wb_backend { WB_SETUPTOOLS, WB_FLIT, WB_HATCH, WB_PDM, WB_UV, WB_POETRY };

static const struct {
    const char *name;
    enum wb_backend backend;
} known_backends[] = {
    {"setuptools.build_meta", WB_SETUPTOOLS},
    {"setuptools.build_meta:__legacy__", WB_SETUPTOOLS},
    {"flit_core.buildapi", WB_FLIT},
    {"hatchling.build", WB_HATCH},
    {"pdm.backend", WB_PDM},
    {"uv_build", WB_UV},
    {"poetry.core.masonry.api", WB_POETRY},
};

typedef struct wb_file {
    char *arc;    /* path inside the wheel */
    pw_buf data;  /* content */
} wb_file;

/* How a package directory is walked. */
enum wb_walk {
    WB_WALK_ALL,     /* everything below (hatch, flit, auto discovery...) */
    WB_WALK_PACKAGE, /* files and non-package subdirectories; subpackages are
                      * separate entries (setuptools' explicit package list) */
};

typedef struct wb {
    const char *dir;
    char *origin; /* <dir>/pyproject.toml */
    pw_toml_value *root;
    const pw_toml_value *project;
    enum wb_backend backend;
    char *name;        /* as written in [project].name */
    char *dist;        /* escaped: lowercase, runs of -_. as '_' */
    char *version;     /* PEP 440 normalized */
    char *import_name; /* default top-level module name */
    bool metadata_24;
    wb_file *files;
    size_t n_files, cap_files;
    pw_buf metadata;
    pw_buf entry_points;
} wb;

/* ---------------------------------------------------------------- helpers */

static int at_line(pw_error *err, int code, const wb *w, const pw_toml_value *v, const char *fmt,
                   ...) PW_PRINTF(5, 6);
static int at_line(pw_error *err, int code, const wb *w, const pw_toml_value *v, const char *fmt,
                   ...)
{
    pw_buf b = PW_BUF_INIT;
    size_t line = pw_toml_line(v);
    if (line)
        pw_buf_printf(&b, "%s:%zu: ", w->origin, line);
    else
        pw_buf_printf(&b, "%s: ", w->origin);
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    int rc = pw_error_set(err, code, "%s", b.data);
    pw_buf_free(&b);
    return rc;
}

/* A string value or NULL when absent; a value of another type is an error. */
static int opt_string(const wb *w, const pw_toml_value *table, const char *key, const char *where,
                      const char **out, pw_error *err)
{
    const pw_toml_value *v = pw_toml_get(table, key);
    *out = NULL;
    if (!v)
        return PW_OK;
    if (pw_toml_type_of(v) != PW_TOML_STRING)
        return at_line(err, PW_EINVAL, w, v, "%s.%s: expected a string", where, key);
    *out = pw_toml_string(v);
    return PW_OK;
}

/* An array of strings (absent: empty). */
static int opt_strings(const wb *w, const pw_toml_value *table, const char *key, const char *where,
                       pw_strlist *out, pw_error *err)
{
    const pw_toml_value *v = pw_toml_get(table, key);
    if (!v)
        return PW_OK;
    if (pw_toml_type_of(v) != PW_TOML_ARRAY)
        return at_line(err, PW_EINVAL, w, v, "%s.%s: expected an array of strings", where, key);
    for (size_t i = 0; i < pw_toml_len(v); i++) {
        const pw_toml_value *e = pw_toml_at(v, i);
        if (pw_toml_type_of(e) != PW_TOML_STRING)
            return at_line(err, PW_EINVAL, w, e, "%s.%s[%zu]: expected a string", where, key, i);
        pw_strlist_push(out, pw_toml_string(e));
    }
    return PW_OK;
}

static bool has_newline(const char *s)
{
    return strchr(s, '\n') || strchr(s, '\r');
}

/* A relative path that stays inside the project. */
static bool path_inside(const char *p)
{
    if (!p || !*p || p[0] == '/' || strchr(p, '\\'))
        return false;
    const char *s = p;
    while (*s) {
        size_t n = strcspn(s, "/");
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return false;
        s += n;
        if (*s == '/')
            s++;
    }
    return true;
}

static char *project_path(const wb *w, const char *rel)
{
    if (!*rel || strcmp(rel, ".") == 0)
        return pw_xstrdup(w->dir);
    return pw_path_join(w->dir, rel);
}

static int read_project_file(const wb *w, const pw_toml_value *v, const char *what,
                             const char *rel, pw_buf *out, pw_error *err)
{
    if (!path_inside(rel))
        return at_line(err, PW_EINVAL, w, v, "%s: \"%s\" must be a relative path inside the project",
                       what, rel);
    char *p = project_path(w, rel);
    int rc = pw_read_file(p, out, err);
    if (rc != PW_OK) {
        rc = at_line(err, pw_file_exists(p) ? PW_EIO : PW_ENOTFOUND, w, v, "%s: cannot read %s",
                     what, rel);
    }
    free(p);
    if (rc == PW_OK && !out->data)
        pw_buf_puts(out, "");
    return rc;
}

static void add_file(wb *w, const char *arc, pw_buf *data)
{
    PW_GROW(w->files, w->cap_files, w->n_files + 1);
    wb_file *f = &w->files[w->n_files++];
    f->arc = pw_xstrdup(arc);
    f->data = *data;
    pw_buf_init(data);
}

/* Folded header value (core metadata is RFC 822: continuation lines start
 * with whitespace; 8 spaces is what setuptools writes). */
static void put_folded(pw_buf *out, const char *field, const char *value)
{
    pw_buf_printf(out, "%s: ", field);
    for (const char *p = value; *p; p++) {
        if (*p == '\r')
            continue;
        pw_buf_putc(out, *p);
        if (*p == '\n')
            pw_buf_puts(out, "        ");
    }
    pw_buf_putc(out, '\n');
}

/* ------------------------------------------------------------ the backend */

static int check_backend(wb *w, pw_error *err)
{
    const pw_toml_value *bs = pw_toml_get(w->root, "build-system");
    const char *backend = NULL;
    int rc = opt_string(w, bs, "build-backend", "[build-system]", &backend, err);
    if (rc != PW_OK)
        return rc;
    if (pw_toml_get(bs, "backend-path"))
        return at_line(err, PW_EUNSUPPORTED, w, pw_toml_get(bs, "backend-path"),
                       "[build-system].backend-path: an in-tree build backend runs project code, "
                       "which pwpkg does not do" WB_FIND_LINKS_HINT);
    /* PEP 517: without build-backend, tools use setuptools' legacy backend. */
    if (!backend)
        backend = "setuptools.build_meta:__legacy__";
    for (size_t i = 0; i < sizeof known_backends / sizeof known_backends[0]; i++)
        if (strcmp(backend, known_backends[i].name) == 0) {
            w->backend = known_backends[i].backend;
            return PW_OK;
        }
    return at_line(err, PW_EUNSUPPORTED, w, pw_toml_get(bs, "build-backend"),
                   "build backend \"%s\" is not one pwpkg builds itself (it builds pure-Python "
                   "projects with setuptools, flit_core, hatchling, pdm-backend, uv_build or "
                   "poetry-core)" WB_FIND_LINKS_HINT,
                   backend);
}

/* Refuses every key of `table` not in `allowed` (NULL-terminated). */
static int only_keys(const wb *w, const pw_toml_value *table, const char *where,
                     const char *const *allowed, pw_error *err)
{
    for (size_t i = 0; i < pw_toml_len(table); i++) {
        const char *k = pw_toml_key_at(table, i);
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(k, *a) == 0;
        if (!ok)
            return at_line(err, PW_EUNSUPPORTED, w, pw_toml_at(table, i),
                           "%s.%s changes how the wheel is built and is not supported by pwpkg's "
                           "own builder" WB_FIND_LINKS_HINT,
                           where, k);
    }
    return PW_OK;
}

/* Strips comments and all whitespace from a setup.py. */
static void squeeze_python(const char *s, pw_buf *out)
{
    bool comment = false;
    for (; *s; s++) {
        if (*s == '#')
            comment = true;
        else if (*s == '\n')
            comment = false;
        if (!comment && !isspace((unsigned char)*s))
            pw_buf_putc(out, *s);
    }
}

static int check_setuptools_files(wb *w, pw_error *err)
{
    char *setup_py = pw_path_join(w->dir, "setup.py");
    char *setup_cfg = pw_path_join(w->dir, "setup.cfg");
    pw_buf text = PW_BUF_INIT, sq = PW_BUF_INIT;
    int rc = PW_OK;
    if (pw_file_exists(setup_py)) {
        /* A setup.py is code: only the do-nothing shim is known to add
         * nothing to [project]. */
        static const char *const shims[] = {
            "fromsetuptoolsimportsetupsetup()",
            "importsetuptoolssetuptools.setup()",
            "fromsetuptoolsimportsetupif__name__==\"__main__\":setup()",
            "fromsetuptoolsimportsetupif__name__=='__main__':setup()",
        };
        rc = pw_read_file(setup_py, &text, err);
        if (rc == PW_OK) {
            squeeze_python(pw_buf_cstr(&text), &sq);
            bool shim = false;
            for (size_t i = 0; i < sizeof shims / sizeof shims[0]; i++)
                shim = shim || strcmp(pw_buf_cstr(&sq), shims[i]) == 0;
            if (!shim)
                rc = pw_error_set(err, PW_EUNSUPPORTED,
                                  "%s: a setup.py that does more than call setup() needs "
                                  "setuptools to run it" WB_FIND_LINKS_HINT,
                                  setup_py);
        }
    }
    if (rc == PW_OK && pw_file_exists(setup_cfg)) {
        pw_buf_reset(&text);
        rc = pw_read_file(setup_cfg, &text, err);
        const char *p = pw_buf_cstr(&text);
        for (size_t line = 1; rc == PW_OK && *p; line++) {
            while (*p == ' ' || *p == '\t')
                p++;
            if (strncmp(p, "[options", 8) == 0)
                rc = pw_error_set(err, PW_EUNSUPPORTED,
                                  "%s:%zu: setup.cfg [options] sections are not read by pwpkg's "
                                  "own builder; move them to pyproject.toml" WB_FIND_LINKS_HINT,
                                  setup_cfg, line);
            p += strcspn(p, "\n");
            if (*p)
                p++;
        }
    }
    pw_buf_free(&text);
    pw_buf_free(&sq);
    free(setup_py);
    free(setup_cfg);
    return rc;
}

/* ---------------------------------------------------------- [project] */

static int read_identity(wb *w, pw_error *err)
{
    const pw_toml_value *project = pw_toml_get(w->root, "project");
    if (!project || pw_toml_type_of(project) != PW_TOML_TABLE) {
        const char *what = w->backend == WB_POETRY && pw_toml_get_path(w->root, "tool.poetry")
                               ? "poetry-core without PEP 621 [project] metadata (only "
                                 "[tool.poetry]) is not supported"
                               : "no [project] table (PEP 621): pwpkg builds only projects with "
                                 "static PEP 621 metadata";
        return pw_error_set(err, PW_EUNSUPPORTED, "%s: %s" WB_FIND_LINKS_HINT, w->origin, what);
    }
    w->project = project;
    pw_strlist dynamic = PW_STRLIST_INIT;
    int rc = opt_strings(w, project, "dynamic", "[project]", &dynamic, err);
    if (rc == PW_OK && dynamic.len > 0) {
        pw_buf list = PW_BUF_INIT;
        for (size_t i = 0; i < dynamic.len; i++)
            pw_buf_printf(&list, "%s%s", i ? ", " : "", dynamic.items[i]);
        rc = at_line(err, PW_EUNSUPPORTED, w, pw_toml_get(project, "dynamic"),
                     "[project].dynamic = [%s]: these fields are computed by the build backend "
                     "(version from a VCS tag or a module...), which pwpkg does not run; write "
                     "them statically in [project]" WB_FIND_LINKS_HINT " instead",
                     list.data);
        pw_buf_free(&list);
    }
    pw_strlist_free(&dynamic);
    if (rc != PW_OK)
        return rc;

    const char *name = NULL, *version = NULL;
    if ((rc = opt_string(w, project, "name", "[project]", &name, err)) != PW_OK ||
        (rc = opt_string(w, project, "version", "[project]", &version, err)) != PW_OK)
        return rc;
    if (!name)
        return at_line(err, PW_EINVAL, w, project, "[project].name is required");
    /* PEP 508 names: ASCII letters and digits, with . _ - inside. */
    size_t nl = strlen(name);
    bool ok = nl > 0 && isalnum((unsigned char)name[0]) && isalnum((unsigned char)name[nl - 1]);
    for (size_t i = 0; ok && i < nl; i++)
        ok = isalnum((unsigned char)name[i]) || strchr("._-", name[i]);
    if (!ok)
        return at_line(err, PW_EINVAL, w, pw_toml_get(project, "name"),
                       "[project].name \"%s\": expected letters, digits and . _ - (PEP 508), "
                       "starting and ending with a letter or digit",
                       name);
    if (!version)
        return at_line(err, PW_EUNSUPPORTED, w, project,
                       "[project].version is missing: pwpkg needs a static version "
                       "(\"dynamic\" versions come from the build backend)" WB_FIND_LINKS_HINT);
    pw_version v;
    pw_error verr = {0, NULL};
    if (pw_version_parse(pw_slice_from(version), &v, &verr) != PW_OK) {
        rc = at_line(err, PW_EINVAL, w, pw_toml_get(project, "version"),
                     "[project].version \"%s\" is not a PEP 440 version: %s", version,
                     pw_error_message(&verr));
        pw_error_clear(&verr);
        return rc;
    }
    pw_buf vb = PW_BUF_INIT;
    pw_version_format(&v, &vb);
    w->version = pw_buf_detach(&vb);
    w->name = pw_xstrdup(name);
    /* Binary distribution format: runs of -_. become '_', lowercase. */
    w->dist = pw_normalize_name(name);
    for (char *p = w->dist; *p; p++)
        if (*p == '-')
            *p = '_';
    w->import_name = pw_xstrdup(w->dist);
    return PW_OK;
}

static void put_people(pw_buf *md, const char *field, const char *email_field,
                       const pw_strlist *names, const pw_strlist *emails)
{
    if (names->len) {
        pw_buf_printf(md, "%s: ", field);
        for (size_t i = 0; i < names->len; i++)
            pw_buf_printf(md, "%s%s", i ? ", " : "", names->items[i]);
        pw_buf_putc(md, '\n');
    }
    if (emails->len) {
        pw_buf_printf(md, "%s: ", email_field);
        for (size_t i = 0; i < emails->len; i++)
            pw_buf_printf(md, "%s%s", i ? ", " : "", emails->items[i]);
        pw_buf_putc(md, '\n');
    }
}

/* PEP 621 authors/maintainers: name only → Author; email only or both →
 * Author-email, "name <email>" when both. */
static int read_people(wb *w, const char *key, const char *field, const char *email_field,
                       pw_buf *md, pw_error *err)
{
    const pw_toml_value *arr = pw_toml_get(w->project, key);
    if (!arr)
        return PW_OK;
    if (pw_toml_type_of(arr) != PW_TOML_ARRAY)
        return at_line(err, PW_EINVAL, w, arr, "[project].%s: expected an array of tables", key);
    pw_strlist names = PW_STRLIST_INIT, emails = PW_STRLIST_INIT;
    int rc = PW_OK;
    for (size_t i = 0; i < pw_toml_len(arr) && rc == PW_OK; i++) {
        const pw_toml_value *t = pw_toml_at(arr, i);
        const char *name = NULL, *email = NULL;
        if (pw_toml_type_of(t) != PW_TOML_TABLE) {
            rc = at_line(err, PW_EINVAL, w, t, "[project].%s[%zu]: expected a table with name "
                                               "and/or email",
                         key, i);
            break;
        }
        if ((rc = opt_string(w, t, "name", key, &name, err)) != PW_OK ||
            (rc = opt_string(w, t, "email", key, &email, err)) != PW_OK)
            break;
        if ((name && (has_newline(name) || strchr(name, ','))) || (email && has_newline(email))) {
            rc = at_line(err, PW_EINVAL, w, t,
                         "[project].%s[%zu]: a name must not contain a comma or a line break",
                         key, i);
            break;
        }
        if (name && email) {
            pw_buf b = PW_BUF_INIT;
            pw_buf_printf(&b, "%s <%s>", name, email);
            pw_strlist_push_owned(&emails, pw_buf_detach(&b));
        } else if (email) {
            pw_strlist_push(&emails, email);
        } else if (name) {
            pw_strlist_push(&names, name);
        }
    }
    if (rc == PW_OK)
        put_people(md, field, email_field, &names, &emails);
    pw_strlist_free(&names);
    pw_strlist_free(&emails);
    return rc;
}

static int read_license(wb *w, pw_buf *md, pw_error *err)
{
    const pw_toml_value *lic = pw_toml_get(w->project, "license");
    if (!lic)
        return PW_OK;
    if (pw_toml_type_of(lic) == PW_TOML_STRING) {
        /* PEP 639: an SPDX expression, core metadata 2.4. */
        const char *expr = pw_toml_string(lic);
        if (!*expr || has_newline(expr))
            return at_line(err, PW_EINVAL, w, lic, "[project].license: expected one SPDX "
                                                   "expression on one line");
        w->metadata_24 = true;
        pw_buf_printf(md, "License-Expression: %s\n", expr);
        return PW_OK;
    }
    if (pw_toml_type_of(lic) != PW_TOML_TABLE)
        return at_line(err, PW_EINVAL, w, lic,
                       "[project].license: expected an SPDX string, {text = ...} or {file = ...}");
    const char *text = NULL, *file = NULL;
    int rc;
    if ((rc = opt_string(w, lic, "text", "[project].license", &text, err)) != PW_OK ||
        (rc = opt_string(w, lic, "file", "[project].license", &file, err)) != PW_OK)
        return rc;
    if (!text == !file)
        return at_line(err, PW_EINVAL, w, lic,
                       "[project].license: expected exactly one of text or file (PEP 621)");
    if (text) {
        put_folded(md, "License", text);
        return PW_OK;
    }
    pw_buf content = PW_BUF_INIT;
    rc = read_project_file(w, lic, "[project].license.file", file, &content, err);
    if (rc == PW_OK)
        put_folded(md, "License", content.data);
    pw_buf_free(&content);
    return rc;
}

/* PEP 621 readme: a path (content type from the extension) or a table. */
static int read_readme(wb *w, const char **content_type, pw_buf *body, pw_error *err)
{
    const pw_toml_value *r = pw_toml_get(w->project, "readme");
    *content_type = NULL;
    if (!r)
        return PW_OK;
    const char *file = NULL, *text = NULL;
    int rc;
    if (pw_toml_type_of(r) == PW_TOML_STRING) {
        file = pw_toml_string(r);
        size_t n = strlen(file);
        if (n >= 3 && strcasecmp(file + n - 3, ".md") == 0)
            *content_type = "text/markdown";
        else if (n >= 4 && strcasecmp(file + n - 4, ".rst") == 0)
            *content_type = "text/x-rst";
        else if (n >= 4 && strcasecmp(file + n - 4, ".txt") == 0)
            *content_type = "text/plain";
        else
            return at_line(err, PW_EINVAL, w, r,
                           "[project].readme \"%s\": unknown extension; use .md, .rst or .txt, "
                           "or a table with content-type (PEP 621)",
                           file);
    } else if (pw_toml_type_of(r) == PW_TOML_TABLE) {
        if ((rc = opt_string(w, r, "file", "[project].readme", &file, err)) != PW_OK ||
            (rc = opt_string(w, r, "text", "[project].readme", &text, err)) != PW_OK ||
            (rc = opt_string(w, r, "content-type", "[project].readme", content_type, err)) !=
                PW_OK)
            return rc;
        if (!file == !text)
            return at_line(err, PW_EINVAL, w, r,
                           "[project].readme: expected exactly one of file or text (PEP 621)");
        if (!*content_type || has_newline(*content_type))
            return at_line(err, PW_EINVAL, w, r,
                           "[project].readme: content-type is required with a table (PEP 621)");
    } else {
        return at_line(err, PW_EINVAL, w, r, "[project].readme: expected a path or a table");
    }
    if (text) {
        pw_buf_puts(body, text);
        return PW_OK;
    }
    return read_project_file(w, r, "[project].readme", file, body, err);
}

/* One Requires-Dist line; `extra` (normalized) joins the requirement's own
 * marker as "(marker) and extra == "x"". */
static int put_requirement(wb *w, const pw_toml_value *v, const char *where, const char *extra,
                           pw_buf *md, pw_error *err)
{
    if (pw_toml_type_of(v) != PW_TOML_STRING)
        return at_line(err, PW_EINVAL, w, v, "%s: expected a PEP 508 requirement string", where);
    const char *text = pw_toml_string(v);
    pw_requirement req;
    pw_error perr = {0, NULL};
    if (pw_requirement_parse(pw_slice_from(text), &req, &perr) != PW_OK) {
        int rc = at_line(err, PW_EINVAL, w, v, "%s: \"%s\": %s", where, text,
                         pw_error_message(&perr));
        pw_error_clear(&perr);
        return rc;
    }
    int rc = PW_OK;
    if (extra) {
        pw_buf m = PW_BUF_INIT;
        if (req.marker) {
            pw_buf_putc(&m, '(');
            pw_marker_format(req.marker, &m);
            pw_buf_puts(&m, ") and ");
        }
        pw_buf_printf(&m, "extra == \"%s\"", extra);
        pw_marker *combined = NULL;
        if (pw_marker_parse(pw_slice_make(m.data, m.len), &combined, &perr) != PW_OK) {
            rc = at_line(err, PW_EINVAL, w, v, "%s: \"%s\": %s", where, text,
                         pw_error_message(&perr));
            pw_error_clear(&perr);
        } else {
            pw_marker_free(req.marker);
            req.marker = combined;
        }
        pw_buf_free(&m);
    }
    if (rc == PW_OK) {
        pw_buf_puts(md, "Requires-Dist: ");
        pw_requirement_format(&req, md);
        pw_buf_putc(md, '\n');
    }
    pw_requirement_free(&req);
    return rc;
}

static int simple_list(wb *w, const char *key, const char *field, bool joined, pw_buf *md,
                       pw_error *err)
{
    pw_strlist items = PW_STRLIST_INIT;
    int rc = opt_strings(w, w->project, key, "[project]", &items, err);
    for (size_t i = 0; rc == PW_OK && i < items.len; i++)
        if (has_newline(items.items[i]) || (joined && strchr(items.items[i], ',')))
            rc = at_line(err, PW_EINVAL, w, pw_toml_get(w->project, key),
                         "[project].%s[%zu]: must not contain a line break%s", key, i,
                         joined ? " or a comma" : "");
    if (rc == PW_OK && items.len) {
        if (joined) {
            pw_buf_printf(md, "%s: ", field);
            for (size_t i = 0; i < items.len; i++)
                pw_buf_printf(md, "%s%s", i ? "," : "", items.items[i]);
            pw_buf_putc(md, '\n');
        } else {
            for (size_t i = 0; i < items.len; i++)
                pw_buf_printf(md, "%s: %s\n", field, items.items[i]);
        }
    }
    pw_strlist_free(&items);
    return rc;
}

static int build_metadata(wb *w, pw_error *err)
{
    pw_buf fields = PW_BUF_INIT, body = PW_BUF_INIT;
    const pw_toml_value *p = w->project;
    const char *desc = NULL, *requires_python = NULL, *content_type = NULL;
    int rc = opt_string(w, p, "description", "[project]", &desc, err);
    if (rc == PW_OK && desc && has_newline(desc))
        rc = at_line(err, PW_EINVAL, w, pw_toml_get(p, "description"),
                     "[project].description: the summary must be one line (PEP 621)");
    if (rc == PW_OK && desc)
        pw_buf_printf(&fields, "Summary: %s\n", desc);
    if (rc == PW_OK)
        rc = simple_list(w, "keywords", "Keywords", true, &fields, err);
    if (rc == PW_OK)
        rc = read_people(w, "authors", "Author", "Author-email", &fields, err);
    if (rc == PW_OK)
        rc = read_people(w, "maintainers", "Maintainer", "Maintainer-email", &fields, err);
    if (rc == PW_OK)
        rc = read_license(w, &fields, err);
    if (rc == PW_OK)
        rc = simple_list(w, "classifiers", "Classifier", false, &fields, err);

    const pw_toml_value *urls = pw_toml_get(p, "urls");
    if (rc == PW_OK && urls && pw_toml_type_of(urls) != PW_TOML_TABLE)
        rc = at_line(err, PW_EINVAL, w, urls, "[project].urls: expected a table of label = URL");
    for (size_t i = 0; rc == PW_OK && i < pw_toml_len(urls); i++) {
        const pw_toml_value *u = pw_toml_at(urls, i);
        const char *label = pw_toml_key_at(urls, i);
        if (pw_toml_type_of(u) != PW_TOML_STRING || has_newline(pw_toml_string(u)) ||
            has_newline(label) || strchr(label, ','))
            rc = at_line(err, PW_EINVAL, w, u,
                         "[project].urls.%s: expected a URL string (and a label without comma)",
                         label);
        else
            pw_buf_printf(&fields, "Project-URL: %s, %s\n", label, pw_toml_string(u));
    }

    if (rc == PW_OK)
        rc = opt_string(w, p, "requires-python", "[project]", &requires_python, err);
    if (rc == PW_OK && requires_python) {
        pw_specifier_set set = PW_SPECIFIER_SET_INIT;
        pw_error serr = {0, NULL};
        if (pw_specifier_set_parse(pw_slice_from(requires_python), &set, &serr) != PW_OK)
            rc = at_line(err, PW_EINVAL, w, pw_toml_get(p, "requires-python"),
                         "[project].requires-python \"%s\": %s", requires_python,
                         pw_error_message(&serr));
        else
            pw_buf_printf(&fields, "Requires-Python: " PW_SLICE_FMT "\n",
                          PW_SLICE_ARG(pw_slice_trim(pw_slice_from(requires_python))));
        pw_error_clear(&serr);
        pw_specifier_set_free(&set);
    }

    const pw_toml_value *deps = pw_toml_get(p, "dependencies");
    if (rc == PW_OK && deps && pw_toml_type_of(deps) != PW_TOML_ARRAY)
        rc = at_line(err, PW_EINVAL, w, deps, "[project].dependencies: expected an array of "
                                              "PEP 508 strings");
    for (size_t i = 0; rc == PW_OK && i < pw_toml_len(deps); i++)
        rc = put_requirement(w, pw_toml_at(deps, i), "[project].dependencies", NULL, &fields, err);

    const pw_toml_value *opt = pw_toml_get(p, "optional-dependencies");
    if (rc == PW_OK && opt && pw_toml_type_of(opt) != PW_TOML_TABLE)
        rc = at_line(err, PW_EINVAL, w, opt, "[project].optional-dependencies: expected a table");
    pw_strlist extras = PW_STRLIST_INIT;
    for (size_t i = 0; rc == PW_OK && i < pw_toml_len(opt); i++) {
        const char *raw = pw_toml_key_at(opt, i);
        const pw_toml_value *list = pw_toml_at(opt, i);
        /* PEP 685: extras are written and compared normalized. */
        char *extra = pw_normalize_name(raw);
        bool valid = *extra && isalnum((unsigned char)extra[0]);
        for (const char *c = extra; valid && *c; c++)
            valid = isalnum((unsigned char)*c) || *c == '-';
        if (!valid)
            rc = at_line(err, PW_EINVAL, w, list,
                         "[project].optional-dependencies: \"%s\" is not a valid extra name", raw);
        else if (pw_strlist_contains(&extras, extra))
            rc = at_line(err, PW_EINVAL, w, list,
                         "[project].optional-dependencies: extra \"%s\" given twice (after "
                         "normalization)",
                         extra);
        else if (pw_toml_type_of(list) != PW_TOML_ARRAY)
            rc = at_line(err, PW_EINVAL, w, list,
                         "[project].optional-dependencies.%s: expected an array of PEP 508 "
                         "strings",
                         raw);
        if (rc == PW_OK) {
            pw_buf_printf(&fields, "Provides-Extra: %s\n", extra);
            pw_strlist_push(&extras, extra);
            pw_buf where = PW_BUF_INIT;
            pw_buf_printf(&where, "[project].optional-dependencies.%s", raw);
            for (size_t k = 0; rc == PW_OK && k < pw_toml_len(list); k++)
                rc = put_requirement(w, pw_toml_at(list, k), where.data, extra, &fields, err);
            pw_buf_free(&where);
        }
        free(extra);
    }
    pw_strlist_free(&extras);

    if (rc == PW_OK)
        rc = read_readme(w, &content_type, &body, err);
    if (rc == PW_OK && content_type)
        pw_buf_printf(&fields, "Description-Content-Type: %s\n", content_type);

    if (rc == PW_OK) {
        pw_buf_printf(&w->metadata, "Metadata-Version: %s\nName: %s\nVersion: %s\n",
                      w->metadata_24 ? "2.4" : "2.1", w->name, w->version);
        pw_buf_append(&w->metadata, fields.data, fields.len);
        if (body.len) {
            pw_buf_putc(&w->metadata, '\n');
            pw_buf_append(&w->metadata, body.data, body.len);
            if (body.data[body.len - 1] != '\n')
                pw_buf_putc(&w->metadata, '\n');
        }
    }
    pw_buf_free(&fields);
    pw_buf_free(&body);
    return rc;
}

/* entry_points.txt: [project.scripts] → console_scripts, [project.gui-scripts]
 * → gui_scripts, [project.entry-points.<group>] as they are. */
static int entry_group(wb *w, const pw_toml_value *t, const char *where, const char *group,
                       pw_error *err)
{
    if (!t)
        return PW_OK;
    if (pw_toml_type_of(t) != PW_TOML_TABLE)
        return at_line(err, PW_EINVAL, w, t, "%s: expected a table of name = \"module:object\"",
                       where);
    if (pw_toml_len(t) == 0)
        return PW_OK;
    if (w->entry_points.len)
        pw_buf_putc(&w->entry_points, '\n');
    pw_buf_printf(&w->entry_points, "[%s]\n", group);
    for (size_t i = 0; i < pw_toml_len(t); i++) {
        const pw_toml_value *v = pw_toml_at(t, i);
        const char *name = pw_toml_key_at(t, i);
        if (pw_toml_type_of(v) != PW_TOML_STRING || has_newline(pw_toml_string(v)) ||
            has_newline(name) || strchr(name, '=') || strchr(name, '[') || !*name)
            return at_line(err, PW_EINVAL, w, v,
                           "%s.%s: expected a name without '=' or '[' and a \"module:object\" "
                           "string",
                           where, name);
        pw_buf_printf(&w->entry_points, "%s = %s\n", name, pw_toml_string(v));
    }
    return PW_OK;
}

static int build_entry_points(wb *w, pw_error *err)
{
    const pw_toml_value *p = w->project;
    int rc = entry_group(w, pw_toml_get(p, "scripts"), "[project.scripts]", "console_scripts", err);
    if (rc == PW_OK)
        rc = entry_group(w, pw_toml_get(p, "gui-scripts"), "[project.gui-scripts]", "gui_scripts",
                         err);
    const pw_toml_value *eps = pw_toml_get(p, "entry-points");
    if (rc == PW_OK && eps && pw_toml_type_of(eps) != PW_TOML_TABLE)
        rc = at_line(err, PW_EINVAL, w, eps, "[project.entry-points]: expected tables of groups");
    for (size_t i = 0; rc == PW_OK && i < pw_toml_len(eps); i++) {
        const char *group = pw_toml_key_at(eps, i);
        /* PEP 621: these two groups have their own keys. */
        if (strcmp(group, "console_scripts") == 0 || strcmp(group, "gui_scripts") == 0)
            return at_line(err, PW_EINVAL, w, pw_toml_at(eps, i),
                           "[project.entry-points.%s]: use [project.%s] instead (PEP 621)", group,
                           strcmp(group, "console_scripts") == 0 ? "scripts" : "gui-scripts");
        pw_buf where = PW_BUF_INIT;
        pw_buf_printf(&where, "[project.entry-points.%s]", group);
        rc = entry_group(w, pw_toml_at(eps, i), where.data, group, err);
        pw_buf_free(&where);
    }
    return rc;
}

/* ------------------------------------------------------------- packages */

static bool skip_name(const char *name, bool is_dir)
{
    if (is_dir)
        return strcmp(name, "__pycache__") == 0 || strcmp(name, ".git") == 0 ||
               strcmp(name, ".hg") == 0 || strcmp(name, ".svn") == 0 || strcmp(name, ".bzr") == 0;
    size_t n = strlen(name);
    return (n > 4 && (strcmp(name + n - 4, ".pyc") == 0 || strcmp(name + n - 4, ".pyo") == 0));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_package_dir(const char *path)
{
    char *init = pw_path_join(path, "__init__.py");
    bool yes = pw_file_exists(init);
    free(init);
    return yes;
}

static int add_disk_file(wb *w, const char *src, const char *arc, pw_error *err)
{
    if (w->n_files >= WB_MAX_FILES)
        return pw_error_set(err, PW_ELIMIT, "%s: more than %d files to package", w->dir,
                            WB_MAX_FILES);
    for (const char *c = arc; *c; c++)
        if ((unsigned char)*c < 0x20)
            return pw_error_set(err, PW_EINVAL, "%s: control character in the file name", src);
    for (size_t i = 0; i < w->n_files; i++)
        if (strcmp(w->files[i].arc, arc) == 0)
            return pw_error_set(err, PW_EINVAL, "%s: %s would be packaged twice", w->dir, arc);
    pw_buf data = PW_BUF_INIT;
    int rc = pw_read_file(src, &data, err);
    if (rc == PW_OK)
        add_file(w, arc, &data);
    pw_buf_free(&data);
    return rc;
}

/* Adds the files below `src` as `arc`/..., in byte order of names. */
static int walk_dir(wb *w, const char *src, const char *arc, enum wb_walk mode, int depth,
                    pw_error *err)
{
    if (depth > WB_MAX_DEPTH)
        return pw_error_set(err, PW_ELIMIT, "%s: deeper than %d directories", src, WB_MAX_DEPTH);
    DIR *d = opendir(src);
    if (!d)
        return pw_error_set(err, PW_EIO, "%s: cannot list: %s", src, strerror(errno));
    pw_strlist names = PW_STRLIST_INIT;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            pw_strlist_push(&names, de->d_name);
    closedir(d);
    if (names.len)
        qsort(names.items, names.len, sizeof names.items[0], cmp_str);
    int rc = PW_OK;
    for (size_t i = 0; i < names.len && rc == PW_OK; i++) {
        char *path = pw_path_join(src, names.items[i]);
        char *arc_path = pw_path_join(arc, names.items[i]);
        struct stat lst, st;
        if (lstat(path, &lst) != 0 || stat(path, &st) != 0) {
            /* A dangling symlink carries nothing to package. */
        } else if (S_ISDIR(st.st_mode)) {
            /* Directory symlinks could loop; packages are real directories. */
            bool subpackage = mode == WB_WALK_PACKAGE && is_package_dir(path);
            if (!S_ISLNK(lst.st_mode) && !skip_name(names.items[i], true) && !subpackage)
                rc = walk_dir(w, path, arc_path, mode, depth + 1, err);
        } else if (S_ISREG(st.st_mode) && !skip_name(names.items[i], false)) {
            rc = add_disk_file(w, path, arc_path, err);
        }
        free(path);
        free(arc_path);
    }
    pw_strlist_free(&names);
    return rc;
}

/* A top-level package directory or module file at `rel` (project-relative)
 * installed as `arc`. */
static int add_root(wb *w, const pw_toml_value *v, const char *rel, const char *arc,
                    enum wb_walk mode, pw_error *err)
{
    if (!path_inside(rel))
        return at_line(err, PW_EINVAL, w, v, "package path \"%s\" must stay inside the project",
                       rel);
    char *path = project_path(w, rel);
    struct stat st;
    int rc;
    if (stat(path, &st) != 0)
        rc = at_line(err, PW_ENOTFOUND, w, v, "package path %s does not exist", rel);
    else if (S_ISDIR(st.st_mode))
        rc = walk_dir(w, path, arc, mode, 0, err);
    else
        rc = add_disk_file(w, path, arc, err);
    free(path);
    return rc;
}

/* Normalized comparison of a directory or module name with the project's
 * import name ("My.Pkg" matches my_pkg). */
static bool name_matches(const char *entry, size_t len, const char *import_name)
{
    char *e = pw_xstrndup(entry, len);
    char *n = pw_normalize_name(e);
    for (char *c = n; *c; c++)
        if (*c == '-')
            *c = '_';
    bool eq = strcmp(n, import_name) == 0;
    free(n);
    free(e);
    return eq;
}

/*
 * Auto discovery. With `root` "" (the project directory): the package or
 * module named like the project in src/, then at the top level; failing
 * that, when src/ exists, every package and module in it (setuptools'
 * src-layout discovery). With a configured `root` (e.g. "lib"): the same,
 * looking only in that directory.
 */
static int discover(wb *w, const char *root, const pw_toml_value *where, const char *name,
                    pw_error *err)
{
    const char *bases[2];
    size_t nb = 0;
    /* The fallback directory: src/, or the configured root itself. */
    char *src_base = pw_xstrdup(*root ? root : "src");
    if (*root) {
        bases[nb++] = root;
    } else {
        bases[nb++] = src_base;
        bases[nb++] = "";
    }
    int rc = PW_OK;
    bool found = false;
    for (size_t b = 0; b < nb && !found && rc == PW_OK; b++) {
        char *dir = project_path(w, bases[b]);
        DIR *d = opendir(dir);
        pw_strlist names = PW_STRLIST_INIT;
        struct dirent *de;
        while (d && (de = readdir(d)))
            pw_strlist_push(&names, de->d_name);
        if (d)
            closedir(d);
        pw_strlist_sort(&names);
        for (size_t i = 0; i < names.len && !found && rc == PW_OK; i++) {
            const char *e = names.items[i];
            size_t n = strlen(e);
            char *full = pw_path_join(dir, e);
            char *rel = *bases[b] ? pw_path_join(bases[b], e) : pw_xstrdup(e);
            if (pw_is_dir(full) && is_package_dir(full) && name_matches(e, n, name)) {
                rc = add_root(w, where, rel, e, WB_WALK_ALL, err);
                found = true;
            } else if (n > 3 && strcmp(e + n - 3, ".py") == 0 && !pw_is_dir(full) &&
                       name_matches(e, n - 3, name)) {
                rc = add_root(w, where, rel, e, WB_WALK_ALL, err);
                found = true;
            }
            free(rel);
            free(full);
        }
        pw_strlist_free(&names);
        free(dir);
    }
    char *src_dir = project_path(w, src_base);
    if (!found && rc == PW_OK && pw_is_dir(src_dir)) {
        DIR *d = opendir(src_dir);
        pw_strlist names = PW_STRLIST_INIT;
        struct dirent *de;
        while (d && (de = readdir(d)))
            pw_strlist_push(&names, de->d_name);
        if (d)
            closedir(d);
        pw_strlist_sort(&names);
        for (size_t i = 0; i < names.len && rc == PW_OK; i++) {
            const char *e = names.items[i];
            size_t n = strlen(e);
            char *full = pw_path_join(src_dir, e);
            char *rel = pw_path_join(src_base, e);
            bool module = n > 3 && strcmp(e + n - 3, ".py") == 0 && !pw_is_dir(full) &&
                          strcmp(e, "setup.py") != 0 && strcmp(e, "conftest.py") != 0;
            if ((pw_is_dir(full) && is_package_dir(full)) || module) {
                rc = add_root(w, where, rel, e, WB_WALK_ALL, err);
                found = true;
            }
            free(rel);
            free(full);
        }
        pw_strlist_free(&names);
    }
    free(src_dir);
    if (!found && rc == PW_OK)
        rc = at_line(err, PW_ENOTFOUND, w, where,
                     "no package or module named \"%s\" in %s (looked for a directory with "
                     "__init__.py or a .py file); name the package in the backend's "
                     "configuration (docs/git.md)",
                     name, *root ? root : "src/ or the project directory");
    free(src_base);
    return rc;
}

/* Dotted package name → path below `root`. */
static char *dotted_path(const char *root, const char *dotted, const char *suffix)
{
    pw_buf b = PW_BUF_INIT;
    if (*root && strcmp(root, ".") != 0)
        pw_buf_printf(&b, "%s/", root);
    for (const char *c = dotted; *c; c++)
        pw_buf_putc(&b, *c == '.' ? '/' : *c);
    pw_buf_puts(&b, suffix);
    return pw_buf_detach(&b);
}

static bool valid_dotted(const char *s)
{
    if (!*s || *s == '.' || s[strlen(s) - 1] == '.' || strstr(s, ".."))
        return false;
    for (const char *c = s; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '_' || *c == '.'))
            return false;
    return true;
}

/* Collects dotted names of regular packages (with __init__.py) below dir. */
static void find_packages(const char *dir, const char *prefix, int depth, pw_strlist *out)
{
    if (depth > WB_MAX_DEPTH)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || skip_name(de->d_name, true))
            continue;
        char *full = pw_path_join(dir, de->d_name);
        struct stat lst;
        if (lstat(full, &lst) == 0 && S_ISDIR(lst.st_mode) && is_package_dir(full) &&
            valid_dotted(de->d_name)) {
            pw_buf name = PW_BUF_INIT;
            pw_buf_printf(&name, "%s%s%s", prefix, *prefix ? "." : "", de->d_name);
            find_packages(full, name.data, depth + 1, out);
            pw_strlist_push_owned(out, pw_buf_detach(&name));
        }
        free(full);
    }
    closedir(d);
}


/* [tool.setuptools].packages or .py-modules: each dotted name a root of
 * the wheel ("a.b" is a/b/, or a/b.py with suffix ".py"). */
static int add_dotted_roots(wb *w, const pw_toml_value *key, const char *root,
                            const pw_strlist *names, const char *field, const char *expected,
                            const char *suffix, enum wb_walk walk, pw_error *err)
{
    for (size_t i = 0; i < names->len; i++) {
        if (!valid_dotted(names->items[i]))
            return at_line(err, PW_EINVAL, w, key, "[tool.setuptools].%s: \"%s\" is not a %s",
                           field, names->items[i], expected);
        char *rel = dotted_path(root, names->items[i], suffix);
        char *arc = dotted_path("", names->items[i], suffix);
        int rc = add_root(w, key, rel, arc, walk, err);
        free(rel);
        free(arc);
        if (rc)
            return rc;
    }
    return PW_OK;
}
static int setuptools_packages(wb *w, pw_error *err)
{
    const pw_toml_value *cfg = pw_toml_get_path(w->root, "tool.setuptools");
    static const char *const allowed[] = {
        "packages",      "py-modules", "package-dir", "package-data", "include-package-data",
        "exclude-package-data", "zip-safe", "platforms", "license-files", "provides",
        "obsoletes",     NULL};
    int rc = only_keys(w, cfg, "[tool.setuptools]", allowed, err);
    if (rc != PW_OK)
        return rc;
    const char *root = "";
    const pw_toml_value *pdir = pw_toml_get(cfg, "package-dir");
    if (pdir) {
        if (pw_toml_type_of(pdir) != PW_TOML_TABLE)
            return at_line(err, PW_EINVAL, w, pdir, "[tool.setuptools].package-dir: expected a "
                                                    "table");
        for (size_t i = 0; i < pw_toml_len(pdir); i++) {
            const pw_toml_value *v = pw_toml_at(pdir, i);
            if (*pw_toml_key_at(pdir, i) != '\0' || pw_toml_type_of(v) != PW_TOML_STRING)
                return at_line(err, PW_EUNSUPPORTED, w, v,
                               "[tool.setuptools].package-dir: only the root mapping "
                               "{\"\" = \"src\"} is supported" WB_FIND_LINKS_HINT);
            root = pw_toml_string(v);
            if (strcmp(root, ".") == 0)
                root = "";
            if (*root && !path_inside(root))
                return at_line(err, PW_EINVAL, w, v,
                               "[tool.setuptools].package-dir: \"%s\" must be inside the project",
                               root);
        }
    }
    const pw_toml_value *pk = pw_toml_get(cfg, "packages");
    pw_strlist mods = PW_STRLIST_INIT, pkgs = PW_STRLIST_INIT;
    rc = opt_strings(w, cfg, "py-modules", "[tool.setuptools]", &mods, err);
    if (rc == PW_OK && pk && pw_toml_type_of(pk) == PW_TOML_ARRAY) {
        rc = opt_strings(w, cfg, "packages", "[tool.setuptools]", &pkgs, err);
    } else if (rc == PW_OK && pk && pw_toml_type_of(pk) == PW_TOML_TABLE) {
        /* packages = {find = {where, include, exclude}}: regular packages
         * only (namespace discovery is not reproduced). */
        const pw_toml_value *find = pw_toml_get(pk, "find");
        static const char *const find_keys[] = {"where", "include", "exclude", "namespaces", NULL};
        pw_strlist where = PW_STRLIST_INIT, inc = PW_STRLIST_INIT, exc = PW_STRLIST_INIT;
        if (!find || pw_toml_type_of(find) != PW_TOML_TABLE || pw_toml_len(pk) != 1)
            rc = at_line(err, PW_EINVAL, w, pk,
                         "[tool.setuptools].packages: expected a list or {find = {...}}");
        if (rc == PW_OK)
            rc = only_keys(w, find, "[tool.setuptools.packages.find]", find_keys, err);
        if (rc == PW_OK)
            rc = opt_strings(w, find, "where", "[tool.setuptools.packages.find]", &where, err);
        if (rc == PW_OK)
            rc = opt_strings(w, find, "include", "[tool.setuptools.packages.find]", &inc, err);
        if (rc == PW_OK)
            rc = opt_strings(w, find, "exclude", "[tool.setuptools.packages.find]", &exc, err);
        if (rc == PW_OK && where.len > 1)
            rc = at_line(err, PW_EUNSUPPORTED, w, find,
                         "[tool.setuptools.packages.find].where: only one directory is "
                         "supported" WB_FIND_LINKS_HINT);
        if (rc == PW_OK && where.len == 1) {
            if (strcmp(where.items[0], ".") != 0 && !path_inside(where.items[0]))
                rc = at_line(err, PW_EINVAL, w, find, "where = \"%s\" must be inside the project",
                             where.items[0]);
            else
                root = pw_toml_string(pw_toml_at(pw_toml_get(find, "where"), 0));
            if (strcmp(root, ".") == 0)
                root = "";
        }
        if (rc == PW_OK) {
            pw_strlist found = PW_STRLIST_INIT;
            char *base = project_path(w, root);
            find_packages(base, "", 0, &found);
            free(base);
            pw_strlist_sort(&found);
            for (size_t i = 0; i < found.len; i++) {
                bool in = inc.len == 0, out = false;
                for (size_t k = 0; k < inc.len; k++)
                    in = in || fnmatch(inc.items[k], found.items[i], 0) == 0;
                for (size_t k = 0; k < exc.len; k++)
                    out = out || fnmatch(exc.items[k], found.items[i], 0) == 0;
                if (in && !out)
                    pw_strlist_push(&pkgs, found.items[i]);
            }
            pw_strlist_free(&found);
            if (pkgs.len == 0)
                rc = at_line(err, PW_ENOTFOUND, w, find,
                             "[tool.setuptools.packages.find] found no package (a directory with "
                             "__init__.py)");
        }
        pw_strlist_free(&where);
        pw_strlist_free(&inc);
        pw_strlist_free(&exc);
    } else if (rc == PW_OK && pk) {
        rc = at_line(err, PW_EINVAL, w, pk, "[tool.setuptools].packages: expected a list or a "
                                            "find table");
    }
    bool explicit_ = pk || mods.len;
    if (rc == PW_OK)
        rc = add_dotted_roots(w, pk, root, &pkgs, "packages", "dotted package name", "",
                              WB_WALK_PACKAGE, err);
    if (rc == PW_OK)
        rc = add_dotted_roots(w, pw_toml_get(cfg, "py-modules"), root, &mods, "py-modules",
                              "module name", ".py", WB_WALK_ALL, err);
    pw_strlist_free(&mods);
    pw_strlist_free(&pkgs);
    if (rc == PW_OK && !explicit_)
        rc = discover(w, root, cfg ? cfg : w->project, w->import_name, err);
    return rc;
}

/* A list of package paths whose last component is the installed name
 * (hatch's packages, pdm's includes). */
static int path_roots(wb *w, const pw_toml_value *list, const char *where, pw_error *err)
{
    if (pw_toml_type_of(list) != PW_TOML_ARRAY)
        return at_line(err, PW_EINVAL, w, list, "%s: expected an array of paths", where);
    int rc = PW_OK;
    for (size_t i = 0; i < pw_toml_len(list) && rc == PW_OK; i++) {
        const pw_toml_value *v = pw_toml_at(list, i);
        if (pw_toml_type_of(v) != PW_TOML_STRING)
            return at_line(err, PW_EINVAL, w, v, "%s[%zu]: expected a path", where, i);
        char *rel = pw_xstrdup(pw_toml_string(v));
        size_t n = strlen(rel);
        while (n > 0 && rel[n - 1] == '/')
            rel[--n] = 0;
        if (strpbrk(rel, "*?["))
            rc = at_line(err, PW_EUNSUPPORTED, w, v, "%s: glob \"%s\" is not supported; list the "
                                                     "package directories",
                         where, rel);
        else
            rc = add_root(w, v, rel, pw_path_basename(rel), WB_WALK_ALL, err);
        free(rel);
    }
    return rc;
}

static int hatch_packages(wb *w, pw_error *err)
{
    const pw_toml_value *build = pw_toml_get_path(w->root, "tool.hatch.build");
    const pw_toml_value *wheel = pw_toml_get_path(w->root, "tool.hatch.build.targets.wheel");
    static const char *const build_keys[] = {"targets", NULL};
    static const char *const wheel_keys[] = {"packages", NULL};
    int rc = only_keys(w, build, "[tool.hatch.build]", build_keys, err);
    if (rc == PW_OK)
        rc = only_keys(w, wheel, "[tool.hatch.build.targets.wheel]", wheel_keys, err);
    if (rc != PW_OK)
        return rc;
    const pw_toml_value *pk = pw_toml_get(wheel, "packages");
    if (pk)
        return path_roots(w, pk, "[tool.hatch.build.targets.wheel].packages", err);
    return discover(w, "", w->project, w->import_name, err);
}

static int flit_packages(wb *w, pw_error *err)
{
    const pw_toml_value *mod = pw_toml_get_path(w->root, "tool.flit.module");
    static const char *const mod_keys[] = {"name", NULL};
    int rc = only_keys(w, mod, "[tool.flit.module]", mod_keys, err);
    const pw_toml_value *ext = pw_toml_get_path(w->root, "tool.flit.external-data");
    if (rc == PW_OK && ext)
        rc = at_line(err, PW_EUNSUPPORTED, w, ext,
                     "[tool.flit.external-data] is not supported" WB_FIND_LINKS_HINT);
    const char *name = NULL;
    if (rc == PW_OK)
        rc = opt_string(w, mod, "name", "[tool.flit.module]", &name, err);
    if (rc == PW_OK && name && (!valid_dotted(name) || strchr(name, '.')))
        rc = at_line(err, PW_EUNSUPPORTED, w, pw_toml_get(mod, "name"),
                     "[tool.flit.module].name \"%s\": only a top-level module name is "
                     "supported" WB_FIND_LINKS_HINT,
                     name);
    if (rc != PW_OK)
        return rc;
    return discover(w, "", mod ? mod : w->project, name ? name : w->import_name, err);
}

static int pdm_packages(wb *w, pw_error *err)
{
    const pw_toml_value *cfg = pw_toml_get_path(w->root, "tool.pdm.build");
    static const char *const keys[] = {"package-dir", "includes", "source-includes",
                                       "editable-backend", "is-purelib", NULL};
    int rc = only_keys(w, cfg, "[tool.pdm.build]", keys, err);
    const pw_toml_value *purelib = pw_toml_get(cfg, "is-purelib");
    if (rc == PW_OK && purelib && !pw_toml_bool(purelib))
        rc = at_line(err, PW_EUNSUPPORTED, w, purelib,
                     "[tool.pdm.build].is-purelib = false: not a pure-Python wheel" WB_FIND_LINKS_HINT);
    const char *pdir = NULL;
    if (rc == PW_OK)
        rc = opt_string(w, cfg, "package-dir", "[tool.pdm.build]", &pdir, err);
    if (rc == PW_OK && pdir && *pdir && strcmp(pdir, ".") != 0 && !path_inside(pdir))
        rc = at_line(err, PW_EINVAL, w, pw_toml_get(cfg, "package-dir"),
                     "[tool.pdm.build].package-dir \"%s\" must be inside the project", pdir);
    if (rc != PW_OK)
        return rc;
    const pw_toml_value *inc = pw_toml_get(cfg, "includes");
    if (inc)
        return path_roots(w, inc, "[tool.pdm.build].includes", err);
    if (pdir && strcmp(pdir, ".") == 0)
        pdir = "";
    return discover(w, pdir ? pdir : "", cfg ? cfg : w->project, w->import_name, err);
}

static int uv_packages(wb *w, pw_error *err)
{
    const pw_toml_value *cfg = pw_toml_get_path(w->root, "tool.uv.build-backend");
    static const char *const keys[] = {"module-name", "module-root", "source-include",
                                       "source-exclude", "default-excludes", NULL};
    int rc = only_keys(w, cfg, "[tool.uv.build-backend]", keys, err);
    const char *name = NULL, *root = NULL;
    if (rc == PW_OK)
        rc = opt_string(w, cfg, "module-name", "[tool.uv.build-backend]", &name, err);
    if (rc == PW_OK)
        rc = opt_string(w, cfg, "module-root", "[tool.uv.build-backend]", &root, err);
    if (rc == PW_OK && name && (!valid_dotted(name) || strchr(name, '.')))
        rc = at_line(err, PW_EUNSUPPORTED, w, pw_toml_get(cfg, "module-name"),
                     "[tool.uv.build-backend].module-name \"%s\": only a top-level module is "
                     "supported" WB_FIND_LINKS_HINT,
                     name);
    if (rc == PW_OK && root && *root && !path_inside(root))
        rc = at_line(err, PW_EINVAL, w, pw_toml_get(cfg, "module-root"),
                     "[tool.uv.build-backend].module-root \"%s\" must be inside the project", root);
    if (rc != PW_OK)
        return rc;
    /* uv_build: <module-root>/<module-name>/__init__.py, module-root "src"
     * by default; "" is the flat layout. */
    if (!root)
        root = "src";
    if (!name)
        name = w->import_name;
    char *pkg_rel = *root ? pw_path_join(root, name) : pw_xstrdup(name);
    char *pkg = project_path(w, pkg_rel);
    if (is_package_dir(pkg))
        rc = add_root(w, cfg, pkg_rel, name, WB_WALK_ALL, err);
    else
        rc = at_line(err, PW_ENOTFOUND, w, cfg ? cfg : w->project,
                     "uv_build expects the package at %s/__init__.py; set "
                     "[tool.uv.build-backend] module-name / module-root",
                     pkg_rel);
    free(pkg);
    free(pkg_rel);
    return rc;
}

static int poetry_packages(wb *w, pw_error *err)
{
    const pw_toml_value *cfg = pw_toml_get_path(w->root, "tool.poetry");
    static const char *const refused[] = {"include", "exclude", "build"};
    for (size_t i = 0; i < 3; i++)
        if (pw_toml_get(cfg, refused[i]))
            return at_line(err, PW_EUNSUPPORTED, w, pw_toml_get(cfg, refused[i]),
                           "[tool.poetry].%s changes how the wheel is built and is not supported "
                           "by pwpkg's own builder" WB_FIND_LINKS_HINT,
                           refused[i]);
    const pw_toml_value *deps = pw_toml_get_path(w->root, "tool.poetry.dependencies");
    if (deps && !pw_toml_get(w->project, "dependencies")) {
        for (size_t i = 0; i < pw_toml_len(deps); i++)
            if (strcmp(pw_toml_key_at(deps, i), "python") != 0)
                return at_line(err, PW_EUNSUPPORTED, w, deps,
                               "[tool.poetry.dependencies] without [project].dependencies: "
                               "poetry-core computes the dependencies; declare them in "
                               "[project] (PEP 621)" WB_FIND_LINKS_HINT);
    }
    const pw_toml_value *pk = pw_toml_get(cfg, "packages");
    if (!pk)
        return discover(w, "", cfg ? cfg : w->project, w->import_name, err);
    if (pw_toml_type_of(pk) != PW_TOML_ARRAY)
        return at_line(err, PW_EINVAL, w, pk, "[tool.poetry].packages: expected an array of "
                                              "{include = ..., from = ...}");
    int rc = PW_OK;
    for (size_t i = 0; i < pw_toml_len(pk) && rc == PW_OK; i++) {
        const pw_toml_value *t = pw_toml_at(pk, i);
        const char *include = NULL, *from = NULL;
        static const char *const keys[] = {"include", "from", "format", "to", NULL};
        if (pw_toml_type_of(t) != PW_TOML_TABLE)
            return at_line(err, PW_EINVAL, w, t, "[tool.poetry].packages[%zu]: expected a table",
                           i);
        if ((rc = only_keys(w, t, "[tool.poetry].packages", keys, err)) != PW_OK ||
            (rc = opt_string(w, t, "include", "[tool.poetry].packages", &include, err)) != PW_OK ||
            (rc = opt_string(w, t, "from", "[tool.poetry].packages", &from, err)) != PW_OK)
            return rc;
        if (pw_toml_get(t, "to"))
            return at_line(err, PW_EUNSUPPORTED, w, t,
                           "[tool.poetry].packages: \"to\" is not supported" WB_FIND_LINKS_HINT);
        /* format = "sdist" (or a list without "wheel") keeps it out of wheels. */
        const pw_toml_value *fmt = pw_toml_get(t, "format");
        if (fmt) {
            bool wheel = false;
            if (pw_toml_type_of(fmt) == PW_TOML_STRING)
                wheel = strcmp(pw_toml_string(fmt), "wheel") == 0;
            for (size_t k = 0; pw_toml_type_of(fmt) == PW_TOML_ARRAY && k < pw_toml_len(fmt); k++)
                wheel = wheel || (pw_toml_string(pw_toml_at(fmt, k)) &&
                                  strcmp(pw_toml_string(pw_toml_at(fmt, k)), "wheel") == 0);
            if (!wheel)
                continue;
        }
        if (!include || strpbrk(include, "*?["))
            return at_line(err, include ? PW_EUNSUPPORTED : PW_EINVAL, w, t,
                           "[tool.poetry].packages[%zu]: expected include = \"<package or "
                           "module>\" (globs are not supported)",
                           i);
        char *rel = from && *from ? pw_path_join(from, include) : pw_xstrdup(include);
        rc = add_root(w, t, rel, include, WB_WALK_ALL, err);
        free(rel);
    }
    return rc;
}

static int collect_packages(wb *w, pw_error *err)
{
    switch (w->backend) {
    case WB_SETUPTOOLS:
        return setuptools_packages(w, err);
    case WB_HATCH:
        return hatch_packages(w, err);
    case WB_FLIT:
        return flit_packages(w, err);
    case WB_PDM:
        return pdm_packages(w, err);
    case WB_UV:
        return uv_packages(w, err);
    case WB_POETRY:
        return poetry_packages(w, err);
    }
    return PW_OK;
}

/* ------------------------------------------------------------ the archive */


static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const wb_file *)a)->arc, ((const wb_file *)b)->arc);
}

static void record_row(pw_buf *rec, const wb_file *f)
{
    unsigned char raw[PW_SHA256_LEN];
    pw_sha256 h;
    pw_sha256_init(&h);
    pw_sha256_update(&h, f->data.data ? f->data.data : "", f->data.len);
    pw_sha256_final_raw(&h, raw);
    pw_bundle_csv_field(rec, f->arc);
    pw_buf_puts(rec, ",sha256=");
    pw_bundle_b64url_encode(raw, PW_SHA256_LEN, rec);
    pw_buf_printf(rec, ",%zu\n", f->data.len);
}

/* Package files sorted, then the .dist-info files, RECORD last (binary
 * distribution format: ".dist-info at the end of the archive"). */
static void add_dist_info(wb *w, const char *dist_info)
{
    size_t n_pkg = w->n_files;
    qsort(w->files, n_pkg, sizeof w->files[0], cmp_file);
    pw_buf path = PW_BUF_INIT, data = PW_BUF_INIT;
    pw_buf_printf(&path, "%s/METADATA", dist_info);
    pw_buf_append(&data, w->metadata.data, w->metadata.len);
    add_file(w, path.data, &data);
    pw_buf_reset(&path);
    pw_buf_printf(&path, "%s/WHEEL", dist_info);
    pw_buf_puts(&data, "Wheel-Version: 1.0\nGenerator: pwpkg\nRoot-Is-Purelib: true\n"
                       "Tag: py3-none-any\n");
    add_file(w, path.data, &data);
    if (w->entry_points.len) {
        pw_buf_reset(&path);
        pw_buf_printf(&path, "%s/entry_points.txt", dist_info);
        pw_buf_append(&data, w->entry_points.data, w->entry_points.len);
        add_file(w, path.data, &data);
    }
    qsort(w->files + n_pkg, w->n_files - n_pkg, sizeof w->files[0], cmp_file);
    pw_buf rec = PW_BUF_INIT;
    for (size_t i = 0; i < w->n_files; i++)
        record_row(&rec, &w->files[i]);
    pw_buf_reset(&path);
    pw_buf_printf(&path, "%s/RECORD", dist_info);
    pw_bundle_csv_field(&rec, path.data);
    pw_buf_puts(&rec, ",,\n");
    add_file(w, path.data, &rec);
    pw_buf_free(&path);
    pw_buf_free(&data);
}

static int write_wheel(wb *w, const char *final_path, int64_t epoch, pw_error *err)
{
    int loaded = pw_archive_libraries_load(err);
    if (loaded != PW_OK)
        return loaded;
    char *dir = pw_path_dirname(final_path);
    pw_buf tmp = PW_BUF_INIT;
    pw_buf_printf(&tmp, "%s/.%s.tmp-XXXXXX", dir, pw_path_basename(final_path));
    free(dir);
    int fd = mkstemp(tmp.data);
    if (fd < 0) {
        int rc = pw_error_set(err, PW_EIO, "%s: cannot create a temporary file: %s", tmp.data,
                              strerror(errno));
        pw_buf_free(&tmp);
        return rc;
    }
    close(fd);
    int zerr = 0;
    zip_t *za = zip_open(tmp.data, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    int rc = PW_OK;
    if (!za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        rc = pw_error_set(err, PW_EIO, "%s: cannot create zip: %s", tmp.data,
                          zip_error_strerror(&ze));
        zip_error_fini(&ze);
    }
    zip_uint16_t dtime, ddate;
    pw_bundle_dos_datetime(epoch, &dtime, &ddate);
    for (size_t i = 0; za && rc == PW_OK && i < w->n_files; i++) {
        const wb_file *f = &w->files[i];
        zip_source_t *src = zip_source_buffer(za, f->data.data ? f->data.data : "", f->data.len, 0);
        zip_int64_t idx = src ? zip_file_add(za, f->arc, src, ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0) {
            if (src)
                zip_source_free(src);
            rc = pw_error_set(err, PW_EIO, "%s: cannot add %s: %s", tmp.data, f->arc,
                              zip_strerror(za));
            break;
        }
        /* Fixed mode, level and time: the bytes depend on content only. */
        zip_uint32_t mode = 0100644;
        if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, WB_ZIP_LEVEL) != 0 ||
            zip_file_set_dostime(za, (zip_uint64_t)idx, dtime, ddate, 0) != 0 ||
            zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX,
                                             mode << 16) != 0)
            rc = pw_error_set(err, PW_EIO, "%s: %s: %s", tmp.data, f->arc, zip_strerror(za));
    }
    if (za && rc == PW_OK && zip_close(za) != 0) {
        rc = pw_error_set(err, PW_EIO, "%s: cannot write zip: %s", tmp.data, zip_strerror(za));
        zip_discard(za);
    } else if (za && rc != PW_OK) {
        zip_discard(za);
    }
    if (rc == PW_OK && rename(tmp.data, final_path) != 0)
        rc = pw_error_set(err, PW_EIO, "%s: cannot rename into place: %s", final_path,
                          strerror(errno));
    if (rc != PW_OK)
        unlink(tmp.data);
    pw_buf_free(&tmp);
    return rc;
}

/* ----------------------------------------------------------------- driver */

static void wb_free(wb *w)
{
    for (size_t i = 0; i < w->n_files; i++) {
        free(w->files[i].arc);
        pw_buf_free(&w->files[i].data);
    }
    free(w->files);
    pw_toml_free(w->root);
    free(w->origin);
    free(w->name);
    free(w->dist);
    free(w->version);
    free(w->import_name);
    pw_buf_free(&w->metadata);
    pw_buf_free(&w->entry_points);
}

int pw_bundle_build_wheel(const char *project_dir, const char *out_dir, int64_t source_date_epoch,
                          char **wheel_path_out, pw_error *err)
{
    *wheel_path_out = NULL;
    if (!project_dir || !out_dir)
        return pw_error_set(err, PW_EINVAL, "wheel build: missing project or output directory");
    wb w;
    memset(&w, 0, sizeof w);
    w.dir = project_dir;
    w.origin = pw_path_join(project_dir, "pyproject.toml");
    pw_buf text = PW_BUF_INIT;
    char *final_path = NULL;
    int64_t epoch = 0;
    int rc = pw_bundle_resolve_epoch(source_date_epoch, &epoch, err);
    if (rc != PW_OK)
        goto done;
    if (!pw_file_exists(w.origin)) {
        rc = pw_error_set(err, PW_ENOTFOUND,
                          "%s: no pyproject.toml; pwpkg builds wheels only from static PEP 621 "
                          "metadata" WB_FIND_LINKS_HINT,
                          project_dir);
        goto done;
    }
    if ((rc = pw_read_file(w.origin, &text, err)) != PW_OK ||
        (rc = pw_toml_parse(w.origin, pw_buf_cstr(&text), text.len, &w.root, err)) != PW_OK ||
        (rc = check_backend(&w, err)) != PW_OK || (rc = read_identity(&w, err)) != PW_OK)
        goto done;
    if (w.backend == WB_SETUPTOOLS && (rc = check_setuptools_files(&w, err)) != PW_OK)
        goto done;
    if ((rc = build_metadata(&w, err)) != PW_OK || (rc = build_entry_points(&w, err)) != PW_OK ||
        (rc = collect_packages(&w, err)) != PW_OK)
        goto done;

    /* What we wrote must read back as valid core metadata. */
    pw_metadata check;
    if ((rc = pw_metadata_parse(w.origin, w.metadata.data, w.metadata.len, &check, err)) != PW_OK)
        goto done;
    pw_metadata_free(&check);

    pw_buf dist_info = PW_BUF_INIT, name = PW_BUF_INIT;
    pw_buf_printf(&dist_info, "%s-%s.dist-info", w.dist, w.version);
    add_dist_info(&w, dist_info.data);
    pw_buf_free(&dist_info);
    pw_buf_printf(&name, "%s-%s-py3-none-any.whl", w.dist, w.version);
    final_path = pw_path_join(out_dir, name.data);
    pw_buf_free(&name);
    if ((rc = pw_mkdirs(out_dir, err)) != PW_OK ||
        (rc = write_wheel(&w, final_path, epoch, err)) != PW_OK)
        goto done;
    pw_report(PW_REPORT_DEBUG, "built %s (%zu files)", final_path, w.n_files);
    *wheel_path_out = final_path;
    final_path = NULL;
done:
    free(final_path);
    pw_buf_free(&text);
    wb_free(&w);
    return rc;
}
