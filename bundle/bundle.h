/*
 * bundle: verified wheel installation into a python_modules/ tree, and the
 * byte-reproducible bundle built from a lock (a directory or one zip, plus a
 * bundle.json manifest and a size report). Layout, limits, strip classes and
 * reproducibility rules are documented in docs/bundle.md.
 *
 * Archives are read with libzip, always streamed through fixed-size buffers,
 * so memory does not grow with the size of a wheel. Nothing is fetched here:
 * the caller passes local paths of artifacts it already downloaded.
 */
#ifndef PW_BUNDLE_H
#define PW_BUNDLE_H

#include "common.h"
#include "lockfile.h"
#include "packaging.h"

/* Default limits against hostile archives (docs/bundle.md, "Limits"). */
#define PW_BUNDLE_DEFAULT_MAX_UNCOMPRESSED (UINT64_C(2) << 30) /* 2 GiB */
#define PW_BUNDLE_DEFAULT_MAX_RATIO 200u
/* The ratio limit applies only once a member has produced this many bytes:
 * small files full of zeros legitimately compress far better than 200:1. */
#define PW_BUNDLE_RATIO_MIN_SIZE (UINT64_C(1) << 20)
#define PW_BUNDLE_MAX_ENTRIES 1000000u

/* The manifest of every bundle: inside a zip bundle at its root; for a
 * directory bundle beside it, as "<dir>.bundle.json" (pw_bundle_manifest_path),
 * because wrangler uploads every file under python_modules/. Bundles made
 * before held it at "<dir>/bundle.json", which is still read. */
#define PW_BUNDLE_MANIFEST "bundle.json"
#define PW_BUNDLE_INSTALLER "pwpkg"

/* Strip classes: files a Worker never needs at run time. */
enum pw_bundle_strip {
    PW_STRIP_TESTS = 1u << 0,   /* test/ and tests/ directories inside packages */
    PW_STRIP_PYCACHE = 1u << 1, /* __pycache__/ and .pyc/.pyo that have a .py source */
    PW_STRIP_STUBS = 1u << 2,   /* *.pyi and py.typed */
};

/* Parses class names ("tests", "pycache", "stubs", "all") into a mask of
 * enum pw_bundle_strip. An unknown name is PW_EINVAL and lists the valid ones. */
int pw_bundle_strip_parse(const pw_strlist *names, unsigned *mask, pw_error *err);

/* Whether `path` (an installed path, relative to the site root) is dropped by
 * the strip classes in `mask` or by one of the fnmatch(3) `exclude` globs.
 * `has_source` says whether the wheel also holds the .py for a .pyc. */
bool pw_bundle_path_stripped(const char *path, unsigned mask, const pw_strlist *exclude,
                             bool has_source);

/*
 * Slimming from traces (`pwpkg bundle --slim`, docs/bundle.md, "Slimming
 * from a trace"): of every package only the traced paths are kept, the
 * paths a `keep` glob names (matched as --exclude globs are), and its whole
 * .dist-info, whose RECORD is then written for what was kept. Recorded in
 * bundle.json, so that `pwpkg verify --bundle` rebuilds the same tree.
 */
typedef struct pw_bundle_slim {
    const pw_strlist *traced;  /* installed paths, sorted and unique */
    const pw_strlist *keep;    /* fnmatch(3) globs, or NULL */
    const pw_strlist *sources; /* provenance ("trace.json sha256:<hex>"), or NULL */
} pw_bundle_slim;

/* What bundle.json records of the slimming that made a bundle: strip
 * classes, --exclude globs, --slim (its traced paths, keep globs and the
 * traces it came from), so that `pwpkg verify --bundle` rebuilds with the
 * same options. */
typedef struct pw_bundle_slimming {
    unsigned strip;
    pw_strlist exclude;
    bool has_slim;
    pw_strlist traced;
    pw_strlist keep;
    pw_strlist sources;
    pw_bundle_slim slim; /* points into this struct when has_slim */
} pw_bundle_slimming;

/* Reads it from the bundle at `path` (a directory, its manifest beside it,
 * or a .zip); a manifest that records none gives an empty one.
 * PW_ENOTFOUND when there is no bundle or no manifest; PW_EINVAL names the
 * manifest when its "slimming" is malformed. */
int pw_bundle_slimming_read(const char *path, pw_bundle_slimming *out, pw_error *err);
void pw_bundle_slimming_free(pw_bundle_slimming *s);

/* ------------------------------------------------------ wheel installation */

