"""Bounded work before the body is read (kernel.limits): body limits per route family, authentication first,
rate budgets with RateLimit fields.

The attack run: a 200 MB anonymous POST cost 4–16 s and +600 MB; anonymous objections were unlimited (30 in
0.7 s, each a permanent ledger entry). Each probe here counts how much of the body the service pulled.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import httpx
from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import FixedWindowRateLimiter
from sqlalchemy import func, select

from services.registry.registration.models import Objection
from tests.api.registration.conftest import SHA

MIB = 1024 * 1024
OBJECTION = {"objector_name": "张三", "objector_id_number": "110101199003074518", "contact": "13800000000",
             "grounds": "该数据含有本单位商业秘密", "evidence": [{"name": "合同.pdf", "sha256": SHA}]}


class Body:
    """A request body streamed in 64 KiB chunks, counting how many the service asked for."""

    def __init__(self, size: int, chunk: bytes = b"x" * 65536) -> None:
        self.size, self.chunk, self.pulled = size, chunk, 0

    async def __aiter__(self):
        sent = 0
        while sent < self.size:
            piece = self.chunk[: self.size - sent]
            sent += len(piece)
            self.pulled += len(piece)
            yield piece


def _is_problem(response: httpx.Response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("/" + slug), body
    return body


async def test_an_anonymous_200_mb_post_is_refused_from_its_declared_length_before_a_byte_is_read(registry_client):
    body = Body(200 * MIB)
    response = await registry_client.post("/resources", content=body, headers={
        "content-type": "application/json", "content-length": str(200 * MIB)})
    problem = _is_problem(response, 413, "content-too-large")
    assert problem["max_bytes"] == 64 * 1024  # no bearer token: the anonymous cap, whatever the route family
    assert body.pulled <= 65536  # the client may have handed one chunk to the transport; the service read none


async def test_a_chunked_body_is_cut_off_when_it_crosses_the_limit(registry_client, mint):
    agency = mint("agency")
    body = Body(20 * MIB)  # no Content-Length: counted while it streams
    response = await registry_client.post("/resources", content=body,
                                          headers={"content-type": "application/json", **agency.headers})
    problem = _is_problem(response, 413, "content-too-large")
    assert problem["max_bytes"] == MIB
    assert body.pulled <= MIB + 2 * 65536


async def test_an_import_may_be_larger_than_a_json_body_but_not_without_end(registry_client, mint):
    agency = mint("agency")
    response = await registry_client.post("/catalog/import", content=Body(60 * MIB), headers={
        "content-type": "multipart/form-data; boundary=x", "content-length": str(60 * MIB), **agency.headers})
    assert _is_problem(response, 413, "content-too-large")["max_bytes"] == 51 * MIB
    response = await registry_client.post("/resources", content=b"{" * (2 * MIB), headers={
        "content-type": "application/json", **agency.headers})
    _is_problem(response, 413, "content-too-large")


async def test_graphql_documents_are_bounded_smaller(registry_client, mint):
    auditor = mint("auditor")
    response = await registry_client.post("/graphql", content=b" " * (300 * 1024),
                                          headers={"content-type": "application/json", **auditor.headers})
    assert _is_problem(response, 413, "content-too-large")["max_bytes"] == 256 * 1024


async def test_a_forged_token_is_refused_before_its_body_is_read(registry_client):
    body = Body(512 * 1024)
    response = await registry_client.post("/resources", content=body, headers={
        "content-type": "application/json", "content-length": str(512 * 1024),
        "authorization": "Bearer eyJhbGciOiJFUzI1NiIsImtpZCI6Im5vbmUifQ.e30.c2ln"})
    _is_problem(response, 401, "invalid-token")
    assert body.pulled <= 65536


async def test_scoring_and_auth_bound_bodies_too(scoring_client, auth_client):
    response = await scoring_client.post("/valuations", content=Body(5 * MIB), headers={
        "content-type": "application/json", "content-length": str(5 * MIB)})
    _is_problem(response, 413, "content-too-large")
    response = await auth_client.post("/oauth/token", content=Body(5 * MIB), headers={
        "content-type": "application/x-www-form-urlencoded", "content-length": str(5 * MIB)})
    assert response.status_code == 413


@asynccontextmanager
async def budgets(app, *, per_caller: str | None = None, anonymous_writes: str | None = None):
    """The app's production-like budgets for one test (the suite's shared apps run without them)."""
    rates = app.state.rate_budgets
    saved = rates.per_caller, rates.anonymous_writes, rates.limiter
    rates.per_caller = parse(per_caller) if per_caller else None
    rates.anonymous_writes = parse(anonymous_writes) if anonymous_writes else None
    rates.limiter = FixedWindowRateLimiter(MemoryStorage())
    try:
        yield
    finally:
        rates.per_caller, rates.anonymous_writes, rates.limiter = saved


async def _noticed(flow, mint) -> str:
    agency, registrar = mint("agency"), mint("registrar")
    resource = await flow.resource(agency)
    filed = await flow.file(agency, resource["id"])
    return (await flow.to_notice(registrar, filed["id"]))["id"]


async def test_anonymous_objections_are_limited_per_address(apps, flow, mint):
    """DOMAIN Art. 12: anyone may object during the notice, by real name; not 30 times in 0.7 s."""
    registration_id = await _noticed(flow, mint)
    transport = httpx.ASGITransport(app=apps.registry, client=("203.0.113.7", 40000))
    other = httpx.ASGITransport(app=apps.registry, client=("198.51.100.9", 40000))
    url = f"/public/notices/{registration_id}/objections"
    async with budgets(apps.registry, anonymous_writes="10/minute"), \
            httpx.AsyncClient(transport=transport, base_url="http://registry.test") as attacker, \
            httpx.AsyncClient(transport=other, base_url="http://registry.test") as citizen:
        answers = await asyncio.gather(*[attacker.post(url, json=OBJECTION) for _ in range(30)])
        statuses = [answer.status_code for answer in answers]
        assert statuses.count(201) == 10 and statuses.count(429) == 20, statuses
        refused = next(answer for answer in answers if answer.status_code == 429)
        _is_problem(refused, 429, "rate-limited")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["ratelimit-policy"] == '"anonymous-writes";q=10;w=60'
        assert refused.headers["ratelimit"].startswith('"anonymous-writes";r=0;t=')
        accepted = next(answer for answer in answers if answer.status_code == 201)
        assert "ratelimit" in accepted.headers
        # Another address is not held to the attacker's budget.
        assert (await citizen.post(url, json=OBJECTION)).status_code == 201
    async with apps.registry.state.db.read_sessions() as session:
        filed = await session.scalar(select(func.count()).select_from(Objection)
                                     .where(Objection.registration_id == registration_id))
    assert filed == 11  # nothing written for a refused request


async def test_each_verified_caller_has_its_own_budget(apps, registry_client, mint):
    first, second = mint("agency"), mint("agency")
    async with budgets(apps.registry, per_caller="5/minute"):
        statuses = [(await registry_client.get("/resources", headers=first.headers)).status_code for _ in range(7)]
        assert statuses == [200] * 5 + [429] * 2
        answer = await registry_client.get("/resources", headers=second.headers)
        assert answer.status_code == 200 and answer.headers["ratelimit"].startswith('"caller";r=4;t=')
        assert answer.headers["ratelimit-policy"] == '"caller";q=5;w=60'
    # Outside the test's budgets, the suite's unbounded ones answer again.
    assert (await registry_client.get("/resources", headers=first.headers)).status_code == 200


async def test_the_anonymous_budget_counts_the_address_a_trusted_proxy_forwards_and_no_other(apps, flow, mint):
    registration_id = await _noticed(flow, mint)
    url = f"/public/notices/{registration_id}/objections"
    proxy = httpx.ASGITransport(app=apps.registry, client=("127.0.0.1", 40000))  # trusted_proxies' default
    direct = httpx.ASGITransport(app=apps.registry, client=("203.0.113.8", 40000))
    async with budgets(apps.registry, anonymous_writes="2/minute"), \
            httpx.AsyncClient(transport=proxy, base_url="http://registry.test") as via_proxy, \
            httpx.AsyncClient(transport=direct, base_url="http://registry.test") as attacker:
        # An untrusted peer cannot buy a fresh budget with a forged header.
        forged = [await attacker.post(url, json=OBJECTION, headers={"X-Forwarded-For": f"10.9.9.{i}"})
                  for i in range(3)]
        assert [answer.status_code for answer in forged] == [201, 201, 429]
        # Behind the trusted proxy, two browsers are two addresses.
        for browser in ("198.51.100.1", "198.51.100.2"):
            answers = [await via_proxy.post(url, json=OBJECTION, headers={"X-Forwarded-For": browser})
                       for _ in range(3)]
            assert [answer.status_code for answer in answers] == [201, 201, 429]
