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
import { pathToFileURL } from "node:url";

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
  const runtimeDir = path.resolve(req.runtime_dir);
  const mod = await import(pathToFileURL(path.join(runtimeDir, "pyodide.mjs")).href);
  const py = await mod.loadPyodide({
    indexURL: runtimeDir + "/",
    stdout: (s) => process.stderr.write(s + "\n"),
    stderr: (s) => process.stderr.write(s + "\n"),
    ...extra,
  });
  return py;
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
      await py._api.loadDynlib(p, true, [fsLib]);
      emit({ type: "dynlib", path: "lib/" + n, ok: true });
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
  }
  py.runPython(PY_SETUP);
  py.runPython(`_pw_check = _PwCheck(${pyStr(bundleFs)}, ${pyStr(libFs)})`);
  const check = py.globals.get("_pw_check");
  let dynlibs = [];
  if (libFs) dynlibs = await loadDynlibs(py, path.join(req.bundle_dir, "lib"), libFs);
  check.install_random_hooks();

  const tImports = performance.now();
  let failed = 0;
  const run = (events) => {
    for (const ev of JSON.parse(events)) {
      if (ev.type === "import" && !ev.ok) failed++;
      emit(ev);
    }
  };
  for (const name of req.modules || []) {
    emit({ type: "begin", module: name });
    run(check.import_one(name));
  }
  if (req.entry) {
    const entryHost = path.resolve(req.entry);
    const entryName = path.basename(entryHost).replace(/\.py$/, "");
    const entryDir = ENTRY_MOUNT + "/__entry__";
    mountHost(py, path.dirname(entryHost), entryDir);
    emit({ type: "begin", module: entryName, entry: true });
    const events = JSON.parse(check.import_entry(entryDir, entryName));
    for (const ev of events) {
      if (ev.type === "import") {
        ev.entry = true;
        if (!ev.ok) failed++;
      }
      emit(ev);
    }
  }
  const importsMs = performance.now() - tImports;
  check.remove_random_hooks();

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
  check.destroy();
  py.runPython("del _pw_check");
  const coldMs = performance.now() - t0;

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
  failed += dynlibFailures;
  emit({ type: "summary", failed, load_ms: loadMs, imports_ms: importsMs, cold_ms: coldMs,
    node_ms: performance.now() - processStart, max_rss: peakRssBytes() });
  return failed > 0 ? 1 : 0;
}

async function modeRestore(req) {
  const t0 = performance.now();
  const bytes = new Uint8Array(fs.readFileSync(req.snapshot_path));
  const py = await load(req, { _loadSnapshot: bytes });
  // The file system is JS state, not Wasm memory: mount the bundle again at
  // the path sys.path already names.
  if (req.bundle_dir) mountHost(py, req.bundle_dir, BUNDLE_MOUNT);
  const restoreMs = performance.now() - t0;
  py.runPython(PY_RESTORE_CHECK);
  const fn = py.globals.get("_pw_restore_check");
  const names = [...(req.modules || [])];
  if (req.entry) names.push(path.basename(req.entry).replace(/\.py$/, ""));
  const events = JSON.parse(fn(py.toPy(names)));
  fn.destroy();
  let failed = 0;
  for (const ev of events) {
    if (!ev.present || !ev.ok) failed++;
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
