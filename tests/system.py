"""The whole system as real processes: three uvicorn services on free ports over fresh real databases.

Used by end-to-end tests and benchmarks. Identities are seeded with the same code as `pdr up --demo`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.cli.run_cmds import SERVICES, service_env, start_services
from tests.databases import TestDatabase

__all__ = ["RunningSystem", "free_port", "start_system", "wait_http"]


def _run(coro) -> None:
    """asyncio.run, also from a test that is itself inside an event loop (then on a helper thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coro)
        return
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout}s")


@dataclass
class RunningSystem:
    urls: dict[str, str]
    procs: dict[str, subprocess.Popen]
    databases: dict[str, TestDatabase]
    secrets: dict[str, str]
    log_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    def token(self, username: str, audience: str = "pdr-registry") -> dict:
        response = httpx.post(f"{self.urls['auth']}/oauth/token", data={
            "grant_type": "password", "username": username, "password": "Demo-pass-2026!", "audience": audience})
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        for db in self.databases.values():
            _run(db.drop())

    def logs(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*.log")))


def start_system(tmp: Path, extra_env: dict[str, str] | None = None) -> RunningSystem:
    from services.cli.run_cmds import _seed_identities

    dbs = {name: TestDatabase(name, tmp) for name in SERVICES}
    for db in dbs.values():
        _run(db.create())
    secrets = {"gov-portal": "portal-secret-e2e-0123456789", "scoring-service": "scoring-secret-e2e-0123456789"}
    saved = dict(os.environ)
    try:
        os.environ["PDR_AUTH_DATABASE_URL"] = dbs["auth"].url
        _seed_identities(secrets)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    ports = {name: free_port() for name in SERVICES}
    env = service_env(ports, "127.0.0.1", {
        **{f"PDR_{n.upper()}_DATABASE_URL": db.url for n, db in dbs.items()},
        "PDR_SCORING_CLIENT_ID": "scoring-service", "PDR_SCORING_CLIENT_SECRET": secrets["scoring-service"],
        **(extra_env or {}),
    })
    log_dir = tmp / "logs"
    log_dir.mkdir(exist_ok=True)
    procs = start_services(env, log_dir)
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    system = RunningSystem(urls, procs, dbs, secrets, log_dir, env)
    try:
        for name in SERVICES:
            wait_http(f"{urls[name]}/readyz", proc=procs[name])
    except Exception:
        system.stop()
        raise
    return system


