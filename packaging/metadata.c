#include "metadata.h"

#include <stdlib.h>
#include <string.h>

void pw_metadata_free(pw_metadata *m)
{
    if (!m)
        return;
    free(m->metadata_version);
    free(m->name);
    free(m->version);
    free(m->requires_python);
    free(m->summary);
    for (size_t i = 0; i < m->n_requires_dist; i++)
        pw_requirement_free(&m->requires_dist[i]);
    free(m->requires_dist);
    pw_strlist_free(&m->provides_extra);
    pw_strlist_free(&m->dynamic);
    free(m->license_expression);
    memset(m, 0, sizeof(*m));
}

typedef struct meta_parser {
    const char *origin;
    pw_error *err;
    pw_metadata *m;
    size_t requires_cap;
} meta_parser;

static int field_error(meta_parser *p, int code, size_t line, pw_slice field, const char *fmt, ...)
    PW_PRINTF(5, 6);

static int field_error(meta_parser *p, int code, size_t line, pw_slice field, const char *fmt, ...)
{
    pw_buf b = PW_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pw_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (field.len)
        pw_error_set(p->err, code, "%s:%zu: " PW_SLICE_FMT ": %s", p->origin, line,
                     PW_SLICE_ARG(field), pw_buf_cstr(&b));
    else
        pw_error_set(p->err, code, "%s:%zu: %s", p->origin, line, pw_buf_cstr(&b));
    pw_buf_free(&b);
    return code;
}

/* Core metadata: "Metadata-Version: X.Y"; majors 1 and 2 are known (a
 * newer minor is readable by design, a newer major is not). */
static int set_metadata_version(meta_parser *p, size_t line, pw_slice field, pw_slice v)
{
    size_t i = 0;
    while (i < v.len && pw_is_digit(v.ptr[i]))
        i++;
    bool ok = i > 0 && i < v.len && v.ptr[i] == '.' && i + 1 < v.len;
    for (size_t j = i + 1; ok && j < v.len; j++)
        ok = pw_is_digit(v.ptr[j]);
    if (!ok)
        return field_error(p, PW_EINVAL, line, field, "expected a version such as 2.1, got '%.*s'",
                           PW_SLICE_ARG(v));
    if (!(i == 1 && (v.ptr[0] == '1' || v.ptr[0] == '2')))
        return field_error(p, PW_EUNSUPPORTED, line, field,
                           "metadata version %.*s is not supported (pwpkg reads 1.0 to 2.x)",
                           PW_SLICE_ARG(v));
    p->m->metadata_version = pw_xstrndup(v.ptr, v.len);
    return PW_OK;
}

/* PEP 508 / core metadata: ^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$, ignoring case. */
static bool valid_name(pw_slice v)
{
    if (v.len == 0 || !pw_is_alnum(v.ptr[0]) || !pw_is_alnum(v.ptr[v.len - 1]))
        return false;
    for (size_t i = 0; i < v.len; i++)
        if (!pw_is_alnum(v.ptr[i]) && v.ptr[i] != '.' && v.ptr[i] != '_' && v.ptr[i] != '-')
            return false;
    return true;
}

static int once(meta_parser *p, size_t line, pw_slice field, char *const *slot)
{
    if (*slot)
        return field_error(p, PW_EINVAL, line, field, "given more than once");
    return PW_OK;
}

