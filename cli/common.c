#include "cli.h"
#include "fetch.h"

#include <cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_exit_code(int status)
{
    static const int exit_codes[] = {
        [PW_STATUS_OK] = CLI_EXIT_OK,
        [PW_STATUS_FOUND] = CLI_EXIT_CHECK,
        [PW_STATUS_INPUT] = CLI_EXIT_USAGE,
        [PW_STATUS_IO] = CLI_EXIT_IO,
    };
    return exit_codes[pw_status_classify(status)];
}

const char *cli_style(const cli_context *ctx, const char *escape)
{
    return ctx->color ? escape : "";
}

int cli_lock_path_option(cli_context *ctx, void *state, int opt, const char *arg)
{
    (void)ctx;
    if (opt != CLI_OPT_LOCK)
        return CLI_OPTION_UNKNOWN;
    *(const char **)state = arg;
    return -1;
}

bool cli_common_option(cli_context *ctx, const cli_command *cmd, int opt, const char *arg,
                       int *exit_code)
{
    const char *no_color = getenv("NO_COLOR");
    switch (opt) {
    case 'q':
    case CLI_OPT_QUIET:
        ctx->verbosity = -1;
        return true;
    case 'v':
    case CLI_OPT_VERBOSE:
        ctx->verbosity = ctx->verbosity < 0 ? 1 : ctx->verbosity + 1;
        return true;
    case CLI_OPT_JSON:
        ctx->json = true;
        return true;
    case CLI_OPT_NO_COLOR:
        ctx->color = false;
        return true;
    case CLI_OPT_COLOR:
        if (!arg || strcmp(arg, "always") == 0)
            ctx->color = !(no_color && *no_color);
        else if (strcmp(arg, "never") == 0)
            ctx->color = false;
        else if (strcmp(arg, "auto") == 0)
            ctx->color = isatty(STDERR_FILENO) && !(no_color && *no_color);
        else
            *exit_code = cli_usage_error(ctx, cmd, "--color takes always, never or auto, not '%s'",
                                         arg);
        return true;
    case 'h':
    case CLI_OPT_HELP:
        if (!cmd)
            return false; /* main.c prints the overview */
        fputs(cmd->help, stdout);
        *exit_code = CLI_EXIT_OK;
        return true;
    default:
        return false;
    }
}

int cli_usage_error(cli_context *ctx, const cli_command *cmd, const char *fmt, ...)
{
    pw_buf msg = PW_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    if (ctx->json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "command", cmd ? cmd->name : "");
        cJSON_AddStringToObject(o, "status", "error");
        cJSON_AddStringToObject(o, "error", "usage");
        cJSON_AddNumberToObject(o, "exit_code", CLI_EXIT_USAGE);
        cJSON_AddStringToObject(o, "message", pw_buf_cstr(&msg));
        cli_print_json(o);
    } else if (!cmd) {
        fprintf(stderr, "pwpkg: %s\n(run `pwpkg --help`)\n", pw_buf_cstr(&msg));
    } else {
        fprintf(stderr, "pwpkg %s: %s\n(run `pwpkg help %s`)\n", cmd->name, pw_buf_cstr(&msg),
                cmd->name);
    }
    pw_buf_free(&msg);
    return CLI_EXIT_USAGE;
}

/* Messages carry untrusted text (names and fields from wheels, indexes,
 * locks): every byte that would drive the terminal (ESC, BEL, CR, DEL and
 * the other C0 controls) is written as \xNN. Newlines separate a message's
 * lines and stay. Messages, warnings and verify's problems reach the
 * terminal through here. */
void cli_print_untrusted(FILE *out, const char *text, size_t len)
{
    pw_buf shown = PW_BUF_INIT;
    pw_escape_untrusted(&shown, text, len);
    fwrite(pw_buf_cstr(&shown), 1, shown.len, out);
    pw_buf_free(&shown);
}

int cli_fail(cli_context *ctx, const char *command, const pw_error *err)
{
    int code = cli_exit_code(err->code ? err->code : PW_EIO);
    if (ctx->json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "command", command);
        cJSON_AddStringToObject(o, "status", "error");
        cJSON_AddStringToObject(o, "error", pw_status_name(err->code));
        cJSON_AddNumberToObject(o, "exit_code", code);
        cJSON_AddStringToObject(o, "message", pw_error_message(err));
        cli_print_json(o);
        return code;
    }
    /* Multi-line messages list one problem per line: indent the rest. */
    const char *msg = pw_error_message(err);
    const char *nl = strchr(msg, '\n');
    fprintf(stderr, "%serror%s: ", cli_style(ctx, "\033[1;31m"), cli_style(ctx, "\033[0m"));
    if (!nl) {
        cli_print_untrusted(stderr, msg, strlen(msg));
        fputc('\n', stderr);
        return code;
    }
    fprintf(stderr, "pwpkg %s failed (%s):\n", command, pw_status_name(err->code));
    for (const char *line = msg; line && *line;) {
        nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        fputs("  ", stderr);
        cli_print_untrusted(stderr, line, len);
        fputc('\n', stderr);
        line = nl ? nl + 1 : NULL;
    }
    return code;
}

