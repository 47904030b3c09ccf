/*
 * METADATA of a remote wheel through range requests on its zip structure.
 * Layout and field offsets: PKWARE APPNOTE.TXT 6.3.x, sections 4.3.7 (local
 * file header), 4.3.12 (central directory header), 4.3.14-16 (ZIP64 end
 * record and locator, end of central directory record), 4.5.3 (ZIP64
 * extended information extra field).
 */
#include "remote_wheel.h"

#include "archive_libraries.h"
#include "metadata.h"

#include <stdlib.h>
#include <string.h>
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

/* A remote file read piece by piece; errors name `redacted`. */
typedef struct remote_zip {
    pw_fetch_session *s;
    const char *url;
    char *redacted;
    uint64_t total;
    pw_buf tail;      /* the last bytes of the file */
    uint64_t tail_at; /* their offset */
    pw_buf piece;     /* the last range read outside the tail */
} remote_zip;

/* Points *p at bytes [at, at+len) of the file: in the tail when they are
 * there, else one range request. Valid until the next call. */
static int zip_bytes(remote_zip *z, uint64_t at, uint64_t len, const unsigned char **p,
                     const char *what, pw_error *err)
{
    if (at > z->total || len > z->total - at)
        return pw_error_set(err, PW_EINVAL,
                            "%s: the %s (%llu bytes at offset %llu) lies past the end of the file "
                            "(%llu bytes): a truncated or damaged wheel",
                            z->redacted, what, (unsigned long long)len, (unsigned long long)at,
                            (unsigned long long)z->total);
    if (at >= z->tail_at) {
        *p = (const unsigned char *)z->tail.data + (at - z->tail_at);
        return PW_OK;
    }
    uint64_t total = 0;
    int rc = pw_fetch_range(z->s, z->url, (int64_t)at, len, &z->piece, &total, err);
    if (rc != PW_OK)
        return rc;
    /* The file must not change between two ranges of one read. */
    if (total != z->total || z->piece.len != len)
        return pw_error_set(err, PW_EINVAL,
                            "%s: the file changed while being read (%llu bytes, then %llu)",
                            z->redacted, (unsigned long long)z->total,
                            (unsigned long long)total);
    *p = (const unsigned char *)z->piece.data;
    return PW_OK;
}

typedef struct cd_info {
    uint64_t entries;
    uint64_t size;
    uint64_t offset;
    uint64_t end_limit; /* where the end records start: the directory ends before */
} cd_info;

/* The End Of Central Directory record: the last signature in the tail whose
 * comment reaches exactly the end of the file. */
