"""OAuth2 token endpoint (RFC 6749), refresh rotation (RFC 9700 §4.14), revocation (RFC 7009), introspection
(RFC 7662), throttling, discovery and JWKS."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from services.auth.identities import ClientIn, create_client
from services.auth.throttle import Backoff
from services.kernel.jose_keys import public_key_from_jwk, unverified_header, verify_jwt

PASSWORD = "Demo-pass-2026!"


async def make_client(apps, client_id="portal-a", scopes=("registry:read",), org_id=None, secret="s3cret-portal-value-123"):
    async with apps.auth.state.db.sessions.begin() as session:
        await create_client(session, ClientIn(client_id=client_id, name=client_id, scopes=list(scopes), org_id=org_id),
                            apps.auth.state.tokens.client_secrets, secret)
    return client_id, secret


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


async def password_grant(auth_client, username, password=PASSWORD, **extra):
    return await auth_client.post("/oauth/token", data={"grant_type": "password", "username": username,
                                                        "password": password, **extra})


async def test_password_grant_issues_es256_token_with_all_claims(people, auth_client):
    person = await people.person("registrar")
    response = await password_grant(auth_client, person.username, audience="pdr-registry")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900 and body["refresh_token"]
    header = unverified_header(body["access_token"])
    assert header["alg"] == "ES256" and header["kid"]
    jwks = (await auth_client.get("/.well-known/jwks.json")).json()
    key = public_key_from_jwk(next(k for k in jwks["keys"] if k["kid"] == header["kid"]))
    claims = verify_jwt(body["access_token"], key, audience="pdr-registry", issuer="http://auth.test")
    assert {"iss", "aud", "sub", "org", "roles", "scope", "region", "jti", "iat", "exp"} <= set(claims)
    assert claims["roles"] == ["registrar"] and claims["org"] == person.org_id and claims["region"] == "110000"
    assert claims["exp"] - claims["iat"] == 900


async def test_wrong_password_and_unknown_user_answer_identically(people, auth_client):
    person = await people.person("agency")
    wrong = await password_grant(auth_client, person.username, "not-the-password")
    unknown = await password_grant(auth_client, "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.headers["content-type"] == "application/problem+json"
    for body in (wrong.json(), unknown.json()):
        body.pop("instance", None)
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"] == "invalid_grant"


@pytest.fixture
def login_clock(monkeypatch):
    """The sign-in throttle's clock, moved by hand."""
    now = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    monkeypatch.setattr("services.auth.throttle.utcnow", lambda: now[0])

    class Clock:
        def advance(self, seconds: float) -> None:
            now[0] += timedelta(seconds=seconds)

    return Clock()


async def test_failures_past_the_free_ones_make_the_pair_wait_1_2_4_seconds(people, auth_client, login_clock):
    person = await people.person("operator")
    for _ in range(3):  # login_free_failures
        wrong = await password_grant(auth_client, person.username, "wrong-password")
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    for wait in (1, 2, 4):
        assert (await password_grant(auth_client, person.username, "wrong-password")).status_code == 400
        waiting = await password_grant(auth_client, person.username)  # even the right password waits its turn
        assert waiting.status_code == 429 and waiting.headers["retry-after"] == str(wait)
        assert waiting.headers["content-type"] == "application/problem+json"
        assert waiting.json()["type"].endswith("/login-throttled") and waiting.json()["retry_after"] == wait
        login_clock.advance(wait)
    assert (await password_grant(auth_client, person.username)).status_code == 200


async def test_a_success_ends_the_run_of_failures(people, auth_client, login_clock):
    person = await people.person("agency")
    for _ in range(4):
        await password_grant(auth_client, person.username, "wrong-password")
    login_clock.advance(1)
    assert (await password_grant(auth_client, person.username)).status_code == 200
    for _ in range(3):  # the free failures again, not the next doubling
        assert (await password_grant(auth_client, person.username, "wrong-password")).status_code == 400
    assert (await password_grant(auth_client, person.username)).status_code == 200


async def test_a_run_of_failures_is_forgotten_a_window_after_the_last(people, auth_client, login_clock):
    person = await people.person("agency")
    for _ in range(6):
        await password_grant(auth_client, person.username, "wrong-password")
        login_clock.advance(60)
    login_clock.advance(3600)  # login_window_seconds
    for _ in range(3):
        assert (await password_grant(auth_client, person.username, "wrong-password")).status_code == 400


async def test_unknown_user_is_throttled_like_a_known_one(auth_client, login_clock):
    for _ in range(4):
        assert (await password_grant(auth_client, "ghost-user", "wrong-password")).status_code == 400
    assert (await password_grant(auth_client, "ghost-user", "wrong-password")).status_code == 429


def test_the_backoff_doubles_up_to_its_cap():
    backoff = Backoff(free=3, base=1.0, cap=300.0)
    assert [backoff.wait(n) for n in range(1, 14)] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert backoff.wait(10_000) == 300


