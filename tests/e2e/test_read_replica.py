"""Read replicas on PostgreSQL's own streaming replication, end to end (issue 19, kernel.replicas).

The registry runs as a real process with ``PDR_REGISTRY_READ_DATABASE_URL`` on a hot standby of its database
(tests/pg_standby.sh). The standby's replay is held back two seconds (recovery_min_apply_delay), so a read it
serves right after a write cannot see that write. Then:

- the registrar who just approved a registration reads its public notice at once and finds it (read-your-
  writes: pinned to the primary), while an anonymous reader asking at the same moment gets 404 from the
  standby; once the standby has replayed the approval, the anonymous reader finds it too;
- the metrics and the standby's own pg_stat_activity show the standby serving reads;
- with the standby stopped, public reads still answer (from the primary, counted as standby-down);
- with two registry processes behind one "load balancer" sharing Redis (rate_limit_storage), a write on one and
  the writer's read on the other still see the write: the pin is shared, the processes stay stateless.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
import uuid
from contextlib import ExitStack, contextmanager

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.processes import make_agencies, require_postgresql, start_replica, token
from tests.standby import (
    ensure_standby,
    file_to_notice,
    set_apply_delay,
    standby_sql,
    start_system_with_standby,
    stop_standby,
)
from tests.system import free_port

pytestmark = pytest.mark.e2e

DELAY_SECONDS = 2
# One read of each registry family kernel.replicas routes to the standby.
FAMILY_SAMPLES = ("/catalog/search?q=%E5%A4%9A%E5%89%AF%E6%9C%AC", "/catalog/facets", "/catalog/figures",
                  "/catalog/export.csv", "/catalog.jsonld", "/price-list", "/feeds/notices.atom", "/feeds/registrations.atom", "/feeds/prices.atom", "/feeds/records",
                  "/price-list.csv", "/public/notices", "/public/authorizations")


def _reads(registry_url: str) -> dict[tuple[str, str], float]:
    """pdr_db_reads_total by (engine, reason)."""
    text = httpx.get(f"{registry_url}/metrics").text
    found: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(text):
        if family.name == "pdr_db_reads":
            for sample in family.samples:
                if sample.name == "pdr_db_reads_total":
                    found[(sample.labels["engine"], sample.labels["reason"])] = sample.value
    return found


def _grew(before: dict, after: dict, key: tuple[str, str]) -> float:
    return after.get(key, 0) - before.get(key, 0)


@contextmanager
def _redis():
    """A Redis server of the test's own, on a free port, keeping nothing on disk."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.1)
        yield f"async+redis://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def _replica_system(tmp_path, *, shared: bool, env: dict[str, str] | None = None):
    """(system, the registry URL to read from): the writer's own process, or (``shared``) a second process of the
    registry that shares only the databases and Redis with it. The standby replays two seconds behind."""
    require_postgresql("read replicas are PostgreSQL streaming replicas; SQLite has none")
    ensure_standby()
    asyncio.run(set_apply_delay(f"{DELAY_SECONDS}s"))
    with ExitStack() as cleanup:
        cleanup.callback(lambda: asyncio.run(set_apply_delay(None)))
        cleanup.callback(ensure_standby)  # a test may stop it
        env = {"PDR_REGISTRY_DEMO": "true", **(env or {})}
        if shared:
            env["PDR_REGISTRY_RATE_LIMIT_STORAGE"] = cleanup.enter_context(_redis())
        system, _ = start_system_with_standby(tmp_path, env)
        cleanup.callback(system.stop)
        reader = system.urls["registry"]
        if shared:
            second = start_replica(system, "registry", "registry-2")
            cleanup.callback(second.stop)  # before the system drops the databases
            reader = second.url
        _wait_for_standby(reader)
        yield system, reader


def _wait_for_standby(registry: str) -> None:
    """The standby is up and polled: the registry says so before anything is routed to it."""
    deadline = time.monotonic() + 10
    while "pdr_db_replica_up{service=\"registry\"} 1.0" not in httpx.get(f"{registry}/metrics").text:
        assert time.monotonic() < deadline, "the registry never saw the standby"
        time.sleep(0.2)


@pytest.fixture(params=["one process", "two processes sharing Redis"])
def replica_system(request, tmp_path):
    with _replica_system(tmp_path, shared=request.param != "one process") as running:
        yield running