typedef struct pw_installed_file {
    char *path;  /* relative to the site root, '/'-separated */
    char sha256[PW_SHA256_HEX_LEN + 1];
    uint64_t size;
    bool executable; /* installed with mode 0755 rather than 0644 */
    /* The archive member it came from unchanged (index in the archive), so
     * that a zip bundle copies its compressed bytes instead of deflating
     * them again; false for files pwpkg writes (RECORD, INSTALLER, ...). */
    bool from_member;
    uint64_t member;
} pw_installed_file;

typedef struct pw_bundle_install_options {
    /* "site" (NULL too), "stdlib" or "dynlib", as in pyodide-lock.json. */
    const char *install_dir;
    /* The artifact's own file name ("numpy-2.0.2-cp312-...whl") when
     * archive_path has another one (the cache stores artifacts by hash);
     * NULL: the basename of archive_path. It decides wheel vs zip, is
     * checked against the dist-info, and names the archive in messages. */
    const char *file_name;
    /* Expected name, version and artifact sha256 (hex) from the lock; NULL
     * skips that check. */
    const char *name;
    const char *version;
    const char *sha256;
    uint64_t max_total_uncompressed; /* 0: PW_BUNDLE_DEFAULT_MAX_UNCOMPRESSED */
    unsigned max_ratio;              /* 0: PW_BUNDLE_DEFAULT_MAX_RATIO */
    unsigned strip;                  /* mask of enum pw_bundle_strip */
    const pw_strlist *exclude;       /* fnmatch globs on installed paths, or NULL */
    /* Refuse members RECORD does not list (a .pyc of a listed .py aside)
     * and wheels without RECORD, instead of warning. */
    bool strict_record;
    /* wrangler's python_modules.exclude (pw_bundle_wrangler_glob), or NULL:
     * matching members are left out as wrangler leaves them out of the
     * upload, .dist-info members included. */
    const pw_strlist *upload_exclude;
    const pw_bundle_slim *slim; /* NULL: no slimming */
    /* Check every member (sizes, RECORD hashes, limits) but do not write
     * the archive's files: the caller copies them from the archive (a zip
     * bundle). INSTALLER, REQUESTED and RECORD are still written, and
     * path conflicts between archives are the caller's to check. */
    bool verify_only;
} pw_bundle_install_options;

typedef struct pw_bundle_install_result {
    pw_installed_file *files; /* sorted by path, including INSTALLER/REQUESTED/RECORD */
    size_t n_files;
    uint64_t raw_bytes;        /* sum of installed file sizes */
    uint64_t uncompressed;     /* bytes decompressed, stripped members included */
    uint64_t saved_bytes;      /* bytes of files left out by strip/exclude */
    size_t saved_files;
    size_t py_compiled;        /* .pyc members standing for a .py that RECORD lists */
    size_t unlisted;           /* members RECORD does not vouch for (warned about) */
    bool no_record;            /* the wheel had no RECORD; the artifact hash vouched */
    pw_strlist dropped;        /* left out by upload_exclude, sorted */
    uint64_t dropped_bytes;
    size_t dropped_sourceless; /* of those, .pyc files without their .py */
    char *dist_info;           /* "<name>-<version>.dist-info", NULL for a plain zip */
    pw_strlist slimmed;        /* left out by o->slim, sorted */
    uint64_t slimmed_bytes;
    uint64_t slimmed_gz;       /* one gzip stream of them, in archive order */
} pw_bundle_install_result;

void pw_bundle_install_result_free(pw_bundle_install_result *r);

/*
 * Installs the wheel (or, for a ".zip" artifact, the plain archive) at
 * `archive_path` into `site_dir`, verifying every member against RECORD and
 * refusing unsafe archives. As pip and micropip do, a member RECORD does not
 * list is accepted with a warning (refused with o->strict_record): a .pyc
 * whose .py RECORD lists and the archive lacks is py-compiled (pyodide
 * py-compile) and counted without a warning; a wheel without RECORD is
 * accepted, with a warning, only when o->sha256 vouched for the artifact. Errors name the archive and the member:
 *   PW_EINVAL  unsafe or malformed layout (traversal, symlink, duplicates,
 *              missing RECORD/WHEEL, dist-info name mismatch...);
 *   PW_EHASH   content does not match RECORD or the lock's sha256;
 *   PW_ELIMIT  decompression limits (total size, compression ratio);
 *   PW_EUNSUPPORTED  Wheel-Version 2.x, .tar artifacts, non-sha256 RECORD;
 *   PW_ECONFLICT  a file already in site_dir with different content.
 * Each file appears at its final path only after it was verified; on failure
 * every file and directory this call created is removed again.
 * `result` may be NULL.
 */
