/* A wheel's own core metadata, read from the end of its zip structure:
 * for local wheels (pw_wheel_read_metadata) and for resolver/'s range
 * reads of remote ones (pw_wheel_metadata_from). */
#include "metadata.h"
#include "archive_libraries.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>
#include <zlib.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_ZIP64_EOCD 0x06064b50u
#define SIG_ZIP64_LOCATOR 0x07064b50u
#define EOCD_SIZE 22
#define ZIP64_LOCATOR_SIZE 20
#define ZIP64_EOCD_SIZE 56
#define CENTRAL_SIZE 46
#define LOCAL_SIZE 30
/* Deflate cannot do better than about 1032:1 (a 258-byte match per
 * 2 bits); a larger claimed ratio is a lie or a bomb. */
#define MAX_DEFLATE_RATIO 1032u
/* A trailing data descriptor: signature, CRC, two 8-byte sizes. */
#define MAX_DESCRIPTOR 24

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* The walk over one wheel's bytes: errors name src->origin. */
typedef struct zip_walk {
    const pw_wheel_bytes *src;
    uint64_t tail_at; /* the tail's offset in the file */
} zip_walk;

/* Points *p at bytes [at, at+len) of the file: in the tail when they are
 * there, else through src->read. Valid until the next call. */
static int zip_bytes(const zip_walk *z, uint64_t at, uint64_t len, const unsigned char **p,
                     const char *what, pw_error *err)
{
    const pw_wheel_bytes *src = z->src;
    if (at > src->total || len > src->total - at)
        return pw_error_set(err, PW_EINVAL,
                            "%s: the %s (%llu bytes at offset %llu) lies past the end of the file "
                            "(%llu bytes): a truncated or damaged wheel",
                            src->origin, what, (unsigned long long)len, (unsigned long long)at,
                            (unsigned long long)src->total);
    if (at >= z->tail_at) {
        *p = src->tail + (at - z->tail_at);
        return PW_OK;
    }
    return src->read(src->ctx, at, len, p, err);
}

typedef struct cd_info {
    uint64_t entries;
    uint64_t size;
    uint64_t offset;
    uint64_t end_limit; /* where the end records start: the directory ends before */
} cd_info;

/* The End Of Central Directory record: the last signature in the tail whose
 * comment reaches exactly the end of the file. */
