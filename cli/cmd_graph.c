/* pwpkg tree / pwpkg why NAME: the resolved graph of a lock. */
#include "cli.h"
#include "lockfile.h"

#include <cJSON.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char tree_help[] =
    "usage: pwpkg tree [--lock FILE] [--depth N] [--invert NAME] [--sizes] [--ascii]\n"
    "\n"
    "Show the locked packages as a tree from the root requirements. A package\n"
    "shown before is marked (*) instead of being expanded again.\n"
    "\n"
    "  --lock FILE     the lock to read (default: pwpkg.lock)\n"
    "  --depth N       expand N levels below the roots (0: the roots only)\n"
    "  --invert NAME   what depends on NAME, up to the root requirements\n"
    "  --sizes         each package's artifact size, as locked\n"
    "  --ascii         draw with |- and `- (the default when the locale is not UTF-8)\n"
    "  --json          the lock's packages with their dependencies, as JSON\n"
    "\n"
    "exit codes: 0 ok, 2 usage or unreadable lock, 3 I/O error.\n";

static const char why_help[] =
    "usage: pwpkg why NAME [--lock FILE]\n"
    "\n"
    "Show every path from a root requirement to the package NAME.\n"
    "\n"
    "  --lock FILE   the lock to read (default: pwpkg.lock)\n"
    "\n"
    "exit codes: 0 ok, 2 usage error or NAME not in the lock, 3 I/O error.\n";

enum {
    OPT_LOCK = CLI_OPT_FIRST_COMMAND_OPTION,
    OPT_DEPTH,
    OPT_INVERT,
    OPT_SIZES,
    OPT_ASCII,
};

/* Box-drawing glyphs need a UTF-8 terminal; the locale says whether it is. */
static bool locale_is_utf8(void)
{
    const char *vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
    }
    return false;
}

static const struct option tree_options[] = {
    CLI_COMMON_LONG_OPTIONS,
    {"lock", required_argument, NULL, OPT_LOCK},
    {"depth", required_argument, NULL, OPT_DEPTH},
    {"invert", required_argument, NULL, OPT_INVERT},
    {"sizes", no_argument, NULL, OPT_SIZES},
    {"ascii", no_argument, NULL, OPT_ASCII},
    {NULL, 0, NULL, 0},
};

static const struct option why_options[] = {
    CLI_COMMON_LONG_OPTIONS,
    {"lock", required_argument, NULL, OPT_LOCK},
    {NULL, 0, NULL, 0},
};

typedef struct graph_cli {
    const cli_command *cmd;
    const char **lock_path;
    pw_lock_tree_options *tree;
} graph_cli;

static int graph_option(cli_context *ctx, void *state, int opt, const char *arg)
{
    graph_cli *g = state;
    long depth;
    if (opt == OPT_LOCK) {
        *g->lock_path = arg;
    } else if (opt == OPT_DEPTH && g->tree) {
        if (!cli_parse_count(arg, 0, 1000, &depth))
            return cli_usage_error(ctx, g->cmd, "--depth takes a whole number from 0, not '%s'",
                                   arg);
        g->tree->depth = (int)depth;
    } else if (opt == OPT_INVERT && g->tree) {
        g->tree->invert = arg;
    } else if (opt == OPT_SIZES && g->tree) {
        g->tree->sizes = true;
    } else if (opt == OPT_ASCII && g->tree) {
        g->tree->ascii = true;
    } else {
        return CLI_OPTION_UNKNOWN;
    }
    return -1;
}

static int parse_graph_options(cli_context *ctx, const cli_command *cmd, int argc, char **argv,
                               const char **lock_path, const char **name,
                               pw_lock_tree_options *tree)
{
    graph_cli g = {.cmd = cmd, .lock_path = lock_path, .tree = tree};
    int first = 0;
    cli_option_set set = {
        .options = tree ? tree_options : why_options,
        .handle = graph_option,
        .state = &g,
        .first_arg = &first,
    };
    int exit_code = cli_parse_options(ctx, cmd, argc, argv, &set);
    if (exit_code >= 0)
        return exit_code;
    if (name) {
        if (first >= argc)
            return cli_usage_error(ctx, cmd, "which package? (pwpkg why NAME)");
        *name = argv[first++];
    }
    if (first < argc)
        return cli_usage_error(ctx, cmd, "unexpected argument '%s'", argv[first]);
    return -1;
}

static void print_json_graph(const pw_lock *lock)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "command", "tree");
    cJSON *roots = cJSON_AddArrayToObject(root, "requirements");
    for (size_t i = 0; i < lock->requirements.len; i++)
        cJSON_AddItemToArray(roots, cJSON_CreateString(lock->requirements.items[i]));
    cJSON *pkgs = cJSON_AddArrayToObject(root, "packages");
    for (size_t i = 0; i < lock->n_packages; i++) {
        const pw_lock_package *p = &lock->packages[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", p->name);
        cJSON_AddStringToObject(o, "version", p->version);
        cJSON *deps = cJSON_AddArrayToObject(o, "dependencies");
        for (size_t d = 0; d < p->dependencies.len; d++)
            cJSON_AddItemToArray(deps, cJSON_CreateString(p->dependencies.items[d]));
        cJSON_AddItemToArray(pkgs, o);
    }
    cli_print_json(root);
}

static int run_graph(cli_context *ctx, const cli_command *cmd, int argc, char **argv, bool why)
{
    const char *lock_path = PW_LOCK_DEFAULT_NAME, *name = NULL;
    pw_lock_tree_options tree = {.depth = -1, .ascii = !locale_is_utf8()};
    int exit_code = parse_graph_options(ctx, cmd, argc, argv, &lock_path, why ? &name : NULL,
                                        why ? NULL : &tree);
    if (exit_code >= 0)
        return exit_code;
    cli_reporter_install(ctx);
    pw_error err = {0};
    pw_lock lock;
    int rc = pw_lock_load(lock_path, &lock, &err);
    if (rc) {
        exit_code = cli_fail(ctx, cmd->name, &err);
        pw_error_clear(&err);
        return exit_code;
    }
    pw_buf out = PW_BUF_INIT;
    if (!why && ctx->json) {
        print_json_graph(&lock);
    } else if (!why) {
        if ((rc = pw_lock_format_tree(&lock, &tree, &out, &err)))
            exit_code = cli_fail(ctx, cmd->name, &err);
    } else if ((rc = pw_lock_explain_why(&lock, name, &out, &err))) {
        exit_code = cli_fail(ctx, cmd->name, &err);
    }
    if (rc == PW_OK) {
        fputs(pw_buf_cstr(&out), stdout);
        exit_code = CLI_EXIT_OK;
    }
    pw_buf_free(&out);
    pw_lock_free(&lock);
    pw_error_clear(&err);
    return exit_code;
}

static int run_tree(cli_context *ctx, int argc, char **argv)
{
    return run_graph(ctx, &cli_cmd_tree, argc, argv, false);
}

static int run_why(cli_context *ctx, int argc, char **argv)
{
    return run_graph(ctx, &cli_cmd_why, argc, argv, true);
}

const cli_command cli_cmd_tree = {
    .name = "tree",
    .summary = "show the locked dependency graph",
    .help = tree_help,
    .run = run_tree,
    .options = tree_options,
};
const cli_command cli_cmd_why = {
    .name = "why",
    .summary = "explain why a package is in the lock",
    .help = why_help,
    .run = run_why,
    .options = why_options,
};
