/* pwpkg bundle --slim's report (cli/bundle_slim.c), private to cli/; the
 * plan and its proof are pipeline/'s. */
#ifndef PW_CLI_BUNDLE_SLIM_H
#define PW_CLI_BUNDLE_SLIM_H

#include "cli.h"
#include "pipeline.h"

struct cJSON;

struct cJSON *cli_slim_json(const pw_slim_plan *s, const pw_bundle_report *rep);
void cli_slim_print(const cli_context *ctx, const pw_slim_plan *s, const pw_bundle_report *rep);

#endif
