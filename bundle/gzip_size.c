/* The gzip size of files, as one stream: what the size table and the
 * Workers upload total report. Level 6 is gzip's and zlib's default, what
 * size budgets are quoted against, and Node's zlib.gzipSync default, which
 * wrangler's getSize uses. */
#include "bundle_private.h"
#include "archive_libraries.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define GZIP_CHUNK (64 * 1024)
#define GZIP_HEADER_BYTES 10

/* Feeds `n` bytes (or, with flush = Z_FINISH, the end) and counts the
 * output; returns deflate's last status. */
static int deflate_counting(z_stream *zs, unsigned char *in, size_t n, int flush,
                            unsigned char *out, uint64_t *produced)
{
    zs->next_in = in;
    zs->avail_in = (uInt)n;
    int zr;
    do {
        zs->next_out = out;
        zs->avail_out = GZIP_CHUNK;
        zr = deflate(zs, flush);
        *produced += GZIP_CHUNK - zs->avail_out;
    } while (zs->avail_out == 0 || (flush == Z_FINISH && zr == Z_OK));
    return zr;
}

struct pw_gzip_counter {
    z_stream zs;
    unsigned char *out;
    uint64_t produced;
};

pw_gzip_counter *pw_gzip_counter_new(void)
{
    pw_gzip_counter *c = pw_xcalloc(1, sizeof(*c));
    c->out = pw_xmalloc(GZIP_CHUNK);
    /* Initialised like pw_bundle_gzip_size; failure is out of memory only,
     * and pw_xmalloc already aborts on that (zlib is open: the counter
     * counts members of a wheel that install.c opened, after
     * pw_archive_libraries_load). */
    if (deflateInit2(&c->zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    return c;
}

void pw_gzip_counter_feed(pw_gzip_counter *c, const void *data, size_t n)
{
    /* deflate reads, never writes, its input. */
    deflate_counting(&c->zs, (unsigned char *)(uintptr_t)data, n, Z_NO_FLUSH, c->out,
                     &c->produced);
}

uint64_t pw_gzip_counter_finish(pw_gzip_counter *c)
{
    if (!c)
        return 0;
    deflate_counting(&c->zs, NULL, 0, Z_FINISH, c->out, &c->produced);
    deflateEnd(&c->zs);
    uint64_t n = c->produced;
    free(c->out);
    free(c);
    return n;
}

/* Output so far, what deflate keeps in its pending buffer included. */
static uint64_t emitted(z_stream *zs, uint64_t produced)
{
    unsigned pending = 0;
    int bits = 0;
    if (deflatePending(zs, &pending, &bits) != Z_OK)
        pending = 0;
    return produced + pending;
}

/* The input fed since deflate last emitted output, per file: the output
 * that appears next is mostly theirs, so it is shared among them by size
 * (deflate holds back up to a block; giving it all to the file being fed
 * would leave a small file, or every file of a small bundle, at zero). */
typedef struct gzip_shares {
    uint64_t *each;
    uint64_t *pending; /* input bytes of file i not yet paid for */
    size_t first;      /* the first file with pending input */
    uint64_t emitted;  /* output already shared out */
} gzip_shares;

static void share_output(gzip_shares *g, size_t last, uint64_t now)
{
    if (now <= g->emitted)
        return;
    uint64_t delta = now - g->emitted, input = 0, given = 0;
    for (size_t j = g->first; j <= last; j++)
        input += g->pending[j];
    for (size_t j = g->first; j <= last && input; j++) {
        uint64_t part = (uint64_t)((double)delta * (double)g->pending[j] / (double)input);
        g->each[j] += part;
        given += part;
        g->pending[j] = 0;
    }
    g->each[last] += delta - given; /* rounding, or no input at all: exact in sum */
    g->emitted = now;
    g->first = last;
}

int pw_bundle_gzip_size_each(const char *const *paths, size_t n, uint64_t *each, uint64_t *size,
                             pw_error *err)
{
    int loaded = pw_archive_libraries_load(err);
    if (loaded != PW_OK)
        return loaded;
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    /* windowBits 15 + 16: a gzip stream, header and trailer included. */
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return pw_error_set(err, PW_EIO, "zlib: cannot initialise deflate");
    unsigned char *in = pw_xmalloc(GZIP_CHUNK), *out = pw_xmalloc(GZIP_CHUNK);
    /* The header (10 bytes: no name, no time) comes before any input; it
     * is the first file's, and does not pay for that file's input. */
    gzip_shares g = {
        .each = each,
        .pending = each ? pw_xcalloc(n ? n : 1, sizeof(uint64_t)) : NULL,
        .emitted = GZIP_HEADER_BYTES,
    };
    if (each && n) {
        memset(each, 0, n * sizeof(*each));
        each[0] = GZIP_HEADER_BYTES;
    }
    uint64_t produced = 0;
    int rc = PW_OK;
    for (size_t i = 0; i < n && rc == PW_OK; i++) {
        FILE *fp = fopen(paths[i], "rb");
        if (!fp) {
            rc = pw_error_set(err, PW_EIO, "%s: cannot open: %s", paths[i], strerror(errno));
            break;
        }
        size_t got;
        while ((got = fread(in, 1, GZIP_CHUNK, fp)) > 0) {
            deflate_counting(&zs, in, got, Z_NO_FLUSH, out, &produced);
            if (each) {
                g.pending[i] += got;
                share_output(&g, i, emitted(&zs, produced));
            }
        }
        if (ferror(fp))
            rc = pw_error_set(err, PW_EIO, "%s: read error", paths[i]);
        fclose(fp);
    }
    deflate_counting(&zs, NULL, 0, Z_FINISH, out, &produced);
    if (each && n && rc == PW_OK)
        share_output(&g, n - 1, produced);
    deflateEnd(&zs);
    free(g.pending);
    free(in);
    free(out);
    *size = produced;
    return rc;
}

int pw_bundle_gzip_size(const char *const *paths, size_t n, uint64_t *size, pw_error *err)
{
    return pw_bundle_gzip_size_each(paths, n, NULL, size, err);
}
