/*
 * Exports of a lock: pyodide-lock.json, PEP 751 pylock.toml and a
 * hash-checking requirements.txt (docs/export.md). Pure: lock in, text out.
 *
 * Every value that ends up in a line-oriented format is checked first, so a
 * hostile lock cannot smuggle a newline (an extra requirement) or a quote
 * (a different marker) into the output.
 */
#include "export.h"

#include "lockfile.h"
#include "packaging.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ validation */

static bool has_control(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return true;
    return false;
}

/* PEP 508 names: letters, digits, '.', '_' and '-'. */
static bool is_name(const char *s)
{
    if (!*s)
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '.' || *c == '_' || *c == '-'))
            return false;
    return true;
}

/* PEP 440 versions (also the legacy spellings some locks carry) use only
 * these characters; anything else in a version is a broken or hostile lock. */
static bool is_version(const char *s)
{
    if (!*s)
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              strchr(".+!_-", *c)))
            return false;
    return true;
}

/* A URL or path written into a requirement line: no whitespace, no quotes,
 * nothing pip would read as a comment or a line continuation. */
static bool is_plain_location(const char *s)
{
    if (!*s)
        return false;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c <= 0x20 || *c == 0x7f || *c == '"' || *c == '\'' || *c == '\\')
            return false;
    return true;
}

static bool ends_with_icase(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static bool is_wheel(const pw_lock_package *p)
{
    return p->file_name && ends_with_icase(p->file_name, ".whl");
}

static bool is_git(const pw_lock_package *p)
{
    return p->source && strcmp(p->source, PW_SOURCE_GIT) == 0;
}

/* RFC 3986: scheme ":" ... ; a lock holds either a URL or a path relative
 * to the lock's directory. */
static bool has_scheme(const char *s)
{
    const char *c = s;
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
        return false;
    while ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
           *c == '+' || *c == '-' || *c == '.')
        c++;
    return *c == ':' && c - s > 1; /* one letter is a drive ("C:") */
}

int pw_export_artifact_name(const pw_lock_package *p, const char **out, pw_error *err)
{
    *out = NULL;
    const char *name = p->name ? p->name : "?";
    const char *f = p->file_name;
    if (!f || !*f)
        return pw_error_set(err, PW_EINVAL, "package %s: no file_name", name);
    if (strcmp(f, ".") == 0 || strcmp(f, "..") == 0 || f[0] == '.' || has_control(f) ||
        strpbrk(f, "/\\?#"))
        return pw_error_set(err, PW_EINVAL,
                            "package %s: file_name '%s' is not a plain file name", name, f);
    *out = f;
    return PW_OK;
}

/* What every export needs of a package: a sane name, version, artifact name
 * and digest. */
static int check_package(const pw_lock_package *p, pw_error *err)
{
    if (!p->name || !is_name(p->name))
        return pw_error_set(err, PW_EINVAL, "lock: package name '%s' is not a valid name",
                            p->name ? p->name : "");
    if (!p->version || !is_version(p->version))
        return pw_error_set(err, PW_EINVAL, "package %s: version '%s' is not a valid version",
                            p->name, p->version ? p->version : "");
    const char *file;
    int rc = pw_export_artifact_name(p, &file, err);
    if (rc != PW_OK)
        return rc;
    if (!p->sha256 || !pw_is_sha256_hex(p->sha256))
        return pw_error_set(err, PW_EINVAL, "package %s: sha256 '%s' is not 64 hex digits",
                            p->name, p->sha256 ? p->sha256 : "");
    if (p->url && has_control(p->url))
        return pw_error_set(err, PW_EINVAL, "package %s: url holds a control character",
                            p->name);
    if (is_git(p) && (!p->git_commit || !is_name(p->git_commit)))
        return pw_error_set(err, PW_EINVAL, "package %s: git source without a valid git_commit",
                            p->name);
    return PW_OK;
}

static int package_cmp(const void *a, const void *b)
{
    const pw_lock_package *x = *(const pw_lock_package *const *)a;
    const pw_lock_package *y = *(const pw_lock_package *const *)b;
    return strcmp(x->name, y->name);
}

