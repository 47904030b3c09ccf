// pwpkg check harness: loads a Pyodide release under Node.js and proves a
// python_modules/ bundle imports the way Cloudflare's deploy-time validator
// imports a Worker (docs/check.md).
//
// Protocol (driven by runtime-check/check.c): one JSON request on stdin;
// JSON lines on stdout, one event each; everything else (Pyodide's own
// console output, Python's print) goes to stderr, so stdout stays parseable.
//
// Modes:
//   "check"   load, mount the bundle, import each module (timed, with
//             tracebacks), record randomness used at import, find module
//             globals holding JS objects that a snapshot cannot serialize,
//             optionally make a memory snapshot and write it atomically;
//   "restore" load from a snapshot in this fresh process and check the
//             modules are already in sys.modules;
//   "compile" byte-compile every .py of a tree with the release's Python.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runExercise, traceOpens } from "./trace.mjs";
import { heapBytes, startProfile, stopProfile } from "./profile.mjs";

const processStart = performance.now();
const stdoutFd = 1;

function emit(event) {
  fs.writeSync(stdoutFd, JSON.stringify(event) + "\n");
}

// Stray console.log output (Pyodide prints "Loading ..." messages) must not
// corrupt the event stream.
console.log = (...args) => console.error(...args);
console.info = (...args) => console.error(...args);

function readStdin() {
  const chunks = [];
  const buf = Buffer.alloc(65536);
  for (;;) {
    let n;
    try {
      n = fs.readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      if (e.code === "EAGAIN") continue;
      if (e.code === "EOF") break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString("utf8");
}

function peakRssBytes() {
  // resourceUsage().maxRSS is in kilobytes.
  return process.resourceUsage().maxRSS * 1024;
}

// Where the bundle and the Worker's own files appear inside Pyodide: the
// paths Cloudflare uses, so that tracebacks and co_filename look the same.
const BUNDLE_MOUNT = "/session/metadata/python_modules";
const ENTRY_MOUNT = "/session/metadata";
const COMPILE_MOUNT = "/session/compile";
// pwpkg's stand-ins for what only Cloudflare's runtime has (docs/check.md):
// they sit beside this file, in the source tree and once installed.
const STAND_INS = path.join(path.dirname(fileURLToPath(import.meta.url)), "stand-ins");
const STAND_INS_MOUNT = "/session/pwpkg-stand-ins";

class NotAvailableInCheck extends Error {
  constructor(what) {
    super(`${what} is a Cloudflare Workers global that is not available in pwpkg check`);
    this.name = "NotAvailableInCheck";
  }
}

// An object any use of which raises: property reads give functions that
// throw, so `caches.default.match(...)` fails at the call, not at import.
function unusable(label) {
  const fail = () => { throw new NotAvailableInCheck(label); };
  return new Proxy(function () {}, {
    get(_t, prop) {
      if (prop === Symbol.toPrimitive || prop === "then" || typeof prop === "symbol") return undefined;
      if (prop === "toString") return () => `[pwpkg stand-in ${label}]`;
      return unusable(`${label}.${String(prop)}`);
    },
    apply: fail,
    construct: fail,
    set: fail,
  });
}

// A class that constructs and whose instances raise on use.
function standInClass(name) {
  const cls = class {
    constructor() {
      return new Proxy(this, {
        get(t, prop) {
          if (typeof prop === "symbol" || prop === "then" || prop === "constructor") return t[prop];
          return unusable(`${name}.${String(prop)}`);
        },
      });
    }
  };
  Object.defineProperty(cls, "name", { value: name });
  return cls;
}

// The Workers global scope (workers-globals.json, generated from
// @cloudflare/workers-types): what Node has passes through, the rest gets a
// stand-in, so that `from js import HTMLRewriter` works at top level as on
// Cloudflare. Installed before Pyodide loads, so a snapshot made here and
// one restored later see the same globalThis.
function installWorkersGlobals() {
  const list = JSON.parse(fs.readFileSync(path.join(STAND_INS, "workers-globals.json"), "utf8"));
  for (const { name, kind } of list.globals) {
    if (name in globalThis) continue;
    let value;
    if (name === "self") value = globalThis;
    else if (name === "navigator") value = {};
    else if (kind === "class") value = standInClass(name);
    else if (kind === "function") value = name === "reportError" ? (e) => console.error(e) : unusable(name);
    else if (kind === "object") value = unusable(name);
    else continue; // plain values (origin) have no meaningful stand-in
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true });
  }
  Object.defineProperty(globalThis.navigator, "userAgent",
    { value: "Cloudflare-Workers", configurable: true });
  return list.source;
}

