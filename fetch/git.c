/*
 * Git sources through libgit2: URL parsing (pip's VCS URL syntax), the bare
 * repository cache, ref resolution, tree export, and two read-only queries
 * on local repositories (a file at a revision, the HEAD state).
 *
 * Every public function that touches libgit2 first loads it
 * (libgit2_lazy.h: it is opened, not linked, so that commands without git
 * work never map it; hence the pw_lg. before each call), then brackets its
 * work with git_libgit2_init/shutdown, which libgit2 reference-counts, so
 * callers never manage libgit2's global state.
 */
#include "git_api.h"
#include "libgit2_lazy.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Deeper trees than this are refused rather than recursed into. */
#define GIT_MAX_TREE_DEPTH 256
/* Credential callbacks are retried by libgit2 until they give up. */
#define GIT_MAX_AUTH_ATTEMPTS 2
/* Git accepts abbreviations from 4 hex digits on (core.abbrev minimum). */
#define GIT_MIN_ABBREV 4
/* Length of the subdirectory hash in an export directory name. */
#define GIT_SUBDIR_HASH_LEN 12

static const char *const git_schemes[] = {"https", "http", "ssh", "git", "file"};

/* --------------------------------------------------------------- parsing */

static bool has_control_or_space(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return true;
    return false;
}

/* git check-ref-format, the rules that matter for a name typed in a URL. */
static bool ref_name_ok(const char *r)
{
    size_t n = strlen(r);
    if (n == 0 || r[0] == '-' || r[0] == '/' || r[n - 1] == '/' || r[n - 1] == '.')
        return false;
    if (n >= 5 && strcmp(r + n - 5, ".lock") == 0)
        return false;
    if (strstr(r, "..") || strstr(r, "@{") || strstr(r, "//") || strcmp(r, "@") == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)r[i] <= 0x20 || r[i] == 0x7f || strchr("~^:?*[\\", r[i]))
            return false;
    return true;
}

/* A relative path of plain components; trailing '/' removed. NULL if bad. */
static char *clean_subdirectory(const char *s, size_t len)
{
    while (len > 0 && s[len - 1] == '/')
        len--;
    if (len == 0 || s[0] == '/' || memchr(s, '\\', len))
        return NULL;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return NULL;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '/') {
            size_t clen = i - start;
            if (clen == 0 || (clen == 1 && s[start] == '.') ||
                (clen == 2 && s[start] == '.' && s[start + 1] == '.'))
                return NULL;
            start = i + 1;
        }
    }
    return pw_xstrndup(s, len);
}

static void url_decode(const char *s, size_t len, pw_buf *out)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            pw_buf_putc(out, (char)strtol(hex, NULL, 16));
            i += 2;
        } else {
            pw_buf_putc(out, s[i]);
        }
    }
}

int pw_git_source_parse(const char *requirement_url, pw_git_source *out, pw_error *err)
{
    memset(out, 0, sizeof *out);
    if (!requirement_url)
        return pw_error_set(err, PW_EINVAL, "git URL: missing");
    char *shown = pw_redact_url(requirement_url);
    int rc = PW_OK;
    pw_buf base = PW_BUF_INIT;
    const char *in = requirement_url;

    if (strncmp(in, "git+", 4) != 0) {
        rc = pw_error_set(err, PW_EINVAL,
                          "%s: expected a git URL starting with git+https://, git+ssh:// or "
                          "git+file://",
                          shown);
        goto done;
    }
    const char *url = in + 4;
    const char *end = url + strcspn(url, "#");
    if (has_control_or_space(url, (size_t)(end - url))) {
        rc = pw_error_set(err, PW_EINVAL, "%s: spaces and control characters are not allowed in "
                                          "a git URL (percent-encode them)",
                          shown);
        goto done;
    }
    const char *sep = strstr(url, "://");
    if (!sep || sep > end) {
        /* pip dropped scp-like "git+git@host:path" years ago: say what to write. */
        rc = pw_error_set(err, PW_EINVAL,
                          "%s: expected <scheme>://host/path after \"git+\" (write "
                          "git+ssh://git@host/org/repo.git rather than git@host:org/repo.git)",
                          shown);
        goto done;
    }
    size_t scheme_len = (size_t)(sep - url);
    const char *scheme = NULL;
    for (size_t i = 0; i < sizeof git_schemes / sizeof git_schemes[0]; i++)
        if (strlen(git_schemes[i]) == scheme_len && strncasecmp(url, git_schemes[i], scheme_len) == 0)
            scheme = git_schemes[i];
    if (!scheme) {
        rc = pw_error_set(err, PW_EUNSUPPORTED,
                          "%s: unsupported git transport \"%.*s\" (expected git+https, git+http, "
                          "git+ssh, git+git or git+file)",
                          shown, (int)scheme_len, url);
        goto done;
    }
    const char *authority = sep + 3;
    const char *auth_end = authority + strcspn(authority, "/?#");
    if (auth_end > end)
        auth_end = end;
    const char *at = NULL;
    for (const char *p = authority; p < auth_end; p++)
        if (*p == '@')
            at = p;
    const char *host = at ? at + 1 : authority;
    if (strcmp(scheme, "file") != 0 && host == auth_end) {
        rc = pw_error_set(err, PW_EINVAL, "%s: no host in the git URL", shown);
        goto done;
    }
    const char *query = auth_end + strcspn(auth_end, "?#");
    if (query > end)
        query = end;

    /* pip: the revision follows the last '@' of the path ("repo.git@v1"),
     * never one of the authority ("git@host"). Refs may contain '/'. */
    const char *path = auth_end, *path_end = query, *ref_at = NULL;
    for (const char *p = path; p < path_end; p++)
        if (*p == '@')
            ref_at = p;
    if (ref_at) {
        out->ref = pw_xstrndup(ref_at + 1, (size_t)(path_end - ref_at - 1));
        if (!ref_name_ok(out->ref)) {
            rc = pw_error_set(err, PW_EINVAL,
                              "%s: \"%s\" after '@' is not a valid git ref (branch, tag or "
                              "commit SHA)",
                              shown, out->ref);
            goto done;
        }
        path_end = ref_at;
    }
    if (path_end - path <= 1) {
        rc = pw_error_set(err, PW_EINVAL, "%s: no repository path in the git URL", shown);
        goto done;
    }

    for (const char *s = url; s < sep; s++)
        pw_buf_putc(&base, (char)tolower((unsigned char)*s));
    pw_buf_append(&base, sep, (size_t)(path_end - sep));
    pw_buf_append(&base, query, (size_t)(end - query));

    if (at) {
        /* An ssh user name ("git@") is addressing, not a secret; a password
         * or an https token is. */
        bool user_only = strcmp(scheme, "ssh") == 0 && !memchr(authority, ':', (size_t)(at - authority));
        if (user_only) {
            out->url = pw_xstrdup(pw_buf_cstr(&base));
        } else {
            out->url = pw_redact_url(pw_buf_cstr(&base));
            out->auth_url = pw_xstrdup(pw_buf_cstr(&base));
        }
    } else {
        out->url = pw_xstrdup(pw_buf_cstr(&base));
    }

    if (*end == '#') {
        /* pip: "#subdirectory=path&egg=name"; other keys are ignored. */
        const char *f = end + 1;
        while (*f) {
            size_t n = strcspn(f, "&");
            if (n > 13 && strncmp(f, "subdirectory=", 13) == 0) {
                pw_buf dec = PW_BUF_INIT;
                url_decode(f + 13, n - 13, &dec);
                free(out->subdirectory);
                out->subdirectory = clean_subdirectory(pw_buf_cstr(&dec), dec.len);
                bool bad = !out->subdirectory;
                if (bad)
                    rc = pw_error_set(err, PW_EINVAL,
                                      "%s: subdirectory \"%s\" must be a relative path inside the "
                                      "repository (no \"..\", no leading '/')",
                                      shown, pw_buf_cstr(&dec));
                pw_buf_free(&dec);
                if (bad)
                    goto done;
            } else if (n == 13 && strncmp(f, "subdirectory=", 13) == 0) {
                rc = pw_error_set(err, PW_EINVAL, "%s: empty #subdirectory=", shown);
                goto done;
            }
            f += n;
            if (*f == '&')
                f++;
        }
    }

done:
    pw_buf_free(&base);
    free(shown);
    if (rc != PW_OK)
        pw_git_source_free(out);
    return rc;
}

