/*
 * runtime-check: proves a python_modules/ bundle loads in the real Pyodide
 * release it was locked for, under Node.js, the way Cloudflare's deploy-time
 * validator does (docs/check.md).
 *
 * Two halves:
 *  - the runtime manager: installs the `pyodide` npm package of a release
 *    into the cache (`<cache>/runtimes/<version>/`), finds it again, checks
 *    it is the release it claims to be, and finds a usable `node`;
 *  - the check: drives runtime-check/harness.mjs in a child `node` process
 *    (its own process group, JSON request on stdin, JSON events on stdout,
 *    killed as a group on timeout) and turns its events into a report.
 *
 * Errors about node, npm, tar or a broken runtime use PW_ERUNTIME.
 */
#ifndef PW_RUNTIME_CHECK_H
#define PW_RUNTIME_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"

/* Node.js releases older than this lack the WebAssembly and fs APIs the
 * Pyodide releases pwpkg targets use. */
#define PW_RUNTIME_NODE_MIN_MAJOR 18
/* Per node process, when pw_check_options.timeout_ms is 0. */
#define PW_CHECK_DEFAULT_TIMEOUT_MS 120000

/* ------------------------------------------------------- runtime manager */

typedef struct pw_runtime_info {
    char *version;     /* package.json "version", else lock info.version; may be NULL */
    char *python;      /* pyodide-lock.json info.python */
    char *abi_version; /* info.abi_version; NULL when absent or null (0.25) */
    char *platform;    /* info.platform */
} pw_runtime_info;

/* Reads <runtime_dir>/pyodide-lock.json (and package.json for the version). */
int pw_runtime_read_info(const char *runtime_dir, pw_runtime_info *out, pw_error *err);
void pw_runtime_info_free(pw_runtime_info *info);

/*
 * Checks that runtime_dir holds a complete Pyodide distribution of the
 * expected release. Any expectation may be NULL (not checked). python and
 * abi_version must match exactly; the version is compared only when the
 * runtime records one (0.29.5's lock has none, and 0.28.3's says
 * 0.28.0.dev0, so package.json is preferred).
 */
int pw_runtime_verify(const char *runtime_dir, const char *version, const char *python,
                      const char *abi_version, pw_error *err);

/*
 * `npm pack pyodide@VERSION` with the user's npm ($PWPKG_NPM or `npm` on
 * PATH), then `tar -xzf` of its package/ folder into a temporary directory
 * beside the destination, renamed to <cache_dir>/runtimes/<version>/ once
 * complete. An existing, complete install is reused. *runtime_dir_out is a
 * new heap string.
 */
int pw_runtime_install(const char *version, const char *cache_dir, char **runtime_dir_out,
                       pw_error *err);

/*
 * explicit_dir (`--runtime DIR`) wins and must hold a Pyodide distribution;
 * otherwise <cache_dir>/runtimes/<version>/. PW_ENOTFOUND when not
 * installed, with the command that installs it.
 */
int pw_runtime_locate(const char *version, const char *cache_dir, const char *explicit_dir,
                      char **runtime_dir_out, pw_error *err);

/* Versions installed in <cache_dir>/runtimes, sorted; none is not an error. */
int pw_runtime_list(const char *cache_dir, pw_strlist *out, pw_error *err);

/*
 * The node to run: `explicit_node`, else $PWPKG_NODE, else `node` on PATH;
 * runs `node --version` and requires >= PW_RUNTIME_NODE_MIN_MAJOR.
 * *node_out is a new heap string; major_out may be NULL.
 */
int pw_runtime_find_node(const char *explicit_node, char **node_out, int *major_out,
                         pw_error *err);

/*
 * harness.mjs: $PWPKG_HARNESS, else <dir of the executable>/../share/pwpkg/
 * harness.mjs, else the build-time path PWPKG_HARNESS_PATH when defined.
 */
int pw_runtime_harness_path(char **path_out, pw_error *err);

/* ------------------------------------------------------------ a Worker */

struct pw_wrangler_config;

/*
 * The Worker as wrangler uploads it (docs/check.md, "Upload layout"): the
 * main module, the directory its module names are relative to (wrangler's
 * base_dir, else the main module's directory), the rules that choose what
 * is uploaded, the snapshot kind its flags ask for, and what its env holds.
 */
