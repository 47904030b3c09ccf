/* The Pyodide release table, the Cloudflare compatibility mapping, and
 * reading wrangler.toml / wrangler.json / wrangler.jsonc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "release.h"

/* ---------------------------------------------------------- release table */

typedef struct release_case {
    const char *version, *python, *emscripten, *abi, *index;
} release_case;

/* PYODIDE-FACTS.md: one line per release series, patch releases as
 * published on npm, plus Cloudflare's runtime-only 0.26.0a2. */
static const release_case release_cases[] = {
    {"0.25.0", "3.11.3", "3.1.46", NULL, "0.25.0"},
    {"0.25.1", "3.11.3", "3.1.46", NULL, "0.25.1"},
    {"0.26.0a2", "3.12.1", "3.1.52", "2024_0", "0.27.7"},
    {"0.26.0", "3.12.1", "3.1.58", "2024_0", "0.26.0"},
    {"0.26.1", "3.12.1", "3.1.58", "2024_0", "0.26.1"},
    {"0.26.2", "3.12.1", "3.1.58", "2024_0", "0.26.2"},
    {"0.26.3", "3.12.1", "3.1.58", "2024_0", "0.26.3"},
    {"0.26.4", "3.12.1", "3.1.58", "2024_0", "0.26.4"},
    {"0.27.0", "3.12.7", "3.1.58", "2024_0", "0.27.0"},
    {"0.27.1", "3.12.7", "3.1.58", "2024_0", "0.27.1"},
    {"0.27.2", "3.12.7", "3.1.58", "2024_0", "0.27.2"},
    {"0.27.3", "3.12.7", "3.1.58", "2024_0", "0.27.3"},
    {"0.27.4", "3.12.7", "3.1.58", "2024_0", "0.27.4"},
    {"0.27.5", "3.12.7", "3.1.58", "2024_0", "0.27.5"},
    {"0.27.6", "3.12.7", "3.1.58", "2024_0", "0.27.6"},
    {"0.27.7", "3.12.7", "3.1.58", "2024_0", "0.27.7"},
    {"0.27.8", "3.12.7", "3.1.58", "2024_0", "0.27.8"},
    {"0.28.0", "3.13.2", "4.0.9", "2025_0", "0.28.0"},
    {"0.28.1", "3.13.2", "4.0.9", "2025_0", "0.28.1"},
    {"0.28.2", "3.13.2", "4.0.9", "2025_0", "0.28.3"},
    {"0.28.3", "3.13.2", "4.0.9", "2025_0", "0.28.3"},
    {"0.29.0", "3.13.2", "4.0.9", "2025_0", "0.29.0"},
    {"0.29.1", "3.13.2", "4.0.9", "2025_0", "0.29.1"},
    {"0.29.2", "3.13.2", "4.0.9", "2025_0", "0.29.2"},
    {"0.29.3", "3.13.2", "4.0.9", "2025_0", "0.29.3"},
    {"0.29.4", "3.13.2", "4.0.9", "2025_0", "0.29.4"},
    {"0.29.5", "3.13.2", "4.0.9", "2025_0", "0.29.5"},
    {"314.0.0", "3.14.2", "5.0.3", "2026_0", "314.0.0"},
    {"314.0.1", "3.14.2", "5.0.3", "2026_0", "314.0.1"},
    {"314.0.2", "3.14.2", "5.0.3", "2026_0", "314.0.2"},
    {"314.0.3", "3.14.2", "5.0.3", "2026_0", "314.0.3"},
    {"314.0.4", "3.14.2", "5.0.3", "2026_0", "314.0.2"},
    {"314.0.5", "3.14.2", "5.0.3", "2026_0", "314.0.2"},
    {"314.0.6", "3.14.2", "5.0.3", "2026_0", "314.0.6"},
    {"314.0.7", "3.14.2", "5.0.3", "2026_0", "314.0.7"},
};

#define N_RELEASES (sizeof(release_cases) / sizeof(release_cases[0]))

static void test_lookup_known_releases(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_RELEASES; i++) {
        const release_case *c = &release_cases[i];
        const pw_release_info *r = pw_release_lookup(c->version);
        if (!r)
            fail_msg("release %s unknown", c->version);
        assert_string_equal(r->version, c->version);
        assert_string_equal(r->python, c->python);
        assert_string_equal(r->emscripten, c->emscripten);
        if (c->abi)
            assert_string_equal(r->abi_version, c->abi);
        else
            assert_null(r->abi_version);
        assert_string_equal(r->index_version, c->index);
        /* A stand-in index is itself a known release with the same ABI. */
        const pw_release_info *idx = pw_release_lookup(r->index_version);
        assert_non_null(idx);
        assert_string_equal(idx->index_version, idx->version);
        if (c->abi)
            assert_string_equal(idx->abi_version, c->abi);
    }
    size_t count = 0;
    const pw_release_info *all = pw_release_all(&count);
    assert_int_equal(count, N_RELEASES);
    for (size_t i = 0; i < count; i++)
        assert_ptr_equal(pw_release_lookup(all[i].version), &all[i]);
}

static void test_lookup_unknown_releases(void **state)
{
    (void)state;
    static const char *const unknown[] = {"0.24.1", "0.25.2", "0.26.5", "0.27.9", "0.28.4",
                                          "0.29.6", "314.0.8", "0.27", "v0.27.7", "0.27.7 ",
                                          "0.26.0a1", "", "latest"};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
        if (pw_release_lookup(unknown[i]))
            fail_msg("'%s' should be unknown", unknown[i]);
    assert_null(pw_release_lookup(NULL));
}

/* ------------------------------------------------------- compat mapping */

typedef struct captured {
    int warnings;
    pw_buf text;
} captured;

