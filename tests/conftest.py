"""Fixtures shared by every test: migrated real databases, the three apps in-process, and identities.

API tests call the apps through ``httpx.AsyncClient(transport=ASGITransport(app))``. The registry and scoring
apps fetch JWKS from the in-process auth app, so tokens are real ES256 tokens from the real token endpoint.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest_asyncio
from sqlalchemy.exc import DBAPIError

from services.auth.demo import DEMO_PASSWORD
from services.auth.identities import AccountIn, OrgIn, create_account, create_org
from services.auth.main import create_app as create_auth
from services.auth.models import metadata as auth_metadata
from services.auth.secrets import Passwords
from services.auth.settings import AuthSettings
from services.kernel.identifiers import with_uscc_check
from services.registry.main import create_app as create_registry
from services.registry.models import metadata as registry_metadata
from services.registry.settings import RegistrySettings
from services.scoring.main import create_app as create_scoring
from services.scoring.models import metadata as scoring_metadata
from services.scoring.settings import ScoringSettings
from tests.databases import BACKEND, TestDatabase, truncate_all

ISSUER = "http://auth.test"
# The scoring service's machine client; `scoring_machine_client` creates it in the auth database.
SCORING_CLIENT_ID = "scoring-service"
SCORING_CLIENT_SECRET = "scoring-test-secret-0123456789abcdef"
# Signing keys survive between tests so the in-memory keys and JWKS caches stay valid.
KEPT_TABLES = frozenset({"signing_keys", "registry_keys"})
# Tests hash many passwords: the cheapest argon2id parameters keep them fast (production keeps RFC 9106's).
CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 1024, "argon2_parallelism": 1}
METADATA = {"auth": auth_metadata, "registry": registry_metadata, "scoring": scoring_metadata}
# No background poll of auth's revocation list: a test refreshes it (`await app.state.verifier.revocations.refresh()`).
NO_REVOCATION_POLL = {"revocation_poll_seconds": 0}
# Every in-process request comes from one address and a test makes many callers: budgets that never bind here.
# tests/api/attacks/test_limits.py proves the production budgets on apps of its own.
UNBOUNDED_RATES = {"rate_limit_per_caller": "", "rate_limit_anonymous_writes": ""}


def pytest_report_header(config):
    return f"PDR test database backend: {BACKEND}"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def databases(tmp_path_factory) -> AsyncIterator[dict[str, TestDatabase]]:
    tmp = tmp_path_factory.mktemp("db")
    dbs = {name: await TestDatabase(name, tmp).create() for name in METADATA}
    yield dbs
    for db in dbs.values():
        await db.drop()


class _Lifespan:
    def __init__(self, app):
        self.app = app
        self._ctx = None

    async def __aenter__(self):
        self._ctx = self.app.router.lifespan_context(self.app)
        await self._ctx.__aenter__()
        return self.app

    async def __aexit__(self, *exc):
        await self._ctx.__aexit__(*exc)


@dataclass
class Apps:
    auth: object
    registry: object
    scoring: object
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)


class HostRouter(httpx.AsyncBaseTransport):
    """Routes outgoing requests of the in-process apps to each other by host name (auth.test, registry.test…)."""

    def __init__(self) -> None:
        self.hosts: dict[str, httpx.AsyncBaseTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self.hosts.get(request.url.host)
        if transport is None:
            raise httpx.ConnectError(f"no in-process app for {request.url.host}", request=request)
        return await transport.handle_async_request(request)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def apps(databases) -> AsyncIterator[Apps]:
    router = HostRouter()
    auth = create_auth(AuthSettings(database_url=databases["auth"].url, issuer=ISSUER, log_json=False,
                                    **CHEAP_ARGON2, **UNBOUNDED_RATES))
    registry = create_registry(RegistrySettings(database_url=databases["registry"].url, issuer=ISSUER,
                                                log_json=False, **UNBOUNDED_RATES, **NO_REVOCATION_POLL),
                               transport=router)
    scoring = create_scoring(ScoringSettings(
        database_url=databases["scoring"].url, issuer=ISSUER, log_json=False,
        registry_url="http://registry.test", token_url=f"{ISSUER}/oauth/token",
        client_id=SCORING_CLIENT_ID, client_secret=SCORING_CLIENT_SECRET,
        feed_poll_seconds=0,  # tests sync the feed explicitly; no background poller between tests
        directory_ttl_seconds=0,  # each test makes its own organizations: read the directory afresh
        **UNBOUNDED_RATES, **NO_REVOCATION_POLL,
    ), transport=router)
    router.hosts.update({
        "auth.test": httpx.ASGITransport(app=auth),
        "registry.test": httpx.ASGITransport(app=registry),
        "scoring.test": httpx.ASGITransport(app=scoring),
    })
    async with _Lifespan(auth), _Lifespan(registry), _Lifespan(scoring):
        yield Apps(auth, registry, scoring)


@pytest_asyncio.fixture(loop_scope="session")
async def clean(apps) -> AsyncIterator[None]:
    """Each test starts from empty tables (signing keys excepted, so JWKS caches stay valid)."""
    if BACKEND == "postgresql":
        # The fault tests restart PostgreSQL under these long-lived apps. A failed ping on a dead pooled
        # connection makes SQLAlchemy invalidate the whole pool, so the test itself starts on live ones.
        for app in (apps.auth, apps.registry, apps.scoring):
            with contextlib.suppress(DBAPIError):
                await app.state.db.ping()
    yield
    for name, app in (("auth", apps.auth), ("registry", apps.registry), ("scoring", apps.scoring)):
        await truncate_all(app.state.db.engine, METADATA[name], keep=KEPT_TABLES)


def _client(app, base: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)


@pytest_asyncio.fixture(loop_scope="session")
async def auth_client(apps, clean) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(apps.auth, ISSUER) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="session")
async def registry_client(apps, clean) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(apps.registry, "http://registry.test") as client:
        yield client


@pytest_asyncio.fixture(loop_scope="session")
async def scoring_client(apps, clean) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(apps.scoring, "http://scoring.test") as client:
        yield client


_serial = itertools.count(1)
_passwords = Passwords(1, 1024, 1)


@dataclass
class Person:
    username: str
    org_id: str
    roles: list[str]
    region: str
    token: str  # access token for the registry (audience pdr-registry)
    tokens: dict[str, str]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def headers_for(self, audience: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[audience]}"}


class People:
    """Makes organizations and people of any role on demand, with real tokens from /oauth/token."""

    def __init__(self, apps: Apps, auth_client: httpx.AsyncClient) -> None:
        self.apps = apps
        self.auth_client = auth_client

    async def org(self, kind: str = "agency", region: str = "110000", name: str | None = None) -> str:
        n = next(_serial)
        prefix = f"12{region}MB{n:07d}"
        async with self.apps.auth.state.db.sessions.begin() as session:
            org = await create_org(session, OrgIn(name=name or f"测试机构{n}", uscc=with_uscc_check(prefix),
                                                  region_code=region, kind=kind))
        return org.id

    async def person(self, role: str, org_id: str | None = None, region: str = "110000") -> Person:
        kind = {"registrar": "registration_body", "auditor": "audit_body", "admin": "authority"}.get(role, role)
        org_id = org_id or await self.org(kind=kind, region=region)
        username = f"{role}{next(_serial)}"
        async with self.apps.auth.state.db.sessions.begin() as session:
            await create_account(session, AccountIn(username=username, password=DEMO_PASSWORD, org_id=org_id,
                                                    roles=[role]), _passwords)
        tokens = {}
        for audience in ("pdr-registry", "pdr-scoring", "pdr-auth"):
            response = await self.auth_client.post("/oauth/token", data={
                "grant_type": "password", "username": username, "password": DEMO_PASSWORD, "audience": audience})
            assert response.status_code == 200, response.text
            tokens[audience] = response.json()["access_token"]
        return Person(username, org_id, [role], region, tokens["pdr-registry"], tokens)


@pytest_asyncio.fixture(loop_scope="session")
async def people(apps, auth_client) -> People:
    return People(apps, auth_client)


@pytest_asyncio.fixture(loop_scope="session")
async def scoring_machine_client(apps, clean) -> str:
    """Registers the scoring service's client (registry:read registry:feed orgs:read) in auth; returns its id."""
    from services.auth.identities import ClientIn, create_client

    async with apps.auth.state.db.sessions.begin() as session:
        await create_client(session, ClientIn(client_id=SCORING_CLIENT_ID, name="scoring", kind="service",
                                              scopes=["registry:read", "registry:feed", "orgs:read"]),
                            apps.auth.state.tokens.client_secrets, SCORING_CLIENT_SECRET)
    return SCORING_CLIENT_ID
