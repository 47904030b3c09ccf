# A hostile index for tests: a PEP 691 page declaring a 4096-byte wheel whose
# URL then streams zeros without end (13 GB), ignoring Range. Prints its port.
import http.server, json, sys, socketserver
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path.startswith("/simple/endless"):
            body = json.dumps({"meta": {"api-version": "1.1"}, "name": "endless", "files": [
                {"filename": "endless-1.0-py3-none-any.whl", "url": "/files/endless-1.0-py3-none-any.whl",
                 "hashes": {"sha256": "0" * 64}, "size": 4096}]}).encode()
            self.send_response(200); self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
            self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body); return
        if self.path.startswith("/files/"):
            self.send_response(200); self.send_header("Content-Type", "application/octet-stream"); self.end_headers()
            chunk = b"\0" * 65536
            try:
                for _ in range(200000):
                    self.wfile.write(chunk)
            except Exception:
                pass
            return
        self.send_response(404); self.end_headers()
class S(socketserver.ThreadingMixIn, http.server.HTTPServer): daemon_threads = True
s = S(("127.0.0.1", 0), H); print(s.server_address[1], flush=True); s.serve_forever()
