"""Graceful shutdown: SIGTERM makes a service stop accepting connections and drain what is in flight, so a
request that is still arriving when the signal lands is completed and committed, never cut mid-write."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import threading
import time
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from services.kernel.identifiers import with_uscc_check
from tests.system import start_system

pytestmark = pytest.mark.e2e


def _accepts_connections(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=0.5):
            return True
    except OSError:
        return False


async def _org_names(url: str, uscc: str) -> list[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT name FROM organizations WHERE uscc = :u"), {"u": uscc})
            return [row[0] for row in rows]
    finally:
        await engine.dispose()


def test_sigterm_during_a_slow_write_drains_it_and_exits_cleanly(tmp_path):
    system = start_system(tmp_path)
    try:
        auth = system.urls["auth"]
        admin = system.token("admin", audience="pdr-auth")["access_token"]
        uscc = with_uscc_check("12110000MB0099990")
        body = json.dumps({"name": "优雅停机测试机构", "uscc": uscc, "region_code": "110000",
                           "kind": "agency"}).encode()
        first_chunk_sent = threading.Event()
        result: dict[str, httpx.Response | BaseException] = {}

        def slow_body():
            # The client is slow: the body arrives in pieces over ~6 s, so the request is in flight at SIGTERM
            # and still is while we watch the listener close, even on a busy machine.
            pieces = [body[i:i + 16] for i in range(0, len(body), 16)]
            for n, piece in enumerate(pieces):
                yield piece
                if n == 0:
                    first_chunk_sent.set()
                time.sleep(6.0 / len(pieces))

        def post():
            try:
                result["response"] = httpx.post(
                    f"{auth}/orgs", content=slow_body(), timeout=30,
                    headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/json",
                             "Content-Length": str(len(body))})
            except BaseException as exc:  # noqa: BLE001 (reported by the assertion below)
                result["response"] = exc

        writer = threading.Thread(target=post)
        writer.start()
        assert first_chunk_sent.wait(10)
        time.sleep(0.2)
        proc = system.procs["auth"]
        proc.send_signal(signal.SIGTERM)
        sigterm_at = time.monotonic()

        # New connections are refused at once, while the slow request is still being received.
        deadline = time.monotonic() + 5
        while _accepts_connections(auth) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _accepts_connections(auth), "still accepting connections after SIGTERM"
        assert writer.is_alive(), "the slow request should still be in flight"

        writer.join(30)
        response = result["response"]
        assert isinstance(response, httpx.Response), f"in-flight request was cut: {response!r}"
        assert response.status_code == 201, response.text
        assert response.json()["uscc"] == uscc
        # uvicorn re-raises the signal once drained, so the exit status says "ended by SIGTERM", not killed.
        assert proc.wait(timeout=30) in (0, -signal.SIGTERM)
        assert time.monotonic() - sigterm_at < 30  # it drained and left; it was not killed at the deadline
        # The write was committed whole.
        assert asyncio.run(_org_names(system.databases["auth"].url, uscc)) == ["优雅停机测试机构"]
    finally:
        system.stop()
        for db in system.databases.values():
            asyncio.run(db.drop())
