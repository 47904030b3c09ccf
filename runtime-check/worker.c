/* The Worker as wrangler uploads it, and the first request to send it. */
#include "runtime_check.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resolver.h"

/* workerd's flag for a snapshot that holds the Worker's own top level. */
#define DEDICATED_SNAPSHOT_FLAG "python_dedicated_snapshot"

static char *with_line(const char *path, size_t line)
{
    pw_buf b = PW_BUF_INIT;
    if (line)
        pw_buf_printf(&b, "%s:%zu", path, line);
    else
        pw_buf_puts(&b, path);
    return pw_buf_detach(&b);
}

/* `rel` resolved against `dir` unless absolute. */
static char *resolve(const char *dir, const char *rel)
{
    if (rel[0] == '/' || !dir)
        return pw_xstrdup(rel);
    return pw_path_join(dir, rel);
}

int pw_check_dev_vars_parse(const char *path, const char *text, size_t len, pw_strlist *names,
                            pw_strlist *values, pw_error *err)
{
    size_t lineno = 0;
    for (const char *p = text, *end = text + len; p < end;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *stop = eol ? eol : end;
        lineno++;
        const char *a = p, *b = stop;
        p = eol ? eol + 1 : end;
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        if (a == b || *a == '#')
            continue;
        if ((size_t)(b - a) > 7 && strncmp(a, "export ", 7) == 0)
            a += 7;
        const char *eq = memchr(a, '=', (size_t)(b - a));
        const char *ke = eq;
        while (ke && ke > a && isspace((unsigned char)ke[-1]))
            ke--;
        bool name_ok = eq && ke > a;
        for (const char *k = a; name_ok && k < ke; k++)
            name_ok = isalnum((unsigned char)*k) || *k == '_';
        if (!name_ok)
            return pw_error_set(err, PW_EINVAL, "%s:%zu: expected NAME=VALUE, found '%.*s'", path,
                                lineno, (int)(b - a), a);
        const char *v = eq + 1;
        while (v < b && isspace((unsigned char)*v))
            v++;
        /* dotenv: a quoted value keeps its spaces and #; the quotes go. */
        if (b - v >= 2 && (*v == '"' || *v == '\'') && b[-1] == *v) {
            v++;
            b--;
        } else {
            const char *hash = memchr(v, '#', (size_t)(b - v));
            if (hash && hash > v && isspace((unsigned char)hash[-1]))
                for (b = hash; b > v && isspace((unsigned char)b[-1]);)
                    b--;
        }
        pw_buf name = PW_BUF_INIT, value = PW_BUF_INIT;
        pw_buf_append(&name, a, (size_t)(ke - a));
        pw_buf_append(&value, v, (size_t)(b - v));
        pw_strlist_push_owned(names, pw_buf_detach(&name));
        pw_strlist_push_owned(values, pw_buf_detach(&value));
    }
    return PW_OK;
}

/* wrangler dev reads .dev.vars.<env> for --env NAME when it exists, else
 * .dev.vars, from beside the config. */
static int read_dev_vars(const char *dir, const char *env, pw_check_worker *w, pw_error *err)
{
    char *path = NULL;
    if (env) {
        pw_buf b = PW_BUF_INIT;
        pw_buf_printf(&b, ".dev.vars.%s", env);
        path = pw_path_join(dir, pw_buf_cstr(&b));
        pw_buf_free(&b);
        if (!pw_file_exists(path)) {
            free(path);
            path = NULL;
        }
    }
    if (!path)
        path = pw_path_join(dir, ".dev.vars");
    if (!pw_file_exists(path)) {
        free(path);
        return PW_OK;
    }
    pw_buf text = PW_BUF_INIT;
    int rc = pw_read_file(path, &text, err);
    if (rc == PW_OK)
        rc = pw_check_dev_vars_parse(path, pw_buf_cstr(&text), text.len, &w->dev_var_names,
                                     &w->dev_var_values, err);
    pw_buf_free(&text);
    if (rc == PW_OK)
        w->dev_vars_path = path;
    else
        free(path);
    return rc;
}

static bool has_flag(const pw_wrangler_config *c, const char *flag)
{
    return c && pw_strlist_contains(&c->compatibility_flags, flag);
}

