/* Pure parsers for wheel metadata: RECORD, WHEEL, file names, member paths. */
#include "bundle_private.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void pw_bundle_b64url_encode(const unsigned char *raw, size_t n, pw_buf *out)
{
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        pw_buf_putc(out, b64url_alphabet[v >> 18 & 63]);
        pw_buf_putc(out, b64url_alphabet[v >> 12 & 63]);
        pw_buf_putc(out, b64url_alphabet[v >> 6 & 63]);
        pw_buf_putc(out, b64url_alphabet[v & 63]);
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)raw[i] << 16;
        pw_buf_putc(out, b64url_alphabet[v >> 18 & 63]);
        pw_buf_putc(out, b64url_alphabet[v >> 12 & 63]);
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8;
        pw_buf_putc(out, b64url_alphabet[v >> 18 & 63]);
        pw_buf_putc(out, b64url_alphabet[v >> 12 & 63]);
        pw_buf_putc(out, b64url_alphabet[v >> 6 & 63]);
    }
}

static int b64url_value(char c)
{
    const char *p = c ? strchr(b64url_alphabet, c) : NULL;
    return p ? (int)(p - b64url_alphabet) : -1;
}

long pw_bundle_b64url_decode(pw_slice s, unsigned char *out, size_t cap)
{
    /* Some writers keep the '=' padding; RECORD readers (pip) accept it. */
    while (s.len && s.ptr[s.len - 1] == '=')
        s.len--;
    if (s.len % 4 == 1)
        return -1;
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < s.len; i++) {
        int v = b64url_value(s.ptr[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == cap)
                return -1;
            out[n++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return (long)n;
}

void pw_bundle_csv_field(pw_buf *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        pw_buf_puts(out, s);
        return;
    }
    pw_buf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"')
            pw_buf_putc(out, '"');
        pw_buf_putc(out, *s);
    }
    pw_buf_putc(out, '"');
}

/* Splits one CSV record starting at *pos into at most `max` fields (copies
 * in `fields`, which the caller resets). Returns the number of fields, 0 at
 * end of input, -1 on an unterminated quote. */
static int csv_next_row(const char *text, size_t len, size_t *pos, pw_buf *fields, size_t max,
                        size_t *nfields)
{
    size_t i = *pos;
    if (i >= len)
        return 0;
    *nfields = 0;
    for (size_t f = 0; f < max; f++)
        pw_buf_reset(&fields[f]);
    bool in_quotes = false;
    size_t f = 0;
    for (; i < len; i++) {
        char c = text[i];
        if (in_quotes) {
            if (c == '"' && i + 1 < len && text[i + 1] == '"') {
                pw_buf_putc(&fields[f], '"');
                i++;
            } else if (c == '"') {
                in_quotes = false;
            } else {
                pw_buf_putc(&fields[f], c);
            }
            continue;
        }
        if (c == '"') {
            in_quotes = true;
        } else if (c == ',') {
            f++;
            if (f >= max)
                f = max - 1; /* extra fields are counted, not kept */
            (*nfields)++;
        } else if (c == '\n') {
            i++;
            break;
        } else if (c != '\r') {
            pw_buf_putc(&fields[f], c);
        }
    }
    if (in_quotes)
        return -1;
    *pos = i;
    (*nfields)++;
    return 1;
}

static int record_entry_cmp(const void *a, const void *b)
{
    return strcmp(((const pw_record_entry *)a)->path, ((const pw_record_entry *)b)->path);
}

