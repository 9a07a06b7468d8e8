"""HEAD answered wherever GET is (RFC 9110 §9.3.2: a general-purpose server MUST support GET and HEAD).

FastAPI routes declare GET only, so a link checker's or a harvester's HEAD got 405. This pure-ASGI middleware
runs a HEAD as the GET it stands for (the same authorization, budgets, conditional answers and headers,
``Content-Length`` included) and sends the header section without the content.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HeadAsGet"]


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        done = False

        async def headers_only(message: Message) -> None:
            nonlocal done
            if message["type"] != "http.response.body":
                await send(message)
            elif not done and not message.get("more_body", False):
                done = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET"}, receive, headers_only)
