"""kernel.replicas without a standby: the pin store, the lag measure, which reads may go to a replica, SQLite."""

from __future__ import annotations

import logging
import math
from types import SimpleNamespace

import pytest
from limits.aio.storage import MemoryStorage
from pydantic import ValidationError

from services.kernel.db import Database
from services.kernel.replicas import (
    REPLICA_FAMILIES,
    PinStore,
    ReadRouter,
    StandbyHealth,
    start_read_routing,
)
from services.kernel.settings import ServiceSettings


async def test_a_pin_keeps_the_highest_position_and_outlives_a_window_boundary():
    now = [1000.0]
    pins = PinStore(MemoryStorage(), window=10, clock=lambda: now[0])
    await pins.record("sub:a", 500)
    await pins.record("sub:a", 300)  # an older position never lowers the pin
    assert await pins.position("sub:a") == 500
    assert await pins.position("sub:b") == 0
    now[0] = 1019.0  # the next bucket: the pin is still read from the one before
    assert await pins.position("sub:a") == 500
    await pins.record("sub:a", 900)
    assert await pins.position("sub:a") == 900


def test_lag_is_how_long_ago_the_primary_stood_where_the_standby_has_not_replayed():
    health = StandbyHealth(max_lag=5)
    assert health.refusal == "standby-down"  # nothing seen yet
    health.observe(primary=100, replayed=100, now=0)
    assert health.lag == 0 and health.refusal is None
    health.observe(primary=200, replayed=100, now=1)
    health.observe(primary=300, replayed=150, now=4)
    assert health.lag == 3  # the primary was at 200 at t=1, still not replayed at t=4
    health.observe(primary=300, replayed=250, now=7)
    assert health.lag == 3 and health.refusal is None  # 300 (seen at t=4) is what is left
    health.observe(primary=300, replayed=250, now=10)
    assert health.lag == 6 and health.refusal == "standby-lagging"
    health.observe(primary=300, replayed=300, now=11)
    assert health.lag == 0 and health.refusal is None
    health.unanswered(now=14)  # a poll that timed out: nothing replayed since t=11 is assumed
    assert health.lag == 3 and health.refusal is None
    health.unanswered(now=17)
    assert health.refusal == "standby-lagging"
    health.down()
    assert health.refusal == "standby-down" and math.isinf(health.lag)


def _router(service: str) -> ReadRouter:
    router = ReadRouter.__new__(ReadRouter)  # only the route tables: no databases, no poller
    router.families = REPLICA_FAMILIES.get(service, ())
    return router


def test_only_listed_families_read_from_the_replica_by_safe_methods():
    registry = _router("registry")
    assert registry.eligible("GET", "/catalog/search")
    assert registry.eligible("GET", "/public/notices/abc")
    assert registry.eligible("HEAD", "/feeds/notices.atom")
    assert not registry.eligible("POST", "/graphql")  # every operation is logged in its own transaction
    assert not registry.eligible("GET", "/graphql")
    assert not registry.eligible("GET", "/catalog/import/jobs/1")  # the caller's own import jobs
    assert not registry.eligible("GET", "/ledger/sth")  # proofs must match the primary's tree head
    assert not registry.eligible("GET", "/registrations/abc")
    assert not registry.eligible("POST", "/public/notices/abc/objections")
    assert not _router("auth").eligible("GET", "/me")


async def test_sqlite_has_no_replica_and_says_so(tmp_path, caplog):
    settings = ServiceSettings(service_name="registry", data_dir=tmp_path,
                               read_database_url="postgresql+asyncpg://postgres@127.0.0.1:5433/x")
    app = SimpleNamespace(state=SimpleNamespace(db=Database(settings.resolved_database_url), settings=settings))
    try:
        with caplog.at_level(logging.WARNING, logger="pdr.replicas"):
            await start_read_routing(app)
        assert app.state.read_router is None
        assert "SQLite has no streaming replica" in caplog.text
    finally:
        await app.state.db.dispose()


def test_a_pin_must_outlast_the_lag_bound():
    with pytest.raises(ValidationError, match="read_pin_seconds"):
        ServiceSettings(read_max_lag_seconds=10, read_pin_seconds=5)


async def test_a_service_without_replica_families_ignores_the_read_url(tmp_path, caplog):
    settings = ServiceSettings(service_name="auth", database_url="postgresql+asyncpg://postgres@127.0.0.1:5432/x",
                               read_database_url="postgresql+asyncpg://postgres@127.0.0.1:5433/x")
    app = SimpleNamespace(state=SimpleNamespace(db=Database(settings.resolved_database_url), settings=settings))
    try:
        with caplog.at_level(logging.WARNING, logger="pdr.replicas"):
            await start_read_routing(app)
        assert app.state.read_router is None
        assert "no route of auth reads from a replica" in caplog.text
    finally:
        await app.state.db.dispose()
