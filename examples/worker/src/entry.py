"""The Worker's entry module, written as Cloudflare's templates write one.

Its top level runs at deploy time; with the python_dedicated_snapshot flag it
runs before the snapshot, otherwise in every isolate. `workers` is the
runtime's SDK (pwpkg check provides a stand-in for it)."""

from greetings import greet
from workers import Response, WorkerEntrypoint

GREETING = greet("python workers")


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return Response(GREETING)
