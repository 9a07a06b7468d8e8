"""Tokens under attack (issue 18): forgeries, unbounded tokens, revocation that takes effect, withdrawn keys.

- A token once verified stayed valid after its key left JWKS (cached to its own exp, and exp was unbounded):
  tokens now live at most token_max_lifetime_seconds, cached ones at most token_cache_seconds, and a key that
  leaves auth's revocation list is withdrawn with its cached tokens at once.
- Tokens without aud, with iat in the future or exp years away were accepted.
- A revoked access token kept working at registry and scoring until it expired (introspection said inactive):
  every service now polls auth's revocation list (GET /oauth/revocations) and refuses a listed jti or sid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta
from types import SimpleNamespace

import httpx
import pytest
import pytest_asyncio

from services.auth.identities import ClientIn, create_client
from services.auth.keys import rotate_keys
from services.auth.models import RevokedToken
from services.kernel.jose_keys import generate_es256, verify_jwt
from services.kernel.observability import Metrics
from services.kernel.problems import Unauthorized
from services.kernel.security import JWKSCache, RevocationList, TokenVerifier
from services.kernel.timeutil import new_id, utcnow
from tests.api.registration.conftest import resource_body
from tests.conftest import ISSUER

PASSWORD = "Demo-pass-2026!"
SERVICES = {"registry": "pdr-registry", "scoring": "pdr-scoring", "auth": "pdr-auth"}
# Where each service checks a token: auth has no /me; listing organizations is its administrators' read.
PROBE = {"registry": "/me", "scoring": "/me", "auth": "/orgs"}


def b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims(audience: str = "pdr-registry", drop: tuple[str, ...] = (), **overrides) -> dict:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": audience, "sub": "attacker", "org": "org-x", "roles": ["admin"], "scope": "",
            "jti": new_id(), "iat": now, "exp": now + 300}
    base.update(overrides)
    return {k: v for k, v in base.items() if k not in drop}


def _forgery(apps, case: str, audience: str) -> str:  # noqa: PLR0911, PLR0912 (a catalogue: one case a branch)
    active = apps.auth.state.keyring.active
    now = int(time.time())
    sign = active.sign
    if case == "alg none":
        return f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': active.kid})}.{b64(claims(audience))}."
    if case == "HS256 signed with the public key":
        signing_input = f"{b64({'alg': 'HS256', 'typ': 'JWT', 'kid': active.kid})}.{b64(claims(audience))}"
        mac = hmac.new(active.key.public_key().to_pem(), signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64(mac)}"
    if case == "unknown kid":
        return generate_es256().sign(claims(audience))
    if case == "no kid":
        stranger = generate_es256()
        token = stranger.sign(claims(audience))
        return f"{b64({'alg': 'ES256', 'typ': 'JWT'})}.{token.split('.', 1)[1]}"
    if case == "a stranger's key under the real kid":
        token = generate_es256().sign(claims(audience))
        return f"{sign(claims(audience)).split('.')[0]}.{token.split('.', 1)[1]}"
    if case == "wrong issuer":
        return sign(claims(audience, iss="http://evil.test"))
    if case == "tampered payload":
        header, _, signature = sign(claims(audience, roles=["auditor"])).split(".")
        return f"{header}.{b64(claims(audience, roles=['admin']))}.{signature}"
    if case == "no aud":
        return sign(claims(audience, drop=("aud",)))
    if case == "empty aud":
        return sign(claims(audience, aud=[]))
    if case == "wrong aud":
        return sign(claims("pdr-elsewhere"))
    if case == "iat in the future":
        return sign(claims(audience, iat=now + 120, exp=now + 300))  # a lifetime of 180 s: only iat is wrong
    if case == "exp years away":
        return sign(claims(audience, exp=now + 10 * 365 * 86400))
    if case == "issued long ago, expiring soon":
        return sign(claims(audience, iat=now - 2000, exp=now + 100))  # exp - iat beyond the bound
    if case == "no iat":
        return sign(claims(audience, drop=("iat",)))
    if case == "no exp":
        return sign(claims(audience, drop=("exp",)))
    if case == "no jti":
        return sign(claims(audience, drop=("jti",)))
    if case == "iat a string":
        return sign(claims(audience, iat=str(now)))
    if case == "exp a list":
        return sign(claims(audience, exp=[now + 300]))
    if case == "sid a number":
        return sign(claims(audience, sid=7))
    raise AssertionError(case)


FORGERIES = [
    "alg none", "HS256 signed with the public key", "unknown kid", "no kid", "a stranger's key under the real kid",
    "wrong issuer", "tampered payload", "no aud", "empty aud", "wrong aud", "iat in the future", "exp years away",
    "issued long ago, expiring soon", "no iat", "no exp", "no jti", "iat a string", "exp a list", "sid a number",
]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def client_for(apps, service: str) -> httpx.AsyncClient:
    app = getattr(apps, service)
    base = ISSUER if service == "auth" else f"http://{service}.test"
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)


def assert_refused(response: httpx.Response, slug: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith(f"/{slug}")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def poll(apps) -> None:
    """One poll of auth's revocation list at each verifying service (the background task's step)."""
    for app in (apps.registry, apps.scoring):
        assert await app.state.verifier.revocations.refresh()


async def sign_in(auth_client, username: str, audience: str = "pdr-registry") -> dict:
    response = await auth_client.post("/oauth/token", data={
        "grant_type": "password", "username": username, "password": PASSWORD, "audience": audience})
    assert response.status_code == 200, response.text
    return response.json()


async def refresh(auth_client, refresh_token: str) -> httpx.Response:
    return await auth_client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token})


INTROSPECTOR = ("introspector", "introspector-secret-0123456789")


@pytest_asyncio.fixture(loop_scope="session")
async def introspector(apps, clean) -> tuple[str, str]:
    """A machine client allowed to introspect (RFC 7662 callers authenticate)."""
    async with apps.auth.state.db.sessions.begin() as session:
        await create_client(session, ClientIn(client_id=INTROSPECTOR[0], name="introspector", scopes=[]),
                            apps.auth.state.tokens.client_secrets, INTROSPECTOR[1])
    return INTROSPECTOR


async def introspect(auth_client, token: str) -> bool:
    response = await auth_client.post("/oauth/introspect", data={"token": token}, auth=INTROSPECTOR)
    assert response.status_code == 200, response.text
    return response.json()["active"]


def claims_of(apps, token: str) -> dict:
    key = apps.auth.state.keyring.public_keys[apps.auth.state.keyring.active.kid]
    return verify_jwt(token, key, audience=None, issuer=ISSUER)


# -- forgeries and unbounded tokens, at every service ------------------------------------------------------

@pytest.mark.parametrize("service", list(SERVICES))
async def test_a_genuine_token_of_the_same_shape_is_accepted(apps, clean, service):
    async with client_for(apps, service) as client:
        token = apps.auth.state.keyring.active.sign(claims(SERVICES[service]))
        assert (await client.get(PROBE[service], headers=bearer(token))).status_code == 200


@pytest.mark.parametrize("case", FORGERIES)
@pytest.mark.parametrize("service", list(SERVICES))
async def test_forged_unbounded_or_incomplete_tokens_are_refused_everywhere(apps, clean, service, case):
    async with client_for(apps, service) as client:
        response = await client.get(PROBE[service], headers=bearer(_forgery(apps, case, SERVICES[service])))
    assert_refused(response, "invalid-token")
    assert "attacker" not in response.text and "org-x" not in response.text


async def test_a_token_that_would_never_expire_writes_nothing(apps, people, registry_client):
    agency = await people.person("agency")
    # The agency's real identity, in a token signed by auth's key but valid for ten years.
    token = apps.auth.state.keyring.active.sign(claims(sub="x", org=agency.org_id, roles=["agency"],
                                                       exp=int(time.time()) + 10 * 365 * 86400))
    response = await registry_client.post("/resources", headers=bearer(token), json=resource_body())
    assert_refused(response, "invalid-token")
    listed = await registry_client.get("/resources", headers=agency.headers)
    assert listed.status_code == 200 and listed.json()["items"] == []


# -- revocation is enforced, within one poll --------------------------------------------------------------

async def test_a_revoked_access_token_is_refused_at_registry_and_scoring_after_one_poll(
        apps, people, auth_client, registry_client, scoring_client):
    person = await people.person("auditor")
    calls = ((registry_client, person.tokens["pdr-registry"]), (scoring_client, person.tokens["pdr-scoring"]))
    for client, token in calls:
        assert (await client.get("/me", headers=bearer(token))).status_code == 200  # verified, and cached
        assert (await auth_client.post("/oauth/revoke", data={"token": token})).status_code == 200
    await poll(apps)
    for client, token in calls:
        assert_refused(await client.get("/me", headers=bearer(token)), "token-revoked")
    # Revoking one token is not revoking the person: a fresh sign-in works at once.
    fresh = await sign_in(auth_client, person.username)
    assert (await registry_client.get("/me", headers=bearer(fresh["access_token"]))).status_code == 200


async def test_a_revoked_token_writes_nothing(apps, people, auth_client, registry_client):
    agency = await people.person("agency")
    await auth_client.post("/oauth/revoke", data={"token": agency.token})
    await poll(apps)
    assert_refused(await registry_client.post("/resources", headers=agency.headers, json=resource_body()),
                   "token-revoked")
    fresh = await sign_in(auth_client, agency.username)
    listed = await registry_client.get("/resources", headers=bearer(fresh["access_token"]))
    assert listed.status_code == 200 and listed.json()["items"] == []


async def test_a_revoked_admin_token_is_refused_by_auth_itself_at_once(people, auth_client):
    admin = await people.person("admin")
    token = admin.tokens["pdr-auth"]
    assert (await auth_client.get("/orgs", headers=bearer(token))).status_code == 200
    await auth_client.post("/oauth/revoke", data={"token": token})
    assert_refused(await auth_client.get("/orgs", headers=bearer(token)), "token-revoked")


async def test_logout_kills_every_access_token_of_the_session_refreshed_ones_included(
        apps, people, auth_client, registry_client):
    person = await people.person("operator")
    first = await sign_in(auth_client, person.username)
    second = (await refresh(auth_client, first["refresh_token"])).json()
    other_session = await sign_in(auth_client, person.username)
    for token in (first["access_token"], second["access_token"]):
        assert (await registry_client.get("/me", headers=bearer(token))).status_code == 200
    # The console's logout: RFC 7009 revocation of the session's refresh token.
    revoked = await auth_client.post("/oauth/revoke", data={"token": second["refresh_token"],
                                                            "token_type_hint": "refresh_token"})
    assert revoked.status_code == 200
    await poll(apps)
    for token in (first["access_token"], second["access_token"]):
        assert_refused(await registry_client.get("/me", headers=bearer(token)), "token-revoked")
    # Another session of the same person lives on.
    assert (await registry_client.get("/me", headers=bearer(other_session["access_token"]))).status_code == 200


async def test_refresh_token_reuse_kills_the_access_tokens_of_the_family(apps, people, auth_client, registry_client):
    person = await people.person("agency")
    first = await sign_in(auth_client, person.username)
    second = (await refresh(auth_client, first["refresh_token"])).json()
    replay = await refresh(auth_client, first["refresh_token"])  # the thief's copy of the spent token
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    await poll(apps)
    for token in (first["access_token"], second["access_token"]):
        assert_refused(await registry_client.get("/me", headers=bearer(token)), "token-revoked")


async def test_session_tokens_carry_the_refresh_family_and_client_tokens_none(apps, people, auth_client):
    person = await people.person("auditor")
    first = await sign_in(auth_client, person.username)
    second = (await refresh(auth_client, first["refresh_token"])).json()
    other = await sign_in(auth_client, person.username)
    sids = [claims_of(apps, t["access_token"])["sid"] for t in (first, second, other)]
    assert sids[0] == sids[1] != sids[2] and all(sids)
    async with apps.auth.state.db.sessions.begin() as session:
        await create_client(session, ClientIn(client_id="machine", name="machine", scopes=["registry:read"]),
                            apps.auth.state.tokens.client_secrets, "machine-secret-0123456789abc")
    machine = await auth_client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                     auth=("machine", "machine-secret-0123456789abc"))
    assert "sid" not in claims_of(apps, machine.json()["access_token"])


async def test_introspection_and_enforcement_agree(apps, people, auth_client, registry_client, introspector):
    person = await people.person("auditor")
    live, revoked, logged_out, reused = [await sign_in(auth_client, person.username) for _ in range(4)]
    await auth_client.post("/oauth/revoke", data={"token": revoked["access_token"]})
    await auth_client.post("/oauth/revoke", data={"token": logged_out["refresh_token"]})
    await refresh(auth_client, reused["refresh_token"])
    await refresh(auth_client, reused["refresh_token"])
    tokens = {
        "live": live["access_token"], "revoked": revoked["access_token"],
        "logged out": logged_out["access_token"], "family reused": reused["access_token"],
        **{case: _forgery(apps, case, "pdr-registry") for case in (
            "alg none", "no aud", "exp years away", "iat in the future", "tampered payload")},
    }
    await poll(apps)
    verdicts = {}
    for name, token in tokens.items():
        accepted = (await registry_client.get("/me", headers=bearer(token))).status_code == 200
        verdicts[name] = (await introspect(auth_client, token), accepted)
    assert verdicts["live"] == (True, True)
    assert all(active == accepted for active, accepted in verdicts.values()), verdicts
    assert sum(accepted for _, accepted in verdicts.values()) == 1


async def test_revocation_metrics_are_served(apps, people, auth_client, registry_client):
    person = await people.person("auditor")
    await auth_client.post("/oauth/revoke", data={"token": person.token})
    await poll(apps)
    text = (await registry_client.get("/metrics")).text
    assert 'pdr_revocations{service="registry"} 1.0' in text
    age = next(line for line in text.splitlines() if line.startswith("pdr_revocation_list_age_seconds{"))
    assert 0 <= float(age.split()[-1]) < 5
    assert "pdr_revocation_poll_errors_total" in text


# -- auth's revocation list ---------------------------------------------------------------------------------

async def test_the_revocation_list_is_public_with_an_etag_and_304(apps, people, auth_client):
    first = await auth_client.get("/oauth/revocations")
    assert first.status_code == 200 and first.json() == {
        "revoked": [], "kids": sorted(apps.auth.state.keyring.public_keys)}
    etag = first.headers["etag"]
    unchanged = await auth_client.get("/oauth/revocations", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["etag"] == etag

    person = await people.person("auditor")
    await auth_client.post("/oauth/revoke", data={"token": person.token})
    changed = await auth_client.get("/oauth/revocations", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    token_claims = claims_of(apps, person.token)
    assert changed.json()["revoked"] == [{"id": token_claims["jti"], "until": token_claims["exp"]}]


async def test_a_revoked_session_is_listed_for_the_longest_token_lifetime(apps, people, auth_client):
    person = await people.person("operator")
    tokens = await sign_in(auth_client, person.username)
    before = int(time.time())
    await auth_client.post("/oauth/revoke", data={"token": tokens["refresh_token"]})
    (entry,) = (await auth_client.get("/oauth/revocations")).json()["revoked"]
    settings = apps.auth.state.settings
    bound = settings.token_max_lifetime_seconds + settings.token_leeway_seconds
    assert before + bound - 1 <= entry["until"] <= int(time.time()) + bound + 1


async def test_entries_leave_the_list_once_no_token_they_name_can_be_valid(apps, auth_client):
    leeway = apps.auth.state.settings.token_leeway_seconds
    async with apps.auth.state.db.sessions.begin() as session:
        session.add(RevokedToken(jti="gone", expires_at=utcnow() - timedelta(seconds=leeway + 5)))
        session.add(RevokedToken(jti="skew", expires_at=utcnow() - timedelta(seconds=leeway // 2)))
        session.add(RevokedToken(jti="live", expires_at=utcnow() + timedelta(seconds=300)))
    listed = {e["id"] for e in (await auth_client.get("/oauth/revocations")).json()["revoked"]}
    assert listed == {"skew", "live"}  # kept for verifiers whose clock runs up to the leeway behind


async def test_the_revocation_list_is_documented(auth_client):
    doc = (await auth_client.get("/.well-known/openid-configuration")).json()
    assert doc["revocation_list_endpoint"] == f"{ISSUER}/oauth/revocations"
    operation = (await auth_client.get("/openapi.json")).json()["paths"]["/oauth/revocations"]["get"]
    assert "304" in operation["responses"] and "security" not in operation


# -- withdrawn keys ------------------------------------------------------------------------------------------

async def test_rotate_keys_now_withdraws_the_old_key_and_its_cached_tokens_die_at_the_next_poll(
        apps, people, auth_client, registry_client, scoring_client, introspector):
    person = await people.person("auditor")
    old_kid = apps.auth.state.keyring.active.kid
    for client, audience in ((registry_client, "pdr-registry"), (scoring_client, "pdr-scoring")):
        assert (await client.get("/me", headers=person.headers_for(audience))).status_code == 200  # cached
    async with apps.auth.state.db.sessions.begin() as session:
        new = await rotate_keys(session, 900, ahead_seconds=0, wrap=apps.auth.state.settings.keywrap)
    listed = (await auth_client.get("/oauth/revocations")).json()
    assert listed["kids"] == [new.kid]  # withdrawn at once, not a token lifetime later
    assert [k["kid"] for k in (await auth_client.get("/.well-known/jwks.json")).json()["keys"]] == [new.kid]
    await poll(apps)
    for client, audience in ((registry_client, "pdr-registry"), (scoring_client, "pdr-scoring")):
        assert_refused(await client.get("/me", headers=person.headers_for(audience)), "invalid-token")
    assert old_kid != new.kid
    assert apps.registry.state.verifier.jwks.kids == apps.scoring.state.verifier.jwks.kids == {new.kid}
    assert not await introspect(auth_client, person.token)
    # The new key's tokens are known at once: the poll fetched JWKS for the kid it had not seen.
    fresh = await sign_in(auth_client, person.username)
    assert (await registry_client.get("/me", headers=bearer(fresh["access_token"]))).status_code == 200


class _Auth(httpx.AsyncBaseTransport):
    """A stand-in auth serving a JWKS and a revocation list the test sets, or failing."""

    def __init__(self, keys: list, revoked: list, kids: list[str]) -> None:
        self.keys, self.revoked, self.kids, self.down, self.requests = keys, revoked, kids, False, []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("auth is down", request=request)
        if request.url.path == "/.well-known/jwks.json":
            return httpx.Response(200, json={"keys": [k.public_jwk for k in self.keys]})
        body = json.dumps({"revoked": self.revoked, "kids": self.kids}).encode()
        etag = '"' + hashlib.sha256(body).hexdigest() + '"'
        if request.headers.get("if-none-match") == etag:
            return httpx.Response(304, headers={"ETag": etag})
        return httpx.Response(200, content=body, headers={"ETag": etag, "Content-Type": "application/json"})


def _verifier(auth: _Auth) -> tuple[TokenVerifier, RevocationList, Metrics]:
    client = httpx.AsyncClient(transport=auth, base_url="http://auth.test")
    revocations = RevocationList("http://auth.test/oauth/revocations", client)
    metrics = Metrics("registry")
    revocations.instrument(metrics)
    jwks = JWKSCache("http://auth.test/.well-known/jwks.json", client=client)
    return TokenVerifier(jwks, audience="pdr-registry", issuer=ISSUER, revocations=revocations), revocations, metrics


async def test_a_cached_token_is_refused_once_its_key_leaves_the_published_kids():
    old, new = generate_es256(), generate_es256()
    auth = _Auth([old, new], [], [old.kid, new.kid])
    verifier, revocations, _ = _verifier(auth)
    await revocations.refresh()
    token = old.sign(claims())
    assert (await verifier.verify(token)).subject == "attacker"  # verified, and cached
    auth.kids, auth.keys = [new.kid], [new]  # the key is withdrawn (a compromise)
    await revocations.refresh()
    with pytest.raises(Unauthorized) as refused:
        await verifier.verify(token)
    assert refused.value.slug == "invalid-token"
    # A stale auth replica still serving the old key in JWKS does not bring it back.
    auth.keys = [old, new]
    await verifier.jwks.refresh(force=True)
    with pytest.raises(Unauthorized):
        await verifier.verify(token)
    assert (await verifier.verify(new.sign(claims()))).subject == "attacker"


async def test_a_cached_token_is_refused_when_a_jwks_refresh_drops_its_key():
    old, new = generate_es256(), generate_es256()
    auth = _Auth([old, new], [], [old.kid, new.kid])
    verifier, _, _ = _verifier(auth)
    token = old.sign(claims())
    await verifier.verify(token)
    auth.keys = [new]
    await verifier.jwks.refresh(force=True)
    with pytest.raises(Unauthorized):
        await verifier.verify(token)


async def test_a_cached_token_is_verified_afresh_after_the_cache_lifetime(monkeypatch):
    key = generate_es256()
    auth = _Auth([key], [], [key.kid])
    verifier, _, _ = _verifier(auth)
    verifier.cache_seconds = 0.0
    token = key.sign(claims())
    await verifier.verify(token)
    fetches = len(auth.requests)
    auth.keys = []  # the key is gone: a fresh verification finds no key
    verifier.jwks._fetched_at = 0
    with pytest.raises(Unauthorized):
        await verifier.verify(token)
    assert len(auth.requests) > fetches


async def test_an_unreachable_auth_keeps_the_last_list_and_is_counted():
    key = generate_es256()
    jti = new_id()
    auth = _Auth([key], [{"id": jti, "until": int(time.time()) + 300}], [key.kid])
    verifier, revocations, metrics = _verifier(auth)
    assert await revocations.refresh()
    assert revocations.is_revoked(jti, None) and revocations.is_revoked(None, jti)
    assert not revocations.is_revoked("other", None) and not revocations.is_revoked(None, None)
    assert await revocations.refresh()  # unchanged: a 304
    assert auth.requests[-1].headers["if-none-match"]
    auth.down = True
    assert not await revocations.refresh()
    assert revocations.is_revoked(jti, None) and len(revocations) == 1
    await metrics.refresh(SimpleNamespace(state=SimpleNamespace()))  # an app without a database
    samples = {s.name: s.value for m in metrics.registry.collect() for s in m.samples}
    assert samples["pdr_revocation_poll_errors_total"] == 1 and samples["pdr_revocations"] == 1
    with pytest.raises(Unauthorized) as refused:
        await verifier.verify(key.sign(claims(jti=jti)))
    assert refused.value.slug == "token-revoked"


@pytest.mark.parametrize("doc", [
    {"revoked": [], "kids": []},  # would withdraw every key
    {"revoked": [{"id": 1, "until": 2}], "kids": ["k"]},
    {"revoked": [{"id": "a", "until": "soon"}], "kids": ["k"]},
    {"revoked": [{"id": "a"}], "kids": ["k"]},
    {"revoked": "all", "kids": ["k"]},
    ["not", "a", "list"],
])
async def test_a_malformed_list_changes_nothing(doc):
    key = generate_es256()
    auth = _Auth([key], [{"id": "kept", "until": int(time.time()) + 300}], [key.kid])
    _, revocations, _ = _verifier(auth)
    await revocations.refresh()

    async def answer(request):
        return httpx.Response(200, json=doc)

    revocations._client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    assert not await revocations.refresh()
    assert revocations.is_revoked("kept", None) and revocations.kids == {key.kid}


def test_auth_refuses_an_access_token_ttl_beyond_what_verifiers_accept():
    from pydantic import ValidationError

    from services.auth.settings import AuthSettings

    with pytest.raises(ValidationError, match="token_max_lifetime_seconds"):
        AuthSettings(access_token_ttl_seconds=3600)
    assert AuthSettings(access_token_ttl_seconds=3600, token_max_lifetime_seconds=3660).access_token_ttl_seconds == 3600


def test_the_revocation_list_is_fetched_where_jwks_is():
    from services.registry.settings import RegistrySettings

    public_issuer = RegistrySettings(issuer="https://auth.example.gov.cn")
    assert public_issuer.resolved_revocations_url == "https://auth.example.gov.cn/oauth/revocations"
    # Inside a cluster keys come from auth's own address, not the public issuer: so does the list.
    in_cluster = RegistrySettings(issuer="https://auth.example.gov.cn",
                                  jwks_url="http://pdr-auth:8001/.well-known/jwks.json")
    assert in_cluster.resolved_revocations_url == "http://pdr-auth:8001/oauth/revocations"
    explicit = RegistrySettings(revocations_url="http://elsewhere/revoked")
    assert explicit.resolved_revocations_url == "http://elsewhere/revoked"


async def test_a_request_without_a_token_gets_a_challenge_without_an_error_code(registry_client, scoring_client):
    """RFC 6750 §3.1: a request that carried no authentication is answered without an error code; a bad token
    gets invalid_token."""
    for client, path in ((registry_client, "/me"), (scoring_client, "/me"), (registry_client, "/graphql")):
        answer = await (client.post(path, json={"query": "{ __typename }"}) if path == "/graphql" else client.get(path))
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == 'Bearer realm="pdr"'
    answer = await registry_client.get("/me", headers={"Authorization": "Bearer not-a-token"})
    assert answer.status_code == 401 and 'error="invalid_token"' in answer.headers["www-authenticate"]
