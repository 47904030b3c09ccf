/*
 * Wheel and shared-library zip installation (pw_bundle_install_wheel),
 * and pwpkg's own reader of a wheel's METADATA (pw_wheel_read_metadata).
 *
 * The input is written to a temporary archive and installed into a fresh
 * site directory with small limits (1 MiB uncompressed). The archive is
 * named "fz-1.0-py3-none-any.whl" when the input mentions a ".dist-info/"
 * member, else "fz-1.0.zip", matching the seeds tests/fuzz/run.sh generates
 * with pw_wheelgen (--name fz --version 1.0).
 *
 * Invariants: nothing is ever written outside the site directory (the site
 * sits two levels below the scratch directory, and both levels must hold
 * nothing else afterwards, which catches "../" escapes); a failed install
 * leaves the site directory empty; a successful one reports only relative,
 * normalized paths that exist, within the size limit. The METADATA read
 * either fails with an error that names the archive and leaves nothing in
 * its buffer, or gives at most PW_METADATA_MAX_SIZE bytes.
 */
#include "fuzz.h"
#include "bundle.h"
#include "packaging.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_UNCOMPRESSED (UINT64_C(1) << 20)

static char *scratch; /* $TMPDIR/pwpkg-fuzz-wheel-XXXXXX, made on first use */

static void remove_scratch(void)
{
    pw_error err = {0, NULL};
    if (scratch)
        (void)pw_remove_tree(scratch, &err);
    pw_error_clear(&err);
    free(scratch);
    scratch = NULL;
}

static const char *scratch_dir(void)
{
    if (scratch)
        return scratch;
    const char *tmp = getenv("TMPDIR");
    pw_buf path = PW_BUF_INIT;
    pw_buf_printf(&path, "%s/pwpkg-fuzz-wheel-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    fuzz_check(mkdtemp(path.data) != NULL, "cannot create %s", path.data);
    scratch = pw_buf_detach(&path);
    atexit(remove_scratch);
    return scratch;
}

/* Entries of `dir` other than `allowed` (which may be NULL). */
static size_t stray_entries(const char *dir, const char *allowed, const char *allowed2)
{
    DIR *d = opendir(dir);
    fuzz_check(d != NULL, "cannot list %s", dir);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if ((allowed && strcmp(e->d_name, allowed) == 0) || (allowed2 && strcmp(e->d_name, allowed2) == 0))
            continue;
        fprintf(stderr, "stray entry %s/%s\n", dir, e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static void write_input(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    fuzz_check(f != NULL, "cannot create %s", path);
    fuzz_check(size == 0 || fwrite(data, 1, size, f) == size, "cannot write %s", path);
    fuzz_check(fclose(f) == 0, "cannot write %s", path);
}

static void check_installed(const char *site, const pw_bundle_install_result *r)
{
    uint64_t total = 0;
    for (size_t i = 0; i < r->n_files; i++) {
        const char *p = r->files[i].path;
        fuzz_check(p && p[0] && p[0] != '/' && !strstr(p, "//") && !strstr(p, "\\"),
                   "installed path \"%s\" is not a clean relative path", p ? p : "(null)");
        fuzz_check(strcmp(p, "..") != 0 && strncmp(p, "../", 3) != 0 && !strstr(p, "/../") &&
                       !pw_slice_ends_with(pw_slice_from(p), "/.."),
                   "installed path \"%s\" climbs out of the site", p);
        fuzz_check(i == 0 || strcmp(r->files[i - 1].path, p) < 0, "installed files not sorted at \"%s\"", p);
        char *full = pw_path_join(site, p);
        struct stat st;
        fuzz_check(lstat(full, &st) == 0 && S_ISREG(st.st_mode), "reported file %s is not a regular file",
                   full);
        fuzz_check((uint64_t)st.st_size == r->files[i].size, "%s has %lld bytes, reported %llu", full,
                   (long long)st.st_size, (unsigned long long)r->files[i].size);
        free(full);
        total += r->files[i].size;
    }
    fuzz_check(total == r->raw_bytes, "raw_bytes %llu but the files add up to %llu",
               (unsigned long long)r->raw_bytes, (unsigned long long)total);
    fuzz_check(r->uncompressed <= MAX_UNCOMPRESSED, "%llu bytes decompressed past the %llu limit",
               (unsigned long long)r->uncompressed, (unsigned long long)MAX_UNCOMPRESSED);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *base = scratch_dir();
    bool wheel = size >= 11 && memmem(data, size, ".dist-info/", 11) != NULL;
    const char *name = wheel ? "fz-1.0-py3-none-any.whl" : "fz-1.0.zip";
    char *archive = pw_path_join(base, name);
    char *outer = pw_path_join(base, "a");
    char *site = pw_path_join(outer, "site");
    pw_error err = {0, NULL};
    fuzz_check(pw_mkdirs(site, &err) == 0, "%s", pw_error_message(&err));
    write_input(archive, data, size);

    pw_bundle_install_options o;
    memset(&o, 0, sizeof(o));
    o.install_dir = "site";
    o.max_total_uncompressed = MAX_UNCOMPRESSED;
    /* Alternate strip classes so both the keep and the drop paths run. */
    o.strip = size % 2 ? PW_STRIP_TESTS | PW_STRIP_PYCACHE | PW_STRIP_STUBS : 0;
    pw_bundle_install_result r;
    memset(&r, 0, sizeof(r));
    int rc = pw_bundle_install_wheel(archive, site, &o, &r, &err);
    fuzz_check_status("pw_bundle_install_wheel", rc, &err);
    if (rc == 0)
        check_installed(site, &r);
    else
        fuzz_check(stray_entries(site, NULL, NULL) == 0, "a failed install (%s) left files behind",
                   pw_error_message(&err));
    fuzz_check(stray_entries(outer, "site", NULL) == 0 && stray_entries(base, "a", name) == 0,
               "the install wrote outside its site directory");
    pw_bundle_install_result_free(&r);

    pw_error_clear(&err);
    pw_buf metadata = PW_BUF_INIT;
    if (pw_wheel_read_metadata(archive, name, &metadata, &err) == PW_OK)
        fuzz_check(metadata.len <= PW_METADATA_MAX_SIZE, "METADATA of %zu bytes", metadata.len);
    else
        fuzz_check(metadata.len == 0 && strstr(pw_error_message(&err), name),
                   "a failed METADATA read kept %zu bytes or does not name the archive: %s",
                   metadata.len, pw_error_message(&err));
    pw_buf_free(&metadata);

    pw_error_clear(&err);
    fuzz_check(pw_remove_tree(outer, &err) == 0, "%s", pw_error_message(&err));
    remove(archive);
    free(archive);
    free(outer);
    free(site);
    pw_error_clear(&err);
    return 0;
}
