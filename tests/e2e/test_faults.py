"""Faults on real processes over PostgreSQL: scoring stopped while the registry writes, PostgreSQL restarted
under load, auth down. Each test leaves the system running as it found it."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from services.cli.ledger_cmds import verify_live
from services.kernel.jose_keys import generate_es256
from tests.deploy.processes import require_postgresql, restart, start_replica, stop, token
from tests.system import start_system

pytestmark = pytest.mark.e2e

TOKEN_TTL = 15  # seconds: short enough to watch a token expire while auth is down
PG_RESTART = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"]
PG_START = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "start"]
RESOURCE = {"description": "故障测试", "sharing_attribute": "conditional", "opening_attribute": "conditional",
            "grading": "general", "region_code": "110000", "data_items": [{"name": "id"}]}


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    require_postgresql("the fault tests")
    # The load here is thousands of requests a minute with one token: per-caller budgets charged but never binding
    # (test_attack_run.py proves the production budgets on a system of its own).
    budgets = {f"PDR_{service}_RATE_LIMIT_PER_CALLER": "1000000000/minute" for service in ("AUTH", "REGISTRY", "SCORING")}
    running = start_system(tmp_path_factory.mktemp("faults"),
                           extra_env={"PDR_SCORING_FEED_POLL_SECONDS": "0.5", **budgets})
    yield running
    running.stop()
    for db in running.databases.values():
        asyncio.run(db.drop())


def _bearer(system, user: str, audience: str = "pdr-registry") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(system.urls['auth'], user, audience)}"}


def _create_resources(system, agency: dict, n: int, label: str) -> list[str]:
    ids = []
    for i in range(n):
        response = httpx.post(f"{system.urls['registry']}/resources", headers=agency,
                              json={**RESOURCE, "name": f"故障测试资源 {label}-{i}-{time.monotonic_ns()}"})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def _events(system, auditor: dict) -> list[dict]:
    events, after = [], 0
    while True:
        page = httpx.get(f"{system.urls['registry']}/events", params={"after": after, "limit": 1000},
                         headers=auditor).json()
        events += page["events"]
        after = page["last_sequence"]
        if not page["has_more"]:
            return events


def _scoring_cursor(system, reader: dict) -> int:
    response = httpx.get(f"{system.urls['scoring']}/sync", headers=reader)
    assert response.status_code == 200, response.text
    return response.json()["cursor"]


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


async def _mirror(url: str) -> dict[tuple[str, str], int]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT kind, record_id, seq FROM registry_records WHERE NOT deleted"))
            return {(kind, record_id): seq for kind, record_id, seq in rows}
    finally:
        await engine.dispose()


def test_scoring_stopped_while_the_registry_writes_catches_up_exactly_once_after_restart(system):
    agency, auditor = _bearer(system, "agency"), _bearer(system, "auditor")
    reader, admin = _bearer(system, "auditor", "pdr-scoring"), _bearer(system, "admin", "pdr-scoring")
    _create_resources(system, agency, 2, "before")
    head = _events(system, auditor)[-1]["sequence"]
    _wait_for(lambda: _scoring_cursor(system, reader) >= head, 60, "scoring to follow the feed")

    stop(system, "scoring")
    written = _create_resources(system, agency, 6, "while-down")  # the registry goes on without scoring
    events = _events(system, auditor)
    restart(system, "scoring")
    _wait_for(lambda: _scoring_cursor(system, reader) == events[-1]["sequence"], 60, "scoring to catch up")

    # Every record written while scoring was down is mirrored once, at its latest sequence, and nothing else.
    latest = {}
    for event in events:
        if event["subject_type"] == "resource":
            latest[("resource", event["subject_id"])] = event["sequence"]
    mirror = asyncio.run(_mirror(system.databases["scoring"].url))
    resources = {key: seq for key, seq in mirror.items() if key[0] == "resource"}
    assert resources == latest
    assert {("resource", rid) for rid in written} <= resources.keys()
    # Exactly once: the cursor was committed with the effects, so nothing is delivered again.
    again = httpx.post(f"{system.urls['scoring']}/sync", headers=admin)
    assert again.status_code == 200, again.text
    assert (again.json()["applied"], again.json()["changed"], again.json()["cursor"]) == (0, 0, events[-1]["sequence"])
    assert again.json()["stale"] is False


def _pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False).returncode == 0


async def _load_through_a_restart(system, agency: dict, clients: int) -> tuple[list, list[str], float]:
    """Clients write and read continuously; PostgreSQL restarts in the middle. Returns the responses, the ids
    of resources whose creation was answered 201, and when the restart finished."""
    responses: list[tuple[float, str, httpx.Response]] = []
    created: list[str] = []
    restarted_at = 0.0
    stop_at = [float("inf")]

    async def client(n: int) -> None:
        async with httpx.AsyncClient(base_url=system.urls["registry"], headers=agency, timeout=30) as http:
            i = 0
            while time.monotonic() < stop_at[0]:
                i += 1
                write = await http.post("/resources", json={**RESOURCE, "name": f"重启测试资源 {n}-{i}"})
                responses.append((time.monotonic(), "POST /resources", write))
                if write.status_code == 201:
                    created.append(write.json()["id"])
                read = await http.get("/resources", params={"limit": 5})
                responses.append((time.monotonic(), "GET /resources", read))

    async def restart_postgres() -> None:
        nonlocal restarted_at
        await asyncio.sleep(2)
        result = await asyncio.to_thread(subprocess.run, PG_RESTART, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        restarted_at = time.monotonic()
        await asyncio.sleep(6)  # recovery window: the pools replace their dead connections by themselves
        stop_at[0] = time.monotonic()

    await asyncio.gather(restart_postgres(), *(client(n) for n in range(clients)))
    return responses, created, restarted_at


def test_two_scoring_replicas_consume_each_feed_page_once(system, tmp_path):
    second = start_replica(system, "scoring", "scoring-2", {"PDR_SCORING_FEED_POLL_SECONDS": "0.2"})
    try:
        agency, auditor = _bearer(system, "agency"), _bearer(system, "auditor")
        reader = _bearer(system, "auditor", "pdr-scoring")
        _create_resources(system, agency, 20, "two-replicas")
        head = _events(system, auditor)[-1]["sequence"]
        _wait_for(lambda: _scoring_cursor(system, reader) == head, 60, "scoring to catch up")
    finally:
        second.stop()
    logs = (system.log_dir / "scoring.log").read_text() + (system.log_dir / "scoring-2.log").read_text()
    assert "feed sync failed" not in logs


def test_postgresql_restarted_under_load_gives_503_then_recovers_without_partial_writes(system):
    agency, auditor = _bearer(system, "agency"), _bearer(system, "auditor")
    try:
        responses, created, restarted_at = asyncio.run(_load_through_a_restart(system, agency, clients=6))
    finally:
        if not _pg_ready():
            subprocess.run(PG_START, check=False, timeout=120)
        _wait_for(_pg_ready, 60, "PostgreSQL to accept connections")

    statuses = Counter(r.status_code for _, _, r in responses)
    print(f"\nPostgreSQL restart under load: {dict(statuses)}")
    assert set(statuses) <= {200, 201, 503}, statuses
    outage = [r for _, _, r in responses if r.status_code == 503]
    assert outage, "no request met the outage: the restart was not observed"
    for response in outage:  # the outage is told as RFC 9457 problem with a retry hint, never a 500
        assert response.headers["content-type"].startswith("application/problem+json")
        assert int(response.headers["retry-after"]) > 0
        assert response.json()["status"] == 503
    # Recovery by themselves: the last seconds of the run are all answered.
    tail = [r.status_code for t, _, r in responses if t > restarted_at + 4]
    assert tail and set(tail) <= {200, 201}, Counter(tail)

    # No partial writes: what was acknowledged exists; what exists has its ledger entry, and vice versa.
    listed, cursor = set(), None
    while True:
        page = httpx.get(f"{system.urls['registry']}/resources", headers=agency,
                         params={"limit": 200, **({"cursor": cursor} if cursor else {})}).json()
        listed |= {item["id"] for item in page["items"]}
        if not (cursor := page.get("next_cursor")):
            break
    assert set(created) <= listed
    report = asyncio.run(verify_live(system.urls["registry"], auditor["Authorization"][7:], None, None))
    assert report.ok, report.problems
    ledgered = {e["subject_id"] for e in _events(system, auditor) if e["subject_type"] == "resource"}
    assert listed == ledgered


def _forged_token(audience: str = "pdr-registry") -> str:
    """A well-formed token signed by a key auth never published (as after a rotation nobody has seen)."""
    key = generate_es256()
    now = int(time.time())
    return key.sign({"iss": "unused", "sub": "intruder", "aud": audience, "iat": now, "exp": now + 600,
                     "jti": "forged", "roles": ["admin"]})


def test_auth_down_keeps_existing_tokens_working_until_they_expire_and_new_logins_fail_cleanly(system):
    auth, registry, scoring = system.urls["auth"], system.urls["registry"], system.urls["scoring"]
    # Auth issues short-lived tokens for this test, so one can be watched expiring while auth is down.
    stop(system, "auth")
    restart(system, "auth", {"PDR_AUTH_ACCESS_TOKEN_TTL_SECONDS": str(TOKEN_TTL)})
    reader = _bearer(system, "auditor", "pdr-scoring")
    agency = _bearer(system, "agency")  # the token watched expiring: issued last, just before auth goes down
    expires = json.loads(base64.urlsafe_b64decode(agency["Authorization"].split(".")[1] + "=="))["exp"]
    stop(system, "auth")
    try:
        assert time.time() < expires - 2, "the token expired before the check; the machine is too slow"
        # Existing tokens: verified with the JWKS the services cached, no call to auth needed.
        assert httpx.get(f"{registry}/me", headers=agency).status_code == 200
        assert httpx.post(f"{registry}/resources", headers=agency,
                          json={**RESOURCE, "name": f"认证宕机时登记 {time.monotonic_ns()}"}).status_code == 201
        assert httpx.get(f"{scoring}/me", headers=reader).status_code == 200
        # New logins fail at once, not after a hang.
        started = time.monotonic()
        with pytest.raises(httpx.ConnectError):
            httpx.post(f"{auth}/oauth/token", data={"grant_type": "password", "username": "agency",
                                                    "password": "Demo-pass-2026!"}, timeout=10)
        assert time.monotonic() - started < 2
        # A token under a key nobody published: the services try auth for new keys, cannot, and refuse cleanly.
        forged = httpx.get(f"{registry}/me", headers={"Authorization": f"Bearer {_forged_token()}"})
        assert forged.status_code == 401 and forged.headers["content-type"].startswith("application/problem+json")
        assert httpx.get(f"{registry}/readyz").status_code == 200  # keys loaded: the registry stays in service
        # Until they expire.
        time.sleep(max(0.0, expires - time.time() + 1.5))
        expired = httpx.get(f"{registry}/me", headers=agency)
        assert expired.status_code == 401 and expired.json()["status"] == 401
    finally:
        restart(system, "auth")
    fresh = _bearer(system, "agency")  # logins work again, and the registry accepts the new token
    assert httpx.get(f"{registry}/me", headers=fresh).status_code == 200