async def test_client_credentials_with_basic_and_post_authentication(apps, auth_client):
    client_id, secret = await make_client(apps)
    by_basic = await auth_client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                      headers=basic(client_id, secret))
    by_post = await auth_client.post("/oauth/token", data={"grant_type": "client_credentials",
                                                          "client_id": client_id, "client_secret": secret})
    assert by_basic.status_code == by_post.status_code == 200
    assert by_basic.json()["scope"] == "registry:read"
    assert "refresh_token" not in by_basic.json()


async def test_client_credentials_refuses_bad_secret_and_unknown_scope(apps, auth_client):
    client_id, secret = await make_client(apps)
    bad = await auth_client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                 headers=basic(client_id, "wrong"))
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    assert bad.headers["www-authenticate"].startswith("Basic")
    wide = await auth_client.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "scoring:write"},
                                  headers=basic(client_id, secret))
    assert wide.status_code == 400 and wide.json()["error"] == "invalid_scope"


@pytest.mark.parametrize(("data", "error"), [
    ({}, "invalid_request"),
    ({"grant_type": "authorization_code"}, "unsupported_grant_type"),
    ({"grant_type": "password"}, "invalid_request"),
    ({"grant_type": "refresh_token"}, "invalid_request"),
    ({"grant_type": "refresh_token", "refresh_token": "garbage"}, "invalid_grant"),
    ({"grant_type": "client_credentials"}, "invalid_client"),
])
async def test_malformed_token_requests_get_oauth_errors_as_problems(auth_client, data, error):
    response = await auth_client.post("/oauth/token", data=data)
    assert response.status_code in (400, 401)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["error"] == error


async def test_unknown_audience_is_refused(people, auth_client):
    person = await people.person("agency")
    response = await password_grant(auth_client, person.username, audience="somewhere-else")
    assert response.status_code == 400 and response.json()["error"] == "invalid_target"


async def test_refresh_rotates_and_reuse_revokes_the_whole_family(people, auth_client):
    person = await people.person("operator")
    first = (await password_grant(auth_client, person.username)).json()
    second = await auth_client.post("/oauth/token", data={"grant_type": "refresh_token",
                                                         "refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    rotated = second.json()["refresh_token"]
    assert rotated != first["refresh_token"]
    replay = await auth_client.post("/oauth/token", data={"grant_type": "refresh_token",
                                                         "refresh_token": first["refresh_token"]})
    assert replay.status_code == 400 and "reuse" in replay.json()["error_description"]
    # The thief's replay has also killed the legitimate holder's newer token.
    after = await auth_client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": rotated})
    assert after.status_code == 400


async def test_refresh_cannot_widen_scope(people, auth_client):
    person = await people.person("operator")
    first = (await password_grant(auth_client, person.username, scope="registry")).json()
    wider = await auth_client.post("/oauth/token", data={"grant_type": "refresh_token", "scope": "registry scoring",
                                                        "refresh_token": first["refresh_token"]})
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"


async def test_revoked_refresh_token_no_longer_refreshes(people, auth_client):
    person = await people.person("agency")
    tokens = (await password_grant(auth_client, person.username)).json()
    assert (await auth_client.post("/oauth/revoke", data={"token": tokens["refresh_token"]})).status_code == 200
    again = await auth_client.post("/oauth/token", data={"grant_type": "refresh_token",
                                                        "refresh_token": tokens["refresh_token"]})
    assert again.status_code == 400


async def test_revoking_an_unknown_token_is_not_an_error(auth_client):
    assert (await auth_client.post("/oauth/revoke", data={"token": "never-issued"})).status_code == 200


async def test_introspection_reports_active_then_inactive_after_revocation(apps, people, auth_client):
    client_id, secret = await make_client(apps)
    person = await people.person("auditor")
    tokens = (await password_grant(auth_client, person.username)).json()
    active = await auth_client.post("/oauth/introspect", data={"token": tokens["access_token"]},
                                    headers=basic(client_id, secret))
    assert active.status_code == 200 and active.json()["active"] is True
    assert active.json()["sub"] and active.json()["roles"] == ["auditor"]
    refresh = await auth_client.post("/oauth/introspect", data={"token": tokens["refresh_token"]},
                                     headers=basic(client_id, secret))
    assert refresh.json()["active"] is True and refresh.json()["token_type"] == "refresh_token"
    await auth_client.post("/oauth/revoke", data={"token": tokens["access_token"]})
    revoked = await auth_client.post("/oauth/introspect", data={"token": tokens["access_token"]},
                                     headers=basic(client_id, secret))
    assert revoked.json() == {"active": False}


async def test_introspection_requires_client_authentication(auth_client):
    response = await auth_client.post("/oauth/introspect", data={"token": "x"})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


async def test_discovery_document_names_every_endpoint(auth_client):
    doc = (await auth_client.get("/.well-known/openid-configuration")).json()
    assert doc["issuer"] == "http://auth.test"
    assert doc["jwks_uri"] == "http://auth.test/.well-known/jwks.json"
    for key in ("token_endpoint", "revocation_endpoint", "introspection_endpoint"):
        assert doc[key].startswith("http://auth.test/oauth/")
    assert set(doc["grant_types_supported"]) == {"password", "client_credentials", "refresh_token"}
    assert "ES256" in doc["id_token_signing_alg_values_supported"]