void pw_git_source_free(pw_git_source *s)
{
    if (!s)
        return;
    free(s->url);
    free(s->ref);
    free(s->subdirectory);
    free(s->auth_url);
    memset(s, 0, sizeof *s);
}

/* --------------------------------------------------------------- errors */

/* Replaces every occurrence of `needle` in `b` by "***". */
static void scrub(pw_buf *b, const char *needle)
{
    size_t n = needle ? strlen(needle) : 0;
    if (n == 0 || !b->data)
        return;
    pw_buf out = PW_BUF_INIT;
    const char *p = b->data;
    const char *hit;
    while ((hit = strstr(p, needle))) {
        pw_buf_append(&out, p, (size_t)(hit - p));
        pw_buf_puts(&out, "***");
        p = hit + n;
    }
    pw_buf_puts(&out, p);
    pw_buf_free(b);
    *b = out;
}

typedef struct git_secrets {
    char *userinfo; /* as written in the URL */
    char *user;     /* percent-decoded */
    char *password; /* percent-decoded, NULL when absent */
    int attempts;
    const char *label; /* the redacted URL, for progress */
} git_secrets;

static void secrets_init(git_secrets *s, const pw_git_source *src)
{
    memset(s, 0, sizeof *s);
    if (!src->auth_url)
        return;
    const char *a = strstr(src->auth_url, "://") + 3;
    const char *a_end = a + strcspn(a, "/?#");
    const char *at = NULL;
    for (const char *p = a; p < a_end; p++)
        if (*p == '@')
            at = p;
    if (!at)
        return;
    s->userinfo = pw_xstrndup(a, (size_t)(at - a));
    const char *colon = memchr(a, ':', (size_t)(at - a));
    pw_buf b = PW_BUF_INIT;
    url_decode(a, (size_t)((colon ? colon : at) - a), &b);
    s->user = pw_xstrdup(pw_buf_cstr(&b));
    if (colon) {
        pw_buf_reset(&b);
        url_decode(colon + 1, (size_t)(at - colon - 1), &b);
        s->password = pw_xstrdup(pw_buf_cstr(&b));
    }
    pw_buf_free(&b);
}

static void secrets_free(git_secrets *s)
{
    free(s->userinfo);
    free(s->user);
    free(s->password);
}

/* "<context>: <libgit2's message>", with any secret scrubbed out. */
static int git_fail(pw_error *err, int code, const git_secrets *sec, const char *fmt, ...)
    PW_PRINTF(4, 5);
static int git_fail(pw_error *err, int code, const git_secrets *sec, const char *fmt, ...)
{
    pw_buf b = PW_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    const git_error *ge = pw_lg.git_error_last();
    if (ge && ge->message && *ge->message)
        pw_buf_printf(&b, ": %s", ge->message);
    if (sec) {
        /* The raw user info always; decoded parts only when long enough not
         * to blank out ordinary words of the message. */
        scrub(&b, sec->userinfo);
        const char *secret = sec->password ? sec->password : sec->user; /* user alone: a token */
        if (secret && strlen(secret) >= 4)
            scrub(&b, secret);
    }
    int rc = pw_error_set(err, code, "%s", pw_buf_cstr(&b));
    pw_buf_free(&b);
    return rc;
}

