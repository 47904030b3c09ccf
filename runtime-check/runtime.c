/* The runtime manager: Pyodide distributions in the cache, and node. */
#include "runtime_check.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"

/* What loadPyodide({indexURL}) reads from a distribution. */
static const char *const runtime_files[] = {
    "pyodide.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json", "package.json",
};

#define NPM_TIMEOUT_MS (10 * 60 * 1000)
#define TAR_TIMEOUT_MS (5 * 60 * 1000)
#define NODE_VERSION_TIMEOUT_MS 30000

/* The name of the first missing file, or NULL when complete. */
static const char *runtime_missing_file(const char *dir)
{
    for (size_t i = 0; i < sizeof runtime_files / sizeof runtime_files[0]; i++) {
        char *p = pw_path_join(dir, runtime_files[i]);
        bool ok = pw_file_exists(p);
        free(p);
        if (!ok)
            return runtime_files[i];
    }
    return NULL;
}

/* npm accepts far more, but a release version that reaches argv and a cache
 * path must not carry '/', '..' or option syntax. */
static bool version_is_safe(const char *v)
{
    if (!v || !*v || v[0] == '-' || v[0] == '.' || strlen(v) > 64)
        return false;
    for (const char *p = v; *p; p++) {
        bool ok = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  *p == '.' || *p == '-' || *p == '+';
        if (!ok)
            return false;
    }
    return strstr(v, "..") == NULL;
}

static char *json_string_dup(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) && v->valuestring ? pw_xstrdup(v->valuestring) : NULL;
}

int pw_runtime_read_info(const char *runtime_dir, pw_runtime_info *out, pw_error *err)
{
    memset(out, 0, sizeof *out);
    char *lock_path = pw_path_join(runtime_dir, "pyodide-lock.json");
    pw_buf text = PW_BUF_INIT;
    cJSON *root = NULL;
    int rc = pw_read_file(lock_path, &text, err);
    if (rc == 0)
        rc = pw_json_parse(lock_path, pw_buf_cstr(&text), text.len, &root, err);
    if (rc == 0) {
        const cJSON *info = cJSON_GetObjectItemCaseSensitive(root, "info");
        if (!cJSON_IsObject(info)) {
            rc = pw_error_set(err, PW_ERUNTIME, "%s: expected an object \"info\"", lock_path);
        } else {
            out->python = json_string_dup(info, "python");
            out->abi_version = json_string_dup(info, "abi_version");
            out->platform = json_string_dup(info, "platform");
            out->version = json_string_dup(info, "version");
            if (!out->python)
                rc = pw_error_set(err, PW_ERUNTIME, "%s: info.python is missing", lock_path);
        }
    } else {
        /* A runtime whose lock cannot be read cannot start. */
        err->code = PW_ERUNTIME;
        rc = PW_ERUNTIME;
    }
    cJSON_Delete(root);
    pw_buf_free(&text);
    free(lock_path);
    if (rc != 0) {
        pw_runtime_info_free(out);
        return rc;
    }
    /* The npm package's own version is exact; the lock's info.version is
     * deprecated, absent in 0.29.5 and wrong (0.28.0.dev0) in 0.28.3. */
    char *pkg_path = pw_path_join(runtime_dir, "package.json");
    pw_error ignore = {0};
    if (pw_read_file(pkg_path, &text, &ignore) == 0 &&
        pw_json_parse(pkg_path, pw_buf_cstr(&text), text.len, &root, &ignore) == 0) {
        char *v = json_string_dup(root, "version");
        if (v) {
            free(out->version);
            out->version = v;
        }
        cJSON_Delete(root);
    }
    pw_error_clear(&ignore);
    pw_buf_free(&text);
    free(pkg_path);
    return 0;
}

void pw_runtime_info_free(pw_runtime_info *info)
{
    free(info->version);
    free(info->python);
    free(info->abi_version);
    free(info->platform);
    memset(info, 0, sizeof *info);
}

