/* Private to cli/: what every command file shares. Only cli/ prints and
 * chooses exit codes. */
#ifndef PW_CLI_H
#define PW_CLI_H

#include "common.h"

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
} cli_command;

/* Options every command accepts; command option tables include these. */
enum cli_common_option {
    CLI_OPT_QUIET = 1000,
    CLI_OPT_VERBOSE,
    CLI_OPT_JSON,
    CLI_OPT_COLOR,
    CLI_OPT_NO_COLOR,
    CLI_OPT_HELP,
    CLI_OPT_FIRST_COMMAND_OPTION, /* commands number their own options from here */
};
#define CLI_COMMON_LONG_OPTIONS                                                                    \
    {"quiet", no_argument, NULL, CLI_OPT_QUIET}, {"verbose", no_argument, NULL, CLI_OPT_VERBOSE},  \
        {"json", no_argument, NULL, CLI_OPT_JSON}, {"color", optional_argument, NULL, CLI_OPT_COLOR}, \
        {"no-color", no_argument, NULL, CLI_OPT_NO_COLOR}, {"help", no_argument, NULL, CLI_OPT_HELP}

/* Handles a common option (or -q/-v/-h); returns false for any other. */
bool cli_common_option(cli_context *ctx, const cli_command *cmd, int opt, const char *arg,
                       int *exit_code);
/* Prints "pwpkg CMD: message" and the usage hint; returns CLI_EXIT_USAGE. */
int cli_usage_error(cli_context *ctx, const cli_command *cmd, const char *fmt, ...) PW_PRINTF(3, 4);
/* Prints an error (text or JSON) and maps the status to an exit code. */
int cli_fail(cli_context *ctx, const char *command, const pw_error *err);
int cli_exit_code(int status);
/* Installs the reporter matching the context (TTY, quiet, JSON). */
void cli_reporter_install(cli_context *ctx);
/* "\033[1m" style escapes, or "" when colour is off. */
const char *cli_style(const cli_context *ctx, const char *escape);
/* Parses a positive integer option value; false on garbage. */
bool cli_parse_count(const char *text, long min, long max, long *out);

/* The commands, one file each. */
extern const cli_command cli_cmd_lock;
extern const cli_command cli_cmd_tree;
extern const cli_command cli_cmd_why;

#endif
