"""Scoring API fixtures: a scriptable stand-in for the registry (feed and REST, up or down), a way to put
registry records through the real consumer, and one caller of every kind for authorization tests."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from dataclasses import dataclass

import httpx
import pytest_asyncio

from sqlalchemy import delete

from services.kernel.http import ServiceClient
from services.scoring.mirror.gateway import RegistryGateway
from services.scoring.records import FeedState

from .support import FakeRegistry

ROLES = ("admin", "authority", "registrar", "agency", "operator", "auditor")
_secrets = itertools.count(1)


@pytest_asyncio.fixture(autouse=True, loop_scope="session")
async def quiet_feed(apps):
    """The background consumer would race these tests' explicit syncs: stop it, and forget what it recorded."""
    state = apps.scoring.state
    task = getattr(state, "feed_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        state.feed_task = None
        async with state.db.sessions.begin() as session:
            await session.execute(delete(FeedState))
    yield


@pytest_asyncio.fixture(loop_scope="session")
async def registry(apps, scoring_client):
    """Points the scoring app's gateway at a FakeRegistry for the test, then restores the real one."""
    state = apps.scoring.state
    real = state.registry
    fake = FakeRegistry(dict(state.settings.registry_paths))
    client = ServiceClient("http://fake-registry.test", token_url="http://fake-registry.test/oauth/token",
                           client_id="scoring", client_secret="x", transport=httpx.MockTransport(fake.handler))
    state.registry = RegistryGateway(client, fake.paths)
    try:
        yield fake
    finally:
        state.registry = real
        await client.aclose()


@dataclass
class Caller:
    name: str
    headers: dict[str, str]
    org_id: str | None = None


@pytest_asyncio.fixture(loop_scope="session")
async def callers(apps, people, auth_client) -> dict[str, Caller]:
    """One person of every role (each in an organization of their own), anonymous, and two machine clients:
    one with scoring:read, one (the scoring service's own) without."""
    from services.auth.identities import ClientIn, create_client

    out = {}
    for role in ROLES:
        person = await people.person(role, region="310000")
        out[role] = Caller(role, person.headers_for("pdr-scoring"), person.org_id)
    out["anonymous"] = Caller("anonymous", {})
    for name, scopes in (("reader", ["scoring:read"]), ("feeder", ["registry:read", "registry:feed"])):
        client_id, secret = f"test-{name}-{next(_secrets)}", "client-secret-0123456789abcdef"
        async with apps.auth.state.db.sessions.begin() as session:
            await create_client(session, ClientIn(client_id=client_id, name=name, kind="service", scopes=scopes),
                                apps.auth.state.tokens.client_secrets, secret)
        response = await auth_client.post("/oauth/token", data={
            "grant_type": "client_credentials", "audience": "pdr-scoring", "scope": " ".join(scopes)},
            auth=(client_id, secret))
        assert response.status_code == 200, response.text
        out[f"client:{name}"] = Caller(f"client:{name}", {"Authorization": f"Bearer {response.json()['access_token']}"})
    return out
