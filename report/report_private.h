/* Private to report/: the bundle as its manifest describes it. */
#ifndef PW_REPORT_PRIVATE_H
#define PW_REPORT_PRIVATE_H

#include "report.h"

typedef struct report_file {
    char *path;    /* relative to the bundle */
    char *package; /* owner, a name in report_bundle.packages */
    uint64_t size;
} report_file;

typedef struct report_package {
    char *name;
    char *version;
    char *package_type;
    size_t files;
    uint64_t raw_bytes, gz_bytes;
} report_package;

typedef struct report_bundle {
    char *manifest_path;
    report_file *files; /* sorted by path, as the manifest lists them */
    size_t n_files;
    report_package *packages; /* manifest order (the lock's) */
    size_t n_packages;
    uint64_t raw_total, gz_total;
    char *lock_digest; /* may be NULL */
} report_bundle;

/* Reads the manifest of the directory bundle `dir`; PW_EINVAL names the
 * manifest and the field that is wrong. */
int report_bundle_read(const char *dir, report_bundle *out, pw_error *err);
void report_bundle_free(report_bundle *b);
/* The file at `path`, or NULL (binary search). */
const report_file *report_bundle_file(const report_bundle *b, const char *path);
const report_package *report_bundle_package(const report_bundle *b, const char *name);

#endif
