"""pwpkg check's first request: calls a Worker's handler the way the
Workers runtime does, with a stub ctx and an env made from the wrangler
config (docs/check.md, "A first request"). Private to pwpkg's harness."""

import asyncio
import contextlib
import importlib
import io
import inspect
import json
import sys
import time
import traceback


class NotAvailableInCheck(RuntimeError):
    pass


def _unavailable(what):
    raise NotAvailableInCheck(f"{what} is not available in pwpkg check")


class _UnusableBinding:
    """A binding pwpkg cannot provide: any use raises, naming it."""

    def __init__(self, name, kind):
        self._name = name
        self._kind = kind

    def __getattr__(self, attr):
        _unavailable(f"env.{self._name}.{attr} (a {self._kind} binding)")

    def __repr__(self):
        return f"<pwpkg stand-in for the {self._kind} binding {self._name}>"


class _DurableObjectId:
    def __init__(self, name):
        self.name = name

    def toString(self):
        return self.name

    def __str__(self):
        return self.name


class _DurableObjectState:
    def __init__(self, oid):
        self.id = oid

    @property
    def storage(self):
        _unavailable("Durable Object storage (ctx.storage)")

    def waitUntil(self, awaitable):
        return asyncio.ensure_future(awaitable)

    def blockConcurrencyWhile(self, fn):
        return fn()


