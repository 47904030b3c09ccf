#!/usr/bin/env bash
# pwpkg check on real Python Workers: Cloudflare's own templates (npm
# create-cloudflare, pinned in tests/cloudflare) pass `check --entry` and
# answer `check --request 'GET /'`; the stand-in workers package, the
# Workers globals on js, the upload layout wrangler makes, the snapshot kind
# the flags ask for, and handlers that raise (docs/check.md).
source "$(dirname "$0")/lib.bash"
tools=$(dirname "$PWPKG")/../tests

if ! setup_log=$(bash "$PWPKG_SOURCE_DIR/tests/cloudflare/setup.sh" 2>&1); then
  echo "SKIP: the pinned Cloudflare clients cannot be installed (npm registry unreachable?):"
  echo "$setup_log" | tail -3
  exit 0
fi
source "$PWPKG_SOURCE_DIR/tests/cloudflare/env.bash"
CF_DIR=$PWPKG_SOURCE_DIR/tests/cloudflare
# The date create-cloudflare writes into a new project (its DEFAULT_COMPAT_DATE).
c3_date=$(grep -o 'DEFAULT_COMPAT_DATE = "[0-9-]*"' "$CF_TEMPLATES/../dist/cli.js" | head -1 | cut -d'"' -f2)
[ -n "$c3_date" ] && pass || fail "no DEFAULT_COMPAT_DATE in create-cloudflare"
# That date runs Pyodide 314.0.6 (python_workers_314, docs/releases.md).
runtimes=$(pyodide_runtime_cache 314.0.6)
index="$runtimes/runtimes/314.0.6/pyodide-lock.json"
check() { "$PWPKG" check --cache-dir "$runtimes" "$@"; }

# A project from a create-cloudflare Python template, placeholders filled
# as create-cloudflare fills them.
from_template() { # TEMPLATE DIR
  cp -r "$CF_TEMPLATES/$1/py" "$2"
  [ -f "$2/__dot__gitignore" ] && mv "$2/__dot__gitignore" "$2/.gitignore"
  sed -i "s/<WORKER_NAME>/$(basename "$2")/; s/<COMPATIBILITY_DATE>/$c3_date/" "$2"/wrangler.json*
  sed -i "s/<PROJECT_NAME>/$(basename "$2")/" "$2/pyproject.toml"
  sed -i "s/<PACKAGE_NAME>/$(basename "$2")/" "$2/package.json"
}
# lock + bundle in the current directory (extra lock arguments allowed).
lock_bundle() {
  run 0 "$PWPKG" lock --pyodide-index "$index" "$@" || return
  run 0 "$PWPKG" bundle
}

# The committed list of Workers globals is the one the pinned
# @cloudflare/workers-types gives.
gen=$PWPKG_SOURCE_DIR/runtime-check/stand-ins/gen-workers-globals.mjs
run 0 node "$gen" "$CF_DIR/node_modules/@cloudflare/workers-types"
[ "$OUT" = "$(cat "$PWPKG_SOURCE_DIR/runtime-check/stand-ins/workers-globals.json")" ] && pass ||
  fail "runtime-check/stand-ins/workers-globals.json is stale: regenerate it with $gen"
expect_contains "$OUT" '"HTMLRewriter"' "HTMLRewriter is a Workers global"

# --- Cloudflare's four Python templates, unedited
for t in hello-world hello-world-durable-object hello-world-with-assets \
         hello-world-durable-object-with-assets; do
  from_template "$t" "$WORK/$t"
  cd "$WORK/$t"
  lock_bundle
  run 0 check --entry src/entry.py
  expect_contains "$ERR" "ok   entry" "$t: entry imports"
  expect_contains "$ERR" "package snapshot" "$t: snapshot kind"
  run 0 check --request 'GET /'
  expect_contains "$ERR" "first response" "$t: time to first response"
  case $t in
    hello-world) expect_contains "$OUT" "200" "$t: status"
                 expect_contains "$OUT" "Hello World!" "$t: greeting" ;;
    hello-world-durable-object) expect_contains "$OUT" "Hello, world!" "$t: greeting via the Durable Object" ;;
    *-with-assets)
      # / is public/index.html, served before the Worker as Cloudflare does.
      expect_contains "$ERR" "assets (public/index.html, before the Worker)" "$t: / from the assets"
      expect_contains "$OUT" "This page comes from a static asset" "$t: index.html"
      expect_contains "$OUT" "content-type: text/html" "$t: asset type"
      run 0 check --request 'GET /message'
      case $t in
        hello-world-with-assets) expect_contains "$OUT" "Hello, World!" "$t: /message" ;;
        *) expect_contains "$OUT" "Hello, world!" "$t: greeting via the Durable Object" ;;
      esac ;;
  esac
