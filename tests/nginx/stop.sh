#!/bin/bash
# stop.sh TMP: stops the nginx that start.sh started with --tmp TMP.
tmp=${1:?usage: stop.sh TMP}
[ -f "$tmp/env" ] || exit 0
pid=$(sed -n 's/^NGINX_PID=//p' "$tmp/env")
[ -n "$pid" ] || exit 0
kill "$pid" 2>/dev/null || exit 0
for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || exit 0
    sleep 0.05
done
kill -9 "$pid" 2>/dev/null || true
