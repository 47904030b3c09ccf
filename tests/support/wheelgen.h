/*
 * wheelgen: builds valid (or deliberately broken) wheels and shared-library
 * zips at test time, so that no test ever commits a binary archive.
 *
 * Output is deterministic: entries sorted by path, fixed 1980-01-01
 * timestamps, fixed modes, deflate level 6. The same spec gives the same
 * bytes.
 */
#ifndef PW_WHEELGEN_H
#define PW_WHEELGEN_H

#include "common.h"

typedef struct pw_wheelgen_file {
    const char *path;    /* archive path: "foo/__init__.py", "foo-1.0.data/scripts/x" */
    const char *content; /* NULL: empty */
    size_t len;          /* 0: strlen(content) */
    uint32_t mode;       /* st_mode with type bits; 0: S_IFREG | 0644 */
    uint64_t zeros;      /* > 0: the content is this many zero bytes, generated lazily */
} pw_wheelgen_file;

/* Ways to break an archive, for the malicious corpus. The member each one
 * adds or alters is given by pw_wheelgen_flaw_member(). */
typedef enum pw_wheelgen_flaw {
    PW_WHEELGEN_SOUND = 0,
    PW_WHEELGEN_PATH_TRAVERSAL, /* adds "../evil.py" */
    PW_WHEELGEN_ABSOLUTE_PATH,  /* adds "/etc/evil.py" */
    PW_WHEELGEN_BACKSLASH,      /* adds "evil\\x.py" */
    PW_WHEELGEN_DRIVE_LETTER,   /* adds "C:/evil.py" */
    PW_WHEELGEN_SYMLINK,        /* adds "evil-link", a symlink to /etc/passwd */
    PW_WHEELGEN_DEVICE,         /* adds "evil-device", a character device */
    PW_WHEELGEN_BOMB,           /* adds "bomb.bin": bomb_size zeros (default 200 MiB) */
    PW_WHEELGEN_HASH_MISMATCH,  /* RECORD hash of the first file is wrong */
    PW_WHEELGEN_SIZE_MISMATCH,  /* RECORD size of the first file is one too many */
    PW_WHEELGEN_NO_RECORD,      /* RECORD left out */
    PW_WHEELGEN_NO_WHEEL,       /* WHEEL left out */
    PW_WHEELGEN_NAME_MISMATCH,  /* .dist-info named "other_name-<version>" */
    PW_WHEELGEN_TWO_DIST_INFO,  /* adds "zzz_other-1.0.dist-info/METADATA" */
    PW_WHEELGEN_DUPLICATE,      /* the first file appears twice */
    PW_WHEELGEN_UNLISTED_FILE,  /* adds "unlisted.py", not in RECORD */
    PW_WHEELGEN_MISSING_LISTED, /* RECORD lists "ghost.py", not in the archive */
    PW_WHEELGEN_CONTROL_CHAR,   /* adds "evil\x1b[0m.py", listed in RECORD */
    PW_WHEELGEN_NOT_UTF8,       /* adds "evil\x1b\xff.py", stored as raw bytes, listed in RECORD */
    PW_WHEELGEN_FLAW_COUNT
} pw_wheelgen_flaw;

typedef struct pw_wheelgen_spec {
    const char *name;
    const char *version;
    const char *build_tag;    /* NULL: none */
    const char *python_tag;   /* NULL: "py3" */
    const char *abi_tag;      /* NULL: "none" */
    const char *platform_tag; /* NULL: "any" */
    const pw_wheelgen_file *files;
    size_t n_files;
    const char *const *requires_dist;
    size_t n_requires_dist;
    const char *const *provides_extra;
    size_t n_provides_extra;
    const char *requires_python; /* NULL: none */
    const char *summary;         /* NULL: none */
    bool platlib;                /* Root-Is-Purelib: false */
    const char *wheel_version;   /* NULL: "1.0" */
    /* A Pyodide shared-library archive: a plain "<name>-<version>.zip" of
     * the files (e.g. "lib/libfoo.so"), no .dist-info. */
    bool shared_library;
    const char *file_name; /* NULL: derived from name, version and tags */
    pw_wheelgen_flaw flaw;
    uint64_t bomb_size; /* 0: 200 MiB */
    /* As `pyodide py-compile` leaves a wheel: each "x.py" replaced by
     * "x.pyc" in place (same bytes here), RECORD still listing "x.py". */
    bool py_compiled;
} pw_wheelgen_spec;

/* Writes the archive into out_dir; *out_path (heap) gets its path. */
int pw_wheelgen_write(const pw_wheelgen_spec *spec, const char *out_dir, char **out_path,
                      pw_error *err);

const char *pw_wheelgen_flaw_name(pw_wheelgen_flaw flaw); /* "path-traversal"... */
int pw_wheelgen_flaw_parse(const char *name, pw_wheelgen_flaw *out);
/* The member a flaw adds or alters, as error messages should name it (heap). */
char *pw_wheelgen_flaw_member(const pw_wheelgen_spec *spec);
/* "foo-1.0.dist-info" for the spec (heap). */
char *pw_wheelgen_dist_info(const pw_wheelgen_spec *spec);


#endif
