"""Alembic glue shared by the three migration histories, and a programmatic upgrade for the CLI and tests."""

from __future__ import annotations

import asyncio
import fnmatch
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, MetaData, pool
from sqlalchemy.ext.asyncio import async_engine_from_config

from .private_files import private_dir, private_sqlite
from .settings import sqlite_url

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["alembic_config", "database_url_for", "run_env", "upgrade"]

ROOT = Path(__file__).resolve().parents[2]
INI = ROOT / "migrations" / "alembic.ini"


def database_url_for(service: str) -> str:
    url = os.environ.get(f"PDR_{service.upper()}_DATABASE_URL")
    if url:
        return url
    data_dir = Path(os.environ.get(f"PDR_{service.upper()}_DATA_DIR") or os.environ.get("PDR_DATA_DIR") or "var")
    return sqlite_url(private_dir(data_dir), service)


def alembic_config(service: str, url: str | None = None) -> Config:
    from alembic.config import Config

    cfg = Config(str(INI), ini_section=service)
    cfg.attributes["url"] = url or database_url_for(service)
    return cfg


def upgrade(service: str, url: str | None = None, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(service, url), revision)


def run_env(metadata: MetaData) -> None:
    """Body of each history's env.py: online migrations over the async engine, batch mode on SQLite."""
    from alembic import context

    config = context.config
    service = config.get_main_option("service") or config.config_ini_section
    url = config.attributes.get("url") or database_url_for(service)
    is_sqlite = url.startswith("sqlite")

    unmanaged = metadata.info.get("unmanaged", ())

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        # Search structures built by hand in migrations (FTS5 shadow tables, generated tsvector columns and
        # their GIN indexes) are not in the models; autogenerate must leave them alone.
        qualified = f"{obj.table.name}.{name}" if type_ == "column" else name
        return not any(fnmatch.fnmatch(qualified or "", pattern) for pattern in unmanaged)

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            include_object=include_object,
            render_as_batch=is_sqlite,
            compare_type=True,
            version_table=f"alembic_version_{service}",
        )
        with context.begin_transaction():
            context.run_migrations()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=is_sqlite,
                          version_table=f"alembic_version_{service}")
        with context.begin_transaction():
            context.run_migrations()
        return

    connection = config.attributes.get("connection")
    if connection is not None:
        do_run(connection)
        return

    async def run_async() -> None:
        private_sqlite(url)  # the first migration creates the file: 0600 before SQLite makes it 0644
        engine = async_engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
        async with engine.connect() as conn:
            await conn.run_sync(do_run)
        await engine.dispose()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(run_async())
    else:  # called from inside an event loop (tests): run in a fresh thread's loop
        import threading

        errors: list[BaseException] = []

        def runner() -> None:
            try:
                asyncio.run(run_async())
            except BaseException as exc:  # noqa: BLE001 (re-raised in the caller's thread)
                errors.append(exc)

        thread = threading.Thread(target=runner)
        thread.start()
        thread.join()
        if errors:
            raise errors[0]
