"""The local PostgreSQL hot standby (tests/pg_standby.sh) for the read-replica test and benchmark.

Databases created on the primary appear on the standby by replication, so a service's read URL is its
database URL with the standby's port.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

import tests.databases
import tests.system
from tests.databases import PG_BASE
from tests.deploy.processes import Walk
from tests.system import RunningSystem

__all__ = ["STANDBY_PORT", "ensure_standby", "file_to_notice", "read_url", "set_apply_delay", "standby_sql", "start_system_with_standby",
           "stop_standby"]

SCRIPT = Path(__file__).with_name("pg_standby.sh")
STANDBY_PORT = int(os.environ.get("PDR_STANDBY_PORT", "5433"))
STANDBY_DIR = os.environ.get("PDR_STANDBY_DIR", "/var/lib/postgresql/pdr-standby")


def ensure_standby() -> None:
    """Start (or build) the standby; a no-op when it already streams."""
    result = subprocess.run(["bash", str(SCRIPT)], check=False, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"the standby did not start (tests/pg_standby.sh):\n{result.stdout}\n{result.stderr}")


def stop_standby() -> None:
    """Stop the standby as an outage would (fast shutdown); ``ensure_standby`` brings it back."""
    binary = max(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    command = [str(binary), "-D", STANDBY_DIR, "-m", "fast", "-w", "stop"]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def read_url(database_url: str) -> str:
    """The same database on the standby."""
    return make_url(database_url).set(port=STANDBY_PORT).render_as_string(hide_password=False)


def _standby_dsn(database: str = "postgres") -> str:
    url = make_url(PG_BASE).set(drivername="postgresql", port=STANDBY_PORT, database=database)
    return url.render_as_string(hide_password=False)


async def standby_sql(sql: str, *args, database: str = "postgres") -> list[asyncpg.Record]:
    conn = await asyncpg.connect(_standby_dsn(database))
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def set_apply_delay(delay: str | None) -> None:
    """Hold the standby's replay back by ``delay`` (recovery_min_apply_delay), or release it (None)."""
    conn = await asyncpg.connect(_standby_dsn())
    try:
        if delay is None:
            await conn.execute("ALTER SYSTEM RESET recovery_min_apply_delay")
        else:
            await conn.execute(f"ALTER SYSTEM SET recovery_min_apply_delay = '{delay}'")
        await conn.execute("SELECT pg_reload_conf()")
    finally:
        await conn.close()


def start_system_with_standby(tmp: Path, extra_env: dict[str, str] | None = None,
                              readers: tuple[str, ...] = ("registry",)) -> tuple[RunningSystem, dict[str, str]]:
    """``tests.system.start_system`` with each of ``readers`` reading from the standby; also returns each
    service's read URL. The databases' names are fixed before they are created, so the URLs can be given."""
    tag = uuid.uuid4().hex[:10]

    class Named(tests.databases.TestDatabase):
        def __init__(self, service: str, tmp: Path) -> None:
            super().__init__(service, tmp)
            self.name = f"pdr_test_{service}_{tag}"
            self.url = f"{PG_BASE}/{self.name}"

    reads = {service: read_url(f"{PG_BASE}/pdr_test_{service}_{tag}") for service in readers}
    env = {**(extra_env or {}), **{f"PDR_{service.upper()}_READ_DATABASE_URL": url for service, url in reads.items()}}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tests.system, "TestDatabase", Named)
        return tests.system.start_system(tmp, extra_env=env), reads


def file_to_notice(http: httpx.Client, registry: str, agency: dict[str, str], registrar: dict[str, str],
                   label: str) -> Walk:
    """A new resource registered up to its public notice, running today: the multi-replica walk's steps without
    its back-dating (which files weeks back, so that notice has ended)."""
    walk = Walk(agency, registrar, label)
    while walk.state != "in_notice":
        method, path, headers, body = walk.next_request()
        headers = {name: value for name, value in headers.items() if name != "X-PDR-Demo-Date"}
        response = http.request(method, registry + path, headers=headers, json=body)
        if response.status_code >= 300:
            raise AssertionError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        walk.advance(response.json())
    return walk