int pw_check_worker_load(const char *project_dir, const char *env, const char *entry,
                         pw_check_worker *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    pw_wrangler_config *c = pw_xcalloc(1, sizeof(*c));
    int rc = pw_wrangler_read_dir(project_dir, env, c, err);
    if (rc == PW_ENOTFOUND) {
        pw_error_clear(err);
        free(c);
        c = NULL;
        rc = PW_OK;
        if (env)
            return pw_error_set(err, PW_EINVAL,
                                "--env %s: no wrangler config (wrangler.json, wrangler.jsonc or "
                                "wrangler.toml) in %s",
                                env, project_dir);
    } else if (rc != PW_OK) {
        free(c);
        return rc;
    }
    out->config = c;
    char *config_dir = c ? pw_path_dirname(c->path) : NULL;
    char *main_path = entry ? pw_xstrdup(entry) : c && c->main ? resolve(config_dir, c->main) : NULL;
    char *base = NULL, *abs_main = NULL, *abs_base = NULL;
    if (!main_path) {
        rc = pw_error_set(err, PW_ENOTFOUND, "no entry module: give --entry FILE or set main in "
                                              "the wrangler config");
        goto out;
    }
    size_t mlen = strlen(main_path);
    if (!entry && (mlen < 3 || strcmp(main_path + mlen - 3, ".py") != 0)) {
        /* A JavaScript Worker: nothing of it runs in Pyodide. */
        rc = pw_error_set(err, PW_ENOTFOUND, "%s:%zu: main %s is not a Python module", c->path,
                          c->main_line, c->main);
        goto out;
    }
    if (c) {
        out->config_path = pw_xstrdup(c->path);
        out->rules_origin = with_line(c->path, c->rules_line);
    }
    base = c && c->base_dir ? resolve(config_dir, c->base_dir) : pw_path_dirname(main_path);
    if (!(abs_main = realpath(main_path, NULL))) {
        int e = errno;
        if (!entry && c)
            rc = pw_error_set(err, PW_ENOTFOUND, "%s:%zu: main %s: %s", c->path, c->main_line,
                              main_path, strerror(e));
        else
            rc = pw_error_set(err, e == ENOENT ? PW_ENOTFOUND : PW_EIO, "entry module %s: %s",
                              main_path, strerror(e));
        goto out;
    }
    if (!(abs_base = realpath(base, NULL))) {
        rc = pw_error_set(err, PW_ENOTFOUND, "%s%s%zu: base_dir %s: %s", c ? c->path : "",
                          c ? ":" : "", c ? c->base_dir_line : 0, base, strerror(errno));
        goto out;
    }
    size_t bl = strlen(abs_base);
    if (strncmp(abs_main, abs_base, bl) != 0 || abs_main[bl] != '/') {
        rc = pw_error_set(err, PW_EINVAL,
                          "%s:%zu: the main module %s is outside base_dir %s: wrangler names "
                          "modules relative to base_dir",
                          c ? c->path : base, c ? c->base_dir_line : 0, main_path, base);
        goto out;
    }
    out->base_dir = abs_base;
    abs_base = NULL;
    out->base_dir_label = pw_xstrdup(base);
    out->main = pw_xstrdup(abs_main + bl + 1);
    pw_buf mod = PW_BUF_INIT;
    size_t ml = strlen(out->main);
    if (ml > 3 && strcmp(out->main + ml - 3, ".py") == 0)
        ml -= 3;
    for (size_t i = 0; i < ml; i++)
        pw_buf_putc(&mod, out->main[i] == '/' ? '.' : out->main[i]);
    out->module = pw_buf_detach(&mod);

    if (c && c->has_python_modules_exclude) {
        for (size_t i = 0; i < c->python_modules_exclude.len; i++)
            pw_strlist_push(&out->exclude, c->python_modules_exclude.items[i]);
        out->exclude_origin = with_line(c->path, c->python_modules_exclude_line);
    } else if (c) {
        /* wrangler 4.164.0's default when the config gives none. Without a
         * wrangler config nothing is uploaded, so nothing is excluded: the
         * bundle runs as Pyodide in a browser or Node.js would run it. */
        pw_strlist_push(&out->exclude, "**/*.pyc");
        out->exclude_origin = pw_xstrdup("wrangler's default");
    }
    if (c && c->assets_directory && *c->assets_directory) {
        out->assets_label = pw_xstrdup(c->assets_directory);
        out->assets_dir = resolve(config_dir, c->assets_directory);
    }
    out->dedicated_snapshot = has_flag(c, DEDICATED_SNAPSHOT_FLAG);
    if (out->dedicated_snapshot)
        out->snapshot_origin = with_line(c->path, c->compatibility_flags_line);
    rc = read_dev_vars(config_dir ? config_dir : project_dir, env, out, err);
out:
    free(abs_main);
    free(abs_base);
    free(base);
    free(main_path);
    free(config_dir);
    if (rc != PW_OK)
        pw_check_worker_free(out);
    return rc;
}

void pw_check_worker_free(pw_check_worker *w)
{
    if (!w)
        return;
    if (w->config) {
        pw_wrangler_config_free(w->config);
        free(w->config);
    }
    free(w->config_path);
    free(w->base_dir);
    free(w->base_dir_label);
    free(w->main);
    free(w->module);
    free(w->rules_origin);
    pw_strlist_free(&w->exclude);
    free(w->exclude_origin);
    free(w->snapshot_origin);
    free(w->assets_dir);
    free(w->assets_label);
    free(w->dev_vars_path);
    pw_strlist_free(&w->dev_var_names);
    pw_strlist_free(&w->dev_var_values);
    memset(w, 0, sizeof(*w));
}

int pw_check_call_parse_request(const char *text, pw_check_call *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    const char *sp = strchr(text, ' ');
    size_t n = sp ? (size_t)(sp - text) : 0;
    bool ok = n > 0;
    for (size_t i = 0; ok && i < n; i++)
        ok = isupper((unsigned char)text[i]);
    const char *path = sp ? sp + 1 : NULL;
    while (path && *path == ' ')
        path++;
    if (!ok || !path || *path != '/' || strchr(path, ' '))
        return pw_error_set(err, PW_EINVAL,
                            "--request '%s': expected 'METHOD /path', e.g. 'GET /' or "
                            "'POST /items?x=1'",
                            text);
    out->kind = PW_CHECK_CALL_FETCH;
    out->method = (pw_slice){text, n};
    out->path = path;
    return PW_OK;
}
