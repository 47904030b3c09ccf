/*
 * The wheel builder: turns a pure-Python project whose metadata is static
 * PEP 621 ([project] in pyproject.toml) into a py3-none-any wheel, without
 * running Python or its build backend. Used for git and local-path
 * requirements. Supported backends and layouts, and what is refused, are
 * listed in docs/git.md ("Building wheels"). Included by bundle.h.
 */
#ifndef PW_BUNDLE_WHEEL_BUILD_H
#define PW_BUNDLE_WHEEL_BUILD_H

#include "common.h"

#include <stdint.h>

/*
 * Builds <name>-<version>-py3-none-any.whl (binary distribution format
 * escaping) from project_dir/pyproject.toml into out_dir (created when
 * missing), replacing a file of the same name atomically. The archive is
 * byte-reproducible: sorted members, fixed modes (0644), fixed deflate
 * level, every timestamp set to source_date_epoch (< 0: $SOURCE_DATE_EPOCH,
 * else 1980-01-01), no dependence on TZ or umask.
 * On success *wheel_path_out is a heap path. Errors:
 *   PW_ENOTFOUND     no pyproject.toml, a configured package or file missing;
 *   PW_EINVAL        malformed pyproject.toml values (file:line named);
 *   PW_EUNSUPPORTED  unknown or custom backend, dynamic metadata, backend
 *                    options pwpkg does not reproduce: the message suggests
 *                    building the wheel and passing it with --find-links;
 *   PW_EIO           reading the project or writing the wheel.
 */
int pw_bundle_build_wheel(const char *project_dir, const char *out_dir, int64_t source_date_epoch,
                          char **wheel_path_out, pw_error *err);

#endif
