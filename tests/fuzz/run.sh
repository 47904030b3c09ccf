#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Builds the libFuzzer targets with clang (-DPWPKG_FUZZ=ON, ASan+UBSan) into
# build-fuzz/ and runs each TARGET (default: all) for SECONDS_PER_TARGET
# (default 60) on a working copy of its seed corpus, so the repository is
# never modified. Prints executions, coverage and corpus size per target.
# Every crash, leak, timeout or OOM input found is minimized and reported
# with its path; the script then exits 1. Commit a reproducer as
# tests/fuzz/regressions/<target>/crash-<what>.txt (or .hex for binary
# input) once the bug is fixed, so that ctest replays it forever.
#
# Environment: PWPKG_FUZZ_BUILD (build dir, default <repo>/build-fuzz),
# PWPKG_FUZZ_PARALLEL (targets run at once, default 2), PWPKG_FUZZ_JOBS
# (build jobs, default 2), PWPKG_FUZZ_KEEP_GOING=1 (after a crash, start
# libFuzzer again on the grown corpus until the time is used up, at most 1000
# sessions, instead of stopping at the first crash; executions are summed
# over the sessions), PWPKG_FUZZ_MINIMIZE (how many crashes per target to
# minimize and describe, default 3; every path is listed in
# build-fuzz/fuzz-work/<target>/crashes.txt).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${PWPKG_FUZZ_BUILD:-$root/build-fuzz}
parallel=${PWPKG_FUZZ_PARALLEL:-2}
seconds=${1:-60}
[ $# -gt 0 ] && shift
all_targets=(reqfile pep440 pep508 simple_index pyodide_index metadata lockfile wheel toml wrangler escape trace profile)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")

case $seconds in
'' | *[!0-9]*) echo "run.sh: SECONDS_PER_TARGET must be a number, got '$seconds'" >&2; exit 2 ;;
esac
for t in "${targets[@]}"; do
    case " ${all_targets[*]} " in
    *" $t "*) ;;
    *) echo "run.sh: unknown target '$t' (known: ${all_targets[*]})" >&2; exit 2 ;;
    esac
done

# Longest input worth trying, per target: a little above the largest
# realistic input of that format, so time goes to structure, not bulk.
max_len() {
    case $1 in
    pep440) echo 256 ;;
    pep508) echo 1024 ;;
    reqfile | wrangler) echo 4096 ;;
    toml) echo 8192 ;;
    metadata) echo 16384 ;;
    lockfile) echo 32768 ;;
    simple_index | pyodide_index | wheel) echo 65536 ;;
    esac
}

echo "== building fuzz targets in $build"
mkdir -p "$build"
CC=clang cmake -S "$root" -B "$build" -DPWPKG_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/configure.log" 2>&1 ||
    { cat "$build/configure.log" >&2; exit 2; }
build_targets=(pw_wheelgen)
for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
cmake --build "$build" -j"${PWPKG_FUZZ_JOBS:-2}" --target "${build_targets[@]}" >"$build/fuzz-build.log" 2>&1 ||
    { tail -40 "$build/fuzz-build.log" >&2; exit 2; }
wheelgen=$(find "$build" -name pw_wheelgen -type f -perm -u+x | head -1)
fuzzbin() { find "$build" -name "fuzz_$1" -type f -perm -u+x | head -1; }