/* The packages, checked and sorted by name (the lock may not have been
 * sorted yet); NULL with *n = 0 for an empty lock. Duplicates are refused:
 * every export assumes one entry per name. */
static int sorted_packages(const pw_lock *lock, const pw_lock_package ***out, pw_error *err)
{
    *out = NULL;
    if (lock->n_packages == 0)
        return PW_OK;
    const pw_lock_package **v = pw_xcalloc(lock->n_packages, sizeof(*v));
    for (size_t i = 0; i < lock->n_packages; i++) {
        int rc = check_package(&lock->packages[i], err);
        if (rc != PW_OK) {
            free(v);
            return rc;
        }
        v[i] = &lock->packages[i];
    }
    qsort(v, lock->n_packages, sizeof(*v), package_cmp);
    pw_strlist keys = PW_STRLIST_INIT;
    for (size_t i = 0; i < lock->n_packages; i++)
        pw_strlist_push_owned(&keys, pw_normalize_name(v[i]->name));
    pw_strlist_sort(&keys);
    int rc = PW_OK;
    for (size_t i = 1; rc == PW_OK && i < keys.len; i++)
        if (strcmp(keys.items[i - 1], keys.items[i]) == 0)
            rc = pw_error_set(err, PW_EINVAL, "lock: package '%s' is listed twice",
                              keys.items[i]);
    pw_strlist_free(&keys);
    if (rc != PW_OK) {
        free(v);
        return rc;
    }
    *out = v;
    return PW_OK;
}

/* Release fields end up in comments and markers. */
static int check_release(const pw_lock_release *r, pw_error *err)
{
    const char *fields[] = {r->pyodide, r->index_release, r->python, r->abi_version,
                            r->platform, r->arch};
    const char *names[] = {"pyodide", "index_release", "python", "abi_version",
                           "platform", "arch"};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (fields[i] && !is_version(fields[i]))
            return pw_error_set(err, PW_EINVAL, "lock: release.%s '%s' has unexpected characters",
                                names[i], fields[i]);
    return PW_OK;
}

/* ------------------------------------------------------ pyodide-lock.json */

int pw_export_pyodide_lock(const pw_lock *lock, pw_buf *out, pw_error *err)
{
    const pw_lock_release *r = &lock->release;
    if (!r->python || !r->platform)
        return pw_error_set(err, PW_EINVAL,
                            "lock: pyodide-lock.json needs release.python and release.platform");
    int rc = check_release(r, err);
    const pw_lock_package **pkgs = NULL;
    if (rc == PW_OK)
        rc = sorted_packages(lock, &pkgs, err);
    if (rc != PW_OK)
        return rc;

    pw_pyodide_index idx;
    memset(&idx, 0, sizeof(idx));
    idx.python = pw_xstrdup(r->python);
    idx.platform = pw_xstrdup(r->platform);
    idx.arch = pw_xstrdup(r->arch ? r->arch : "wasm32");
    idx.abi_version = r->abi_version ? pw_xstrdup(r->abi_version) : NULL;
    for (size_t i = 0; i < lock->n_packages; i++) {
        const pw_lock_package *p = pkgs[i];
        pw_pyodide_package e;
        memset(&e, 0, sizeof(e));
        e.name = p->name;
        e.version = p->version;
        e.file_name = p->file_name; /* checked plain: the JSON sits beside it */
        e.sha256 = p->sha256;
        e.install_dir = p->install_dir ? p->install_dir : "site";
        e.package_type = p->package_type ? p->package_type : "package";
        e.imports = p->imports;
        e.depends = p->dependencies;
        e.unvendored_tests = false;
        pw_pyodide_index_add(&idx, &e); /* deep copy */
    }
    pw_pyodide_index_write(&idx, out);
    pw_pyodide_index_free(&idx);
    free(pkgs);
    return PW_OK;
}

/* ------------------------------------------------------------ TOML output */

/* The exports write a handful of shapes only, so a tiny emitter does:
 * keys are bare (A-Za-z0-9_-), strings are basic strings. */
typedef struct toml_emitter {
    pw_buf *out;
    pw_error *err;
    int rc;
} toml_emitter;