/* ------------------------------------------------------------- transfer */

static int credentials_cb(git_credential **out, const char *url, const char *username_from_url,
                          unsigned int allowed, void *payload)
{
    git_secrets *sec = payload;
    /* libgit2 calls again after a rejection: give up instead of looping. */
    if (++sec->attempts > GIT_MAX_AUTH_ATTEMPTS) {
        pw_lg.git_error_set_str(GIT_ERROR_NET, "authentication failed");
        return GIT_EAUTH;
    }
    const char *user = username_from_url && *username_from_url ? username_from_url : "git";
    if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && sec->user)
        return pw_lg.git_credential_userpass_plaintext_new(out, sec->user,
                                                     sec->password ? sec->password : "");
    if (allowed & GIT_CREDENTIAL_SSH_KEY)
        return pw_lg.git_credential_ssh_key_from_agent(out, user);
    if (allowed & GIT_CREDENTIAL_USERNAME)
        return pw_lg.git_credential_username_new(out, user);
    return GIT_PASSTHROUGH;
}

static int transfer_progress_cb(const git_indexer_progress *stats, void *payload)
{
    const git_secrets *sec = payload;
    pw_report_progress(sec->label, stats->received_bytes, 0);
    return 0;
}

/* Fetches branches and tags (forced, pruned: the cache mirrors the remote)
 * and records the remote's default branch as HEAD of the bare repository. */
static int fetch_remote(git_repository *repo, const pw_git_source *src, git_secrets *sec,
                        pw_error *err)
{
    const char *transport_url = src->auth_url ? src->auth_url : src->url;
    git_remote *remote = NULL;
    if (pw_lg.git_remote_create_anonymous(&remote, repo, transport_url) != 0)
        return git_fail(err, PW_EINVAL, sec, "%s: bad git remote", src->url);

    git_fetch_options fo;
    pw_lg.git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
    fo.callbacks.credentials = credentials_cb;
    fo.callbacks.transfer_progress = transfer_progress_cb;
    fo.callbacks.payload = sec;
    fo.prune = GIT_FETCH_PRUNE;
    fo.update_fetchhead = 0;
    fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
    fo.proxy_opts.type = GIT_PROXY_AUTO;
    char *specs[] = {"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"};
    git_strarray refspecs = {specs, 2};
    sec->attempts = 0;
    sec->label = src->url;
    pw_report(PW_REPORT_INFO, "fetching %s", src->url);
    int grc = pw_lg.git_remote_fetch(remote, &refspecs, &fo, "pwpkg: fetch");
    if (grc != 0) {
        int code = grc == GIT_ENOTFOUND ? PW_ENOTFOUND : PW_ENET;
        int rc = git_fail(err, code, sec, "%s: git fetch failed", src->url);
        pw_lg.git_remote_free(remote);
        return rc;
    }

    git_buf branch = {0};
    if (pw_lg.git_remote_default_branch(&branch, remote) == 0 &&
        pw_lg.git_repository_set_head(repo, branch.ptr) == 0) {
        pw_lg.git_buf_dispose(&branch);
    } else {
        pw_lg.git_buf_dispose(&branch);
        const git_remote_head **heads = NULL;
        size_t n = 0;
        if (pw_lg.git_remote_ls(&heads, &n, remote) == 0)
            for (size_t i = 0; i < n; i++)
                if (strcmp(heads[i]->name, "HEAD") == 0)
                    pw_lg.git_repository_set_head_detached(repo, &heads[i]->oid);
    }
    pw_lg.git_error_clear();
    pw_lg.git_remote_free(remote);
    return PW_OK;
}

/* ------------------------------------------------------ ref resolution */

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

static bool is_full_sha(const char *s)
{
    return s && strlen(s) == PW_GIT_SHA_HEX_LEN && is_hex(s, PW_GIT_SHA_HEX_LEN);
}

/*
 * The order git itself uses (gitrevisions(7)), restricted to what a lock
 * can pin: a full SHA; then refs/tags/REF before refs/heads/REF; then REF as
 * a full ref name; finally an abbreviated SHA. Tags and branches peel to
 * the commit they name (an annotated tag never resolves to the tag object).
 */
