#!/bin/bash
# start.sh --root DIR --tmp DIR [--tls CADIR] [--watch-pid PID]
#
# Starts nginx (foreground, single process, config from nginx.conf.in) on a
# free loopback port serving DIR; with --tls also an HTTPS (HTTP/2) server
# using CADIR/server.pem from make-ca.sh. Prints, and writes to TMP/env:
#   PORT=<http port>
#   TLS_PORT=<https port>     (with --tls)
#   NGINX_PID=<pid>
# nginx stops with tests/nginx/stop.sh TMP, and by itself when the watched
# process (default: the caller) exits.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root="" tmp="" cadir="" watch=$PPID
while [ $# -gt 0 ]; do
    case $1 in
        --root) root=$2; shift 2 ;;
        --tmp) tmp=$2; shift 2 ;;
        --tls) cadir=$2; shift 2 ;;
        --watch-pid) watch=$2; shift 2 ;;
        *) echo "start.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$root" ] && [ -n "$tmp" ] || { echo "usage: start.sh --root DIR --tmp DIR [--tls CADIR] [--watch-pid PID]" >&2; exit 2; }
nginx=${NGINX:-/usr/sbin/nginx}
[ -x "$nginx" ] || { echo "start.sh: $nginx not found (Debian package nginx-light)" >&2; exit 1; }
mkdir -p "$tmp"
root=$(cd "$root" && pwd)
tmp=$(cd "$tmp" && pwd)
[ -z "$cadir" ] || cadir=$(cd "$cadir" && pwd)

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
    local p
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 40000))
        port_in_use "$p" || { echo "$p"; return 0; }
    done
    return 1
}

for attempt in 1 2 3 4 5 6 7 8; do
    port=$(free_port)
    tls_port=""
    : > "$tmp/tls.conf"
    if [ -n "$cadir" ]; then
        tls_port=$(free_port)
        [ "$tls_port" != "$port" ] || continue
        sed -e "s|@TLS_PORT@|$tls_port|g" -e "s|@CERT@|$cadir/server.pem|g" \
            -e "s|@KEY@|$cadir/server.key|g" -e "s|@ROOT@|$root|g" \
            "$here/tls.conf.in" > "$tmp/tls.conf"
    fi
    sed -e "s|@PORT@|$port|g" -e "s|@ROOT@|$root|g" -e "s|@TMP@|$tmp|g" \
        "$here/nginx.conf.in" > "$tmp/nginx.conf"
    rm -f "$tmp/nginx.pid"
    "$nginx" -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/error.log" \
        </dev/null >"$tmp/nginx.out" 2>&1 &
    pid=$!
    up=""
    for _ in $(seq 100); do
        if ! kill -0 "$pid" 2>/dev/null; then break; fi
        if [ -s "$tmp/nginx.pid" ] && port_in_use "$port" &&
            { [ -z "$tls_port" ] || port_in_use "$tls_port"; }; then
            up=1
            break
        fi
        sleep 0.05
    done
    if [ -n "$up" ]; then
        # Watchdog: nginx never outlives the process that asked for it.
        ( while kill -0 "$watch" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done
          kill "$pid" 2>/dev/null || true ) </dev/null >/dev/null 2>&1 &
        {
            echo "PORT=$port"
            [ -z "$tls_port" ] || echo "TLS_PORT=$tls_port"
            echo "NGINX_PID=$pid"
        } | tee "$tmp/env"
        exit 0
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if ! grep -q "Address already in use" "$tmp/error.log" "$tmp/nginx.out" 2>/dev/null; then
        echo "start.sh: nginx did not start:" >&2
        cat "$tmp/error.log" "$tmp/nginx.out" >&2 2>/dev/null || true
        exit 1
    fi
done
echo "start.sh: no free port found for nginx" >&2
exit 1
