"""A stand-in for the Workers runtime SDK, for ``pwpkg check``.

On Cloudflare, ``import workers`` gives the Python Workers runtime SDK that
the runtime ships (published on PyPI as ``workers-runtime-sdk``). pwpkg
cannot ship Cloudflare's runtime, so ``pwpkg check`` puts this module on
``sys.path`` after the bundle: a bundle that contains the real
``workers-runtime-sdk`` uses it, every other Worker gets this one.

It follows the public API of workers-runtime-sdk 1.6.x as Cloudflare
documents it (Python Workers: "The workers module", Request, Response,
fetch, FormData, Blob, WorkerEntrypoint, DurableObject, WorkflowEntrypoint,
handler and RPC helpers). It is written from that documentation, not copied
from the SDK. What needs Cloudflare itself (the network, bindings,
``import_from_javascript``) raises :class:`NotAvailableInCheck` when it is
called, never when it is imported, so a Worker's top level behaves as on
Cloudflare.
"""

import json as _json

__version__ = "1.6.0"
SDK_VERSION = "1.6"  # the workers-runtime-sdk series this stand-in follows
STAND_IN = True

__all__ = [
    "Blob", "DurableObject", "File", "FormData", "Headers", "NotAvailableInCheck",
    "Request", "Response", "WorkerEntrypoint", "WorkflowEntrypoint", "WorkflowStep",
    "fetch", "handler", "import_from_javascript", "python_from_rpc", "python_to_rpc",
    "wait_until",
]


class NotAvailableInCheck(RuntimeError):
    """Raised by what only Cloudflare's runtime can do."""


def _unavailable(what):
    raise NotAvailableInCheck(
        f"{what} is not available in pwpkg check: the stand-in workers module "
        f"(workers-runtime-sdk {SDK_VERSION}.x API) cannot do it offline; "
        f"add workers-runtime-sdk to the bundle or test it with wrangler dev")


def _js():
    # Imported at call time: the module must import where no JS exists.
    import js
    return js


def _to_js(value):
    from pyodide.ffi import to_js
    import js
    return to_js(value, dict_converter=js.Object.fromEntries)


def _is_js(value):
    try:
        from pyodide.ffi import JsProxy
    except ImportError:
        return False
    return isinstance(value, JsProxy)


# --------------------------------------------------------------- headers

class Headers:
    """Case-insensitive, multi-valued HTTP headers."""

    def __init__(self, init=None):
        self._items = []
        if init is None:
            return
        if isinstance(init, Headers):
            self._items = list(init._items)
        elif _is_js(init):
            for k, v in init.entries():
                self.append(k, v)
        elif hasattr(init, "items"):
            for k, v in init.items():
                self.append(k, v)
        else:
            for k, v in init:
                self.append(k, v)

    def append(self, name, value):
        self._items.append((str(name).lower(), str(value)))

    def set(self, name, value):
        self.delete(name)
        self.append(name, value)

    def delete(self, name):
        name = str(name).lower()
        self._items = [(k, v) for k, v in self._items if k != name]

    def get(self, name, default=None):
        name = str(name).lower()
        values = [v for k, v in self._items if k == name]
        return ", ".join(values) if values else default

    def get_all(self, name):
        name = str(name).lower()
        return [v for k, v in self._items if k == name]

    def has(self, name):
        return self.get(name) is not None

    def items(self):
        return sorted(self._items)

    def keys(self):
        return [k for k, _ in self.items()]

    def __contains__(self, name):
        return self.has(name)

    def __getitem__(self, name):
        v = self.get(name)
        if v is None:
            raise KeyError(name)
        return v

    def __setitem__(self, name, value):
        self.set(name, value)

    def __iter__(self):
        return iter(self.items())

    def __repr__(self):
        return f"Headers({self.items()!r})"


# ------------------------------------------------------------ blobs, forms

class Blob:
    """Immutable bytes with a MIME type."""

    def __init__(self, parts=(), content_type="", endings="transparent"):
        chunks = []
        if isinstance(parts, (str, bytes, bytearray, memoryview, Blob)):
            parts = [parts]
        for p in parts:
            if isinstance(p, Blob):
                chunks.append(p._data)
            elif isinstance(p, str):
                chunks.append(p.encode())
            else:
                chunks.append(bytes(p))
        self._data = b"".join(chunks)
        self.type = content_type
        self.endings = endings

    @property
    def size(self):
        return len(self._data)

    async def text(self):
        return self._data.decode()

    async def bytes(self):
        return self._data

    async def array_buffer(self):
        return self._data

    def slice(self, start=0, end=None, content_type=""):
        return Blob([self._data[start:end]], content_type)