work=$build/fuzz-work
# UBSan only logs by default in -fsanitize=fuzzer-no-link builds: make every
# undefined behaviour a crash that libFuzzer records.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
run_one() {
    local t=$1 dir=$work/$1
    local corpus=$dir/corpus art=$dir/artifacts log=$dir/fuzz.log
    mkdir -p "$corpus"
    echo setup-failed >"$dir/status"
    rm -rf "$art"
    mkdir -p "$art"
    if [ "$t" = wheel ]; then
        bash "$here/gen_wheel_seeds.sh" "$wheelgen" "$corpus"
    else
        find "$here/corpus/$t" -maxdepth 1 -type f ! -name 'README*' -exec cp -f {} "$corpus/" \;
    fi
    local dict=()
    [ -f "$here/dict/$t.dict" ] && dict+=("-dict=$here/dict/$t.dict")
    local start=$SECONDS left=$seconds sessions=0 rc=0
    : >"$log"
    while :; do
        set +e
        TMPDIR=$dir "$(fuzzbin "$t")" -max_total_time="$left" -print_final_stats=1 \
            -max_len="$(max_len "$t")" -timeout=20 -rss_limit_mb=2048 -artifact_prefix="$art/" \
            "${dict[@]}" "$corpus" >>"$log" 2>&1
        rc=$?
        set -e
        sessions=$((sessions + 1))
        left=$((seconds - (SECONDS - start)))
        if [ "$rc" = 0 ] || [ "${PWPKG_FUZZ_KEEP_GOING:-0}" != 1 ] || [ "$left" -le 1 ] ||
            [ "$sessions" -ge 1000 ]; then
            break
        fi
    done
    echo "$sessions" >"$dir/sessions"
    echo "$rc" >"$dir/status"
    set -e
}

i=0
for t in "${targets[@]}"; do
    echo "== fuzzing $t for ${seconds}s"
    run_one "$t" &
    i=$((i + 1))
    if [ $((i % parallel)) -eq 0 ]; then wait; fi
done
wait

failed=0
printf '\n%-14s %12s %10s %8s %8s %8s %14s  %s\n' target execs exec/s cov ft sessions corpus status
for t in "${targets[@]}"; do
    dir=$work/$t log=$work/$t/fuzz.log
    status_line=$(grep -aE '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
    # Summed over the sessions (one unless PWPKG_FUZZ_KEEP_GOING restarted).
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{n += $1} END {print n + 0}')
    rate=$((execs / (seconds > 0 ? seconds : 1)))
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status_line")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status_line")
    files=$(find "$dir/corpus" -type f | wc -l)
    bytes=$(du -sb "$dir/corpus" | cut -f1)
    status=ok
    crashes=$(find "$dir/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
        -o -name 'oom-*' -o -name 'slow-unit-*' \) ! -name 'minimized-*' | sort)
    if [ -n "$crashes" ] || [ "$(cat "$dir/status")" != 0 ]; then
        status="FAILED ($(wc -w <<<"$crashes") artifacts)"
        failed=1
    fi
    printf '%-14s %12s %10s %8s %8s %8s %5s/%-8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
        "$(cat "$dir/sessions" 2>/dev/null || echo ?)" "$files" "$bytes" "$status"
done

for t in "${targets[@]}"; do
    dir=$work/$t
    crashes=$(find "$dir/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
        -o -name 'oom-*' -o -name 'slow-unit-*' \) ! -name 'minimized-*' | sort)
    if [ -z "$crashes" ]; then
        if [ "$(cat "$dir/status")" != 0 ]; then
            echo "!! $t: libFuzzer exited with status $(cat "$dir/status") without an artifact; see $dir/fuzz.log"
        fi
        continue
    fi
    printf '%s\n' $crashes >"$dir/crashes.txt"
    total=$(wc -l <"$dir/crashes.txt")
    echo "!! $t: $total crash inputs, listed in $dir/crashes.txt"
    n=0
    for c in $crashes; do
        n=$((n + 1))
        if [ $n -gt "${PWPKG_FUZZ_MINIMIZE:-3}" ]; then break; fi
        echo "!! $t: $c"
        # What went wrong, from a fresh run of just this input.
        TMPDIR=$dir "$(fuzzbin "$t")" -timeout=20 "$c" 2>&1 |
            grep -a -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error|fuzz invariant|libFuzzer: (timeout|out-of-memory)' |
            cut -c1-300 | sed 's/^/   /' || true
        case $(basename "$c") in
        crash-* | leak-* | timeout-*)
            min=$dir/artifacts/minimized-$(basename "$c")
            (cd "$dir" && TMPDIR=$dir "$(fuzzbin "$t")" -minimize_crash=1 -max_total_time=15 -timeout=20 \
                -exact_artifact_path="$min" "$c" >"$dir/minimize-$(basename "$c").log" 2>&1) || true
            [ -f "$min" ] && echo "   minimized: $min ($(wc -c <"$min") bytes)"
            echo "   reproduce: $(fuzzbin "$t") $c"
            ;;
        esac
    done
done
exit $failed
