/* pwpkg release: which Pyodide release a Worker runs, and why. */
#include "cli.h"
#include "resolver.h"

#include <cJSON.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char release_help[] =
    "usage: pwpkg release [--compat-date DATE] [--compat-flag FLAG]... [--env NAME]\n"
    "                     [-C DIR]\n"
    "\n"
    "Show the Pyodide release Cloudflare runs for a Worker, as workerd picks it from\n"
    "the compatibility date and flags: the release, its Python, the release whose\n"
    "package index pwpkg resolves against, the flag that decided, and where each\n"
    "value came from. Values come from the options, else from wrangler.json,\n"
    "wrangler.jsonc or wrangler.toml in DIR; each option replaces only its own key,\n"
    "as wrangler deploy's --compatibility-date and --compatibility-flags do.\n"
    "\n"
    "  --compat-date DATE   compatibility date (YYYY-MM-DD)\n"
    "  --compat-flag FLAG   compatibility flag (repeatable; replaces the config's)\n"
    "  --env NAME           apply the config's [env.NAME], as wrangler --env does\n"
    "  -C, --dir DIR        the Worker's directory (default: .)\n"
    "  --table              show the flag table instead (with --json: as JSON)\n"
    "  --json               the decision as JSON\n"
    "\n"
    "The flag table follows workerd " PW_COMPAT_WORKERD_VERSION " (docs/releases.md).\n"
    "\n"
    "exit codes: 0 ok, 2 usage or input error (bad date, bad config, missing env).\n";

enum {
    OPT_COMPAT_DATE = CLI_OPT_FIRST_COMMAND_OPTION,
    OPT_COMPAT_FLAG,
    OPT_ENV,
    OPT_TABLE,
};

typedef struct release_options {
    const char *date;
    pw_strlist flags;
    const char *env;
    const char *dir;
    bool table;
} release_options;

static const struct option release_long_options[] = {
    CLI_COMMON_LONG_OPTIONS,
    {"compat-date", required_argument, NULL, OPT_COMPAT_DATE},
    {"compat-flag", required_argument, NULL, OPT_COMPAT_FLAG},
    {"env", required_argument, NULL, OPT_ENV},
    {"dir", required_argument, NULL, 'C'},
    {"table", no_argument, NULL, OPT_TABLE},
    {NULL, 0, NULL, 0},
};

static int release_option(cli_context *ctx, void *state, int opt, const char *arg)
{
    (void)ctx;
    release_options *o = state;
    switch (opt) {
    case OPT_COMPAT_DATE: o->date = arg; break;
    case OPT_COMPAT_FLAG: pw_strlist_push(&o->flags, arg); break;
    case OPT_ENV: o->env = arg; break;
    case 'C': o->dir = arg; break;
    case OPT_TABLE: o->table = true; break;
    default: return CLI_OPTION_UNKNOWN;
    }
    return -1;
}

static int parse_release_options(cli_context *ctx, int argc, char **argv, release_options *o)
{
    cli_option_set set = {.options = release_long_options, .handle = release_option, .state = o};
    return cli_parse_options(ctx, &cli_cmd_release, argc, argv, &set);
}

static void describe_flag(const pw_release_selection *s, pw_buf *out)
{
    const pw_compat_choice *c = &s->choice;
    pw_buf_puts(out, c->flag->name);
    if (c->implied_by_date)
        pw_buf_printf(out, ", implied by the compatibility date (on from %s)",
                      c->flag->default_on);
    else if (strcmp(c->flag->name, "python_workers") == 0 &&
             !pw_strlist_contains(&s->flags, "python_workers"))
        pw_buf_puts(out, ", the base release (the flag itself is missing)");
    else if (strcmp(c->flag->name, "python_workers") == 0)
        pw_buf_puts(out, ", the base flag: no later flag is on");
    else
        pw_buf_printf(out, ", set in the flags");
}

static void print_text(const cli_context *ctx, const pw_release_selection *s)
{
    const pw_release_info *r = s->choice.release;
    pw_buf out = PW_BUF_INIT, why = PW_BUF_INIT, flags = PW_BUF_INIT;
    describe_flag(s, &why);
    for (size_t i = 0; i < s->flags.len; i++)
        pw_buf_printf(&flags, "%s%s", i ? ", " : "", s->flags.items[i]);
    pw_buf_printf(&out, "%sPyodide %s%s (Python %s, Emscripten %s, ABI %s)\n",
                  cli_style(ctx, "\033[1m"), r->version, cli_style(ctx, "\033[0m"), r->python,
                  r->emscripten, r->abi_version ? r->abi_version : "none");
    pw_buf_printf(&out, "  index release       %s%s\n", r->index_version,
                  strcmp(r->index_version, r->version) ? " (its pyodide-lock.json stands in)"
                                                       : "");
    pw_buf_printf(&out, "  decided by          %s\n", pw_buf_cstr(&why));
    pw_buf_printf(&out, "  compatibility date  %s  from %s\n", s->date, s->date_origin);
    pw_buf_printf(&out, "  compatibility flags %s  from %s\n",
                  flags.len ? pw_buf_cstr(&flags) : "(none)", s->flags_origin);
    if (s->env)
        pw_buf_printf(&out, "  environment         env.%s of %s\n", s->env, s->config_path);
    pw_buf_printf(&out, "  flag table          workerd %s\n", PW_COMPAT_WORKERD_VERSION);
    fputs(pw_buf_cstr(&out), stdout);
    pw_buf_free(&out);
    pw_buf_free(&why);
    pw_buf_free(&flags);
}