int pw_bundle_install_wheel(const char *archive_path, const char *site_dir,
                            const pw_bundle_install_options *o, pw_bundle_install_result *result,
                            pw_error *err);

/* -------------------------------------------------------------- bundles */

typedef struct pw_bundle_item {
    const char *name;
    const char *version;
    const char *path;         /* local wheel or zip, already downloaded */
    const char *sha256;       /* hex digest from the lock, or NULL */
    const char *install_dir;  /* site, stdlib, dynlib */
    const char *package_type; /* package, cpython_module, shared_library, static_library */
    const char *file_name;    /* its own name when path is a cache path; NULL: basename */
} pw_bundle_item;

enum pw_bundle_format { PW_BUNDLE_DIR, PW_BUNDLE_ZIP };

/* ------------------------------------------------ the Workers upload */

/* wrangler 4.164.0's glob test (the glob-to-regexp package with globstar,
 * anchored, on '/'-separated paths): `*` stays within one component; `**`
 * standing as a whole component matches any number of components, none
 * included, so the default exclude matches "a.pyc" as well as
 * "pkg/__pycache__/a.cpython-313.pyc"; every other character, `?`, `[`
 * and `{` included, is literal. */
bool pw_bundle_wrangler_glob(const char *glob, const char *path);

/* Cloudflare's limits on a Worker's upload, gzipped: 3 MB on the free plan,
 * 10 MB on the paid one, read as decimal megabytes, the smaller reading. */
#define PW_WORKERS_LIMIT_FREE UINT64_C(3000000)
#define PW_WORKERS_LIMIT_PAID UINT64_C(10000000)

/* A Workers project: the bundle is its python_modules/, which `wrangler
 * deploy` uploads together with the Worker's own modules. */
typedef struct pw_bundle_workers {
    const pw_wrangler_config *config; /* NULL: none, wrangler's defaults */
    const char *project_dir;          /* the config's directory */
} pw_bundle_workers;

/* The Workers project a bundle belongs to, owning what it read. */
typedef struct pw_bundle_project {
    pw_bundle_workers workers; /* points into this struct */
    pw_wrangler_config config;
    bool has_config;
    char *dir;
} pw_bundle_project;

/*
 * Whether `output` is a Worker's python_modules/: a wrangler config in its
 * directory (read with `env` applied, NULL: the top level), or `force` (a
 * Worker with wrangler's defaults when there is no config). *found is false
 * when neither; PW_EINVAL when `env` is given without a config, or as
 * pw_wrangler_read_dir. On success with *found, out->workers is ready;
 * free with pw_bundle_project_free in every case.
 */
int pw_bundle_project_find(const char *output, const char *env, bool force,
                           pw_bundle_project *out, bool *found, pw_error *err);
void pw_bundle_project_free(pw_bundle_project *p);

/* wrangler's python_modules.exclude for `w`: the config's, else its
 * default (every .pyc file); `origin` (may be NULL) says which, for messages
 * ("./wrangler.toml:7", "wrangler's default"). Fills `out` (caller frees). */
void pw_bundle_workers_exclude(const pw_bundle_workers *w, pw_strlist *out, pw_buf *origin);

enum pw_upload_kind { PW_UPLOAD_OWN, PW_UPLOAD_VENDORED, PW_UPLOAD_MAIN };

typedef struct pw_upload_module {
    char *name; /* the module's name in the upload ("python_modules/pkg/a.py") */
    uint64_t size;
    enum pw_upload_kind kind;
} pw_upload_module;

/* What `wrangler deploy` sends (docs/bundle.md, "What Cloudflare receives"). */
typedef struct pw_bundle_upload {
    pw_upload_module *modules; /* in wrangler's order: own modules, python_modules/, main */
    size_t n_modules;
    size_t own_modules, vendored_modules;
    uint64_t raw_bytes;
    /* One gzip stream (zlib level 6) of every module's bytes in that order,
     * as wrangler computes its "gzip:" figure. */
    uint64_t gz_bytes;
    pw_strlist dropped; /* files under python_modules/ the exclude rules drop */
    /* The vendored files in the stream (paths under python_modules/) and
     * each one's share of gz_bytes, so that a bundle's per-package gzip
     * sizes come from this one deflate pass. */
    pw_strlist vendor_files;
    uint64_t *vendor_gz;
    uint64_t dropped_bytes;
    bool has_main;      /* the config's main exists and is a Python module */
    bool no_additional; /* find_additional_modules = false: main alone */
    /* Own modules under python_modules/: the module root holds the project
     * directory, and wrangler sends those files twice. */
    size_t duplicated;
} pw_bundle_upload;