typedef struct pw_check_worker {
    char *config_path;    /* the wrangler config read, NULL when none */
    char *base_dir;       /* absolute */
    char *base_dir_label; /* base_dir as the user sees it ("src"), for messages */
    char *main;           /* the main module, relative to base_dir, '/'-separated */
    char *module;         /* its import name: main without .py, dots for slashes */
    struct pw_wrangler_config *config; /* rules, exclude, flags, vars, bindings; may be NULL */
    char *rules_origin;   /* "wrangler.toml:7" */
    pw_strlist exclude;   /* python_modules.exclude in force */
    char *exclude_origin; /* "wrangler.toml:9", or wrangler's default */
    bool dedicated_snapshot; /* the python_dedicated_snapshot flag */
    char *snapshot_origin;   /* where the flag is set, NULL when not set */
    /* The config's assets.directory, resolved; NULL without one. */
    char *assets_dir;
    char *assets_label; /* as written, for messages */
    /* .dev.vars (or .dev.vars.<env>) beside the config: override vars. */
    char *dev_vars_path;
    pw_strlist dev_var_names;
    pw_strlist dev_var_values;
} pw_check_worker;

/*
 * Reads the wrangler config in project_dir (with `env` applied) and finds
 * the main module: `entry` when given (a path as the user typed it), else
 * the config's `main`. PW_ENOTFOUND when there is neither, or when `main`
 * is not a .py file (a JavaScript Worker); PW_EINVAL, naming file:line, when the main module lies outside base_dir or .dev.vars
 * has a line that is not NAME=VALUE.
 */
int pw_check_worker_load(const char *project_dir, const char *env, const char *entry,
                         pw_check_worker *out, pw_error *err);
void pw_check_worker_free(pw_check_worker *w);

/* Parses .dev.vars text (dotenv: NAME=VALUE, # comments, optional quotes). */
int pw_check_dev_vars_parse(const char *path, const char *text, size_t len, pw_strlist *names,
                            pw_strlist *values, pw_error *err);

/* The first request: `--request 'GET /path'`, `--scheduled`, `--queue MSG`. */
typedef enum pw_check_call_kind {
    PW_CHECK_CALL_NONE,
    PW_CHECK_CALL_FETCH,
    PW_CHECK_CALL_SCHEDULED,
    PW_CHECK_CALL_QUEUE,
} pw_check_call_kind;

typedef struct pw_check_call {
    pw_check_call_kind kind;
    pw_slice method;  /* fetch: "GET", a slice of the caller's text */
    const char *path; /* fetch: "/path?q", a slice of the caller's text */
    const char *message; /* queue: the message body */
} pw_check_call;

/* "GET /path" -> method and path; PW_EINVAL says what was expected. */
int pw_check_call_parse_request(const char *text, pw_check_call *out, pw_error *err);

/* What the handler answered. */
typedef struct pw_check_response {
    bool called;
    bool ok;              /* false: the handler raised (error, traceback) */
    char *handler;        /* "entry.Default.fetch" */
    int status;
    char *status_text;
    pw_strlist headers;   /* "name: value", sorted */
    unsigned char *body_head;
    size_t body_head_len;
    uint64_t body_size;
    double first_response_ms; /* from the end of the restore to the response */
    char *logs;               /* what the Worker printed while handling it */
    char *error;
    char *traceback;
} pw_check_response;

/* The body's first bytes as text: valid UTF-8 kept, other bytes as \xNN. */
void pw_check_response_body_text(const pw_check_response *r, pw_buf *out);

/* ------------------------------------------------------------ the check */

typedef struct pw_check_options {
    const char *runtime_dir;    /* a Pyodide distribution (pw_runtime_locate) */
    const char *bundle_dir;     /* python_modules/, or NULL */
    const pw_strlist *modules;  /* top-level import names, in order; may be NULL */
    const char *entry;          /* the Worker's entry .py file, or NULL */
    const char *snapshot_path;  /* make, write and restore a snapshot; or NULL */
    int timeout_ms;             /* per node process; 0: PW_CHECK_DEFAULT_TIMEOUT_MS */
    const char *node;           /* NULL: see pw_runtime_find_node */
    /* The Worker: its upload layout replaces `entry`; NULL for packages only. */
    const pw_check_worker *worker;
    /* A first request after restoring the snapshot (a temporary one when
     * snapshot_path is NULL); kind NONE for none. */
    pw_check_call call;
    struct pw_check_trace *trace; /* --trace / --exercise; NULL: neither */
    /* Time every import as `python -X importtime` does, with the heap's
     * growth (pw_check_report.profile). */
    bool profile;
} pw_check_options;

