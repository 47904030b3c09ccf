/*
 * report: what a bundle costs, for the people deciding what to drop: the
 * per-package profile of `pwpkg check --profile` (import time, bytes, shared
 * libraries, heap), and `pwpkg report`, one self-contained HTML file with a
 * treemap of the bundle, the Workers size limits, the profile, the
 * dependency graph and what slimming from a trace would save
 * (docs/report.md).
 *
 * Sizes come from the bundle's manifest (bundle.json), so they are the ones
 * `pwpkg bundle` reported; nothing here prints.
 */
#ifndef PW_REPORT_H
#define PW_REPORT_H

#include "common.h"
#include "runtime_check.h"

struct pw_lock;
struct pw_check_profile;
struct cJSON;

/* Groups that are not locked packages. */
#define PW_PROFILE_WORKER "(worker)" /* the Worker's own modules, beside the entry */
#define PW_PROFILE_STDLIB "(stdlib)" /* runtime modules imported by no package */

typedef struct pw_profile_lib {
    char *path;     /* relative to the bundle: "lib/libz.so", "pkg/_ext.so" */
    uint64_t bytes; /* on disk, as the manifest records it */
    uint64_t load_us; /* its load (lib/) or its import (extension module) */
} pw_profile_lib;

typedef struct pw_profile_package {
    char *name;
    char *version; /* "" for the groups above */
    size_t files;
    uint64_t raw_bytes, gz_bytes; /* the bundle's size table */
    size_t modules;               /* imports attributed to it */
    /* As -X importtime: self leaves out nested imports, cumulative keeps
     * them. A package's cumulative is the time spent inside its outermost
     * imports, so it holds the standard-library and other packages' modules
     * they pulled in; cumulative >= self always. */
    uint64_t self_us, cumulative_us;
    uint64_t dynlib_us;           /* loading its lib/ libraries, before any import */
    int64_t memory_bytes;         /* heap growth during its own imports and loads */
    uint64_t memory_ppm;          /* ... per million of the heap after the imports */
    pw_profile_lib *libs;         /* lib/ libraries, then extension modules, by path */
    size_t n_libs;
    uint64_t lib_bytes;
} pw_profile_package;

typedef struct pw_profile {
    pw_profile_package *packages; /* most costly first (cumulative + dynlib time, then gzip) */
    size_t n_packages;
    uint64_t imports_us;          /* the outermost imports, summed */
    uint64_t heap_start, heap_end;
} pw_profile;

/* Groups the check's timed imports by the package whose file each module
 * is (the manifest of bundle_dir says who owns a file); a module from
 * outside the bundle counts for the package that imported it. */
int pw_profile_build(const struct pw_check_profile *raw, const char *bundle_dir, pw_profile *out,
                     pw_error *err);
/* {"profile_version": 1, "packages": [...], ...}; caller deletes. */
struct cJSON *pw_profile_to_json(const pw_profile *p);
/* Reads what pw_profile_to_json wrote, alone or as the "profile" of a
 * `pwpkg --json check --profile` document. PW_EINVAL names path and field. */
int pw_profile_parse(const char *path, const char *text, size_t len, pw_profile *out,
                     pw_error *err);
/* The table `pwpkg check --profile` prints. */
void pw_profile_format(const pw_profile *p, pw_buf *out);
void pw_profile_free(pw_profile *p);

/* What a trace (`pwpkg check --trace`) says was used. */
typedef struct pw_html_report_trace {
    pw_strlist files;  /* bundle-relative paths slimming keeps, sorted (pw_trace_keep_set) */
    char *lock_digest; /* may be NULL */
} pw_html_report_trace;

/* What `bundle --slim` would keep for a trace (pw_trace_load reads one). */
void pw_html_report_trace_from(const pw_trace *trace, pw_html_report_trace *out);
void pw_html_report_trace_free(pw_html_report_trace *t);

typedef struct pw_html_report_input {
    const struct pw_lock *lock;
    const char *lock_path;
    const char *bundle_dir;        /* a directory bundle with its manifest */
    const pw_profile *profile;     /* or NULL */
    const pw_html_report_trace *trace;  /* or NULL */
} pw_html_report_input;

/* Writes the HTML report to out_path (temporary file, then rename). Every
 * name from the lock or the bundle is HTML-escaped; the page loads nothing. */
int pw_html_report_write(const pw_html_report_input *in, const char *out_path, pw_error *err);
/* The same into a buffer (what pw_html_report_write writes). */
int pw_html_report(const pw_html_report_input *in, pw_buf *out, pw_error *err);

#endif
