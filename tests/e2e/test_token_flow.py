"""End to end over real HTTP: token issue → call registry → refresh → revoke, and interoperability with
independent JWT and OAuth2 libraries given only the discovery document."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import jwt as pyjwt
import pytest
from authlib.integrations.httpx_client import OAuth2Client

pytestmark = pytest.mark.e2e


def test_people_token_lifecycle_across_the_real_services(system):
    auth, registry, scoring = system.urls["auth"], system.urls["registry"], system.urls["scoring"]
    tokens = system.token("operator")
    me = httpx.get(f"{registry}/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200 and me.json()["roles"] == ["operator"]
    # The registry token is not a scoring token.
    assert httpx.get(f"{scoring}/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 401

    refreshed = httpx.post(f"{auth}/oauth/token", data={"grant_type": "refresh_token",
                                                        "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert httpx.get(f"{registry}/me", headers={"Authorization": f"Bearer {new['access_token']}"}).status_code == 200

    assert httpx.post(f"{auth}/oauth/revoke", data={"token": new["refresh_token"]}).status_code == 200
    dead = httpx.post(f"{auth}/oauth/token", data={"grant_type": "refresh_token", "refresh_token": new["refresh_token"]})
    assert dead.status_code == 400 and dead.json()["error"] == "invalid_grant"


def test_pyjwt_verifies_our_token_from_the_discovery_document_alone(system):
    discovery = httpx.get(f"{system.urls['auth']}/.well-known/openid-configuration").json()
    token = system.token("auditor")["access_token"]
    signing_key = pyjwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(token)
    claims = pyjwt.decode(token, signing_key.key, algorithms=discovery["id_token_signing_alg_values_supported"],
                          audience="pdr-registry", issuer=discovery["issuer"])
    assert claims["roles"] == ["auditor"]
    with pytest.raises(pyjwt.InvalidAudienceError):
        pyjwt.decode(token, signing_key.key, algorithms=["ES256"], audience="pdr-scoring", issuer=discovery["issuer"])


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_a_standard_oauth2_client_runs_client_credentials(system, method):
    discovery = httpx.get(f"{system.urls['auth']}/.well-known/openid-configuration").json()
    assert method in discovery["token_endpoint_auth_methods_supported"]
    with OAuth2Client("gov-portal", system.secrets["gov-portal"], token_endpoint_auth_method=method) as client:
        token = client.fetch_token(discovery["token_endpoint"], grant_type="client_credentials",
                                   audience="pdr-registry")
        assert token["token_type"] == "Bearer"
    me = httpx.get(f"{system.urls['registry']}/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200 and me.json()["client"] is True and "registry:read" in me.json()["scopes"]


def test_a_standard_oauth2_client_sees_errors_it_understands(system):
    discovery = httpx.get(f"{system.urls['auth']}/.well-known/openid-configuration").json()
    from authlib.integrations.base_client.errors import OAuthError

    with OAuth2Client("gov-portal", "wrong-secret") as client, pytest.raises(OAuthError) as info:
        client.fetch_token(discovery["token_endpoint"], grant_type="client_credentials")
    assert info.value.error == "invalid_client"


def test_every_service_is_live_ready_and_serves_openapi(system):
    for name, url in system.urls.items():
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}, name
        assert httpx.get(f"{url}/readyz").json() == {"status": "ready"}, name
        assert httpx.get(f"{url}/openapi.json").json()["info"]["title"] == f"PDR {name}"


def _refused_within(url: str, token: str, seconds: float) -> float:
    """Seconds until ``url`` refuses ``token`` with 401 (polled every 50 ms); fails after ``seconds``."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 401:
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"{url} still accepts the token after {seconds} s")


def test_a_revoked_access_token_is_refused_at_registry_and_scoring_within_seconds(system):
    """Issue 18: revocation used to wait for the token's expiry. Services poll auth every 2 s."""
    auth, registry, scoring = system.urls["auth"], system.urls["registry"], system.urls["scoring"]
    for url, audience in ((registry, "pdr-registry"), (scoring, "pdr-scoring")):
        token = system.token("auditor", audience)["access_token"]
        assert httpx.get(f"{url}/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200  # cached
        start = time.monotonic()
        assert httpx.post(f"{auth}/oauth/revoke", data={"token": token}).status_code == 200
        _refused_within(f"{url}/me", token, 10)
        elapsed = time.monotonic() - start
        refusal = httpx.get(f"{url}/me", headers={"Authorization": f"Bearer {token}"})
        assert refusal.json()["type"].endswith("/token-revoked")
        print(f"revoke → refusal at {audience}: {elapsed:.2f} s")
        assert elapsed < 5


def test_logout_refuses_the_sessions_access_tokens_within_seconds(system):
    auth, registry = system.urls["auth"], system.urls["registry"]
    tokens = system.token("operator")
    assert httpx.get(f"{registry}/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 200
    start = time.monotonic()
    assert httpx.post(f"{auth}/oauth/revoke", data={"token": tokens["refresh_token"]}).status_code == 200
    _refused_within(f"{registry}/me", tokens["access_token"], 10)
    print(f"logout → refusal at pdr-registry: {time.monotonic() - start:.2f} s")
    assert time.monotonic() - start < 5


def test_rotate_keys_now_withdraws_the_old_key_at_every_service_within_seconds(system):
    """Issue 18: `pdr auth rotate-keys --now` kept the compromised key published about 16 minutes."""
    auth, registry, scoring = system.urls["auth"], system.urls["registry"], system.urls["scoring"]
    old = {aud: system.token("auditor", aud)["access_token"] for aud in ("pdr-registry", "pdr-scoring")}
    for url, aud in ((registry, "pdr-registry"), (scoring, "pdr-scoring")):
        assert httpx.get(f"{url}/me", headers={"Authorization": f"Bearer {old[aud]}"}).status_code == 200
    start = time.monotonic()
    rotated = subprocess.run([sys.executable, "-m", "services.cli", "auth", "rotate-keys", "--now", "--json"],
                             env=system.env, capture_output=True, text=True, timeout=60, check=True)
    record = json.loads(rotated.stdout)
    assert record["withdrawn"] and record["kid"] not in record["withdrawn"] and record["sealed"]
    cli_done = time.monotonic() - start
    for url, aud in ((registry, "pdr-registry"), (scoring, "pdr-scoring")):
        _refused_within(f"{url}/me", old[aud], 10)
        print(f"rotate-keys --now → old token refused at {aud}: {time.monotonic() - start:.2f} s "
              f"(the CLI itself {cli_done:.2f} s)")
    assert time.monotonic() - start < cli_done + 5
    assert [k["kid"] for k in httpx.get(f"{auth}/.well-known/jwks.json").json()["keys"]] == [record["kid"]]
    # New sign-ins are signed by the new key and accepted everywhere, so later tests find a working system.
    for url, aud in ((registry, "pdr-registry"), (scoring, "pdr-scoring")):
        fresh = system.token("auditor", aud)["access_token"]
        assert httpx.get(f"{url}/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