typedef struct pw_check_module_result {
    char *module;
    bool ok;
    bool entry;      /* the Worker's entry module */
    double ms;
    char *error;     /* "ValueError: boom"; NULL when ok */
    char *traceback; /* Python traceback from the first user frame; may be NULL */
} pw_check_module_result;

/* A deploy-time rule broken at import time. */
typedef struct pw_check_finding {
    char *module; /* the import being run (random) / the module holding it (JS global) */
    char *name;   /* the calling module (random) / the global's name (JS global) */
    char *detail; /* "random.random", "os.urandom" / the JS object's type */
} pw_check_finding;

/* One import timed by --profile: a call of importlib's _find_and_load for
 * a module not yet in sys.modules, as -X importtime times it. */
typedef struct pw_check_import_time {
    char *module;
    long parent;          /* index of the import that caused it, -1 at the top */
    double cumulative_ms; /* nested imports included */
    int64_t memory_bytes; /* heap growth during it (sbrk break), nested included */
    char *origin;         /* __spec__.origin in Pyodide's file system, or NULL */
} pw_check_import_time;

/* A shared library of python_modules/lib/ loaded before the imports. */
typedef struct pw_check_dynlib_cost {
    char *path; /* "lib/libz.so" */
    double ms;
    int64_t memory_bytes;
} pw_check_dynlib_cost;

typedef struct pw_check_profile {
    bool made;
    pw_check_import_time *imports; /* in the order they began */
    size_t n_imports;
    pw_check_dynlib_cost *dynlibs; /* load order */
    size_t n_dynlibs;
    uint64_t heap_start; /* the heap before the first import */
    uint64_t heap_end;   /* ... and after the last */
} pw_check_profile;

typedef struct pw_check_report {
    char *runtime_version;

    pw_check_module_result *results;
    size_t n_results;
    size_t n_failed;

    pw_check_finding *random_at_import;
    size_t n_random;
    pw_check_finding *unsnapshottable; /* module globals holding JS objects */
    size_t n_unsnapshottable;
    pw_strlist dynlibs;                /* python_modules/lib/ libraries, load order */

    bool timed_out;
    char *timed_out_module;            /* the import running when killed, or NULL */

    double load_ms;    /* loadPyodide */
    double imports_ms; /* all imports */
    double cold_ms;    /* load + imports, no snapshot */

    bool snapshot_made;
    char *snapshot_error;
    uint64_t snapshot_bytes;
    double restore_ms;           /* loadPyodide from the snapshot, fresh process */
    pw_strlist restore_missing;  /* modules not in sys.modules after restore */

    bool worker;                 /* a Worker was checked: snapshot_kind applies */
    bool dedicated_snapshot;     /* Cloudflare takes a dedicated snapshot (else package) */
    pw_check_response response;  /* the first request, when one was asked */

    uint64_t peak_rss_bytes; /* largest of the node processes (wait4 ru_maxrss) */
    double node_ms;          /* wall time of the node processes, seen from here */
    double node_startup_ms;  /* node_ms minus the time the harness accounts for */
    double overhead_ms;      /* pwpkg's own time in pw_check_run, outside node processes */
    char *stderr_text;       /* node's stderr, capped */
    pw_check_profile profile; /* with pw_check_options.profile */
} pw_check_report;

/*
 * Runs the check. Returns 0 when every import succeeded and no deploy-time
 * rule was broken; PW_ECHECK when an import failed, timed out, used
 * randomness, left a JS object at top level, or the snapshot failed (the
 * report says which); PW_ERUNTIME when node or Pyodide cannot start;
 * PW_EUNSUPPORTED when a snapshot is asked of a release without them.
 * The report is filled in every case after node was started.
 */
int pw_check_run(const pw_check_options *o, pw_check_report *rep, pw_error *err);
void pw_check_report_write_json(const pw_check_report *r, pw_buf *out);
void pw_check_report_free(pw_check_report *r);

