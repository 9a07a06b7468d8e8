"""Links a client follows without reading the docs: ``Location`` on every 201, ``Link: rel="next"`` on pages.

- ``Location`` (RFC 9110 §10.2.2): each route answering 201 has a path template for what it created, found
  when the app is built (``location_templates``): the item route under the same collection
  (``POST /operation/plans`` → ``GET /operation/plans/{plan_id}``), or one the service declares where there is
  none (a price is read in its product's price list). The template is filled from the request's path
  parameters and the created record's fields (its ``id`` for the last parameter when no field has that name).
- ``Link`` (RFC 8288): a cursor page (``kernel.pagination.Page``, or any body ending in ``"next_cursor"``)
  gets ``<same URL with cursor=…>; rel="next"``; lists paged by ``after`` set theirs with ``link_next``.
- ``X-Total-Count``: a page that carries its ``total`` (the first page of a ``Page``) repeats it as a header,
  where clients of the common portal frameworks look for it.

Both are one pure-ASGI middleware that looks only at complete JSON bodies of 201 answers and successful GETs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.datastructures import URL
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ResponseLinks", "link_next", "location_templates"]

_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")
# A page's tail: ``"total":N`` (or null) just before ``"next_cursor"``, which ends the body.
_PAGE_TAIL = re.compile(rb'(?:,"total":(\d{1,19}|null))?,"next_cursor":(?:"([A-Za-z0-9_-]{1,1024})"|null)}\s*$')


def _is_json(start: Message) -> bool:
    return any(name == b"content-type" and value.startswith(b"application/json")
               for name, value in start.get("headers", []))


def location_templates(routes: Iterable[object], declared: dict[str, str]) -> dict[str, str]:
    """For every POST route answering 201: the path template of what it creates (route path → template).

    ``declared`` wins; else the GET route one parameter below the POST's path. A 201 route with neither is a
    mistake in the service, refused when the app is built.
    """
    api_routes = [route for route in routes if isinstance(route, APIRoute)]
    reads = {route.path for route in api_routes if "GET" in (route.methods or ())}
    templates: dict[str, str] = {}
    for route in api_routes:
        if route.status_code != 201 or "POST" not in (route.methods or ()):
            continue
        if route.path in declared:
            templates[route.path] = declared[route.path]
            continue
        below = [path for path in reads
                 if path.startswith(route.path + "/{") and path.count("/") == route.path.count("/") + 1
                 and path.endswith("}")]
        if len(below) != 1:
            raise LookupError(f"POST {route.path} answers 201 but has no item route to name in Location; "
                              "declare its template in create_service_app(locations=…)")
        templates[route.path] = below[0]
    return templates


def _fill(template: str, path_params: dict[str, object], created: dict[str, object]) -> str | None:
    names = _PARAM.findall(template)
    values: dict[str, object] = {}
    for index, name in enumerate(names):
        if name in path_params:
            values[name] = path_params[name]
        elif name in created:
            values[name] = created[name]
        elif index == len(names) - 1 and "id" in created:
            values[name] = created["id"]
        else:
            return None
    return _PARAM.sub(lambda match: quote(str(values[match.group(1)]), safe=""), template)


def link_next(request: Request, response: Response, **params: object) -> None:
    """``Link: <this URL with params replaced>; rel="next"`` (the other query parameters kept)."""
    url = request.url.include_query_params(**params)
    response.headers.append("Link", f'<{url}>; rel="next"')


class ResponseLinks:
    def __init__(self, app: ASGIApp, templates: dict[str, str]) -> None:
        self.app = app
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        if scope["type"] != "http" or method not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        wanted = 201 if method == "POST" else 200
        held: Message | None = None

        async def send_linked(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                if message["status"] == wanted and _is_json(message):
                    held = message
                    return
                await send(message)
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            start, held = held, None
            if not message.get("more_body", False):
                links = (self._location if method == "POST" else self._next)(scope, start, message.get("body", b""))
                if links:
                    start = {**start, "headers": [*start.get("headers", []), *links]}
            await send(start)
            await send(message)

        await self.app(scope, receive, send_linked)

    def _location(self, scope: Scope, start: Message, body: bytes) -> list[tuple[bytes, bytes]]:
        route = scope.get("route")
        template = self.templates.get(getattr(route, "path", ""))
        if template is None or any(name == b"location" for name, _ in start.get("headers", [])):
            return []
        try:
            created = json.loads(body)
        except ValueError:
            return []
        if not isinstance(created, dict):
            return []
        path = _fill(template, scope.get("path_params", {}), created)
        return [] if path is None else [(b"location", (scope.get("root_path", "") + path).encode())]

    def _next(self, scope: Scope, start: Message, body: bytes) -> list[tuple[bytes, bytes]]:
        match = _PAGE_TAIL.search(body[-1200:])
        if match is None:
            return []
        total, cursor = match.groups()
        headers = []
        if total not in (None, b"null"):
            headers.append((b"x-total-count", total))
        if cursor is not None and not any(name == b"link" for name, _ in start.get("headers", [])):
            url = URL(scope=scope).include_query_params(cursor=cursor.decode())
            headers.append((b"link", f'<{url}>; rel="next"'.encode()))
        return headers
