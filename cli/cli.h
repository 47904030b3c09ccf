/* Private to cli/: what every command file shares. Only cli/ prints and
 * chooses exit codes. */
#ifndef PW_CLI_H
#define PW_CLI_H

#include "common.h"
#include "fetch.h"

#include <getopt.h>
#include <stdio.h>

/* Documented exit codes (docs/pwpkg.1, `pwpkg help`). */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_CHECK = 1,  /* a check failed, or no resolution exists */
    CLI_EXIT_USAGE = 2,  /* bad usage or bad input */
    CLI_EXIT_IO = 3,     /* network, file system or runtime error */
};

typedef struct cli_context {
    int verbosity;       /* -1 quiet, 0 normal, 1+ verbose */
    bool json;           /* --json: one JSON document on stdout */
    bool color;          /* only on a TTY and never with NO_COLOR */
    bool progress;       /* progress bars: stderr is a TTY and not quiet */
    const char *program; /* argv[0] for messages */
} cli_context;

typedef struct cli_command {
    const char *name;
    const char *summary;
    const char *help;    /* full text of `pwpkg help NAME` */
    int (*run)(cli_context *ctx, int argc, char **argv);
    /* its option table (ends with a zeroed entry), the one source of
     * `pwpkg completion`; NULL for none of its own */
    const struct option *options;
    bool takes_lock_options; /* ... plus those of `pwpkg lock` (cli_lock_option_table) */
} cli_command;

/* The options of `pwpkg lock`, which verify, add, remove and outdated take too. */
extern const struct option cli_lock_option_table[];

/* Options every command accepts; command option tables include these. */
enum cli_common_option {
    CLI_OPT_QUIET = 1000,
    CLI_OPT_VERBOSE,
    CLI_OPT_JSON,
    CLI_OPT_COLOR,
    CLI_OPT_NO_COLOR,
    CLI_OPT_HELP,
    /* shared by the commands that transfer or read a lock */
    CLI_OPT_OFFLINE,
    CLI_OPT_CACHE_DIR,
    CLI_OPT_CERT,
    CLI_OPT_REFRESH,
    CLI_OPT_PROXY,
    CLI_OPT_NET_TIMEOUT,
    CLI_OPT_RETRIES,
    CLI_OPT_LOCK,
    CLI_OPT_FIRST_COMMAND_OPTION, /* commands number their own options from here */
};
#define CLI_COMMON_LONG_OPTIONS                                                                    \
    {"quiet", no_argument, NULL, CLI_OPT_QUIET}, {"verbose", no_argument, NULL, CLI_OPT_VERBOSE},  \
        {"json", no_argument, NULL, CLI_OPT_JSON}, {"color", optional_argument, NULL, CLI_OPT_COLOR}, \
        {"no-color", no_argument, NULL, CLI_OPT_NO_COLOR}, {"help", no_argument, NULL, CLI_OPT_HELP}

/* pwpkg check's --timeout limits the run; its transfers keep the default. */
#define CLI_TRANSFER_LONG_OPTIONS_NO_TIMEOUT                                                       \
    {"jobs", required_argument, NULL, 'j'}, {"offline", no_argument, NULL, CLI_OPT_OFFLINE},       \
        {"cache-dir", required_argument, NULL, CLI_OPT_CACHE_DIR},                                 \
        {"cert", required_argument, NULL, CLI_OPT_CERT},                                           \
        {"refresh", no_argument, NULL, CLI_OPT_REFRESH},                                           \
        {"proxy", required_argument, NULL, CLI_OPT_PROXY},                                         \
        {"retries", required_argument, NULL, CLI_OPT_RETRIES}
#define CLI_TRANSFER_LONG_OPTIONS                                                                  \
    CLI_TRANSFER_LONG_OPTIONS_NO_TIMEOUT, {"timeout", required_argument, NULL, CLI_OPT_NET_TIMEOUT}
/* The help text of the transfer options, one copy for every command. */
#define CLI_TRANSFER_HELP                                                                          \
    "transfers:\n"                                                                                 \
    "  -j, --jobs N             parallel downloads (default 8)\n"                                  \
    "  --offline                use only the cache; fail fast naming what is missing\n"            \
    "  --refresh                revalidate cached index pages\n"                                   \
    "  --cache-dir DIR          cache location (default $PWPKG_CACHE_DIR, else\n"                  \
    "                           $XDG_CACHE_HOME/pwpkg, else ~/.cache/pwpkg)\n"                     \
    "  --cert FILE              CA bundle for TLS (also $SSL_CERT_FILE)\n"                         \
    "  --proxy URL              proxy for every transfer (default: https_proxy,\n"                 \
    "                           http_proxy and no_proxy from the environment)\n"                   \
    "  --timeout SECONDS        give up on a transfer idle this long (default 30)\n"               \
    "  --retries N              extra attempts after a failed transfer (default 3)\n"              \
    "                           credentials come from the URL or ~/.netrc and are\n"               \
    "                           never written anywhere\n"


/*
 * The one option parser of the commands (main.c): getopt over `options`
 * (a command's table, common and transfer groups included), the short
 * options derived from it ("-o", "-j"...) plus -q -v -h. Common options
 * go to `ctx`; transfer options to `transfer` (when not NULL); the rest
 * to `handle`, which returns -1 when it took the option, CLI_OPTION_UNKNOWN
 * when it is not the command's, else an exit code. Arguments that are
 * not options are argv[*first_arg] to argv[argc - 1] (getopt moves them
 * last); a NULL first_arg refuses them. Usage errors
 * ("needs a value", "unknown option", "unexpected argument") are said
 * here, in one way for every command. Returns -1 to go on, else the exit
 * code (a usage error, or 0 after --help).
 */
