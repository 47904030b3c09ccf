/*
 * pw_hashbench: sha256 throughput of pwpkg's own hashing entry points, for
 * bench/hash_vs_openssl.sh (built there by hand against libpw_common.a).
 *
 *   pw_hashbench mem MIB ROUNDS   hash a MIB MiB buffer in 64 KiB chunks
 *                                 through pw_sha256_update, ROUNDS times
 *   pw_hashbench file PATH ROUNDS pw_sha256_file_hex(PATH), ROUNDS times
 *
 * Prints the best round as "<bytes> <seconds> <MB/s>" with MB = 10^6 bytes,
 * the unit of `openssl speed` (its figures are in 1000s of bytes per second).
 * The best round, not the mean: on a shared machine the fastest round is the
 * one least disturbed by other processes.
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK (64u * 1024u)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(void)
{
    fputs("usage: pw_hashbench mem MIB ROUNDS | pw_hashbench file PATH ROUNDS\n", stderr);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return usage();
    int rounds = atoi(argv[3]);
    if (rounds < 1)
        return usage();
    double best = 0;
    uint64_t bytes = 0;
    char hex[PW_SHA256_HEX_LEN + 1];

    if (strcmp(argv[1], "mem") == 0) {
        long mib = atol(argv[2]);
        if (mib < 1)
            return usage();
        size_t size = (size_t)mib * 1024u * 1024u;
        unsigned char *data = malloc(size);
        if (!data) {
            fputs("pw_hashbench: out of memory\n", stderr);
            return 1;
        }
        /* Not zeros: the page must be really there, not the shared zero page. */
        for (size_t i = 0; i < size; i++)
            data[i] = (unsigned char)(i * 2654435761u >> 13);
        bytes = size;
        for (int r = 0; r < rounds; r++) {
            double t0 = now_s();
            pw_sha256 h;
            pw_sha256_init(&h);
            for (size_t off = 0; off < size; off += CHUNK)
                pw_sha256_update(&h, data + off, size - off < CHUNK ? size - off : CHUNK);
            pw_sha256_final_hex(&h, hex);
            double dt = now_s() - t0;
            if (r == 0 || dt < best)
                best = dt;
        }
        free(data);
    } else if (strcmp(argv[1], "file") == 0) {
        for (int r = 0; r < rounds; r++) {
            pw_error err = {0};
            double t0 = now_s();
            if (pw_sha256_file_hex(argv[2], hex, &bytes, &err) < 0) {
                fprintf(stderr, "pw_hashbench: %s\n", err.message);
                return 1;
            }
            double dt = now_s() - t0;
            if (r == 0 || dt < best)
                best = dt;
        }
    } else {
        return usage();
    }
    printf("%llu %.6f %.1f\n", (unsigned long long)bytes, best, (double)bytes / best / 1e6);
    return 0;
}
