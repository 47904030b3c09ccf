/* cli_parse_options and cli_parse_global_options (cli/main.c), the one
 * option parser of every command: short options derived from each
 * command's table, the common and transfer groups, global options meaning
 * the same before and after the command, and the usage errors (exit 2,
 * the option named). The tables are the commands' own (cli_commands()). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_support.h"

#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ARGS 16

/* What the command's handler was given. */
typedef struct seen {
    int n;
    int opt[MAX_ARGS];
    char arg[MAX_ARGS][64];
} seen;

static int record(cli_context *ctx, void *state, int opt, const char *arg)
{
    (void)ctx;
    seen *s = state;
    if (s->n < MAX_ARGS) {
        s->opt[s->n] = opt;
        snprintf(s->arg[s->n], sizeof(s->arg[s->n]), "%s", arg ? arg : "(none)");
        s->n++;
    }
    return -1;
}

/* argv from a NULL-terminated list; getopt permutes it, so a copy. */
typedef struct args {
    int argc;
    char *argv[MAX_ARGS + 1];
    char store[MAX_ARGS][96];
} args;

static void args_set(args *a, const char *const *list)
{
    memset(a, 0, sizeof(*a));
    for (; *list && a->argc < MAX_ARGS; list++, a->argc++) {
        snprintf(a->store[a->argc], sizeof(a->store[a->argc]), "%s", *list);
        a->argv[a->argc] = a->store[a->argc];
    }
}

/* stderr of a call, through a temporary file. */
typedef struct capture {
    int saved;
    FILE *file;
} capture;

static void capture_start(capture *c)
{
    fflush(stderr);
    c->file = tmpfile();
    assert_non_null(c->file);
    c->saved = dup(STDERR_FILENO);
    assert_true(c->saved >= 0);
    assert_true(dup2(fileno(c->file), STDERR_FILENO) >= 0);
}

static char *capture_end(capture *c)
{
    fflush(stderr);
    dup2(c->saved, STDERR_FILENO);
    close(c->saved);
    long len = ftell(c->file);
    char *text = pw_xcalloc(1, (size_t)(len > 0 ? len : 0) + 1);
    rewind(c->file);
    if (len > 0 && fread(text, 1, (size_t)len, c->file) != (size_t)len)
        fail_msg("cannot read the captured stderr");
    fclose(c->file);
    return text;
}