class File(Blob):
    def __init__(self, parts, filename, content_type="", last_modified=0):
        super().__init__(parts, content_type)
        self.name = filename
        self.last_modified = last_modified


class FormData:
    """Multi-valued form fields; values are strings, Blobs or Files."""

    def __init__(self, init=None):
        self._items = []
        if init:
            for k, v in (init.items() if hasattr(init, "items") else init):
                self.append(k, v)

    def append(self, name, value, filename=None):
        if isinstance(value, Blob) and filename is not None:
            value = File([value], filename, value.type)
        self._items.append((name, value))

    def set(self, name, value, filename=None):
        self.delete(name)
        self.append(name, value, filename)

    def delete(self, name):
        self._items = [(k, v) for k, v in self._items if k != name]

    def get(self, name, default=None):
        for k, v in self._items:
            if k == name:
                return v
        return default

    def get_all(self, name):
        return [v for k, v in self._items if k == name]

    def has(self, name):
        return any(k == name for k, _ in self._items)

    def items(self):
        return list(self._items)

    def keys(self):
        return [k for k, _ in self._items]

    def values(self):
        return [v for _, v in self._items]

    def __contains__(self, name):
        return self.has(name)

    def __getitem__(self, name):
        if not self.has(name):
            raise KeyError(name)
        return self.get(name)

    def __iter__(self):
        return iter(self._items)


# ----------------------------------------------------- request, response

def _body_bytes(body):
    if body is None:
        return None
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, Blob):
        return body._data
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    return body


class _Body:
    """What Request and Response share: the body read once, as the Fetch API does."""

    def _init_body(self, body):
        self._body = _body_bytes(body)
        self.body_used = False

    def _take(self):
        if self.body_used:
            raise TypeError("body already used")
        self.body_used = True
        body = self._body
        if body is None:
            return b""
        if isinstance(body, FormData):
            raise NotAvailableInCheck(
                "reading a FormData body as bytes is not available in pwpkg check")
        if _is_js(body):
            return body
        return body

    async def _read(self):
        body = self._take()
        if _is_js(body):
            return (await body.arrayBuffer()).to_bytes()
        return body

    async def bytes(self):
        return await self._read()

    async def text(self):
        return (await self._read()).decode()

    async def json(self):
        return _json.loads(await self.text())

    async def array_buffer(self):
        return await self._read()

    async def blob(self):
        return Blob([await self._read()], self.headers.get("content-type", ""))

    async def form_data(self):
        ctype = self.headers.get("content-type", "")
        if ctype.startswith("application/x-www-form-urlencoded"):
            from urllib.parse import parse_qsl
            return FormData(parse_qsl(await self.text(), keep_blank_values=True))
        _unavailable(f"Request.form_data() for {ctype or 'this body'}")


class Request(_Body):
    """An incoming or outgoing HTTP request (the Fetch API's Request)."""

    def __init__(self, input, method=None, headers=None, body=None, **kwargs):
        if isinstance(input, Request):
            self.url = input.url
            self.method = method or input.method
            self.headers = Headers(headers if headers is not None else input.headers)
            self._init_body(body if body is not None else input._body)
        elif _is_js(input):
            # A JS Request, as the runtime passes it to a handler.
            self.js_object = input
            self.url = str(input.url)
            self.method = method or str(input.method)
            self.headers = Headers(headers if headers is not None else input.headers)
            # The JS Request reads its own stream (arrayBuffer), once.
            self._init_body(body if body is not None else
                            (input if input.body is not None else None))
        else:
            self.url = str(input)
            self.method = (method or "GET").upper()
            self.headers = Headers(headers)
            self._init_body(body)
        self.cf = kwargs.get("cf")
        self.redirect = kwargs.get("redirect", "follow")

    def clone(self):
        return Request(self)

    def __repr__(self):
        return f"<Request {self.method} {self.url}>"


