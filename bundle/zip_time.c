/* Timestamps of reproducible archives, shared by bundles and built wheels. */
#include "bundle_private.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

int pw_bundle_resolve_epoch(int64_t requested, int64_t *out, pw_error *err)
{
    *out = requested;
    if (requested < 0) {
        *out = PW_BUNDLE_DOS_EPOCH;
        /* reproducible-builds.org: SOURCE_DATE_EPOCH, decimal seconds. */
        const char *env = getenv("SOURCE_DATE_EPOCH");
        if (env && *env) {
            char *end = NULL;
            errno = 0;
            long long v = strtoll(env, &end, 10);
            if (errno || *end || v < 0)
                return pw_error_set(err, PW_EINVAL,
                                    "SOURCE_DATE_EPOCH=\"%s\" is not a number of seconds", env);
            *out = v;
        }
    }
    if (*out < PW_BUNDLE_DOS_EPOCH)
        *out = PW_BUNDLE_DOS_EPOCH;
    return PW_OK;
}

void pw_bundle_dos_datetime(int64_t epoch, uint16_t *dtime, uint16_t *ddate)
{
    /* Converted in UTC, never local time: TZ must not change the bytes. */
    time_t t = (time_t)epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    if (tm.tm_year > 2107 - 1900) {
        tm.tm_year = 2107 - 1900;
        tm.tm_mon = 11;
        tm.tm_mday = 31;
        tm.tm_hour = 23;
        tm.tm_min = 59;
        tm.tm_sec = 58;
    }
    *ddate = (uint16_t)(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
    *dtime = (uint16_t)((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
}