static const cli_command *command(const char *name)
{
    size_t n = 0;
    const cli_command *const *all = cli_commands(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    fail_msg("no command %s", name);
    return NULL;
}

static bool is_common(int val)
{
    return val == 'q' || val == 'v' || val == 'h' ||
           (val >= CLI_OPT_QUIET && val <= CLI_OPT_HELP);
}

static bool is_transfer(int val)
{
    return val == 'j' || (val >= CLI_OPT_OFFLINE && val <= CLI_OPT_RETRIES);
}

/* The argv stays until the next call: option values (t->cache_dir...)
 * point into it, as they point into the real argv. */
static int parse(cli_context *ctx, const cli_command *cmd, const struct option *table,
                 pw_transfer_options *t, seen *s, int *first, const char *const *list)
{
    static args a;
    args_set(&a, list);
    cli_option_set set = {
        .options = table, .handle = record, .state = s, .transfer = t, .first_arg = first};
    return cli_parse_options(ctx, cmd, a.argc, a.argv, &set);
}

/* Every entry of a table that is the command's own reaches its handler,
 * by its long name and, when its value is a letter, as that short
 * option; with the value it needs. */
static void check_table(const cli_command *cmd, const struct option *table)
{
    for (const struct option *o = table; o->name; o++) {
        if (is_common(o->val) || is_transfer(o->val) || o->flag)
            continue;
        bool first_with_val = true;
        for (const struct option *p = table; p != o; p++)
            if (p->val == o->val)
                first_with_val = false;
        char long_form[96], short_form[3] = {'-', (char)o->val, '\0'};
        const char *value = o->has_arg == no_argument ? NULL : "VALUE";
        if (o->has_arg == optional_argument)
            snprintf(long_form, sizeof(long_form), "--%s=VALUE", o->name);
        else
            snprintf(long_form, sizeof(long_form), "--%s", o->name);
        const char *forms[2] = {long_form, o->val > 0 && o->val < 128 && pw_is_alpha(o->val) &&
                                                   first_with_val ? short_form : NULL};
        for (int f = 0; f < 2; f++) {
            if (!forms[f])
                continue;
            cli_context ctx = {.program = "pwpkg"};
            pw_transfer_options t = {0};
            seen s = {0};
            int first = 0;
            const char *list[] = {cmd->name, forms[f], value, NULL};
            if (o->has_arg == optional_argument)
                list[2] = NULL;
            int rc = parse(&ctx, cmd, table, &t, &s, &first, list);
            if (rc != -1 || s.n != 1 || s.opt[0] != o->val ||
                strcmp(s.arg[0], value ? value : "(none)") != 0)
                fail_msg("pwpkg %s %s%s%s: rc %d, %d options seen, first %d '%s' "
                         "(expected %d '%s')",
                         cmd->name, forms[f], o->has_arg == required_argument ? " " : "",
                         o->has_arg == required_argument ? value : "", rc, s.n, s.n ? s.opt[0] : 0,
                         s.n ? s.arg[0] : "", o->val, value ? value : "(none)");
        }
    }
}

static void test_every_command_table(void **state)
{
    (void)state;
    size_t n = 0;
    const cli_command *const *all = cli_commands(&n);
    assert_true(n > 10);
    size_t tables = 0;
    for (size_t i = 0; i < n; i++) {
        if (all[i]->options) {
            check_table(all[i], all[i]->options);
            tables++;
        }
        if (all[i]->takes_lock_options)
            check_table(all[i], cli_lock_option_table);
    }
    assert_true(tables > 10);
}

/* The letters of `pwpkg lock` and `pwpkg bundle`, by hand: the derived
 * short options really are these. */
static void test_short_options_by_hand(void **state)
{
    (void)state;
    const cli_command *lock = command("lock");
    cli_context ctx = {.program = "pwpkg"};
    pw_transfer_options t = {0};
    seen s = {0};
    int first = 0;
    const char *list[] = {"lock", "-r", "req.txt", "-oout.lock", "-i", "https://i/simple/",
                          "-U", "-j", "3", NULL};
    assert_int_equal(parse(&ctx, lock, cli_lock_option_table, &t, &s, &first, list), -1);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.opt[0], 'r');
    assert_string_equal(s.arg[0], "req.txt");
    assert_int_equal(s.opt[1], 'o');
    assert_string_equal(s.arg[1], "out.lock");
    assert_int_equal(s.opt[2], 'i');
    assert_string_equal(s.arg[2], "https://i/simple/");
    assert_int_equal(s.opt[3], 'U');
    assert_string_equal(s.arg[3], "(none)");
    assert_int_equal(t.jobs, 3); /* the transfer group, not the command */
}

static void test_common_group(void **state)
{
    (void)state;
    unsetenv("NO_COLOR");
    const cli_command *fetch = command("fetch");
    cli_context ctx = {.program = "pwpkg"};
    seen s = {0};
    int first = 0;
    const char *quiet[] = {"fetch", "--quiet", "--json", "--color=always", NULL};
    assert_int_equal(parse(&ctx, fetch, fetch->options, NULL, &s, &first, quiet), -1);
    assert_int_equal(ctx.verbosity, -1);
    assert_true(ctx.json);
    assert_true(ctx.color);
    assert_int_equal(s.n, 0); /* none reached the command */
    const char *verbose[] = {"fetch", "-v", "--verbose", "--no-color", NULL};
    ctx = (cli_context){.program = "pwpkg"};
    assert_int_equal(parse(&ctx, fetch, fetch->options, NULL, &s, &first, verbose), -1);
    assert_int_equal(ctx.verbosity, 2);
    assert_false(ctx.color);
    const char *never[] = {"fetch", "--color", "--color=never", NULL};
    assert_int_equal(parse(&ctx, fetch, fetch->options, NULL, &s, &first, never), -1);
    assert_false(ctx.color);
    assert_int_equal(s.n, 0);
}

static void test_transfer_group(void **state)
{
    (void)state;
    const cli_command *fetch = command("fetch");
    cli_context ctx = {.program = "pwpkg"};
    pw_transfer_options t = {0};
    seen s = {0};
    int first = 0;
    const char *list[] = {"fetch",       "--jobs",  "12",       "--offline", "--cache-dir",
                          "/c",          "--cert",  "/ca.pem",  "--refresh", "--proxy",
                          "http://p:3128", "--timeout", "9",    "--retries", "0",
                          NULL};
    assert_int_equal(parse(&ctx, fetch, fetch->options, &t, &s, &first, list), -1);
    assert_int_equal(t.jobs, 12);
    assert_true(t.offline);
    assert_string_equal(t.cache_dir, "/c");
    assert_string_equal(t.ca_file, "/ca.pem");
    assert_true(t.refresh);
    assert_string_equal(t.proxy, "http://p:3128");
    assert_int_equal(t.timeout_s, 9);
    assert_int_equal(t.retries, 0);
    assert_true(t.retries_given);
    assert_int_equal(s.n, 0);
    /* without a transfer struct they are the command's to take */
    const char *offline[] = {"fetch", "--offline", "-j", "2", NULL};
    assert_int_equal(parse(&ctx, fetch, fetch->options, NULL, &s, &first, offline), -1);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.opt[0], CLI_OPT_OFFLINE);
    assert_int_equal(s.opt[1], 'j');
    assert_string_equal(s.arg[1], "2");
}