static int find_eocd(const zip_walk *z, cd_info *cd, pw_error *err)
{
    const unsigned char *t = z->src->tail;
    size_t n = z->src->tail_len;
    if (z->src->total == 0)
        return pw_error_set(err, PW_EINVAL, "%s: an empty file, not a zip archive", z->src->origin);
    if (n < EOCD_SIZE)
        return pw_error_set(err, PW_EINVAL, "%s: %llu bytes, too small to be a zip archive",
                            z->src->origin, (unsigned long long)z->src->total);
    size_t at = n - EOCD_SIZE;
    for (;;) {
        if (le32(t + at) == SIG_EOCD && at + EOCD_SIZE + le16(t + at + 20) == n)
            break;
        if (at == 0)
            return pw_error_set(err, PW_EINVAL,
                                "%s: no zip end of central directory record in the last %zu "
                                "bytes: not a wheel, or a truncated file",
                                z->src->origin, n);
        at--;
    }
    const unsigned char *e = t + at;
    uint32_t disk = le16(e + 4), cd_disk = le16(e + 6);
    uint64_t disk_entries = le16(e + 8);
    cd->entries = le16(e + 10);
    cd->size = le32(e + 12);
    cd->offset = le32(e + 16);
    cd->end_limit = z->tail_at + at;

    /* ZIP64: the locator sits right before the end record and points at
     * the ZIP64 end record, whose 8-byte fields replace the saturated ones. */
    if (at >= ZIP64_LOCATOR_SIZE && le32(e - ZIP64_LOCATOR_SIZE) == SIG_ZIP64_LOCATOR) {
        const unsigned char *loc = e - ZIP64_LOCATOR_SIZE;
        uint64_t rec_at = le64(loc + 8);
        if (le32(loc + 4) != 0 || le32(loc + 16) > 1)
            return pw_error_set(err, PW_EINVAL, "%s: a split (multi-disk) zip archive",
                                z->src->origin);
        uint64_t loc_at = z->tail_at + at - ZIP64_LOCATOR_SIZE;
        if (rec_at > loc_at || loc_at - rec_at < ZIP64_EOCD_SIZE)
            return pw_error_set(err, PW_EINVAL,
                                "%s: the ZIP64 locator points at offset %llu, not before itself "
                                "(%llu)",
                                z->src->origin, (unsigned long long)rec_at,
                                (unsigned long long)loc_at);
        const unsigned char *r;
        int rc = zip_bytes(z, rec_at, ZIP64_EOCD_SIZE, &r, "ZIP64 end of central directory",
                           err);
        if (rc != PW_OK)
            return rc;
        if (le32(r) != SIG_ZIP64_EOCD)
            return pw_error_set(err, PW_EINVAL,
                                "%s: no ZIP64 end of central directory record at offset %llu",
                                z->src->origin, (unsigned long long)rec_at);
        disk = le32(r + 16);
        cd_disk = le32(r + 20);
        disk_entries = le64(r + 24);
        cd->entries = le64(r + 32);
        cd->size = le64(r + 40);
        cd->offset = le64(r + 48);
        cd->end_limit = rec_at;
    }
    if (disk != 0 || cd_disk != 0 || disk_entries != cd->entries)
        return pw_error_set(err, PW_EINVAL, "%s: a split (multi-disk) zip archive", z->src->origin);
    if (cd->size > PW_WHEEL_MAX_CENTRAL_DIRECTORY)
        return pw_error_set(err, PW_ELIMIT,
                            "%s: central directory of %llu bytes, more than the limit of %llu",
                            z->src->origin, (unsigned long long)cd->size,
                            (unsigned long long)PW_WHEEL_MAX_CENTRAL_DIRECTORY);
    if (cd->offset > cd->end_limit || cd->size > cd->end_limit - cd->offset)
        return pw_error_set(err, PW_EINVAL,
                            "%s: the central directory (%llu bytes at offset %llu) does not end "
                            "before the end record at %llu: a truncated or damaged wheel",
                            z->src->origin, (unsigned long long)cd->size,
                            (unsigned long long)cd->offset, (unsigned long long)cd->end_limit);
    if (cd->entries > cd->size / CENTRAL_SIZE)
        return pw_error_set(err, PW_EINVAL,
                            "%s: %llu entries cannot fit in a central directory of %llu bytes",
                            z->src->origin, (unsigned long long)cd->entries,
                            (unsigned long long)cd->size);
    return PW_OK;
}

typedef struct member {
    pw_slice name;
    uint16_t flags, method;
    uint32_t crc;
    uint64_t comp, size, offset;
} member;

/* APPNOTE 4.5.3: the ZIP64 extra field holds, in this order, only the
 * values whose 32-bit fields are saturated. */
static int apply_zip64_extra(const zip_walk *z, const unsigned char *x, size_t len, member *m,
                             pw_error *err)
{
    bool need_size = m->size == 0xFFFFFFFFu, need_comp = m->comp == 0xFFFFFFFFu,
         need_offset = m->offset == 0xFFFFFFFFu;
    if (!need_size && !need_comp && !need_offset)
        return PW_OK;
    for (size_t at = 0; at + 4 <= len;) {
        uint16_t id = le16(x + at), sz = le16(x + at + 2);
        if (at + 4 + sz > len)
            break;
        if (id == 0x0001) {
            const unsigned char *v = x + at + 4;
            size_t need = 8u * ((size_t)need_size + need_comp + need_offset);
            if (sz < need)
                break;
            if (need_size) {
                m->size = le64(v);
                v += 8;
            }
            if (need_comp) {
                m->comp = le64(v);
                v += 8;
            }
            if (need_offset)
                m->offset = le64(v);
            return PW_OK;
        }
        at += 4 + (size_t)sz;
    }
    return pw_error_set(err, PW_EINVAL, "%s: " PW_SLICE_FMT ": missing ZIP64 extra field",
                        z->src->origin, PW_SLICE_ARG(m->name));
}

/* PEP 427: the wheel's metadata is "{distribution}-{version}.dist-info/METADATA"
 * at the top of the archive. */
