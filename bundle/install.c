/*
 * Verified installation of one wheel (or plain zip) into a site directory.
 *
 * Order of work: list and vet every member (names, types, duplicates,
 * declared sizes), check the .dist-info/WHEEL/RECORD structure, map members
 * to installed paths, then stream each member through a fixed buffer into a
 * temporary file while hashing and counting, and rename it into place only
 * once its RECORD hash and size matched. Anything created is tracked so that
 * a failure can take it all back.
 */
#include "bundle_private.h"
#include "archive_libraries.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#define CHUNK_SIZE (64 * 1024)
/* WHEEL and RECORD are read whole; a RECORD of a wheel with the maximum
 * number of entries stays well below this. */
#define MAX_METADATA_SIZE (UINT64_C(256) << 20)

typedef struct member {
    const char *name; /* owned by libzip, valid until zip_close */
    zip_uint64_t index;
    uint64_t size;      /* declared in the central directory, not trusted */
    uint64_t comp_size;
    bool dir;
    bool exec;
    bool stripped;
    bool dropped;    /* by wrangler's python_modules.exclude */
    bool slimmed;    /* not traced (o->slim) */
    bool sourceless; /* a .pyc without its .py */
    bool unrecorded; /* RECORD itself and its signatures: no hash to check */
    char *dest;      /* installed path relative to the site root; NULL: verify only */
    pw_record_entry *rec;
} member;

typedef struct installer {
    const char *archive; /* as given, for messages */
    const char *site;
    const pw_bundle_install_options *o;
    uint64_t max_total;
    unsigned max_ratio;
    zip_t *za;
    member *m;
    size_t n, cap;
    const char **sorted_names;
    pw_record record;
    bool is_wheel;
    char *dist_info; /* "<name>-<version>.dist-info" */
    char *data_dir;  /* "<name>-<version>.data" */
    char *dist_name; /* the name part of dist_info */
    pw_strlist created_files;
    pw_strlist created_dirs;
    char *last_dir;
    pw_installed_file *files;
    size_t n_files, cap_files;
    uint64_t total;
    uint64_t saved_bytes;
    size_t saved_files;
    bool no_record;     /* accepted without RECORD: the artifact hash vouched */
    size_t py_compiled; /* .pyc members standing for a listed .py */
    size_t unlisted;    /* members accepted with a warning */
    pw_strlist dropped;
    uint64_t dropped_bytes;
    size_t dropped_sourceless;
    pw_strlist slimmed;
    uint64_t slimmed_bytes;
    pw_gzip_counter *slimmed_gz;
    unsigned char *chunk;
} installer;