typedef struct global_case {
    const char *opts[4];
} global_case;

/* `pwpkg OPTS CMD` and `pwpkg CMD OPTS` leave the same context, and so
 * does a mix of the two. */
static void test_global_before_and_after(void **state)
{
    (void)state;
    unsetenv("NO_COLOR");
    static const global_case cases[] = {
        {{"-q", "-v", NULL}},           {{"-v", "-q", NULL}},
        {{"-v", "-v", NULL}},           {{"--quiet", "--verbose", NULL}},
        {{"--json", "-q", NULL}},       {{"--color=always", NULL}},
        {{"--no-color", "--color", NULL}}, {{"--color=never", "-v", NULL}},
    };
    const cli_command *fetch = command("fetch");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *before[MAX_ARGS] = {"pwpkg"}, *after[MAX_ARGS] = {"pwpkg", "fetch"};
        int nb = 1, na = 2, nopts = 0;
        for (; cases[i].opts[nopts]; nopts++) {
            before[nb++] = cases[i].opts[nopts];
            after[na++] = cases[i].opts[nopts];
        }
        before[nb++] = "fetch";
        before[nb] = after[na] = NULL;

        cli_context ctx_before = {.program = "pwpkg"}, ctx_after = ctx_before;
        cli_global_options g;
        args a;
        args_set(&a, before);
        assert_int_equal(cli_parse_global_options(&ctx_before, a.argc, a.argv, &g), -1);
        assert_int_equal(g.command, nb - 1);
        assert_false(g.version || g.help);
        pw_transfer_options t = {0};
        seen s = {0};
        int first = 0;
        const char *cmd_only[] = {"fetch", NULL};
        assert_int_equal(parse(&ctx_before, fetch, fetch->options, &t, &s, &first, cmd_only), -1);

        args_set(&a, after);
        assert_int_equal(cli_parse_global_options(&ctx_after, a.argc, a.argv, &g), -1);
        assert_int_equal(g.command, 1);
        assert_int_equal(parse(&ctx_after, fetch, fetch->options, &t, &s, &first, after + 1), -1);

        if (ctx_before.verbosity != ctx_after.verbosity || ctx_before.json != ctx_after.json ||
            ctx_before.color != ctx_after.color)
            fail_msg("case %zu (%s ...): before the command verbosity %d json %d color %d, after "
                     "it %d %d %d",
                     i, cases[i].opts[0], ctx_before.verbosity, ctx_before.json, ctx_before.color,
                     ctx_after.verbosity, ctx_after.json, ctx_after.color);
    }
    /* -q -v is verbose (1) either way, as is a split `pwpkg -q fetch -v` */
    cli_context ctx = {.program = "pwpkg"};
    cli_global_options g;
    args a;
    const char *split[] = {"pwpkg", "-q", "fetch", "-v", NULL};
    args_set(&a, split);
    assert_int_equal(cli_parse_global_options(&ctx, a.argc, a.argv, &g), -1);
    assert_int_equal(g.command, 2);
    assert_int_equal(ctx.verbosity, -1);
    pw_transfer_options t = {0};
    seen s = {0};
    int first = 0;
    assert_int_equal(parse(&ctx, fetch, fetch->options, &t, &s, &first, split + 2), -1);
    assert_int_equal(ctx.verbosity, 1);
}

