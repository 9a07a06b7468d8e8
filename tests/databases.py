"""Real test databases: a SQLite file or a fresh PostgreSQL database per service per test run.

``PDR_TEST_DB=sqlite`` (default) or ``PDR_TEST_DB=postgresql``; PostgreSQL is reached at
``PDR_TEST_PG`` (default ``postgresql+asyncpg://postgres@127.0.0.1:5432``).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.kernel.migrate import upgrade

__all__ = ["BACKEND", "TestDatabase", "truncate_all"]

BACKEND = os.environ.get("PDR_TEST_DB", "sqlite")
PG_BASE = os.environ.get("PDR_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432")


class TestDatabase:
    """One migrated database for one service; dropped at the end of the run."""

    def __init__(self, service: str, tmp: Path) -> None:
        self.service = service
        self.name = f"pdr_test_{service}_{uuid.uuid4().hex[:10]}"
        if BACKEND == "postgresql":
            self.url = f"{PG_BASE}/{self.name}"
        else:
            self.url = f"sqlite+aiosqlite:///{tmp / (self.name + '.db')}"

    def _admin_dsn(self) -> str:
        return PG_BASE.replace("postgresql+asyncpg", "postgresql") + "/postgres"

    async def create(self) -> TestDatabase:
        if BACKEND == "postgresql":
            conn = await asyncpg.connect(self._admin_dsn())
            try:
                await conn.execute(f'CREATE DATABASE "{self.name}"')
            finally:
                await conn.close()
        upgrade(self.service, self.url)
        return self

    async def drop(self) -> None:
        if BACKEND == "postgresql":
            conn = await asyncpg.connect(self._admin_dsn())
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            finally:
                await conn.close()


async def truncate_all(engine: AsyncEngine, metadata: MetaData, keep: frozenset[str] = frozenset()) -> None:
    try:
        await _truncate(engine, metadata, keep)
    except DBAPIError as exc:
        # The fault tests restart PostgreSQL under the in-process apps: their pooled connections die once,
        # SQLAlchemy then invalidates the whole pool, and the retry runs on fresh connections.
        if not exc.connection_invalidated:
            raise
        await _truncate(engine, metadata, keep)


async def _truncate(engine: AsyncEngine, metadata: MetaData, keep: frozenset[str]) -> None:
    async with engine.begin() as conn:
        existing = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
        tables = [t.name for t in reversed(metadata.sorted_tables) if t.name not in keep and t.name in existing]
        if engine.dialect.name == "postgresql":
            if tables:
                await conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await conn.execute(text(f'DELETE FROM "{table}"'))
