/*
 * pw_gitrepo: makes real git repositories with libgit2 for the integration
 * tests (no git binary needed).
 *
 *   pw_gitrepo DIR init
 *   pw_gitrepo DIR commit MESSAGE [PATH...]   stage PATHs (default: all), commit
 *   pw_gitrepo DIR tag NAME                   a lightweight tag on HEAD
 *   pw_gitrepo DIR head                       print HEAD's commit
 */
#include <git2.h>
#include <stdio.h>
#include <string.h>

static int check(int rc, const char *what)
{
    if (rc < 0) {
        const git_error *e = git_error_last();
        fprintf(stderr, "pw_gitrepo: %s: %s\n", what, e && e->message ? e->message : "failed");
        return 1;
    }
    return 0;
}

static int commit(git_repository *repo, const char *message, int n_paths, char **paths)
{
    git_index *index = NULL;
    git_oid tree_id, commit_id;
    git_tree *tree = NULL;
    git_signature *sig = NULL;
    git_commit *parent = NULL;
    int failed = check(git_repository_index(&index, repo), "index");
    if (!failed && n_paths == 0) {
        char *all[] = {"*"};
        git_strarray spec = {all, 1};
        failed = check(git_index_add_all(index, &spec, GIT_INDEX_ADD_DEFAULT, NULL, NULL), "add");
    }
    for (int i = 0; !failed && i < n_paths; i++)
        failed = check(git_index_add_bypath(index, paths[i]), paths[i]);
    failed = failed || check(git_index_write(index), "write index") ||
             check(git_index_write_tree(&tree_id, index), "write tree") ||
             check(git_tree_lookup(&tree, repo, &tree_id), "tree") ||
             /* a fixed author and time: the same inputs give the same commits */
             check(git_signature_new(&sig, "pwpkg tests", "tests@pwpkg.invalid", 1700000000, 0),
                   "signature");
    if (!failed) {
        git_oid head;
        int has_head = git_reference_name_to_id(&head, repo, "HEAD") == 0;
        if (has_head)
            failed = check(git_commit_lookup(&parent, repo, &head), "parent");
        const git_commit *parents[1] = {parent};
        failed = failed || check(git_commit_create(&commit_id, repo, "HEAD", sig, sig, NULL,
                                                   message, tree, has_head ? 1 : 0, parents),
                                 "commit");
    }
    if (!failed)
        printf("%s\n", git_oid_tostr_s(&commit_id));
    git_commit_free(parent);
    git_signature_free(sig);
    git_tree_free(tree);
    git_index_free(index);
    return failed;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: pw_gitrepo DIR init|commit MESSAGE [PATH...]|tag NAME|head\n");
        return 2;
    }
    git_libgit2_init();
    git_repository *repo = NULL;
    int failed = 0;
    if (strcmp(argv[2], "init") == 0) {
        failed = check(git_repository_init(&repo, argv[1], 0), "init");
    } else {
        failed = check(git_repository_open(&repo, argv[1]), "open");
        if (!failed && strcmp(argv[2], "commit") == 0 && argc >= 4) {
            failed = commit(repo, argv[3], argc - 4, argv + 4);
        } else if (!failed && strcmp(argv[2], "tag") == 0 && argc == 4) {
            git_object *head = NULL;
            git_oid tag_id;
            failed = check(git_revparse_single(&head, repo, "HEAD"), "HEAD") ||
                     check(git_tag_create_lightweight(&tag_id, repo, argv[3], head, 0), "tag");
            git_object_free(head);
        } else if (!failed && strcmp(argv[2], "head") == 0) {
            git_oid head;
            failed = check(git_reference_name_to_id(&head, repo, "HEAD"), "HEAD");
            if (!failed)
                printf("%s\n", git_oid_tostr_s(&head));
        } else if (!failed) {
            fprintf(stderr, "pw_gitrepo: unknown command %s\n", argv[2]);
            failed = 2;
        }
    }
    git_repository_free(repo);
    git_libgit2_shutdown();
    return failed;
}
