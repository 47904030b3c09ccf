/*
 * Replays inputs through a fuzz harness without libFuzzer, so that gcc and
 * plain clang builds (and `ctest`) run the seed corpus and every saved
 * regression input:
 *
 *   fuzz_replay_<name> [--min N] DIR_OR_FILE...
 *
 * Directories are read in byte order of their entry names (hidden files and
 * README* are skipped); a missing directory counts as empty, since a target
 * may have no regressions yet. Files ending in ".hex" hold the input as hex
 * digits (whitespace ignored): binary inputs are committed that way, never
 * as binaries. Fails when fewer than N inputs ran (default 1), so that a
 * misplaced corpus cannot pass silently.
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int decode_hex(const char *path, const pw_buf *text, pw_buf *out)
{
    int high = -1;
    for (size_t i = 0; i < text->len; i++) {
        char c = text->data[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        int v = pw_hex_value(c);
        if (v < 0) {
            fprintf(stderr, "%s: byte %zu: expected a hex digit, got 0x%02x\n", path, i + 1,
                    (unsigned char)c);
            return -1;
        }
        if (high < 0) {
            high = v;
        } else {
            pw_buf_putc(out, (char)(high << 4 | v));
            high = -1;
        }
    }
    if (high >= 0) {
        fprintf(stderr, "%s: odd number of hex digits\n", path);
        return -1;
    }
    return 0;
}

static int run_file(const char *path, size_t *count)
{
    pw_buf raw = PW_BUF_INIT, input = PW_BUF_INIT;
    pw_error err = {0, NULL};
    int rc = 0;
    if (pw_read_file(path, &raw, &err) != PW_OK) {
        fprintf(stderr, "%s\n", pw_error_message(&err));
        rc = -1;
    } else if (pw_slice_ends_with(pw_slice_from(path), ".hex")) {
        rc = decode_hex(path, &raw, &input);
    } else {
        pw_buf_append(&input, raw.data ? raw.data : "", raw.len);
    }
    if (rc == 0) {
        fprintf(stderr, "replay %s (%zu bytes)\n", path, input.len);
        /* A copy of exactly the input's size, so that ASan catches reads
         * past the end as libFuzzer would. */
        uint8_t *copy = pw_xmalloc(input.len ? input.len : 1);
        if (input.len)
            memcpy(copy, input.data, input.len);
        LLVMFuzzerTestOneInput(copy, input.len);
        free(copy);
        (*count)++;
    }
    pw_buf_free(&raw);
    pw_buf_free(&input);
    pw_error_clear(&err);
    return rc;
}

static int run_dir(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    pw_strlist names = PW_STRLIST_INIT;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0)
            continue;
        pw_strlist_push(&names, e->d_name);
    }
    closedir(d);
    pw_strlist_sort(&names);
    int rc = 0;
    for (size_t i = 0; i < names.len && rc == 0; i++) {
        char *path = pw_path_join(dir, names.items[i]);
        if (!pw_is_dir(path))
            rc = run_file(path, count);
        free(path);
    }
    pw_strlist_free(&names);
    return rc;
}

int main(int argc, char **argv)
{
    size_t min = 1, count = 0;
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "--min") == 0) {
        min = strtoul(argv[i + 1], NULL, 10);
        i += 2;
    }
    for (; i < argc; i++) {
        int rc = pw_is_dir(argv[i]) ? run_dir(argv[i], &count)
                 : pw_file_exists(argv[i]) ? run_file(argv[i], &count)
                                           : 0;
        if (rc != 0)
            return 1;
    }
    fprintf(stderr, "%zu inputs replayed without a crash\n", count);
    if (count < min) {
        fprintf(stderr, "expected at least %zu inputs\n", min);
        return 1;
    }
    return 0;
}