done
cd "$WORK"

# Installed, pwpkg finds the harness and its stand-ins under share/pwpkg.
build=$(dirname "$(dirname "$PWPKG")")
if [ -f "$build/cmake_install.cmake" ]; then
  run 0 cmake --install "$build" --prefix "$WORK/inst"
  [ -f "$WORK/inst/share/pwpkg/stand-ins/python/workers/__init__.py" ] && pass ||
    fail "stand-in workers package not installed"
  cd "$WORK/hello-world"
  run 0 "$WORK/inst/bin/pwpkg" check --cache-dir "$runtimes" --request 'GET /'
  expect_contains "$OUT" "Hello World!" "installed pwpkg answers with the installed stand-ins"
  cd "$WORK"
fi

# A Worker project of our own: wrangler.toml, src/entry.py, a lock.
project() { # DIR [wrangler.toml lines...]
  mkdir -p "$WORK/$1/src"
  cd "$WORK/$1"
  local dir=$1
  shift
  { printf 'name = "%s"\nmain = "src/entry.py"\ncompatibility_date = "%s"\n' "$dir" "$c3_date"
    printf '%s\n' "$@"; } >wrangler.toml
  : >requirements.txt
  grep -q '^compatibility_flags' wrangler.toml || echo 'compatibility_flags = ["python_workers"]' >>wrangler.toml
}

# --- Durable Object, Workflow, scheduled and queue handlers, vars and .dev.vars
project bindings '[vars]' 'GREETING = "hi"' '' \
  '[[durable_objects.bindings]]' 'name = "COUNTER"' 'class_name = "Counter"' '' \
  '[[workflows]]' 'name = "flow"' 'binding = "FLOW"' 'class_name = "MyFlow"'
echo 'SECRET="s3cret"' >.dev.vars
cat >src/entry.py <<'EOF'
from workers import DurableObject, Response, WorkerEntrypoint, WorkflowEntrypoint


class Counter(DurableObject):
    def __init__(self, ctx, env):
        super().__init__(ctx, env)
        self.n = 0

    async def bump(self):
        self.n += 1
        return self.n


class MyFlow(WorkflowEntrypoint):
    async def run(self, event, step):
        return "done"


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        if request.url.endswith("/flow"):
            await self.env.FLOW.create()
        stub = self.env.COUNTER.getByName("a")
        await stub.bump()
        return Response.json({"count": await stub.bump(), "greeting": self.env.GREETING,
                              "secret": self.env.SECRET, "method": request.method})

    async def scheduled(self, controller):
        print("scheduled ran:", controller.cron)

    async def queue(self, batch):
        for message in batch.messages:
            print("queue got:", message.body)
            message.ack()
EOF
lock_bundle
run 0 check --request 'POST /items'
expect_contains "$OUT" '"count": 2' "Durable Object state kept per name"
expect_contains "$OUT" '"greeting": "hi"' "vars in env"
expect_contains "$OUT" '"secret": "s3cret"' ".dev.vars in env"
expect_contains "$OUT" '"method": "POST"' "request method"
expect_contains "$OUT" "content-type: application/json" "Response.json header"
run 0 check --scheduled
expect_contains "$ERR" "scheduled ran:" "scheduled handler called"
run 0 check --queue 'a message'
expect_contains "$ERR" "queue got: a message" "queue handler called"
# A binding pwpkg cannot run raises when used, naming it; exit 1.
run 1 check --request 'GET /flow'
expect_contains "$ERR" "env.FLOW.create" "unusable binding named"
expect_contains "$ERR" "not available in pwpkg check" "unusable binding says why"
run 0 "$PWPKG" --json check --cache-dir "$runtimes" --request 'GET /'
expect_contains "$OUT" '"snapshot_kind": "package"' "json: snapshot kind"
expect_contains "$OUT" '"status": 200' "json: response"

# --- a handler that raises: exit 1 with its traceback
project raising
cat >src/entry.py <<'EOF'
from workers import WorkerEntrypoint


def explode():
    raise ValueError("boom in the handler")


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        explode()
EOF
lock_bundle
run 0 check
run 1 check --request 'GET /'
expect_contains "$ERR" "ValueError: boom in the handler" "handler error"
expect_contains "$ERR" "Traceback" "handler traceback"
expect_contains "$ERR" '/session/metadata/entry.py", line 5, in explode' "traceback names the Worker's line as uploaded"

# --- Workers-only JS globals at top level; python_dedicated_snapshot
project jsglobals 'compatibility_flags = ["python_workers", "python_dedicated_snapshot"]'
cat >src/entry.py <<'EOF'
from js import HTMLRewriter, WebSocketPair, caches, navigator, scheduler
from workers import Response, WorkerEntrypoint