static int resolve_ref(git_repository *repo, const pw_git_source *src, git_oid *out,
                       pw_error *err)
{
    const char *ref = src->ref;
    git_object *obj = NULL;
    int grc = GIT_ENOTFOUND;
    if (!ref || strcmp(ref, "HEAD") == 0) {
        grc = pw_lg.git_revparse_single(&obj, repo, "HEAD");
        if (grc != 0) {
            pw_lg.git_error_clear();
            return pw_error_set(err, PW_ENOTFOUND,
                                "%s: the repository has no default branch (HEAD); name a "
                                "branch, tag or commit with @REF",
                                src->url);
        }
    } else if (is_full_sha(ref)) {
        git_oid oid;
        if (pw_lg.git_oid_fromstr(&oid, ref) == 0)
            grc = pw_lg.git_object_lookup(&obj, repo, &oid, GIT_OBJECT_ANY);
    } else {
        static const char *const prefixes[] = {"refs/tags/", "refs/heads/", ""};
        for (size_t i = 0; i < 3 && grc == GIT_ENOTFOUND; i++) {
            if (!*prefixes[i] && strncmp(ref, "refs/", 5) != 0)
                continue;
            pw_buf name = PW_BUF_INIT;
            pw_buf_printf(&name, "%s%s", prefixes[i], ref);
            git_reference *r = NULL;
            grc = pw_lg.git_reference_lookup(&r, repo, pw_buf_cstr(&name));
            if (grc == 0) {
                grc = pw_lg.git_reference_peel(&obj, r, GIT_OBJECT_ANY);
                pw_lg.git_reference_free(r);
            } else if (grc != GIT_ENOTFOUND) {
                grc = GIT_ENOTFOUND; /* an invalid ref name simply names nothing */
            }
            pw_buf_free(&name);
        }
        size_t n = strlen(ref);
        if (grc == GIT_ENOTFOUND && n >= GIT_MIN_ABBREV && n < PW_GIT_SHA_HEX_LEN && is_hex(ref, n)) {
            git_oid oid;
            if (pw_lg.git_oid_fromstrn(&oid, ref, n) == 0)
                grc = pw_lg.git_object_lookup_prefix(&obj, repo, &oid, n, GIT_OBJECT_ANY);
            if (grc == GIT_EAMBIGUOUS) {
                pw_lg.git_error_clear();
                return pw_error_set(err, PW_EINVAL,
                                    "%s@%s: the abbreviated commit SHA is ambiguous; use more "
                                    "digits or the full SHA",
                                    src->url, ref);
            }
        }
    }
    if (grc != 0) {
        pw_lg.git_error_clear();
        return pw_error_set(err, PW_ENOTFOUND, "%s: no branch, tag or commit named \"%s\"",
                            src->url, ref);
    }
    git_object *commit = NULL;
    grc = pw_lg.git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
    pw_lg.git_object_free(obj);
    if (grc != 0) {
        pw_lg.git_error_clear();
        return pw_error_set(err, PW_EINVAL, "%s: \"%s\" does not name a commit", src->url,
                            ref ? ref : "HEAD");
    }
    pw_lg.git_oid_cpy(out, pw_lg.git_object_id(commit));
    pw_lg.git_object_free(commit);
    return PW_OK;
}

/* --------------------------------------------------------------- export */

typedef struct export_ctx {
    git_repository *repo;
    const char *label; /* "url@commit" for messages */
    size_t files;
} export_ctx;

static bool entry_name_ok(const char *name)
{
    return *name && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && !strchr(name, '/') &&
           strcasecmp(name, ".git") != 0;
}

/* A symlink target stays inside the export when it is relative and its
 * ".." never climb above the root (`depth` = directories below the root). */
static bool link_target_inside(const char *target, size_t len, int depth)
{
    if (len == 0 || target[0] == '/' || memchr(target, 0, len))
        return false;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || target[i] == '/') {
            size_t n = i - start;
            if (n == 2 && target[start] == '.' && target[start + 1] == '.') {
                if (--depth < 0)
                    return false;
            } else if (n > 0 && !(n == 1 && target[start] == '.')) {
                depth++;
            }
            start = i + 1;
        }
    }
    return true;
}

static int write_blob_file(const char *path, const void *data, size_t len, bool exec, pw_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, exec ? 0777 : 0666);
    if (fd < 0)
        return pw_error_set(err, PW_EIO, "%s: cannot create: %s", path, strerror(errno));
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            return pw_error_set(err, PW_EIO, "%s: cannot write: %s", path, strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (close(fd) != 0)
        return pw_error_set(err, PW_EIO, "%s: cannot write: %s", path, strerror(errno));
    return PW_OK;
}

static int export_tree(export_ctx *x, const git_tree *tree, const char *dir, int depth,
                       pw_error *err)
{
    if (depth > GIT_MAX_TREE_DEPTH)
        return pw_error_set(err, PW_ELIMIT, "%s: tree deeper than %d directories", x->label,
                            GIT_MAX_TREE_DEPTH);
    size_t n = pw_lg.git_tree_entrycount(tree);
    int rc = PW_OK;
    for (size_t i = 0; i < n && rc == PW_OK; i++) {
        const git_tree_entry *e = pw_lg.git_tree_entry_byindex(tree, i);
        const char *name = pw_lg.git_tree_entry_name(e);
        if (!entry_name_ok(name)) {
            rc = pw_error_set(err, PW_EINVAL, "%s: unsafe tree entry name \"%s\" in %s", x->label,
                              name, dir);
            break;
        }
        char *path = pw_path_join(dir, name);
        git_filemode_t mode = pw_lg.git_tree_entry_filemode(e);
        if (mode == GIT_FILEMODE_TREE) {
            git_tree *sub = NULL;
            if (mkdir(path, 0777) != 0)
                rc = pw_error_set(err, PW_EIO, "%s: cannot create: %s", path, strerror(errno));
            else if (pw_lg.git_tree_lookup(&sub, x->repo, pw_lg.git_tree_entry_id(e)) != 0)
                rc = git_fail(err, PW_EIO, NULL, "%s: cannot read tree %s", x->label, name);
            else
                rc = export_tree(x, sub, path, depth + 1, err);
            pw_lg.git_tree_free(sub);
        } else if (mode == GIT_FILEMODE_COMMIT) {
            /* A submodule: its commit lives in another repository. */
            pw_report(PW_REPORT_WARN, "%s: submodule %s is not fetched (left empty)", x->label,
                      name);
            if (mkdir(path, 0777) != 0)
                rc = pw_error_set(err, PW_EIO, "%s: cannot create: %s", path, strerror(errno));
        } else {
            git_blob *blob = NULL;
            if (pw_lg.git_blob_lookup(&blob, x->repo, pw_lg.git_tree_entry_id(e)) != 0) {
                rc = git_fail(err, PW_EIO, NULL, "%s: cannot read blob %s", x->label, name);
            } else {
                const char *data = pw_lg.git_blob_rawcontent(blob);
                size_t len = (size_t)pw_lg.git_blob_rawsize(blob);
                if (mode == GIT_FILEMODE_LINK) {
                    if (link_target_inside(data, len, depth)) {
                        char *target = pw_xstrndup(data, len);
                        if (symlink(target, path) != 0)
                            rc = pw_error_set(err, PW_EIO, "%s: cannot create symlink: %s", path,
                                              strerror(errno));
                        free(target);
                    } else {
                        pw_report(PW_REPORT_WARN,
                                  "%s: symlink %s points outside the exported tree; left out",
                                  x->label, name);
                    }
                } else {
                    rc = write_blob_file(path, data, len, mode == GIT_FILEMODE_BLOB_EXECUTABLE,
                                         err);
                    x->files++;
                }
            }
            pw_lg.git_blob_free(blob);
        }
        free(path);
    }
    return rc;
}