static void capture(void *ctx, enum pw_report_level level, const char *text)
{
    captured *c = ctx;
    if (level == PW_REPORT_WARN) {
        c->warnings++;
        pw_buf_puts(&c->text, text);
        pw_buf_putc(&c->text, '\n');
    }
}

/* Static, so that a failed assertion (a longjmp) never leaves the global
 * reporter pointing into a dead stack frame. */
static captured cap = {0, PW_BUF_INIT};
static const pw_reporter capturing = {capture, NULL, &cap};

static void start_capture(void)
{
    cap.warnings = 0;
    pw_buf_reset(&cap.text);
    pw_reporter_set(&capturing);
}

static void split_flags(const char *csv, pw_strlist *out)
{
    const char *p = csv;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        pw_strlist_push_owned(out, pw_xstrndup(p, n));
        p += n + (comma ? 1 : 0);
    }
}

typedef struct compat_case {
    const char *date;
    const char *flags; /* comma-separated */
    const char *release;
    const char *decisive;
    const char *warning; /* substring of the expected warning, or NULL for none */
} compat_case;

/* Each case checked against workerd 1.20261117.1 (the bundle it asks for);
 * tests/cli/workers_oracle.sh runs the binary over a wider grid. */
static const compat_case compat_cases[] = {
    /* Base flag alone, before the 3.13 default date. */
    {"2024-01-01", "python_workers", "0.26.0a2", "python_workers", NULL},
    {"2025-09-28", "python_workers", "0.26.0a2", "python_workers", NULL},
    /* python_workers_20250116 is implied from 2025-09-29 on. */
    {"2025-09-29", "python_workers", "0.28.2", "python_workers_20250116", NULL},
    {"2026-09-07", "python_workers", "0.28.2", "python_workers_20250116", NULL},
    /* python_workers_314 from 2026-09-08 on. */
    {"2026-09-08", "python_workers", "314.0.6", "python_workers_314", NULL},
    {"2026-11-01", "python_workers", "314.0.6", "python_workers_314", NULL},
    {"2028-02-29", "python_workers", "314.0.6", "python_workers_314", NULL},
    /* ...unless disabled with their no_ flags. */
    {"2025-09-29", "python_workers,no_python_workers_20250116", "0.26.0a2", "python_workers",
     NULL},
    {"2026-11-01", "python_workers,no_python_workers_314", "0.28.2", "python_workers_20250116",
     NULL},
    {"2027-01-01", "no_python_workers_20250116,python_workers", "314.0.6", "python_workers_314",
     NULL},
    {"2027-01-01", "no_python_workers_20250116,python_workers,no_python_workers_314",
     "0.26.0a2", "python_workers", NULL},
    /* Set explicitly before their dates. */
    {"2024-06-01", "python_workers,python_workers_20250116", "0.28.2", "python_workers_20250116",
     NULL},
    {"2024-06-01", "python_workers,python_workers_314", "314.0.6", "python_workers_314", NULL},
    /* 20260610 only when set, never from the date. */
    {"2026-07-01", "python_workers", "0.28.2", "python_workers_20250116", NULL},
    {"2024-01-01", "python_workers,python_workers_20260610", "314.0.4", "python_workers_20260610",
     NULL},
    {"2026-07-01", "python_workers_20260610,python_workers", "314.0.4", "python_workers_20260610",
     NULL},
    {"2026-11-01", "python_workers,no_python_workers_314,python_workers_20260610", "314.0.4",
     "python_workers_20260610", NULL},
    /* Highest field number wins, whatever the order of the flags:
     * python_workers_314 comes after python_workers_20260610. */
    {"2025-10-01", "python_workers,python_workers_20260610,python_workers_20250116", "314.0.4",
     "python_workers_20260610", NULL},
    {"2026-11-01", "python_workers,python_workers_20260610", "314.0.6", "python_workers_314",
     NULL},
    {"2024-01-01", "python_workers_314,python_workers,python_workers_20260610", "314.0.6",
     "python_workers_314", NULL},
    /* A Python flag this workerd does not know: a warning, no effect. */
    {"2024-01-01", "python_workers,python_workers_20260817", "0.26.0a2", "python_workers",
     "unknown to workerd 1.20261117.1"},
    {"2025-09-29", "python_workers,no_python_workers_20260817", "0.28.2",
     "python_workers_20250116", "\"no_python_workers_20260817\" is unknown"},
    /* Other flags do not matter. */
    {"2025-01-01", "nodejs_compat,python_workers", "0.26.0a2", "python_workers", NULL},
    /* No python_workers: resolve anyway, with a warning. */
    {"2024-01-01", "", "0.26.0a2", "python_workers", "need it"},
    {"2025-09-29", "nodejs_compat", "0.28.2", "python_workers_20250116", "need it"},
    {"2024-01-01", "python_workers_20260610", "314.0.4", "python_workers_20260610", "need it"},
};