int pw_runtime_verify(const char *runtime_dir, const char *version, const char *python,
                      const char *abi_version, pw_error *err)
{
    if (!pw_is_dir(runtime_dir))
        return pw_error_set(err, PW_ERUNTIME, "Pyodide runtime %s: not a directory", runtime_dir);
    const char *missing = runtime_missing_file(runtime_dir);
    if (missing)
        return pw_error_set(err, PW_ERUNTIME,
                            "Pyodide runtime %s is incomplete: %s is missing (expected the "
                            "package/ folder of the `pyodide` npm package)",
                            runtime_dir, missing);
    pw_runtime_info info;
    int rc = pw_runtime_read_info(runtime_dir, &info, err);
    if (rc != 0)
        return rc;
    if (python && strcmp(python, info.python) != 0)
        rc = pw_error_set(err, PW_ERUNTIME,
                          "Pyodide runtime %s has Python %s, expected %s (info.python of its "
                          "pyodide-lock.json)",
                          runtime_dir, info.python, python);
    else if (abi_version && (!info.abi_version || strcmp(abi_version, info.abi_version) != 0))
        rc = pw_error_set(err, PW_ERUNTIME,
                          "Pyodide runtime %s has ABI %s, expected %s (info.abi_version of its "
                          "pyodide-lock.json)",
                          runtime_dir, info.abi_version ? info.abi_version : "(none)", abi_version);
    else if (version && info.version && strcmp(version, info.version) != 0)
        rc = pw_error_set(err, PW_ERUNTIME, "Pyodide runtime %s is release %s, expected %s",
                          runtime_dir, info.version, version);
    pw_runtime_info_free(&info);
    return rc;
}

static char *runtimes_dir(const char *cache_dir)
{
    return pw_path_join(cache_dir, "runtimes");
}

/* The single file that `npm pack` left in dir. */
static char *find_tgz(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char *found = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 4 && strcmp(e->d_name + n - 4, ".tgz") == 0 && !found)
            found = pw_path_join(dir, e->d_name);
    }
    closedir(d);
    return found;
}

static int run_tool(const char *what, const char *const *argv, int timeout_ms, pw_error *err)
{
    pw_proc_spec spec = {argv, NULL, 0, timeout_ms, NULL, NULL};
    pw_proc_result res;
    int rc = pw_proc_run(&spec, &res, err);
    if (rc == 0 && (res.exit_code != 0 || res.timed_out)) {
        pw_buf why = PW_BUF_INIT;
        pw_proc_describe(&res, timeout_ms, &why);
        /* The tail of stderr is where npm and tar say what went wrong. */
        const char *tail = pw_buf_cstr(&res.errtext);
        if (res.errtext.len > 2000)
            tail += res.errtext.len - 2000;
        rc = pw_error_set(err, PW_ERUNTIME, "%s %s:\n%s", what, pw_buf_cstr(&why), tail);
        pw_buf_free(&why);
    }
    pw_proc_result_free(&res);
    return rc;
}

static char *find_on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    const char *p = path;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        char *dir = len ? pw_xstrndup(p, len) : pw_xstrdup(".");
        char *cand = pw_path_join(dir, name);
        free(dir);
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
            return cand;
        free(cand);
        if (!colon)
            break;
        p = colon + 1;
    }
    return NULL;
}