def test_the_writer_reads_its_write_others_read_the_standby_and_a_stopped_standby_is_not_an_outage(replica_system):
    system, reader = replica_system  # writes go to the system's registry, reads to ``reader`` (itself, or a peer)
    registry = system.urls["registry"]
    (agency,) = make_agencies(system, 1)
    registrar = {"Authorization": f"Bearer {token(system.urls['auth'], 'registrar')}"}

    with httpx.Client(timeout=30) as http:  # the registrar's approval is the last write
        walk = file_to_notice(http, registry, agency, registrar, f"replica-{uuid.uuid4().hex[:8]}")
    notice = f"{reader}/public/notices/{walk.registration_id}"
    before = _reads(reader)
    mine = httpx.get(notice, headers=registrar)
    theirs = httpx.get(notice)
    after = _reads(reader)

    routed = {key: _grew(before, after, key) for key in after if _grew(before, after, key)}
    assert routed == {("primary", "pinned"): 1, ("replica", "replica"): 1}
    assert mine.status_code == 200, mine.text  # read-your-writes: the approval is there for its author
    assert walk.registration_id in mine.text
    assert theirs.status_code == 404, theirs.text  # the standby has not replayed it yet: it served this read

    # Once the standby has replayed the approval, everyone finds the notice there.
    deadline = time.monotonic() + DELAY_SECONDS + 10
    while (theirs := httpx.get(notice)).status_code != 200:
        assert time.monotonic() < deadline, f"the standby never caught up: {theirs.status_code}"
        time.sleep(0.2)
    # Every family routed to the standby reads there without writing (a write would fail on it, be answered
    # again from the primary and counted as standby-down).
    before = _reads(reader)
    for path in FAMILY_SAMPLES:
        assert httpx.get(reader + path, headers=agency).status_code == 200, path
    after = _reads(reader)
    assert _grew(before, after, ("replica", "replica")) == len(FAMILY_SAMPLES)
    assert _grew(before, after, ("primary", "standby-down")) == 0
    connections = asyncio.run(standby_sql(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'pdr-registry-replica'"))
    assert connections[0]["n"] >= 1  # the registry holds connections on the standby itself

    # An outage of the standby is not one of the service: the reads answer from the primary.
    stop_standby()
    before = _reads(reader)
    for _ in range(5):
        response = httpx.get(notice)
        assert response.status_code == 200, response.text
        assert httpx.get(f"{reader}/catalog/search", params={"q": "多副本"}).status_code == 200
    after = _reads(reader)
    assert _grew(before, after, ("primary", "standby-down")) == 10
    assert _grew(before, after, ("replica", "replica")) == 0
    deadline = time.monotonic() + 5
    while "pdr_db_replica_up{service=\"registry\"} 0.0" not in httpx.get(f"{reader}/metrics").text:
        assert time.monotonic() < deadline, "the registry never reported the standby down"
        time.sleep(0.2)


def test_a_standby_further_behind_than_the_lag_bound_serves_nothing(tmp_path):
    """With the bound at one second and the standby two behind, a read made a moment after a write is served by
    the standby (its lag is not known to exceed the bound yet); one made 1.5 s later by the primary, and once
    the standby replays without delay again, by the standby. (The lag is the cluster's: other databases' writes
    keep a delayed standby behind too.)"""
    with _replica_system(tmp_path, shared=False, env={"PDR_REGISTRY_READ_MAX_LAG_SECONDS": "1"}) as (system, reader):
        (agency,) = make_agencies(system, 1)
        registrar = {"Authorization": f"Bearer {token(system.urls['auth'], 'registrar')}"}
        with httpx.Client(timeout=30) as http:
            walk = file_to_notice(http, reader, agency, registrar, f"lag-{uuid.uuid4().hex[:8]}")
        notice = f"{reader}/public/notices/{walk.registration_id}"
        time.sleep(1.5)  # the approval is not replayed before 2 s: the poller has seen the standby > 1 s behind
        before = _reads(reader)
        assert httpx.get(notice).status_code == 200  # from the primary: the standby would not have it
        assert _grew(before, _reads(reader), ("primary", "standby-lagging")) == 1
        asyncio.run(set_apply_delay(None))
        deadline = time.monotonic() + 10
        while True:  # caught up: the standby serves again, and has the notice
            before = _reads(reader)
            answer = httpx.get(notice)
            if _grew(before, _reads(reader), ("replica", "replica")) == 1:
                assert answer.status_code == 200, answer.text
                break
            assert time.monotonic() < deadline, "the standby never came back within the bound"
            time.sleep(0.2)
