/* Test wheel generator: see wheelgen.h. */
#include "wheelgen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

#define DOS_DATE_1980 ((0 << 9) | (1 << 5) | 1) /* 1980-01-01 */
#define ZEROS_CHUNK (64 * 1024)

typedef struct entry {
    char *path;
    pw_buf data;
    uint64_t zeros;
    uint32_t mode;
    bool unlisted;     /* left out of RECORD */
    bool raw_name;     /* name stored as its bytes, not flagged UTF-8 */
    char *final_name;  /* after writing, rename the entry to this (duplicates) */
} entry;

typedef struct entries {
    entry *items;
    size_t len, cap;
} entries;

static const char *const flaw_names[PW_WHEELGEN_FLAW_COUNT] = {
    "sound",         "path-traversal", "absolute-path", "backslash",      "drive-letter",
    "symlink",       "device",         "bomb",          "hash-mismatch",  "size-mismatch",
    "no-record",     "no-wheel",       "name-mismatch", "two-dist-info",  "duplicate",
    "unlisted-file", "missing-listed", "control-char",  "not-utf8",
};

const char *pw_wheelgen_flaw_name(pw_wheelgen_flaw flaw)
{
    return flaw < PW_WHEELGEN_FLAW_COUNT ? flaw_names[flaw] : "?";
}

int pw_wheelgen_flaw_parse(const char *name, pw_wheelgen_flaw *out)
{
    for (int i = 0; i < PW_WHEELGEN_FLAW_COUNT; i++)
        if (strcmp(name, flaw_names[i]) == 0) {
            *out = (pw_wheelgen_flaw)i;
            return PW_OK;
        }
    return PW_EINVAL;
}

/* Binary distribution format: runs of -_. in the name become '_'. */
static void escape_name(const char *name, pw_buf *out)
{
    for (const char *p = name; *p; p++) {
        if (*p == '-' || *p == '_' || *p == '.') {
            pw_buf_putc(out, '_');
            while (p[1] == '-' || p[1] == '_' || p[1] == '.')
                p++;
        } else {
            pw_buf_putc(out, *p);
        }
    }
}

char *pw_wheelgen_dist_info(const pw_wheelgen_spec *spec)
{
    pw_buf b = PW_BUF_INIT;
    if (spec->flaw == PW_WHEELGEN_NAME_MISMATCH)
        pw_buf_puts(&b, "other_name");
    else
        escape_name(spec->name, &b);
    pw_buf_printf(&b, "-%s.dist-info", spec->version);
    return pw_buf_detach(&b);
}

static const char *first_file(const pw_wheelgen_spec *spec)
{
    for (size_t i = 0; i < spec->n_files; i++)
        if (!spec->files[i].mode || S_ISREG(spec->files[i].mode))
            return spec->files[i].path;
    return NULL;
}

char *pw_wheelgen_flaw_member(const pw_wheelgen_spec *spec)
{
    char *di = pw_wheelgen_dist_info(spec);
    pw_buf b = PW_BUF_INIT;
    const char *first = first_file(spec);
    switch (spec->flaw) {
    case PW_WHEELGEN_PATH_TRAVERSAL: pw_buf_puts(&b, "../evil.py"); break;
    case PW_WHEELGEN_ABSOLUTE_PATH: pw_buf_puts(&b, "/etc/evil.py"); break;
    case PW_WHEELGEN_BACKSLASH: pw_buf_puts(&b, "evil\\x.py"); break;
    case PW_WHEELGEN_DRIVE_LETTER: pw_buf_puts(&b, "C:/evil.py"); break;
    case PW_WHEELGEN_CONTROL_CHAR: pw_buf_puts(&b, "evil\x1b[0m.py"); break;
    case PW_WHEELGEN_NOT_UTF8: pw_buf_puts(&b, "evil\x1b\xff.py"); break;
    case PW_WHEELGEN_SYMLINK: pw_buf_puts(&b, "evil-link"); break;
    case PW_WHEELGEN_DEVICE: pw_buf_puts(&b, "evil-device"); break;
    case PW_WHEELGEN_BOMB: pw_buf_puts(&b, "bomb.bin"); break;
    case PW_WHEELGEN_HASH_MISMATCH:
    case PW_WHEELGEN_SIZE_MISMATCH:
    case PW_WHEELGEN_DUPLICATE:
        if (first)
            pw_buf_puts(&b, first);
        else
            pw_buf_printf(&b, "%s/METADATA", di);
        break;
    case PW_WHEELGEN_NO_RECORD: pw_buf_printf(&b, "%s/RECORD", di); break;
    case PW_WHEELGEN_NO_WHEEL: pw_buf_printf(&b, "%s/WHEEL", di); break;
    case PW_WHEELGEN_NAME_MISMATCH: pw_buf_puts(&b, di); break;
    case PW_WHEELGEN_TWO_DIST_INFO: pw_buf_printf(&b, "zzz_other-%s.dist-info", spec->version); break;
    case PW_WHEELGEN_UNLISTED_FILE: pw_buf_puts(&b, "unlisted.py"); break;
    case PW_WHEELGEN_MISSING_LISTED: pw_buf_puts(&b, "ghost.py"); break;
    default: break;
    }
    free(di);
    return pw_buf_detach(&b);
}

