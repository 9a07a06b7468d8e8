"""Ledger fixtures: entries appended through ``record`` (as every registry service function does), machine
clients with and without the feed scope, and one identity per role for the access matrices."""

from __future__ import annotations

import itertools
import time

import httpx
import pytest_asyncio

from services.auth.identities import ClientIn, create_client
from services.kernel.security import Principal
from services.registry.ledger.service import record
from tests.conftest import ISSUER, People

TOKEN_REUSE_SECONDS = 600  # access tokens live 900 s
_serial = itertools.count(1)

ROLES = ("admin", "authority", "registrar", "agency", "operator", "auditor")


class Ledger:
    def __init__(self, app) -> None:
        self.app = app
        self.actor = Principal(subject="user-1", org="org-1", roles=frozenset({"registrar"}))

    async def append(self, count: int = 1, *, subject_type: str = "resource", subject_id: str | None = None,
                     action: str = "resource.updated", data: dict | None = None) -> list[int]:
        sequences = []
        for i in range(count):
            async with self.app.state.db.sessions.begin() as session:
                entry = await record(session, self.actor, action, subject_type, subject_id or f"r{i}",
                                     data if data is not None else {"n": i})
                sequences.append(entry.sequence)
        return sequences


@pytest_asyncio.fixture(loop_scope="session")
async def ledger(apps, clean) -> Ledger:
    return Ledger(apps.registry)


async def _client_headers(apps, auth_client, client_id: str, scopes: list[str]) -> dict[str, str]:
    secret = "ledger-test-secret-0123456789abcdef"
    async with apps.auth.state.db.sessions.begin() as session:
        await create_client(session, ClientIn(client_id=client_id, name=client_id, kind="service", scopes=scopes),
                            apps.auth.state.tokens.client_secrets, secret)
    response = await auth_client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
        "audience": "pdr-registry", "scope": " ".join(scopes)})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


_cache: dict[str, object] = {}


async def _make_callers(apps) -> dict[str, dict[str, str]]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=apps.auth), base_url=ISSUER) as auth_client:
        people = People(apps, auth_client)
        headers = {role: (await people.person(role)).headers for role in ROLES}
        headers["anonymous"] = {}
        suffix = next(_serial)
        headers["feed_client"] = await _client_headers(apps, auth_client, f"feed-reader-{suffix}", ["registry:feed"])
        headers["read_client"] = await _client_headers(apps, auth_client, f"plain-reader-{suffix}", ["registry:read"])
    return headers


@pytest_asyncio.fixture(loop_scope="session")
async def callers(apps, clean) -> dict[str, dict[str, str]]:
    """Headers for every kind of caller: each role, anonymous, a feed client and a read-only client.

    Making people costs password hashing, so the tokens are made once and reused (the registry checks only
    the token, not that the account still exists); they are remade before they could expire, and when the
    signing key changed.
    """
    kid = apps.auth.state.keyring.active.kid  # a test that rotates keys at once withdraws the kept tokens' key
    if time.monotonic() - float(_cache.get("at", -1e9)) > TOKEN_REUSE_SECONDS or _cache.get("kid") != kid:
        _cache["headers"] = await _make_callers(apps)
        _cache["at"] = time.monotonic()
        _cache["kid"] = kid
    return _cache["headers"]  # type: ignore[return-value]
