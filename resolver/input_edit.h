/*
 * Edits of the lock's inputs for `pwpkg add` and `pwpkg remove`: the text
 * changes as a person would change it (comments, order, quoting, indentation
 * and trailing-comma style kept), so that add then remove gives the file
 * back byte for byte. Pure: text in, text out.
 */
#ifndef PW_INPUT_EDIT_H
#define PW_INPUT_EDIT_H

#include "common.h"

typedef enum pw_input_edit_kind {
    PW_EDIT_DEPENDENCIES, /* [project].dependencies */
    PW_EDIT_OPTIONAL,     /* [project.optional-dependencies] NAME (an extra) */
    PW_EDIT_GROUP,        /* [dependency-groups] NAME (PEP 735) */
} pw_input_edit_kind;

typedef struct pw_input_edit_target {
    pw_input_edit_kind kind;
    const char *name; /* the extra or the group */
} pw_input_edit_target;

/*
 * requirements.txt: `spec` (a PEP 508 requirement) replaces the line that
 * names the same project (a comment after it stays), else is appended; with
 * `remove`, the line naming spec's project goes (PW_ENOTFOUND when there is
 * none). Includes (-r, -c) are refused: only the named file is edited.
 */
int pw_requirements_edit(const char *path, const char *text, size_t len, const char *spec,
                         bool remove, pw_buf *out, pw_error *err);

/* pyproject.toml: the same for the array `target` names (NULL: the
 * project's dependencies); a missing array or table is created. Arrays in a
 * form other than one-line strings are PW_EUNSUPPORTED, naming path:line. */
int pw_pyproject_edit(const char *path, const char *text, size_t len,
                      const pw_input_edit_target *target, const char *spec, bool remove,
                      pw_buf *out, pw_error *err);

#endif
