"""Ledger benchmarks (issue 5): each asserts a ratio against a baseline measured in the same run.

What is measured, and where:

* **append** — the real ``record()`` (head row lock, canonical JSON, leaf hash, frontier update, inserts of the
  entry and the completed subtree nodes, head update), one committed transaction per entry as in the services,
  on a SQLite file holding 1,000 entries and on one holding 1,000,000. The million-entry database is built in
  bulk with exactly the rows ``record()`` would have written (same documents, same frontier algorithm; the
  test checks its root against an independent computation), because appending a million entries one
  transaction at a time would take most of an hour. Assert: rate at 1,000,000 >= 80% of the rate at 1,000.
* **inclusion proof** — the real ``tree.inclusion_proof()`` (one query for the O(log n) stored nodes, then
  the RFC 9162 PATH) for random leaves, on the same two databases. Assert: rate at 1,000,000 >= 50% of 1,000.
* **verify** — ``verify_ledger()`` as ``pdr ledger verify`` runs it on entries already in memory (signed tree
  head check, every leaf recomputed and compared with the stored leaf hash, the whole tree rebuilt, root
  compared), against the baseline of hashing the same 1,000,000 leaf inputs with ``hashlib.sha256`` alone.
  Reading and base64-decoding the file is I/O and excluded from both. Assert: verify <= 3x the baseline.

Run: ``.venv/bin/pytest tests/perf/test_ledger_perf.py -q -s -p no:randomly``
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import sqlite3
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from services.kernel.jose_keys import generate_es256
from services.kernel.security import Principal
from services.registry.ledger import merkle
from services.registry.ledger.canonical import canonical_bytes, format_time
from services.registry.ledger.models import LedgerEntry, LedgerHead, LedgerNode
from services.registry.ledger.service import entry_document, record
from services.registry.ledger.sth import sign_tree_head
from services.registry.ledger.tree import inclusion_proof
from services.registry.ledger.verify import LeafTree, verify_ledger

pytestmark = pytest.mark.perf

SMALL, LARGE = 1_000, 1_000_000
ACTOR = Principal(subject="bench-user", org="bench-org", roles=frozenset({"registrar"}))
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _document(sequence: int) -> bytes:
    """A realistic entry: the shape registration transitions record."""
    return canonical_bytes(entry_document(
        sequence, format_time(T0 + timedelta(seconds=sequence)), ACTOR, "registration.accepted", "registration",
        f"{sequence:032x}", {"from": "submitted", "to": "accepted", "type": "first", "subject_type": "resource",
                             "subject_id": f"{sequence * 7:032x}", "note": "材料齐全，予以受理"}))


def _build(path: Path, size: int) -> tuple[list[bytes], bytes]:
    """The tables as ``record()`` leaves them after ``size`` appends, written in bulk."""
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}")
    for table in (LedgerEntry.__table__, LedgerNode.__table__, LedgerHead.__table__):
        table.create(engine)
    engine.dispose()
    docs = [_document(i + 1) for i in range(size)]
    frontier: list[bytes] = []
    nodes: list[tuple[int, int, bytes]] = []
    entries = []
    for i, doc in enumerate(docs):
        leaf = merkle.leaf_hash(doc)
        frontier, created = merkle.append_frontier(i, frontier, leaf)
        nodes += created
        entries.append((i + 1, (T0 + timedelta(seconds=i + 1)).isoformat(sep=" "), ACTOR.subject, ACTOR.org,
                        "registration.accepted", "registration", f"{i + 1:032x}", doc, leaf))
    root = merkle.root_from_frontier(frontier)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executemany("INSERT INTO ledger_entries (sequence, recorded_at, actor_subject, actor_org, action, subject_type,"
                   " subject_id, leaf_input, leaf_hash) VALUES (?,?,?,?,?,?,?,?,?)", entries)
    db.executemany("INSERT INTO ledger_nodes (level, idx, hash) VALUES (?,?,?)", nodes)
    db.execute("INSERT INTO ledger_head (id, size, frontier, root_hash, updated_at) VALUES (1,?,?,?,?)",
               (size, b"".join(frontier), root, T0.isoformat(sep=" ")))
    db.commit()
    db.close()
    return docs, root


def _sessions(path: Path) -> tuple[object, async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(conn, _record):  # the registry's own SQLite settings (services.kernel.db)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=15000"):
            conn.execute(f"PRAGMA {pragma}")

    return engine, async_sessionmaker(engine, expire_on_commit=False)


async def _append_rate(sessions: async_sessionmaker[AsyncSession], count: int) -> float:
    start = time.perf_counter()
    for i in range(count):
        async with sessions.begin() as session:
            await record(session, ACTOR, "registration.accepted", "registration", f"bench-{i}",
                         {"from": "submitted", "to": "accepted", "note": "材料齐全，予以受理"})
    return count / (time.perf_counter() - start)


async def _proof_rate(sessions: async_sessionmaker[AsyncSession], size: int, count: int) -> float:
    rng = random.Random(size)
    leaves = [rng.randrange(size) for _ in range(count)]
    start = time.perf_counter()
    async with sessions() as session:
        for leaf in leaves:
            await inclusion_proof(session, leaf, size)
    return count / (time.perf_counter() - start)


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ledger-perf")
    started = time.perf_counter()
    small_docs, small_root = _build(tmp / "small.db", SMALL)
    large_docs, large_root = _build(tmp / "large.db", LARGE)
    print(f"\nbuilt ledgers of {SMALL:,} and {LARGE:,} entries in {time.perf_counter() - started:.1f}s")
    assert small_root == LeafTree(small_docs).root()
    return {"small": tmp / "small.db", "large": tmp / "large.db", "large_docs": large_docs, "large_root": large_root}


def test_append_at_a_million_entries_is_at_least_80_percent_as_fast_as_at_a_thousand(ledgers):
    async def run() -> tuple[list[float], list[float]]:
        engines = {name: _sessions(ledgers[name]) for name in ("small", "large")}
        rates: dict[str, list[float]] = {"small": [], "large": []}
        for _ in range(5):  # interleaved rounds: machine noise hits both sides alike
            for name in ("small", "large"):
                rates[name].append(await _append_rate(engines[name][1], 60))
        for engine, _ in engines.values():
            await engine.dispose()
        return rates["small"], rates["large"]

    small, large = asyncio.run(run())
    s, lg = statistics.median(small), statistics.median(large)
    print(f"append: {s:,.0f}/s at {SMALL:,} entries, {lg:,.0f}/s at {LARGE:,} entries, ratio {lg / s:.2f} (>= 0.80)")
    assert lg >= 0.8 * s


def test_inclusion_proofs_at_a_million_entries_are_at_least_half_as_fast_as_at_a_thousand(ledgers):
    async def run() -> tuple[list[float], list[float]]:
        engines = {name: _sessions(ledgers[name]) for name in ("small", "large")}
        rates: dict[str, list[float]] = {"small": [], "large": []}
        for _ in range(5):
            rates["small"].append(await _proof_rate(engines["small"][1], SMALL, 200))
            rates["large"].append(await _proof_rate(engines["large"][1], LARGE, 200))
        for engine, _ in engines.values():
            await engine.dispose()
        return rates["small"], rates["large"]

    small, large = asyncio.run(run())
    s, lg = statistics.median(small), statistics.median(large)
    print(f"inclusion proof: {s:,.0f}/s at {SMALL:,}, {lg:,.0f}/s at {LARGE:,}, ratio {lg / s:.2f} (>= 0.50)")
    assert lg >= 0.5 * s


def test_verifying_a_million_entries_takes_at_most_three_times_plain_hashing(ledgers):
    docs, root = ledgers["large_docs"], ledgers["large_root"]
    claimed = [merkle.leaf_hash(d) for d in docs]  # the leaf hashes an export carries
    key = generate_es256()
    sth = sign_tree_head(len(docs), 0, root, key).model_dump()
    jwks = {"keys": [key.public_jwk]}
    sha = hashlib.sha256
    baselines, verifies = [], []
    for _ in range(3):
        start = time.perf_counter()
        [sha(d).digest() for d in docs]
        baselines.append(time.perf_counter() - start)
        start = time.perf_counter()
        report, _ = verify_ledger(docs, claimed, sth, jwks)
        verifies.append(time.perf_counter() - start)
        assert report.ok, report.problems
    b, v = min(baselines), min(verifies)
    print(f"verify {LARGE:,} entries: {v:.2f}s; hashlib alone {b:.2f}s; ratio {v / b:.2f} (<= 3.0)")
    assert v <= 3 * b
