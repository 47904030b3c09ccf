/* pwpkg bundle --slim: the kept/dropped report, in text and JSON
 * (pipeline/slim.c reads the traces and proves the slim tree). */
#include "bundle_slim.h"

#include <cJSON.h>
#include <stdio.h>

cJSON *cli_slim_json(const pw_slim_plan *s, const pw_bundle_report *rep)
{
    cJSON *j = cJSON_CreateObject();
    cJSON *traces = cJSON_AddArrayToObject(j, "traces");
    for (size_t i = 0; i < s->sources.len; i++)
        cJSON_AddItemToArray(traces, cJSON_CreateString(s->sources.items[i]));
    cJSON *keep = cJSON_AddArrayToObject(j, "keep");
    for (size_t i = 0; i < s->keep.len; i++)
        cJSON_AddItemToArray(keep, cJSON_CreateString(s->keep.items[i]));
    cJSON_AddNumberToObject(j, "traced_files", (double)s->trace.files.len);
    cJSON_AddNumberToObject(j, "dropped_files", (double)rep->slimmed_files);
    cJSON_AddNumberToObject(j, "dropped_raw_bytes", (double)rep->slimmed_bytes);
    cJSON_AddNumberToObject(j, "dropped_gzip_bytes", (double)rep->slimmed_gz);
    cJSON_AddNumberToObject(j, "cold_ms_traced", (double)(long)(pw_slim_plan_cold_ms(s, false) + 0.5));
    cJSON_AddNumberToObject(j, "cold_ms_proof", (double)(long)(pw_slim_plan_cold_ms(s, true) + 0.5));
    cJSON *pkgs = cJSON_AddArrayToObject(j, "packages");
    for (size_t i = 0; i < rep->n_packages; i++) {
        const pw_bundle_package_size *p = &rep->packages[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", p->name);
        cJSON_AddNumberToObject(o, "kept_files", (double)p->files);
        cJSON_AddNumberToObject(o, "kept_raw_bytes", (double)p->raw_bytes);
        cJSON_AddNumberToObject(o, "kept_gzip_bytes", (double)p->gz_bytes);
        cJSON_AddNumberToObject(o, "dropped_files", (double)p->slimmed_files);
        cJSON_AddNumberToObject(o, "dropped_raw_bytes", (double)p->slimmed_bytes);
        cJSON_AddNumberToObject(o, "dropped_gzip_bytes", (double)p->slimmed_gz);
        cJSON_AddItemToArray(pkgs, o);
    }
    return j;
}

void cli_slim_print(const cli_context *ctx, const pw_slim_plan *s, const pw_bundle_report *rep)
{
    if (ctx->json || ctx->verbosity < 0)
        return;
    fprintf(stderr, "slimmed from %zu trace%s (%zu files traced%s%zu keep glob%s):\n",
            s->sources.len, s->sources.len == 1 ? "" : "s", s->trace.files.len,
            ", ", s->keep.len, s->keep.len == 1 ? "" : "s");
    fprintf(stderr, "  %-24s %6s %10s %10s %8s %10s %10s\n", "package", "kept", "raw", "gzip",
            "dropped", "raw", "gzip");
    for (size_t i = 0; i < rep->n_packages; i++) {
        const pw_bundle_package_size *p = &rep->packages[i];
        fprintf(stderr, "  %-24s %6zu %9.1fK %9.1fK %8zu %9.1fK %9.1fK\n", p->name, p->files,
                (double)p->raw_bytes / 1024.0, (double)p->gz_bytes / 1024.0, p->slimmed_files,
                (double)p->slimmed_bytes / 1024.0, (double)p->slimmed_gz / 1024.0);
    }
    fprintf(stderr, "  %-24s %6zu %9.1fK %9.1fK %8zu %9.1fK %9.1fK\n", "total", rep->files,
            (double)rep->raw_total / 1024.0, (double)rep->gz_total / 1024.0, rep->slimmed_files,
            (double)rep->slimmed_bytes / 1024.0, (double)rep->slimmed_gz / 1024.0);
    fprintf(stderr, "proven in Pyodide: %zu traced run%s replayed on the slim bundle; cold start "
                    "%.0f ms traced (full bundle) -> %.0f ms (slim bundle)\n",
            s->trace.n_runs, s->trace.n_runs == 1 ? "" : "s", pw_slim_plan_cold_ms(s, false),
            pw_slim_plan_cold_ms(s, true));
}