function mountHost(py, hostDir, mountPoint) {
  py.FS.mkdirTree(mountPoint);
  py.FS.mount(py.FS.filesystems.NODEFS, { root: path.resolve(hostDir) }, mountPoint);
}

function snapshotSupport(py) {
  // 0.26 has makeMemorySnapshot but not the hiwire serializer that the
  // 0.27+ snapshot format (and Cloudflare's validator) relies on.
  return typeof py.makeMemorySnapshot === "function" &&
    py._api && typeof py._api.serializeHiwireState === "function";
}

async function load(req, extra) {
  installWorkersGlobals();
  const runtimeDir = path.resolve(req.runtime_dir);
  const mod = await import(pathToFileURL(path.join(runtimeDir, "pyodide.mjs")).href);
  const py = await mod.loadPyodide({
    indexURL: runtimeDir + "/",
    stdout: (s) => process.stderr.write(s + "\n"),
    stderr: (s) => process.stderr.write(s + "\n"),
    ...extra,
  });
  if (req.mode !== "compile") mountHost(py, path.join(STAND_INS, "python"), STAND_INS_MOUNT);
  return py;
}

// ----------------------------------------------------- the upload layout

// glob-to-regexp 0.4.1 with {globstar: true}, the matcher wrangler 4.164.0
// applies to `rules` and `python_modules.exclude`: `**/` spans directories,
// `*` stays within one, every other character is literal.
function wranglerGlob(glob) {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") {
      const prev = glob[i - 1];
      let stars = 1;
      while (glob[i + 1] === "*") { stars++; i++; }
      const next = glob[i + 1];
      if (stars > 1 && (prev === "/" || prev === undefined) && (next === "/" || next === undefined)) {
        re += "((?:[^/]*(?:\\/|$))*)";
        i++;
      } else {
        re += "([^/]*)";
      }
    } else if ("/$^+.()=!|?[]{},".includes(c)) {
      re += "\\" + c;
    } else {
      re += c;
    }
  }
  return new RegExp("^" + re + "$");
}

// wrangler's parseRules: the config's rules, the PythonModule rule that a
// .py main adds (applyPythonConfig), then the default rules; a rule whose
// type an earlier rule without fallthrough already claimed is dropped.
function effectiveRules(w) {
  const user = (w.rules || []).map((r, i) => ({ ...r, origin: `rules[${i}] (${w.rules_origin})` }));
  const all = [...user,
    { type: "PythonModule", globs: ["**/*.py"], origin: "wrangler's PythonModule rule for a .py main" },
    { type: "Text", globs: ["**/*.txt", "**/*.html", "**/*.sql"], origin: "wrangler's default rules" },
    { type: "Data", globs: ["**/*.bin"], origin: "wrangler's default rules" },
    { type: "CompiledWasm", globs: ["**/*.wasm", "**/*.wasm?module"], origin: "wrangler's default rules" }];
  const done = new Set();
  const kept = [];
  for (const r of all) {
    if (done.has(r.type)) continue;
    if (!r.fallthrough) done.add(r.type);
    kept.push({ ...r, res: r.globs.map(wranglerGlob) });
  }
  return kept;
}

function* walk(root, rel = "") {
  let entries;
  try {
    entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) yield* walk(root, r);
    else if (e.isFile()) yield r;
  }
}

function moduleNameOf(rel) {
  let m = rel.replace(/\.py$/, "").split("/").join(".");
  if (m.endsWith(".__init__")) m = m.slice(0, -".__init__".length);
  return m;
}

