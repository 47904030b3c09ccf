// Regenerates workers-globals.json: the global scope of a Worker, read from
// @cloudflare/workers-types (the type definitions Cloudflare generates from
// workerd). Run with the package installed (bash tests/cloudflare/setup.sh):
//   node runtime-check/stand-ins/gen-workers-globals.mjs [workers-types dir] > runtime-check/stand-ins/workers-globals.json
// The harness gives `js` a stand-in for every global Node.js lacks.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = process.argv[2] ||
  path.join(here, "../../tests/cloudflare/node_modules/@cloudflare/workers-types");
const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
const dts = fs.readFileSync(path.join(dir, "index.d.ts"), "utf8");

const globals = new Map();
function add(name, kind) {
  if (!globals.has(name)) globals.set(name, kind);
}

// The members of ServiceWorkerGlobalScope are what `self` (globalThis) has.
const scope = dts.match(/^interface ServiceWorkerGlobalScope extends WorkerGlobalScope \{\n([\s\S]*?)^\}/m);
if (!scope) throw new Error(`${dir}/index.d.ts: no interface ServiceWorkerGlobalScope`);
for (const m of scope[1].matchAll(/^  ([A-Za-z_$][\w$]*)(\??)(:|\(|<)\s*([^;\n]*)/gm)) {
  const [, name, , sep, type] = m;
  if (sep !== ":") add(name, "function");
  else if (/^typeof /.test(type)) add(name, "class");
  else add(name, "object");
}
// Top-level declarations outside the interface (WebSocketPair, origin, ...).
for (const m of dts.matchAll(/^declare (const|function|class|abstract class) ([A-Za-z_$][\w$]*)(?::\s*([^;\n]*))?/gm)) {
  const [, what, name, type] = m;
  if (!scope[1].includes(`  ${name}`) && what !== "const" && what !== "function") continue;
  if (what === "function") add(name, "function");
  else if (what === "const") add(name, /^\{/.test(type || "") ? "class" : (type === "string" ? "value" : "object"));
}
const out = {
  source: `${pkg.name} ${pkg.version}`,
  globals: [...globals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, kind]) => ({ name, kind })),
};
// One global a line: a new workers-types release shows as a readable diff.
process.stdout.write(`{\n "source": ${JSON.stringify(out.source)},\n "globals": [\n` +
  out.globals.map((g) => `  ${JSON.stringify(g)}`).join(",\n") + "\n ]\n}\n");