static void test_compat_mapping(void **state)
{
    (void)state;
    start_capture();
    for (size_t i = 0; i < sizeof(compat_cases) / sizeof(compat_cases[0]); i++) {
        const compat_case *c = &compat_cases[i];
        pw_strlist flags = PW_STRLIST_INIT;
        split_flags(c->flags, &flags);
        cap.warnings = 0;
        pw_buf_reset(&cap.text);
        const pw_release_info *r = NULL;
        const char *decisive = NULL;
        pw_error err = {0};
        int rc = pw_release_from_compat(c->date, &flags, &r, &decisive, &err);
        if (rc != PW_OK)
            fail_msg("compat case %zu: %s", i, pw_error_message(&err));
        assert_non_null(r);
        if (strcmp(r->version, c->release) != 0 || strcmp(decisive, c->decisive) != 0)
            fail_msg("compat case %zu (%s, %s): got %s by %s, expected %s by %s", i, c->date,
                     c->flags, r->version, decisive, c->release, c->decisive);
        if (c->warning) {
            if (cap.warnings != 1 || !strstr(pw_buf_cstr(&cap.text), c->warning))
                fail_msg("compat case %zu: expected one warning with '%s', got %d: %s", i,
                         c->warning, cap.warnings, pw_buf_cstr(&cap.text));
        } else if (cap.warnings != 0) {
            fail_msg("compat case %zu: unexpected warning %s", i, pw_buf_cstr(&cap.text));
        }
        pw_strlist_free(&flags);
    }
    /* The warning names the flag Python Workers need. */
    pw_strlist none = PW_STRLIST_INIT;
    const pw_release_info *r;
    pw_buf_reset(&cap.text);
    PW_ASSERT_OK(pw_release_from_compat("2024-01-01", &none, &r, NULL, NULL), NULL);
    assert_non_null(strstr(pw_buf_cstr(&cap.text), "\"python_workers\""));
    /* NULL flags read as none. */
    PW_ASSERT_OK(pw_release_from_compat("2025-09-29", NULL, &r, NULL, NULL), NULL);
    assert_string_equal(r->version, "0.28.2");
    pw_reporter_set(NULL);
}

/* What the chosen release resolves against. */
static void test_compat_index_stand_ins(void **state)
{
    (void)state;
    static const struct {
        const char *flags, *index;
    } cases[] = {
        {"python_workers", "0.27.7"},
        {"python_workers,python_workers_20250116", "0.28.3"},
        {"python_workers,python_workers_20260610", "314.0.2"},
        {"python_workers,python_workers_314", "314.0.6"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pw_strlist flags = PW_STRLIST_INIT;
        split_flags(cases[i].flags, &flags);
        const pw_release_info *r;
        PW_ASSERT_OK(pw_release_from_compat("2024-01-01", &flags, &r, NULL, NULL), NULL);
        assert_string_equal(r->index_version, cases[i].index);
        pw_strlist_free(&flags);
    }
}

static void test_compat_errors(void **state)
{
    (void)state;
    static const char *const bad_dates[] = {"2025-9-29", "2025/09/29", "2025-02-29", "2025-13-01",
                                            "2025-00-10", "2025-04-31", "2025-09-29x", "20250929",
                                            "", "2025-09-2a", " 2025-09-29", "1900-02-29"};
    pw_strlist flags = PW_STRLIST_INIT;
    pw_strlist_push(&flags, "python_workers");
    for (size_t i = 0; i < sizeof(bad_dates) / sizeof(bad_dates[0]); i++) {
        const pw_release_info *r = (const pw_release_info *)&r;
        const char *decisive = "x";
        pw_error err = {0};
        if (pw_release_from_compat(bad_dates[i], &flags, &r, &decisive, &err) != PW_EINVAL)
            fail_msg("date '%s' accepted", bad_dates[i]);
        assert_null(r);
        assert_null(decisive);
        assert_non_null(strstr(pw_error_message(&err), "expected a calendar date YYYY-MM-DD"));
        assert_non_null(strstr(pw_error_message(&err), bad_dates[i]));
        pw_error_clear(&err);
    }
    const pw_release_info *r;
    pw_error err = {0};
    assert_int_equal(pw_release_from_compat(NULL, &flags, &r, NULL, &err), PW_EINVAL);
    pw_error_clear(&err);

    /* A flag and its no_ form together: workerd rejects that too. */
    pw_strlist_push(&flags, "python_workers_20250116");
    pw_strlist_push(&flags, "no_python_workers_20250116");
    assert_int_equal(pw_release_from_compat("2025-10-01", &flags, &r, NULL, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "'python_workers_20250116' and "
                                                   "'no_python_workers_20250116' contradict"));
    pw_error_clear(&err);
    pw_strlist_free(&flags);
}

/* ------------------------------------------------------ wrangler configs */

static char *make_temp_dir(void)
{
    return pw_test_tempdir("release");
}

static void put_file(const char *dir, const char *name, const char *text)
{
    char *path = pw_path_join(dir, name);
    pw_error err = {0};
    PW_ASSERT_OK(pw_write_file_atomic(path, text, strlen(text), &err), &err);
    free(path);
}

static void drop_file(const char *dir, const char *name)
{
    char *path = pw_path_join(dir, name);
    remove(path);
    free(path);
}

static void assert_flags(const pw_wrangler_config *c, const char *csv)
{
    pw_strlist want = PW_STRLIST_INIT;
    split_flags(csv, &want);
    assert_int_equal(c->compatibility_flags.len, want.len);
    for (size_t i = 0; i < want.len; i++)
        assert_string_equal(c->compatibility_flags.items[i], want.items[i]);
    pw_strlist_free(&want);
}

static void test_wrangler_read_dir(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    pw_wrangler_config cfg;
    pw_error err = {0};

    assert_int_equal(pw_wrangler_read_dir(dir, NULL, &cfg, &err), PW_ENOTFOUND);
    assert_non_null(strstr(pw_error_message(&err), "no wrangler.json, wrangler.jsonc or "
                                                   "wrangler.toml"));
    pw_error_clear(&err);

    put_file(dir, "wrangler.toml",
             "name = \"worker\"\nmain = \"src/entry.py\"\ncompatibility_date = \"2025-09-29\"\n"
             "compatibility_flags = [\"python_workers\"]\n\n[env.staging]\n"
             "compatibility_date = \"2020-01-01\"\ncompatibility_flags = [\"other\"]\n");
    PW_ASSERT_OK(pw_wrangler_read_dir(dir, NULL, &cfg, &err), &err);
    assert_true(pw_slice_ends_with(pw_slice_from(cfg.path), "/wrangler.toml"));
    assert_string_equal(cfg.compatibility_date, "2025-09-29");
    assert_flags(&cfg, "python_workers");
    const pw_release_info *r;
    PW_ASSERT_OK(pw_release_from_compat(cfg.compatibility_date, &cfg.compatibility_flags, &r,
                                        NULL, &err), &err);
    assert_string_equal(r->version, "0.28.2");
    pw_wrangler_config_free(&cfg);

    /* wrangler.jsonc is read before wrangler.toml, as Wrangler does, with a
     * warning about the one ignored. */
    start_capture();
    put_file(dir, "wrangler.jsonc",
             "// Worker\n{\n  \"name\": \"worker\", /* inline */\n"
             "  \"compatibility_date\": \"2024-05-01\",\n"
             "  \"compatibility_flags\": [\"python_workers\", \"nodejs_compat\",],\n}\n");
    PW_ASSERT_OK(pw_wrangler_read_dir(dir, NULL, &cfg, &err), &err);
    assert_true(pw_slice_ends_with(pw_slice_from(cfg.path), "/wrangler.jsonc"));
    assert_string_equal(cfg.compatibility_date, "2024-05-01");
    assert_flags(&cfg, "python_workers,nodejs_compat");
    assert_int_equal(cap.warnings, 1);
    assert_non_null(strstr(pw_buf_cstr(&cap.text), "wrangler.toml is ignored"));
    pw_wrangler_config_free(&cfg);

    /* wrangler.json comes first of all. */
    cap.warnings = 0;
    put_file(dir, "wrangler.json",
             "{\"compatibility_date\": \"2026-07-01\", \"compatibility_flags\": "
             "[\"python_workers\", \"python_workers_20260610\"]}");
    PW_ASSERT_OK(pw_wrangler_read_dir(dir, NULL, &cfg, &err), &err);
    assert_true(pw_slice_ends_with(pw_slice_from(cfg.path), "/wrangler.json"));
    assert_string_equal(cfg.compatibility_date, "2026-07-01");
    assert_flags(&cfg, "python_workers,python_workers_20260610");
    assert_int_equal(cap.warnings, 2);
    pw_wrangler_config_free(&cfg);
    pw_reporter_set(NULL);

    /* Errors name the file. */
    put_file(dir, "wrangler.json", "{\"compatibility_date\": \"2026-07-01\",\n  oops}\n");
    assert_int_equal(pw_wrangler_read_dir(dir, NULL, &cfg, &err), PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "/wrangler.json:2:"));
    pw_error_clear(&err);

    drop_file(dir, "wrangler.json");
    drop_file(dir, "wrangler.jsonc");
    drop_file(dir, "wrangler.toml");
    /* A file without the keys: no date, no flags, no error. */
    put_file(dir, "wrangler.toml", "name = \"worker\"\n");
    PW_ASSERT_OK(pw_wrangler_read_dir(dir, NULL, &cfg, &err), &err);
    assert_null(cfg.compatibility_date);
    assert_int_equal(cfg.compatibility_flags.len, 0);
    pw_wrangler_config_free(&cfg);
    drop_file(dir, "wrangler.toml");

    char *missing = pw_path_join(dir, "wrangler.toml");
    assert_int_equal(pw_wrangler_read_file(missing, NULL, &cfg, &err), PW_ENOTFOUND);
    pw_error_clear(&err);
    free(missing);
    PW_ASSERT_OK(pw_remove_tree(dir, &err), &err);
    free(dir);
}