/*
 * The link check above reads each link's own text; a chain of links that
 * are each harmless (d/up -> .., then x -> d/up/../../etc) still climbs out
 * on disk. Once the whole tree is written, every link is resolved as the
 * kernel resolves it; one that leads outside the export (or nowhere) is
 * removed, so the wheel builder, which follows links, reads nothing else.
 */
static void confine_links(const char *dir, const char *root_real, const char *label,
                          const char *root)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *path = pw_path_join(dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            confine_links(path, root_real, label, root);
        } else if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
            char resolved[PATH_MAX];
            size_t n = strlen(root_real);
            bool inside = realpath(path, resolved) &&
                          (strcmp(resolved, root_real) == 0 ||
                           (strncmp(resolved, root_real, n) == 0 && resolved[n] == '/'));
            if (!inside) {
                pw_report(PW_REPORT_WARN,
                          "%s: symlink %s leads outside the exported tree (through other "
                          "links) or nowhere; left out",
                          label, path + strlen(root) + 1);
                unlink(path);
            }
        }
        free(path);
    }
    closedir(d);
}

static char *export_path(const char *cache_dir, const char *commit, const char *subdirectory)
{
    pw_buf b = PW_BUF_INIT;
    pw_buf_printf(&b, "%s/git-checkouts/%s", cache_dir, commit);
    if (subdirectory) {
        char hex[PW_SHA256_HEX_LEN + 1];
        pw_sha256_hex(subdirectory, strlen(subdirectory), hex);
        pw_buf_printf(&b, "-%.*s", GIT_SUBDIR_HASH_LEN, hex);
    }
    return pw_buf_detach(&b);
}

/* Exports into a temporary sibling, then renames: a reader sees either no
 * directory or a complete one. Losing a race to another process is fine:
 * its export has the same content. */
static int export_commit(git_repository *repo, const pw_git_source *src, const git_oid *oid,
                         const char *final_dir, pw_error *err)
{
    char hex[PW_GIT_SHA_HEX_LEN + 1];
    pw_lg.git_oid_tostr(hex, sizeof hex, oid);
    pw_buf label = PW_BUF_INIT;
    pw_buf_printf(&label, "%s@%s", src->url, hex);
    export_ctx x = {repo, pw_buf_cstr(&label), 0};
    git_commit *commit = NULL;
    git_tree *tree = NULL, *sub = NULL;
    git_tree_entry *entry = NULL;
    char *parent = pw_path_dirname(final_dir);
    pw_buf tmp = PW_BUF_INIT;
    int rc = pw_mkdirs(parent, err);
    if (rc != PW_OK)
        goto done;
    if (pw_lg.git_commit_lookup(&commit, repo, oid) != 0 || pw_lg.git_commit_tree(&tree, commit) != 0) {
        rc = git_fail(err, PW_EIO, NULL, "%s: cannot read the commit's tree", x.label);
        goto done;
    }
    const git_tree *root = tree;
    if (src->subdirectory) {
        int grc = pw_lg.git_tree_entry_bypath(&entry, tree, src->subdirectory);
        if (grc == GIT_ENOTFOUND) {
            pw_lg.git_error_clear();
            rc = pw_error_set(err, PW_ENOTFOUND, "%s: no subdirectory \"%s\" in this commit",
                              x.label, src->subdirectory);
            goto done;
        }
        if (grc != 0 || pw_lg.git_tree_entry_type(entry) != GIT_OBJECT_TREE) {
            pw_lg.git_error_clear();
            rc = pw_error_set(err, PW_EINVAL, "%s: subdirectory \"%s\" is not a directory",
                              x.label, src->subdirectory);
            goto done;
        }
        if (pw_lg.git_tree_lookup(&sub, repo, pw_lg.git_tree_entry_id(entry)) != 0) {
            rc = git_fail(err, PW_EIO, NULL, "%s: cannot read %s", x.label, src->subdirectory);
            goto done;
        }
        root = sub;
    }
    pw_buf_printf(&tmp, "%s/.tmp-%s-XXXXXX", parent, hex);
    if (!mkdtemp(tmp.data)) {
        rc = pw_error_set(err, PW_EIO, "%s: cannot create a temporary directory: %s", parent,
                          strerror(errno));
        pw_buf_reset(&tmp);
        goto done;
    }
    /* mkdtemp makes 0700; an export is an ordinary readable tree. */
    chmod(tmp.data, 0755);
    rc = export_tree(&x, root, tmp.data, 0, err);
    if (rc == PW_OK) {
        char root_real[PATH_MAX];
        if (realpath(tmp.data, root_real))
            confine_links(tmp.data, root_real, x.label, tmp.data);
        else
            rc = pw_error_set(err, PW_EIO, "%s: %s", tmp.data, strerror(errno));
    }
    if (rc == PW_OK && rename(tmp.data, final_dir) != 0) {
        if (errno == EEXIST || errno == ENOTEMPTY) {
            pw_error e2 = {0, NULL};
            pw_remove_tree(tmp.data, &e2);
            pw_error_clear(&e2);
        } else {
            rc = pw_error_set(err, PW_EIO, "%s: cannot rename into place: %s", final_dir,
                              strerror(errno));
        }
    }
    if (rc != PW_OK) {
        pw_error e2 = {0, NULL};
        pw_remove_tree(tmp.data, &e2);
        pw_error_clear(&e2);
    }
done:
    pw_lg.git_tree_entry_free(entry);
    pw_lg.git_tree_free(sub);
    pw_lg.git_tree_free(tree);
    pw_lg.git_commit_free(commit);
    pw_buf_free(&tmp);
    pw_buf_free(&label);
    free(parent);
    return rc;
}