void pw_bundle_upload_free(pw_bundle_upload *u);

/*
 * The upload of the Workers project `w` with `vendor_dir` as its
 * python_modules/ (NULL: <project_dir>/python_modules): the config's main,
 * every file under the module root (base_dir, else main's directory) that
 * wrangler's module rules match, and every file of vendor_dir that
 * python_modules.exclude keeps, walked as wrangler walks (each directory's
 * entries in byte order, depth first).
 */
int pw_bundle_upload_scan(const pw_bundle_workers *w, const char *vendor_dir,
                          pw_bundle_upload *out, pw_error *err);

typedef struct pw_bundle_options {
    enum pw_bundle_format format;
    const char *output;              /* the directory or .zip to (re)place */
    const char *lock_digest;         /* recorded in bundle.json; may be NULL */
    const char *source_commit;       /* provenance for bundle.json (the lock's); may be NULL */
    bool source_dirty;
    int64_t source_date_epoch;       /* -1: $SOURCE_DATE_EPOCH, else 1980-01-01 */
    uint64_t max_size_gz;            /* budget on the gzipped total; 0: none */
    unsigned strip;                  /* mask of enum pw_bundle_strip */
    const pw_strlist *exclude;       /* may be NULL */
    uint64_t max_total_uncompressed; /* over the whole bundle; 0: default */
    unsigned max_ratio;              /* 0: default */
    bool strict_record;              /* pw_bundle_install_options.strict_record */
    /* Runs on the staging tree once everything is installed, before sizes,
     * the manifest and the zip are made (e.g. compiling .pyc files); NULL
     * for none. Its failure fails the build, leaving nothing behind. */
    int (*after_install)(void *ctx, const char *staging_dir, pw_error *err);
    void *after_install_ctx;
    bool compiles_pyc;               /* after_install writes .pyc files */
    /* A Workers project: python_modules.exclude applies, the report gives
     * the upload and max_size_gz is checked against its gzip size. */
    const pw_bundle_workers *workers;
    const pw_bundle_slim *slim;      /* NULL: no slimming */
    /* Filled, when not NULL, with the paths slimming left out ("pkg/x.py"),
     * before after_install runs: a hook proving the slim tree can name
     * the file a failure needs. */
    pw_strlist *slimmed_out;
    /* The caller shows no size report (-q): the per-package gzip sizes are
     * not computed unless max_size_gz or a Worker's upload needs them. */
    bool no_sizes;
} pw_bundle_options;

/* Refuses (PW_EINVAL) options whose result wrangler would undo: .pyc files
 * compiled for a Workers project whose python_modules.exclude drops them.
 * The message says how to keep them, in the syntax of the config. */
int pw_bundle_check_workers(const pw_bundle_options *o, pw_error *err);

typedef struct pw_bundle_package_size {
    char *name;
    char *version;
    size_t files;
    uint64_t raw_bytes;
    uint64_t gz_bytes;    /* one gzip stream (level 6) of its files in path order */
    uint64_t saved_bytes; /* left out by strip/exclude */
    size_t slimmed_files; /* left out by slimming */
    uint64_t slimmed_bytes;
    uint64_t slimmed_gz;
} pw_bundle_package_size;

typedef struct pw_bundle_report {
    pw_bundle_package_size *packages; /* largest gz_bytes first, then by name */
    size_t n_packages;
    size_t files;
    uint64_t raw_total;
    uint64_t gz_total;
    uint64_t saved_bytes;
    size_t saved_files;
    size_t added_files;   /* created by the after_install hook (e.g. .pyc) */
    size_t py_compiled_wheels;  /* wheels shipped as .pyc whose RECORD lists the .py */
    size_t py_compiled_members;
    size_t unlisted_members;    /* accepted with a warning (not --strict-record) */
    size_t no_record_wheels;    /* accepted on the artifact's sha256 alone */
    uint64_t added_bytes;
    /* Left out by wrangler's python_modules.exclude (o->workers). */
    size_t dropped_files;
    pw_strlist dropped;        /* their paths, sorted */
    uint64_t dropped_bytes;
    size_t dropped_sourceless; /* .pyc without a .py: that module cannot be imported */
    char *dropped_example;     /* one sourceless .pyc dropped, or NULL */
    char *exclude_origin;      /* where the exclude rules came from */
    pw_strlist exclude;        /* the rules applied */
    bool has_upload;
    pw_bundle_upload upload;   /* o->workers: what wrangler deploy sends */
    char *skipped; /* comma-separated static_library packages left out, or NULL */
    size_t slimmed_files;
    uint64_t slimmed_bytes;
    uint64_t slimmed_gz;
} pw_bundle_report;

