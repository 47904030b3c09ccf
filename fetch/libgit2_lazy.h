/*
 * libgit2, opened when git work starts (private to fetch/).
 *
 * Why: libgit2 and what it links (libssh2, libhttp_parser, pcre2, ...) cost
 * every command their loading and relocation, though most never touch a
 * git repository (issue 14: no shared library loaded that a command does
 * not use). The fetch module is therefore not linked with libgit2: git.c
 * calls it through this table, filled by dlopen of libgit2's soname
 * (PW_LIBGIT2_SONAME, read from the library found at configure time) the
 * first time a git function of git_api.h needs it.
 *
 * PW_LIBGIT2_FUNCTIONS lists every libgit2 function git.c calls; a call to
 * one not listed fails to link (nothing links libgit2 itself), so the list
 * cannot silently fall behind.
 */
#ifndef PW_FETCH_LIBGIT2_LAZY_H
#define PW_FETCH_LIBGIT2_LAZY_H

#include "common.h"

#include <git2.h>

/* clang-format off */
#define PW_LIBGIT2_FUNCTIONS(X) \
    X(git_blob_free) \
    X(git_blob_lookup) \
    X(git_blob_rawcontent) \
    X(git_blob_rawsize) \
    X(git_buf_dispose) \
    X(git_commit_free) \
    X(git_commit_lookup) \
    X(git_commit_tree) \
    X(git_credential_ssh_key_from_agent) \
    X(git_credential_username_new) \
    X(git_credential_userpass_plaintext_new) \
    X(git_error_clear) \
    X(git_error_last) \
    X(git_error_set_str) \
    X(git_fetch_options_init) \
    X(git_libgit2_features) \
    X(git_libgit2_init) \
    X(git_libgit2_shutdown) \
    X(git_object_free) \
    X(git_object_id) \
    X(git_object_lookup) \
    X(git_object_lookup_prefix) \
    X(git_object_peel) \
    X(git_odb_free) \
    X(git_odb_read_header) \
    X(git_oid_cpy) \
    X(git_oid_fromstr) \
    X(git_oid_fromstrn) \
    X(git_oid_tostr) \
    X(git_reference_free) \
    X(git_reference_lookup) \
    X(git_reference_name_to_id) \
    X(git_reference_peel) \
    X(git_remote_create_anonymous) \
    X(git_remote_default_branch) \
    X(git_remote_fetch) \
    X(git_remote_free) \
    X(git_remote_ls) \
    X(git_repository_free) \
    X(git_repository_init) \
    X(git_repository_is_bare) \
    X(git_repository_odb) \
    X(git_repository_open_bare) \
    X(git_repository_open_ext) \
    X(git_repository_set_head) \
    X(git_repository_set_head_detached) \
    X(git_repository_workdir) \
    X(git_revparse_single) \
    X(git_status_list_entrycount) \
    X(git_status_list_free) \
    X(git_status_list_new) \
    X(git_status_options_init) \
    X(git_tree_entry_byindex) \
    X(git_tree_entry_bypath) \
    X(git_tree_entry_filemode) \
    X(git_tree_entry_free) \
    X(git_tree_entry_id) \
    X(git_tree_entry_name) \
    X(git_tree_entry_type) \
    X(git_tree_entrycount) \
    X(git_tree_free) \
    X(git_tree_lookup)
/* clang-format on */

#define PW_LIBGIT2_MEMBER(name) __typeof__(name) *name;
typedef struct pw_libgit2 {
    PW_LIBGIT2_FUNCTIONS(PW_LIBGIT2_MEMBER)
} pw_libgit2;
#undef PW_LIBGIT2_MEMBER

/*
 * Loads the table on the first call (once per process, thread-safe; the
 * library stays loaded) and returns it. NULL with PW_EUNSUPPORTED in `err`
 * ("git work needs libgit2 (libgit2.so.1.5): <dlerror>") when libgit2
 * cannot be loaded or lacks a function.
 */
const pw_libgit2 *pw_libgit2_load(pw_error *err);

/* The same table, for calls (pw_lg.git_repository_free(repo)): valid only
 * in a call chain that began with a successful pw_libgit2_load(). */
extern pw_libgit2 pw_lg;

#endif