static int handle_field(meta_parser *p, size_t line, pw_slice field, pw_slice v)
{
    pw_metadata *m = p->m;
    pw_error sub = {0};
    int rc = PW_OK;
    if (pw_slice_eq_icase_cstr(field, "Metadata-Version")) {
        if ((rc = once(p, line, field, &m->metadata_version)))
            return rc;
        return set_metadata_version(p, line, field, v);
    }
    if (pw_slice_eq_icase_cstr(field, "Name")) {
        if ((rc = once(p, line, field, &m->name)))
            return rc;
        if (!valid_name(v))
            return field_error(p, PW_EINVAL, line, field,
                               "expected a project name of letters, digits, '.', '_' and '-' "
                               "starting and ending with a letter or digit, got '%.*s'",
                               PW_SLICE_ARG(v));
        m->name = pw_xstrndup(v.ptr, v.len);
        return PW_OK;
    }
    if (pw_slice_eq_icase_cstr(field, "Version")) {
        if ((rc = once(p, line, field, &m->version)))
            return rc;
        pw_version ver;
        if ((rc = pw_version_parse(v, &ver, &sub))) {
            rc = field_error(p, rc, line, field, "%s", pw_error_message(&sub));
            pw_error_clear(&sub);
            return rc;
        }
        m->version = pw_xstrndup(v.ptr, v.len);
        return PW_OK;
    }
    if (pw_slice_eq_icase_cstr(field, "Requires-Python")) {
        if ((rc = once(p, line, field, &m->requires_python)))
            return rc;
        pw_specifier_set set = PW_SPECIFIER_SET_INIT;
        rc = pw_specifier_set_parse(v, &set, &sub);
        pw_specifier_set_free(&set);
        if (rc) {
            rc = field_error(p, rc, line, field, "%s", pw_error_message(&sub));
            pw_error_clear(&sub);
            return rc;
        }
        m->requires_python = pw_xstrndup(v.ptr, v.len);
        return PW_OK;
    }
    if (pw_slice_eq_icase_cstr(field, "Requires-Dist")) {
        pw_requirement req;
        size_t offset = 0;
        if ((rc = pw_requirement_parse_at(v, &req, &offset, &sub))) {
            rc = field_error(p, rc, line, field, "%s", pw_error_message(&sub));
            pw_error_clear(&sub);
            return rc;
        }
        PW_GROW(m->requires_dist, p->requires_cap, m->n_requires_dist + 1);
        m->requires_dist[m->n_requires_dist++] = req;
        return PW_OK;
    }
    if (pw_slice_eq_icase_cstr(field, "Provides-Extra")) {
        if (!valid_name(v))
            return field_error(p, PW_EINVAL, line, field,
                               "expected an extra name of letters, digits, '.', '_' and '-', "
                               "got '%.*s'",
                               PW_SLICE_ARG(v));
        /* PEP 685: extras compare by their PEP 503-normalized form. */
        pw_buf b = PW_BUF_INIT;
        pw_normalize_name_buf(v, &b);
        pw_strlist_push_owned(&m->provides_extra, pw_buf_detach(&b));
        return PW_OK;
    }
    if (pw_slice_eq_icase_cstr(field, "Summary")) {
        if (!m->summary)
            m->summary = pw_xstrndup(v.ptr, v.len);
        return PW_OK;
    }
    if (pw_slice_eq_icase_cstr(field, "License-Expression")) {
        if ((rc = once(p, line, field, &m->license_expression)))
            return rc;
        m->license_expression = pw_xstrndup(v.ptr, v.len);
        return PW_OK;
    }
    if (pw_slice_eq_icase_cstr(field, "Dynamic")) {
        /* Core metadata 2.2: these three are never dynamic. */
        if (pw_slice_eq_icase_cstr(v, "Name") || pw_slice_eq_icase_cstr(v, "Version") ||
            pw_slice_eq_icase_cstr(v, "Metadata-Version"))
            return field_error(p, PW_EINVAL, line, field, "'%.*s' must not be dynamic",
                               PW_SLICE_ARG(v));
        char *lower = pw_xstrndup(v.ptr, v.len);
        for (char *c = lower; *c; c++)
            *c = pw_ascii_lower(*c);
        pw_strlist_push_owned(&m->dynamic, lower);
        return PW_OK;
    }
    return PW_OK; /* other fields are not needed to resolve */
}

static bool valid_field_name(pw_slice name)
{
    /* RFC 822: printable ASCII except space and ':'. */
    if (name.len == 0)
        return false;
    for (size_t i = 0; i < name.len; i++) {
        unsigned char c = (unsigned char)name.ptr[i];
        if (c <= 32 || c >= 127 || c == ':')
            return false;
    }
    return true;
}

