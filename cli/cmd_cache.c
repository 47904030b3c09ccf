/* pwpkg cache dir|info|prune|clean: see and clean the cache. */
#include "cli.h"
#include "pipeline.h"
#include "fetch.h"
#include "lockfile.h"

#include <cJSON.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char cache_help[] =
    "usage: pwpkg cache dir\n"
    "       pwpkg cache info\n"
    "       pwpkg cache prune [--lock FILE]... [--unused-for DAYS] [--dry-run]\n"
    "       pwpkg cache clean\n"
    "\n"
    "  dir     print the cache directory ($PWPKG_CACHE_DIR, else\n"
    "          $XDG_CACHE_HOME/pwpkg, else ~/.cache/pwpkg)\n"
    "  info    its size by kind: index pages, artifacts, runtimes, git\n"
    "  prune   remove what is not needed: with --lock, the artifacts, runtimes and\n"
    "          git checkouts no given lock needs (index pages stay: `lock --offline`\n"
    "          reads them); with --unused-for, what was not used for DAYS days;\n"
    "          with both, what both criteria let go. Partial downloads always go.\n"
    "  clean   remove everything in the cache\n"
    "\n"
    "prune and clean wait for other pwpkg processes using the cache to finish,\n"
    "and nothing starts using it while they run.\n"
    "\n"
    "  --cache-dir DIR   the cache (default above)\n"
    "  --lock FILE       keep what this lock needs (repeatable)\n"
    "  --unused-for DAYS keep what was used within DAYS days\n"
    "  --dry-run         list what prune would remove, remove nothing\n"
    "  --json            a JSON document on stdout\n"
    "\n"
    "exit codes: 0 ok, 2 usage error or unreadable lock, 3 I/O error.\n";

enum {
    OPT_UNUSED_FOR = CLI_OPT_FIRST_COMMAND_OPTION,
    OPT_DRY_RUN,
};

typedef struct cache_args {
    const char *action;
    const char *cache_dir;
    pw_strlist locks;
    long unused_for_days;
    bool dry_run;
} cache_args;

static const struct option cache_options[] = {
    CLI_COMMON_LONG_OPTIONS,
    {"cache-dir", required_argument, NULL, CLI_OPT_CACHE_DIR},
    {"lock", required_argument, NULL, CLI_OPT_LOCK},
    {"unused-for", required_argument, NULL, OPT_UNUSED_FOR},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {NULL, 0, NULL, 0},
};

static int cache_option(cli_context *ctx, void *state, int opt, const char *arg)
{
    cache_args *a = state;
    switch (opt) {
    case CLI_OPT_CACHE_DIR: a->cache_dir = arg; break;
    case CLI_OPT_LOCK: pw_strlist_push(&a->locks, arg); break;
    case OPT_UNUSED_FOR:
        if (!cli_parse_count(arg, 0, 100000, &a->unused_for_days))
            return cli_usage_error(ctx, &cli_cmd_cache,
                                   "--unused-for takes a number of days, not '%s'", arg);
        break;
    case OPT_DRY_RUN: a->dry_run = true; break;
    default: return CLI_OPTION_UNKNOWN;
    }
    return -1;
}

static int parse_cache_args(cli_context *ctx, int argc, char **argv, cache_args *a)
{
    const cli_command *cmd = &cli_cmd_cache;
    int first = 0;
    cli_option_set set = {
        .options = cache_options,
        .handle = cache_option,
        .state = a,
        .first_arg = &first,
    };
    int exit_code = cli_parse_options(ctx, cmd, argc, argv, &set);
    if (exit_code >= 0)
        return exit_code;
    if (first >= argc)
        return cli_usage_error(ctx, cmd, "which action? dir, info, prune or clean");
    a->action = argv[first++];
    if (first < argc)
        return cli_usage_error(ctx, cmd, "unexpected argument '%s'", argv[first]);
    static const char *const actions[] = {"dir", "info", "prune", "clean"};
    bool known = false;
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        known = known || strcmp(a->action, actions[i]) == 0;
    if (!known)
        return cli_usage_error(ctx, cmd, "unknown action '%s': expected dir, info, prune or clean",
                               a->action);
    bool pruning = strcmp(a->action, "prune") == 0;
    if (!pruning && (a->locks.len || a->unused_for_days >= 0 || a->dry_run))
        return cli_usage_error(ctx, cmd, "--lock, --unused-for and --dry-run go with prune");
    if (pruning && a->locks.len == 0 && a->unused_for_days < 0)
        return cli_usage_error(ctx, cmd,
                               "prune needs --lock FILE (keep what it needs) or --unused-for DAYS");
    return -1;
}

static void human_size(uint64_t bytes, char out[32])
{
    if (bytes < 1024)
        snprintf(out, 32, "%llu B", (unsigned long long)bytes);
    else if (bytes < 1024 * 1024)
        snprintf(out, 32, "%.1f KiB", (double)bytes / 1024);
    else if (bytes < 1024ull * 1024 * 1024)
        snprintf(out, 32, "%.1f MiB", (double)bytes / (1024 * 1024));
    else
        snprintf(out, 32, "%.2f GiB", (double)bytes / (1024.0 * 1024 * 1024));
}

