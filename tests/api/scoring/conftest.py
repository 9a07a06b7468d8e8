"""Scoring API fixtures: the real registry app (scoring reads it over HTTP through the in-process router), a
two-region world built through its API, and one caller of every kind for authorization tests."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from dataclasses import dataclass

import pytest_asyncio
from sqlalchemy import delete

from services.scoring.records import FeedState
from tests.scoring_world import World, build_world

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
async def demo_dates(apps):
    """The registry takes X-PDR-Demo-Date for registration steps (as under `pdr up --demo`), so a world can
    be dated without moving the process clock."""
    settings = apps.registry.state.settings
    settings.demo = True
    yield
    settings.demo = False


@pytest_asyncio.fixture(loop_scope="session")
async def world(apps, auth_client, registry_client, people, scoring_machine_client, demo_dates) -> World:
    """Two regions of agencies and operators with differing activity, built through the registry's API."""
    admin = await people.person("admin")
    return await build_world(auth_client, registry_client, admin.headers_for("pdr-auth"))


@dataclass
class Caller:
    name: str
    headers: dict[str, str]  # for scoring
    org_id: str | None = None
    registry: dict[str, str] | None = None  # the same person's headers for the registry


@pytest_asyncio.fixture(loop_scope="session")
async def callers(apps, people, auth_client, scoring_machine_client) -> dict[str, Caller]:
    """One person of every role (each in an organization of their own), anonymous, and two machine clients:
    one with scoring:read, one (the scoring service's own) without."""
    from services.auth.identities import ClientIn, create_client

    out = {}
    for role in ROLES:
        person = await people.person(role, region="310000")
        out[role] = Caller(role, person.headers_for("pdr-scoring"), person.org_id, person.headers)
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