int pw_runtime_install(const char *version, const char *cache_dir, char **runtime_dir_out,
                       pw_error *err)
{
    *runtime_dir_out = NULL;
    if (!version_is_safe(version))
        return pw_error_set(err, PW_EINVAL,
                            "'%s' is not a Pyodide release version (expected e.g. 0.27.7)",
                            version ? version : "");
    char *root = runtimes_dir(cache_dir);
    char *dest = pw_path_join(root, version);
    if (runtime_missing_file(dest) == NULL && pw_runtime_verify(dest, version, NULL, NULL, err) == 0) {
        free(root);
        *runtime_dir_out = dest;
        return 0;
    }
    pw_error_clear(err);

    char *npm = NULL;
    const char *env_npm = getenv("PWPKG_NPM");
    if (env_npm && *env_npm)
        npm = pw_xstrdup(env_npm);
    else
        npm = find_on_path("npm");
    char *tar = find_on_path("tar");
    char *tmp = NULL, *tgz = NULL, *xdir = NULL, *pkg = NULL;
    int rc = 0;
    if (!npm) {
        rc = pw_error_set(err, PW_ERUNTIME,
                          "npm not found on PATH; install npm (Debian: apt-get install npm) or "
                          "set PWPKG_NPM, or pass --runtime DIR with an unpacked `pyodide` package");
        goto out;
    }
    if (!tar) {
        rc = pw_error_set(err, PW_ERUNTIME, "tar not found on PATH; install tar (Debian: apt-get install tar)");
        goto out;
    }
    if ((rc = pw_mkdirs(root, err)) != 0)
        goto out;
    {
        /* Beside the destination, so the final rename stays on one file system. */
        pw_buf t = PW_BUF_INIT;
        pw_buf_printf(&t, "%s/.tmp-%s-XXXXXX", root, version);
        tmp = pw_buf_detach(&t);
        if (!mkdtemp(tmp)) {
            rc = pw_error_set(err, PW_EIO, "cannot create a temporary directory %s: %s", tmp,
                              strerror(errno));
            free(tmp);
            tmp = NULL;
            goto out;
        }
    }
    pw_report(PW_REPORT_INFO, "downloading pyodide@%s with npm", version);
    {
        pw_buf spec = PW_BUF_INIT;
        pw_buf_printf(&spec, "pyodide@%s", version);
        const char *argv[] = {npm, "pack", pw_buf_cstr(&spec), "--pack-destination", tmp,
                              "--silent", NULL};
        pw_buf what = PW_BUF_INIT;
        pw_buf_printf(&what, "npm pack %s", pw_buf_cstr(&spec));
        rc = run_tool(pw_buf_cstr(&what), argv, NPM_TIMEOUT_MS, err);
        pw_buf_free(&what);
        pw_buf_free(&spec);
        if (rc != 0)
            goto out;
    }
    tgz = find_tgz(tmp);
    if (!tgz) {
        rc = pw_error_set(err, PW_ERUNTIME, "npm pack pyodide@%s succeeded but left no .tgz in %s",
                          version, tmp);
        goto out;
    }
    xdir = pw_path_join(tmp, "x");
    if ((rc = pw_mkdirs(xdir, err)) != 0)
        goto out;
    {
        /* Only package/ matters; --no-same-owner so a root user does not
         * restore the packer's uid. */
        const char *argv[] = {tar, "-xzf", tgz, "-C", xdir, "--no-same-owner", "package", NULL};
        if ((rc = run_tool("tar -xzf of the pyodide package", argv, TAR_TIMEOUT_MS, err)) != 0)
            goto out;
    }
    pkg = pw_path_join(xdir, "package");
    if ((rc = pw_runtime_verify(pkg, version, NULL, NULL, err)) != 0) {
        pw_error_wrap(err, "npm package pyodide@%s", version);
        goto out;
    }
    if (rename(pkg, dest) != 0) {
        int e = errno;
        /* Another pwpkg finished the same install first: use its copy. */
        if ((e == EEXIST || e == ENOTEMPTY) && pw_runtime_verify(dest, version, NULL, NULL, err) == 0) {
            pw_error_clear(err);
        } else {
            rc = pw_error_set(err, PW_EIO, "cannot rename %s to %s: %s", pkg, dest, strerror(e));
            goto out;
        }
    }
    *runtime_dir_out = dest;
    dest = NULL;
out:
    if (tmp) {
        pw_error ignore = {0};
        pw_remove_tree(tmp, &ignore);
        pw_error_clear(&ignore);
    }
    free(pkg);
    free(xdir);
    free(tgz);
    free(tmp);
    free(tar);
    free(npm);
    free(dest);
    free(root);
    return rc;
}

int pw_runtime_locate(const char *version, const char *cache_dir, const char *explicit_dir,
                      char **runtime_dir_out, pw_error *err)
{
    *runtime_dir_out = NULL;
    if (explicit_dir) {
        int rc = pw_runtime_verify(explicit_dir, version, NULL, NULL, err);
        if (rc != 0)
            return pw_error_wrap(err, "--runtime %s", explicit_dir);
        *runtime_dir_out = pw_xstrdup(explicit_dir);
        return 0;
    }
    if (!version_is_safe(version))
        return pw_error_set(err, PW_EINVAL,
                            "'%s' is not a Pyodide release version (expected e.g. 0.27.7)",
                            version ? version : "");
    char *root = runtimes_dir(cache_dir);
    char *dir = pw_path_join(root, version);
    int rc = 0;
    if (!pw_is_dir(dir)) {
        rc = pw_error_set(err, PW_ENOTFOUND,
                          "Pyodide runtime %s is not installed in %s; run `pwpkg runtime install "
                          "%s` or pass --runtime DIR",
                          version, root, version);
    } else {
        rc = pw_runtime_verify(dir, version, NULL, NULL, err);
    }
    free(root);
    if (rc != 0) {
        free(dir);
        return rc;
    }
    *runtime_dir_out = dir;
    return 0;
}

int pw_runtime_list(const char *cache_dir, pw_strlist *out, pw_error *err)
{
    char *root = runtimes_dir(cache_dir);
    DIR *d = opendir(root);
    if (!d) {
        int e = errno;
        free(root);
        if (e == ENOENT)
            return 0;
        return pw_error_set(err, PW_EIO, "cannot list %s/runtimes: %s", cache_dir, strerror(e));
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        /* Dot entries include unfinished installs (.tmp-*). */
        if (e->d_name[0] == '.')
            continue;
        char *dir = pw_path_join(root, e->d_name);
        if (pw_is_dir(dir) && runtime_missing_file(dir) == NULL)
            pw_strlist_push(out, e->d_name);
        free(dir);
    }
    closedir(d);
    free(root);
    pw_strlist_sort(out);
    return 0;
}