USER_AGENT = navigator.userAgent


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        rewriter = HTMLRewriter.new()
        if request.url.endswith("/rewrite"):
            rewriter.on("a", None)
        return Response(USER_AGENT)
EOF
lock_bundle
run 0 check
expect_contains "$ERR" "dedicated snapshot (python_dedicated_snapshot" "dedicated snapshot reported"
run 0 check --request 'GET /'
expect_contains "$OUT" "Cloudflare-Workers" "navigator.userAgent"
run 1 check --request 'GET /rewrite'
expect_contains "$ERR" "HTMLRewriter.on" "stand-in raises on use, naming it"
# Randomness at top level breaks a dedicated snapshot only.
printf 'import random\nTOKEN = random.random()\n' >>src/entry.py
run 1 check
expect_contains "$ERR" "uses randomness at import time" "random flagged with a dedicated snapshot"
sed -i 's/, "python_dedicated_snapshot"//' wrangler.toml
run 0 check
expect_contains "$ERR" "package snapshot" "package snapshot when the flag is off"
# A JS object made at top level: fine in a package snapshot, flagged in a dedicated one.
sed -i '/^import random/,$d' src/entry.py
printf 'import js\nPENDING = js.Object.new()\n' >>src/entry.py
run 0 check
sed -i 's/"python_workers"]/"python_workers", "python_dedicated_snapshot"]/' wrangler.toml
run 1 check
expect_contains "$ERR" "entry.PENDING holds a JavaScript object" "JS object flagged with a dedicated snapshot"

# --- the upload layout: siblings and packages are importable as uploaded
project layout
printf 'def message():\n    return "from a sibling"\n' >src/helpers.py
mkdir -p src/pkg
printf 'VALUE = "from a package beside the entry"\n' >src/pkg/__init__.py
cat >src/entry.py <<'EOF'
import workers
from helpers import message
from pkg import VALUE

assert workers.STAND_IN and __name__ == "entry", (workers, __name__)


def on_fetch(request, env):
    return workers.Response(message() + "; " + VALUE)
EOF
lock_bundle
run 0 check --request 'GET /'
expect_contains "$OUT" "from a sibling; from a package beside the entry" "sibling modules, on_fetch"
# A module wrangler would not upload as Python fails, naming the rule.
printf '[[rules]]\ntype = "Text"\nglobs = ["**/helpers.py"]\n' >>wrangler.toml
run 1 check
expect_contains "$ERR" "No module named 'helpers'" "not-uploaded module fails"
expect_contains "$ERR" 'uploads it as a Text module (rule ["**/helpers.py"]' "the rule is named"
expect_contains "$ERR" "wrangler.toml:" "the config line is named"
# A module outside base_dir is not uploaded either.
sed -i '/^\[\[rules\]\]/,$d' wrangler.toml
mkdir -p lib && mv src/helpers.py lib/helpers.py
run 1 check
expect_contains "$ERR" "No module named 'helpers'" "a module outside base_dir is not importable"
mv lib/helpers.py src/helpers.py

# python_modules.exclude drops a bundled package: its import fails, naming it.
mkdir -p wheels
"$tools/pw_wheelgen" --out wheels --name tinypkg --version 1.0 --file 'tinypkg/__init__.py=X = 1
' >/dev/null || fail "pw_wheelgen tinypkg"
echo tinypkg >requirements.txt
lock_bundle --no-index --find-links wheels
run 0 check
printf '[python_modules]\nexclude = ["tinypkg/**"]\n' >>wrangler.toml
run 1 check
expect_contains "$ERR" 'python_modules.exclude "tinypkg/**"' "exclude rule named"

# --- the bundle's own workers package (workers-runtime-sdk) wins over the stand-in
project realsdk
mkdir -p wheels
"$tools/pw_wheelgen" --out wheels --name workers-runtime-sdk --version 1.6.0 \
  --file 'workers/__init__.py=REAL = True
class WorkerEntrypoint:
    def __init__(self, ctx, env):
        self.ctx, self.env = ctx, env
' >/dev/null || fail "pw_wheelgen workers-runtime-sdk"
echo workers-runtime-sdk >requirements.txt
printf 'import workers\nassert workers.REAL and not hasattr(workers, "STAND_IN")\n' >src/entry.py
lock_bundle --no-index --find-links wheels
run 0 check
expect_contains "$ERR" "ok   entry" "the bundled workers package is the one imported"

# usage errors
run 2 check --request 'get'
expect_contains "$ERR" "expected 'METHOD /path'" "bad --request"
run 2 check --request 'GET /' --scheduled
finish
