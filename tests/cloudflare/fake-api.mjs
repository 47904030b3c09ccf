// A stand-in for Cloudflare's API on 127.0.0.1, enough for `wrangler deploy`
// (point CLOUDFLARE_API_BASE_URL at http://127.0.0.1:PORT/client/v4). It
// answers the calls wrangler makes around an upload and records the Worker
// upload itself, the multipart form, in OUT_DIR:
//   OUT_DIR/requests.log       one "METHOD /path" line per request
//   OUT_DIR/metadata.json      the form's "metadata" part
//   OUT_DIR/parts.json         [{name, type, size, file}] in form order
//   OUT_DIR/parts/NNNN         each part's bytes
//   OUT_DIR/port               written once listening
// usage: node fake-api.mjs OUT_DIR
import { createServer } from "node:http";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const out = process.argv[2];
if (!out) {
  console.error("usage: node fake-api.mjs OUT_DIR");
  process.exit(2);
}
mkdirSync(join(out, "parts"), { recursive: true });

const ok = (result) => ({ success: true, errors: [], messages: [], result });

async function recordUpload(req, body) {
  const form = await new Response(body, {
    headers: { "content-type": req.headers["content-type"] },
  }).formData();
  const parts = [];
  let n = 0;
  for (const [name, value] of form.entries()) {
    if (typeof value === "string") {
      if (name === "metadata") writeFileSync(join(out, "metadata.json"), value);
      parts.push({ name, field: name, type: "text", size: Buffer.byteLength(value) });
      continue;
    }
    const bytes = Buffer.from(await value.arrayBuffer());
    const file = join("parts", String(n++).padStart(4, "0"));
    writeFileSync(join(out, file), bytes);
    // The module's name is the part's file name; the part name is the same.
    parts.push({ name: value.name || name, field: name, type: value.type, size: bytes.length, file });
  }
  writeFileSync(join(out, "parts.json"), JSON.stringify(parts, null, 1));
}

// wrangler 4.164.0 uploads a new version (POST .../scripts/NAME/versions),
// then deploys it; older ones PUT .../scripts/NAME.
const isUpload = (method, path) =>
  (method === "POST" && /\/workers\/scripts\/[^/]+\/versions$/.test(path)) ||
  (method === "PUT" && /\/workers\/scripts\/[^/]+$/.test(path));

function answer(method, path) {
  if (isUpload(method, path))
    return ok({
      id: "fake-script",
      etag: "fake-etag",
      deployment_id: "fake-deployment",
      pipeline_hash: "fake",
      startup_time_ms: 1,
      has_modules: true,
      resources: { script: { etag: "fake-etag", handlers: ["fetch"] } },
    });
  if (/\/workers\/subdomain$/.test(path)) return ok({ subdomain: "fake" });
  if (/\/workers\/workers\/[^/]+$/.test(path))
    return ok({ subdomain: { enabled: true, previews_enabled: true } });
  if (/\/workers\/scripts\/[^/]+\/subdomain$/.test(path))
    return ok({ enabled: true, previews_enabled: true });
  if (/\/workers\/scripts\/[^/]+\/schedules$/.test(path)) return ok({ schedules: [] });
  if (/\/workers\/scripts\/[^/]+\/deployments$/.test(path)) return ok({ deployments: [] });
  if (/\/workers\/services\/[^/]+$/.test(path)) return ok({ default_environment: { script: { last_deployed_from: "wrangler" } } });
  if (/\/workers\/scripts\/[^/]+\/script-settings$/.test(path)) return ok({});
  if (/\/workers\/scripts\/[^/]+\/settings$/.test(path)) return ok({ bindings: [] });
  if (/\/workers\/domains/.test(path)) return ok([]);
  if (/\/workers\/scripts\/[^/]+\/routes$/.test(path)) return ok([]);
  return ok({});
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    const url = new URL(req.url, "http://127.0.0.1");
    appendFileSync(join(out, "requests.log"), `${req.method} ${url.pathname}\n`);
    const body = Buffer.concat(chunks);
    try {
      if (isUpload(req.method, url.pathname)) await recordUpload(req, body);
      const reply = JSON.stringify(answer(req.method, url.pathname));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(reply);
    } catch (e) {
      appendFileSync(join(out, "requests.log"), `ERROR ${e.stack}\n`);
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ success: false, errors: [{ code: 1, message: String(e) }], messages: [], result: null }));
    }
  });
});
server.listen(0, "127.0.0.1", () => {
  writeFileSync(join(out, "port"), String(server.address().port));
});