class _DurableObjectStub:
    """RPC to an instance of a Durable Object class of this Worker, run
    in-process: one instance per id, as one Durable Object per name."""

    def __init__(self, namespace, oid):
        self._namespace = namespace
        self.id = oid

    def _instance(self):
        ns = self._namespace
        inst = ns.instances.get(self.id.name)
        if inst is None:
            cls = getattr(ns.module(), ns.class_name, None)
            if cls is None:
                raise AttributeError(
                    f"env.{ns.name}: class {ns.class_name} (durable_objects.bindings in "
                    f"{ns.origin}) is not defined by the entry module")
            inst = cls(_DurableObjectState(self.id), ns.env)
            ns.instances[self.id.name] = inst
        return inst

    def __getattr__(self, method):
        async def call(*args, **kwargs):
            result = getattr(self._instance(), method)(*args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            return result
        return call


class _DurableObjectNamespace:
    def __init__(self, name, class_name, origin, env, module):
        self.name = name
        self.class_name = class_name
        self.origin = origin
        self.env = env
        self.module = module
        self.instances = {}
        self._unique = 0

    def idFromName(self, name):
        return _DurableObjectId(str(name))

    def newUniqueId(self, **kwargs):
        self._unique += 1
        return _DurableObjectId(f"pwpkg-unique-{self._unique}")

    def idFromString(self, s):
        return _DurableObjectId(str(s))

    def get(self, oid, **kwargs):
        return _DurableObjectStub(self, oid)

    def getByName(self, name, **kwargs):
        return self.get(self.idFromName(name))

    def __getattr__(self, attr):
        _unavailable(f"env.{self.name}.{attr}")


class _Env:
    """wrangler vars as values, bindings as stand-ins; like the runtime's
    env, a name the config does not define is an AttributeError."""

    def __init__(self, spec, module):
        self._values = dict(spec.get("vars", {}))
        self._where = spec.get("config") or "no wrangler config"
        for b in spec.get("bindings", []):
            if b.get("class_name") and b["kind"] == "durable_objects":
                value = _DurableObjectNamespace(b["name"], b["class_name"], self._where, self,
                                                module)
            else:
                value = _UnusableBinding(b["name"], b["kind"])
            self._values[b["name"]] = value

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(
                f"env has no {name!r}: neither a var nor a binding in {self._where}") from None

    def __contains__(self, name):
        return name in self._values

    def __dir__(self):
        return sorted(self._values)


class _Ctx:
    """The ExecutionContext: waitUntil runs the task in this event loop."""

    def __init__(self):
        self.tasks = []
        self.props = {}

    def waitUntil(self, awaitable):
        task = asyncio.ensure_future(awaitable)
        self.tasks.append(task)
        return task

    wait_until = waitUntil

    def passThroughOnException(self):
        pass


class _ScheduledController:
    def __init__(self, cron):
        self.cron = cron
        self.scheduledTime = time.time() * 1000.0
        self.type = "scheduled"

    def noRetry(self):
        pass


class _Message:
    def __init__(self, body):
        self.id = "pwpkg-check-message-1"
        self.timestamp = time.time()
        self.body = body
        self.attempts = 1
        self.acked = self.retried = False

    def ack(self):
        self.acked = True

    def retry(self, **kwargs):
        self.retried = True


class _MessageBatch:
    def __init__(self, queue, body):
        self.queue = queue
        self.messages = [_Message(body)]

    def ackAll(self):
        for m in self.messages:
            m.ack()

    def retryAll(self, **kwargs):
        for m in self.messages:
            m.retry()


def _default_entrypoint(mod):
    # The Worker's default export is the class named Default; old-style
    # Workers define module-level on_fetch/on_scheduled/on_queue.
    cls = getattr(mod, "Default", None)
    return cls if inspect.isclass(cls) else None


async def _call(fn, args):
    # Module-level handlers take (event, env) or (event, env, ctx).
    try:
        n = len(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        n = len(args)
    result = fn(*args[:max(n, 1)])
    if inspect.isawaitable(result):
        result = await result
    return result


async def _read_response(result, head):
    """status, headers, first bytes of the body of whatever the handler
    returned: a workers.Response (stand-in or real SDK) or a JS Response."""
    from pyodide.ffi import JsProxy
    if result is None:
        raise TypeError("the fetch handler returned None instead of a Response")
    js_resp = result if isinstance(result, JsProxy) else getattr(result, "js_object", None)
    if js_resp is None:
        raise TypeError(f"the fetch handler returned {type(result).__name__}, not a Response")
    status = int(js_resp.status)
    headers = [[str(k), str(v)] for k, v in js_resp.headers.entries()]
    body = b""
    if js_resp.body is not None:
        body = (await js_resp.arrayBuffer()).to_bytes()
    return {"status": status, "status_text": str(js_resp.statusText or ""),
            "headers": sorted(headers), "body_size": len(body),
            "body_head": list(body[:head])}


async def serve(module_name, call_json, env_json):
    """Returns JSON: the response, or the handler's exception, and what the
    Worker printed meanwhile (Cloudflare shows it as the request's logs)."""
    logs = io.StringIO()
    with contextlib.redirect_stdout(logs), contextlib.redirect_stderr(logs):
        out = await _serve(module_name, json.loads(call_json), env_json)
    out["logs"] = logs.getvalue()
    return json.dumps(out)


async def _serve(module_name, call, env_json):
    out = {"type": "response", "kind": call["kind"]}
    t0 = time.perf_counter()
    try:
        mod = sys.modules.get(module_name) or importlib.import_module(module_name)
        env = _Env(json.loads(env_json), lambda: mod)
        ctx = _Ctx()
        cls = _default_entrypoint(mod)
        kind = call["kind"]
        if kind == "fetch":
            import js
            from pyodide.ffi import to_js
            url = "https://" + call.get("host", "example.com") + call["path"]
            init = to_js({"method": call["method"]}, dict_converter=js.Object.fromEntries)
            js_req = js.Request.new(url, init)
            try:
                workers = importlib.import_module("workers")
                request = workers.Request(js_req)
            except Exception:
                request = js_req
            event, args = request, (request, env, ctx)
        elif kind == "scheduled":
            event = _ScheduledController(call.get("cron", "* * * * *"))
            args = (event, env, ctx)
        else:
            event = _MessageBatch(call.get("queue", "pwpkg-check"), call.get("message", ""))
            args = (event, env, ctx)
        method = {"fetch": "fetch", "scheduled": "scheduled", "queue": "queue"}[kind]
        if cls is not None:
            inst = cls(ctx, env)
            fn = getattr(inst, method, None)
            if fn is None:
                raise AttributeError(f"{module_name}.Default has no {method}() handler")
            out["handler"] = f"{module_name}.Default.{method}"
            result = await _call(fn, (event,))
        else:
            fn = getattr(mod, "on_" + method, None)
            if fn is None:
                raise AttributeError(
                    f"{module_name} defines neither class Default(WorkerEntrypoint) nor "
                    f"on_{method}()")
            out["handler"] = f"{module_name}.on_{method}"
            result = await _call(fn, args)
        if kind == "fetch":
            out.update(await _read_response(result, int(call.get("head", 256))))
        if ctx.tasks:
            await asyncio.gather(*ctx.tasks)
        if kind == "queue":
            m = event.messages[0]
            out["acked"] = m.acked
            out["retried"] = m.retried
        out["ok"] = True
    except BaseException as e:
        out["ok"] = False
        out["error"] = "".join(traceback.format_exception_only(type(e), e)).strip()
        # From the Worker's first frame on, as the runtime logs it.
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
            tb = tb.tb_next
        out["traceback"] = "".join(traceback.format_exception(type(e), e, tb))
    out["ms"] = (time.perf_counter() - t0) * 1000.0
    return out