static int find_eocd(remote_zip *z, cd_info *cd, pw_error *err)
{
    const unsigned char *t = (const unsigned char *)z->tail.data;
    size_t n = z->tail.len;
    if (z->total == 0)
        return pw_error_set(err, PW_EINVAL, "%s: an empty file, not a zip archive", z->redacted);
    if (n < EOCD_SIZE)
        return pw_error_set(err, PW_EINVAL, "%s: %llu bytes, too small to be a zip archive",
                            z->redacted, (unsigned long long)z->total);
    size_t at = n - EOCD_SIZE;
    for (;;) {
        if (le32(t + at) == SIG_EOCD && at + EOCD_SIZE + le16(t + at + 20) == n)
            break;
        if (at == 0)
            return pw_error_set(err, PW_EINVAL,
                                "%s: no zip end of central directory record in the last %zu "
                                "bytes: not a wheel, or a truncated file",
                                z->redacted, n);
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
                                z->redacted);
        uint64_t loc_at = z->tail_at + at - ZIP64_LOCATOR_SIZE;
        if (rec_at > loc_at || loc_at - rec_at < ZIP64_EOCD_SIZE)
            return pw_error_set(err, PW_EINVAL,
                                "%s: the ZIP64 locator points at offset %llu, not before itself "
                                "(%llu)",
                                z->redacted, (unsigned long long)rec_at,
                                (unsigned long long)loc_at);
        const unsigned char *r;
        int rc = zip_bytes(z, rec_at, ZIP64_EOCD_SIZE, &r, "ZIP64 end of central directory",
                           err);
        if (rc != PW_OK)
            return rc;
        if (le32(r) != SIG_ZIP64_EOCD)
            return pw_error_set(err, PW_EINVAL,
                                "%s: no ZIP64 end of central directory record at offset %llu",
                                z->redacted, (unsigned long long)rec_at);
        disk = le32(r + 16);
        cd_disk = le32(r + 20);
        disk_entries = le64(r + 24);
        cd->entries = le64(r + 32);
        cd->size = le64(r + 40);
        cd->offset = le64(r + 48);
        cd->end_limit = rec_at;
    }
    if (disk != 0 || cd_disk != 0 || disk_entries != cd->entries)
        return pw_error_set(err, PW_EINVAL, "%s: a split (multi-disk) zip archive", z->redacted);
    if (cd->size > PW_REMOTE_WHEEL_MAX_CD)
        return pw_error_set(err, PW_ELIMIT,
                            "%s: central directory of %llu bytes, more than the limit of %llu",
                            z->redacted, (unsigned long long)cd->size,
                            (unsigned long long)PW_REMOTE_WHEEL_MAX_CD);
    if (cd->offset > cd->end_limit || cd->size > cd->end_limit - cd->offset)
        return pw_error_set(err, PW_EINVAL,
                            "%s: the central directory (%llu bytes at offset %llu) does not end "
                            "before the end record at %llu: a truncated or damaged wheel",
                            z->redacted, (unsigned long long)cd->size,
                            (unsigned long long)cd->offset, (unsigned long long)cd->end_limit);
    if (cd->entries > cd->size / CENTRAL_SIZE)
        return pw_error_set(err, PW_EINVAL,
                            "%s: %llu entries cannot fit in a central directory of %llu bytes",
                            z->redacted, (unsigned long long)cd->entries,
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
static int apply_zip64_extra(remote_zip *z, const unsigned char *x, size_t len, member *m,
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
                        z->redacted, PW_SLICE_ARG(m->name));
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
static int scan_directory(remote_zip *z, const cd_info *cd, const unsigned char *dir, member *out,
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
                              z->redacted, (unsigned long long)i + 1,
                              (unsigned long long)cd->entries,
                              (unsigned long long)(cd->offset + at));
            goto done;
        }
        size_t name_len = le16(h + 28), extra_len = le16(h + 30), comment_len = le16(h + 32);
        size_t entry_len = CENTRAL_SIZE + name_len + extra_len + comment_len;
        if (cd->size - at < entry_len) {
            rc = pw_error_set(err, PW_EINVAL,
                              "%s: central directory entry %llu runs past the directory's end",
                              z->redacted, (unsigned long long)i + 1);
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
                                  z->redacted, PW_SLICE_ARG(out->name), PW_SLICE_ARG(m.name));
                goto done;
            }
            *out = m;
        }
        at += entry_len;
    }
    if (!found) {
        rc = pw_error_set(err, PW_EINVAL, "%s: no .dist-info/METADATA in the wheel", z->redacted);
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

static int inflate_member(remote_zip *z, const member *m, const unsigned char *data, pw_buf *out,
                          pw_error *err)
{
    pw_buf_reserve(out, (size_t)m->size + 1);
    if (m->method == 0) {
        memcpy(out->data, data, (size_t)m->size);
        out->len = (size_t)m->size;
    } else {
        int loaded = pw_archive_libraries_load(err);
        if (loaded != PW_OK)
            return loaded;
        z_stream zs;
        memset(&zs, 0, sizeof(zs));
        /* Negative window bits: zip members are raw deflate (RFC 1951). */
        if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
            return pw_error_set(err, PW_EIO, "%s: zlib: cannot initialise inflate", z->redacted);
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
                                z->redacted, PW_SLICE_ARG(m->name),
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
                            z->redacted, PW_SLICE_ARG(m->name), (unsigned)crc, (unsigned)m->crc);
    }
    return PW_OK;
}