#define CLI_OPTION_UNKNOWN (-2)
typedef struct cli_option_set {
    const struct option *options;
    int (*handle)(cli_context *ctx, void *state, int opt, const char *arg);
    void *state;
    pw_transfer_options *transfer;
    int *first_arg;
    bool stop_at_argument; /* the global options: they end at the command's name */
} cli_option_set;
int cli_parse_options(cli_context *ctx, const cli_command *cmd, int argc, char **argv,
                      const cli_option_set *set);
/*
 * The options before the command (main.c), the same common options as
 * after it: they go to `ctx`. --version and --help stop there and are
 * flagged for the caller; `command` is the argv index of the command
 * (argc when there is none). Returns -1 to go on, else the exit code (a
 * usage error).
 */
typedef struct cli_global_options {
    bool version;
    bool help;
    int command;
} cli_global_options;
int cli_parse_global_options(cli_context *ctx, int argc, char **argv, cli_global_options *out);
/* The whole program: global options, then the command's run (main.c). */
int cli_main(int argc, char **argv);
/* A handler for commands whose only own option is --lock PATH: `state` is
 * the `const char *` that receives it. */
int cli_lock_path_option(cli_context *ctx, void *state, int opt, const char *arg);

/* 0 when `opt` was a transfer option, -1 when it was not, else an exit code. */
int cli_parse_transfer_option(cli_context *ctx, const cli_command *cmd, int opt, const char *arg,
                              pw_transfer_options *t);

/* Handles a common option (or -q/-v/-h); returns false for any other. */
bool cli_common_option(cli_context *ctx, const cli_command *cmd, int opt, const char *arg,
                       int *exit_code);
/* Prints "pwpkg CMD: message" and the usage hint; returns CLI_EXIT_USAGE. */
int cli_usage_error(cli_context *ctx, const cli_command *cmd, const char *fmt, ...) PW_PRINTF(3, 4);
/* Prints an error (text or JSON) and maps the status to an exit code. */
/* Writes text from outside (wheels, indexes, locks) with terminal controls
 * escaped as \xNN; newlines and tabs stay. */
void cli_print_untrusted(FILE *out, const char *text, size_t len);
int cli_fail(cli_context *ctx, const char *command, const pw_error *err);
int cli_exit_code(int status);
/* Writes `root` (deterministic JSON, pw_json_write) to stdout and frees it:
 * the one --json document of a command. */
struct cJSON;
void cli_print_json(struct cJSON *root);
/* Draws a progress event (cli/progress.c): live on a terminal, periodic
 * summaries in a log, nothing when quiet or with --json. */
void cli_progress_event(cli_context *ctx, const pw_progress_event *event);
/* Installs the reporter matching the context (TTY, quiet, JSON). */
void cli_reporter_install(cli_context *ctx);
/* "\033[1m" style escapes, or "" when colour is off. */
const char *cli_style(const cli_context *ctx, const char *escape);
/* Parses a positive integer option value; false on garbage. */
bool cli_parse_count(const char *text, long min, long max, long *out);

/* pwpkg lock's options, shared with pwpkg verify. */
#include "resolver.h"
typedef struct cli_lock_options {
    pw_resolve_request request;
    pw_strlist compat_flags;
    pw_strlist extras;
    pw_strlist groups;
    pw_strlist extra_index_urls;
    pw_strlist find_links;
    pw_strlist from_index;
    pw_strlist upgrade_packages;
    bool check;
    bool reset_options; /* --reset-options: the lock's recorded options are not reused */
} cli_lock_options;

/* Options a command adds to the lock's; their codes start here. */
#define CLI_OPT_FIRST_EXTRA_OPTION 2000
typedef struct cli_extra_options {
    const struct option *options; /* ends with a zeroed entry */
    int (*handle)(void *ctx, int opt, const char *arg); /* -1 ok, else an exit code */
    void *ctx;
    pw_strlist *positionals; /* receives the arguments that are not options; NULL refuses them */
} cli_extra_options;

/* -1 when parsed, else the exit code to return (usage error, --help). */
int cli_parse_lock_options(cli_context *ctx, const cli_command *cmd, int argc, char **argv,
                           const cli_extra_options *extra, cli_lock_options *o);
void cli_lock_options_free(cli_lock_options *o);

/* The commands, one file each. */
extern const cli_command cli_cmd_lock;
extern const cli_command cli_cmd_tree;
extern const cli_command cli_cmd_why;
extern const cli_command cli_cmd_fetch;
extern const cli_command cli_cmd_bundle;
extern const cli_command cli_cmd_check;
extern const cli_command cli_cmd_report;
extern const cli_command cli_cmd_runtime;
extern const cli_command cli_cmd_export;
extern const cli_command cli_cmd_verify;
extern const cli_command cli_cmd_wheel;
extern const cli_command cli_cmd_diff;
extern const cli_command cli_cmd_cache;
extern const cli_command cli_cmd_add;
extern const cli_command cli_cmd_remove;
extern const cli_command cli_cmd_outdated;
extern const cli_command cli_cmd_release;
extern const cli_command cli_cmd_completion;
/* Every command, in the order `pwpkg help` lists them (main.c). */
const cli_command *const *cli_commands(size_t *n);

/* "3MB" -> 3000000, "10MiB" -> 10485760; false on garbage. */
bool cli_parse_size(const char *text, uint64_t *out);

/* The core's entry point (main.c), the one symbol libpwpkg_core.so exports:
 * the executable (launch.c) looks it up by name. */
__attribute__((visibility("default"))) int pwpkg_core_main(int argc, char **argv);

#endif