static int zip_open_error(const char *path, int code, pw_error *err)
{
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    int status = code == ZIP_ER_NOENT                       ? PW_ENOTFOUND
                 : (code == ZIP_ER_OPEN || code == ZIP_ER_READ) ? PW_EIO
                                                                : PW_EINVAL;
    pw_error_set(err, status, "%s: cannot open archive: %s", path, zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return status;
}

static bool starts_with_dir(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool archive_has(const installer *ins, const char *name)
{
    return bsearch(&name, ins->sorted_names, ins->n, sizeof(*ins->sorted_names), name_cmp) != NULL;
}

/* -------------------------------------------------------------- listing */

static int list_members(installer *ins, pw_error *err)
{
    zip_int64_t num = zip_get_num_entries(ins->za, 0);
    if (num < 0)
        return pw_error_set(err, PW_EINVAL, "%s: cannot list archive", ins->archive);
    if ((uint64_t)num > PW_BUNDLE_MAX_ENTRIES)
        return pw_error_set(err, PW_ELIMIT, "%s: %lld members, more than the limit of %u",
                            ins->archive, (long long)num, PW_BUNDLE_MAX_ENTRIES);
    uint64_t declared = 0;
    for (zip_uint64_t i = 0; i < (zip_uint64_t)num; i++) {
        /* Raw: libzip would turn a name not flagged UTF-8 into CP437 glyphs
         * (ESC becomes U+2190), hiding a control character from the checks
         * and from RECORD. Wheel names are UTF-8 (PEP 427), flag or not. */
        const char *name = zip_get_name(ins->za, i, ZIP_FL_ENC_RAW);
        if (!name)
            return pw_error_set(err, PW_EINVAL, "%s: member #%llu: unreadable name: %s",
                                ins->archive, (unsigned long long)i, zip_strerror(ins->za));
        int rc = pw_bundle_check_member_path(ins->archive, name, err);
        if (rc != PW_OK)
            return rc;
        zip_stat_t st;
        if (zip_stat_index(ins->za, i, 0, &st) != 0)
            return pw_error_set(err, PW_EINVAL, "%s: member %s: %s", ins->archive, name,
                                zip_strerror(ins->za));
        if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
            return pw_error_set(err, PW_EINVAL, "%s: member %s: encrypted members are not allowed",
                                ins->archive, name);
        member m = {.name = name, .index = i};
        m.size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
        m.comp_size = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
        m.dir = name[strlen(name) - 1] == '/';
        zip_uint8_t opsys = 0;
        zip_uint32_t attr = 0;
        if (zip_file_get_external_attributes(ins->za, i, 0, &opsys, &attr) == 0 &&
            opsys == ZIP_OPSYS_UNIX) {
            uint32_t mode = attr >> 16;
            uint32_t type = mode & S_IFMT;
            if (type == S_IFLNK)
                return pw_error_set(err, PW_EINVAL, "%s: member %s: symbolic links are not allowed",
                                    ins->archive, name);
            if (type != 0 && type != S_IFREG && type != S_IFDIR)
                return pw_error_set(err, PW_EINVAL,
                                    "%s: member %s: special file (device, FIFO or socket) "
                                    "is not allowed",
                                    ins->archive, name);
            if (type == S_IFDIR && !m.dir)
                return pw_error_set(err, PW_EINVAL,
                                    "%s: member %s: directory entry without a trailing '/'",
                                    ins->archive, name);
            m.exec = (mode & 0111) != 0;
        }
        if (m.dir && m.size)
            return pw_error_set(err, PW_EINVAL, "%s: member %s: directory entry with content",
                                ins->archive, name);
        declared += m.size;
        if (declared > ins->max_total)
            return pw_error_set(err, PW_ELIMIT,
                                "%s: member %s: members declare more than the limit of %llu "
                                "bytes uncompressed",
                                ins->archive, name, (unsigned long long)ins->max_total);
        PW_GROW(ins->m, ins->cap, ins->n + 1);
        ins->m[ins->n++] = m;
    }
    ins->sorted_names = pw_xcalloc(ins->n ? ins->n : 1, sizeof(*ins->sorted_names));
    for (size_t i = 0; i < ins->n; i++)
        ins->sorted_names[i] = ins->m[i].name;
    if (ins->n)
        qsort(ins->sorted_names, ins->n, sizeof(*ins->sorted_names), name_cmp);
    for (size_t i = 1; i < ins->n; i++)
        if (strcmp(ins->sorted_names[i - 1], ins->sorted_names[i]) == 0)
            return pw_error_set(err, PW_EINVAL, "%s: member %s: duplicate entry", ins->archive,
                                ins->sorted_names[i]);
    return PW_OK;
}

/* Reads a small metadata member whole (bounded), for WHEEL and RECORD. */
static int read_small_member(installer *ins, const char *name, pw_buf *out, pw_error *err)
{
    zip_int64_t idx = zip_name_locate(ins->za, name, ZIP_FL_ENC_RAW);
    if (idx < 0)
        return pw_error_set(err, PW_EINVAL, "%s: member %s is missing", ins->archive, name);
    zip_file_t *zf = zip_fopen_index(ins->za, (zip_uint64_t)idx, 0);
    if (!zf)
        return pw_error_set(err, PW_EINVAL, "%s: member %s: %s", ins->archive, name,
                            zip_strerror(ins->za));
    pw_buf_reset(out);
    int rc = PW_OK;
    for (;;) {
        zip_int64_t got = zip_fread(zf, ins->chunk, CHUNK_SIZE);
        if (got < 0) {
            rc = pw_error_set(err, PW_EINVAL, "%s: member %s: %s", ins->archive, name,
                              zip_file_strerror(zf));
            break;
        }
        if (got == 0)
            break;
        if (out->len + (uint64_t)got > MAX_METADATA_SIZE) {
            rc = pw_error_set(err, PW_ELIMIT, "%s: member %s: larger than %llu bytes",
                              ins->archive, name, (unsigned long long)MAX_METADATA_SIZE);
            break;
        }
        pw_buf_append(out, ins->chunk, (size_t)got);
    }
    zip_fclose(zf);
    if (rc == PW_OK && !out->data)
        pw_buf_puts(out, "");
    return rc;
}

/* ------------------------------------------------------- wheel structure */

static int check_wheel_structure(installer *ins, pw_error *err)
{
    pw_wheel_name wn;
    const char *base = pw_path_basename(ins->archive);
    int rc = pw_wheel_name_parse(base, &wn, err);
    if (rc != PW_OK)
        return pw_error_wrap(err, "%s", ins->archive);

    pw_strlist dist_infos = PW_STRLIST_INIT;
    for (size_t i = 0; i < ins->n; i++) {
        const char *slash = strchr(ins->m[i].name, '/');
        if (!slash)
            continue;
        size_t len = (size_t)(slash - ins->m[i].name);
        if (len > 10 && memcmp(slash - 10, ".dist-info", 10) == 0) {
            char *top = pw_xstrndup(ins->m[i].name, len);
            if (pw_strlist_contains(&dist_infos, top))
                free(top);
            else
                pw_strlist_push_owned(&dist_infos, top);
        }
    }
    pw_strlist_sort(&dist_infos);
    if (dist_infos.len != 1) {
        if (dist_infos.len == 0)
            rc = pw_error_set(err, PW_EINVAL, "%s: no .dist-info directory", ins->archive);
        else
            rc = pw_error_set(err, PW_EINVAL,
                              "%s: member %s/: more than one .dist-info directory (%s and %s)",
                              ins->archive, dist_infos.items[1], dist_infos.items[0],
                              dist_infos.items[1]);
        pw_strlist_free(&dist_infos);
        pw_wheel_name_free(&wn);
        return rc;
    }
    ins->dist_info = pw_xstrdup(dist_infos.items[0]);
    pw_strlist_free(&dist_infos);

    size_t stem_len = strlen(ins->dist_info) - 10;
    char *stem = pw_xstrndup(ins->dist_info, stem_len);
    char *dash = strrchr(stem, '-');
    if (!dash) {
        free(stem);
        pw_wheel_name_free(&wn);
        return pw_error_set(err, PW_EINVAL, "%s: member %s/: expected <name>-<version>.dist-info",
                            ins->archive, ins->dist_info);
    }
    *dash = '\0';
    ins->dist_name = pw_xstrdup(stem);
    pw_slice di_version = pw_slice_from(dash + 1);
    const char *file_name = wn.name;
    pw_slice file_version = pw_slice_from(wn.version);
    /* Binary distribution format: the .dist-info directory is
     * {name}-{version} of the file name, names compared under PEP 503. */
    if (!pw_names_equal(stem, file_name) || !pw_bundle_versions_equal(di_version, file_version)) {
        rc = pw_error_set(err, PW_EINVAL, "%s: member %s/: does not match the file name (%s %s)",
                          ins->archive, ins->dist_info, file_name, wn.version);
    } else if (ins->o->name && !pw_names_equal(ins->o->name, file_name)) {
        rc = pw_error_set(err, PW_EINVAL, "%s: is a wheel of %s, but the lock expects %s",
                          ins->archive, file_name, ins->o->name);
    } else if (ins->o->version &&
               !pw_bundle_versions_equal(pw_slice_from(ins->o->version), file_version)) {
        rc = pw_error_set(err, PW_EINVAL, "%s: is version %s, but the lock expects %s",
                          ins->archive, wn.version, ins->o->version);
    }
    pw_buf data_dir = PW_BUF_INIT;
    pw_buf_printf(&data_dir, "%s-%s.data", stem, dash + 1);
    ins->data_dir = pw_buf_detach(&data_dir);
    pw_wheel_name_free(&wn);
    free(stem);
    if (rc != PW_OK)
        return rc;

    pw_buf path = PW_BUF_INIT, text = PW_BUF_INIT;
    pw_buf_printf(&path, "%s/WHEEL", ins->dist_info);
    rc = read_small_member(ins, path.data, &text, err);
    if (rc == PW_OK) {
        pw_bundle_wheel_meta meta;
        pw_buf origin = PW_BUF_INIT;
        pw_buf_printf(&origin, "%s: member %s", ins->archive, path.data);
        rc = pw_bundle_wheel_meta_parse(origin.data, text.data, text.len, &meta, err);
        /* Binary distribution format: warn on a newer minor version. */
        if (rc == PW_OK && meta.minor > 0)
            pw_report(PW_REPORT_WARN, "%s: Wheel-Version %d.%d is newer than 1.0", ins->archive,
                      meta.major, meta.minor);
        pw_buf_free(&origin);
    }
    if (rc == PW_OK) {
        pw_buf_reset(&path);
        pw_buf_printf(&path, "%s/RECORD", ins->dist_info);
        if (!archive_has(ins, path.data)) {
            /* pip and micropip install a wheel without RECORD; pwpkg does
             * when the lock's sha256 of the whole artifact stands in for it. */
            if (ins->o->strict_record || !ins->o->sha256)
                rc = pw_error_set(err, PW_EINVAL, "%s: member %s is missing%s", ins->archive,
                                  path.data,
                                  ins->o->strict_record
                                      ? " (--strict-record)"
                                      : ", and no artifact sha256 vouches for its members");
            else {
                pw_report(PW_REPORT_WARN,
                          "%s: no %s; its members are trusted on the artifact's sha256 "
                          "(--strict-record refuses it)",
                          ins->archive, path.data);
                ins->no_record = true;
            }
            pw_buf_free(&path);
            pw_buf_free(&text);
            return rc;
        }
        rc = read_small_member(ins, path.data, &text, err);
        if (rc == PW_OK) {
            pw_buf origin = PW_BUF_INIT;
            pw_buf_printf(&origin, "%s: member %s", ins->archive, path.data);
            rc = pw_bundle_record_parse(origin.data, text.data, text.len, &ins->record, err);
            pw_buf_free(&origin);
        }
    }
    pw_buf_free(&path);
    pw_buf_free(&text);
    return rc;
}

/* Binary distribution format: RECORD.jws and RECORD.p7s sign RECORD and
 * cannot appear in it; INSTALLER and REQUESTED belong to the installer. */
static bool is_dist_info_reserved(const char *rest, bool *unrecorded)
{
    *unrecorded = strcmp(rest, "RECORD") == 0 || strcmp(rest, "RECORD.jws") == 0 ||
                  strcmp(rest, "RECORD.p7s") == 0;
    return *unrecorded || strcmp(rest, "INSTALLER") == 0 || strcmp(rest, "REQUESTED") == 0;
}

static int map_wheel_member(installer *ins, member *m, pw_error *err)
{
    if (starts_with_dir(m->name, ins->dist_info)) {
        if (!is_dist_info_reserved(m->name + strlen(ins->dist_info) + 1, &m->unrecorded))
            m->dest = pw_xstrdup(m->name);
        return PW_OK;
    }
    if (!starts_with_dir(m->name, ins->data_dir)) {
        m->dest = pw_xstrdup(m->name);
        return PW_OK;
    }
    const char *scheme = m->name + strlen(ins->data_dir) + 1;
    const char *slash = strchr(scheme, '/');
    if (!slash || !slash[1])
        return pw_error_set(err, PW_EINVAL, "%s: member %s: expected %s/<scheme>/<path>",
                            ins->archive, m->name, ins->data_dir);
    size_t slen = (size_t)(slash - scheme);
    const char *rest = slash + 1;
    pw_buf dest = PW_BUF_INIT;
    /* Everything lands inside the one bundle root (docs/bundle.md): purelib
     * and platlib are the site root itself, the other schemes get folders. */
    if ((slen == 7 && memcmp(scheme, "purelib", 7) == 0) ||
        (slen == 7 && memcmp(scheme, "platlib", 7) == 0)) {
        pw_buf_puts(&dest, rest);
    } else if (slen == 7 && memcmp(scheme, "scripts", 7) == 0) {
        pw_buf_printf(&dest, "bin/%s", rest);
        m->exec = true;
    } else if (slen == 7 && memcmp(scheme, "headers", 7) == 0) {
        pw_buf_printf(&dest, "include/%s/%s", ins->dist_name, rest);
    } else if (slen == 4 && memcmp(scheme, "data", 4) == 0) {
        pw_buf_printf(&dest, "data/%s", rest);
    } else {
        return pw_error_set(err, PW_EINVAL,
                            "%s: member %s: unknown .data scheme \"%.*s\" (expected purelib, "
                            "platlib, scripts, headers or data)",
                            ins->archive, m->name, (int)slen, scheme);
    }
    m->dest = pw_buf_detach(&dest);
    return PW_OK;
}

static bool has_py_source(const installer *ins, const char *name)
{
    size_t len = strlen(name);
    if (len < 4 || (strcmp(name + len - 4, ".pyc") != 0 && strcmp(name + len - 4, ".pyo") != 0))
        return false;
    char *source = pw_xstrndup(name, len - 1);
    bool found = archive_has(ins, source);
    free(source);
    return found;
}

static int dest_cmp(const void *a, const void *b)
{
    const member *x = *(const member *const *)a, *y = *(const member *const *)b;
    return strcmp(x->dest, y->dest);
}

static int map_members(installer *ins, pw_error *err)
{
    bool dynlib = ins->o->install_dir && strcmp(ins->o->install_dir, "dynlib") == 0;
    for (size_t i = 0; i < ins->n; i++) {
        member *m = &ins->m[i];
        if (m->dir)
            continue;
        if (ins->is_wheel) {
            int rc = map_wheel_member(ins, m, err);
            if (rc != PW_OK)
                return rc;
        } else if (dynlib) {
            /* Shared libraries load from python_modules/lib/; archives hold
             * them either at their root or already under lib/. */
            const char *rest = strncmp(m->name, "lib/", 4) == 0 ? m->name + 4 : m->name;
            pw_buf dest = PW_BUF_INIT;
            pw_buf_printf(&dest, "lib/%s", rest);
            m->dest = pw_buf_detach(&dest);
        } else {
            m->dest = pw_xstrdup(m->name);
        }
        if (m->dest) {
            bool source = has_py_source(ins, m->name);
            m->stripped = pw_bundle_path_stripped(m->dest, ins->o->strip, ins->o->exclude, source);
            if (!m->stripped && ins->o->slim && !pw_bundle_slim_keeps(ins->o->slim, m->dest))
                m->stripped = m->slimmed = true;
            for (size_t g = 0; !m->stripped && ins->o->upload_exclude &&
                               g < ins->o->upload_exclude->len && !m->dropped;
                 g++)
                m->dropped = pw_bundle_wrangler_glob(ins->o->upload_exclude->items[g], m->dest);
            size_t len = strlen(m->dest);
            /* PEP 3147 caches sit beside a source; a .pyc in place of its
             * .py (Pyodide's py-compile) is the module's only code. */
            m->sourceless = !source && len > 4 && strcmp(m->dest + len - 4, ".pyc") == 0 &&
                            !strstr(m->dest, "__pycache__/");
        }
    }
    /* Two members must not land on one path (e.g. purelib/x.py and x.py). */
    member **by_dest = pw_xcalloc(ins->n ? ins->n : 1, sizeof(*by_dest));
    size_t k = 0;
    for (size_t i = 0; i < ins->n; i++)
        if (ins->m[i].dest)
            by_dest[k++] = &ins->m[i];
    if (k)
        qsort(by_dest, k, sizeof(*by_dest), dest_cmp);
    int rc = PW_OK;
    for (size_t i = 1; i < k && rc == PW_OK; i++)
        if (strcmp(by_dest[i - 1]->dest, by_dest[i]->dest) == 0)
            rc = pw_error_set(err, PW_EINVAL, "%s: member %s: installs to %s, as %s does",
                              ins->archive, by_dest[i]->name, by_dest[i]->dest,
                              by_dest[i - 1]->name);
    free(by_dest);
    return rc;
}

/* pyodide py-compile replaces foo/bar.py by foo/bar.pyc in place and keeps
 * RECORD as it was: the .pyc stands for a listed .py the archive lacks. */
static pw_record_entry *compiled_source(installer *ins, const char *name)
{
    size_t len = strlen(name);
    if (len < 5 || strcmp(name + len - 4, ".pyc") != 0)
        return NULL;
    char *source = pw_xstrndup(name, len - 1);
    pw_record_entry *e = archive_has(ins, source) ? NULL : pw_bundle_record_find(&ins->record, source);
    free(source);
    return e;
}

#define UNLISTED_SHOWN 5

static int match_record(installer *ins, pw_error *err)
{
    if (ins->no_record)
        return PW_OK;
    pw_strlist unlisted = PW_STRLIST_INIT;
    int rc = PW_OK;
    for (size_t i = 0; i < ins->n && rc == PW_OK; i++) {
        member *m = &ins->m[i];
        if (m->dir || m->unrecorded)
            continue;
        m->rec = pw_bundle_record_find(&ins->record, m->name);
        if (m->rec && m->rec->has_hash) {
            m->rec->seen = true;
            continue;
        }
        pw_record_entry *source = m->rec ? NULL : compiled_source(ins, m->name);
        if (source) {
            source->seen = true;
            ins->py_compiled++;
            continue;
        }
        const char *why = m->rec ? "no hash in" : "not listed in";
        if (m->rec)
            m->rec->seen = true;
        m->rec = NULL;
        if (ins->o->strict_record) {
            rc = pw_error_set(err, PW_EHASH, "%s: member %s: %s %s/RECORD (--strict-record)",
                              ins->archive, m->name, why, ins->dist_info);
            break;
        }
        ins->unlisted++;
        if (unlisted.len < UNLISTED_SHOWN) {
            pw_buf line = PW_BUF_INIT;
            pw_buf_printf(&line, "%s (%s RECORD)", m->name, why);
            pw_strlist_push(&unlisted, line.data);
            pw_buf_free(&line);
        }
    }
    if (rc == PW_OK && ins->unlisted) {
        pw_buf list = PW_BUF_INIT;
        for (size_t i = 0; i < unlisted.len; i++)
            pw_buf_printf(&list, "%s%s", i ? ", " : "", unlisted.items[i]);
        if (ins->unlisted > unlisted.len)
            pw_buf_printf(&list, " and %zu more", ins->unlisted - unlisted.len);
        pw_report(PW_REPORT_WARN,
                  "%s: %zu member%s that %s/RECORD does not vouch for, installed as they are "
                  "(--strict-record refuses them): %s",
                  ins->archive, ins->unlisted, ins->unlisted == 1 ? "" : "s", ins->dist_info,
                  list.data);
        pw_buf_free(&list);
    }
    pw_strlist_free(&unlisted);
    if (rc != PW_OK)
        return rc;
    for (size_t i = 0; i < ins->record.len; i++) {
        pw_record_entry *e = &ins->record.entries[i];
        bool unrecorded = false;
        if (e->seen || (starts_with_dir(e->path, ins->dist_info) &&
                        is_dist_info_reserved(e->path + strlen(ins->dist_info) + 1, &unrecorded) &&
                        unrecorded))
            continue;
        return pw_error_set(err, PW_EHASH, "%s: member %s: listed in %s/RECORD but missing from "
                            "the archive",
                            ins->archive, e->path, ins->dist_info);
    }
    return PW_OK;
}

/* ------------------------------------------------------------ extraction */

/* mkdir -p that remembers what it made, so that a rollback can remove it. */
static int mkdirs_tracked(installer *ins, const char *dir, pw_error *err)
{
    if (ins->last_dir && strcmp(ins->last_dir, dir) == 0)
        return PW_OK;
    char *copy = pw_xstrdup(dir);
    int rc = PW_OK;
    for (char *p = copy + 1;; p++) {
        if (*p && *p != '/')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(copy, 0755) == 0) {
            /* The mode is fixed rather than left to the umask: the tree is
             * part of a reproducible output. */
            chmod(copy, 0755);
            pw_strlist_push(&ins->created_dirs, copy);
        } else if (errno != EEXIST || !pw_is_dir(copy)) {
            rc = pw_error_set(err, PW_EIO, "%s: cannot create directory: %s", copy,
                              errno == EEXIST ? "a file is in the way" : strerror(errno));
            break;
        }
        *p = saved;
        if (!saved)
            break;
    }
    free(copy);
    if (rc == PW_OK) {
        free(ins->last_dir);
        ins->last_dir = pw_xstrdup(dir);
    }
    return rc;
}

static void add_installed(installer *ins, const char *path, const char *hex, uint64_t size,
                          bool exec, const member *from)
{
    PW_GROW(ins->files, ins->cap_files, ins->n_files + 1);
    pw_installed_file *f = &ins->files[ins->n_files++];
    memset(f, 0, sizeof(*f));
    f->from_member = from != NULL;
    f->member = from ? from->index : 0;
    f->path = pw_xstrdup(path);
    memcpy(f->sha256, hex, PW_SHA256_HEX_LEN);
    f->sha256[PW_SHA256_HEX_LEN] = '\0';
    f->size = size;
    f->executable = exec;
}

/* Moves a verified temporary file to its final path. A file already there
 * (another package of the bundle, or an earlier install) is fine only when
 * it has the same content. */
static int place_file(installer *ins, const char *tmp, const char *final, const char *hex,
                      pw_error *err)
{
    struct stat st;
    if (lstat(final, &st) == 0) {
        char other[PW_SHA256_HEX_LEN + 1];
        int rc = S_ISREG(st.st_mode) ? pw_sha256_file_hex(final, other, NULL, err) : PW_EINVAL;
        unlink(tmp);
        if (rc == PW_OK && strcmp(other, hex) == 0)
            return PW_OK;
        pw_error_clear(err);
        return pw_error_set(err, PW_ECONFLICT,
                            "%s: %s already exists with different content", ins->archive, final);
    }
    if (rename(tmp, final) != 0) {
        int saved = errno;
        unlink(tmp);
        return pw_error_set(err, PW_EIO, "%s: cannot rename into place: %s", final,
                            strerror(saved));
    }
    pw_strlist_push(&ins->created_files, final);
    return PW_OK;
}

static int open_temp(installer *ins, const char *rel, char **final_out, char **tmp_out, int *fd,
                     pw_error *err)
{
    char *final = pw_path_join(ins->site, rel);
    char *dir = pw_path_dirname(final);
    int rc = mkdirs_tracked(ins, dir, err);
    if (rc != PW_OK) {
        free(final);
        free(dir);
        return rc;
    }
    char *tmp = pw_path_join(dir, ".pwpkg-tmp-XXXXXX");
    free(dir);
    *fd = mkstemp(tmp);
    if (*fd < 0) {
        rc = pw_error_set(err, PW_EIO, "%s: cannot create temporary file: %s", tmp,
                          strerror(errno));
        free(tmp);
        free(final);
        return rc;
    }
    *final_out = final;
    *tmp_out = tmp;
    return PW_OK;
}

static int extract_member(installer *ins, member *m, pw_error *err)
{
    bool keep = m->dest && !m->stripped && !m->dropped;
    /* verify_only: decompressed once, to check it; the zip copies it. */
    bool write = keep && !ins->o->verify_only;
    char *final = NULL, *tmp = NULL;
    int fd = -1;
    int rc = PW_OK;
    if (write) {
        rc = open_temp(ins, m->dest, &final, &tmp, &fd, err);
        if (rc != PW_OK)
            return rc;
    }
    zip_file_t *zf = zip_fopen_index(ins->za, m->index, 0);
    if (!zf) {
        rc = pw_error_set(err, PW_EINVAL, "%s: member %s: %s", ins->archive, m->name,
                          zip_strerror(ins->za));
        goto out;
    }
    pw_sha256 h;
    pw_sha256_init(&h);
    uint64_t actual = 0;
    /* Sizes in the headers are not trusted: the limits count the bytes that
     * decompression actually produces, and stop it as soon as one trips. */
    for (;;) {
        zip_int64_t got = zip_fread(zf, ins->chunk, CHUNK_SIZE);
        if (got < 0) {
            int zcode = zip_error_code_zip(zip_file_get_error(zf));
            rc = pw_error_set(err, zcode == ZIP_ER_CRC ? PW_EHASH : PW_EINVAL,
                              "%s: member %s: %s", ins->archive, m->name, zip_file_strerror(zf));
            break;
        }
        if (got == 0)
            break;
        actual += (uint64_t)got;
        ins->total += (uint64_t)got;
        if (ins->total > ins->max_total) {
            rc = pw_error_set(err, PW_ELIMIT,
                              "%s: member %s: uncompressed data exceeds the limit of %llu bytes",
                              ins->archive, m->name, (unsigned long long)ins->max_total);
            break;
        }
        if (actual > PW_BUNDLE_RATIO_MIN_SIZE && actual / ins->max_ratio >= m->comp_size + 1) {
            rc = pw_error_set(err, PW_ELIMIT,
                              "%s: member %s: expands beyond %u times its compressed size of "
                              "%llu bytes (decompression bomb?)",
                              ins->archive, m->name, ins->max_ratio,
                              (unsigned long long)m->comp_size);
            break;
        }
        if (m->rec && m->rec->size >= 0 && actual > (uint64_t)m->rec->size) {
            rc = pw_error_set(err, PW_EHASH,
                              "%s: member %s: larger than the %lld bytes listed in RECORD",
                              ins->archive, m->name, (long long)m->rec->size);
            break;
        }
        pw_sha256_update(&h, ins->chunk, (size_t)got);
        if (m->slimmed) {
            if (!ins->slimmed_gz)
                ins->slimmed_gz = pw_gzip_counter_new();
            pw_gzip_counter_feed(ins->slimmed_gz, ins->chunk, (size_t)got);
        }
        if (fd >= 0 && pw_write_all(fd, ins->chunk, (size_t)got) != 0) {
            rc = pw_error_set(err, PW_EIO, "%s: write failed: %s", tmp, strerror(errno));
            break;
        }
    }
    zip_fclose(zf);
    unsigned char raw[PW_SHA256_LEN];
    pw_sha256_final_raw(&h, raw);
    if (rc != PW_OK)
        goto out;
    if (m->rec && m->rec->size >= 0 && actual != (uint64_t)m->rec->size) {
        rc = pw_error_set(err, PW_EHASH, "%s: member %s: %llu bytes, but RECORD lists %lld",
                          ins->archive, m->name, (unsigned long long)actual,
                          (long long)m->rec->size);
        goto out;
    }
    if (m->rec && memcmp(raw, m->rec->digest, PW_SHA256_LEN) != 0) {
        rc = pw_error_set(err, PW_EHASH, "%s: member %s: sha256 does not match RECORD",
                          ins->archive, m->name);
        goto out;
    }
    if (!keep) {
        if (m->dest && m->dropped) {
            pw_strlist_push(&ins->dropped, m->dest);
            ins->dropped_bytes += actual;
            ins->dropped_sourceless += m->sourceless;
        } else if (m->dest && m->slimmed) {
            pw_strlist_push(&ins->slimmed, m->dest);
            ins->slimmed_bytes += actual;
        } else if (m->dest) {
            ins->saved_bytes += actual;
            ins->saved_files++;
        }
        goto out;
    }
    static const char digits[] = "0123456789abcdef";
    char hex[PW_SHA256_HEX_LEN + 1];
    for (size_t i = 0; i < PW_SHA256_LEN; i++) {
        hex[2 * i] = digits[raw[i] >> 4];
        hex[2 * i + 1] = digits[raw[i] & 15];
    }
    hex[PW_SHA256_HEX_LEN] = '\0';
    if (!write) {
        add_installed(ins, m->dest, hex, actual, m->exec, m);
        goto out;
    }
    /* Modes are normalized (0644, or 0755 for executables) whatever the
     * umask, so that the tree is the same on every machine. */
    if (fchmod(fd, m->exec ? 0755 : 0644) != 0 || close(fd) != 0) {
        fd = -1;
        rc = pw_error_set(err, PW_EIO, "%s: write failed: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    rc = place_file(ins, tmp, final, hex, err);
    free(tmp);
    tmp = NULL;
    if (rc == PW_OK)
        add_installed(ins, m->dest, hex, actual, m->exec, m);
out:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    free(final);
    return rc;
}

static int write_metadata_file(installer *ins, const char *rel, const char *data, size_t len,
                               pw_error *err)
{
    char *final = NULL, *tmp = NULL;
    int fd = -1;
    int rc = open_temp(ins, rel, &final, &tmp, &fd, err);
    if (rc != PW_OK)
        return rc;
    char hex[PW_SHA256_HEX_LEN + 1];
    pw_sha256_hex(data, len, hex);
    if (pw_write_all(fd, data, len) != 0 || fchmod(fd, 0644) != 0 || close(fd) != 0) {
        rc = pw_error_set(err, PW_EIO, "%s: write failed: %s", tmp, strerror(errno));
        unlink(tmp);
    } else {
        rc = place_file(ins, tmp, final, hex, err);
        if (rc == PW_OK)
            add_installed(ins, rel, hex, len, false, NULL);
    }
    free(tmp);
    free(final);
    return rc;
}

static int file_cmp(const void *a, const void *b)
{
    return strcmp(((const pw_installed_file *)a)->path, ((const pw_installed_file *)b)->path);
}

static void hex_to_raw(const char *hex, unsigned char raw[PW_SHA256_LEN])
{
    for (size_t k = 0; k < PW_SHA256_LEN; k++) {
        char hi = hex[2 * k], lo = hex[2 * k + 1];
        raw[k] = (unsigned char)((hi <= '9' ? hi - '0' : hi - 'a' + 10) << 4 |
                                 (lo <= '9' ? lo - '0' : lo - 'a' + 10));
    }
}

/* The installed RECORD, as pip writes it: paths relative to the site root,
 * hashes of the installed files, RECORD itself with empty hash and size;
 * rows sorted so that the file is reproducible. */
static int write_installed_metadata(installer *ins, pw_error *err)
{
    pw_buf rel = PW_BUF_INIT;
    pw_buf_printf(&rel, "%s/INSTALLER", ins->dist_info);
    int rc = write_metadata_file(ins, rel.data, PW_BUNDLE_INSTALLER "\n",
                                 strlen(PW_BUNDLE_INSTALLER "\n"), err);
    if (rc == PW_OK) {
        pw_buf_reset(&rel);
        pw_buf_printf(&rel, "%s/REQUESTED", ins->dist_info);
        rc = write_metadata_file(ins, rel.data, "", 0, err);
    }
    if (rc != PW_OK) {
        pw_buf_free(&rel);
        return rc;
    }
    pw_buf_reset(&rel);
    pw_buf_printf(&rel, "%s/RECORD", ins->dist_info);
    pw_strlist rows = PW_STRLIST_INIT;
    pw_buf row = PW_BUF_INIT, b64 = PW_BUF_INIT;
    unsigned char raw[PW_SHA256_LEN];
    for (size_t i = 0; i < ins->n_files; i++) {
        const pw_installed_file *f = &ins->files[i];
        hex_to_raw(f->sha256, raw);
        pw_buf_reset(&b64);
        pw_bundle_b64url_encode(raw, PW_SHA256_LEN, &b64);
        pw_buf_reset(&row);
        pw_bundle_csv_field(&row, f->path);
        pw_buf_printf(&row, ",sha256=%s,%llu\n", b64.data, (unsigned long long)f->size);
        pw_strlist_push(&rows, row.data);
    }
    pw_buf_reset(&row);
    pw_bundle_csv_field(&row, rel.data);
    pw_buf_puts(&row, ",,\n");
    pw_strlist_push(&rows, row.data);
    pw_strlist_sort(&rows);
    pw_buf text = PW_BUF_INIT;
    for (size_t i = 0; i < rows.len; i++)
        pw_buf_puts(&text, rows.items[i]);
    rc = write_metadata_file(ins, rel.data, pw_buf_cstr(&text), text.len, err);
    pw_strlist_free(&rows);
    pw_buf_free(&text);
    pw_buf_free(&row);
    pw_buf_free(&b64);
    pw_buf_free(&rel);
    return rc;
}

/* verify_only writes nothing, so place_file never sees two members that
 * install the same path (a .data/purelib/ copy of a top-level file): the
 * same content is listed once, different content is refused as it is when
 * the files are written. */
static int dedupe_unwritten(installer *ins, pw_error *err)
{
    if (ins->n_files > 1)
        qsort(ins->files, ins->n_files, sizeof(*ins->files), file_cmp);
    size_t w = 0;
    for (size_t i = 0; i < ins->n_files; i++) {
        pw_installed_file *f = &ins->files[i];
        if (w && strcmp(ins->files[w - 1].path, f->path) == 0) {
            if (strcmp(ins->files[w - 1].sha256, f->sha256) != 0) {
                int rc = pw_error_set(err, PW_ECONFLICT,
                                      "%s: %s is installed twice with different content",
                                      ins->archive, f->path);
                while (i < ins->n_files)
                    ins->files[w++] = ins->files[i++];
                ins->n_files = w;
                return rc;
            }
            free(f->path);
            continue;
        }
        ins->files[w++] = *f;
    }
    ins->n_files = w;
    return PW_OK;
}

/* ---------------------------------------------------------------- driver */

static void rollback(installer *ins)
{
    for (size_t i = ins->created_files.len; i-- > 0;)
        unlink(ins->created_files.items[i]);
    for (size_t i = ins->created_dirs.len; i-- > 0;)
        rmdir(ins->created_dirs.items[i]);
}

static void installer_free(installer *ins)
{
    if (ins->za)
        zip_discard(ins->za);
    for (size_t i = 0; i < ins->n; i++)
        free(ins->m[i].dest);
    free(ins->m);
    free(ins->sorted_names);
    pw_bundle_record_free(&ins->record);
    free(ins->dist_info);
    free(ins->data_dir);
    free(ins->dist_name);
    pw_strlist_free(&ins->created_files);
    pw_strlist_free(&ins->created_dirs);
    pw_strlist_free(&ins->dropped);
    pw_strlist_free(&ins->slimmed);
    pw_gzip_counter_finish(ins->slimmed_gz);
    free(ins->last_dir);
    for (size_t i = 0; i < ins->n_files; i++)
        free(ins->files[i].path);
    free(ins->files);
    free(ins->chunk);
}

static int run_install(installer *ins, const char *archive_path, pw_error *err)
{
    const char *base = ins->o->file_name ? ins->o->file_name : pw_path_basename(archive_path);
    size_t blen = strlen(base);
    if (blen > 4 && strcmp(base + blen - 4, ".whl") == 0)
        ins->is_wheel = true;
    else if (!(blen > 4 && strcmp(base + blen - 4, ".zip") == 0))
        return pw_error_set(err, PW_EUNSUPPORTED,
                            "%s: unsupported artifact type (expected a .whl wheel or a .zip)",
                            archive_path);
    if (ins->o->sha256) {
        char hex[PW_SHA256_HEX_LEN + 1];
        int rc = pw_sha256_file_hex(archive_path, hex, NULL, err);
        if (rc != PW_OK)
            return rc;
        if (strcasecmp(hex, ins->o->sha256) != 0)
            return pw_error_set(err, PW_EHASH, "%s: sha256 is %s, but the lock expects %s",
                                archive_path, hex, ins->o->sha256);
    }
    int zerr = 0;
    int loaded = pw_archive_libraries_load(err);
    if (loaded != PW_OK)
        return loaded;
    ins->za = zip_open(archive_path, ZIP_RDONLY, &zerr);
    if (!ins->za)
        return zip_open_error(archive_path, zerr, err);
    int rc = list_members(ins, err);
    if (rc == PW_OK && ins->is_wheel)
        rc = check_wheel_structure(ins, err);
    if (rc == PW_OK)
        rc = map_members(ins, err);
    if (rc == PW_OK && ins->is_wheel)
        rc = match_record(ins, err);
    if (rc == PW_OK)
        rc = mkdirs_tracked(ins, ins->site, err);
    for (size_t i = 0; rc == PW_OK && i < ins->n; i++)
        if (!ins->m[i].dir)
            rc = extract_member(ins, &ins->m[i], err);
    if (rc == PW_OK && ins->o->verify_only)
        rc = dedupe_unwritten(ins, err);
    if (rc == PW_OK && ins->is_wheel)
        rc = write_installed_metadata(ins, err);
    return rc;
}

int pw_bundle_install_wheel(const char *archive_path, const char *site_dir,
                            const pw_bundle_install_options *o, pw_bundle_install_result *result,
                            pw_error *err)
{
    static const pw_bundle_install_options defaults = {0};
    if (result)
        memset(result, 0, sizeof(*result));
    if (!o)
        o = &defaults;
    if (o->install_dir && strcmp(o->install_dir, "site") != 0 &&
        strcmp(o->install_dir, "stdlib") != 0 && strcmp(o->install_dir, "dynlib") != 0)
        return pw_error_set(err, PW_EINVAL,
                            "%s: install_dir \"%s\" is not one of site, stdlib, dynlib",
                            archive_path, o->install_dir);
    installer ins;
    memset(&ins, 0, sizeof(ins));
    ins.archive = o->file_name ? o->file_name : archive_path;
    ins.site = site_dir;
    ins.o = o;
    ins.max_total = o->max_total_uncompressed ? o->max_total_uncompressed
                                              : PW_BUNDLE_DEFAULT_MAX_UNCOMPRESSED;
    ins.max_ratio = o->max_ratio ? o->max_ratio : PW_BUNDLE_DEFAULT_MAX_RATIO;
    ins.chunk = pw_xmalloc(CHUNK_SIZE);
    int rc = run_install(&ins, archive_path, err);
    if (rc != PW_OK) {
        rollback(&ins);
    } else {
        if (ins.n_files > 1)
            qsort(ins.files, ins.n_files, sizeof(*ins.files), file_cmp);
        if (result) {
            result->files = ins.files;
            result->n_files = ins.n_files;
            for (size_t i = 0; i < ins.n_files; i++)
                result->raw_bytes += ins.files[i].size;
            result->uncompressed = ins.total;
            result->saved_bytes = ins.saved_bytes;
            result->saved_files = ins.saved_files;
            result->py_compiled = ins.py_compiled;
            result->unlisted = ins.unlisted;
            result->no_record = ins.no_record;
            pw_strlist_sort(&ins.dropped);
            result->dropped = ins.dropped;
            result->dropped_bytes = ins.dropped_bytes;
            result->dropped_sourceless = ins.dropped_sourceless;
            memset(&ins.dropped, 0, sizeof(ins.dropped));
            pw_strlist_sort(&ins.slimmed);
            result->slimmed = ins.slimmed;
            memset(&ins.slimmed, 0, sizeof(ins.slimmed));
            result->slimmed_bytes = ins.slimmed_bytes;
            result->slimmed_gz = pw_gzip_counter_finish(ins.slimmed_gz);
            ins.slimmed_gz = NULL;
            result->dist_info = ins.dist_info;
            ins.files = NULL;
            ins.n_files = 0;
            ins.dist_info = NULL;
        }
    }
    installer_free(&ins);
    return rc;
}

void pw_bundle_install_result_free(pw_bundle_install_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_files; i++)
        free(r->files[i].path);
    free(r->files);
    free(r->dist_info);
    pw_strlist_free(&r->dropped);
    pw_strlist_free(&r->slimmed);
    memset(r, 0, sizeof(*r));
}