/* RFC 3629 well-formed UTF-8 (TOML 1.0: "A TOML file must be a valid UTF-8
 * encoded Unicode document"). */
static bool utf8_valid(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s;
        size_t n;
        unsigned min;
        if (c < 0x80) {
            s++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1, min = 0x80, c &= 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, min = 0x800, c &= 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, min = 0x10000, c &= 0x07;
        } else {
            return false;
        }
        for (size_t k = 1; k <= n; k++) {
            if ((s[k] & 0xc0) != 0x80)
                return false;
            c = (c << 6) | (s[k] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
            return false;
        s += n + 1;
    }
    return true;
}

/* TOML 1.0 basic string: '"' and '\\' escaped, control characters as the
 * short escapes or \uXXXX. */
static void toml_string(toml_emitter *e, const char *s)
{
    if (e->rc != PW_OK)
        return;
    if (!utf8_valid((const unsigned char *)s)) {
        e->rc = pw_error_set(e->err, PW_EINVAL, "pylock.toml: a value is not valid UTF-8");
        return;
    }
    pw_buf_putc(e->out, '"');
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '"': pw_buf_puts(e->out, "\\\""); break;
        case '\\': pw_buf_puts(e->out, "\\\\"); break;
        case '\b': pw_buf_puts(e->out, "\\b"); break;
        case '\t': pw_buf_puts(e->out, "\\t"); break;
        case '\n': pw_buf_puts(e->out, "\\n"); break;
        case '\f': pw_buf_puts(e->out, "\\f"); break;
        case '\r': pw_buf_puts(e->out, "\\r"); break;
        default:
            if (*c < 0x20 || *c == 0x7f)
                pw_buf_printf(e->out, "\\u%04X", *c);
            else
                pw_buf_putc(e->out, (char)*c);
        }
    }
    pw_buf_putc(e->out, '"');
}

static void toml_key_string(toml_emitter *e, const char *key, const char *value)
{
    pw_buf_printf(e->out, "%s = ", key);
    toml_string(e, value);
    pw_buf_putc(e->out, '\n');
}

static void toml_string_array(toml_emitter *e, const char *key, const pw_strlist *l)
{
    pw_buf_printf(e->out, "%s = [", key);
    for (size_t i = 0; i < l->len; i++) {
        if (i)
            pw_buf_puts(e->out, ", ");
        toml_string(e, l->items[i]);
    }
    pw_buf_puts(e->out, "]\n");
}

/* ---------------------------------------------------------------- pylock */

/* "emscripten_3_1_58" -> "3.1.58" (platform_release in Pyodide's marker
 * environment); NULL when the platform does not say. */
/* PEP 751 environments: one marker that holds exactly in the release's
 * marker environment (the values of PYODIDE-FACTS "Marker environment"). */
static void release_marker(const pw_lock_release *r, pw_buf *out)
{
    pw_buf_puts(out, "sys_platform == 'emscripten' and platform_system == 'Emscripten'");
    pw_buf_printf(out, " and platform_machine == '%s'", r->arch ? r->arch : "wasm32");
    char *em = pw_emscripten_version(r->platform);
    if (em)
        pw_buf_printf(out, " and platform_release == '%s'", em);
    free(em);
    pw_buf_puts(out, " and implementation_name == 'cpython'");
    if (r->python)
        pw_buf_printf(out, " and python_full_version == '%s'", r->python);
}

/* The repository URL of a git source: without the "git+" scheme prefix, a
 * "@revision" after the path, or a "#fragment" (pip's VCS URL spelling), so
 * that the pinned commit is the only revision named. */
static char *git_repo_url(const char *url)
{
    const char *u = strncmp(url, "git+", 4) == 0 ? url + 4 : url;
    size_t len = strcspn(u, "#");
    const char *auth = strstr(u, "://");
    const char *path = auth ? memchr(auth + 3, '/', len - (size_t)(auth + 3 - u)) : NULL;
    if (path) {
        const char *at = memchr(path, '@', len - (size_t)(path - u));
        if (at)
            len = (size_t)(at - u);
    }
    return pw_xstrndup(u, len);
}