// A bare `entry` (the API without a Worker description): its directory is
// the upload, and its top level goes into the snapshot.
function workerOf(req) {
  if (req.worker) return req.worker;
  if (!req.entry) return null;
  const file = path.resolve(req.entry);
  return { base_dir: path.dirname(file), base_dir_label: path.dirname(req.entry),
    main: path.basename(file), module: path.basename(file).replace(/\.py$/, ""),
    rules: [], exclude: [], exclude_origin: null,
    dedicated_snapshot: true };
}

// Lays out /session/metadata as wrangler uploads it: the files of base_dir
// that a module rule matches (copied into MEMFS, so nothing is written to
// the project), python_modules/ mounted beneath. Returns what the import
// guard needs: modules present locally that are not uploaded, and bundle
// files dropped by python_modules.exclude, each with the rule that says so.
function stageWorker(py, w, bundleDir) {
  py.FS.mkdirTree(ENTRY_MOUNT);
  const rules = effectiveRules(w);
  const missing = {};
  for (const rel of walk(w.base_dir)) {
    const top = rel.split("/")[0];
    // wrangler refuses a python_modules/ inside a base_dir below the project,
    // and skips its own .wrangler/; dot- and node_modules folders are not
    // part of a Python Worker's sources.
    if (top === "python_modules" || top.startsWith(".") || top === "node_modules") continue;
    const rule = rules.find((r) => r.res.some((re) => re.test(rel)));
    if (rule && (rule.type === "PythonModule" || !rel.endsWith(".py"))) {
      const dest = `${ENTRY_MOUNT}/${rel}`;
      py.FS.mkdirTree(path.posix.dirname(dest));
      py.FS.writeFile(dest, new Uint8Array(fs.readFileSync(path.join(w.base_dir, rel))));
    } else if (rel.endsWith(".py") && rel !== w.main) {
      missing[moduleNameOf(rel)] = rule
        ? `${w.base_dir_label}/${rel} exists but wrangler uploads it as a ${rule.type} module ` +
          `(rule ${JSON.stringify(rule.globs)} of ${rule.origin}), not as Python`
        : `${w.base_dir_label}/${rel} exists but no wrangler module rule uploads it`;
    }
  }
  const excluded = {};
  if (bundleDir) {
    const res = (w.exclude || []).map((g) => [g, wranglerGlob(g)]);
    for (const rel of walk(bundleDir)) {
      // Only a file Python would import from matters; a dropped .pyc in
      // __pycache__ just means compiling from source, as on Cloudflare.
      if (!/\.(py|pyc|so)$/.test(rel) || rel.includes("__pycache__/")) continue;
      const hit = res.find(([, re]) => re.test(rel));
      if (hit)
        excluded[`${BUNDLE_MOUNT}/${rel}`] = `python_modules/${rel} is not uploaded: ` +
          `python_modules.exclude ${JSON.stringify(hit[0])} (${w.exclude_origin})`;
    }
  }
  return { missing, excluded };
}

