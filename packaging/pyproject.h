/* pyproject.toml as lock input. Part of packaging/: other modules include packaging.h. */
#ifndef PW_PYPROJECT_H
#define PW_PYPROJECT_H

#include "reqfile.h"

/* Fills `out` with [project].dependencies, the optional dependencies named
 * in `extras` and the dependency groups named in `groups` (either may be
 * NULL). Errors name path:line and what was expected. */
int pw_pyproject_read(const char *path, const pw_strlist *extras, const pw_strlist *groups,
                      pw_reqfile *out, pw_error *err);

#endif