/* wheels/archive entry: {name, url or path, size, hashes}. */
static void artifact_table(toml_emitter *e, const pw_lock_package *p, bool with_name)
{
    pw_buf_puts(e->out, "{");
    if (with_name) {
        pw_buf_puts(e->out, "name = ");
        toml_string(e, p->file_name);
        pw_buf_puts(e->out, ", ");
    }
    /* PEP 751: url for a URL, path (relative to the lock file) otherwise. */
    const char *loc = p->url ? p->url : p->file_name;
    pw_buf_puts(e->out, has_scheme(loc) ? "url = " : "path = ");
    toml_string(e, loc);
    if (p->size >= 0)
        pw_buf_printf(e->out, ", size = %lld", (long long)p->size);
    pw_buf_puts(e->out, ", hashes = {sha256 = ");
    toml_string(e, p->sha256);
    pw_buf_puts(e->out, "}}");
}

static void pylock_package(toml_emitter *e, const pw_lock_package *p)
{
    pw_buf_puts(e->out, "\n[[packages]]\n");
    toml_key_string(e, "name", p->name);
    /* PEP 751: "The version MUST NOT be included when it cannot be
     * guaranteed to be consistent with the code used (i.e. when a source
     * tree is used)" -- a VCS checkout is one. */
    if (!is_git(p))
        toml_key_string(e, "version", p->version);
    if (p->requires_python)
        toml_key_string(e, "requires-python", p->requires_python);
    if (p->dependencies.len) {
        pw_buf_puts(e->out, "dependencies = [\n");
        for (size_t i = 0; i < p->dependencies.len; i++) {
            pw_buf_puts(e->out, "    {name = ");
            toml_string(e, p->dependencies.items[i]);
            pw_buf_puts(e->out, "},\n");
        }
        pw_buf_puts(e->out, "]\n");
    }
    /* PEP 751 packages.index: "the base URL for the package index"; a
     * local index is recorded as a path, which is no URL. */
    if (p->source && strcmp(p->source, PW_SOURCE_INDEX) == 0 && p->index && has_scheme(p->index))
        toml_key_string(e, "index", p->index);
    if (is_git(p)) {
        char *repo = git_repo_url(p->url ? p->url : "");
        pw_buf_puts(e->out, "vcs = {type = \"git\", url = ");
        toml_string(e, repo);
        pw_buf_puts(e->out, ", commit-id = ");
        toml_string(e, p->git_commit);
        pw_buf_puts(e->out, "}\n");
        free(repo);
    } else if (is_wheel(p)) {
        pw_buf_puts(e->out, "wheels = [\n    ");
        artifact_table(e, p, true);
        pw_buf_puts(e->out, ",\n]\n");
    } else {
        /* Pyodide's shared-library zips are no wheels: PEP 751's archive
         * is the one source kind with a URL and hashes for other files. */
        pw_buf_puts(e->out, "archive = ");
        artifact_table(e, p, false);
        pw_buf_putc(e->out, '\n');
    }

    /* PEP 751 [packages.tool]: disposable data; Pyodide's own fields. */
    pw_buf_puts(e->out, "\n[packages.tool.pwpkg]\n");
    toml_key_string(e, "package-type", p->package_type ? p->package_type : "package");
    toml_key_string(e, "install-dir", p->install_dir ? p->install_dir : "site");
    toml_string_array(e, "imports", &p->imports);
    if (p->source)
        toml_key_string(e, "source", p->source);
    if (is_git(p)) {
        /* The wheel pwpkg built from the commit, which the bundle uses. */
        toml_key_string(e, "file-name", p->file_name);
        toml_key_string(e, "sha256", p->sha256);
    }
}

