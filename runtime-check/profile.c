/* --profile: the harness's timed imports and library loads, as raw data;
 * report/ groups them by package (docs/check.md, "Profile"). */
#include "runtime_check.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double number(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : 0;
}

static char *string_or_null(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) && v->valuestring ? pw_xstrdup(v->valuestring) : NULL;
}

static void add_dynlib(pw_check_profile *p, const cJSON *ev)
{
    p->dynlibs = pw_xrealloc(p->dynlibs, (p->n_dynlibs + 1) * sizeof *p->dynlibs);
    pw_check_dynlib_cost *d = &p->dynlibs[p->n_dynlibs++];
    d->path = string_or_null(ev, "path");
    if (!d->path)
        d->path = pw_xstrdup("");
    double ms = number(ev, "ms");
    d->ms = ms > 0 ? ms : 0;
    d->memory_bytes = (int64_t)number(ev, "memory");
}

/* The harness sends one profile event per stretch of imports (before the
 * snapshot, and the entry after it for a package snapshot): appended, with
 * parents renumbered. */
static void add_imports(pw_check_profile *p, const cJSON *ev)
{
    const cJSON *mods = cJSON_GetObjectItemCaseSensitive(ev, "modules");
    size_t base = p->n_imports, n = cJSON_IsArray(mods) ? (size_t)cJSON_GetArraySize(mods) : 0;
    if (!p->made)
        p->heap_start = (uint64_t)number(ev, "heap_start");
    p->heap_end = (uint64_t)number(ev, "heap_end");
    p->made = true;
    if (n == 0)
        return;
    p->imports = pw_xrealloc(p->imports, (base + n) * sizeof *p->imports);
    const cJSON *m;
    cJSON_ArrayForEach(m, mods) {
        pw_check_import_time *t = &p->imports[p->n_imports];
        t->module = string_or_null(m, "module");
        if (!t->module)
            t->module = pw_xstrdup("");
        /* A parent must come before its child; anything else is a root. */
        double parent = number(m, "parent");
        long local = (long)(p->n_imports - base);
        t->parent = parent >= 0 && parent < (double)local ? (long)base + (long)parent : -1;
        double us = number(m, "us");
        t->cumulative_ms = us > 0 ? us / 1000.0 : 0;
        t->memory_bytes = (int64_t)number(m, "memory");
        t->origin = string_or_null(m, "origin");
        p->n_imports++;
    }
}

void pw_check_profile_add_event(pw_check_profile *p, const cJSON *ev)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "type");
    if (!cJSON_IsString(type))
        return;
    if (strcmp(type->valuestring, "dynlib") == 0)
        add_dynlib(p, ev);
    else if (strcmp(type->valuestring, "profile") == 0)
        add_imports(p, ev);
}

void pw_check_profile_free(pw_check_profile *p)
{
    for (size_t i = 0; i < p->n_imports; i++) {
        free(p->imports[i].module);
        free(p->imports[i].origin);
    }
    free(p->imports);
    for (size_t i = 0; i < p->n_dynlibs; i++)
        free(p->dynlibs[i].path);
    free(p->dynlibs);
    memset(p, 0, sizeof *p);
}