typedef struct parse_case {
    const char *path;
    const char *text;
    int code;
    const char *date;    /* expected on success */
    const char *flags;   /* expected on success, comma-separated */
    const char *message; /* substring of the error on failure */
} parse_case;

static const parse_case parse_cases[] = {
    /* TOML: a local date value is the same day as the string. */
    {"w/wrangler.toml", "compatibility_date = 2025-10-01\ncompatibility_flags = []\n", PW_OK,
     "2025-10-01", "", NULL},
    {"w/wrangler.toml", "compatibility_flags = ['python_workers', \"\"\"nodejs_compat\"\"\"]\n",
     PW_OK, NULL, "python_workers,nodejs_compat", NULL},
    {"w/wrangler.toml", "compatibility_date = \"2025-10-01\"\n[vars]\ncompatibility_flags = 1\n",
     PW_OK, "2025-10-01", "", NULL},
    {"w/wrangler.toml", "name = \"w\"\ncompatibility_date = \"2025-10-01\n", PW_EINVAL, NULL, NULL,
     "w/wrangler.toml:2:"},
    {"w/wrangler.toml", "name = \"w\"\n\ncompatibility_date = 20250929\n", PW_EINVAL, NULL, NULL,
     "w/wrangler.toml:3: compatibility_date must be a date string \"YYYY-MM-DD\", found an "
     "integer"},
    {"w/wrangler.toml", "compatibility_date = 2025-09-29T00:00:00\n", PW_EINVAL, NULL, NULL,
     "w/wrangler.toml:1: compatibility_date must be a date string \"YYYY-MM-DD\", found a "
     "date-time"},
    {"w/wrangler.toml", "compatibility_date = 07:32:00\n", PW_EINVAL, NULL, NULL,
     "found a date-time"},
    {"w/wrangler.toml", "a = 1\ncompatibility_flags = \"python_workers\"\n", PW_EINVAL, NULL, NULL,
     "w/wrangler.toml:2: compatibility_flags must be an array of strings, found a string"},
    {"w/wrangler.toml", "compatibility_flags = [\n  \"python_workers\",\n  1,\n]\n", PW_EINVAL,
     NULL, NULL, "w/wrangler.toml:3: compatibility_flags[1] must be a string, found an integer"},
    {"w/wrangler.toml", "[compatibility_flags]\n", PW_EINVAL, NULL, NULL,
     "w/wrangler.toml:1: compatibility_flags must be an array of strings, found a table"},
    /* JSON and JSONC. */
    {"w/wrangler.json", "{\"compatibility_date\":\"2024-01-01\",\"compatibility_flags\":[]}",
     PW_OK, "2024-01-01", "", NULL},
    {"w/wrangler.jsonc", "{\n  // no flags\n  \"compatibility_date\": \"2024-01-01\", }\n", PW_OK,
     "2024-01-01", "", NULL},
    {"w/wrangler.jsonc",
     "{\n  \"env\": {\"x\": {\"compatibility_date\": 1}},\n  /* c */\n"
     "  \"compatibility_date\": 20240101\n}\n",
     PW_EINVAL, NULL, NULL,
     "w/wrangler.jsonc:4: compatibility_date must be a date string \"YYYY-MM-DD\", found a number"},
    {"w/wrangler.json", "{\n\"compatibility_flags\": {\"python_workers\": true}\n}", PW_EINVAL,
     NULL, NULL, "w/wrangler.json:2: compatibility_flags must be an array of strings, found an "
                 "object"},
    {"w/wrangler.json", "{\"a\": 1,\n\"compatibility_flags\": [\"python_workers\", null]}",
     PW_EINVAL, NULL, NULL, "w/wrangler.json:2: compatibility_flags[1] must be a string, found null"},
    {"w/wrangler.json", "[\"compatibility_date\"]", PW_EINVAL, NULL, NULL,
     "w/wrangler.json:1: expected a JSON object at the top level, found an array"},
    {"w/wrangler.json", "{\n  \"compatibility_date\": \"2024-01-01\"\n  \"x\": 1\n}", PW_EINVAL,
     NULL, NULL, "w/wrangler.json:3:"},
    {"w/wrangler.json", "", PW_EINVAL, NULL, NULL, "w/wrangler.json:1:1: invalid JSON"},
};