/* "v20.20.2\n" -> 20; -1 when not a node version. */
static int parse_node_major(const char *text)
{
    while (*text == ' ' || *text == '\n')
        text++;
    if (*text != 'v')
        return -1;
    text++;
    if (*text < '0' || *text > '9')
        return -1;
    int major = 0;
    while (*text >= '0' && *text <= '9' && major < 100000)
        major = major * 10 + (*text++ - '0');
    return *text == '.' ? major : -1;
}

int pw_runtime_find_node(const char *explicit_node, char **node_out, int *major_out,
                         pw_error *err)
{
    *node_out = NULL;
    const char *origin = NULL;
    char *node = NULL;
    const char *env = getenv("PWPKG_NODE");
    if (explicit_node && *explicit_node) {
        node = pw_xstrdup(explicit_node);
        origin = "--node";
    } else if (env && *env) {
        node = pw_xstrdup(env);
        origin = "$PWPKG_NODE";
    } else {
        node = find_on_path("node");
        if (!node)
            return pw_error_set(err, PW_ERUNTIME,
                                "node not found on PATH; install Node.js >= %d (Debian: apt-get "
                                "install nodejs)",
                                PW_RUNTIME_NODE_MIN_MAJOR);
        origin = "PATH";
    }
    if (strchr(node, '/') && access(node, X_OK) != 0) {
        int rc = pw_error_set(err, PW_ERUNTIME,
                              "node not found at %s (from %s): %s; install Node.js >= %d (Debian: "
                              "apt-get install nodejs) or point %s at it",
                              node, origin, strerror(errno), PW_RUNTIME_NODE_MIN_MAJOR, origin);
        free(node);
        return rc;
    }
    const char *argv[] = {node, "--version", NULL};
    pw_proc_spec spec = {argv, NULL, 0, NODE_VERSION_TIMEOUT_MS, NULL, NULL};
    pw_proc_result res;
    int rc = pw_proc_run(&spec, &res, err);
    if (rc != 0) {
        pw_error_wrap(err, "node (from %s)", origin);
        free(node);
        pw_proc_result_free(&res);
        return rc;
    }
    int major = res.exit_code == 0 ? parse_node_major(pw_buf_cstr(&res.out)) : -1;
    if (major < 0)
        rc = pw_error_set(err, PW_ERUNTIME, "%s --version (from %s) did not print a Node.js version",
                          node, origin);
    else if (major < PW_RUNTIME_NODE_MIN_MAJOR)
        rc = pw_error_set(err, PW_ERUNTIME,
                          "%s is Node.js %d; Pyodide needs Node.js >= %d (Debian: apt-get install "
                          "nodejs)",
                          node, major, PW_RUNTIME_NODE_MIN_MAJOR);
    pw_proc_result_free(&res);
    if (rc != 0) {
        free(node);
        return rc;
    }
    if (major_out)
        *major_out = major;
    *node_out = node;
    return 0;
}

int pw_runtime_harness_path(char **path_out, pw_error *err)
{
    *path_out = NULL;
    const char *env = getenv("PWPKG_HARNESS");
    if (env && *env) {
        if (!pw_file_exists(env))
            return pw_error_set(err, PW_ERUNTIME, "$PWPKG_HARNESS=%s does not exist", env);
        *path_out = pw_xstrdup(env);
        return 0;
    }
    pw_strlist tried = PW_STRLIST_INIT;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *dir = pw_path_dirname(exe);
        char *cand = pw_path_join(dir, "../share/pwpkg/harness.mjs");
        free(dir);
        pw_strlist_push_owned(&tried, cand);
    }
#ifdef PWPKG_HARNESS_PATH
    pw_strlist_push(&tried, PWPKG_HARNESS_PATH);
#endif
    for (size_t i = 0; i < tried.len; i++) {
        if (pw_file_exists(tried.items[i])) {
            *path_out = pw_xstrdup(tried.items[i]);
            pw_strlist_free(&tried);
            return 0;
        }
    }
    pw_buf list = PW_BUF_INIT;
    for (size_t i = 0; i < tried.len; i++)
        pw_buf_printf(&list, "%s%s", i ? ", " : "", tried.items[i]);
    int rc = pw_error_set(err, PW_ERUNTIME,
                          "pwpkg's check harness (harness.mjs) not found (tried %s); set "
                          "PWPKG_HARNESS to runtime-check/harness.mjs of the pwpkg sources",
                          list.len ? pw_buf_cstr(&list) : "nothing");
    pw_buf_free(&list);
    pw_strlist_free(&tried);
    return rc;
}
