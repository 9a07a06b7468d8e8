"""Async engine and the one-session-per-request unit of work.

Routes get a session from ``get_session``; service functions only flush. The dependency commits when the
request succeeds and rolls back on any error, so a failed write leaves no partial state.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Connection, MetaData, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from .private_files import private_sqlite
from .rows import KeyedReader

__all__ = [
    "NAMING_CONVENTION",
    "ROUTED_DATABASE",
    "Database",
    "DatabaseDep",
    "SessionDep",
    "get_session",
    "make_metadata",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def make_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN (deferred, issued before the first write) is turned off: _sqlite_begin
    # opens every transaction itself. This is SQLAlchemy's documented recipe for pysqlite/aiosqlite.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer; busy_timeout turns lock contention into waiting.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """Open write transactions with BEGIN IMMEDIATE: the write lock is taken at the start, not at the first write.

    With SQLite's default deferred BEGIN two requests can read the same state, then both write (six concurrent
    first registrations of one draft made six open registrations; two concurrent imports of one CSV made
    2,000 rows), and ``SELECT … FOR UPDATE`` means nothing there. IMMEDIATE makes each write transaction see
    what the previous one committed, as the row locks do on PostgreSQL; concurrent writers wait (busy_timeout)
    instead of racing. Autocommit connections (the read path) begin nothing.
    """
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20,
                  application_name: str = "pdr") -> AsyncEngine:
    if url.startswith("sqlite"):
        private_sqlite(url)  # 0600 before SQLite creates it 0644
        engine = create_async_engine(url, poolclass=None, connect_args={"timeout": 15})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql+asyncpg"):
        return create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            # No pre-ping: it costs a round trip per checkout. Dead connections surface as errors that the
            # problem handler turns into 503 + Retry-After, and the pool replaces them.
            pool_pre_ping=False,
            pool_recycle=1800,
            connect_args={"server_settings": {"application_name": application_name}},
        )
    return create_async_engine(url, poolclass=NullPool)


class Database:
    """Engine plus session factory, built in a lifespan, never at import."""

    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 20,
                 application_name: str = "pdr") -> None:
        self.url = url
        self.engine = create_engine(url, pool_size=pool_size, max_overflow=max_overflow,
                                    application_name=application_name)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        # Safe requests read in autocommit: no BEGIN/COMMIT round trips. At PostgreSQL's default READ COMMITTED
        # every statement takes a fresh snapshot anyway, so a read-only request loses no consistency by it.
        autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.read_sessions = async_sessionmaker(autocommit, expire_on_commit=False, autoflush=False)
        self.rows = KeyedReader(autocommit)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    async def dispose(self) -> None:
        await self.rows.close()
        await self.engine.dispose()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")


READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The scope key where kernel.replicas puts the database a request reads from (the primary or a standby).
ROUTED_DATABASE = "pdr.database"


def routed_database(request: Request) -> Database:
    """The request's database: the one kernel.replicas chose for it, else the service's (primary) one."""
    database: Database = request.scope.get(ROUTED_DATABASE) or request.app.state.db
    return database


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    db = routed_database(request)
    factory = db.read_sessions if request.method in READ_ONLY_METHODS else db.sessions
    async with factory() as session:
        try:
            yield session
            if session.in_transaction():
                await session.commit()
        except BaseException:
            await session.rollback()
            raise


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_database(request: Request) -> Database:
    return routed_database(request)


# For hot read paths that need no unit of work (see rows.KeyedReader).
DatabaseDep = Annotated[Database, Depends(get_database)]