static void test_wrangler_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const parse_case *c = &parse_cases[i];
        pw_wrangler_config cfg;
        pw_error err = {0};
        int rc = pw_wrangler_parse(c->path, c->text, strlen(c->text), NULL, &cfg, &err);
        if (rc != c->code)
            fail_msg("parse case %zu: rc %d (%s), expected %d", i, rc, pw_error_message(&err),
                     c->code);
        if (rc == PW_OK) {
            assert_string_equal(cfg.path, c->path);
            if (c->date)
                assert_string_equal(cfg.compatibility_date, c->date);
            else
                assert_null(cfg.compatibility_date);
            assert_flags(&cfg, c->flags);
            pw_wrangler_config_free(&cfg);
        } else {
            if (!strstr(pw_error_message(&err), c->message))
                fail_msg("parse case %zu: \"%s\" lacks \"%s\"", i, pw_error_message(&err),
                         c->message);
            assert_null(cfg.path);
            assert_null(cfg.compatibility_date);
        }
        pw_error_clear(&err);
    }
}

/* ------------------------------------------------ fields and [env.NAME] */

static const char toml_with_envs[] =
    "name = \"worker\"\n"                                     /* 1 */
    "main = \"src/entry.py\"\n"                               /* 2 */
    "compatibility_date = \"2025-09-29\"\n"                   /* 3 */
    "compatibility_flags = [\"python_workers\"]\n"            /* 4 */
    "base_dir = \"src\"\n"                                    /* 5 */
    "rules = [{type = \"Data\", globs = [\"**/*.bin\"], fallthrough = true}]\n" /* 6 */
    "\n"                                                      /* 7 */
    "[python_modules]\n"                                      /* 8 */
    "exclude = [\"**/*.pyc\", \"**/tests/**\"]\n"             /* 9 */
    "\n"                                                      /* 10 */
    "[vars]\n"                                                /* 11 */
    "GREETING = \"hi\"\n"                                     /* 12 */
    "COUNT = 3\n"                                             /* 13 */
    "\n"                                                      /* 14 */
    "[env.staging]\n"                                         /* 15 */
    "compatibility_date = \"2026-11-01\"\n"                   /* 16 */
    "\n"                                                      /* 17 */
    "[env.py314]\n"                                           /* 18 */
    "main = \"src/other.py\"\n"                               /* 19 */
    "compatibility_flags = []\n"                              /* 20 */
    "python_modules = {exclude = []}\n"                       /* 21 */
    "rules = []\n"                                            /* 22 */
    "[env.py314.vars]\n"                                      /* 23 */
    "MODE = {deep = [1, 2.5, true]}\n";                       /* 24 */