static void test_global_version_help_and_errors(void **state)
{
    (void)state;
    cli_context ctx = {.program = "pwpkg"};
    cli_global_options g;
    args a;
    const char *version[] = {"pwpkg", "--version", "--bogus", NULL};
    args_set(&a, version);
    assert_int_equal(cli_parse_global_options(&ctx, a.argc, a.argv, &g), -1);
    assert_true(g.version);
    const char *help[] = {"pwpkg", "-h", NULL};
    args_set(&a, help);
    assert_int_equal(cli_parse_global_options(&ctx, a.argc, a.argv, &g), -1);
    assert_true(g.help);
    const char *none[] = {"pwpkg", "-v", NULL};
    args_set(&a, none);
    assert_int_equal(cli_parse_global_options(&ctx, a.argc, a.argv, &g), -1);
    assert_int_equal(g.command, 2); /* argc: no command */

    const char *bogus[] = {"pwpkg", "--bogus", "fetch", NULL};
    args_set(&a, bogus);
    capture c;
    capture_start(&c);
    int rc = cli_parse_global_options(&ctx, a.argc, a.argv, &g);
    char *err = capture_end(&c);
    assert_int_equal(rc, CLI_EXIT_USAGE);
    assert_non_null(strstr(err, "pwpkg: unknown option '--bogus'"));
    free(err);
    const char *color[] = {"pwpkg", "--color=purple", "fetch", NULL};
    args_set(&a, color);
    capture_start(&c);
    rc = cli_parse_global_options(&ctx, a.argc, a.argv, &g);
    err = capture_end(&c);
    assert_int_equal(rc, CLI_EXIT_USAGE);
    assert_non_null(strstr(err, "--color takes always, never or auto, not 'purple'"));
    free(err);
}

typedef struct usage_case {
    const char *command;
    const char *argv[4];
    const char *message;
} usage_case;

static void test_usage_errors(void **state)
{
    (void)state;
    static const usage_case cases[] = {
        {"fetch", {"--bogus", NULL}, "pwpkg fetch: unknown option '--bogus'"},
        {"fetch", {"-Z", NULL}, "pwpkg fetch: unknown option '-Z'"},
        {"fetch", {"--lock", NULL}, "pwpkg fetch: option '--lock' needs a value"},
        {"fetch", {"--cache-dir", NULL}, "pwpkg fetch: option '--cache-dir' needs a value"},
        {"fetch", {"-j", NULL}, "pwpkg fetch: option '-j' needs a value"},
        {"fetch", {"-j", "0", NULL}, "pwpkg fetch: --jobs takes a number from 1 to 256"},
        {"fetch", {"stray", NULL}, "pwpkg fetch: unexpected argument 'stray'"},
        {"bundle", {"-o", NULL}, "pwpkg bundle: option '-o' needs a value"},
        {"lock", {"--output", NULL}, "pwpkg lock: option '--output' needs a value"},
        {"lock", {"--no-such", "x", NULL}, "pwpkg lock: unknown option '--no-such'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const cli_command *cmd = command(cases[i].command);
        const struct option *table = cmd->options ? cmd->options : cli_lock_option_table;
        const char *list[MAX_ARGS] = {cases[i].command};
        int n = 1;
        for (int k = 0; cases[i].argv[k]; k++)
            list[n++] = cases[i].argv[k];
        list[n] = NULL;
        cli_context ctx = {.program = "pwpkg"};
        pw_transfer_options t = {0};
        seen s = {0};
        capture c;
        capture_start(&c);
        int rc = parse(&ctx, cmd, table, &t, &s, NULL, list);
        char *err = capture_end(&c);
        if (rc != CLI_EXIT_USAGE || !strstr(err, cases[i].message))
            fail_msg("pwpkg %s %s: exit %d, stderr \"%s\"; expected exit 2 and \"%s\"",
                     cases[i].command, cases[i].argv[0], rc, err, cases[i].message);
        assert_non_null(strstr(err, "(run `pwpkg help "));
        free(err);
    }
}

/* Arguments that are not options are collected wherever they stand. */
static void test_positionals(void **state)
{
    (void)state;
    const cli_command *fetch = command("fetch");
    cli_context ctx = {.program = "pwpkg"};
    pw_transfer_options t = {0};
    seen s = {0};
    int first = -1;
    args a;
    const char *list[] = {"fetch", "one", "--lock", "x.lock", "two", "-q", NULL};
    args_set(&a, list);
    cli_option_set set = {.options = fetch->options, .handle = record, .state = &s, .transfer = &t,
                          .first_arg = &first};
    assert_int_equal(cli_parse_options(&ctx, fetch, a.argc, a.argv, &set), -1);
    assert_int_equal(a.argc - first, 2);
    assert_string_equal(a.argv[first], "one");
    assert_string_equal(a.argv[first + 1], "two");
    assert_int_equal(s.n, 1);
    assert_string_equal(s.arg[0], "x.lock");
    assert_int_equal(ctx.verbosity, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_command_table),
        cmocka_unit_test(test_short_options_by_hand),
        cmocka_unit_test(test_common_group),
        cmocka_unit_test(test_transfer_group),
        cmocka_unit_test(test_global_before_and_after),
        cmocka_unit_test(test_global_version_help_and_errors),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_positionals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
