#!/usr/bin/env bash
# gen_wheel_seeds.sh WHEELGEN OUT_DIR
#
# Writes the seed corpus of the wheel fuzz target into OUT_DIR: a sound
# wheel, variants that reach the strip and data-directory paths, a shared
# library zip, and one archive per flaw of the malicious corpus. Archives are
# generated, never committed (see corpus/wheel/README). All seeds use
# --name fz --version 1.0, the names fuzz_wheel.c gives its archives.
set -euo pipefail
wheelgen=$1
out=$2
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/pwpkg-wheelseeds.XXXXXX")
trap 'rm -rf "$work"' EXIT

gen() { # gen SEED-NAME pw_wheelgen-arguments...
    local seed=$1
    shift
    rm -rf "$work/out"
    local path
    path=$("$wheelgen" --name fz --version 1.0 --out "$work/out" "$@")
    mv "$path" "$out/$seed"
}

gen sound.whl --module fz --requires 'attrs>=22; python_version >= "3.8"' --extra test \
    --requires-python '>=3.10' --summary 'fuzz seed'
gen strip.whl --module fz --file 'fz/tests/test_x.py=assert True' \
    --file 'fz/__pycache__/x.cpython-312.pyc=pyc' --file 'fz/x.py=x = 1' \
    --file 'fz/x.pyi=x: int' --file 'fz/py.typed='
gen data.whl --module fz --file 'fz-1.0.data/scripts/fz-run=#!python' \
    --file 'fz-1.0.data/purelib/extra.py=y = 2'
gen platlib.whl --module fz --platlib
gen wheel2.whl --module fz --wheel-version 2.0
gen small-bomb.whl --module fz --flaw bomb --bomb-size 900000
gen shlib.zip --shared-lib --file 'lib/libfz.so=ELF'
for flaw in path-traversal absolute-path backslash drive-letter symlink device bomb hash-mismatch \
    size-mismatch no-record no-wheel name-mismatch two-dist-info duplicate unlisted-file \
    missing-listed; do
    gen "flaw-$flaw.whl" --module fz --flaw "$flaw" --bomb-size 2097152
done