class Response(_Body):
    """An HTTP response (the Fetch API's Response), with its helpers."""

    def __init__(self, body=None, status=200, status_text="", headers=None, **kwargs):
        if isinstance(body, dict) or isinstance(body, list):
            raise TypeError("Response(body): give str or bytes; use Response.json() for JSON")
        self.status = int(status)
        # The JS spelling is accepted too, as the SDK accepts it.
        self.status_text = kwargs.pop("statusText", status_text) or ""
        self.headers = Headers(headers)
        if isinstance(body, str) and "content-type" not in self.headers:
            self.headers.set("content-type", "text/plain;charset=UTF-8")
        if isinstance(body, FormData):
            self._init_body(None)
            self._body = body
        else:
            self._init_body(body)
        self.web_socket = kwargs.get("web_socket")

    @property
    def ok(self):
        return 200 <= self.status < 300

    @classmethod
    def json(cls, data, status=200, status_text="", headers=None):
        h = Headers(headers)
        if "content-type" not in h:
            h.set("content-type", "application/json")
        return cls(_json.dumps(data), status=status, status_text=status_text, headers=h)

    @classmethod
    def redirect(cls, url, status=302):
        if status not in (301, 302, 303, 307, 308):
            raise ValueError(f"Response.redirect: {status} is not a redirect status")
        return cls(None, status=status, headers={"location": str(url)})

    def clone(self):
        return Response(self._body, status=self.status, status_text=self.status_text,
                        headers=self.headers)

    @property
    def js_object(self):
        """The Response as a JS object, as the runtime returns it."""
        js = _js()
        from pyodide.ffi import to_js
        body = self._body
        if isinstance(body, bytes):
            body = to_js(body)
        elif isinstance(body, FormData):
            form = js.FormData.new()
            for name, value in body.items():
                if isinstance(value, Blob):
                    blob = js.Blob.new([to_js(value._data)], _to_js({"type": value.type}))
                    form.append(name, blob, getattr(value, "name", "blob"))
                else:
                    form.append(name, str(value))
            body = form
        init = _to_js({"status": self.status, "statusText": self.status_text,
                       "headers": [list(kv) for kv in self.headers.items()]})
        return js.Response.new(body, init)

    def __repr__(self):
        return f"<Response {self.status}>"


async def fetch(resource, **kwargs):
    """Outgoing fetch: offline in pwpkg check."""
    url = resource.url if isinstance(resource, Request) else str(resource)
    _unavailable(f"fetch({url!r})")


# ------------------------------------------------------------ entrypoints

class WorkerEntrypoint:
    """The Worker's default export (class Default) and named entrypoints."""

    def __init__(self, ctx, env):
        self.ctx = ctx
        self.env = env


class DurableObject:
    """A Durable Object class; ctx is its DurableObjectState."""

    def __init__(self, ctx, env):
        self.ctx = ctx
        self.env = env


class WorkflowEntrypoint:
    """A Workflow: run(event, step) drives its steps."""

    def __init__(self, ctx, env):
        self.ctx = ctx
        self.env = env

    async def run(self, event, step):
        raise NotImplementedError("a Workflow defines run(self, event, step)")


class WorkflowStep:
    """step.do / step.sleep as a Workflow sees them; runs steps in-process."""

    def do(self, name, *args, **kwargs):
        def decorate(fn):
            async def run():
                result = fn()
                if hasattr(result, "__await__"):
                    result = await result
                return result
            return run()
        if args and callable(args[-1]):
            return decorate(args[-1])
        return decorate

    async def sleep(self, name, duration):
        _unavailable(f"step.sleep({name!r})")

    async def sleep_until(self, name, timestamp):
        _unavailable(f"step.sleep_until({name!r})")

    async def wait_for_event(self, name, **kwargs):
        _unavailable(f"step.wait_for_event({name!r})")


def handler(fn):
    """Marks a module-level handler (on_fetch, on_scheduled, on_queue)."""
    fn._workers_handler = True
    return fn


def wait_until(awaitable):
    import asyncio
    return asyncio.ensure_future(awaitable)


def import_from_javascript(name):
    _unavailable(f"import_from_javascript({name!r})")


def python_to_rpc(value):
    """Python value -> JS value, as RPC sends it."""
    if _is_js(value):
        return value
    return _to_js(value)


def python_from_rpc(value):
    """JS value -> Python value, as RPC receives it."""
    if _is_js(value) and hasattr(value, "to_py"):
        return value.to_py()
    return value