static bool is_dist_info_metadata(pw_slice name)
{
    long slash = pw_slice_find_char(name, '/');
    if (slash <= 0)
        return false;
    pw_slice dir = pw_slice_make(name.ptr, (size_t)slash);
    pw_slice rest = pw_slice_make(name.ptr + slash + 1, name.len - (size_t)slash - 1);
    return dir.len > strlen(".dist-info") && pw_slice_ends_with(dir, ".dist-info") &&
           pw_slice_eq_cstr(rest, "METADATA");
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Walks the central directory: finds the one METADATA member and where the
 * next member starts (its data ends there at the latest). */
static int scan_directory(const zip_walk *z, const cd_info *cd, const unsigned char *dir, member *out,
                          uint64_t *next_offset, pw_error *err)
{
    uint64_t *offsets = pw_xmalloc(sizeof(*offsets) * (size_t)(cd->entries + 1));
    size_t found = 0;
    int rc = PW_OK;
    size_t at = 0;
    for (uint64_t i = 0; i < cd->entries; i++) {
        const unsigned char *h = dir + at;
        if (cd->size - at < CENTRAL_SIZE || le32(h) != SIG_CENTRAL) {
            rc = pw_error_set(err, PW_EINVAL,
                              "%s: central directory entry %llu of %llu is damaged (offset %llu)",
                              z->src->origin, (unsigned long long)i + 1,
                              (unsigned long long)cd->entries,
                              (unsigned long long)(cd->offset + at));
            goto done;
        }
        size_t name_len = le16(h + 28), extra_len = le16(h + 30), comment_len = le16(h + 32);
        size_t entry_len = CENTRAL_SIZE + name_len + extra_len + comment_len;
        if (cd->size - at < entry_len) {
            rc = pw_error_set(err, PW_EINVAL,
                              "%s: central directory entry %llu runs past the directory's end",
                              z->src->origin, (unsigned long long)i + 1);
            goto done;
        }
        member m;
        m.name = pw_slice_make((const char *)h + CENTRAL_SIZE, name_len);
        m.flags = le16(h + 8);
        m.method = le16(h + 10);
        m.crc = le32(h + 16);
        m.comp = le32(h + 20);
        m.size = le32(h + 24);
        m.offset = le32(h + 42);
        rc = apply_zip64_extra(z, h + CENTRAL_SIZE + name_len, extra_len, &m, err);
        if (rc != PW_OK)
            goto done;
        offsets[i] = m.offset;
        if (is_dist_info_metadata(m.name)) {
            if (found++) {
                rc = pw_error_set(err, PW_EINVAL,
                                  "%s: more than one .dist-info/METADATA (" PW_SLICE_FMT
                                  " and " PW_SLICE_FMT ")",
                                  z->src->origin, PW_SLICE_ARG(out->name), PW_SLICE_ARG(m.name));
                goto done;
            }
            *out = m;
        }
        at += entry_len;
    }
    if (!found) {
        rc = pw_error_set(err, PW_EINVAL, "%s: no .dist-info/METADATA in the wheel", z->src->origin);
        goto done;
    }
    /* The central directory itself ends the last member's data. */
    offsets[cd->entries] = cd->offset;
    qsort(offsets, (size_t)cd->entries + 1, sizeof(*offsets), cmp_u64);
    *next_offset = cd->offset;
    for (size_t i = 0; i <= cd->entries; i++)
        if (offsets[i] > out->offset) {
            *next_offset = offsets[i];
            break;
        }
done:
    free(offsets);
    return rc;
}

static int inflate_member(const zip_walk *z, const member *m, const unsigned char *data, pw_buf *out,
                          pw_error *err)
{
    pw_buf_reserve(out, (size_t)m->size + 1);
    if (m->method == 0) {
        memcpy(out->data, data, (size_t)m->size);
        out->len = (size_t)m->size;
    } else {
        int loaded = pw_zlib_load(err);
        if (loaded != PW_OK)
            return loaded;
        z_stream zs;
        memset(&zs, 0, sizeof(zs));
        /* Negative window bits: zip members are raw deflate (RFC 1951). */
        if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
            return pw_error_set(err, PW_EIO, "%s: zlib: cannot initialise inflate", z->src->origin);
        zs.next_in = (Bytef *)data;
        zs.avail_in = (uInt)m->comp;
        zs.next_out = (Bytef *)out->data;
        /* One byte more than announced, to see a member that is larger. */
        zs.avail_out = (uInt)m->size + 1;
        int zr = inflate(&zs, Z_FINISH);
        uint64_t produced = zs.total_out;
        inflateEnd(&zs);
        if (zr != Z_STREAM_END || produced != m->size)
            return pw_error_set(err, PW_EINVAL,
                                "%s: " PW_SLICE_FMT " does not inflate to its %llu bytes (%s)",
                                z->src->origin, PW_SLICE_ARG(m->name),
                                (unsigned long long)m->size,
                                zr == Z_STREAM_END ? "size differs"
                                : zr == Z_DATA_ERROR ? "corrupt deflate data"
                                                     : "data ends early or is too long");
        out->len = (size_t)produced;
    }
    out->data[out->len] = '\0';
    uLong crc = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)out->data, (uInt)out->len);
    if ((uint32_t)crc != m->crc) {
        pw_buf_reset(out);
        return pw_error_set(err, PW_EINVAL,
                            "%s: " PW_SLICE_FMT ": CRC-32 mismatch (%08x, expected %08x)",
                            z->src->origin, PW_SLICE_ARG(m->name), (unsigned)crc, (unsigned)m->crc);
    }
    return PW_OK;
}

