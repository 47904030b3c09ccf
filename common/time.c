/* RFC 3339 / ISO 8601 timestamps, for --exclude-newer and upload times. */
#include "common.h"

#include <stdlib.h>
#include <string.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool read_digits(const char *s, size_t *i, int count, int *out)
{
    int v = 0;
    for (int k = 0; k < count; k++) {
        if (!pw_is_digit(s[*i]))
            return false;
        v = v * 10 + (s[(*i)++] - '0');
    }
    *out = v;
    return true;
}

int pw_parse_timestamp(const char *text, int64_t *out, pw_error *err)
{
    static const int month_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    pw_slice t = pw_slice_trim(pw_slice_from(text));
    char *s = pw_xstrndup(t.ptr, t.len);
    size_t i = 0;
    int year, month, day, hour = 0, minute = 0, second = 0, off_h = 0, off_m = 0, sign = 0;
    bool ok = read_digits(s, &i, 4, &year) && s[i++] == '-' && read_digits(s, &i, 2, &month) &&
              s[i++] == '-' && read_digits(s, &i, 2, &day);
    if (ok && s[i] != '\0') {
        /* RFC 3339 section 5.6 allows a space (or lowercase t) for 'T'. */
        ok = (s[i] == 'T' || s[i] == 't' || s[i] == ' ');
        i++;
        ok = ok && read_digits(s, &i, 2, &hour) && s[i++] == ':' && read_digits(s, &i, 2, &minute);
        if (ok && s[i] == ':') {
            i++;
            ok = read_digits(s, &i, 2, &second);
            if (ok && (s[i] == '.' || s[i] == ',')) {
                i++;
                ok = pw_is_digit(s[i]);
                while (pw_is_digit(s[i]))
                    i++;
            }
        }
        if (ok && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else if (ok && (s[i] == '+' || s[i] == '-')) {
            sign = s[i++] == '+' ? 1 : -1;
            ok = read_digits(s, &i, 2, &off_h);
            if (ok && s[i] == ':')
                i++;
            if (ok && pw_is_digit(s[i]))
                ok = read_digits(s, &i, 2, &off_m);
        }
        ok = ok && s[i] == '\0';
    } else if (ok) {
        ok = s[i] == '\0';
    }
    bool leap = ok && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0));
    ok = ok && month >= 1 && month <= 12 && day >= 1 && day <= month_days[month - 1] &&
         (month != 2 || day <= 28 || leap) && hour <= 23 && minute <= 59 && second <= 60 &&
         off_h <= 23 && off_m <= 59;
    if (!ok) {
        int rc = pw_error_set(err, PW_EINVAL,
                              "invalid timestamp '%s': expected YYYY-MM-DD or "
                              "YYYY-MM-DDTHH:MM:SS[.fraction][Z|+HH:MM] (RFC 3339)",
                              s);
        free(s);
        return rc;
    }
    free(s);
    /* A leap second (:60) counts as the first second of the next minute. */
    int64_t secs = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    secs -= (int64_t)sign * (off_h * 3600 + off_m * 60);
    *out = secs;
    return PW_OK;
}
