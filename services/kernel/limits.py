"""Bounded work per request, decided before the body is read: authentication, body size, rate budgets.

One pure-ASGI middleware in front of every service (inside the request context, outside idempotency and the
routes), so a request that will be refused costs no parsing:

0. A NUL in the path or query string is a 400 (kernel.text.has_nul): PostgreSQL fails on it in any text.

1. A bearer token on a writing request is verified first; an invalid one is refused with 401 before a byte of
   the body is read. A verified caller (on any request) is charged to its own budget.
2. The body is bounded by its route family (``BodyLimits``: the longest matching path prefix, else the
   default; a caller without a bearer token gets at most ``anonymous``). A declared ``Content-Length`` over the
   limit is refused at once; a chunked body is counted while it streams and refused when it crosses the limit.
   Either way the answer is 413 problem+json.
3. Rate budgets (the ``limits`` library, memory or Redis storage): each verified caller has one budget for all
   its requests; callers without a token have one per address for their writing requests (public objections,
   DOMAIN Art. 15: anyone may object, not anyone without end). Every limited answer carries the IETF
   ``RateLimit-Policy`` and ``RateLimit`` fields (draft-ietf-httpapi-ratelimit-headers); a spent budget gets
   429 with ``Retry-After``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string
from prometheus_client import CollectorRegistry, Counter
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import BadRequest, ContentTooLarge, Problem, TooManyRequests, problem_response
from .text import has_nul

__all__ = ["BodyLimits", "FrontDoor", "RateBudgets"]

UNSAFE = frozenset({b"POST", b"PUT", b"PATCH", b"DELETE"})
KIB, MIB = 1024, 1024 * 1024


@dataclass(frozen=True)
class BodyLimits:
    """Largest body accepted, by route family (path prefix), with a smaller cap for callers without a token."""

    default: int = 1 * MIB
    anonymous: int = 64 * KIB
    families: dict[str, int] = field(default_factory=dict)

    def for_path(self, path: str, *, authenticated: bool) -> int:
        limit = self.default
        best = -1
        for prefix, size in self.families.items():
            if path.startswith(prefix) and len(prefix) > best:
                limit, best = size, len(prefix)
        return limit if authenticated else min(limit, self.anonymous)


def async_storage(uri: str) -> Storage:
    """The ``limits`` storage at ``uri``, which must be an async one (``memory://``'s async twin is the default)."""
    storage = storage_from_string(uri)
    if not isinstance(storage, Storage):
        raise ValueError(f"rate-limit storage {uri!r} is synchronous: use its async+ scheme")
    return storage


class RateBudgets:
    """Per-caller and per-address budgets over the ``limits`` library (fixed windows; shared with Redis)."""

    def __init__(self, *, per_caller: str | None, anonymous_writes: str | None, storage: str | None = None,
                 exempt: tuple[str, ...] = ()) -> None:
        self.per_caller: RateLimitItem | None = parse(per_caller) if per_caller else None
        self.anonymous_writes: RateLimitItem | None = parse(anonymous_writes) if anonymous_writes else None
        # An async URI (async+redis://…) gives the aio storage this limiter needs; a sync one is refused here.
        self.storage = async_storage(storage) if storage else MemoryStorage()
        self.limiter = FixedWindowRateLimiter(self.storage)
        self.exempt = exempt

    async def charge(self, item: RateLimitItem, name: str, key: str) -> tuple[bool, list[tuple[bytes, bytes]], int]:
        """Take one from ``key``'s budget: (allowed, RateLimit header fields, seconds until the window resets)."""
        allowed = await self.limiter.hit(item, key)
        stats = await self.limiter.get_window_stats(item, key)
        reset = max(1, math.ceil(stats.reset_time - time.time()))
        headers = [(b"ratelimit-policy", f'"{name}";q={item.amount};w={item.get_expiry()}'.encode()),
                   (b"ratelimit", f'"{name}";r={stats.remaining};t={reset}'.encode())]
        return allowed, headers, reset


class FrontDoor:
    def __init__(self, app: ASGIApp, *, bodies: BodyLimits, budgets: RateBudgets, service: str,
                 registry: CollectorRegistry | None) -> None:
        self.app = app
        self.bodies = bodies
        self.budgets = budgets
        self.refused = Counter("pdr_requests_refused_total", "Requests refused before reaching a route, by reason",
                               ["service", "reason"], registry=registry)
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self._enter(scope, receive, send)
        except _Refused as refused:
            self.refused.labels(self.service, refused.problem.slug).inc()
            if not refused.started:
                await _send_problem(refused.problem, scope, send)

    async def _enter(self, scope: Scope, receive: Receive, send: Send) -> None:
        if has_nul(scope):  # no route, parameter or driver sees a NUL in the path or query string
            raise _Refused(BadRequest("The path or query string contains a NUL character.", slug="nul-character"))
        writing = scope["method"].encode() in UNSAFE
        token = _bearer(scope)
        principal = None
        if token is not None:
            verifier = getattr(scope["app"].state, "verifier", None)
            if verifier is not None:
                try:
                    principal = await verifier.verify(token)
                except Problem as problem:
                    if writing:  # refuse before the body is read; a read is left to its route (public pages)
                        raise _Refused(problem) from None

        extra: list[tuple[bytes, bytes]] = []
        path = scope["path"]
        if not path.startswith(self.budgets.exempt):
            if principal is not None and self.budgets.per_caller is not None:
                extra = await self._charge(self.budgets.per_caller, "caller", principal.subject)
            elif principal is None and writing and self.budgets.anonymous_writes is not None:
                client = scope.get("client")
                extra = await self._charge(self.budgets.anonymous_writes, "anonymous-writes",
                                           client[0] if client else "-")

        refusal: list[Problem] = []  # set when the body crosses its limit while the app reads it
        if writing:
            receive = self._bounded(scope, receive, token is not None, refusal)
        started = False

        async def send_with_budget(message: Message) -> None:
            nonlocal started
            if refusal:  # whatever the app made of the cut-off body, the answer is the 413
                if not started:
                    started = True
                    await _send_problem(refusal[0], scope, send)
                return
            if message["type"] == "http.response.start":
                started = True
                if extra:
                    message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_budget)
        except _Refused as refused:
            refused.started = started
            raise

    async def _charge(self, item: RateLimitItem, name: str, key: str) -> list[tuple[bytes, bytes]]:
        allowed, headers, reset = await self.budgets.charge(item, name, f"{name}:{key}")
        if not allowed:
            problem = TooManyRequests("This caller's request budget is spent; retry after the window resets.",
                                      retry_after=reset, slug="rate-limited")
            problem.headers.update({name.decode(): value.decode() for name, value in headers})
            raise _Refused(problem)
        return headers

    def _bounded(self, scope: Scope, receive: Receive, authenticated: bool, refusal: list[Problem]) -> Receive:
        limit = self.bodies.for_path(scope["path"], authenticated=authenticated)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            raise _Refused(_too_large(limit, authenticated))
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    refusal.append(_too_large(limit, authenticated))
                    raise _Refused(refusal[0])
            return message

        return counted


class _Refused(HTTPException):
    """Raised before the app or from inside its receive; the middleware answers it if nothing was sent yet.

    An HTTPException, because FastAPI turns any other exception raised while it reads a body into a 400; the
    problem handler renders it from ``problem`` (kernel.problems).
    """

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.status, problem.detail)
        self.problem = problem
        self.started = False


async def _send_problem(problem: Problem, scope: Scope, send: Send) -> None:
    async def nothing() -> Message:
        return {"type": "http.disconnect"}

    await problem_response(problem, scope["path"])(scope, nothing, send)


def _too_large(limit: int, authenticated: bool) -> ContentTooLarge:
    size = f"{limit // MIB} MiB" if limit >= MIB else f"{limit // KIB} KiB"
    hint = "" if authenticated else " for a request without a bearer token"
    return ContentTooLarge(f"The request body exceeds the {size} this endpoint accepts{hint}.", max_bytes=limit)


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() or None if scheme.lower() == "bearer" else None
    return None


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
