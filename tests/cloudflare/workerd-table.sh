#!/usr/bin/env bash
# Checks pwpkg's compatibility-flag table against a real workerd, or prints
# the table that workerd implies (--regenerate), so that following a new
# workerd is a data change in resolver/release.c plus a run of this script.
#
#   workerd-table.sh [--regenerate] [--pwpkg BIN] VERSION | --workerd BIN
#
# VERSION is a workerd release on npm (e.g. 1.20261117.1); its Linux binary
# (@cloudflare/workerd-linux-64) is fetched with `npm pack` unless it is the
# one tests/cloudflare/setup.sh installed. For each case the script writes a
# minimal workerd config (a Python worker, a date, flags) and runs `workerd
# serve` with an empty --pyodide-bundle-disk-cache-dir: workerd names the
# bundle it needs (pyodide_<release>_<date>_<n>.capnp.bin) and exits, since
# it is run in a network namespace of its own (`unshare -rn`) and so can
# reach nothing. Exit codes: 0 equal, 1 differences, 2 usage, 77 cannot run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
regenerate=0 workerd= version= pwpkg=${PWPKG:-}
while [ $# -gt 0 ]; do
  case $1 in
    --regenerate) regenerate=1 ;;
    --workerd) workerd=$2; shift ;;
    --pwpkg) pwpkg=$2; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "workerd-table.sh: unknown option $1" >&2; exit 2 ;;
    *) version=$1 ;;
  esac
  shift
done
[ -n "$workerd$version" ] || { echo "workerd-table.sh: give a workerd VERSION or --workerd BIN" >&2; exit 2; }
[ -n "$pwpkg" ] || pwpkg=$(cd "$here/../.." && pwd)/build/cli/pwpkg
[ -x "$pwpkg" ] || { echo "workerd-table.sh: no pwpkg binary at $pwpkg (--pwpkg BIN)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/workerd-table.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ -z "$workerd" ]; then
  pinned=$here/node_modules/@cloudflare/workerd-linux-64
  if [ -x "$pinned/bin/workerd" ] &&
     [ "$(node -p "require('$pinned/package.json').version" 2>/dev/null)" = "$version" ]; then
    workerd=$pinned/bin/workerd
  else
    (cd "$work" && npm pack --silent "@cloudflare/workerd-linux-64@$version" >/dev/null 2>&1) || {
      echo "workerd-table.sh: cannot fetch @cloudflare/workerd-linux-64@$version from npm" >&2
      exit 77
    }
    tar -xzf "$work"/cloudflare-workerd-linux-64-*.tgz -C "$work" package/bin/workerd
    workerd=$work/package/bin/workerd
  fi
fi
"$workerd" --version >/dev/null 2>&1 || { echo "workerd-table.sh: $workerd does not run" >&2; exit 77; }
unshare -rn true 2>/dev/null || {
  echo "workerd-table.sh: cannot give workerd a network namespace of its own (unshare -rn)," \
       "and it must not reach Cloudflare; skipped" >&2
  exit 77
}

mkdir -p "$work/worker" "$work/empty"
printf 'from workers import WorkerEntrypoint\n\nclass Default(WorkerEntrypoint):\n    async def fetch(self, request):\n        return None\n' \
  >"$work/worker/entry.py"

# probe DATE FLAG...: the Pyodide release workerd asks for, or "-" when it
# asks for none (an experimental flag refused, say).
probe() {
  local date=$1 flags="" f
  shift
  for f in "$@"; do flags+="${flags:+, }\"$f\""; done
  cat >"$work/worker/config.capnp" <<CAPNP
using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .w) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);
const w :Workerd.Worker = (
  modules = [ (name = "entry.py", pythonModule = embed "entry.py") ],
  compatibilityDate = "$date",
  compatibilityFlags = [$flags],
);
CAPNP
  rm -rf "$work/cache" && mkdir "$work/cache"
  local log
  log=$(cd "$work/worker" && timeout 20 unshare -rn "$workerd" serve config.capnp \
          --pyodide-bundle-disk-cache-dir "$work/cache" 2>&1 || true)
  if [[ $log =~ pyodide_([0-9a-z.]+)_[0-9-]+_[0-9]+\.capnp\.bin ]]; then
    echo "${BASH_REMATCH[1]}"
  else
    echo "-"
  fi
}

# pwpkg's choice for the same case, from an empty directory (no config).
pwpkg_choice() {
  local date=$1 args=() f
  shift
  for f in "$@"; do args+=(--compat-flag "$f"); done
  "$pwpkg" -q release --json -C "$work/empty" --compat-date "$date" "${args[@]}" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).release))'
}

day() { date -u -d "$1 $2 day" +%F; }

# The python_workers* flags this workerd has (its flag names are plain
# strings in the binary); release flags are those that change the bundle.
mapfile -t binary_flags < <(strings "$workerd" | grep -oE '^python_workers[a-z0-9_]*$' | sort -u)
mapfile -t binary_no_flags < <(strings "$workerd" | grep -oE '^no_python_workers[a-z0-9_]*$' | sort -u)
early=2024-01-01
base=$(probe $early python_workers)
[ "$base" != - ] || { echo "workerd-table.sh: workerd names no Pyodide bundle for a plain Python worker" >&2; exit 1; }

