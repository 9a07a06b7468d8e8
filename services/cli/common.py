"""What every command shares: where the data lives, and running one async function."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from services.kernel.db import Database
from services.kernel.migrate import database_url_for
from services.kernel.private_files import private_dir

__all__ = ["DataDir", "PROCESSES", "SERVICES", "run", "service_db", "use_data_dir"]

SERVICES = ("auth", "registry", "scoring")  # each with its own database and migrations
# What `pdr up` starts: the services, then the web console (no database; a client of their HTTP APIs).
PROCESSES = (*SERVICES, "console")
T = TypeVar("T")

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Directory of the embedded SQLite databases (default ./var). "
                 "Ignored for a service whose PDR_<SERVICE>_DATABASE_URL is set."),
]


def use_data_dir(data_dir: Path | None) -> None:
    if data_dir is not None:
        private_dir(data_dir)
        for service in SERVICES:
            os.environ[f"PDR_{service.upper()}_DATA_DIR"] = str(data_dir.resolve())


def run(factory: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(factory())


async def service_db(service: str) -> Database:
    return Database(database_url_for(service))