static entry *add_entry(entries *es, const char *path, const void *data, size_t len)
{
    PW_GROW(es->items, es->cap, es->len + 1);
    entry *e = &es->items[es->len++];
    memset(e, 0, sizeof(*e));
    e->path = pw_xstrdup(path);
    pw_buf_append(&e->data, data ? data : "", len);
    return e;
}

static void entries_free(entries *es)
{
    for (size_t i = 0; i < es->len; i++) {
        free(es->items[i].path);
        free(es->items[i].final_name);
        pw_buf_free(&es->items[i].data);
    }
    free(es->items);
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->path, ((const entry *)b)->path);
}

static void entry_digest(const entry *e, unsigned char raw[PW_SHA256_LEN], uint64_t *size)
{
    pw_sha256 h;
    pw_sha256_init(&h);
    if (e->zeros) {
        unsigned char *z = pw_xcalloc(1, ZEROS_CHUNK);
        for (uint64_t left = e->zeros; left;) {
            size_t n = left < ZEROS_CHUNK ? (size_t)left : ZEROS_CHUNK;
            pw_sha256_update(&h, z, n);
            left -= n;
        }
        free(z);
        *size = e->zeros;
    } else {
        pw_sha256_update(&h, e->data.data, e->data.len);
        *size = e->data.len;
    }
    pw_sha256_final_raw(&h, raw);
}

static void b64url(const unsigned char *raw, size_t n, pw_buf *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)raw[i + 1] << 8;
        if (i + 2 < n)
            v |= raw[i + 2];
        pw_buf_putc(out, a[v >> 18 & 63]);
        pw_buf_putc(out, a[v >> 12 & 63]);
        if (i + 1 < n)
            pw_buf_putc(out, a[v >> 6 & 63]);
        if (i + 2 < n)
            pw_buf_putc(out, a[v & 63]);
    }
}

/* A zip source producing `size` zero bytes without holding them. */
typedef struct zeros_ctx {
    uint64_t size, offset;
} zeros_ctx;

static zip_int64_t zeros_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
    zeros_ctx *z = ud;
    switch (cmd) {
    case ZIP_SOURCE_OPEN: z->offset = 0; return 0;
    case ZIP_SOURCE_READ: {
        uint64_t n = z->size - z->offset < len ? z->size - z->offset : len;
        memset(data, 0, (size_t)n);
        z->offset += n;
        return (zip_int64_t)n;
    }
    case ZIP_SOURCE_CLOSE: return 0;
    case ZIP_SOURCE_STAT: {
        zip_stat_t *st = data;
        zip_stat_init(st);
        st->valid = ZIP_STAT_SIZE | ZIP_STAT_MTIME;
        st->size = z->size;
        st->mtime = 315532800;
        return sizeof(*st);
    }
    case ZIP_SOURCE_ERROR: return 0;
    case ZIP_SOURCE_FREE: free(z); return 0;
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                              ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
                                              -1);
    default: return -1;
    }
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* libzip refuses to add a name twice, so a duplicate is written under a
 * placeholder of the same length and renamed in the central directory and
 * local header afterwards (names are not covered by the CRC). */
