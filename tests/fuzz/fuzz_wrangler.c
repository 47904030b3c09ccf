/*
 * Wrangler configuration (pw_wrangler_parse) and the release it selects.
 *
 * The first input byte picks the file name and so the format
 * (wrangler.toml, wrangler.json, wrangler.jsonc) and whether `[env.staging]`
 * is applied; the rest is the text.
 * A compatibility date that parses is then fed to pw_release_from_compat.
 */
#include "fuzz.h"
#include "resolver.h"

static const char *const names[] = {"app/wrangler.toml", "app/wrangler.json", "app/wrangler.jsonc"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *path = names[data[0] % (sizeof(names) / sizeof(names[0]))];
    pw_wrangler_config cfg;
    pw_error err = {0, NULL};
    const char *env = (data[0] / 3) % 2 ? "staging" : NULL;
    int rc = pw_wrangler_parse(path, (const char *)data + 1, size - 1, env, &cfg, &err);
    fuzz_check_status("pw_wrangler_parse", rc, &err);
    if (rc == 0) {
        for (size_t i = 0; i < cfg.compatibility_flags.len; i++)
            fuzz_check(cfg.compatibility_flags.items[i] != NULL, "flag %zu is NULL", i);
        if (cfg.compatibility_date) {
            const pw_release_info *release = NULL;
            const char *flag = NULL;
            rc = pw_release_from_compat(cfg.compatibility_date, &cfg.compatibility_flags, &release, &flag,
                                        &err);
            fuzz_check_status("pw_release_from_compat", rc, &err);
            fuzz_check(rc != 0 || (release && release->version), "a release chosen without a version");
        }
        pw_wrangler_config_free(&cfg);
    }
    pw_error_clear(&err);
    return 0;
}