bool cli_parse_count(const char *text, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || !end || *end || end == text || v < min || v > max)
        return false;
    *out = v;
    return true;
}

void cli_print_json(cJSON *root)
{
    pw_buf out = PW_BUF_INIT;
    pw_json_write(root, &out);
    fputs(pw_buf_cstr(&out), stdout);
    pw_buf_free(&out);
    cJSON_Delete(root);
}

/* ----------------------------------------------------------- reporter */

static void report_message(void *opaque, enum pw_report_level level, const char *text)
{
    cli_context *ctx = opaque;
    if (level == PW_REPORT_DEBUG && ctx->verbosity < 1)
        return;
    if (level == PW_REPORT_INFO && ctx->verbosity < 0)
        return;
    if (ctx->json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "level", level == PW_REPORT_WARN    ? "warning"
                                            : level == PW_REPORT_INFO ? "info"
                                                                      : "debug");
        cJSON_AddStringToObject(o, "message", text);
        char *line = cJSON_PrintUnformatted(o);
        fprintf(stderr, "%s\n", line);
        free(line);
        cJSON_Delete(o);
        return;
    }
    if (level == PW_REPORT_WARN)
        fprintf(stderr, "%swarning%s: ", cli_style(ctx, "\033[1;33m"), cli_style(ctx, "\033[0m"));
    cli_print_untrusted(stderr, text, strlen(text));
    fputc('\n', stderr);
}

static void report_progress(void *opaque, const pw_progress_event *event)
{
    cli_progress_event(opaque, event);
}

void cli_reporter_install(cli_context *ctx)
{
    static pw_reporter reporter;
    ctx->progress = isatty(STDERR_FILENO) && ctx->verbosity >= 0 && !ctx->json;
    reporter.message = report_message;
    reporter.progress = report_progress;
    reporter.ctx = ctx;
    pw_reporter_set(&reporter);
}

/* ------------------------------------------------- transfers and sizes */

int cli_parse_transfer_option(cli_context *ctx, const cli_command *cmd, int opt, const char *arg,
                              pw_transfer_options *t)
{
    long jobs = 0;
    switch (opt) {
    case 'j':
        if (!cli_parse_count(arg, 1, 256, &jobs))
            return cli_usage_error(ctx, cmd, "--jobs takes a number from 1 to 256");
        t->jobs = (int)jobs;
        return 0;
    case CLI_OPT_OFFLINE:
        t->offline = true;
        return 0;
    case CLI_OPT_CACHE_DIR:
        t->cache_dir = arg;
        return 0;
    case CLI_OPT_CERT:
        t->ca_file = arg;
        return 0;
    case CLI_OPT_REFRESH:
        t->refresh = true;
        return 0;
    case CLI_OPT_PROXY:
        t->proxy = arg;
        return 0;
    case CLI_OPT_NET_TIMEOUT: {
        long seconds = 0;
        if (!cli_parse_count(arg, 1, 3600, &seconds))
            return cli_usage_error(ctx, cmd, "--timeout takes seconds from 1 to 3600");
        t->timeout_s = seconds;
        return 0;
    }
    case CLI_OPT_RETRIES: {
        long retries = 0;
        if (!cli_parse_count(arg, 0, 100, &retries))
            return cli_usage_error(ctx, cmd, "--retries takes a number from 0 to 100");
        t->retries = (int)retries;
        t->retries_given = true;
        return 0;
    }
    default:
        return -1;
    }
}

bool cli_parse_size(const char *text, uint64_t *out)
{
    static const struct {
        const char *suffix;
        uint64_t factor;
    } units[] = {
        {"", 1},          {"B", 1},           {"K", 1000},        {"KB", 1000},
        {"kB", 1000},     {"M", 1000000},     {"MB", 1000000},    {"G", 1000000000},
        {"GB", 1000000000}, {"KiB", 1024},    {"MiB", 1048576},   {"GiB", 1073741824},
    };
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    if (errno || end == text || !isfinite(value) || value < 0)
        return false;
    while (*end == ' ')
        end++;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].suffix) == 0) {
            double bytes = value * (double)units[i].factor;
            if (bytes >= 18446744073709551616.0) /* 2^64: the conversion would be undefined */
                return false;
            *out = (uint64_t)bytes;
            return true;
        }
    }
    return false;
}

