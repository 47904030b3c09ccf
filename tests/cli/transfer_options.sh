#!/usr/bin/env bash
# Every transfer option (--cert, --offline, --proxy, --timeout, --retries,
# --cache-dir) given to every command that transfers (lock, fetch, bundle,
# verify --bundle) is honoured: one table, one row per command. The index and
# its wheels are served over HTTPS by nginx with a private CA; a 503 location
# counts retries in nginx's access log; a socket that never answers proves
# --timeout; a proxy port with nothing behind it proves --proxy is used.
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests
index27=$(pyodide_index 0.27.7)

printf 'alpha 1.0\nbeta 1.0 -- alpha\n' >universe.txt
"$tools/pw_mkindex" repo universe.txt || { fail "pw_mkindex"; finish; }
bash "$PWPKG_SOURCE_DIR/tests/nginx/make-ca.sh" ca >/dev/null || { fail "test CA"; finish; }
with_nginx repo --tls ca
stall_pid=""
on_exit '[ -z "$stall_pid" ] || kill "$stall_pid" 2>/dev/null'
unset SSL_CERT_FILE SSL_CERT_DIR https_proxy http_proxy HTTPS_PROXY HTTP_PROXY ALL_PROXY all_proxy

tls="https://127.0.0.1:$TLS_PORT/simple/"
echo beta >requirements.txt
lock_flags=(--pyodide 0.27.7 --pyodide-index "$index27" --index-url "$tls")

# The lock every command below starts from, made with the CA.
run 0 "$PWPKG" lock "${lock_flags[@]}" --cert ca/ca.pem || finish
cp pwpkg.lock good.lock
"$PWPKG" -q bundle --cert ca/ca.pem -o good_modules >/dev/null 2>&1 || fail "reference bundle"

# A command of the table, with a cache of its own (nothing cached), so that
# it has to transfer: lock refreshes its pages, the others fetch artifacts.
command_line() { # NAME -> CMD array
  case $1 in
    lock) CMD=("$PWPKG" lock "${lock_flags[@]}" --refresh -o fresh.lock) ;;
    fetch) CMD=("$PWPKG" fetch --lock "$LOCK") ;;
    bundle) CMD=("$PWPKG" bundle --lock "$LOCK" -o out_modules) ;;
    verify) CMD=("$PWPKG" verify "${lock_flags[@]}" -o "$LOCK" --bundle good_modules) ;;
  esac
}
requests_to() { grep -c "$1" nginx/access.log 2>/dev/null || true; }

for cmd in lock fetch bundle verify; do
  LOCK=good.lock
  command_line "$cmd"

  # --cert: without it the private CA is refused and the error says so
  rm -rf c1
  run 3 "${CMD[@]}" --cache-dir c1 && expect_contains "$OUT$ERR" "certificate" "$cmd without --cert"
  rm -rf c2
  run 0 "${CMD[@]}" --cache-dir c2 --cert ca/ca.pem || echo "  ($cmd --cert)" >&2

  # --offline: an empty cache and no network; the message names what is missing
  rm -rf c3
  run 3 "${CMD[@]}" --cache-dir c3 --cert ca/ca.pem --offline &&
    expect_contains "$OUT$ERR" "offline" "$cmd --offline"

  # --cache-dir: what the run above with c2 downloaded is there, offline
  if [ "$cmd" != lock ]; then
    run 0 "${CMD[@]}" --cache-dir c2 --offline || echo "  ($cmd --cache-dir c2 --offline)" >&2
  fi

  # --proxy: a proxy port with nothing behind it; the transfer goes there and fails
  rm -rf c4
  dead_port=$((TLS_PORT + 1))
  run 3 "${CMD[@]}" --cache-dir c4 --cert ca/ca.pem --proxy "http://127.0.0.1:$dead_port" --retries 0 &&
    expect_contains "$OUT$ERR" "$dead_port" "$cmd --proxy: the proxy is what failed"

  # --retries: a server that answers 503; attempts = 1 + retries
  if [ "$cmd" = lock ]; then
    CMD=("$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index27" --refresh -o fresh.lock
         --index-url "https://127.0.0.1:$TLS_PORT/status503/$cmd/simple/")
  else
    sed "s|https://127.0.0.1:$TLS_PORT/|https://127.0.0.1:$TLS_PORT/status503/$cmd/|g" good.lock >down.lock
    LOCK=down.lock
    command_line "$cmd"
  fi
  for retries in 0 2; do
    before=$(requests_to "/status503/$cmd/")
    rm -rf c5
    run 3 "${CMD[@]}" --cache-dir c5 --cert ca/ca.pem --retries "$retries" -j 1 || continue
    # nginx logs a request once its response is complete: wait (bounded)
    after=$(nginx_requests "/status503/$cmd/" $((before + retries + 1)))
    # verify rebuilds the bundle only after the lock check, which reads the
    # index; the artifacts it asks for are the 503 ones
    first=$(grep "/status503/$cmd/" nginx/access.log | awk '{print $7}' | sort | uniq -c | sort -rn | head -1 | awk '{print $1}')
    [ "$((after - before))" -ge $((retries + 1)) ] && [ "${first:-0}" -le $((retries + 1)) ] &&
      [ "${first:-0}" -ge 1 ] && pass ||
      fail "$cmd --retries $retries: $((after - before)) requests, at most ${first:-0} per URL, expected $((retries + 1)) per URL"
    # the log keeps earlier rounds: count this round only
    grep -v "/status503/$cmd/" nginx/access.log >nginx/access.keep || true
    cat nginx/access.keep >nginx/access.log
  done
done

# --timeout: a server that accepts and never answers. With --timeout 1 and no
# retries the command gives up (the default would wait 30 s per attempt).
python3 - >stall.port <<'PY' &
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True); sys.stdout.close()
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
PY
stall_pid=$!
for _ in $(seq 50); do [ -s stall.port ] && break; sleep 0.1; done
stall="http://127.0.0.1:$(cat stall.port)"
sed "s|https://127.0.0.1:$TLS_PORT/|$stall/|g" good.lock >stall.lock
for cmd in lock fetch bundle verify; do
  LOCK=stall.lock
  command_line "$cmd"
  [ "$cmd" != lock ] || CMD=("$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index27" --refresh
                             -o fresh.lock --index-url "$stall/simple/")
  rm -rf c6
  run 3 timeout 20 "${CMD[@]}" --cache-dir c6 --timeout 1 --retries 0 &&
    expect_contains "$OUT$ERR" "127.0.0.1:$(cat stall.port)" "$cmd --timeout names the server"
done

# usage errors name the option
run 2 "$PWPKG" fetch --timeout 0 && expect_contains "$ERR" "--timeout" "--timeout 0"
run 2 "$PWPKG" lock --retries many && expect_contains "$ERR" "--retries" "--retries many"
# check's --timeout limits the run, not a transfer; it still parses as before
run 2 "$PWPKG" check --timeout && expect_contains "$ERR" "timeout" "check --timeout needs a value"

finish
