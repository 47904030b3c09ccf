"""The Worker's entry module: imported at deploy time, before the snapshot."""

from greetings import greet

GREETING = greet("python workers")


async def on_fetch(request, env):
    from workers import Response

    return Response(GREETING)