static int patch_names(const char *path, const entries *es, pw_error *err)
{
    pw_buf z = PW_BUF_INIT;
    int rc = pw_read_file(path, &z, err);
    if (rc != PW_OK)
        return rc;
    unsigned char *d = (unsigned char *)z.data;
    size_t eocd = z.len >= 22 ? z.len - 22 : 0;
    while (eocd > 0 && le32(d + eocd) != 0x06054b50)
        eocd--;
    uint16_t count = le16(d + eocd + 10);
    uint32_t off = le32(d + eocd + 16);
    for (uint16_t i = 0; i < count && off + 46 <= z.len; i++) {
        uint16_t nlen = le16(d + off + 28);
        uint16_t xlen = le16(d + off + 30);
        uint16_t clen = le16(d + off + 32);
        uint32_t local = le32(d + off + 42);
        for (size_t k = 0; k < es->len; k++) {
            const entry *e = &es->items[k];
            if (!e->final_name || strlen(e->path) != nlen || memcmp(d + off + 46, e->path, nlen))
                continue;
            memcpy(d + off + 46, e->final_name, nlen);
            memcpy(d + local + 30, e->final_name, nlen);
        }
        off += 46u + nlen + xlen + clen;
    }
    rc = pw_write_file_atomic(path, z.data, z.len, err);
    pw_buf_free(&z);
    return rc;
}

static void build_metadata(const pw_wheelgen_spec *spec, pw_buf *out)
{
    pw_buf_printf(out, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n", spec->name,
                  spec->version);
    if (spec->summary)
        pw_buf_printf(out, "Summary: %s\n", spec->summary);
    if (spec->requires_python)
        pw_buf_printf(out, "Requires-Python: %s\n", spec->requires_python);
    for (size_t i = 0; i < spec->n_provides_extra; i++)
        pw_buf_printf(out, "Provides-Extra: %s\n", spec->provides_extra[i]);
    for (size_t i = 0; i < spec->n_requires_dist; i++)
        pw_buf_printf(out, "Requires-Dist: %s\n", spec->requires_dist[i]);
}

static void build_top_level(const pw_wheelgen_spec *spec, pw_buf *out)
{
    pw_strlist names = PW_STRLIST_INIT;
    for (size_t i = 0; i < spec->n_files; i++) {
        const char *p = spec->files[i].path;
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len > 5 && (memcmp(p + len - 5, ".data", 5) == 0))
            continue;
        if (!slash) {
            const char *dot = strchr(p, '.');
            if (dot)
                len = (size_t)(dot - p);
        }
        pw_strlist_push_owned(&names, pw_xstrndup(p, len));
    }
    pw_strlist_sort_unique(&names);
    for (size_t i = 0; i < names.len; i++)
        pw_buf_printf(out, "%s\n", names.items[i]);
    pw_strlist_free(&names);
}

static void add_flaw_entries(const pw_wheelgen_spec *spec, entries *es)
{
    char *member = pw_wheelgen_flaw_member(spec);
    switch (spec->flaw) {
    case PW_WHEELGEN_PATH_TRAVERSAL:
    case PW_WHEELGEN_ABSOLUTE_PATH:
    case PW_WHEELGEN_BACKSLASH:
    case PW_WHEELGEN_DRIVE_LETTER:
    case PW_WHEELGEN_UNLISTED_FILE:
        add_entry(es, member, "evil = True\n", 12)->unlisted =
            spec->flaw == PW_WHEELGEN_UNLISTED_FILE;
        break;
    case PW_WHEELGEN_CONTROL_CHAR:
    case PW_WHEELGEN_NOT_UTF8:
        add_entry(es, member, "evil = True\n", 12)->raw_name = true; /* libzip refuses them as UTF-8 */
        break;
    case PW_WHEELGEN_SYMLINK:
        add_entry(es, member, "/etc/passwd", 11)->mode = S_IFLNK | 0777;
        break;
    case PW_WHEELGEN_DEVICE:
        add_entry(es, member, "", 0)->mode = S_IFCHR | 0644;
        break;
    case PW_WHEELGEN_BOMB:
        add_entry(es, member, "", 0)->zeros = spec->bomb_size ? spec->bomb_size : UINT64_C(200) << 20;
        break;
    case PW_WHEELGEN_TWO_DIST_INFO: {
        pw_buf p = PW_BUF_INIT;
        pw_buf_printf(&p, "%s/METADATA", member);
        add_entry(es, p.data, "Metadata-Version: 2.1\nName: zzz-other\nVersion: 1.0\n", 51);
        pw_buf_free(&p);
        break;
    }
    case PW_WHEELGEN_DUPLICATE: {
        char *placeholder = pw_xstrdup(member);
        placeholder[strlen(placeholder) - 1] = placeholder[strlen(placeholder) - 1] == '~' ? '^'
                                                                                         : '~';
        entry *e = add_entry(es, placeholder, "evil = True\n", 12);
        e->final_name = pw_xstrdup(member);
        e->unlisted = true;
        free(placeholder);
        break;
    }
    default: break;
    }
    free(member);
}

