#include "common.h"

#include <stdlib.h>
#include <string.h>

int pw_error_setv(pw_error *err, int code, const char *fmt, va_list ap)
{
    if (!err)
        return code;
    pw_buf b = PW_BUF_INIT;
    pw_buf_vprintf(&b, fmt, ap);
    free(err->message);
    err->message = pw_buf_detach(&b);
    err->code = code;
    return code;
}

int pw_error_set(pw_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pw_error_setv(err, code, fmt, ap);
    va_end(ap);
    return code;
}

int pw_error_wrap(pw_error *err, const char *fmt, ...)
{
    if (!err)
        return PW_EINVAL;
    pw_buf b = PW_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (err->message) {
        pw_buf_puts(&b, ": ");
        pw_buf_puts(&b, err->message);
    }
    free(err->message);
    err->message = pw_buf_detach(&b);
    if (err->code == PW_OK)
        err->code = PW_EINVAL;
    return err->code;
}

void pw_error_clear(pw_error *err)
{
    if (!err)
        return;
    free(err->message);
    err->message = NULL;
    err->code = PW_OK;
}

const char *pw_error_message(const pw_error *err)
{
    if (!err || !err->message)
        return "unknown error";
    return err->message;
}

const char *pw_status_name(int code)
{
    switch (code) {
    case PW_OK: return "ok";
    case PW_EINVAL: return "invalid input";
    case PW_EIO: return "I/O error";
    case PW_ENET: return "network error";
    case PW_ENOTFOUND: return "not found";
    case PW_ECONFLICT: return "no resolution";
    case PW_EHASH: return "hash mismatch";
    case PW_ECHECK: return "check failed";
    case PW_EUNSUPPORTED: return "unsupported";
    case PW_ELIMIT: return "limit exceeded";
    case PW_ERUNTIME: return "runtime unavailable";
    default: return "error";
    }
}

pw_status_class pw_status_classify(int code)
{
    switch (code) {
    case PW_OK: return PW_STATUS_OK;
    case PW_ECONFLICT:
    case PW_ECHECK:
    case PW_EHASH: return PW_STATUS_FOUND;
    case PW_EINVAL:
    case PW_EUNSUPPORTED:
    case PW_ENOTFOUND:
    case PW_ELIMIT: return PW_STATUS_INPUT;
    default: return PW_STATUS_IO;
    }
}
