"""Registry and scoring verify tokens locally against auth's JWKS; every forgery answers 401 problem+json."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest

from services.auth.keys import rotate_keys
from services.kernel.jose_keys import generate_es256

ISSUER = "http://auth.test"


def b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims(**overrides) -> dict:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": "pdr-registry", "sub": "someone", "org": "org1", "roles": ["auditor"],
            "scope": "", "jti": "j1", "iat": now, "exp": now + 300}
    base.update(overrides)
    return base


def hs256(payload: dict, secret: bytes, kid: str) -> str:
    """The classic key-confusion forgery, built by hand: libraries refuse to HMAC with a PEM."""
    signing_input = f"{b64({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{b64(payload)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def signed_by_auth(apps, **overrides) -> str:
    return apps.auth.state.keyring.active.sign(claims(**overrides))


async def me(client, token: str):
    return await client.get("/me", headers={"Authorization": f"Bearer {token}"})


async def test_a_genuine_token_is_accepted(apps, registry_client):
    response = await me(registry_client, signed_by_auth(apps))
    assert response.status_code == 200 and response.json()["roles"] == ["auditor"]


def _forgeries(apps) -> dict[str, str]:
    active = apps.auth.state.keyring.active
    genuine = active.sign(claims())
    header, payload, signature = genuine.split(".")
    public_pem = active.key.public_key().to_pem()
    stranger = generate_es256()
    return {
        "alg none": f"{b64({'alg': 'none', 'kid': active.kid})}.{payload}.",
        "HS256 signed with the public key": hs256(claims(), public_pem, active.kid),
        "expired": active.sign(claims(iat=int(time.time()) - 1000, exp=int(time.time()) - 10)),
        "wrong audience": active.sign(claims(aud="pdr-scoring")),
        "wrong issuer": active.sign(claims(iss="http://evil.test")),
        "unknown kid": stranger.sign(claims()),
        "bad signature": f"{header}.{b64(claims(roles=['admin']))}.{signature}",
        "key swapped under a known kid": stranger.sign(claims()).replace(
            stranger.sign(claims()).split(".")[0], header, 1),
        "garbage": "not.a.token",
        "empty segments": "..",
    }


@pytest.mark.parametrize("case", [
    "alg none", "HS256 signed with the public key", "expired", "wrong audience", "wrong issuer", "unknown kid",
    "bad signature", "key swapped under a known kid", "garbage", "empty segments",
])
async def test_forged_or_unusable_tokens_are_rejected_with_401_problem(apps, registry_client, case):
    response = await me(registry_client, _forgeries(apps)[case])
    assert response.status_code == 401, case
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/invalid-token")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["", "Basic abc", "Bearer", "Bearer    "])
async def test_missing_or_malformed_authorization_header_is_401(registry_client, header):
    response = await registry_client.get("/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_scoring_accepts_only_its_own_audience(apps, scoring_client):
    assert (await me(scoring_client, signed_by_auth(apps, aud="pdr-scoring"))).status_code == 200
    assert (await me(scoring_client, signed_by_auth(apps))).status_code == 401


async def test_a_key_rotated_at_once_is_fetched_on_its_unknown_kid_and_the_old_key_withdrawn_at_the_next_poll(
        apps, registry_client):
    old_token = signed_by_auth(apps)
    assert (await me(registry_client, old_token)).status_code == 200
    async with apps.auth.state.db.sessions.begin() as session:
        await rotate_keys(session, 900, ahead_seconds=0, wrap=apps.auth.state.settings.keywrap)
    apps.auth.state.keyring.loaded_at = 0  # the next request reloads, as after key_reload_seconds
    jwks = (await (await _auth(apps)).get("/.well-known/jwks.json")).json()
    assert len(jwks["keys"]) == 1  # a rotation at once is a compromised key: the old one is withdrawn now
    new_token = apps.auth.state.keyring.active.sign(claims(jti="j2"))
    assert new_token.split(".")[0] != old_token.split(".")[0]
    registry_jwks = apps.registry.state.verifier.jwks
    registry_jwks._fetched_at = 0  # outside the refetch guard window
    assert (await me(registry_client, new_token)).status_code == 200
    # Until the registry polls the revocation list, JWKS alone (the fetch above) has dropped the old key.
    assert (await me(registry_client, old_token)).status_code == 401
    # Scoring shares these in-process apps with later tests: let it follow the rotation now, not be asked
    # for the new key inside its refetch guard by whichever test comes next.
    assert await apps.scoring.state.verifier.revocations.refresh()
    assert apps.scoring.state.verifier.jwks.kids == {apps.auth.state.keyring.active.kid}


def _count_fetches(jwks, monkeypatch):
    """Counts the JWKS fetches a verifier makes from now on; returns the counter."""
    calls = []
    original = jwks._client.get

    async def counting_get(*args, **kwargs):
        calls.append(args)
        return await original(*args, **kwargs)

    monkeypatch.setattr(jwks._client, "get", counting_get)
    return lambda: len(calls)


async def _reload_keyring(apps) -> None:
    apps.auth.state.keyring.loaded_at = 0  # as after key_reload_seconds: the next request reloads
    await (await _auth(apps)).get("/.well-known/jwks.json")


async def test_a_rotated_key_is_published_before_it_signs_so_no_verifier_meets_an_unknown_kid(
        apps, registry_client, monkeypatch):
    from services.auth import keys

    old_kid = apps.auth.state.keyring.active.kid
    old_token = signed_by_auth(apps)
    async with apps.auth.state.db.sessions.begin() as session:
        new_row = await rotate_keys(session, 900, ahead_seconds=60, wrap=apps.auth.state.settings.keywrap)
    await _reload_keyring(apps)
    published = {k["kid"] for k in (await (await _auth(apps)).get("/.well-known/jwks.json")).json()["keys"]}
    assert {old_kid, new_row.kid} <= published
    assert apps.auth.state.keyring.active.kid == old_kid  # published, not yet signing

    # The registry refreshes its JWKS as usual (max_age) within the minute, and then stays inside its refetch
    # guard: a kid it had never seen would now be refused (test_unknown_kids_do_not_hammer_auth).
    jwks = apps.registry.state.verifier.jwks
    await jwks.refresh(force=True)
    fetches = _count_fetches(jwks, monkeypatch)
    later = keys.utcnow() + timedelta(seconds=61)
    monkeypatch.setattr(keys, "utcnow", lambda: later)
    await _reload_keyring(apps)
    assert apps.auth.state.keyring.active.kid == new_row.kid  # the takeover
    new_token = signed_by_auth(apps, jti="j-next")
    assert (await me(registry_client, new_token)).status_code == 200
    assert (await me(registry_client, old_token)).status_code == 200  # old tokens live out their TTL
    assert fetches() == 0

    # Leave one key signing now, known to every verifier, for the tests that follow.
    monkeypatch.undo()
    async with apps.auth.state.db.sessions.begin() as session:
        await rotate_keys(session, 900, ahead_seconds=0, wrap=apps.auth.state.settings.keywrap)
    await _reload_keyring(apps)
    for app in (apps.registry, apps.scoring):
        await app.state.verifier.jwks.refresh(force=True)


async def test_unknown_kids_do_not_hammer_auth(apps, registry_client, monkeypatch):
    jwks = apps.registry.state.verifier.jwks
    await jwks.refresh(force=True)
    fetches = _count_fetches(jwks, monkeypatch)
    for _ in range(20):
        stranger = generate_es256()
        assert (await me(registry_client, stranger.sign(claims()))).status_code == 401
    assert fetches() == 0  # all within min_refetch of the forced refresh


async def _auth(apps):
    import httpx

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=apps.auth), base_url=ISSUER)


def test_a_publication_lead_shorter_than_reload_plus_refetch_guard_is_refused():
    from pydantic import ValidationError

    from services.auth.settings import AuthSettings

    with pytest.raises(ValidationError, match="key_publish_ahead_seconds"):
        AuthSettings(key_reload_seconds=10, key_publish_ahead_seconds=12)
    assert AuthSettings(key_reload_seconds=10, key_publish_ahead_seconds=15).key_publish_ahead_seconds == 15


async def test_with_a_kek_a_rotated_key_is_stored_sealed_and_signs_tokens_that_verify(apps, registry_client):
    import secrets

    from sqlalchemy import select

    from services.auth.keys import load_keyring
    from services.auth.models import SigningKeyRow
    from services.kernel.keywrap import KeyWrap, KeyWrapError

    sealed = KeyWrap(secrets.token_urlsafe(32))
    async with apps.auth.state.db.sessions.begin() as session:
        row = await rotate_keys(session, 900, ahead_seconds=0, wrap=sealed)
    async with apps.auth.state.db.sessions.begin() as session:
        stored = (await session.scalars(select(SigningKeyRow).where(SigningKeyRow.kid == row.kid))).one()
        assert stored.private_pem.startswith("aes256gcm:") and "PRIVATE KEY" not in stored.private_pem
        ring = await load_keyring(session, 900, sealed)
        assert ring.active.kid == row.kid
        for wrong in (KeyWrap(None), KeyWrap(secrets.token_urlsafe(32))):
            with pytest.raises(KeyWrapError):
                await load_keyring(session, 900, wrong)  # no signing with a key it cannot open
    apps.auth.state.keyring = ring  # as an auth configured with this KEK holds it
    await apps.registry.state.verifier.jwks.refresh(force=True)
    token = ring.active.sign(claims(jti="j-sealed"))
    assert (await me(registry_client, token)).status_code == 200

    # The in-process apps run without a KEK: leave them a key they can open.
    async with apps.auth.state.db.sessions.begin() as session:
        await rotate_keys(session, 900, ahead_seconds=0, wrap=apps.auth.state.settings.keywrap)
    await _reload_keyring(apps)
    for app in (apps.registry, apps.scoring):
        await app.state.verifier.jwks.refresh(force=True)