static int read_member(remote_zip *z, const member *m, uint64_t next_offset, pw_buf *out,
                       pw_error *err)
{
    if (m->flags & 0x0001)
        return pw_error_set(err, PW_EUNSUPPORTED, "%s: " PW_SLICE_FMT " is encrypted",
                            z->redacted, PW_SLICE_ARG(m->name));
    if (m->method != 0 && m->method != 8)
        return pw_error_set(err, PW_EUNSUPPORTED,
                            "%s: " PW_SLICE_FMT " uses compression method %u; only stored (0) "
                            "and deflated (8) members are read without the whole wheel",
                            z->redacted, PW_SLICE_ARG(m->name), (unsigned)m->method);
    if (m->size > PW_METADATA_MAX_SIZE)
        return pw_error_set(err, PW_ELIMIT, "%s: METADATA is larger than %u bytes (%llu)",
                            z->redacted, PW_METADATA_MAX_SIZE, (unsigned long long)m->size);
    if (m->method == 0 && m->comp != m->size)
        return pw_error_set(err, PW_EINVAL,
                            "%s: " PW_SLICE_FMT " is stored, yet its sizes differ (%llu and %llu)",
                            z->redacted, PW_SLICE_ARG(m->name), (unsigned long long)m->comp,
                            (unsigned long long)m->size);
    /* Deflate never grows data by more than a few bytes per 16 KiB block,
     * and never shrinks it beyond MAX_DEFLATE_RATIO. */
    if (m->method == 8 && (m->comp > m->size + m->size / 1000 + 64 ||
                           m->size > m->comp * MAX_DEFLATE_RATIO + 64))
        return pw_error_set(err, PW_EINVAL,
                            "%s: " PW_SLICE_FMT ": implausible compression (%llu bytes to %llu)",
                            z->redacted, PW_SLICE_ARG(m->name), (unsigned long long)m->comp,
                            (unsigned long long)m->size);
    uint64_t min_len = LOCAL_SIZE + m->name.len + m->comp;
    uint64_t max_len = min_len + 0xFFFF + MAX_DESCRIPTOR;
    if (next_offset < m->offset || next_offset - m->offset < min_len)
        return pw_error_set(err, PW_EINVAL,
                            "%s: " PW_SLICE_FMT " (%llu bytes at offset %llu) overlaps the next "
                            "member or the central directory",
                            z->redacted, PW_SLICE_ARG(m->name), (unsigned long long)m->comp,
                            (unsigned long long)m->offset);
    uint64_t span = next_offset - m->offset < max_len ? next_offset - m->offset : max_len;
    const unsigned char *p;
    int rc = zip_bytes(z, m->offset, span, &p, "METADATA member", err);
    if (rc != PW_OK)
        return rc;
    if (le32(p) != SIG_LOCAL)
        return pw_error_set(err, PW_EINVAL, "%s: no local file header for " PW_SLICE_FMT
                            " at offset %llu",
                            z->redacted, PW_SLICE_ARG(m->name), (unsigned long long)m->offset);
    size_t name_len = le16(p + 26), extra_len = le16(p + 28);
    if (!pw_slice_eq(pw_slice_make((const char *)p + LOCAL_SIZE,
                                   name_len <= span - LOCAL_SIZE ? name_len : 0),
                     m->name))
        return pw_error_set(err, PW_EINVAL,
                            "%s: the local header at offset %llu does not name " PW_SLICE_FMT,
                            z->redacted, (unsigned long long)m->offset, PW_SLICE_ARG(m->name));
    uint64_t data_at = LOCAL_SIZE + name_len + extra_len;
    if (data_at > span || m->comp > span - data_at)
        return pw_error_set(err, PW_EINVAL,
                            "%s: the data of " PW_SLICE_FMT " runs into the next member",
                            z->redacted, PW_SLICE_ARG(m->name));
    return inflate_member(z, m, p + data_at, out, err);
}

int pw_remote_wheel_metadata(pw_fetch_session *s, const char *url, pw_buf *out, pw_error *err)
{
    pw_buf_reset(out);
    remote_zip z;
    memset(&z, 0, sizeof(z));
    z.s = s;
    z.url = url;
    z.redacted = pw_redact_url(url ? url : "");
    int rc = pw_fetch_range(s, url, -(int64_t)PW_REMOTE_WHEEL_TAIL, 0, &z.tail, &z.total, err);
    cd_info cd;
    memset(&cd, 0, sizeof(cd));
    if (rc == PW_OK) {
        z.tail_at = z.total - z.tail.len;
        rc = find_eocd(&z, &cd, err);
    }
    const unsigned char *dir = NULL;
    if (rc == PW_OK && cd.size > 0)
        rc = zip_bytes(&z, cd.offset, cd.size, &dir, "central directory", err);
    member m;
    memset(&m, 0, sizeof(m));
    uint64_t next = 0;
    pw_buf dir_own = PW_BUF_INIT;
    if (rc == PW_OK && dir == (const unsigned char *)z.piece.data) {
        /* The member's range reuses z.piece: the directory (whose names
         * the member refers to) moves out of the way first. */
        dir_own = z.piece;
        pw_buf_init(&z.piece);
    }
    if (rc == PW_OK) {
        if (cd.entries == 0)
            rc = pw_error_set(err, PW_EINVAL, "%s: an empty zip archive, no .dist-info/METADATA",
                              z.redacted);
        else
            rc = scan_directory(&z, &cd, dir, &m, &next, err);
    }
    if (rc == PW_OK)
        rc = read_member(&z, &m, next, out, err);
    if (rc != PW_OK)
        pw_buf_reset(out);
    pw_buf_free(&dir_own);
    pw_buf_free(&z.tail);
    pw_buf_free(&z.piece);
    free(z.redacted);
    return rc;
}
