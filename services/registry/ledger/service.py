"""Appending to the ledger, in the caller's transaction.

Every registry service function that changes state calls ``record`` before it returns; the entry is
flushed with the change and committed (or rolled back) with it, so the ledger never disagrees with the
tables. Appends are serialized by a row lock on ``ledger_head`` (PostgreSQL ``SELECT … FOR UPDATE``; SQLite
has one writer anyway, and we take its write lock first), which is what keeps the sequence gap-free when
several registry replicas write to one database. The lock is held until the caller's commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.security import Principal
from services.kernel.timeutil import utcnow

from . import merkle
from .canonical import canonical_bytes, format_time, to_json
from .models import HEAD_ID, LedgerEntry, LedgerHead, LedgerNode

__all__ = ["HeadState", "entry_document", "locked_head", "record", "split_frontier"]

HASH_LEN = 32
HeadState = tuple[int, list[bytes]]


def split_frontier(blob: bytes) -> list[bytes]:
    return [blob[i:i + HASH_LEN] for i in range(0, len(blob), HASH_LEN)]


async def _select_head(session: AsyncSession) -> tuple[int, bytes] | None:
    row = (await session.execute(
        select(LedgerHead.size, LedgerHead.frontier).where(LedgerHead.id == HEAD_ID).with_for_update()
    )).first()
    return None if row is None else (row[0], row[1])


async def locked_head(session: AsyncSession) -> HeadState:
    """The current size and frontier, locked for this transaction."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    if dialect == "sqlite":
        # Take SQLite's write lock before reading, so a concurrent writer cannot slip in between.
        await session.execute(update(LedgerHead).where(LedgerHead.id == HEAD_ID).values(size=LedgerHead.size))
    row = await _select_head(session)
    if row is None:
        # Tables start empty (and tests empty them): create the head once; a racing replica's insert is ignored.
        values = dict(id=HEAD_ID, size=0, frontier=b"", root_hash=merkle.EMPTY_ROOT, updated_at=utcnow())
        ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(LedgerHead).values(**values)
        await session.execute(ins.on_conflict_do_nothing(index_elements=["id"]))
        row = await _select_head(session)
        if row is None:
            raise RuntimeError("the ledger head row is missing right after it was inserted")
    return row[0], split_frontier(row[1])


def entry_document(sequence: int, recorded_at: str, principal: Principal | None, action: str,
                   subject_type: str, subject_id: str, payload: Any) -> dict[str, Any]:
    """The JSON a leaf commits to; the change feed serves the same document."""
    return {
        "sequence": sequence,
        "time": recorded_at,
        "actor": None if principal is None else {"subject": principal.subject, "org": principal.org},
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "data": to_json(payload),
    }


async def record(session: AsyncSession, principal: Principal | None, action: str, subject_type: str,
                 subject_id: str, payload: dict) -> LedgerEntry:
    """Append one entry for a state change, in the caller's transaction (flush only, never commit)."""
    size, frontier = await locked_head(session)
    now = utcnow()
    sequence = size + 1
    leaf_input = canonical_bytes(entry_document(sequence, format_time(now), principal, action,
                                                subject_type, str(subject_id), payload))
    leaf = merkle.leaf_hash(leaf_input)
    frontier, created = merkle.append_frontier(size, frontier, leaf)
    entry = LedgerEntry(
        sequence=sequence, recorded_at=now, actor_subject=principal.subject if principal else None,
        actor_org=principal.org if principal else None, action=action, subject_type=subject_type,
        subject_id=str(subject_id), leaf_input=leaf_input, leaf_hash=leaf,
    )
    await session.execute(insert(LedgerEntry), [{
        "sequence": sequence, "recorded_at": now, "actor_subject": entry.actor_subject,
        "actor_org": entry.actor_org, "action": action, "subject_type": subject_type,
        "subject_id": entry.subject_id, "leaf_input": leaf_input, "leaf_hash": leaf,
    }])
    await session.execute(insert(LedgerNode), [{"level": lv, "index": ix, "hash": h} for lv, ix, h in created])
    await session.execute(
        update(LedgerHead).where(LedgerHead.id == HEAD_ID).values(
            size=sequence, frontier=b"".join(frontier), root_hash=merkle.root_from_frontier(frontier),
            updated_at=now)
    )
    return entry