static const char jsonc_with_envs[] =
    "{\n"                                                     /* 1 */
    "  // the worker\n"                                       /* 2 */
    "  \"main\": \"src/entry.py\",\n"                         /* 3 */
    "  \"compatibility_date\": \"2025-09-29\",\n"             /* 4 */
    "  \"compatibility_flags\": [\"python_workers\"],\n"      /* 5 */
    "  \"base_dir\": \"src\",\n"                              /* 6 */
    "  \"rules\": [{\"type\": \"Data\", \"globs\": [\"**/*.bin\"], \"fallthrough\": true}],\n" /* 7 */
    "  \"python_modules\": {\n"                               /* 8 */
    "    \"exclude\": [\"**/*.pyc\", \"**/tests/**\"]\n"      /* 9 */
    "  },\n"                                                  /* 10 */
    "  \"vars\": {\n"                                         /* 11 */
    "    \"GREETING\": \"hi\",\n"                             /* 12 */
    "    \"COUNT\": 3 },\n"                                   /* 13 */
    "  \"env\": {\n"                                          /* 14 */
    "    \"staging\": {\n"                                    /* 15 */
    "      \"compatibility_date\": \"2026-11-01\" },\n"       /* 16 */
    "    /* three-fourteen */\n"                              /* 17 */
    "    \"py314\": {\n"                                      /* 18 */
    "      \"main\": \"src/other.py\",\n"                     /* 19 */
    "      \"compatibility_flags\": [],\n"                    /* 20 */
    "      \"python_modules\": {\"exclude\": []},\n"          /* 21 */
    "      \"rules\": [],\n"                                  /* 22 */
    "      \"vars\": {\n"                                     /* 23 */
    "        \"MODE\": {\"deep\": [1, 2.5, true]}}}}\n"       /* 24 */
    "}\n";

static void check_env_configs(const char *path, const char *text, size_t exclude_line)
{
    pw_wrangler_config c;
    pw_error err = {0};
    start_capture();

    /* Top level. */
    PW_ASSERT_OK(pw_wrangler_parse(path, text, strlen(text), NULL, &c, &err), &err);
    assert_null(c.env);
    assert_string_equal(c.main, "src/entry.py");
    assert_int_equal(c.main_line, strstr(path, "toml") ? 2 : 3);
    assert_string_equal(c.base_dir, "src");
    assert_string_equal(c.compatibility_date, "2025-09-29");
    assert_int_equal(c.compatibility_date_line, strstr(path, "toml") ? 3 : 4);
    assert_flags(&c, "python_workers");
    assert_int_equal(c.compatibility_flags_line, strstr(path, "toml") ? 4 : 5);
    assert_true(c.has_python_modules_exclude);
    assert_int_equal(c.python_modules_exclude.len, 2);
    assert_string_equal(c.python_modules_exclude.items[1], "**/tests/**");
    assert_int_equal(c.python_modules_exclude_line, exclude_line);
    assert_int_equal(c.n_rules, 1);
    assert_string_equal(c.rules[0].type, "Data");
    assert_int_equal(c.rules[0].globs.len, 1);
    assert_string_equal(c.rules[0].globs.items[0], "**/*.bin");
    assert_true(c.rules[0].fallthrough);
    assert_int_equal(c.var_names.len, 2);
    assert_string_equal(c.var_names.items[0], "GREETING");
    assert_string_equal(c.var_values_json.items[0], "\"hi\"");
    assert_string_equal(c.var_names.items[1], "COUNT");
    assert_string_equal(c.var_values_json.items[1], "3");
    assert_int_equal(c.vars_line, 11);
    pw_wrangler_config_free(&c);
    assert_int_equal(cap.warnings, 0);

    /* staging inherits everything inheritable, but not vars (with
     * wrangler's warning, naming the top-level line). */
    PW_ASSERT_OK(pw_wrangler_parse(path, text, strlen(text), "staging", &c, &err), &err);
    assert_string_equal(c.env, "staging");
    assert_string_equal(c.main, "src/entry.py");
    assert_int_equal(c.main_line, strstr(path, "toml") ? 2 : 3);
    assert_string_equal(c.compatibility_date, "2026-11-01");
    assert_int_equal(c.compatibility_date_line, 16);
    assert_flags(&c, "python_workers");
    assert_string_equal(c.base_dir, "src");
    assert_int_equal(c.python_modules_exclude.len, 2);
    assert_int_equal(c.n_rules, 1);
    assert_int_equal(c.var_names.len, 0);
    assert_int_equal(c.vars_line, 0);
    const pw_release_info *r;
    PW_ASSERT_OK(pw_release_from_compat(c.compatibility_date, &c.compatibility_flags, &r,
                                        NULL, &err), &err);
    pw_wrangler_config_free(&c);
    assert_int_equal(cap.warnings, 1);
    char want[128];
    snprintf(want, sizeof(want), "%s:11: \"vars\" exists at the top level but not in env.staging",
             path);
    if (!strstr(pw_buf_cstr(&cap.text), want))
        fail_msg("%s: warning \"%s\" lacks \"%s\"", path, pw_buf_cstr(&cap.text), want);

    /* Empty values in an environment override the top level. */
    cap.warnings = 0;
    pw_buf_reset(&cap.text);
    PW_ASSERT_OK(pw_wrangler_parse(path, text, strlen(text), "py314", &c, &err), &err);
    assert_string_equal(c.main, "src/other.py");
    assert_int_equal(c.main_line, 19);
    assert_string_equal(c.compatibility_date, "2025-09-29");
    assert_flags(&c, "");
    assert_int_equal(c.compatibility_flags_line, 20);
    assert_true(c.has_python_modules_exclude);
    assert_int_equal(c.python_modules_exclude.len, 0);
    assert_int_equal(c.python_modules_exclude_line, 21);
    assert_int_equal(c.n_rules, 0);
    assert_int_equal(c.var_names.len, 1);
    assert_string_equal(c.var_names.items[0], "MODE");
    assert_string_equal(c.var_values_json.items[0], "{\"deep\":[1,2.5,true]}");
    assert_int_equal(cap.warnings, 0);
    pw_wrangler_config_free(&c);

    /* An environment the file lacks is an error naming those it has. */
    assert_int_equal(pw_wrangler_parse(path, text, strlen(text), "prod", &c, &err), PW_EINVAL);
    snprintf(want, sizeof(want), "%s: no environment \"prod\"", path);
    assert_non_null(strstr(pw_error_message(&err), want));
    assert_non_null(strstr(pw_error_message(&err), "defines \"staging\", \"py314\""));
    assert_null(c.path);
    pw_error_clear(&err);
    pw_reporter_set(NULL);
}