// Python side of the check. It never keeps a reference to a JS object, so
// the harness itself adds nothing to the hiwire table a snapshot serializes.
const PY_SETUP = String.raw`
import sys, os, time, json, traceback, importlib, random as _pw_random_mod

def _pw_format_tb(e):
    # Drop the harness's and importlib's own leading frames: the traceback
    # starts at the first line of user code, like Python's own import errors.
    tb = e.__traceback__
    while tb is not None:
        fn = tb.tb_frame.f_code.co_filename
        if fn == "<exec>" or fn.startswith("<frozen importlib") or fn.endswith("importlib/__init__.py"):
            tb = tb.tb_next
            continue
        break
    return "".join(traceback.format_exception(type(e), e, tb))

class _PwCheck:
    def __init__(self, bundle, libdir):
        self.bundle = bundle
        self.current = None
        self.random_events = []
        self.baseline = set(sys.modules)
        self.patched = []
        if bundle and bundle not in sys.path:
            sys.path.insert(0, bundle)
        if libdir:
            # Emscripten's dlopen searches LD_LIBRARY_PATH (Pyodide sets it
            # to its DSO dir and site-packages), so DT_NEEDED entries of
            # extension modules resolve in python_modules/lib/.
            old = os.environ.get("LD_LIBRARY_PATH", "")
            os.environ["LD_LIBRARY_PATH"] = libdir + (":" + old if old else "")

    def _caller(self):
        f = sys._getframe(2)
        while f is not None:
            name = f.f_globals.get("__name__", "")
            if name not in ("random", __name__) and not name.startswith("importlib"):
                return name
            f = f.f_back
        return ""

    def _record(self, call):
        if self.current is None:
            return
        self.random_events.append({"type": "random", "module": self.current,
                                   "caller": self._caller(), "call": call})

    def _wrap(self, owner, attr, label):
        orig = getattr(owner, attr)
        check = self
        def wrapper(*a, **kw):
            check._record(label)
            return orig(*a, **kw)
        wrapper.__wrapped__ = orig
        setattr(owner, attr, wrapper)
        self.patched.append((owner, attr, orig))

    def install_random_hooks(self):
        # Cloudflare gives random a poisoned seed while the Worker's top level
        # runs; any use of it, or of OS entropy, at import time breaks at
        # deploy. The module-level functions are bound methods of
        # random._inst, so they are wrapped one by one.
        r = _pw_random_mod
        for name in ("random", "uniform", "triangular", "randint", "choice",
                     "randrange", "sample", "shuffle", "choices", "normalvariate",
                     "lognormvariate", "expovariate", "vonmisesvariate",
                     "gammavariate", "gauss", "betavariate", "paretovariate",
                     "weibullvariate", "getrandbits", "randbytes", "binomialvariate",
                     "seed", "getstate", "setstate"):
            if hasattr(r, name):
                self._wrap(r, name, "random." + name)
        self._wrap(os, "urandom", "os.urandom")
        check = self
        orig_cls = r.Random
        class Random(orig_cls):
            def __init__(self, x=None):
                if x is None:
                    check._record("random.Random()")
                super().__init__(x)
        Random.__module__ = "random"
        Random.__qualname__ = "Random"
        r.Random = Random
        self.patched.append((r, "Random", orig_cls))
        sysrand = r.SystemRandom
        class SystemRandom(sysrand):
            def random(self):
                check._record("random.SystemRandom")
                return super().random()
            def getrandbits(self, k):
                check._record("random.SystemRandom")
                return super().getrandbits(k)
        SystemRandom.__module__ = "random"
        r.SystemRandom = SystemRandom
        self.patched.append((r, "SystemRandom", sysrand))

    def remove_random_hooks(self):
        for owner, attr, orig in reversed(self.patched):
            setattr(owner, attr, orig)
        self.patched = []

    def import_one(self, name):
        self.current = name
        t0 = time.perf_counter()
        ev = {"type": "import", "module": name}
        try:
            importlib.import_module(name)
            ev["ok"] = True
        except BaseException as e:
            ev["ok"] = False
            ev["error"] = "".join(traceback.format_exception_only(type(e), e)).strip()
            ev["traceback"] = _pw_format_tb(e)
        ev["ms"] = (time.perf_counter() - t0) * 1000.0
        self.current = None
        out = self.random_events
        self.random_events = []
        return json.dumps([ev] + out)

    def import_entry(self, directory, name):
        if directory not in sys.path:
            sys.path.insert(0, directory)
        return self.import_one(name)

    def js_globals(self):
        # Module globals that are JS objects: candidates for the snapshot
        # check. Only modules imported by this check are walked.
        from pyodide.ffi import JsProxy
        found = []
        for modname in sorted(set(sys.modules) - self.baseline):
            mod = sys.modules.get(modname)
            d = getattr(mod, "__dict__", None)
            if not isinstance(d, dict):
                continue
            for key in sorted(k for k in d if isinstance(k, str)):
                v = d[key]
                if isinstance(v, JsProxy):
                    found.append([modname, key, type(v).__name__])
        return json.dumps(found)

    def get_global(self, modname, key):
        return sys.modules[modname].__dict__[key]

    def imported(self):
        return json.dumps(sorted(set(sys.modules) - self.baseline))

class _PwUploadGuard:
    """Imports fail, naming the wrangler rule, for modules that exist here
    but that wrangler would not upload (docs/check.md, "Upload layout")."""

    def __init__(self, missing, excluded):
        self.missing = missing
        self.excluded = excluded

    def find_spec(self, name, path=None, target=None):
        why = None
        if self.excluded:
            from importlib.machinery import PathFinder
            spec = PathFinder.find_spec(name, path)
            if spec is not None and spec.origin in self.excluded:
                why = self.excluded[spec.origin]
        if why is None and self is sys.meta_path[-1]:
            why = self.missing.get(name)
        if why is not None:
            raise ModuleNotFoundError(f"No module named '{name}': {why}", name=name)
        return None

def _pw_layout(stand_ins, metadata, missing_json, excluded_json):
    # The stand-ins go last: a workers package in the bundle (the real
    # workers-runtime-sdk) or beside the entry wins over pwpkg's.
    if stand_ins not in sys.path:
        sys.path.append(stand_ins)
    if metadata and metadata not in sys.path:
        sys.path.insert(0, metadata)
    missing, excluded = json.loads(missing_json), json.loads(excluded_json)
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "_PwUploadGuard"]
    if excluded:
        sys.meta_path.insert(0, _PwUploadGuard({}, excluded))
    if missing:
        sys.meta_path.append(_PwUploadGuard(missing, {}))

_pw_check = None
`;

