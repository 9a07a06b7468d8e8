"""End-to-end helpers beyond tests/system.py: extra replicas of a service, more identities, and the
registration walk (file → accept → approve → close notice) used by the multi-replica and fault tests."""

from __future__ import annotations

import itertools
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from services.auth.demo import DEMO_PASSWORD
from services.kernel.identifiers import with_uscc_check
from services.kernel.timeutil import china_today
from tests.databases import BACKEND
from tests.system import RunningSystem, free_port, wait_http

__all__ = ["Replica", "Walk", "make_agencies", "require_postgresql", "restart", "start_replica", "stop", "token"]

_serial = itertools.count(1)
EVIDENCE = [{"name": "存证记录.pdf", "sha256": "a" * 64, "description": "内部业务审核及存证"}]


def require_postgresql(what: str) -> None:
    if BACKEND != "postgresql":
        pytest.skip(f"PostgreSQL only ({what}): run with PDR_TEST_DB=postgresql; the selected backend is {BACKEND}")


@dataclass
class Replica:
    url: str
    proc: subprocess.Popen

    def stop(self, timeout: float = 20) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def start_replica(system: RunningSystem, service: str, name: str, extra_env: dict[str, str] | None = None,
                  port: int | None = None) -> Replica:
    """Another process of ``service`` over the same database, logging to ``<name>.log``; on a free port, or
    on ``port`` (to bring a stopped service back where the others expect it)."""
    port = port or free_port()
    env = {**system.env, f"PDR_{service.upper()}_PORT": str(port), **(extra_env or {})}
    log = open(Path(system.log_dir) / f"{name}.log", "ab")  # noqa: SIM115 (lives with the child)
    proc = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", service], env=env, stdout=log,
                            stderr=log)
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/readyz", proc=proc)
    return Replica(url, proc)


def stop(system: RunningSystem, service: str) -> None:
    """SIGTERM one of the system's services and wait until it has drained and exited."""
    proc = system.procs[service]
    proc.terminate()
    proc.wait(timeout=40)


def restart(system: RunningSystem, service: str, extra_env: dict[str, str] | None = None) -> None:
    """Bring a stopped service back on its own port, where the other services expect it."""
    port = int(system.urls[service].rsplit(":", 1)[1])
    system.procs[service] = start_replica(system, service, f"{service}-restarted", extra_env, port=port).proc


def token(auth_url: str, username: str, audience: str = "pdr-registry") -> str:
    response = httpx.post(f"{auth_url}/oauth/token", data={"grant_type": "password", "username": username,
                                                           "password": DEMO_PASSWORD, "audience": audience})
    response.raise_for_status()
    return response.json()["access_token"]


def make_agencies(system: RunningSystem, count: int, region: str = "110000") -> list[dict[str, str]]:
    """``count`` agencies in their own organizations; returns registry bearer headers, one per agency."""
    auth = system.urls["auth"]
    admin = {"Authorization": f"Bearer {token(auth, 'admin', 'pdr-auth')}"}
    headers = []
    for _ in range(count):
        n = next(_serial)
        org = httpx.post(f"{auth}/orgs", headers=admin, json={
            "name": f"端到端测试委办局{n}-{uuid.uuid4().hex[:6]}", "kind": "agency", "region_code": region,
            "uscc": with_uscc_check(f"11{region}MB{uuid.uuid4().int % 10**7:07d}")})
        org.raise_for_status()
        username = f"e2e-agency-{n}-{uuid.uuid4().hex[:6]}"
        account = httpx.post(f"{auth}/accounts", headers=admin, json={
            "username": username, "password": DEMO_PASSWORD, "org_id": org.json()["id"], "roles": ["agency"]})
        account.raise_for_status()
        headers.append({"Authorization": f"Bearer {token(auth, username)}"})
    return headers


class Walk:
    """One registration of a new resource, walked to its code; each step is one HTTP call to any replica."""

    def __init__(self, agency: dict[str, str], registrar: dict[str, str], label: str) -> None:
        self.agency, self.registrar, self.label = agency, registrar, label
        self.resource_id: str | None = None
        self.registration_id: str | None = None
        self.notice_ends_on: date | None = None
        self.state = "new"
        self.code: str | None = None

    def next_request(self) -> tuple[str, str, dict, dict | None]:
        """(method, path, headers, json) of the next step."""
        key = {"Idempotency-Key": f"{self.label}-{self.state}"}
        # Filed and decided weeks back (X-PDR-Demo-Date, a registry in demo mode), coded on the day after the
        # notice: that day has passed, as the registry requires of a demo date.
        filed = {"X-PDR-Demo-Date": (china_today() - timedelta(days=40)).isoformat()}
        if self.state == "new":
            return "POST", "/resources", {**self.agency, **key}, {
                "name": f"多副本测试数据资源 {self.label}", "description": "端到端测试",
                "sharing_attribute": "conditional", "opening_attribute": "conditional", "grading": "general",
                "region_code": "110000", "data_items": [{"name": "id"}], "source": "测试系统",
                "lawful_basis": "《测试条例》", "security_assessment": {"risk_level": "low"}}
        if self.state == "resource":
            return "POST", "/registrations", {**self.agency, **key, **filed}, {
                "subject_type": "resource", "subject_id": self.resource_id, "type": "first",
                "attachments": EVIDENCE}
        rid = self.registration_id
        if self.state == "submitted":
            return "POST", f"/registrations/{rid}/accept", {**self.registrar, **key, **filed}, {}
        if self.state == "under_review":
            return "POST", f"/registrations/{rid}/approve", {**self.registrar, **key, **filed}, {}
        if self.state == "in_notice":
            after = (self.notice_ends_on + timedelta(days=1)).isoformat()
            return "POST", f"/registrations/{rid}/close-notice", {**self.registrar, **key, "X-PDR-Demo-Date": after}, None
        raise AssertionError(f"nothing left to do in state {self.state}")

    def advance(self, body: dict) -> None:
        if self.state == "new":
            self.resource_id, self.state = body["id"], "resource"
            return
        self.registration_id = body["id"]
        self.state = body["state"]
        if body.get("deadlines", {}).get("notice_ends_on"):
            self.notice_ends_on = date.fromisoformat(body["deadlines"]["notice_ends_on"])
        self.code = body.get("query_code")

    @property
    def done(self) -> bool:
        return self.state == "registered"