int pw_export_pylock(const pw_lock *lock, pw_buf *out, pw_error *err)
{
    const pw_lock_release *r = &lock->release;
    int rc = check_release(r, err);
    const pw_lock_package **pkgs = NULL;
    if (rc == PW_OK)
        rc = sorted_packages(lock, &pkgs, err);
    if (rc != PW_OK)
        return rc;

    pw_buf text = PW_BUF_INIT;
    toml_emitter e = {&text, err, PW_OK};
    pw_buf_printf(&text, "# PEP 751 lock for Pyodide %s, exported by pwpkg.\n",
                  r->pyodide ? r->pyodide : "(unknown release)");
    toml_key_string(&e, "lock-version", "1.0");
    pw_buf marker = PW_BUF_INIT;
    release_marker(r, &marker);
    pw_strlist envs = PW_STRLIST_INIT;
    pw_strlist_push(&envs, marker.data);
    toml_string_array(&e, "environments", &envs);
    pw_strlist_free(&envs);
    pw_buf_free(&marker);
    if (r->python) {
        /* The runtime's Python is exactly one version. */
        pw_buf rp = PW_BUF_INIT;
        pw_buf_printf(&rp, "==%s", r->python);
        toml_key_string(&e, "requires-python", rp.data);
        pw_buf_free(&rp);
    }
    toml_key_string(&e, "created-by", "pwpkg");
    for (size_t i = 0; i < lock->n_packages; i++)
        pylock_package(&e, pkgs[i]);
    free(pkgs);
    if (e.rc == PW_OK)
        pw_buf_append(out, text.data, text.len);
    pw_buf_free(&text);
    return e.rc;
}

/* ---------------------------------------------------------- requirements */

static void release_line(const pw_lock_release *r, pw_buf *out)
{
    pw_buf_printf(out, "# Pyodide %s", r->pyodide ? r->pyodide : "(unknown release)");
    if (r->index_release && (!r->pyodide || strcmp(r->index_release, r->pyodide) != 0))
        pw_buf_printf(out, " (package index of %s)", r->index_release);
    pw_buf_printf(out, ": Python %s, %s, %s", r->python ? r->python : "?",
                  r->platform ? r->platform : "?", r->arch ? r->arch : "wasm32");
    if (r->abi_version)
        pw_buf_printf(out, ", ABI %s", r->abi_version);
    pw_buf_putc(out, '\n');
}

int pw_export_requirements(const pw_lock *lock, pw_buf *out, pw_error *err)
{
    const pw_lock_release *r = &lock->release;
    int rc = check_release(r, err);
    const pw_lock_package **pkgs = NULL;
    if (rc == PW_OK)
        rc = sorted_packages(lock, &pkgs, err);
    if (rc != PW_OK)
        return rc;
    for (size_t i = 0; i < lock->n_packages; i++) {
        const pw_lock_package *p = pkgs[i];
        bool url = p->source && strcmp(p->source, PW_SOURCE_URL) == 0;
        if ((url || is_git(p)) && (!p->url || !is_plain_location(p->url))) {
            rc = pw_error_set(err, PW_EINVAL, "package %s: url '%s' cannot be written as a "
                              "requirement", p->name, p->url ? p->url : "");
            free(pkgs);
            return rc;
        }
    }

    release_line(r, out);
    pw_buf_puts(out, "# Exported by pwpkg: every artifact is pinned by its sha256 "
                     "(pip's hash-checking mode).\n");
    for (size_t i = 0; i < lock->n_packages; i++) {
        const pw_lock_package *p = pkgs[i];
        if (is_git(p)) {
            /* pip's VCS spelling; pip cannot hash a checkout, so no --hash. */
            char *repo = git_repo_url(p->url);
            pw_buf_printf(out, "%s @ git+%s@%s\n", p->name, repo, p->git_commit);
            free(repo);
            continue;
        }
        if (!is_wheel(p)) {
            pw_buf_printf(out, "# %s==%s: %s (%s), loaded by Pyodide, not installable by pip\n",
                          p->name, p->version, p->file_name,
                          p->package_type ? p->package_type : "package");
            continue;
        }
        if (p->source && strcmp(p->source, PW_SOURCE_URL) == 0) {
            /* pip takes a bare path for a local wheel; "name @" needs a URL. */
            if (has_scheme(p->url))
                pw_buf_printf(out, "%s @ %s", p->name, p->url);
            else
                pw_buf_puts(out, p->url);
        } else {
            pw_buf_printf(out, "%s==%s", p->name, p->version);
        }
        pw_buf_printf(out, " \\\n    --hash=sha256:%s\n", p->sha256);
    }
    free(pkgs);
    return PW_OK;
}