const PY_RESTORE_CHECK = String.raw`
def _pw_restore_check(names):
    import sys, time, json, importlib, random
    # A restored snapshot shares the random state of the process that made
    # it; reseed the way a fresh Worker would.
    random.seed()
    out = []
    for n in names:
        present = n in sys.modules
        t0 = time.perf_counter()
        ev = {"type": "restored", "module": n, "present": present}
        try:
            importlib.import_module(n)
            ev["ok"] = True
        except BaseException as e:
            ev["ok"] = False
            ev["error"] = repr(e)
        ev["ms"] = (time.perf_counter() - t0) * 1000.0
        out.append(ev)
    return json.dumps(out)
`;

const PY_COMPILE = String.raw`
def _pw_compile(root, ddir):
    import os, json, py_compile, importlib.util
    ok, failed = 0, []
    for dirpath, dirnames, filenames in os.walk(root):
        # Sorted walk: the set and order of written files is deterministic.
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for fn in sorted(filenames):
            if not fn.endswith(".py"):
                continue
            src = os.path.join(dirpath, fn)
            rel = os.path.relpath(src, root)
            try:
                py_compile.compile(
                    src, cfile=importlib.util.cache_from_source(src),
                    dfile=os.path.join(ddir, rel), doraise=True,
                    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
                ok += 1
            except py_compile.PyCompileError as e:
                failed.append({"file": rel, "error": str(e.exc_value if e.exc_value else e.msg)})
    return json.dumps({"type": "compiled", "files": ok, "failed": failed})
`;

let dynlibFailures = 0;