int pw_metadata_parse(const char *origin, const char *text, size_t len, pw_metadata *out,
                      pw_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!origin)
        origin = "METADATA";
    if (len > PW_METADATA_MAX_SIZE)
        return pw_error_set(err, PW_ELIMIT, "%s: metadata is larger than %u bytes", origin,
                            PW_METADATA_MAX_SIZE);
    if (!text)
        len = 0;
    meta_parser p = {origin, err, out, 0};
    pw_slice field = {NULL, 0};
    pw_buf value = PW_BUF_INIT;
    size_t field_line = 0, line = 0, fields = 0, i = 0;
    int rc = PW_OK;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (rc == PW_OK) {
        bool at_end = i >= len;
        pw_slice l = {text ? text + i : "", 0};
        if (!at_end) {
            const char *nl = memchr(text + i, '\n', len - i);
            size_t end = nl ? (size_t)(nl - text) : len;
            l = pw_slice_make(text + i, end - i);
            i = nl ? end + 1 : len;
            if (l.len && l.ptr[l.len - 1] == '\r')
                l.len--;
            line++;
        }
        bool continuation = !at_end && l.len && (l.ptr[0] == ' ' || l.ptr[0] == '\t');
        if (continuation) {
            if (!field.ptr) {
                rc = field_error(&p, PW_EINVAL, line, pw_slice_make(NULL, 0),
                                 "continuation line before any field");
                break;
            }
            pw_slice t = pw_slice_trim(l);
            if (t.len) {
                if (value.len)
                    pw_buf_putc(&value, ' ');
                pw_buf_put_slice(&value, t);
            }
            continue;
        }
        if (field.ptr) {
            rc = handle_field(&p, field_line, field,
                              pw_slice_trim(pw_slice_make(pw_buf_cstr(&value), value.len)));
            field.ptr = NULL;
            if (rc)
                break;
        }
        /* The first blank line ends the headers; the description follows. */
        if (at_end || l.len == 0)
            break;
        long colon = pw_slice_find_char(l, ':');
        pw_slice name = pw_slice_make(l.ptr, colon > 0 ? (size_t)colon : 0);
        if (colon <= 0 || !valid_field_name(name)) {
            rc = field_error(&p, PW_EINVAL, line, pw_slice_make(NULL, 0),
                             "expected 'Field-Name: value', got '%.*s'",
                             (int)(l.len > 80 ? 80 : l.len), l.ptr);
            break;
        }
        if (++fields > PW_METADATA_MAX_FIELDS) {
            rc = field_error(&p, PW_ELIMIT, line, pw_slice_make(NULL, 0),
                             "more than %d fields", PW_METADATA_MAX_FIELDS);
            break;
        }
        field = name;
        field_line = line;
        pw_buf_reset(&value);
        pw_buf_put_slice(&value, pw_slice_trim(pw_slice_make(l.ptr + colon + 1,
                                                             l.len - (size_t)colon - 1)));
    }
    pw_buf_free(&value);
    if (rc == PW_OK) {
        const char *missing = !out->metadata_version ? "Metadata-Version"
                              : !out->name           ? "Name"
                              : !out->version        ? "Version"
                                                     : NULL;
        if (missing)
            rc = pw_error_set(err, PW_EINVAL, "%s: missing required field %s", origin, missing);
    }
    if (rc != PW_OK) {
        pw_metadata_free(out);
        return rc;
    }
    pw_strlist_sort_unique(&out->provides_extra);
    return PW_OK;
}

int pw_metadata_check_identity(const pw_metadata *m, const char *origin, const char *expected_name,
                               const char *expected_version, pw_error *err)
{
    if (!origin)
        origin = "METADATA";
    if (expected_name && !pw_names_equal(m->name ? m->name : "", expected_name))
        return pw_error_set(err, PW_ECHECK, "%s: METADATA says Name: %s, expected %s", origin,
                            m->name ? m->name : "(none)", expected_name);
    if (!expected_version)
        return PW_OK;
    pw_version want, have;
    pw_error sub = {0};
    if (pw_version_parse(pw_slice_from(expected_version), &want, &sub) != PW_OK) {
        int rc = pw_error_set(err, PW_EINVAL, "%s: expected version '%s' is not valid: %s",
                              origin, expected_version, pw_error_message(&sub));
        pw_error_clear(&sub);
        return rc;
    }
    /* PEP 440 equality: "1.0" is "1.0.0", "1.0RC1" is "1.0rc1". */
    if (!m->version || pw_version_parse(pw_slice_from(m->version), &have, &sub) != PW_OK ||
        pw_version_compare(&have, &want) != 0) {
        pw_error_clear(&sub);
        return pw_error_set(err, PW_ECHECK, "%s: METADATA says Version: %s, expected %s", origin,
                            m->version ? m->version : "(none)", expected_version);
    }
    return PW_OK;
}
