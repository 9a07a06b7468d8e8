"""Several registry replicas appending to one database at once still make one gap-free sequence and a
valid tree: appends are serialized by the head row lock inside each writer's own transaction."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from services.kernel.db import Database
from services.kernel.security import Principal
from services.registry.ledger import merkle
from services.registry.ledger.models import LedgerEntry, LedgerHead
from services.registry.ledger.service import record
from tests.databases import BACKEND
from tests.unit.ledger import reference

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _writer(db: Database, name: str, count: int) -> None:
    actor = Principal(subject=name, org="org")
    for i in range(count):
        async with db.sessions.begin() as session:
            await record(session, actor, "resource.updated", "resource", f"{name}-{i}", {"i": i})
            await asyncio.sleep(0)  # let the other replica interleave inside the transaction


@pytest.mark.skipif(BACKEND != "postgresql", reason="two engines on one database: PostgreSQL row locks")
async def test_two_replicas_appending_concurrently_yield_one_gap_free_sequence_and_valid_tree(apps, ledger):
    url = apps.registry.state.db.url
    replicas = [Database(url, pool_size=4), Database(url, pool_size=4)]
    try:
        await asyncio.gather(*[_writer(db, f"replica{n}-w{w}", 15) for n, db in enumerate(replicas) for w in range(3)])
    finally:
        for db in replicas:
            await db.dispose()
    async with apps.registry.state.db.sessions() as session:
        entries = (await session.scalars(select(LedgerEntry).order_by(LedgerEntry.sequence))).all()
        head = (await session.scalars(select(LedgerHead))).one()
    assert [e.sequence for e in entries] == list(range(1, 91))
    assert head.size == 90
    assert head.root_hash == reference.mth([e.leaf_input for e in entries])
    assert all(e.leaf_hash == merkle.leaf_hash(e.leaf_input) for e in entries)


async def test_concurrent_appends_within_one_process_stay_gap_free(apps, ledger):
    db = apps.registry.state.db
    await asyncio.gather(*[_writer(db, f"w{w}", 5) for w in range(3)])
    async with db.sessions() as session:
        entries = (await session.scalars(select(LedgerEntry).order_by(LedgerEntry.sequence))).all()
    assert [e.sequence for e in entries] == list(range(1, 16))
    assert (await _root(db)) == reference.mth([e.leaf_input for e in entries])


async def _root(db: Database) -> bytes:
    async with db.sessions() as session:
        return (await session.scalars(select(LedgerHead.root_hash))).one()