async function loadDynlibs(py, hostLib, fsLib) {
  // python_modules/lib/ holds shared libraries that extension modules link
  // against. Pyodide loads a shared_library package by calling
  // API.loadDynlib on every .so, before any extension that needs it is
  // imported (0.27: loadDynlib(path, global, searchDirs); 0.28+:
  // loadDynlib(path) through dlopen). Load them globally in sorted order,
  // the order Cloudflare records in the snapshot.
  let names;
  try {
    names = fs.readdirSync(hostLib).filter((n) => /\.so(\.|$)/.test(n)).sort();
  } catch {
    return [];
  }
  const loaded = [];
  for (const n of names) {
    const p = fsLib + "/" + n;
    // 0.27's loader only warns on a file that is not WebAssembly (a Linux
    // .so copied by mistake) and carries on; say so instead.
    const head = Buffer.alloc(4);
    const fd = fs.openSync(path.join(hostLib, n), "r");
    fs.readSync(fd, head, 0, 4, 0);
    fs.closeSync(fd);
    if (!head.equals(Buffer.from([0, 0x61, 0x73, 0x6d]))) {
      emit({ type: "dynlib", path: "lib/" + n, ok: false,
        error: "not a WebAssembly shared library (no \\0asm magic); was a native .so bundled?" });
      dynlibFailures++;
      continue;
    }
    try {
      const t0 = performance.now(), m0 = heapBytes(py);
      await py._api.loadDynlib(p, true, [fsLib]);
      emit({ type: "dynlib", path: "lib/" + n, ok: true, ms: performance.now() - t0,
        memory: heapBytes(py) - m0 });
      loaded.push(n);
    } catch (e) {
      emit({ type: "dynlib", path: "lib/" + n, ok: false, error: String(e && e.message ? e.message : e) });
      dynlibFailures++;
    }
  }
  return loaded;
}