/* Bindings: their env names, the key declaring each, and the class of a
 * Durable Object this Worker defines; environments do not inherit them. */
static void test_wrangler_bindings(void **state)
{
    (void)state;
    const char *jsonc = "{\n"
                        "  \"compatibility_date\": \"2026-10-06\",\n"
                        "  \"durable_objects\": {\"bindings\": [\n"
                        "    {\"name\": \"MY_DO\", \"class_name\": \"MyDurableObject\"},\n"
                        "    {\"name\": \"REMOTE\", \"class_name\": \"X\", \"script_name\": \"other\"}]},\n"
                        "  \"kv_namespaces\": [{\"binding\": \"KV\", \"id\": \"1\"}, {\"id\": \"2\"}],\n"
                        "  \"queues\": {\"producers\": [{\"binding\": \"Q\", \"queue\": \"q\"}]},\n"
                        "  \"ai\": {\"binding\": \"AI\"},\n"
                        "  \"env\": {\"dev\": {\"r2_buckets\": [{\"binding\": \"BUCKET\"}]}}\n"
                        "}\n";
    pw_wrangler_config c;
    pw_error err = {0};
    PW_ASSERT_OK(pw_wrangler_parse("w/wrangler.jsonc", jsonc, strlen(jsonc), NULL, &c, &err), &err);
    const char *want[][3] = {{"KV", "kv_namespaces", ""},
                             {"MY_DO", "durable_objects", "MyDurableObject"},
                             {"REMOTE", "durable_objects", ""},
                             {"Q", "queues", ""},
                             {"AI", "ai", ""}};
    assert_int_equal(c.binding_names.len, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(c.binding_names.items[i], want[i][0]);
        assert_string_equal(c.binding_kinds.items[i], want[i][1]);
        assert_string_equal(c.binding_classes.items[i], want[i][2]);
    }
    assert_null(c.assets_directory);
    pw_wrangler_config_free(&c);
    PW_ASSERT_OK(pw_wrangler_parse("w/wrangler.jsonc", jsonc, strlen(jsonc), "dev", &c, &err),
                 &err);
    assert_int_equal(c.binding_names.len, 1);
    assert_string_equal(c.binding_names.items[0], "BUCKET");
    pw_wrangler_config_free(&c);

    /* assets: directory, not_found_handling, run_worker_first (bool or routes). */
    const char *toml = "compatibility_date = \"2026-10-06\"\n"
                       "[assets]\n"
                       "directory = \"./public\"\n"
                       "run_worker_first = [\"/api/*\", \"!/api/docs/*\"]\n";
    PW_ASSERT_OK(pw_wrangler_parse("w/wrangler.toml", toml, strlen(toml), NULL, &c, &err), &err);
    assert_string_equal(c.assets_directory, "./public");
    assert_int_equal(c.assets_line, 2);
    assert_string_equal(c.assets_not_found_handling, "none");
    assert_false(c.assets_run_worker_first);
    assert_int_equal(c.assets_worker_first_routes.len, 2);
    pw_wrangler_config_free(&c);
    const char *bad = "compatibility_date = \"2026-10-06\"\n[assets]\nrun_worker_first = 3\n";
    assert_int_equal(pw_wrangler_parse("w/wrangler.toml", bad, strlen(bad), NULL, &c, &err),
                     PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "assets.run_worker_first must be"));
    pw_error_clear(&err);
}

static void test_wrangler_env(void **state)
{
    (void)state;
    check_env_configs("w/wrangler.toml", toml_with_envs, 9);
    check_env_configs("w/wrangler.jsonc", jsonc_with_envs, 9);

    pw_wrangler_config c;
    pw_error err = {0};
    /* No env table at all. */
    const char *plain = "compatibility_date = \"2025-09-29\"\n";
    assert_int_equal(pw_wrangler_parse("w/wrangler.toml", plain, strlen(plain), "x", &c, &err),
                     PW_EINVAL);
    assert_non_null(strstr(pw_error_message(&err), "defines no environments"));
    pw_error_clear(&err);
}

static void test_wrangler_unknown_keys(void **state)
{
    (void)state;
    pw_wrangler_config c;
    pw_error err = {0};
    start_capture();
    const char *toml = "name = \"w\"\nmian = \"src/entry.py\"\n\"$schema\" = \"x\"\n"
                       "[env.a]\nvars = {}\nmain = \"a.py\"\nsend_metrics = true\n";
    PW_ASSERT_OK(pw_wrangler_parse("w/wrangler.toml", toml, strlen(toml), "a", &c, &err), &err);
    pw_wrangler_config_free(&c);
    assert_int_equal(cap.warnings, 2);
    assert_non_null(strstr(pw_buf_cstr(&cap.text),
                           "w/wrangler.toml:2: unexpected field \"mian\" in the top level"));
    /* send_metrics is known at the top level only. */
    assert_non_null(strstr(pw_buf_cstr(&cap.text),
                           "w/wrangler.toml:7: unexpected field \"send_metrics\" in env.a"));

    cap.warnings = 0;
    pw_buf_reset(&cap.text);
    const char *json = "{\n \"name\": \"w\",\n \"compat_date\": \"2025-01-01\"\n}";
    PW_ASSERT_OK(pw_wrangler_parse("w/wrangler.json", json, strlen(json), NULL, &c, &err), &err);
    pw_wrangler_config_free(&c);
    assert_int_equal(cap.warnings, 1);
    assert_non_null(strstr(pw_buf_cstr(&cap.text),
                           "w/wrangler.json:3: unexpected field \"compat_date\""));
    pw_reporter_set(NULL);
}

