"""The change feed: the ledger, in sequence order, as events other services can follow.

Event JSON (the same document the ledger entry's leaf commits to, RFC 8785 canonical in the ledger)::

    {
      "sequence": 42,                          # 1-based, gap-free, strictly increasing
      "time": "2026-11-26T14:01:21.666292Z",   # RFC 3339 UTC, when the change was committed
      "action": "registration.accepted",       # <subject type>.<verb>, the service's own name for it
      "subject_type": "registration",
      "subject_id": "0190c3…",
      "actor": {"subject": "<user or client id>", "org": "<org id>"} | null,   # null: the system itself
      "data": { … }                            # the change: whatever the recording service put there
    }

A consumer stores the ``sequence`` of the last event it applied and asks for ``after=<that>``; because
sequences are gap-free and only ever appended, it neither misses nor double-applies an event. A page answers
``last_sequence`` (resume from there) and ``has_more``. With ``wait`` the call blocks until at least one
event exists after ``after`` or the time is up (long polling). Waiting polls the database with a fresh
short session each time, so appends by any registry replica are seen, not only this process's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..ledger.models import LedgerEntry

__all__ = ["POLL_SECONDS", "FeedPage", "event_of", "read_events", "stream_events", "wait_for_events"]

POLL_SECONDS = 0.25
FeedPage = dict[str, Any]


def event_of(entry: LedgerEntry) -> dict[str, Any]:
    return orjson.loads(entry.leaf_input)


async def read_events(session: AsyncSession, after: int, limit: int) -> FeedPage:
    rows = (await session.scalars(
        select(LedgerEntry).where(LedgerEntry.sequence > after).order_by(LedgerEntry.sequence).limit(limit + 1)
    )).all()
    events = [event_of(e) for e in rows[:limit]]
    return {
        "events": events,
        "last_sequence": events[-1]["sequence"] if events else after,
        "has_more": len(rows) > limit,
    }


async def _latest(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.scalar(select(func.max(LedgerEntry.sequence)))) or 0)


async def wait_for_events(sessions: async_sessionmaker[AsyncSession], after: int, limit: int,
                          wait: float) -> FeedPage:
    deadline = time.monotonic() + wait
    while True:
        if await _latest(sessions) > after or time.monotonic() >= deadline:
            async with sessions() as session:
                return await read_events(session, after, limit)
        await asyncio.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))


async def stream_events(sessions: async_sessionmaker[AsyncSession], after: int,
                        duration: float, batch: int = 500) -> AsyncIterator[dict[str, Any] | None]:
    """Events after ``after`` as they are appended, for ``duration`` seconds; ``None`` marks an idle beat."""
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        page = await wait_for_events(sessions, after, batch, min(15.0, max(0.0, deadline - time.monotonic())))
        if not page["events"]:
            yield None
        for event in page["events"]:
            yield event
        after = page["last_sequence"]