static void build_record(const pw_wheelgen_spec *spec, const entries *es, const char *di,
                         pw_buf *out)
{
    char *target = pw_wheelgen_flaw_member(spec);
    pw_strlist rows = PW_STRLIST_INIT;
    pw_buf row = PW_BUF_INIT;
    for (size_t i = 0; i < es->len; i++) {
        const entry *e = &es->items[i];
        if (e->unlisted)
            continue;
        unsigned char raw[PW_SHA256_LEN];
        uint64_t size;
        entry_digest(e, raw, &size);
        bool is_target = strcmp(e->path, target) == 0;
        if (is_target && spec->flaw == PW_WHEELGEN_HASH_MISMATCH)
            raw[0] ^= 0xff;
        if (is_target && spec->flaw == PW_WHEELGEN_SIZE_MISMATCH)
            size++;
        pw_buf_reset(&row);
        pw_buf_printf(&row, "%s,sha256=", e->path);
        b64url(raw, PW_SHA256_LEN, &row);
        pw_buf_printf(&row, ",%llu\n", (unsigned long long)size);
        pw_strlist_push(&rows, row.data);
    }
    if (spec->flaw == PW_WHEELGEN_MISSING_LISTED)
        pw_strlist_push(&rows, "ghost.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\n");
    pw_buf_reset(&row);
    pw_buf_printf(&row, "%s/RECORD,,\n", di);
    pw_strlist_push(&rows, row.data);
    pw_strlist_sort(&rows);
    for (size_t i = 0; i < rows.len; i++)
        pw_buf_puts(out, rows.items[i]);
    pw_strlist_free(&rows);
    pw_buf_free(&row);
    free(target);
}

static int write_zip(const char *path, entries *es, pw_error *err)
{
    int zerr = 0;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!za)
        return pw_error_set(err, PW_EIO, "%s: cannot create zip (libzip error %d)", path, zerr);
    for (size_t i = 0; i < es->len; i++) {
        entry *e = &es->items[i];
        zip_source_t *src;
        if (e->zeros) {
            zeros_ctx *z = pw_xcalloc(1, sizeof(*z));
            z->size = e->zeros;
            src = zip_source_function(za, zeros_cb, z);
            if (!src)
                free(z);
        } else {
            src = zip_source_buffer(za, e->data.data ? e->data.data : "", e->data.len, 0);
        }
        zip_int64_t idx = src ? zip_file_add(za, e->path, src, e->raw_name ? ZIP_FL_ENC_RAW : ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0) {
            if (src)
                zip_source_free(src);
            int rc = pw_error_set(err, PW_EIO, "%s: cannot add %s: %s", path, e->path,
                                  zip_strerror(za));
            zip_discard(za);
            return rc;
        }
        uint32_t mode = e->mode ? e->mode : (S_IFREG | 0644);
        zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, e->zeros ? 9 : 6);
        zip_file_set_dostime(za, (zip_uint64_t)idx, 0, DOS_DATE_1980, 0);
        zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX, mode << 16);
    }
    if (zip_close(za) != 0) {
        int rc = pw_error_set(err, PW_EIO, "%s: cannot write zip: %s", path, zip_strerror(za));
        zip_discard(za);
        return rc;
    }
    return PW_OK;
}

