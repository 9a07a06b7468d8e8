"""Reads with one database and with a primary plus a streaming standby (issue 19), in the same run, under load.

Two registry processes (one uvicorn worker each, started alike) over the same PostgreSQL database: one reads
everything from the primary, the other has ``PDR_REGISTRY_READ_DATABASE_URL`` on the local hot standby (tests/pg_standby.sh).
While a writer files resources on the primary without pause, wrk reads the public notices page from each in
turn (harness.best_alternating). On this machine both clusters share the same two cores, so the standby cannot
add capacity here: what is measured is what routing a read to the standby costs it (the ratio, against FLOOR),
with the primary quiet and while a writer files resources without pause, and that the standby, not the
primary, served those reads (>= 90% by the routing metric). The capacity a standby adds is that of the machine
it runs on; on this one, while writes stream, its reads were measurably slower (0.5-0.6x in runs at a load
average of 12 on 2 cores), the standby replaying WAL on the same cores.

Run: PDR_TEST_DB=postgresql .venv/bin/pytest tests/perf/test_read_replica_perf.py -q -s -p no:randomly
"""

from __future__ import annotations

import os
import threading
import time
import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.databases import BACKEND
from tests.deploy.processes import make_agencies, start_replica, token
from tests.perf.conftest import CHARGED_NEVER_BINDING
from tests.perf.harness import best_alternating, wrk
from tests.standby import ensure_standby, file_to_notice, start_system_with_standby

SECONDS = int(os.environ.get("PDR_BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("PDR_BENCH_ROUNDS", "3"))
NOTICES = 20
# On one machine the standby shares the primary's cores and replays its WAL: no capacity is gained, and a
# read through it measured 0.5-1.0x of one through the primary here (more of it while writes stream, see the
# module docstring). The floor only catches a routing cost out of proportion (a poll per request, say).
FLOOR = 0.40
pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="read replicas are PostgreSQL streaming replicas "
                                "(PDR_TEST_DB=postgresql); SQLite has none")


def _reads(url: str) -> dict[tuple[str, str], float]:
    """pdr_db_reads_total by (engine, reason)."""
    return {(sample.labels["engine"], sample.labels["reason"]): sample.value
            for family in text_string_to_metric_families(httpx.get(f"{url}/metrics").text)
            for sample in family.samples if sample.name == "pdr_db_reads_total"}


class Writer(threading.Thread):
    """Files resources on the primary, one after another, until stopped: the write load beside the reads."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.url, self.headers = url, headers
        self.done = threading.Event()
        self.written = 0
        self.failures: list[str] = []

    def run(self) -> None:
        with httpx.Client(timeout=30) as http:
            while not self.done.is_set():
                label = uuid.uuid4().hex[:8]
                body = {"name": f"读副本压测资源 {label}", "description": "读写并发", "sharing_attribute": "conditional",
                        "opening_attribute": "conditional", "grading": "general", "region_code": "110000",
                        "data_items": [{"name": "id"}], "source": "测试系统", "lawful_basis": "《测试条例》",
                        "security_assessment": {"risk_level": "low"}}
                response = http.post(f"{self.url}/resources", headers=self.headers, json=body)
                if response.status_code != 201:
                    self.failures.append(f"{response.status_code} {response.text[:200]}")
                    return
                self.written += 1


@pytest.fixture(scope="module")
def two_registries(tmp_path_factory):
    ensure_standby()
    system, _ = start_system_with_standby(tmp_path_factory.mktemp("replica-perf"),
                                              {**CHARGED_NEVER_BINDING, "PDR_REGISTRY_DEMO": "true"})
    # Two more registry processes, alike but for the read URL (the system's own one also serves scoring's feed
    # consumer, which would load one side only): one reads from the primary, the other from the standby.
    started = []
    try:
        started.append(start_replica(system, "registry", "registry-single", {"PDR_REGISTRY_READ_DATABASE_URL": ""}))
        started.append(start_replica(system, "registry", "registry-routed"))
        yield system, started[0].url, started[1].url
    finally:
        for process in started:
            process.stop()
        system.stop()


def test_reads_through_the_standby_leave_the_primary_at_a_bounded_cost(two_registries):
    system, single_url, replica_url = two_registries
    agency, writer_agency = make_agencies(system, 2)
    registrar = {"Authorization": f"Bearer {token(system.urls['auth'], 'registrar')}"}
    with httpx.Client(timeout=30) as http:
        for n in range(NOTICES):
            file_to_notice(http, single_url, agency, registrar, f"perf-{n}")
    page = "/public/notices?limit=20"
    deadline = time.monotonic() + 30
    while len(httpx.get(replica_url + page).json()["items"]) < 20:  # the standby has the notices
        assert time.monotonic() < deadline, "the standby never showed the notices"
        time.sleep(0.2)

    wrk(single_url + page, seconds=1)
    wrk(replica_url + page, seconds=1)
    quiet = _compare(single_url, replica_url, page)
    writer = Writer(single_url, writer_agency)
    writer.start()
    try:
        loaded = _compare(single_url, replica_url, page)
    finally:
        writer.done.set()
        writer.join(timeout=30)
    assert not writer.failures, writer.failures[:3]
    print(f"\npublic notices page, {SECONDS} s x {ROUNDS} rounds, 32 connections, best round of each side:")
    for label, (one_db, with_standby, share, served) in (("quiet primary", quiet),
                                                         (f"{writer.written} resources filed meanwhile", loaded)):
        print(f"  {label}: one database {one_db:.0f} req/s, primary + standby {with_standby:.0f} req/s, "
              f"ratio {with_standby / one_db:.2f} (floor {FLOOR}); served by the standby {share:.1%} {served}")
    assert writer.written > 0
    for one_db, with_standby, share, _ in (quiet, loaded):
        assert share >= 0.90  # the standby, not the primary, answered the routed reads
        assert with_standby / one_db >= FLOOR


def _compare(single: str, routed: str, path: str) -> tuple[float, float, float, dict[str, float]]:
    """(one database req/s, primary + standby req/s, share of routed reads the standby served, reads by route)."""
    before = _reads(routed)
    one_db, with_standby = best_alternating(lambda: wrk(single + path, seconds=SECONDS),
                                            lambda: wrk(routed + path, seconds=SECONDS), rounds=ROUNDS)
    after = _reads(routed)
    served = {f"{engine}/{reason}": count - before.get((engine, reason), 0)
              for (engine, reason), count in after.items() if count > before.get((engine, reason), 0)}
    return one_db, with_standby, served.get("replica/replica", 0) / max(1, sum(served.values())), served
