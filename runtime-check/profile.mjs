// pwpkg check --profile: what each import costs, measured the way
// `python -X importtime` measures it (docs/check.md, "Profile").
//
// -X importtime cannot be switched on after the interpreter started, but it
// only times the call CPython's import machinery makes to
// `_frozen_importlib._find_and_load` for a module not yet in sys.modules
// (Python/import.c looks the function up on the module at every import).
// Wrapping that function times the same calls, nested the same way, for
// `import` statements and importlib.import_module alike.

const PY_PROFILE = String.raw`
import sys as _pw_sys, time as _pw_time

class _PwProfile:
    def __init__(self, heap):
        # heap(): the linear memory in use, read on the JS side; held only
        # while profiling and destroyed before any snapshot.
        self.heap = heap
        self.nodes = []
        self.stack = []
        self.boot = _pw_sys.modules["_frozen_importlib"]
        self.orig = self.boot._find_and_load
        prof, orig = self, self.orig
        def _find_and_load(name, import_):
            # importlib.import_module reaches here for modules already
            # loaded too; the import statement (and -X importtime) does not.
            mod = _pw_sys.modules.get(name)
            if mod is not None and not getattr(getattr(mod, "__spec__", None), "_initializing", False):
                return orig(name, import_)
            node = [name, prof.stack[-1] if prof.stack else -1, 0.0, 0, None]
            prof.stack.append(len(prof.nodes))
            prof.nodes.append(node)
            m0 = prof.heap()
            t0 = _pw_time.perf_counter()
            try:
                return orig(name, import_)
            finally:
                node[2] = (_pw_time.perf_counter() - t0) * 1e6
                node[3] = prof.heap() - m0
                prof.stack.pop()
                mod = _pw_sys.modules.get(name)
                spec = getattr(mod, "__spec__", None)
                origin = getattr(spec, "origin", None)
                node[4] = origin if isinstance(origin, str) else None
        _find_and_load.__wrapped__ = orig
        self.boot._find_and_load = _find_and_load

    def stop(self):
        import json
        self.boot._find_and_load = self.orig
        # Dropping the last reference releases the JS function.
        self.heap = None
        return json.dumps([{"module": n[0], "parent": n[1], "us": n[2], "memory": n[3],
                            "origin": n[4]} for n in self.nodes])
`;

// The break of Emscripten's sbrk: what the heap has grown to, which a
// memory snapshot holds; the size of linear memory when sbrk is not exported.
export function heapBytes(py) {
  const m = py._module;
  if (m && typeof m._sbrk === "function") return m._sbrk(0) >>> 0;
  return m && m.HEAPU8 ? m.HEAPU8.length : 0;
}

export function startProfile(py) {
  py.runPython(PY_PROFILE);
  const start = py.globals.get("_PwProfile");
  const prof = start(() => heapBytes(py));
  start.destroy();
  return { prof, heapStart: heapBytes(py) };
}

// The "profile" event: every timed import in the order it began, with the
// index of the import that caused it.
export function stopProfile(py, state) {
  const modules = JSON.parse(state.prof.stop());
  state.prof.destroy();
  py.runPython("del _PwProfile");
  return { type: "profile", modules, heap_start: state.heapStart, heap_end: heapBytes(py) };
}