/* -------------------------------------------------------------- checkout */

/* First clone: into a temporary directory renamed into place, so that an
 * interrupted clone never leaves a half repository at the cache path. */
static int clone_into_cache(const pw_git_source *src, const char *repo_dir, git_secrets *sec,
                            git_repository **out, pw_error *err)
{
    char *parent = pw_path_dirname(repo_dir);
    pw_buf tmp = PW_BUF_INIT;
    git_repository *repo = NULL;
    int rc = pw_mkdirs(parent, err);
    if (rc != PW_OK)
        goto done;
    pw_buf_printf(&tmp, "%s/.tmp-clone-XXXXXX", parent);
    if (!mkdtemp(tmp.data)) {
        rc = pw_error_set(err, PW_EIO, "%s: cannot create a temporary directory: %s", parent,
                          strerror(errno));
        goto done;
    }
    if (pw_lg.git_repository_init(&repo, tmp.data, 1) != 0) {
        rc = git_fail(err, PW_EIO, sec, "%s: cannot create a bare repository", tmp.data);
    } else {
        rc = fetch_remote(repo, src, sec, err);
    }
    pw_lg.git_repository_free(repo);
    repo = NULL;
    if (rc == PW_OK && rename(tmp.data, repo_dir) != 0 && errno != EEXIST && errno != ENOTEMPTY)
        rc = pw_error_set(err, PW_EIO, "%s: cannot rename into place: %s", repo_dir,
                          strerror(errno));
    if (pw_is_dir(tmp.data)) {
        pw_error e2 = {0, NULL};
        pw_remove_tree(tmp.data, &e2);
        pw_error_clear(&e2);
    }
    if (rc == PW_OK && pw_lg.git_repository_open_bare(&repo, repo_dir) != 0)
        rc = git_fail(err, PW_EIO, sec, "%s: cannot open the cached repository", repo_dir);
done:
    *out = repo;
    pw_buf_free(&tmp);
    free(parent);
    return rc;
}