if [ $regenerate = 1 ]; then
  declare -A release_of
  release_flags=()
  for f in "${binary_flags[@]}"; do
    [ "$f" = python_workers ] && continue
    r=$(probe $early python_workers "$f")
    if [ "$r" != "$base" ] && [ "$r" != - ]; then release_flags+=("$f"); release_of[$f]=$r; fi
  done
  # Field order: the flag that wins every pairing with a later one comes last.
  ordered=()
  for f in "${release_flags[@]}"; do
    wins=0
    for g in "${release_flags[@]}"; do
      [ "$f" = "$g" ] && continue
      [ "$(probe $early python_workers "$f" "$g")" = "${release_of[$f]}" ] && wins=$((wins + 1))
    done
    ordered+=("$wins $f")
  done
  echo "/* workerd $("$workerd" --version 2>&1 | head -1), by tests/cloudflare/workerd-table.sh --regenerate */"
  printf '    {"python_workers", "%s", NULL},\n' "$base"
  while read -r _ f; do
    # Default-on date: bisect the first day on which only this flag (the
    # others disabled where they can be) selects its release.
    others=()
    for g in "${release_flags[@]}"; do
      [ "$g" != "$f" ] && printf '%s\n' "${binary_no_flags[@]}" | grep -qx "no_$g" && others+=("no_$g")
    done
    on() { [ "$(probe "$1" python_workers "${others[@]}")" = "${release_of[$f]}" ]; }
    lo=$early hi=2099-12-31 default=NULL
    if on $hi && ! on $lo; then
      while [ "$(day "$lo" +1)" != "$hi" ]; do
        mid=$(date -u -d "@$(( ($(date -u -d "$lo" +%s) + $(date -u -d "$hi" +%s)) / 2 ))" +%F)
        if on "$mid"; then hi=$mid; else lo=$mid; fi
      done
      default="\"$hi\""
    fi
    printf '    {"%s", "%s", %s},\n' "$f" "${release_of[$f]}" "$default"
  done < <(printf '%s\n' "${ordered[@]}" | sort -n)
  others=()
  for f in "${binary_flags[@]}"; do
    [ "$f" = python_workers ] || [ -n "${release_of[$f]:-}" ] || others+=("\"$f\"")
  done
  echo "/* other python flags: ${others[*]} */"
  exit 0
fi

table=$("$pwpkg" -q release --table --json)
mapfile -t table_flags < <(node -e 'const t=JSON.parse(process.argv[1]); for (const f of t.flags) console.log(f.name)' "$table")
mapfile -t table_dates < <(node -e 'const t=JSON.parse(process.argv[1]); for (const f of t.flags) if (f.default_on) console.log(f.default_on)' "$table")
mapfile -t table_others < <(node -e 'const t=JSON.parse(process.argv[1]); for (const f of t.other_python_flags) console.log(f)' "$table")
failures=0 cases=0
known=$(printf '%s\n' "${table_flags[@]}" "${table_others[@]}" | sort -u)
for f in "${binary_flags[@]}"; do
  if ! grep -qx "$f" <<<"$known"; then
    echo "DIFF: workerd has the flag $f, which pwpkg's table does not list" >&2
    failures=$((failures + 1))
  fi
done
for f in "${table_flags[@]}"; do
  if ! printf '%s\n' "${binary_flags[@]}" | grep -qx "$f"; then
    echo "DIFF: pwpkg's table lists $f, which this workerd does not have" >&2
    failures=$((failures + 1))
  fi
done

dates=(2024-01-01 2024-03-01 2024-06-15 2024-12-31 2025-01-16 2025-06-01 2025-12-31
       2026-01-01 2026-06-10 2026-08-17 2026-12-31 2027-01-01 2027-06-30 2027-12-31)
for d in "${table_dates[@]}"; do dates+=("$(day "$d" -1)" "$d" "$(day "$d" +1)"); done
flagsets=("python_workers")
for f in "${table_flags[@]}"; do
  [ "$f" = python_workers ] && continue
  flagsets+=("python_workers $f" "python_workers no_$f")
done
flagsets+=("python_workers ${table_flags[*]:1}")
for d in $(printf '%s\n' "${dates[@]}" | sort -u); do
  for set in "${flagsets[@]}"; do
    # shellcheck disable=SC2086
    want=$(probe "$d" $set)
    # shellcheck disable=SC2086
    got=$(pwpkg_choice "$d" $set)
    cases=$((cases + 1))
    if [ "$want" != "$got" ]; then
      echo "DIFF: $d [$set]: workerd runs Pyodide $want, pwpkg picks $got" >&2
      failures=$((failures + 1))
    fi
  done
done
echo "workerd-table: $cases cases, $failures differences (workerd $("$workerd" --version 2>&1 | head -1))"
[ "$failures" -eq 0 ]