static int read_member(const zip_walk *z, const member *m, uint64_t next_offset, pw_buf *out,
                       pw_error *err)
{
    if (m->flags & 0x0001)
        return pw_error_set(err, PW_EUNSUPPORTED, "%s: " PW_SLICE_FMT " is encrypted",
                            z->src->origin, PW_SLICE_ARG(m->name));
    if (m->method != 0 && m->method != 8)
        return pw_error_set(err, PW_EUNSUPPORTED,
                            "%s: " PW_SLICE_FMT " uses compression method %u; only stored (0) "
                            "and deflated (8) members are read without the whole wheel",
                            z->src->origin, PW_SLICE_ARG(m->name), (unsigned)m->method);
    if (m->size > PW_METADATA_MAX_SIZE)
        return pw_error_set(err, PW_ELIMIT, "%s: METADATA is larger than %u bytes (%llu)",
                            z->src->origin, PW_METADATA_MAX_SIZE, (unsigned long long)m->size);
    if (m->method == 0 && m->comp != m->size)
        return pw_error_set(err, PW_EINVAL,
                            "%s: " PW_SLICE_FMT " is stored, yet its sizes differ (%llu and %llu)",
                            z->src->origin, PW_SLICE_ARG(m->name), (unsigned long long)m->comp,
                            (unsigned long long)m->size);
    /* Deflate never grows data by more than a few bytes per 16 KiB block,
     * and never shrinks it beyond MAX_DEFLATE_RATIO. */
    if (m->method == 8 && (m->comp > m->size + m->size / 1000 + 64 ||
                           m->size > m->comp * MAX_DEFLATE_RATIO + 64))
        return pw_error_set(err, PW_EINVAL,
                            "%s: " PW_SLICE_FMT ": implausible compression (%llu bytes to %llu)",
                            z->src->origin, PW_SLICE_ARG(m->name), (unsigned long long)m->comp,
                            (unsigned long long)m->size);
    uint64_t min_len = LOCAL_SIZE + m->name.len + m->comp;
    uint64_t max_len = min_len + 0xFFFF + MAX_DESCRIPTOR;
    if (next_offset < m->offset || next_offset - m->offset < min_len)
        return pw_error_set(err, PW_EINVAL,
                            "%s: " PW_SLICE_FMT " (%llu bytes at offset %llu) overlaps the next "
                            "member or the central directory",
                            z->src->origin, PW_SLICE_ARG(m->name), (unsigned long long)m->comp,
                            (unsigned long long)m->offset);
    uint64_t span = next_offset - m->offset < max_len ? next_offset - m->offset : max_len;
    const unsigned char *p;
    int rc = zip_bytes(z, m->offset, span, &p, "METADATA member", err);
    if (rc != PW_OK)
        return rc;
    if (le32(p) != SIG_LOCAL)
        return pw_error_set(err, PW_EINVAL, "%s: no local file header for " PW_SLICE_FMT
                            " at offset %llu",
                            z->src->origin, PW_SLICE_ARG(m->name), (unsigned long long)m->offset);
    size_t name_len = le16(p + 26), extra_len = le16(p + 28);
    if (!pw_slice_eq(pw_slice_make((const char *)p + LOCAL_SIZE,
                                   name_len <= span - LOCAL_SIZE ? name_len : 0),
                     m->name))
        return pw_error_set(err, PW_EINVAL,
                            "%s: the local header at offset %llu does not name " PW_SLICE_FMT,
                            z->src->origin, (unsigned long long)m->offset, PW_SLICE_ARG(m->name));
    uint64_t data_at = LOCAL_SIZE + name_len + extra_len;
    if (data_at > span || m->comp > span - data_at)
        return pw_error_set(err, PW_EINVAL,
                            "%s: the data of " PW_SLICE_FMT " runs into the next member",
                            z->src->origin, PW_SLICE_ARG(m->name));
    return inflate_member(z, m, p + data_at, out, err);
}