/* Adds a harness event ("profile", or a "dynlib" with its cost) to `p`
 * (runtime-check/profile.c). */
struct cJSON;
void pw_check_profile_add_event(pw_check_profile *p, const struct cJSON *ev);
void pw_check_profile_free(pw_check_profile *p);

/*
 * `pwpkg bundle --compile`: byte-compiles every .py under tree_dir with the
 * release's own Python inside Pyodide (py_compile, UNCHECKED_HASH pycs in
 * __pycache__/, sorted walk, co_filename under
 * /session/metadata/python_modules), so the output depends only on the
 * sources and the release. Uses runtime_dir, node and timeout_ms of `o`.
 * PW_ECHECK names each file that does not compile.
 */
int pw_check_compile_tree(const pw_check_options *o, const char *tree_dir, pw_error *err);

/* ------------------------------------------------------------ tracing */

/*
 * What a check records of the bundle's use (`pwpkg check --trace`), and the
 * user's script it runs once the imports are done (`--exercise`), in the
 * same Pyodide: docs/check.md, "Tracing what is used".
 */
typedef struct pw_check_trace {
    bool record;          /* in: record the files opened from the bundle */
    const char *exercise; /* in: a Python script (host path), or NULL */
    pw_strlist files;     /* out: bundle-relative paths, in the order first opened */
    bool exercise_ok;     /* out: the script ran to its end */
} pw_check_trace;

void pw_check_trace_free(pw_check_trace *t);

/* One check a trace file was made of. */
typedef struct pw_trace_run {
    char *entry;    /* as given to --entry, or NULL */
    char *exercise; /* as given to --exercise, or NULL */
    double cold_ms; /* cold start of that run, full bundle */
} pw_trace_run;

/*
 * A trace file (trace_version 1): the lock it was made from, the runs, and
 * the files used, in load order. Several merge into one: the union of the
 * files (first appearance wins the order) and every run, all of one lock.
 */
typedef struct pw_trace {
    char *lock_path;
    char *lock_digest; /* "sha256:<hex>" of the lock (pw_bundle_lock_digest) */
    char *pyodide;     /* the release that ran it, or NULL */
    pw_trace_run *runs;
    size_t n_runs;
    pw_strlist files;   /* bundle-relative, '/'-separated, load order, unique */
    pw_strlist dynlibs; /* of those, the shared libraries (.so), load order */
} pw_trace;

/* Parses a trace; PW_EINVAL names origin:line and what was expected. Pure. */
int pw_trace_parse(const char *origin, const char *text, size_t len, pw_trace *out,
                   pw_error *err);
int pw_trace_load(const char *path, pw_trace *out, pw_error *err);
/* Deterministic JSON (pw_json_write), one file per line. */
void pw_trace_write(const pw_trace *t, pw_buf *out);
/* Adds a file (deduplicated; a .so also goes into dynlibs). */
void pw_trace_add_file(pw_trace *t, const char *path);
/* Merges `from` into `into`; PW_EINVAL when they are of different locks. */
int pw_trace_merge(pw_trace *into, const pw_trace *from, const char *from_origin, pw_error *err);
/* The paths a slim bundle keeps for this trace, sorted: every traced file,
 * and the .py beside each traced __pycache__ .pyc (the finder needs the
 * source to use its cache). */
void pw_trace_keep_set(const pw_trace *t, pw_strlist *out);
void pw_trace_free(pw_trace *t);

/* ------------------------------------------------------------- locks */

struct pw_lock;
/* Finds (with `install`: installs) the runtime of the lock's release and
 * checks that it runs the lock's Python minor and ABI. Falls back to the
 * release of the lock's index when the runtime release was never published
 * (Cloudflare's 0.26.0a2), with a warning. PW_ERUNTIME says what to run. */
int pw_check_runtime_for_lock(const struct pw_lock *lock, const char *cache_dir,
                              const char *explicit_dir, bool install, char **runtime_dir_out,
                              pw_error *err);
/* The import names to check: the lock's `imports`, then, for packages
 * without any, top_level.txt or RECORD of the bundle's .dist-info dirs. */
void pw_check_modules_for_lock(const struct pw_lock *lock, const char *bundle_dir, pw_strlist *out);

#endif
