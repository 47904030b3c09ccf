from datetime import datetime

import attrs
from dateutil import parser


@attrs.define
class Greeting:
    when: datetime


async def on_fetch(request, env):
    from workers import Response

    greeting = Greeting(parser.isoparse("2025-10-01T12:00:00"))
    return Response(f"Hello from Python, {greeting.when:%Y-%m-%d}")
