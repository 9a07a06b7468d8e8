"""Reading the tree: the head, entries, inclusion and consistency proofs, roots of earlier sizes.

Proofs fetch exactly the perfect-subtree nodes ``merkle`` says they need, in one query, so a proof costs
O(log n) rows whatever the size of the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import BadRequest, NotFound
from services.kernel.timeutil import as_utc

from . import merkle
from .models import HEAD_ID, LedgerEntry, LedgerHead, LedgerNode

__all__ = [
    "MAX_ENTRIES",
    "TreeHead",
    "consistency_proof",
    "entries_by_index",
    "entries_for_subject",
    "fetch_nodes",
    "inclusion_proof",
    "nodes_condition",
    "read_head",
]

MAX_ENTRIES = 1000


@dataclass(frozen=True)
class TreeHead:
    size: int
    root_hash: bytes
    updated_at: datetime | None


async def read_head(session: AsyncSession) -> TreeHead:
    row = (await session.execute(
        select(LedgerHead.size, LedgerHead.root_hash, LedgerHead.updated_at).where(LedgerHead.id == HEAD_ID)
    )).first()
    if row is None:
        return TreeHead(0, merkle.EMPTY_ROOT, None)
    return TreeHead(row[0], row[1], as_utc(row[2]))


def nodes_condition(nodes: set[tuple[int, int]]) -> ColumnElement[bool]:
    """``(level = l AND idx IN (…)) OR …``, one term per level: SQLite answers a row-value ``IN`` with a full
    scan, but this form with a search of the primary key per term (PostgreSQL: a bitmap OR)."""
    by_level: dict[int, list[int]] = defaultdict(list)
    for level, index in nodes:
        by_level[level].append(index)
    return or_(*[and_(LedgerNode.level == level, LedgerNode.index.in_(sorted(indexes)))
                 for level, indexes in sorted(by_level.items())])


async def fetch_nodes(session: AsyncSession, nodes: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    if not nodes:
        return {}
    rows = (await session.execute(
        select(LedgerNode.level, LedgerNode.index, LedgerNode.hash).where(nodes_condition(nodes))
    )).all()
    found = {(lv, ix): h for lv, ix, h in rows}
    if len(found) != len(nodes):
        # Nodes are written with their leaves; a hole means the tables were altered outside the registry.
        raise merkle.ProofError("the ledger is missing tree nodes")
    return found


def _check_size(tree_size: int, head: TreeHead, name: str = "tree_size") -> None:
    if tree_size > head.size:
        raise BadRequest(f"{name} {tree_size} is larger than the ledger ({head.size} entries).",
                         slug="tree-size-too-large", tree_size=head.size)


async def inclusion_proof(session: AsyncSession, leaf_index: int, tree_size: int) -> list[bytes]:
    head = await read_head(session)
    _check_size(tree_size, head)
    if leaf_index >= tree_size:
        raise BadRequest(f"leaf_index {leaf_index} is not in a tree of size {tree_size}.", slug="leaf-out-of-range")
    nodes = await fetch_nodes(session, merkle.inclusion_nodes(leaf_index, tree_size))
    return merkle.inclusion_proof(leaf_index, tree_size, nodes)


async def consistency_proof(session: AsyncSession, first: int, second: int) -> list[bytes]:
    head = await read_head(session)
    _check_size(second, head, "second")
    if not 0 < first <= second:
        raise BadRequest("Consistency needs 0 < first <= second.", slug="bad-tree-sizes")
    nodes = await fetch_nodes(session, merkle.consistency_nodes(first, second))
    return merkle.consistency_proof(first, second, nodes)


async def entries_by_index(session: AsyncSession, start: int, end: int) -> Sequence[LedgerEntry]:
    """Leaves ``start``..``end`` inclusive (0-based, as RFC 9162 get-entries), at most ``MAX_ENTRIES``."""
    if end < start:
        raise BadRequest("end must not be before start.", slug="bad-range")
    end = min(end, start + MAX_ENTRIES - 1)
    return (await session.scalars(
        select(LedgerEntry).where(LedgerEntry.sequence > start, LedgerEntry.sequence <= end + 1)
        .order_by(LedgerEntry.sequence)
    )).all()


async def entries_for_subject(session: AsyncSession, subject_type: str, subject_id: str) -> Sequence[LedgerEntry]:
    """Every entry about one subject (an evidence bundle leaves none out)."""
    rows = (await session.scalars(
        select(LedgerEntry).where(LedgerEntry.subject_type == subject_type, LedgerEntry.subject_id == subject_id)
        .order_by(LedgerEntry.sequence)
    )).all()
    if not rows:
        raise NotFound(f"The ledger has no entries for {subject_type} {subject_id}.", slug="ledger-subject-unknown")
    return rows