int pw_wheel_metadata_from(const pw_wheel_bytes *src, pw_buf *out, pw_error *err)
{
    pw_buf_reset(out);
    zip_walk z = {.src = src, .tail_at = src->total - src->tail_len};
    cd_info cd;
    memset(&cd, 0, sizeof(cd));
    int rc = find_eocd(&z, &cd, err);
    const unsigned char *dir = NULL;
    if (rc == PW_OK && cd.size > 0)
        rc = zip_bytes(&z, cd.offset, cd.size, &dir, "central directory", err);
    /* The member's read may reuse the buffer the directory (whose names
     * it refers to) was read into: such a directory is copied first. */
    pw_buf dir_own = PW_BUF_INIT;
    if (rc == PW_OK && cd.offset < z.tail_at) {
        pw_buf_append(&dir_own, dir, (size_t)cd.size);
        dir = (const unsigned char *)dir_own.data;
    }
    member m;
    memset(&m, 0, sizeof(m));
    uint64_t next = 0;
    if (rc == PW_OK) {
        if (cd.entries == 0)
            rc = pw_error_set(err, PW_EINVAL, "%s: an empty zip archive, no .dist-info/METADATA",
                              src->origin);
        else
            rc = scan_directory(&z, &cd, dir, &m, &next, err);
    }
    if (rc == PW_OK)
        rc = read_member(&z, &m, next, out, err);
    if (rc != PW_OK)
        pw_buf_reset(out);
    pw_buf_free(&dir_own);
    return rc;
}

/* errno 0: a short read, the file shrank after its size was taken. */
static int read_error(const char *origin, uint64_t at, pw_error *err)
{
    return pw_error_set(err, PW_EIO, "%s: read error at byte %llu: %s", origin,
                        (unsigned long long)at,
                        errno ? strerror(errno) : "the file shrank while being read");
}

/* A local wheel: bytes outside the tail are pread into `piece`. */
typedef struct local_wheel {
    int fd;
    const char *origin;
    pw_buf piece;
} local_wheel;

static int read_local(void *ctx, uint64_t at, uint64_t len, const unsigned char **p,
                      pw_error *err)
{
    local_wheel *w = ctx;
    errno = 0;
    pw_buf_reset(&w->piece);
    pw_buf_reserve(&w->piece, (size_t)len + 1);
    if (pw_read_at(w->fd, w->piece.data, (size_t)len, at) != (int64_t)len)
        return read_error(w->origin, at, err);
    w->piece.len = (size_t)len;
    *p = (const unsigned char *)w->piece.data;
    return PW_OK;
}

/* The same through libzip, for the compressions pw_wheel_metadata_from
 * leaves out; names read as their bytes (ZIP_FL_ENC_RAW, as bundle/
 * reads them). */
