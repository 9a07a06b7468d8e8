"""Idempotency-Key for unsafe requests (IETF draft-ietf-httpapi-idempotency-key-header).

A retry of a POST/PUT/PATCH/DELETE carrying the same key, by the same caller, with the same request gets the
first response replayed (``Idempotent-Replayed: true``) and creates nothing new. The same key with another
request body is refused (422); a retry while the first attempt is still running gets 409 with Retry-After.
Responses with 5xx are not kept, so a retry after a failure runs again.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    Row,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import BadRequest, Conflict, Problem, Unprocessable, problem_response
from .timeutil import as_utc, utcnow

__all__ = ["IdempotencyMiddleware", "idempotency_table"]

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
STALE_AFTER = timedelta(seconds=60)
KEPT_HEADERS = {b"content-type", b"location", b"etag"}


def idempotency_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys", metadata,
        Column("owner", String(200), primary_key=True),
        Column("key", String(200), primary_key=True),
        Column("request_digest", String(64), nullable=False),
        Column("status", Integer, nullable=True),  # NULL while the first attempt runs
        Column("headers", JSON, nullable=True),
        Column("body", LargeBinary, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, table: Table, exclude_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.table = table
        self.exclude_prefixes = exclude_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] not in UNSAFE
                or scope["path"].startswith(self.exclude_prefixes)):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        raw_key = headers.get(b"idempotency-key")
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        try:
            await self._idempotent(scope, receive, send, raw_key, headers)
        except Problem as problem:
            await problem_response(problem, scope["path"])(scope, receive, send)

    async def _owner(self, scope: Scope, headers: dict[bytes, bytes]) -> str | None:
        auth = headers.get(b"authorization", b"").decode("latin-1")
        if auth[:7].lower() == "bearer ":
            verifier = getattr(scope["app"].state, "verifier", None)
            if verifier is None:
                return None
            try:
                return "sub:" + str((await verifier.verify(auth[7:].strip())).subject)
            except Problem:
                return None  # let the route answer 401 as it always does
        client = scope.get("client")
        return "addr:" + (client[0] if client else "unknown")

    # One request's whole protocol (claim, replay, run, store) reads best in order; issue 17 step 6 moves it into
    # the request's own transaction and splits it then.
    async def _idempotent(  # noqa: PLR0912, PLR0915
        self, scope: Scope, receive: Receive, send: Send, raw_key: bytes, headers: dict[bytes, bytes]
    ) -> None:
        key = raw_key.decode("latin-1").strip().strip('"')
        if not 1 <= len(key) <= 200:
            raise BadRequest("Idempotency-Key must be 1 to 200 characters.", slug="idempotency-key-invalid")
        owner = await self._owner(scope, headers)
        if owner is None:
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        digest = hashlib.sha256(
            b"\n".join([scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body])
        ).hexdigest()

        db = scope["app"].state.db
        t = self.table
        where = (t.c.owner == owner) & (t.c.key == key)
        async with db.sessions.begin() as session:
            row = (await session.execute(select(t).where(where))).first()
            if row is None:
                try:
                    async with session.begin_nested():
                        await session.execute(insert(t).values(
                            owner=owner, key=key, request_digest=digest, created_at=utcnow()))
                except IntegrityError:
                    raise Conflict("A request with this Idempotency-Key is in progress.",
                                   slug="idempotency-key-in-progress", headers={"Retry-After": "1"}) from None
            elif row.request_digest != digest:
                raise Unprocessable("This Idempotency-Key was used for a different request.",
                                    slug="idempotency-key-reused")
            elif row.status is not None:
                await self._replay(send, row)
                return
            elif utcnow() - as_utc(row.created_at) < STALE_AFTER:
                raise Conflict("A request with this Idempotency-Key is in progress.",
                               slug="idempotency-key-in-progress", headers={"Retry-After": "1"})
            else:
                await session.execute(update(t).where(where).values(created_at=utcnow()))

        sent = False

        async def replay_body() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        # The answer is held until its record is stored: a retry that arrives the moment the client sees the
        # 201 must find it replayable, not "in progress" (the attack run got 409 there).
        captured: dict[str, Any] = {"status": 500, "headers": [], "body": b""}
        held: list[Message] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            held.append(message)

        try:
            await self.app(scope, replay_body, capture)
        finally:
            async with db.sessions.begin() as session:
                if captured["status"] >= 500:
                    await session.execute(delete(t).where(where))
                else:
                    kept = {k.decode(): v.decode("latin-1") for k, v in captured["headers"]
                            if k.lower() in KEPT_HEADERS}
                    await session.execute(update(t).where(where).values(
                        status=captured["status"], headers=kept, body=captured["body"]))
        for message in held:
            await send(message)

    @staticmethod
    async def _replay(send: Send, row: Row[Any]) -> None:
        headers = [(k.encode(), v.encode("latin-1")) for k, v in (row.headers or {}).items()]
        headers.append((b"idempotent-replayed", b"true"))
        body = row.body or b""
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": row.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