typedef struct bad_case {
    const char *path, *env, *text, *message;
} bad_case;

static const bad_case bad_cases[] = {
    {"w/wrangler.toml", NULL, "main = 1\n", "w/wrangler.toml:1: main must be a string"},
    {"w/wrangler.toml", NULL, "a = 1\nbase_dir = [\"src\"]\n",
     "w/wrangler.toml:2: base_dir must be a string (a directory), found an array"},
    {"w/wrangler.toml", NULL, "compatibility_date = \"2025-02-30\"\n",
     "w/wrangler.toml:1: compatibility_date '2025-02-30' is not a calendar date"},
    {"w/wrangler.toml", NULL, "python_modules = [\"**/*.pyc\"]\n",
     "w/wrangler.toml:1: python_modules must be a table"},
    {"w/wrangler.toml", NULL, "[python_modules]\nexclude = \"**/*.pyc\"\n",
     "w/wrangler.toml:2: python_modules.exclude must be an array of strings, found a string"},
    {"w/wrangler.toml", NULL, "[python_modules]\nexclude = [\n\"a\",\n 2]\n",
     "w/wrangler.toml:4: python_modules.exclude[1] must be a string, found an integer"},
    {"w/wrangler.toml", NULL, "[python_modules]\n", "w/wrangler.toml:1: python_modules must be "
                                                    "a table with \"exclude\""},
    {"w/wrangler.toml", NULL, "rules = {type = \"Data\"}\n",
     "w/wrangler.toml:1: rules must be an array of rules, found a table"},
    {"w/wrangler.toml", NULL, "[[rules]]\ntype = \"Data\"\nglobs = [\"*\"]\n[[rules]]\n"
                              "type = \"PythonModule\"\nglobs = [\"*.py\"]\n",
     "w/wrangler.toml:4: rules[1] must be a rule whose \"type\" is one of"},
    {"w/wrangler.toml", NULL, "rules = [{type = \"Text\"}]\n",
     "rules[0] must be a rule with \"globs\""},
    {"w/wrangler.toml", NULL, "rules = [{type = \"Text\", globs = [], fallthrough = 1}]\n",
     "rules[0] must be a rule whose \"fallthrough\" is a boolean"},
    {"w/wrangler.toml", NULL, "vars = 3\n", "w/wrangler.toml:1: vars must be a table"},
    {"w/wrangler.toml", "x", "env = 3\n", "w/wrangler.toml:1: env must be a table"},
    {"w/wrangler.toml", "x", "[env]\nx = 3\n", "w/wrangler.toml:2: env.x must be a table"},
    {"w/wrangler.toml", "s", "[env.s]\ncompatibility_date = 2025\n",
     "w/wrangler.toml:2: env.s.compatibility_date must be a date string \"YYYY-MM-DD\", found "
     "an integer"},
    {"w/wrangler.toml", "s", "[env.s]\n[env.s.python_modules]\nexclude = [1]\n",
     "w/wrangler.toml:3: env.s.python_modules.exclude[0] must be a string"},
    /* The top level is checked too when an environment is applied. */
    {"w/wrangler.toml", "s", "main = 3\n[env.s]\nmain = \"a.py\"\n",
     "w/wrangler.toml:1: main must be a string"},
    {"w/wrangler.json", NULL, "{\n\"main\": null}", "w/wrangler.json:2: main must be a string"},
    {"w/wrangler.json", "s",
     "{\"env\": {\n  \"s\": {\n    \"compatibility_flags\": [\n      \"a\",\n      false]}}}",
     "w/wrangler.json:5: env.s.compatibility_flags[1] must be a string, found a boolean"},
    {"w/wrangler.json", "s", "{\"env\": {\"t\": {}}}", "no environment \"s\" (--env s)"},
    {"w/wrangler.json", "s", "{\"env\": {\n\"s\": []}}", "w/wrangler.json:2: env.s must be"},
    {"w/wrangler.json", NULL, "{\"python_modules\": {\n\"exclude\": {}}}",
     "w/wrangler.json:2: python_modules.exclude must be an array of strings, found an object"},
    {"w/wrangler.json", NULL, "{\"rules\": [\n{\"type\": \"Data\", \"globs\": [1]}]}",
     "w/wrangler.json:2: rules[0] must be a rule with \"globs\""},
};

static void test_wrangler_bad_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const bad_case *b = &bad_cases[i];
        pw_wrangler_config c;
        pw_error err = {0};
        int rc = pw_wrangler_parse(b->path, b->text, strlen(b->text), b->env, &c, &err);
        if (rc != PW_EINVAL)
            fail_msg("bad case %zu: rc %d, expected PW_EINVAL", i, rc);
        if (!strstr(pw_error_message(&err), b->message))
            fail_msg("bad case %zu: \"%s\" lacks \"%s\"", i, pw_error_message(&err), b->message);
        assert_null(c.path);
        assert_null(c.main);
        pw_error_clear(&err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_known_releases),
        cmocka_unit_test(test_lookup_unknown_releases),
        cmocka_unit_test(test_compat_mapping),
        cmocka_unit_test(test_compat_index_stand_ins),
        cmocka_unit_test(test_compat_errors),
        cmocka_unit_test(test_wrangler_read_dir),
        cmocka_unit_test(test_wrangler_parse),
        cmocka_unit_test(test_wrangler_env),
        cmocka_unit_test(test_wrangler_bindings),
        cmocka_unit_test(test_wrangler_unknown_keys),
        cmocka_unit_test(test_wrangler_bad_fields),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    pw_buf_free(&cap.text);
    return failed;
}
