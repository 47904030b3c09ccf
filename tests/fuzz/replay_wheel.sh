#!/usr/bin/env bash
# replay_wheel.sh WHEELGEN REPLAY SEED_DIR REGRESSION_DIR
# ctest's fuzz/replay_wheel: generates the wheel seeds, then replays them and
# the saved regressions through the harness.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$3"
bash "$here/gen_wheel_seeds.sh" "$1" "$3"
exec "$2" --min "$(ls "$3" | wc -l)" "$3" "$4"