void pw_bundle_report_free(pw_bundle_report *r);

/*
 * Installs every item into a fresh staging directory next to o->output,
 * writes bundle.json, checks the gzip budget, then renames the result into
 * place (for PW_BUNDLE_ZIP: zips the staging tree and renames the zip). On
 * any failure nothing is left at o->output or next to it. An existing output
 * is replaced only when it is a regular file (zip) or a directory that is
 * empty or holds a bundle.json (dir).
 * The report is filled on success and on a PW_ECHECK budget failure.
 */
int pw_bundle_build(const pw_bundle_item *items, size_t n, const pw_bundle_options *o,
                    pw_bundle_report *rep, pw_error *err);

/* The gzip size (zlib level 6, one stream) of the files, in that order:
 * what the size table reports for a package (bundle/gzip_size.c). */
int pw_bundle_gzip_size(const char *const *paths, size_t n, uint64_t *size, pw_error *err);

/* ------------------------------------------------------------ from a lock */

struct pw_lock;
#define PW_BUNDLE_DIGEST_LEN (7 + PW_SHA256_HEX_LEN + 1)
/* "<dir>.bundle.json" for the directory bundle `dir` (heap). */
char *pw_bundle_manifest_path(const char *dir);
/* The manifest of the directory bundle `dir`: beside it, else (bundles of
 * earlier pwpkg) inside it, then *legacy is true. PW_ENOTFOUND when none. */
int pw_bundle_manifest_find(const char *dir, char **path, bool *legacy, pw_error *err);

/* "sha256:<hex>" of the lock's canonical bytes, as bundle.json records it. */
void pw_bundle_lock_digest(const struct pw_lock *lock, char out[PW_BUNDLE_DIGEST_LEN]);
/* pw_bundle_build over every package of the lock; artifact_paths is parallel
 * to lock->packages (verified files, e.g. from pw_fetch_lock_artifacts). */
int pw_bundle_from_lock(const struct pw_lock *lock, const char *const *artifact_paths,
                        const pw_bundle_options *o, pw_bundle_report *rep, pw_error *err);

/* Compares two bundles (directories file by file, contents and modes, or two
 * zips byte for byte); each difference is appended to `differences` as
 * "path (why)". PW_OK when the comparison ran, whatever it found. */
int pw_bundle_compare(const char *expected, const char *actual, pw_strlist *differences,
                      pw_error *err);

/* Wheels built from pure-Python source trees (wheel_build.h). */
#include "wheel_build.h"

/* A pw_git_wheel_builder (fetch.h): checks out the commit (or REF) of a
 * "git+URL@REF" requirement into the cache and builds its wheel into
 * <cache>/git-wheels/<commit>/, reproducibly. */
int pw_bundle_git_wheel(const char *requirement_url, const char *pinned_commit,
                        const char *cache_dir, bool offline, char commit_out[41],
                        char **wheel_path_out, pw_error *err);

/* Exports of a lock and the offline mirror (export.h, private to bundle/). */
#include "export.h"

/*
 * What is installed must be what was locked: for every wheel the lock took
 * from an index, find-links or a URL (artifact_paths[i] for packages[i]),
 * its own METADATA must name the locked project and version, and its
 * Requires-Dist (markers evaluated for the locked release and the extras
 * requested of it) must be the lock's dependencies of it. PEP 658/714
 * metadata served beside a wheel can differ from the wheel's; the lock was
 * made from the former. Fails with PW_ECHECK naming the wheel and each
 * difference, or PW_EUNSUPPORTED when zlib (or, for a METADATA neither
 * stored nor deflated, libzip) cannot be loaded to read it. A file that is
 * not a wheel is skipped: the installer refuses it with its own message.
 */
int pw_bundle_check_installed(const pw_lock *lock, const char *const *artifact_paths,
                                pw_error *err);

#endif