int pw_bundle_record_parse(const char *origin, const char *text, size_t len, pw_record *out,
                           pw_error *err)
{
    memset(out, 0, sizeof(*out));
    pw_buf fields[3] = {PW_BUF_INIT, PW_BUF_INIT, PW_BUF_INIT};
    size_t pos = 0, nfields = 0;
    int rc = PW_OK;
    for (unsigned line = 1;; line++) {
        size_t start = pos;
        int r = csv_next_row(text, len, &pos, fields, 3, &nfields);
        if (r == 0)
            break;
        if (r < 0) {
            rc = pw_error_set(err, PW_EINVAL, "%s:%u: unterminated quoted field", origin, line);
            break;
        }
        /* Blank lines are tolerated, as csv.reader skips them. */
        if (nfields == 1 && fields[0].len == 0 && pos - start <= 2)
            continue;
        if (nfields != 3) {
            rc = pw_error_set(err, PW_EINVAL, "%s:%u: expected 3 fields (path,hash,size), got %zu",
                              origin, line, nfields);
            break;
        }
        pw_record_entry e = {.size = -1};
        const char *path = pw_buf_cstr(&fields[0]);
        const char *hash = pw_buf_cstr(&fields[1]);
        const char *size = pw_buf_cstr(&fields[2]);
        if (!*path) {
            rc = pw_error_set(err, PW_EINVAL, "%s:%u: empty path", origin, line);
            break;
        }
        if (*hash) {
            const char *eq = strchr(hash, '=');
            if (!eq) {
                rc = pw_error_set(err, PW_EINVAL, "%s:%u: %s: hash \"%s\" is not algorithm=digest",
                                  origin, line, path, hash);
                break;
            }
            if ((size_t)(eq - hash) != 6 || memcmp(hash, "sha256", 6) != 0) {
                rc = pw_error_set(err, PW_EUNSUPPORTED,
                                  "%s:%u: %s: hash algorithm \"%.*s\" is not supported, expected "
                                  "sha256",
                                  origin, line, path, (int)(eq - hash), hash);
                break;
            }
            if (pw_bundle_b64url_decode(pw_slice_from(eq + 1), e.digest, sizeof(e.digest)) !=
                PW_SHA256_LEN) {
                rc = pw_error_set(err, PW_EINVAL,
                                  "%s:%u: %s: \"%s\" is not a urlsafe-base64 sha256 digest",
                                  origin, line, path, eq + 1);
                break;
            }
            e.has_hash = true;
        }
        if (*size) {
            char *end = NULL;
            unsigned long long v = strtoull(size, &end, 10);
            if (!isdigit((unsigned char)size[0]) || *end || v > INT64_MAX) {
                rc = pw_error_set(err, PW_EINVAL, "%s:%u: %s: size \"%s\" is not a number",
                                  origin, line, path, size);
                break;
            }
            e.size = (int64_t)v;
        }
        e.path = pw_buf_detach(&fields[0]);
        PW_GROW(out->entries, out->cap, out->len + 1);
        out->entries[out->len++] = e;
    }
    for (size_t f = 0; f < 3; f++)
        pw_buf_free(&fields[f]);
    if (rc != PW_OK) {
        pw_bundle_record_free(out);
        return rc;
    }
    if (out->len)
        qsort(out->entries, out->len, sizeof(*out->entries), record_entry_cmp);
    size_t w = 0;
    for (size_t i = 0; i < out->len; i++) {
        pw_record_entry *prev = w ? &out->entries[w - 1] : NULL;
        if (prev && strcmp(prev->path, out->entries[i].path) == 0) {
            pw_record_entry *cur = &out->entries[i];
            if (prev->has_hash != cur->has_hash || prev->size != cur->size ||
                memcmp(prev->digest, cur->digest, PW_SHA256_LEN) != 0) {
                rc = pw_error_set(err, PW_EINVAL, "%s: %s is listed twice with different values",
                                  origin, cur->path);
                break;
            }
            free(cur->path);
            cur->path = NULL;
            continue;
        }
        out->entries[w++] = out->entries[i];
    }
    if (rc != PW_OK) {
        for (size_t i = w; i < out->len; i++)
            free(out->entries[i].path);
        out->len = w;
        pw_bundle_record_free(out);
        return rc;
    }
    out->len = w;
    return PW_OK;
}

pw_record_entry *pw_bundle_record_find(const pw_record *r, const char *path)
{
    if (!r->len)
        return NULL;
    pw_record_entry key = {.path = (char *)path, .size = -1};
    return bsearch(&key, r->entries, r->len, sizeof(*r->entries), record_entry_cmp);
}

void pw_bundle_record_free(pw_record *r)
{
    for (size_t i = 0; i < r->len; i++)
        free(r->entries[i].path);
    free(r->entries);
    memset(r, 0, sizeof(*r));
}

