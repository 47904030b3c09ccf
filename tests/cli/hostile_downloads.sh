#!/usr/bin/env bash
# A server that keeps sending past the size the index declared (PEP 691
# `size`) is cut off as soon as more arrives; the partial file is deleted.
# The endless body is 13 GB: without the bound this test fills the disk or
# times out (a ulimit on file size makes the failure quick).
source "$(dirname "$0")/lib.bash"
index27=$(pyodide_index 0.27.7)
python3 "$PWPKG_SOURCE_DIR/tests/tools/endless_server.py" >port &
server=$!
on_exit 'kill $server 2>/dev/null'
for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
echo endless >requirements.txt
( ulimit -f 102400  # 50 MiB in 512-byte blocks
  run 1 "$PWPKG" lock --pyodide 0.27.7 --pyodide-index "$index27" --index-url "http://127.0.0.1:$(cat port)/simple/"
  expect_contains "$ERR" "larger than the expected 4096 bytes" "cut off at the declared size"
  finish ) || failures=$((failures + 1))
used=$(du -sk "$PWPKG_CACHE_DIR" | cut -f1)
[ "$used" -lt 1024 ] && pass || fail "the cache holds ${used} KiB after the refused download"
[ -z "$(find "$PWPKG_CACHE_DIR" -name '*.part' -size +4k)" ] && pass || fail "a partial file larger than declared was kept"
finish
