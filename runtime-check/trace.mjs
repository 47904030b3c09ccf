// pwpkg check --trace / --exercise (docs/check.md, "Tracing what is used"):
// the files a run opens from the bundle, in load order, and a user script
// run after the imports. Kept apart from harness.mjs, which only calls in.

import fs from "node:fs";

// Every open goes through FS.open, whatever asked for it: Python's import
// system and open(), importlib.resources, and Pyodide's dynamic-library
// loader reading a .so (checked in 0.28.3 and 314.0.6, whose FS object
// still dispatches through this property). A file counts once, at its first
// read; directories and opens for writing are not uses of the bundle.
export function traceOpens(py, mount, emit) {
  const FS = py.FS;
  const orig = FS.open;
  const seen = new Set();
  const prefix = mount + "/";
  FS.open = function (p, flags, ...rest) {
    const stream = orig.call(this, p, flags, ...rest);
    try {
      const mode = typeof flags === "string" ? (flags.includes("w") || flags.includes("a") ? 1 : 0)
        : (flags & 3);
      const full = stream.path || String(p);
      if (mode === 0 && full.startsWith(prefix) && FS.isFile(stream.node.mode)) {
        const rel = full.slice(prefix.length);
        if (!seen.has(rel)) {
          seen.add(rel);
          emit({ type: "opened", path: rel });
        }
      }
    } catch { /* tracing must never change what the run does */ }
    return stream;
  };
  return () => { FS.open = orig; };
}

const PY_EXERCISE = String.raw`
async def _pw_exercise(path, src):
    import json, linecache, traceback
    from pyodide.code import eval_code_async
    # The script is the user's, read on the host: give linecache its lines
    # so that its traceback shows them.
    linecache.cache[path] = (len(src), None, src.splitlines(True), path)
    g = {"__name__": "__main__", "__file__": path}
    try:
        await eval_code_async(src, g, filename=path)
        return json.dumps({"ok": True})
    except BaseException as e:
        # The traceback starts at the script's own first frame.
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != path:
            tb = tb.tb_next
        return json.dumps({"ok": False,
            "error": "".join(traceback.format_exception_only(type(e), e)).strip(),
            "traceback": "".join(traceback.format_exception(type(e), e, tb))})
`;

// Runs the exercise script with the bundle and the Worker's modules on
// sys.path; emits {type: "exercise", file, ok, error, traceback}.
export async function runExercise(py, file, label, emit) {
  const src = fs.readFileSync(file, "utf8");
  py.runPython(PY_EXERCISE);
  const fn = py.globals.get("_pw_exercise");
  let ev;
  try {
    ev = JSON.parse(await fn(label, src));
  } finally {
    fn.destroy();
  }
  emit({ type: "exercise", file: label, ...ev });
  return ev.ok;
}
