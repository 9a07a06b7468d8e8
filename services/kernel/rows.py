"""One row by primary key, on the hot path: the driver's own connection, SQLAlchemy's own type processing.

An ORM read through ``AsyncSession`` costs several times the database round trip (identity map, greenlet
hops, autobegin), and even a checkout from SQLAlchemy's async pool costs about five round trips of Python.
``fetch_by_key`` compiles ``SELECT … WHERE key = ?`` once per table and runs it outside any transaction:
on PostgreSQL on a small asyncpg pool of its own (prepared statements, JSON decoded as SQLAlchemy's
dialect decodes it), elsewhere on the engine's pooled driver connection. Each column then goes through the
result processor SQLAlchemy would have used, so values come back exactly as the ORM gives them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Column, Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["KeyedReader"]


class _Prepared:
    def __init__(self, engine: AsyncEngine, table: Table, key: Column) -> None:
        dialect = engine.dialect
        compiled = select(table).where(key == bindparam("key")).compile(dialect=dialect)
        self.sql = str(compiled)
        self.positional = dialect.paramstyle in ("qmark", "numeric", "numeric_dollar", "format")
        self.names = [c.name for c in table.columns]
        processors: list[Callable[[Any], Any] | None] = []
        for column in table.columns:
            processors.append(column.type._cached_result_processor(dialect, None))
        self.processors = processors
        bind = key.type._cached_bind_processor(dialect)
        self.bind = bind or (lambda value: value)

    def to_dict(self, values) -> dict[str, Any]:
        return {
            name: (proc(value) if proc is not None and value is not None else value)
            for name, proc, value in zip(self.names, self.processors, values, strict=True)
        }


async def _keep_session(_connection) -> None:
    """asyncpg resets a connection on release with one more round trip (RESET ALL, UNLISTEN …). These
    connections only ever run single SELECTs, so there is no session state to reset."""


class KeyedReader:
    def __init__(self, engine: AsyncEngine, pool_size: int = 5) -> None:
        """``engine`` runs in autocommit: keyed reads never open a transaction."""
        self.engine = engine
        self.driver = engine.dialect.driver
        self.pool_size = pool_size
        self._prepared: dict[tuple[str, str], _Prepared] = {}
        self._pool = None
        self._pool_lock = asyncio.Lock()

    async def _asyncpg_pool(self):
        if self._pool is None:
            async with self._pool_lock:
                if self._pool is None:
                    import asyncpg

                    dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

                    async def init(conn) -> None:
                        for name in ("json", "jsonb"):
                            await conn.set_type_codec(name, encoder=json.dumps, decoder=json.loads,
                                                      schema="pg_catalog")

                    self._pool = await asyncpg.create_pool(dsn, min_size=1, max_size=self.pool_size, init=init,
                                                           reset=_keep_session)
        return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    def _prepare(self, table: Table, key: Column) -> _Prepared:
        prepared = self._prepared.get((table.name, key.name))
        if prepared is None:
            prepared = self._prepared[(table.name, key.name)] = _Prepared(self.engine, table, key)
        return prepared

    async def fetch_by_key(self, table: Table, key: Column, value: Any) -> dict[str, Any] | None:
        prepared = self._prepare(table, key)
        param = prepared.bind(value)
        if self.driver == "asyncpg":
            pool = await self._asyncpg_pool()
            record = await pool.fetchrow(prepared.sql, param)
            return None if record is None else prepared.to_dict(tuple(record.values()))
        async with self.engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            if self.driver == "aiosqlite":
                cursor = await raw.execute(prepared.sql, (param,))
                values = await cursor.fetchone()
                await cursor.close()
            else:  # any other driver: the plain Core path
                from sqlalchemy import text

                result = await conn.execute(text(prepared.sql), {"key": value})
                values = result.first()
        return None if values is None else prepared.to_dict(values)