static int show_info(cli_context *ctx, const char *dir, pw_error *err)
{
    pw_cache_usage u;
    int rc = pw_fetch_cache_usage(dir, &u, err);
    if (rc)
        return rc;
    if (ctx->json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "command", "cache info");
        cJSON_AddStringToObject(root, "cache_dir", dir);
        cJSON *kinds = cJSON_AddObjectToObject(root, "kinds");
        for (size_t k = 0; k < u.n_kinds; k++) {
            cJSON *o = cJSON_AddObjectToObject(kinds, u.kinds[k].kind);
            cJSON_AddNumberToObject(o, "bytes", (double)u.kinds[k].bytes);
            cJSON_AddNumberToObject(o, "entries", (double)u.kinds[k].entries);
        }
        cJSON_AddNumberToObject(root, "total_bytes", (double)u.total_bytes);
        cli_print_json(root);
        return PW_OK;
    }
    char size[32];
    printf("%s\n", dir);
    for (size_t k = 0; k < u.n_kinds; k++) {
        human_size(u.kinds[k].bytes, size);
        printf("  %-18s %10s  %llu %s\n", u.kinds[k].what, size,
               (unsigned long long)u.kinds[k].entries,
               u.kinds[k].entries == 1 ? "entry" : "entries");
    }
    human_size(u.total_bytes, size);
    printf("  %-18s %10s\n", "total", size);
    return PW_OK;
}

static int load_locks(const pw_strlist *paths, pw_lock **out, pw_error *err)
{
    *out = pw_xcalloc(paths->len + 1, sizeof(**out));
    for (size_t i = 0; i < paths->len; i++) {
        int rc = pw_lock_load(paths->items[i], &(*out)[i], err);
        if (rc) {
            for (size_t j = 0; j < i; j++)
                pw_lock_free(&(*out)[j]);
            free(*out);
            *out = NULL;
            return rc;
        }
    }
    return PW_OK;
}

static int prune(cli_context *ctx, const cache_args *a, const char *dir, pw_error *err)
{
    pw_lock *locks = NULL;
    int rc = load_locks(&a->locks, &locks, err);
    if (rc)
        return rc;
    const pw_lock **keep = pw_xcalloc(a->locks.len + 1, sizeof(*keep));
    for (size_t i = 0; i < a->locks.len; i++)
        keep[i] = &locks[i];
    pw_cache_prune_options o = {
        .keep = keep,
        .n_keep = a->locks.len,
        .unused_for_s = a->unused_for_days < 0 ? -1 : (int64_t)a->unused_for_days * 86400,
        .dry_run = a->dry_run,
    };
    pw_cache_prune_result r;
    rc = pw_fetch_cache_prune(dir, &o, &r, err);
    if (rc == PW_OK) {
        char size[32];
        human_size(r.bytes, size);
        if (ctx->json) {
            cJSON *root = cJSON_CreateObject();
            cJSON_AddStringToObject(root, "command", "cache prune");
            cJSON_AddBoolToObject(root, "dry_run", a->dry_run);
            cJSON *removed = cJSON_AddArrayToObject(root, "removed");
            for (size_t i = 0; i < r.removed.len; i++)
                cJSON_AddItemToArray(removed, cJSON_CreateString(r.removed.items[i]));
            cJSON_AddNumberToObject(root, "bytes", (double)r.bytes);
            cli_print_json(root);
        } else {
            if (ctx->verbosity > 0 || a->dry_run)
                for (size_t i = 0; i < r.removed.len; i++)
                    printf("%s %s\n", a->dry_run ? "would remove" : "removed",
                           r.removed.items[i]);
            if (ctx->verbosity >= 0)
                fprintf(stderr, "%s %zu %s, %s\n", a->dry_run ? "would remove" : "removed",
                        r.removed.len, r.removed.len == 1 ? "entry" : "entries", size);
        }
    }
    pw_cache_prune_result_free(&r);
    free(keep);
    for (size_t i = 0; i < a->locks.len; i++)
        pw_lock_free(&locks[i]);
    free(locks);
    return rc;
}

static int run_cache(cli_context *ctx, int argc, char **argv)
{
    cache_args a = {.locks = PW_STRLIST_INIT, .unused_for_days = -1};
    int exit_code = parse_cache_args(ctx, argc, argv, &a);
    if (exit_code >= 0) {
        pw_strlist_free(&a.locks);
        return exit_code;
    }
    cli_reporter_install(ctx);
    pw_transfer_options t = {.cache_dir = a.cache_dir};
    char *dir = pw_pipeline_cache_dir(&t);
    pw_error err = {0};
    int rc = PW_OK;
    if (strcmp(a.action, "dir") == 0) {
        printf("%s\n", dir);
    } else if (strcmp(a.action, "info") == 0) {
        rc = show_info(ctx, dir, &err);
    } else {
        int hold = -1;
        rc = pw_fetch_cache_hold(dir, true, &hold, &err);
        if (rc == PW_OK && strcmp(a.action, "prune") == 0) {
            rc = prune(ctx, &a, dir, &err);
        } else if (rc == PW_OK) {
            uint64_t bytes = 0;
            rc = pw_fetch_cache_clean(dir, &bytes, &err);
            char size[32];
            human_size(bytes, size);
            if (rc == PW_OK && ctx->json) {
                cJSON *root = cJSON_CreateObject();
                cJSON_AddStringToObject(root, "command", "cache clean");
                cJSON_AddNumberToObject(root, "bytes", (double)bytes);
                cli_print_json(root);
            } else if (rc == PW_OK && ctx->verbosity >= 0) {
                fprintf(stderr, "removed %s from %s\n", size, dir);
            }
        }
        pw_fetch_cache_release(hold);
    }
    exit_code = rc ? cli_fail(ctx, cli_cmd_cache.name, &err) : CLI_EXIT_OK;
    pw_error_clear(&err);
    free(dir);
    pw_strlist_free(&a.locks);
    return exit_code;
}

const cli_command cli_cmd_cache = {
    .name = "cache",
    .summary = "see and clean the cache (dir, info, prune, clean)",
    .help = cache_help,
    .run = run_cache,
    .options = cache_options,
};
