"""Hot reads on the driver connection (kernel.rows), on the real engine of the run.

Reads by key made in one turn of the event loop share one statement; each caller still gets its own row (or
None), a cancelled caller leaves the others alone, and a read made after a commit sees it.
"""

from __future__ import annotations

import asyncio

import pytest

from services.kernel.rows import Statement
from services.registry.catalog.search import _HIT_COLUMNS
from services.registry.registration.models import Resource

pytestmark = pytest.mark.asyncio(loop_scope="session")
TABLE = Resource.__table__


async def _add(db, *names: str) -> list[str]:
    async with db.sessions.begin() as session:
        rows = [Resource(org_id="org-a", org_name="测试局", name=name, region_code="110000",
                         sharing_attribute="conditional", opening_attribute="unconditional", grading="general",
                         update_frequency="monthly") for name in names]
        session.add_all(rows)
    return [row.id for row in rows]


@pytest.fixture
def statements(apps, clean, monkeypatch) -> list[str]:
    """The SQL the registry's reader sends, in order."""
    reader = apps.registry.state.db.rows
    sent: list[str] = []
    fetch = reader._fetch

    async def counted(sql, args):
        sent.append(sql)
        return await fetch(sql, args)

    monkeypatch.setattr(reader, "_fetch", counted)
    return sent


async def test_reads_in_one_turn_share_one_statement_and_each_gets_its_own_row(apps, statements):
    db = apps.registry.state.db
    first, second = await _add(db, "交通客流", "企业登记")
    results = await asyncio.gather(*(db.rows.fetch_by_key(TABLE, TABLE.c.id, key)
                                     for key in (first, second, first, "f" * 32)))
    assert [r and r["name"] for r in results] == ["交通客流", "企业登记", "交通客流", None]
    assert len(statements) == 1
    results[0]["name"] = "changed by one caller"
    assert results[2]["name"] == "交通客流"  # callers of the same key get copies
    assert results[0]["created_at"].tzinfo is not None or db.is_sqlite  # values as the ORM types them


async def test_reads_made_while_a_batch_is_out_leave_together_when_it_returns(apps, statements, monkeypatch):
    db = apps.registry.state.db
    first, second, third = await _add(db, "甲", "乙", "丙")
    gate, fetch, sent = asyncio.Event(), db.rows._fetch, []

    async def held(sql, args):  # the first statement is held until the gate opens
        sent.append(sql)
        if len(sent) == 1:
            await gate.wait()
        return await fetch(sql, args)

    monkeypatch.setattr(db.rows, "_fetch", held)
    out = asyncio.ensure_future(db.rows.fetch_by_key(TABLE, TABLE.c.id, first))
    await asyncio.sleep(0.05)
    waiting = [asyncio.ensure_future(db.rows.fetch_by_key(TABLE, TABLE.c.id, key)) for key in (second, third)]
    await asyncio.sleep(0.05)
    out_at_once = len(sent)
    gate.set()
    assert [(await f)["name"] for f in (out, *waiting)] == ["甲", "乙", "丙"]
    assert out_at_once == 1  # the later reads waited for the batch that was out
    assert len(sent) == 2


async def test_a_cancelled_read_leaves_the_rest_of_its_batch_answered(apps, statements):
    db = apps.registry.state.db
    (key,) = await _add(db, "气象监测")
    doomed = asyncio.ensure_future(db.rows.fetch_by_key(TABLE, TABLE.c.id, key))
    kept = asyncio.ensure_future(db.rows.fetch_by_key(TABLE, TABLE.c.id, key))
    await asyncio.sleep(0)  # both are waiting on the batch now
    doomed.cancel()
    assert (await kept)["name"] == "气象监测"
    assert doomed.cancelled()


async def test_a_read_after_a_commit_sees_it(apps, statements):
    db = apps.registry.state.db
    (key,) = await _add(db, "旧名称")
    async with db.sessions.begin() as session:
        (await session.get(Resource, key)).name = "新名称"
    assert (await db.rows.fetch_by_key(TABLE, TABLE.c.id, key))["name"] == "新名称"


async def test_a_compiled_statement_renders_its_literals_and_binds_its_parameters(apps, statements):
    from sqlalchemy import bindparam, select

    from services.registry.catalog.models import CatalogEntry

    db = apps.registry.state.db
    await _add(db, "甲", "乙", "丙")
    e = CatalogEntry.__table__.c
    statement = Statement(select(*_HIT_COLUMNS).where(e.org_id == bindparam("org"))
                          .order_by(e.seq.desc()).limit(bindparam("lim", literal_execute=True)))
    rows = await db.rows.fetch_all(statement, {"org": "org-a", "lim": 2})
    assert [row["name"] for row in rows] == ["丙", "乙"]
    assert "LIMIT 2" in statements[-1]
    assert await db.rows.fetch_all(statement, {"org": "org-b", "lim": 2}) == []