int pw_bundle_check_member_path(const char *archive, const char *name, pw_error *err)
{
    size_t len = strlen(name);
    if (len == 0)
        return pw_error_set(err, PW_EINVAL, "%s: member with an empty name", archive);
    if (len > 4096)
        return pw_error_set(err, PW_EINVAL, "%s: member name of %zu bytes is too long", archive,
                            len);
    if (name[0] == '/')
        return pw_error_set(err, PW_EINVAL, "%s: member %s: absolute path", archive, name);
    if (isalpha((unsigned char)name[0]) && name[1] == ':')
        return pw_error_set(err, PW_EINVAL, "%s: member %s: path with a drive letter", archive,
                            name);
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\\')
            return pw_error_set(err, PW_EINVAL,
                                "%s: member %s: backslash in path (ZIP paths use '/')", archive,
                                name);
        if (c < 0x20 || c == 0x7f)
            return pw_error_set(err, PW_EINVAL, "%s: member %s: control character in path",
                                archive, name);
    }
    if (!pw_utf8_valid(name, len))
        return pw_error_set(err, PW_EINVAL, "%s: member %s: name is not UTF-8 (PEP 427)", archive,
                            name);
    const char *comp = name;
    for (;;) {
        const char *slash = strchr(comp, '/');
        size_t clen = slash ? (size_t)(slash - comp) : strlen(comp);
        if (clen == 0)
            return pw_error_set(err, PW_EINVAL, "%s: member %s: empty path component", archive,
                                name);
        if ((clen == 1 && comp[0] == '.') || (clen == 2 && comp[0] == '.' && comp[1] == '.'))
            return pw_error_set(err, PW_EINVAL, "%s: member %s: path traversal (\"%.*s\")",
                                archive, name, (int)clen, comp);
        if (!slash || slash[1] == '\0')
            break;
        comp = slash + 1;
    }
    return PW_OK;
}

int pw_bundle_wheel_meta_parse(const char *origin, const char *text, size_t len,
                               pw_bundle_wheel_meta *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    out->major = -1;
    out->root_is_purelib = true;
    pw_slice rest = pw_slice_make(text, len);
    unsigned line = 0;
    while (rest.len) {
        line++;
        long nl = pw_slice_find_char(rest, '\n');
        pw_slice l = nl < 0 ? rest : pw_slice_make(rest.ptr, (size_t)nl);
        rest = nl < 0 ? pw_slice_make(rest.ptr + rest.len, 0)
                      : pw_slice_make(rest.ptr + nl + 1, rest.len - (size_t)nl - 1);
        long colon = pw_slice_find_char(l, ':');
        if (colon < 0)
            continue;
        pw_slice key = pw_slice_trim(pw_slice_make(l.ptr, (size_t)colon));
        pw_slice value = pw_slice_trim(pw_slice_make(l.ptr + colon + 1, l.len - (size_t)colon - 1));
        if (pw_slice_eq_icase_cstr(key, "Wheel-Version")) {
            long dot = pw_slice_find_char(value, '.');
            char *end = NULL;
            char *copy = pw_xstrndup(value.ptr, value.len);
            long major = strtol(copy, &end, 10);
            long minor = -1;
            if (dot > 0 && end == copy + dot && isdigit((unsigned char)copy[dot + 1]))
                minor = strtol(copy + dot + 1, &end, 10);
            bool ok = minor >= 0 && *end == '\0' && isdigit((unsigned char)copy[0]) &&
                      major < 1000 && minor < 1000;
            free(copy);
            if (!ok)
                return pw_error_set(err, PW_EINVAL,
                                    "%s:%u: Wheel-Version \"" PW_SLICE_FMT
                                    "\" is not MAJOR.MINOR",
                                    origin, line, PW_SLICE_ARG(value));
            out->major = (int)major;
            out->minor = (int)minor;
        } else if (pw_slice_eq_icase_cstr(key, "Root-Is-Purelib")) {
            out->root_is_purelib = pw_slice_eq_icase_cstr(value, "true");
        }
    }
    if (out->major < 0)
        return pw_error_set(err, PW_EINVAL, "%s: no Wheel-Version field", origin);
    if (out->major != 1)
        return pw_error_set(err, PW_EUNSUPPORTED,
                            "%s: Wheel-Version %d.%d is not supported (pwpkg reads 1.x)", origin,
                            out->major, out->minor);
    return PW_OK;
}

bool pw_bundle_versions_equal(pw_slice a, pw_slice b)
{
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++) {
        char x = (char)tolower((unsigned char)a.ptr[i]);
        char y = (char)tolower((unsigned char)b.ptr[i]);
        if (x == '-')
            x = '_';
        if (y == '-')
            y = '_';
        if (x != y)
            return false;
    }
    return true;
}