int pw_git_checkout(const pw_git_source *src, const char *cache_dir, bool offline,
                    char commit_out[PW_GIT_SHA_HEX_LEN + 1], char **tree_dir_out, pw_error *err)
{
    commit_out[0] = '\0';
    *tree_dir_out = NULL;
    if (!src || !src->url || !cache_dir)
        return pw_error_set(err, PW_EINVAL, "git checkout: missing source or cache directory");

    bool full_sha = is_full_sha(src->ref);
    char *sha_ref = full_sha ? pw_xstrdup(src->ref) : NULL;
    for (char *p = sha_ref; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    /* A full SHA names immutable content: an existing export is the answer,
     * whatever happened to the repository or the network since. */
    if (full_sha) {
        char *dir = export_path(cache_dir, sha_ref, src->subdirectory);
        if (pw_is_dir(dir)) {
            memcpy(commit_out, sha_ref, PW_GIT_SHA_HEX_LEN + 1);
            *tree_dir_out = dir;
            free(sha_ref);
            return PW_OK;
        }
        free(dir);
    }
    free(sha_ref);

    if (!pw_libgit2_load(err))
        return PW_EUNSUPPORTED;
    pw_lg.git_libgit2_init();
    git_secrets sec;
    secrets_init(&sec, src);
    git_repository *repo = NULL;
    char key[PW_SHA256_HEX_LEN + 1];
    pw_sha256_hex(src->url, strlen(src->url), key);
    pw_buf repo_dir = PW_BUF_INIT;
    pw_buf_printf(&repo_dir, "%s/git/%s", cache_dir, key);
    int rc = PW_OK;

    if (strncmp(src->url, "ssh://", 6) == 0 && !(pw_lg.git_libgit2_features() & GIT_FEATURE_SSH)) {
        rc = pw_error_set(err, PW_EUNSUPPORTED,
                          "%s: this libgit2 was built without ssh support; use a git+https:// "
                          "URL instead",
                          src->url);
        goto done;
    }

    bool cached = pw_is_dir(repo_dir.data);
    if (cached) {
        if (pw_lg.git_repository_open_bare(&repo, repo_dir.data) != 0) {
            rc = git_fail(err, PW_EIO, &sec, "%s: cannot open the cached repository of %s",
                          repo_dir.data, src->url);
            goto done;
        }
        bool have_commit = false;
        if (full_sha) {
            git_oid oid;
            git_commit *c = NULL;
            have_commit = pw_lg.git_oid_fromstr(&oid, src->ref) == 0 &&
                          pw_lg.git_commit_lookup(&c, repo, &oid) == 0;
            pw_lg.git_commit_free(c);
            pw_lg.git_error_clear();
        }
        if (!offline && !have_commit)
            rc = fetch_remote(repo, src, &sec, err);
    } else if (offline) {
        rc = pw_error_set(err, PW_ENET, "offline: %s is not in the cache (%s)", src->url,
                          cache_dir);
    } else {
        rc = clone_into_cache(src, repo_dir.data, &sec, &repo, err);
    }
    if (rc != PW_OK)
        goto done;

    git_oid oid;
    rc = resolve_ref(repo, src, &oid, err);
    if (rc != PW_OK) {
        if (offline)
            pw_error_wrap(err, "offline (cached clone only)");
        goto done;
    }
    pw_lg.git_oid_tostr(commit_out, PW_GIT_SHA_HEX_LEN + 1, &oid);
    char *dir = export_path(cache_dir, commit_out, src->subdirectory);
    if (!pw_is_dir(dir))
        rc = export_commit(repo, src, &oid, dir, err);
    if (rc == PW_OK)
        *tree_dir_out = dir;
    else
        free(dir);

done:
    if (rc != PW_OK)
        commit_out[0] = '\0';
    pw_lg.git_repository_free(repo);
    secrets_free(&sec);
    pw_buf_free(&repo_dir);
    pw_lg.git_libgit2_shutdown();
    return rc;
}

/* ---------------------------------------------------- local repositories */

/* $GIT_CEILING_DIRECTORIES bounds the upward search, as it does for git. */
static int open_local(const char *dir, git_repository **repo, pw_error *err)
{
    int grc = pw_lg.git_repository_open_ext(repo, dir, 0, getenv("GIT_CEILING_DIRECTORIES"));
    if (grc == GIT_ENOTFOUND) {
        pw_lg.git_error_clear();
        return pw_error_set(err, PW_ENOTFOUND, "%s: not inside a git repository", dir);
    }
    if (grc != 0)
        return git_fail(err, PW_EIO, NULL, "%s: cannot open the git repository", dir);
    return PW_OK;
}

/* Lexically resolves "a/./b/../c" under `prefix`; false when it climbs out. */
static bool join_repo_path(const char *prefix, const char *path, pw_buf *out)
{
    pw_strlist parts = PW_STRLIST_INIT;
    const char *inputs[2] = {prefix, path};
    bool ok = true;
    for (int k = 0; k < 2 && ok; k++) {
        const char *s = inputs[k];
        while (*s && ok) {
            size_t n = strcspn(s, "/");
            if (n == 2 && s[0] == '.' && s[1] == '.') {
                if (parts.len == 0)
                    ok = false;
                else
                    free(parts.items[--parts.len]);
            } else if (n > 0 && !(n == 1 && s[0] == '.')) {
                pw_strlist_push_owned(&parts, pw_xstrndup(s, n));
            }
            s += n;
            if (*s == '/')
                s++;
        }
    }
    for (size_t i = 0; ok && i < parts.len; i++) {
        if (i)
            pw_buf_putc(out, '/');
        pw_buf_puts(out, parts.items[i]);
    }
    pw_strlist_free(&parts);
    return ok && out->len > 0;
}

int pw_git_read_file_at(const char *repo_dir, const char *rev, const char *path, pw_buf *out,
                        pw_error *err)
{
    if (!repo_dir || !rev || !path || !*path || path[0] == '/')
        return pw_error_set(err, PW_EINVAL, "git: expected a directory, a revision and a relative "
                                            "path");
    if (!pw_libgit2_load(err))
        return PW_EUNSUPPORTED;
    pw_lg.git_libgit2_init();
    git_repository *repo = NULL;
    git_object *obj = NULL;
    git_object *tree = NULL;
    git_tree_entry *entry = NULL;
    git_blob *blob = NULL;
    char *real_dir = NULL, *real_work = NULL;
    pw_buf full = PW_BUF_INIT;
    int rc = open_local(repo_dir, &repo, err);
    if (rc != PW_OK)
        goto done;

    /* The prefix of repo_dir inside the work tree, so that `path` can be
     * relative to repo_dir. */
    const char *prefix = "";
    const char *workdir = pw_lg.git_repository_workdir(repo);
    if (workdir) {
        real_dir = realpath(repo_dir, NULL);
        real_work = realpath(workdir, NULL);
        if (!real_dir || !real_work) {
            rc = pw_error_set(err, PW_EIO, "%s: %s", repo_dir, strerror(errno));
            goto done;
        }
        size_t wl = strlen(real_work);
        if (wl == 1) /* the work tree is "/" */
            prefix = real_dir + 1;
        else if (strncmp(real_dir, real_work, wl) == 0 && real_dir[wl] == '/')
            prefix = real_dir + wl + 1;
        /* else repo_dir is the work tree itself (or inside .git): the root */
    }
    if (!join_repo_path(prefix, path, &full)) {
        rc = pw_error_set(err, PW_EINVAL, "%s: path \"%s\" leaves the repository", repo_dir, path);
        goto done;
    }

    int grc = pw_lg.git_revparse_single(&obj, repo, rev);
    if (grc != 0) {
        pw_lg.git_error_clear();
        rc = pw_error_set(err, PW_ENOTFOUND, "%s: no revision \"%s\" in the git repository",
                          repo_dir, rev);
        goto done;
    }
    if (pw_lg.git_object_peel(&tree, obj, GIT_OBJECT_TREE) != 0) {
        pw_lg.git_error_clear();
        rc = pw_error_set(err, PW_EINVAL, "%s: revision \"%s\" has no tree", repo_dir, rev);
        goto done;
    }
    grc = pw_lg.git_tree_entry_bypath(&entry, (git_tree *)tree, full.data);
    if (grc == GIT_ENOTFOUND) {
        pw_lg.git_error_clear();
        rc = pw_error_set(err, PW_ENOTFOUND, "%s: %s does not exist at revision %s", repo_dir,
                          full.data, rev);
        goto done;
    }
    if (grc != 0 || pw_lg.git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
        pw_lg.git_error_clear();
        rc = pw_error_set(err, PW_EINVAL, "%s: %s is not a file at revision %s", repo_dir,
                          full.data, rev);
        goto done;
    }
    /* The size first, from the object header: a blob is read whole. */
    git_odb *odb = NULL;
    size_t blob_size = 0;
    git_object_t blob_type;
    if (pw_lg.git_repository_odb(&odb, repo) == 0 &&
        pw_lg.git_odb_read_header(&blob_size, &blob_type, odb, pw_lg.git_tree_entry_id(entry)) == 0 &&
        blob_size > PW_MAX_INPUT_BYTES) {
        pw_lg.git_odb_free(odb);
        rc = pw_error_set(err, PW_ELIMIT, "%s: %s at %s is %zu bytes; an input file may hold at "
                          "most %llu", repo_dir, full.data, rev, blob_size,
                          (unsigned long long)PW_MAX_INPUT_BYTES);
        goto done;
    }
    pw_lg.git_odb_free(odb);
    pw_lg.git_error_clear();
    if (pw_lg.git_blob_lookup(&blob, repo, pw_lg.git_tree_entry_id(entry)) != 0) {
        rc = git_fail(err, PW_EIO, NULL, "%s: cannot read %s at %s", repo_dir, full.data, rev);
        goto done;
    }
    pw_buf_append(out, pw_lg.git_blob_rawcontent(blob), (size_t)pw_lg.git_blob_rawsize(blob));
    if (!out->data)
        pw_buf_puts(out, ""); /* an empty file still yields a NUL-terminated buffer */

done:
    pw_lg.git_blob_free(blob);
    pw_lg.git_tree_entry_free(entry);
    pw_lg.git_object_free(tree);
    pw_lg.git_object_free(obj);
    pw_lg.git_repository_free(repo);
    free(real_dir);
    free(real_work);
    pw_buf_free(&full);
    pw_lg.git_libgit2_shutdown();
    return rc;
}

/* Whether the first `len` bytes of the real path `path` name a directory
 * of GIT_CEILING_DIRECTORIES. */
static bool is_ceiling(const char *path, size_t len)
{
    const char *list = getenv("GIT_CEILING_DIRECTORIES");
    while (list && *list) {
        size_t n = strcspn(list, ":");
        char entry[PATH_MAX], real[PATH_MAX];
        if (n > 0 && n < sizeof(entry)) {
            memcpy(entry, list, n);
            entry[n] = '\0';
            if (realpath(entry, real) && strlen(real) == len && memcmp(real, path, len) == 0)
                return true;
        }
        list += n + (list[n] == ':');
    }
    return false;
}

/*
 * Whether `dir` or a parent holds something libgit2's discovery could open:
 * a ".git" (directory or gitlink file), or a bare repository (HEAD and
 * objects/), not climbing into a directory of GIT_CEILING_DIRECTORIES, as
 * open_local() does. It may say yes where libgit2 says no (it also stops at
 * file-system boundaries and checks what it finds), never the reverse, so a
 * lock outside any repository never loads libgit2.
 */
static bool may_be_in_repository(const char *dir)
{
    char *real = realpath(dir, NULL);
    if (!real)
        return true; /* let libgit2 give the precise answer */
    pw_buf probe = PW_BUF_INIT;
    bool found = false;
    size_t len = strlen(real);
    while (!found) {
        struct stat st;
        pw_buf_reset(&probe);
        pw_buf_printf(&probe, "%.*s/.git", (int)len, real);
        found = lstat(probe.data, &st) == 0;
        pw_buf_reset(&probe);
        pw_buf_printf(&probe, "%.*s/objects", (int)len, real);
        if (!found && stat(probe.data, &st) == 0 && S_ISDIR(st.st_mode)) {
            pw_buf_reset(&probe);
            pw_buf_printf(&probe, "%.*s/HEAD", (int)len, real);
            found = stat(probe.data, &st) == 0;
        }
        if (len <= 1)
            break;
        while (len > 1 && real[len - 1] != '/')
            len--;
        if (len > 1)
            len--; /* drop the '/' too, except the root's */
        if (is_ceiling(real, len))
            break;
    }
    pw_buf_free(&probe);
    free(real);
    return found;
}

int pw_git_head_state(const char *dir, char commit_out[PW_GIT_SHA_HEX_LEN + 1], bool *dirty,
                      pw_error *err)
{
    commit_out[0] = '\0';
    *dirty = false;
    if (!dir)
        return pw_error_set(err, PW_EINVAL, "git: missing directory");
    if (!may_be_in_repository(dir))
        return pw_error_set(err, PW_ENOTFOUND, "%s: not inside a git repository", dir);
    if (!pw_libgit2_load(err))
        return PW_EUNSUPPORTED;
    pw_lg.git_libgit2_init();
    git_repository *repo = NULL;
    git_status_list *status = NULL;
    int rc = open_local(dir, &repo, err);
    if (rc != PW_OK)
        goto done;
    git_oid oid;
    if (pw_lg.git_reference_name_to_id(&oid, repo, "HEAD") != 0) {
        pw_lg.git_error_clear();
        rc = pw_error_set(err, PW_ENOTFOUND, "%s: the git repository has no commit yet", dir);
        goto done;
    }
    pw_lg.git_oid_tostr(commit_out, PW_GIT_SHA_HEX_LEN + 1, &oid);
    if (!pw_lg.git_repository_is_bare(repo)) {
        /* Without INCLUDE_UNTRACKED: `git describe --dirty` semantics. */
        git_status_options so;
        pw_lg.git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
        so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
        so.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
        if (pw_lg.git_status_list_new(&status, repo, &so) != 0) {
            rc = git_fail(err, PW_EIO, NULL, "%s: cannot compute the git status", dir);
            commit_out[0] = '\0';
            goto done;
        }
        *dirty = pw_lg.git_status_list_entrycount(status) > 0;
    }
done:
    pw_lg.git_status_list_free(status);
    pw_lg.git_repository_free(repo);
    pw_lg.git_libgit2_shutdown();
    return rc;
}