static void print_json(const pw_release_selection *s)
{
    const pw_release_info *r = s->choice.release;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "command", "release");
    cJSON_AddStringToObject(o, "release", r->version);
    cJSON_AddStringToObject(o, "python", r->python);
    cJSON_AddStringToObject(o, "emscripten", r->emscripten);
    if (r->abi_version)
        cJSON_AddStringToObject(o, "abi_version", r->abi_version);
    else
        cJSON_AddNullToObject(o, "abi_version");
    cJSON_AddStringToObject(o, "index_release", r->index_version);
    cJSON_AddStringToObject(o, "flag", s->choice.flag->name);
    cJSON_AddBoolToObject(o, "flag_implied_by_date", s->choice.implied_by_date);
    cJSON_AddStringToObject(o, "compatibility_date", s->date);
    cJSON_AddStringToObject(o, "compatibility_date_from", s->date_origin);
    cJSON *flags = cJSON_AddArrayToObject(o, "compatibility_flags");
    for (size_t i = 0; i < s->flags.len; i++)
        cJSON_AddItemToArray(flags, cJSON_CreateString(s->flags.items[i]));
    cJSON_AddStringToObject(o, "compatibility_flags_from", s->flags_origin);
    if (s->config_path)
        cJSON_AddStringToObject(o, "config", s->config_path);
    else
        cJSON_AddNullToObject(o, "config");
    if (s->env)
        cJSON_AddStringToObject(o, "env", s->env);
    else
        cJSON_AddNullToObject(o, "env");
    cJSON_AddStringToObject(o, "workerd", PW_COMPAT_WORKERD_VERSION);
    cli_print_json(o);
}

/* The table itself, for docs and for tests/cloudflare/workerd-table.sh. */
static void print_table(const cli_context *ctx)
{
    size_t n, n_other;
    const pw_compat_flag *flags = pw_compat_flags(&n);
    const char *const *other = pw_compat_other_python_flags(&n_other);
    pw_buf out = PW_BUF_INIT;
    if (ctx->json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "command", "release");
        cJSON_AddStringToObject(o, "workerd", PW_COMPAT_WORKERD_VERSION);
        cJSON *rows = cJSON_AddArrayToObject(o, "flags");
        for (size_t i = 0; i < n; i++) {
            cJSON *row = cJSON_CreateObject();
            cJSON_AddStringToObject(row, "name", flags[i].name);
            cJSON_AddStringToObject(row, "release", flags[i].release);
            if (flags[i].default_on)
                cJSON_AddStringToObject(row, "default_on", flags[i].default_on);
            else
                cJSON_AddNullToObject(row, "default_on");
            cJSON_AddItemToArray(rows, row);
        }
        cJSON *others = cJSON_AddArrayToObject(o, "other_python_flags");
        for (size_t i = 0; i < n_other; i++)
            cJSON_AddItemToArray(others, cJSON_CreateString(other[i]));
        pw_json_write(o, &out);
        cJSON_Delete(o);
    } else {
        pw_buf_printf(&out, "workerd %s, in field order (the last flag on wins):\n",
                      PW_COMPAT_WORKERD_VERSION);
        for (size_t i = 0; i < n; i++) {
            const pw_release_info *r = pw_release_lookup(flags[i].release);
            pw_buf_printf(&out, "  %-26s %-9s Python %-7s %s%s\n", flags[i].name,
                          flags[i].release, r ? r->python : "?",
                          flags[i].default_on ? "on from " : "only when set",
                          flags[i].default_on ? flags[i].default_on : "");
        }
    }
    fputs(pw_buf_cstr(&out), stdout);
    pw_buf_free(&out);
}

static int run_release(cli_context *ctx, int argc, char **argv)
{
    release_options o = {NULL, PW_STRLIST_INIT, NULL, ".", false};
    int exit_code = parse_release_options(ctx, argc, argv, &o);
    if (exit_code < 0 && o.table) {
        print_table(ctx);
        exit_code = CLI_EXIT_OK;
    } else if (exit_code < 0) {
        cli_reporter_install(ctx);
        pw_error err = {0};
        pw_release_selection sel;
        int rc = pw_release_select(o.dir, o.env, o.date, &o.flags, &sel, &err);
        if (rc) {
            exit_code = cli_fail(ctx, "release", &err);
        } else {
            if (ctx->json)
                print_json(&sel);
            else
                print_text(ctx, &sel);
            pw_release_selection_free(&sel);
            exit_code = CLI_EXIT_OK;
        }
        pw_error_clear(&err);
    }
    pw_strlist_free(&o.flags);
    return exit_code;
}

const cli_command cli_cmd_release = {
    .name = "release",
    .summary = "show the Pyodide release a Worker's compatibility date and flags select",
    .help = release_help,
    .run = run_release,
    .options = release_long_options,
};