int pw_wheelgen_write(const pw_wheelgen_spec *spec, const char *out_dir, char **out_path,
                      pw_error *err)
{
    *out_path = NULL;
    if (!spec->name || !spec->version)
        return pw_error_set(err, PW_EINVAL, "wheelgen: name and version are required");
    entries es = {NULL, 0, 0};
    for (size_t i = 0; i < spec->n_files; i++) {
        const pw_wheelgen_file *f = &spec->files[i];
        size_t len = f->len ? f->len : (f->content ? strlen(f->content) : 0);
        entry *e = add_entry(&es, f->path, f->content, len);
        e->mode = f->mode;
        e->zeros = f->zeros;
    }
    add_flaw_entries(spec, &es);
    pw_buf name = PW_BUF_INIT;
    char *di = pw_wheelgen_dist_info(spec);
    if (spec->file_name) {
        pw_buf_puts(&name, spec->file_name);
    } else if (spec->shared_library) {
        pw_buf_printf(&name, "%s-%s.zip", spec->name, spec->version);
    } else {
        escape_name(spec->name, &name);
        pw_buf_printf(&name, "-%s", spec->version);
        if (spec->build_tag)
            pw_buf_printf(&name, "-%s", spec->build_tag);
        pw_buf_printf(&name, "-%s-%s-%s.whl", spec->python_tag ? spec->python_tag : "py3",
                      spec->abi_tag ? spec->abi_tag : "none",
                      spec->platform_tag ? spec->platform_tag : "any");
    }
    if (!spec->shared_library) {
        pw_buf text = PW_BUF_INIT, path = PW_BUF_INIT;
        build_metadata(spec, &text);
        pw_buf_printf(&path, "%s/METADATA", di);
        add_entry(&es, path.data, text.data, text.len);
        if (spec->flaw != PW_WHEELGEN_NO_WHEEL) {
            pw_buf_reset(&text);
            pw_buf_printf(&text,
                          "Wheel-Version: %s\nGenerator: pwpkg-wheelgen\nRoot-Is-Purelib: %s\n"
                          "Tag: %s-%s-%s\n",
                          spec->wheel_version ? spec->wheel_version : "1.0",
                          spec->platlib ? "false" : "true",
                          spec->python_tag ? spec->python_tag : "py3",
                          spec->abi_tag ? spec->abi_tag : "none",
                          spec->platform_tag ? spec->platform_tag : "any");
            pw_buf_reset(&path);
            pw_buf_printf(&path, "%s/WHEEL", di);
            add_entry(&es, path.data, text.data, text.len);
        }
        pw_buf_reset(&text);
        build_top_level(spec, &text);
        pw_buf_reset(&path);
        pw_buf_printf(&path, "%s/top_level.txt", di);
        add_entry(&es, path.data, text.data, text.len);
        if (spec->flaw != PW_WHEELGEN_NO_RECORD) {
            pw_buf_reset(&text);
            build_record(spec, &es, di, &text);
            pw_buf_reset(&path);
            pw_buf_printf(&path, "%s/RECORD", di);
            add_entry(&es, path.data, text.data, text.len)->unlisted = true;
        }
        pw_buf_free(&text);
        pw_buf_free(&path);
    }
    for (size_t i = 0; spec->py_compiled && i < es.len; i++) {
        entry *e = &es.items[i];
        size_t n = strlen(e->path);
        if (n > 3 && strcmp(e->path + n - 3, ".py") == 0) {
            char *pyc = pw_xmalloc(n + 2);
            memcpy(pyc, e->path, n);
            memcpy(pyc + n, "c", 2);
            free(e->path);
            e->path = pyc;
        }
    }
    if (es.len)
        qsort(es.items, es.len, sizeof(*es.items), entry_cmp);
    char *full = pw_path_join(out_dir, name.data);
    int rc = write_zip(full, &es, err);
    if (rc == PW_OK && spec->flaw == PW_WHEELGEN_DUPLICATE)
        rc = patch_names(full, &es, err);
    if (rc == PW_OK)
        *out_path = full;
    else
        free(full);
    entries_free(&es);
    pw_buf_free(&name);
    free(di);
    return rc;
}
