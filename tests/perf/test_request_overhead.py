"""The kernel's request middleware (request id, trace context, metrics, idempotency pass-through) must keep a
service at 60% or more of the throughput of a bare FastAPI /ping app, measured in the same run.

Requests are driven straight through ASGI (no sockets), so the figure is the middleware's own cost and is not
hidden behind network or client overhead. Run: ``.venv/bin/pytest tests/perf/test_request_overhead.py -q -s -p no:randomly``.
"""

from __future__ import annotations

import time

import pytest
from fastapi import FastAPI

from services.kernel.app import create_service_app
from services.kernel.db import make_metadata
from services.kernel.idempotency import idempotency_table
from services.kernel.settings import ServiceSettings

pytestmark = pytest.mark.perf

ROUNDS, PER_ROUND = 7, 1500
TRACEPARENT = b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def _bare() -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _service(tmp_path) -> FastAPI:
    # The service's own ping is /healthz: the first route behind the whole kernel stack.
    settings = ServiceSettings(service_name="bench", data_dir=tmp_path, log_json=True, log_level="INFO")
    return create_service_app(settings, title="bench", description="bench", routers=[], verify_tokens=False,
                              idempotency=idempotency_table(make_metadata()))


async def _rate(app, path: str, headers: list[tuple[bytes, bytes]], n: int) -> float:
    scope_base = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                  "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
                  "server": ("bench", 80), "client": ("127.0.0.1", 5000)}
    statuses = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.perf_counter()
    for _ in range(n):
        await app({**scope_base, "headers": [(b"host", b"bench"), *headers]}, receive, send)
    elapsed = time.perf_counter() - started
    assert statuses == [200] * n
    return n / elapsed


async def test_service_middleware_keeps_sixty_percent_of_bare_ping_throughput(tmp_path):
    bare, service = _bare(), _service(tmp_path)
    await _rate(bare, "/ping", [], 200)  # warm up both (middleware stacks are built on first call)
    await _rate(service, "/healthz", [], 200)
    figures: dict[str, list[float]] = {"bare": [], "service": [], "service+traceparent": []}
    for _ in range(ROUNDS):  # interleaved, so a noisy neighbour on the shared cores hits all three alike
        figures["bare"].append(await _rate(bare, "/ping", [], PER_ROUND))
        figures["service"].append(await _rate(service, "/healthz", [], PER_ROUND))
        figures["service+traceparent"].append(await _rate(service, "/healthz", [(b"traceparent", TRACEPARENT)], PER_ROUND))
    best = {name: max(rates) for name, rates in figures.items()}
    for name, rate in best.items():
        print(f"{name:>22}: {rate:8.0f} req/s  ({rate / best['bare']:.0%} of bare)")
    assert best["service"] >= 0.6 * best["bare"]
    assert best["service+traceparent"] >= 0.6 * best["bare"]
