"""No secret or token is ever logged: the three real services run at DEBUG through logins, token refresh and
revocation, machine clients, failed and forged credentials, service-to-service calls and errors, and then
their logs are searched for every credential that was used. The same logs must carry request and trace ids,
with one trace id followed from scoring into the registry."""

from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest

from services.auth.demo import DEMO_PASSWORD
from services.auth.settings import AuthSettings
from tests.system import start_system

pytestmark = pytest.mark.e2e

AUDIENCES = ("pdr-registry", "pdr-scoring", "pdr-auth")
TRACE_ID = "5e1f0c2b9a8d7e6f5a4b3c2d1e0f9a8b"


def _drive_traffic(system, secrets: set[str]) -> None:
    auth, registry, scoring = system.urls["auth"], system.urls["registry"], system.urls["scoring"]
    with httpx.Client(timeout=20) as http:
        tokens = {}
        for user in ("admin", "authority", "registrar", "agency", "operator", "auditor"):
            for audience in AUDIENCES:
                issued = system.token(user, audience)
                tokens[(user, audience)] = issued
                secrets.update({issued["access_token"], issued.get("refresh_token") or issued["access_token"]})
        bearer = {key: {"Authorization": f"Bearer {t['access_token']}"} for key, t in tokens.items()}

        wrong = "Wrong-pass-2026!"
        secrets.add(wrong)
        refused = http.post(f"{auth}/oauth/token", data={"grant_type": "password", "username": "operator",
                                                         "password": wrong, "audience": "pdr-registry"})
        assert refused.status_code in (400, 401)

        for client_id, secret in system.secrets.items():
            basic = http.post(f"{auth}/oauth/token", auth=(client_id, secret),
                              data={"grant_type": "client_credentials", "audience": "pdr-registry"})
            posted = http.post(f"{auth}/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                            "client_secret": secret, "audience": "pdr-registry"})
            assert basic.status_code == posted.status_code == 200
            secrets.update({basic.json()["access_token"], posted.json()["access_token"]})
        assert http.post(f"{auth}/oauth/token", auth=("gov-portal", "not-the-secret-123"),
                         data={"grant_type": "client_credentials"}).status_code == 401
        secrets.add("not-the-secret-123")

        # An admin creates a machine client over the API; its secret is shown once and must stay out of logs.
        created = http.post(f"{auth}/clients", headers=bearer[("admin", "pdr-auth")], json={
            "client_id": "logs-test-client", "name": "logs test", "kind": "portal", "scopes": ["registry:read"]})
        assert created.status_code == 201, created.text
        new_secret = next(v for k, v in created.json().items() if "secret" in k and isinstance(v, str))
        secrets.add(new_secret)
        assert http.post(f"{auth}/oauth/token", auth=("logs-test-client", new_secret),
                         data={"grant_type": "client_credentials"}).status_code == 200

        operator = tokens[("operator", "pdr-registry")]
        refreshed = http.post(f"{auth}/oauth/token", data={"grant_type": "refresh_token",
                                                           "refresh_token": operator["refresh_token"]})
        assert refreshed.status_code == 200
        secrets.update({refreshed.json()["access_token"], refreshed.json()["refresh_token"]})
        assert http.post(f"{auth}/oauth/introspect", auth=("gov-portal", system.secrets["gov-portal"]),
                         data={"token": refreshed.json()["access_token"]}).status_code == 200
        assert http.post(f"{auth}/oauth/revoke", data={"token": refreshed.json()["refresh_token"]}).status_code == 200
        assert http.post(f"{auth}/oauth/token", data={"grant_type": "refresh_token", "refresh_token":
                         refreshed.json()["refresh_token"]}).status_code == 400

        access = operator["access_token"]
        forged = access[:-6] + ("AAAAAA" if not access.endswith("AAAAAA") else "BBBBBB")
        secrets.add(forged)
        assert http.get(f"{registry}/me", headers=bearer[("operator", "pdr-registry")]).status_code == 200
        assert http.get(f"{registry}/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
        # A token in the query string is never taken (RFC 6750 §2.3 is not offered): an unknown parameter, refused.
        assert http.get(f"{registry}/me", params={"access_token": access}).status_code == 400
        assert http.get(f"{scoring}/me", headers=bearer[("operator", "pdr-registry")]).status_code == 401
        assert http.get(f"{scoring}/me", headers=bearer[("auditor", "pdr-scoring")]).status_code == 200
        assert http.get(f"{registry}/no-such-route", headers=bearer[("agency", "pdr-registry")]).status_code == 404
        assert http.post(f"{auth}/orgs", headers=bearer[("admin", "pdr-auth")],
                         json={"name": "x", "uscc": "bad", "password": DEMO_PASSWORD}).status_code == 422

        # Registry writes (each one also appends to the ledger) and a refused one.
        agency = bearer[("agency", "pdr-registry")]
        resource = http.post(f"{registry}/resources", headers={**agency, "Idempotency-Key": "logs-clean-1"}, json={
            "name": "日志检查数据资源", "sharing_attribute": "conditional", "opening_attribute": "conditional",
            "grading": "general", "region_code": "110000", "data_items": [{"name": "id"}]})
        assert resource.status_code == 201, resource.text
        filed = http.post(f"{registry}/registrations", headers=agency, json={
            "subject_type": "resource", "subject_id": resource.json()["id"], "type": "first",
            "attachments": [{"name": "存证.pdf", "sha256": "b" * 64}]})
        assert filed.status_code == 201, filed.text
        assert http.post(f"{registry}/registrations", headers=agency, json={
            "subject_type": "resource", "subject_id": "f" * 32, "type": "first",
            "token": access, "password": DEMO_PASSWORD}).status_code == 422

        # Scoring pulls the registry inside this request, with its own machine token; the trace goes along.
        synced = http.post(f"{scoring}/sync", headers={**bearer[("admin", "pdr-scoring")],
                                                        "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"})
        assert synced.status_code == 200, synced.text


def test_no_token_secret_or_password_reaches_the_logs_of_a_full_run(tmp_path):
    debug = {f"PDR_{s}_LOG_LEVEL": "DEBUG" for s in ("AUTH", "REGISTRY", "SCORING")}
    system = start_system(tmp_path, extra_env=debug)
    secrets = {DEMO_PASSWORD, AuthSettings().client_secret_pepper, *system.secrets.values()}
    try:
        _drive_traffic(system, secrets)
    finally:
        system.stop()
        for db in system.databases.values():
            asyncio.run(db.drop())
    logs = system.logs()
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    for service in ("auth", "registry", "scoring"):  # every service logged its requests, or this proves nothing
        assert sum(1 for line in lines if line["service"] == service and line["logger"] == "pdr.http") >= 3
    leaked = sorted(s[:12] + "…" for s in secrets if s and s in logs)
    assert not leaked, f"credentials found in the logs: {leaked}"
    assert not re.search(r"eyJ[A-Za-z0-9_-]{8,}\.", logs), "a JWT reached the logs"
    # Request lines carry both ids; the trace the caller started runs through scoring into the registry.
    requests = [line for line in lines if line["logger"] == "pdr.http"]
    assert requests and all("request_id" in line and len(line["trace_id"]) == 32 for line in requests)
    followed = {line["service"] for line in requests if line["trace_id"] == TRACE_ID}
    assert {"scoring", "registry"} <= followed, followed
