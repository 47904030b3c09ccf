/*
 * Exports of a lock to the formats other tools read, and the offline mirror
 * (docs/export.md):
 *
 *  - pyodide-lock.json (schema pyodide-lock 0.2.0), for Pyodide itself;
 *  - pylock.toml (PEP 751), the standard lock file;
 *  - requirements.txt in pip's hash-checking mode;
 *  - an offline mirror directory: the locked artifacts, a pyodide-lock.json
 *    beside them and a PEP 503/691 simple index, which both `pwpkg lock
 *    --index-url DIR --offline` and `pip install --no-index --find-links DIR`
 *    read.
 *
 * Every output is deterministic: the same lock gives the same bytes (sorted,
 * no timestamps, no host paths). The exports are pure (lock in, text out);
 * only pw_bundle_write_mirror touches the file system.
 */
#ifndef PW_BUNDLE_EXPORT_H
#define PW_BUNDLE_EXPORT_H

#include "common.h"
#include "lockfile.h"

/* File names inside a mirror. */
#define PW_MIRROR_PYODIDE_LOCK "pyodide-lock.json"
#define PW_MIRROR_SIMPLE_DIR "simple"

/*
 * The artifact's file name as every export writes it: the lock's file_name
 * when it is a plain file name (no directory part, not "." or "..", no
 * leading '.', no control characters, '\\', '?' or '#'). Anything else is
 * PW_EINVAL naming the package: a mirror must never write outside its
 * directory. *out points into `p`.
 */
int pw_export_artifact_name(const pw_lock_package *p, const char **out, pw_error *err);

/*
 * Appends a pyodide-lock.json for the lock: only the schema's fields, keys
 * sorted; info gets arch, platform, python and abi_version (when known);
 * every package becomes an entry with file_name = the artifact's file name,
 * so that the JSON sits beside the artifacts. Needs release.python and
 * release.platform, and per package name, version, file_name and a sha256;
 * otherwise PW_EINVAL naming what is missing.
 */
int pw_export_pyodide_lock(const pw_lock *lock, pw_buf *out, pw_error *err);

/*
 * Appends a PEP 751 pylock.toml: lock-version "1.0", one environment marker
 * for the release, requires-python, created-by "pwpkg", then one
 * [[packages]] per package sorted by name: wheels (name, url or path, size,
 * hashes) for wheels; archive for Pyodide's plain .zip/.tar artifacts; vcs
 * (type, url, commit-id, no version, as PEP 751 requires for source trees)
 * for git packages. Pyodide's own fields go into [packages.tool.pwpkg].
 */
int pw_export_pylock(const pw_lock *lock, pw_buf *out, pw_error *err);

/*
 * Appends a requirements.txt that pip accepts in hash-checking mode, sorted
 * by name, with a header naming the release:
 *     name==version \
 *         --hash=sha256:<hex>
 * "name @ url --hash=..." for direct-URL packages, "name @ git+url@commit"
 * for git packages (pip cannot hash a VCS checkout: see docs/export.md).
 * Artifacts pip cannot install (Pyodide's shared-library zips) are listed
 * as comments only.
 */
int pw_export_requirements(const pw_lock *lock, pw_buf *out, pw_error *err);

/*
 * Writes the offline mirror at out_dir: every locked artifact unchanged
 * (hard-linked from artifact_paths[i] when possible, else copied; each one
 * is checked against the lock's sha256 and size), pyodide-lock.json, and
 * simple/index.html, simple/index.json, simple/<name>/index.html and
 * simple/<name>/index.json for the wheels (shared-library zips are in
 * pyodide-lock.json only). artifact_paths is parallel to lock->packages.
 *
 * Atomic: the mirror is built in a temporary directory next to out_dir and
 * renamed into place; on failure nothing is left at out_dir or next to it.
 * An existing out_dir is replaced only when it is empty or looks like an
 * earlier mirror (it holds pyodide-lock.json and simple/); otherwise
 * PW_EINVAL. A digest mismatch is PW_EHASH, a missing artifact PW_ENOTFOUND.
 */
int pw_bundle_write_mirror(const pw_lock *lock, const char *const *artifact_paths,
                           const char *out_dir, pw_error *err);

#endif