function writeAtomic(file, bytes) {
  const tmp = `${file}.tmp.${process.pid}`;
  const fd = fs.openSync(tmp, "w", 0o644);
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

function pyStr(s) {
  // A JSON string literal is a valid Python string literal.
  return s === null ? "None" : JSON.stringify(s);
}

async function modeCheck(req) {
  const wantSnapshot = !!req.snapshot_path;
  const t0 = performance.now();
  // Loading with _makeSnapshot wraps globalThis in an accessor proxy, so JS
  // objects reached from `js` by a path are serializable, as at deploy.
  let py = await load(req, { _makeSnapshot: true });
  let canSnapshot = snapshotSupport(py);
  if (wantSnapshot && !canSnapshot) {
    emit({ type: "fatal", kind: "unsupported",
      error: `snapshots need Pyodide >= 0.27 (runtime ${req.runtime_dir} is ${py.version})` });
    return 3;
  }
  const loadMs = performance.now() - t0;
  emit({ type: "loaded", ms: loadMs, version: py.version });

  let bundleFs = null;
  let libFs = null;
  if (req.bundle_dir) {
    mountHost(py, req.bundle_dir, BUNDLE_MOUNT);
    bundleFs = BUNDLE_MOUNT;
    if (fs.existsSync(path.join(req.bundle_dir, "lib"))) libFs = BUNDLE_MOUNT + "/lib";
    if (req.trace) traceOpens(py, BUNDLE_MOUNT, emit);
  }
  py.runPython(PY_SETUP);
  py.runPython(`_pw_check = _PwCheck(${pyStr(bundleFs)}, ${pyStr(libFs)})`);
  const w = workerOf(req);
  const layout = w ? stageWorker(py, w, req.bundle_dir) : { missing: {}, excluded: {} };
  py.runPython(`_pw_layout(${pyStr(STAND_INS_MOUNT)}, ${pyStr(w ? ENTRY_MOUNT : null)}, ` +
    `${pyStr(JSON.stringify(layout.missing))}, ${pyStr(JSON.stringify(layout.excluded))})`);
  const check = py.globals.get("_pw_check");
  let dynlibs = [];
  if (libFs) dynlibs = await loadDynlibs(py, path.join(req.bundle_dir, "lib"), libFs);
  check.install_random_hooks();

  const tImports = performance.now();
  // --profile: the imports below and the entry, timed as -X importtime does.
  let profile = req.profile ? startProfile(py) : null;
  const profiled = [];
  let failed = 0;
  const run = (events, extra) => {
    for (const ev of JSON.parse(events)) {
      if (ev.type === "import") {
        Object.assign(ev, extra);
        if (!ev.ok) failed++;
      }
      emit(ev);
    }
  };
  for (const name of req.modules || []) {
    emit({ type: "begin", module: name });
    run(check.import_one(name), {});
  }
  // Cloudflare's two kinds of deploy-time snapshot: with
  // python_dedicated_snapshot the Worker's own top level runs before the
  // snapshot, so its randomness and JS globals matter; without it only the
  // packages are in the snapshot and the entry runs in every isolate.
  const dedicated = !!(w && w.dedicated_snapshot);
  const importEntry = () => {
    if (!w) return;
    emit({ type: "begin", module: w.module, entry: true });
    run(check.import_entry(ENTRY_MOUNT, w.module), { entry: true });
  };
  if (dedicated) importEntry();
  if (profile) profiled.push(stopProfile(py, profile));
  check.remove_random_hooks();
  let importsMs = performance.now() - tImports;

  // Which JS objects held by module globals would the snapshot serializer
  // reject? It calls its callback only for objects it cannot name by path.
  const candidates = JSON.parse(check.js_globals());
  if (candidates.length > 0) {
    let unserializable = null;
    if (canSnapshot) {
      unserializable = new Set();
      try {
        py._api.serializeHiwireState((o) => { unserializable.add(o); return null; });
      } catch { /* the serializer's own failures are reported by the snapshot step */ }
    }
    for (const [mod, name, type] of candidates) {
      let obj = null;
      try { obj = check.get_global(mod, name); } catch { obj = null; }
      if (unserializable === null || unserializable.has(obj)) {
        let detail = type;
        try { detail = `${type} ${Object.prototype.toString.call(obj)}`; } catch { /* keep type */ }
        emit({ type: "jsglobal", module: mod, name, detail });
      }
    }
  }
  const imported = JSON.parse(check.imported());
  // Cold start: load and every import, the snapshot's own cost left out.
  let coldMs = performance.now() - t0;

  if (wantSnapshot) {
    const ts = performance.now();
    try {
      const bytes = py.makeMemorySnapshot();
      writeAtomic(req.snapshot_path, bytes);
      emit({ type: "snapshot", ok: true, bytes: bytes.length, ms: performance.now() - ts,
        dynlibs, imported });
    } catch (e) {
      emit({ type: "snapshot", ok: false, error: String(e && e.message ? e.message : e) });
      failed++;
    }
  }
  if (!dedicated && w) {
    const te = performance.now();
    profile = req.profile ? startProfile(py) : null;
    importEntry();
    if (profile) profiled.push(stopProfile(py, profile));
    importsMs += performance.now() - te;
    coldMs += performance.now() - te;
  }
  failed += dynlibFailures;
  // The exercise runs last, after the imports a snapshot would hold.
  if (req.exercise && failed === 0 && !(await runExercise(py, req.exercise, req.exercise_label, emit)))
    failed++;
  for (const ev of profiled) emit(ev);
  check.destroy();
  emit({ type: "summary", failed, load_ms: loadMs, imports_ms: importsMs, cold_ms: coldMs,
    node_ms: performance.now() - processStart, max_rss: peakRssBytes() });
  return failed > 0 ? 1 : 0;
}

// Workers Static Assets: a request that matches a file of assets.directory
// is answered by Cloudflare's asset server and never reaches the Worker,
// unless run_worker_first says so. html_handling is its default,
// auto-trailing-slash (`/` -> index.html, `/about` -> about.html or
// about/index.html).
const ASSET_TYPES = { ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".js": "application/javascript", ".mjs": "application/javascript",
  ".json": "application/json", ".txt": "text/plain; charset=utf-8", ".svg": "image/svg+xml",
  ".png": "image/png", ".jpg": "image/jpeg", ".ico": "image/x-icon", ".wasm": "application/wasm" };

function routeMatches(pattern, p) {
  const re = new RegExp("^" + pattern.split("*").map((x) => x.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$");
  return re.test(p);
}

function assetResponse(assets, call) {
  if (!assets || call.kind !== "fetch" || !["GET", "HEAD"].includes(call.method)) return null;
  const p = decodeURIComponent(call.path.split("?")[0]);
  const first = assets.run_worker_first;
  if (first === true) return null;
  if (Array.isArray(first)) {
    const hit = first.some((r) => !r.startsWith("!") && routeMatches(r, p));
    const miss = first.some((r) => r.startsWith("!") && routeMatches(r.slice(1), p));
    if (hit && !miss) return null;
  }
  const root = path.resolve(assets.dir);
  const find = (cands) => cands.map((c) => path.join(root, c))
    .find((f) => f.startsWith(root + path.sep) && fs.statSync(f, { throwIfNoEntry: false })?.isFile());
  let file = find(p.endsWith("/") ? [p + "index.html"] : [p, p + ".html", p + "/index.html"]);
  let status = 200;
  if (!file && assets.not_found_handling === "single-page-application") file = find(["/index.html"]);
  if (!file && assets.not_found_handling === "404-page") {
    // The nearest 404.html up the path.
    const parts = p.split("/").filter(Boolean);
    for (let i = parts.length; i >= 0 && !file; i--) file = find(["/" + [...parts.slice(0, i), "404.html"].join("/")]);
    status = 404;
  }
  if (!file) return null;
  const body = fs.readFileSync(file);
  const type = ASSET_TYPES[path.extname(file).toLowerCase()] || "application/octet-stream";
  return { type: "response", kind: "fetch", ok: true,
    handler: `assets (${path.join(assets.label, path.relative(root, file))}, before the Worker)`,
    status, status_text: "", headers: [["content-type", type]], body_size: body.length,
    body_head: [...body.subarray(0, 256)], ms: 0 };
}

async function modeRestore(req) {
  const t0 = performance.now();
  const bytes = new Uint8Array(fs.readFileSync(req.snapshot_path));
  const py = await load(req, { _loadSnapshot: bytes });
  // The file system is JS state, not Wasm memory: lay out the upload and
  // mount the bundle again at the paths sys.path already names.
  const w = workerOf(req);
  if (w) stageWorker(py, w, null);
  if (req.bundle_dir) mountHost(py, req.bundle_dir, BUNDLE_MOUNT);
  const restoreMs = performance.now() - t0;
  py.runPython(PY_RESTORE_CHECK);
  const fn = py.globals.get("_pw_restore_check");
  const names = [...(req.modules || [])];
  if (w && w.dedicated_snapshot && req.entry_imported) names.push(w.module);
  const events = JSON.parse(fn(py.toPy(names)));
  fn.destroy();
  let failed = 0;
  for (const ev of events) {
    if (!ev.present || !ev.ok) failed++;
    emit(ev);
  }
  if (req.call && w) {
    // The first request an isolate serves after the restore.
    // pwpkg's own driver is imported outside the clock.
    const serve = py.pyimport("_pwpkg_check").serve;
    const tc = performance.now();
    const ev = assetResponse(w.assets, req.call) ||
      JSON.parse(await serve(w.module, JSON.stringify(req.call), JSON.stringify(w.env || {})));
    serve.destroy();
    ev.first_response_ms = performance.now() - tc;
    if (!ev.ok) failed++;
    emit(ev);
  }
  emit({ type: "summary", failed, restore_ms: restoreMs,
    node_ms: performance.now() - processStart, max_rss: peakRssBytes() });
  return failed > 0 ? 1 : 0;
}

async function modeCompile(req) {
  const py = await load(req, {});
  mountHost(py, req.tree_dir, COMPILE_MOUNT);
  py.runPython(PY_COMPILE);
  const fn = py.globals.get("_pw_compile");
  const ev = JSON.parse(fn(COMPILE_MOUNT, req.ddir || BUNDLE_MOUNT));
  fn.destroy();
  emit(ev);
  emit({ type: "summary", failed: ev.failed.length,
    node_ms: performance.now() - processStart, max_rss: peakRssBytes() });
  return ev.failed.length > 0 ? 1 : 0;
}

let code = 3;
try {
  const req = JSON.parse(readStdin());
  if (req.mode === "restore") code = await modeRestore(req);
  else if (req.mode === "compile") code = await modeCompile(req);
  else code = await modeCheck(req);
} catch (e) {
  emit({ type: "fatal", error: String(e && e.stack ? e.stack : e) });
  code = 3;
}
process.exit(code);
