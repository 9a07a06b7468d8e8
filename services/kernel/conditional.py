"""Conditional GET and caching for every read (RFC 9110 §8.8, §13; RFC 9111 §5.2).

One pure-ASGI middleware answers every ``GET`` whose route sends a complete 200 body (a streamed one, such as
an event stream, passes untouched):

- ``ETag``: strong, a hash of the body, unless the route gave its own (``not_modified``: a version key);
- ``304 Not Modified`` when ``If-None-Match`` names that tag (weak comparison, §13.1.2), or, with no
  ``If-None-Match``, when ``If-Modified-Since`` is not older than the route's ``Last-Modified``
  (``last_modified``); the 304 keeps the validators and caching fields and drops the body;
- ``Cache-Control``: ``public, max-age=<public_max_age>`` for a read without a bearer token (what anyone may
  see, so shared caches may keep it a short while, ``Vary: Authorization``), ``private, no-cache`` for a read
  with one (the caller's own view: kept by its own client only, and revalidated with the tag before use). A
  route that set its own ``Cache-Control`` keeps it.

A body hash still runs the route. Where a 304 should spare the work, the route asks ``not_modified`` first
with a cheap version key of what it would read (an index-only count and maximum); the tag is then derived from
that key, the URL and the caller, and a match is answered before the query runs.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CacheRules", "ConditionalGet", "last_modified", "not_modified"]

_TAG = "pdr.etag"  # scope key: the tag a route derived from its version key
# Fields a 304 carries from the 200 it stands for (RFC 9110 §15.4.5); the rest (body framing, type) go.
_DROPPED_ON_304 = {b"content-length", b"content-type", b"content-encoding", b"transfer-encoding"}


class CacheRules:
    """What ``Cache-Control`` a read gets, and which paths are left alone (health, metrics: never cached)."""

    def __init__(self, *, public_max_age: int = 60, skip: tuple[str, ...] = ("/healthz", "/readyz", "/metrics")):
        self.public = f"public, max-age={public_max_age}".encode()
        self.private = b"private, no-cache"
        self.skip = skip


def _digest(*parts: bytes) -> str:
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        hasher.update(part)
        hasher.update(b"\x00")
    return f'"{hasher.hexdigest()}"'


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _streams(start: Message) -> bool:
    """An event stream's head goes out at once: its first event may be a long way off."""
    return any(name == b"content-type" and value.startswith(b"text/event-stream")
               for name, value in start.get("headers", []))


def _tag_matches(if_none_match: bytes, tag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): ``W/`` aside, the opaque tags are equal; ``*`` matches any."""
    wanted = tag.removeprefix("W/")
    for listed in if_none_match.decode("latin-1").split(","):
        candidate = listed.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def _not_modified_since(if_modified_since: bytes, modified: bytes) -> bool:
    try:
        since = parsedate_to_datetime(if_modified_since.decode("latin-1"))
        changed = parsedate_to_datetime(modified.decode("latin-1"))
    except (TypeError, ValueError, IndexError):
        return False  # an invalid date is ignored (RFC 9110 §13.1.3)
    return since is not None and changed is not None and changed <= since


def _fresh(scope: Scope, tag: str | None, modified: bytes | None) -> bool:
    """Whether the client's copy is current: If-None-Match decides when sent, else If-Modified-Since."""
    if_none_match = _header(scope, b"if-none-match")
    if if_none_match is not None:
        return tag is not None and _tag_matches(if_none_match, tag)
    if_modified_since = _header(scope, b"if-modified-since")
    return if_modified_since is not None and modified is not None and _not_modified_since(if_modified_since, modified)


async def not_modified(request: Request, *key: object) -> Response | None:
    """Tag this read by a cheap version ``key`` of what it would return; a 304 if the client holds that version.

    The tag covers the key, the full URL (path and query) and the caller's credentials, so two callers who see
    different records never share one. The key must change whenever the representation would (a count and the
    latest update time of every table the route reads, for instance). The route returns the 304 as is::

        if (cached := await not_modified(request, await catalog_version(db))) is not None:
            return cached
    """
    scope = request.scope
    url = scope["path"].encode() + b"?" + scope.get("query_string", b"")
    tag = _digest(url, _header(scope, b"authorization") or b"", repr(key).encode())
    scope[_TAG] = tag
    if _fresh(scope, tag, None):
        return Response(status_code=304, headers={"ETag": tag})
    return None


def last_modified(response: Response, moment: datetime) -> None:
    """Declare when the record behind this read last changed (``Last-Modified``, second precision)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    response.headers["Last-Modified"] = format_datetime(moment.astimezone(UTC).replace(microsecond=0),
                                                        usegmt=True)


class ConditionalGet:
    def __init__(self, app: ASGIApp, rules: CacheRules) -> None:
        self.app = app
        self.rules = rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"].startswith(self.rules.skip):
            await self.app(scope, receive, send)
            return
        cache_control = self.rules.private if _header(scope, b"authorization") else self.rules.public
        held: Message | None = None

        async def send_conditional(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                if message["status"] in (200, 304) and not _streams(message):
                    held = message  # wait for the body: the tag is its hash
                    return
                await send(message)
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            start, held = held, None
            body = message.get("body", b"")
            if message.get("more_body", False):  # streamed: sent as it comes, without a tag
                await send(start)
                await send(message)
                return
            await self._answer(scope, start, body, cache_control, send)

        await self.app(scope, receive, send_conditional)

    async def _answer(self, scope: Scope, start: Message, body: bytes, cache_control: bytes, send: Send) -> None:
        headers: list[tuple[bytes, bytes]] = list(start.get("headers", []))
        names = {name for name, _ in headers}
        tag = scope.get(_TAG)
        own_tag = next((value.decode("latin-1") for name, value in headers if name == b"etag"), None)
        if own_tag is None:
            if tag is None:
                tag = _digest(body)
            headers.append((b"etag", tag.encode("latin-1")))
        else:
            tag = own_tag
        if b"cache-control" not in names:
            headers.append((b"cache-control", cache_control))
            if cache_control is self.rules.public:
                headers.append((b"vary", b"Authorization"))
        modified = next((value for name, value in headers if name == b"last-modified"), None)
        if start["status"] == 304 or _fresh(scope, tag, modified):
            kept = [(name, value) for name, value in headers if name not in _DROPPED_ON_304]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})
