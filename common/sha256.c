#include "common.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pw_sha256_init(pw_sha256 *h)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        fprintf(stderr, "pwpkg: OpenSSL could not initialise sha256\n");
        abort();
    }
    h->evp = ctx;
}

void pw_sha256_update(pw_sha256 *h, const void *data, size_t len)
{
    if (len)
        EVP_DigestUpdate((EVP_MD_CTX *)h->evp, data, len);
}

void pw_sha256_final_raw(pw_sha256 *h, unsigned char raw[PW_SHA256_LEN])
{
    unsigned int n = 0;
    EVP_DigestFinal_ex((EVP_MD_CTX *)h->evp, raw, &n);
    EVP_MD_CTX_free((EVP_MD_CTX *)h->evp);
    h->evp = NULL;
}

void pw_sha256_final_hex(pw_sha256 *h, char hex[PW_SHA256_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char raw[PW_SHA256_LEN];
    pw_sha256_final_raw(h, raw);
    for (size_t i = 0; i < PW_SHA256_LEN; i++) {
        hex[2 * i] = digits[raw[i] >> 4];
        hex[2 * i + 1] = digits[raw[i] & 15];
    }
    hex[PW_SHA256_HEX_LEN] = '\0';
}

void pw_sha256_hex(const void *data, size_t len, char hex[PW_SHA256_HEX_LEN + 1])
{
    pw_sha256 h;
    pw_sha256_init(&h);
    pw_sha256_update(&h, data, len);
    pw_sha256_final_hex(&h, hex);
}

int pw_sha256_file_hex(const char *path, char hex[PW_SHA256_HEX_LEN + 1], uint64_t *size_out,
                       pw_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return pw_error_set(err, errno == ENOENT ? PW_ENOTFOUND : PW_EIO, "%s: cannot open: %s",
                            path, strerror(errno));
    pw_sha256 h;
    pw_sha256_init(&h);
    unsigned char chunk[1 << 16];
    uint64_t total = 0;
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        pw_sha256_update(&h, chunk, n);
        total += n;
    }
    int failed = ferror(f);
    fclose(f);
    pw_sha256_final_hex(&h, hex);
    if (failed)
        return pw_error_set(err, PW_EIO, "%s: read error", path);
    if (size_out)
        *size_out = total;
    return PW_OK;
}

bool pw_is_sha256_hex(const char *s)
{
    size_t i = 0;
    for (; s[i]; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return i == PW_SHA256_HEX_LEN;
}