static int read_with_libzip(const char *path, const char *origin, pw_buf *out, pw_error *err)
{
    int zerr = 0;
    int loaded = pw_archive_libraries_load(err);
    if (loaded != PW_OK)
        return loaded;
    zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
    if (!z)
        return pw_error_set(err, PW_EINVAL, "%s: not a readable zip archive", origin);
    int rc = PW_OK;
    zip_int64_t found = -1;
    zip_int64_t n = zip_get_num_entries(z, 0);
    for (zip_int64_t i = 0; i < n; i++) {
        const char *name = zip_get_name(z, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        const char *slash = name ? strchr(name, '/') : NULL;
        if (slash && strcmp(slash, "/METADATA") == 0 &&
            pw_slice_ends_with(pw_slice_make(name, (size_t)(slash - name)), ".dist-info")) {
            if (found >= 0) {
                rc = pw_error_set(err, PW_EINVAL, "%s: more than one .dist-info/METADATA", origin);
                goto done;
            }
            found = i;
        }
    }
    if (found < 0) {
        rc = pw_error_set(err, PW_EINVAL, "%s: no .dist-info/METADATA in the wheel", origin);
        goto done;
    }
    zip_stat_t st;
    if (zip_stat_index(z, (zip_uint64_t)found, 0, &st) != 0 || st.size > PW_METADATA_MAX_SIZE) {
        rc = pw_error_set(err, PW_ELIMIT, "%s: METADATA is larger than %u bytes", origin,
                          PW_METADATA_MAX_SIZE);
        goto done;
    }
    zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)found, 0);
    if (!f) {
        rc = pw_error_set(err, PW_EINVAL, "%s: cannot read METADATA", origin);
        goto done;
    }
    char chunk[16384];
    zip_int64_t got;
    while ((got = zip_fread(f, chunk, sizeof(chunk))) > 0) {
        if (out->len + (size_t)got > PW_METADATA_MAX_SIZE) {
            rc = pw_error_set(err, PW_ELIMIT, "%s: METADATA is larger than %u bytes", origin,
                              PW_METADATA_MAX_SIZE);
            break;
        }
        pw_buf_append(out, chunk, (size_t)got);
    }
    if (got < 0 && rc == PW_OK)
        rc = pw_error_set(err, PW_EINVAL, "%s: METADATA is corrupt in the archive", origin);
    zip_fclose(f);
done:
    zip_close(z);
    return rc;
}

int pw_wheel_read_metadata(const char *path, const char *origin, pw_buf *out, pw_error *err)
{
    pw_buf_reset(out);
    /* Loaded first, so that PW_EUNSUPPORTED from the walk means only a
     * compression it leaves to libzip, never a missing zlib. */
    int loaded = pw_zlib_load(err);
    if (loaded != PW_OK)
        return loaded;
    local_wheel w = {.fd = open(path, O_RDONLY | O_CLOEXEC), .origin = origin};
    if (w.fd < 0)
        return pw_error_set(err, PW_EIO, "%s: cannot open %s: %s", origin, path, strerror(errno));
    pw_buf_init(&w.piece);
    pw_buf tail = PW_BUF_INIT;
    struct stat st;
    int rc = PW_OK;
    if (fstat(w.fd, &st) != 0)
        rc = pw_error_set(err, PW_EIO, "%s: cannot stat %s: %s", origin, path, strerror(errno));
    uint64_t total = rc == PW_OK ? (uint64_t)st.st_size : 0;
    size_t tail_len = (size_t)(total < PW_WHEEL_TAIL ? total : PW_WHEEL_TAIL);
    if (rc == PW_OK) {
        pw_buf_reserve(&tail, tail_len + 1);
        errno = 0;
        if (pw_read_at(w.fd, tail.data, tail_len, total - tail_len) != (int64_t)tail_len)
            rc = read_error(origin, total - tail_len, err);
    }
    if (rc == PW_OK) {
        pw_wheel_bytes src = {
            .origin = origin,
            .total = total,
            .tail = (const unsigned char *)tail.data,
            .tail_len = tail_len,
            .read = read_local,
            .ctx = &w,
        };
        rc = pw_wheel_metadata_from(&src, out, err);
        if (rc == PW_EUNSUPPORTED) {
            pw_error_clear(err);
            rc = read_with_libzip(path, origin, out, err);
            if (rc != PW_OK)
                pw_buf_reset(out);
        }
    }
    pw_buf_free(&tail);
    pw_buf_free(&w.piece);
    close(w.fd);
    return rc;
}
