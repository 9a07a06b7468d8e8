"""Crafted input at the auth service: identities and the OAuth forms refuse NUL, control and bidi characters
before any database sees them (PostgreSQL fails on a NUL in text), names are NFC, and the OAuth endpoints answer
a malformed form as RFC 6749 §5.2 says (400 invalid_request), not with a server error."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.auth.models import Account, Client, Organization
from services.kernel.identifiers import with_uscc_check

REFUSED = {"NUL": "\x00", "ESC": "\x1b", "BEL": "\x07", "CR LF": "\r\n", "RLO": "\u202e", "LRE": "\u202a"}


async def _counts(apps) -> tuple[int, int, int]:
    async with apps.auth.state.db.read_sessions() as session:
        return tuple([await session.scalar(select(func.count()).select_from(model))
                      for model in (Organization, Account, Client)])


@pytest.mark.parametrize("char", REFUSED.values(), ids=REFUSED.keys())
async def test_identities_refuse_control_and_bidi_characters_and_write_nothing(apps, people, auth_client, char):
    admin = (await people.person("admin")).headers_for("pdr-auth")
    before = await _counts(apps)
    org = await auth_client.post("/orgs", headers=admin, json={
        "name": f"北京{char}机构", "uscc": with_uscc_check("12110000MB0999999"), "region_code": "110000",
        "kind": "agency"})
    account = await auth_client.post("/accounts", headers=admin, json={
        "username": "newuser", "password": "Long-enough-pass", "org_id": "x", "roles": ["agency"],
        "display_name": f"张{char}三"})
    client = await auth_client.post("/clients", headers=admin, json={
        "client_id": "portal-x", "name": f"门{char}户", "scopes": ["registry:read"]})
    for answer, field in ((org, "body.name"), (account, "body.display_name"), (client, "body.name")):
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert field in {error["field"] for error in answer.json()["errors"]}
    assert await _counts(apps) == before


async def test_an_organization_name_is_stored_nfc(people, auth_client):
    admin = (await people.person("admin")).headers_for("pdr-auth")
    answer = await auth_client.post("/orgs", headers=admin, json={
        "name": "  Cafe\u0301 数据  ", "uscc": with_uscc_check("12110000MB0999998"), "region_code": "110000",
        "kind": "agency"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["name"] == "Caf\u00e9 数据"


@pytest.mark.parametrize("field", ["username", "password", "audience", "scope", "client_id"])
@pytest.mark.parametrize("char", ["\x00", "\u202e", "\n"], ids=["NUL", "RLO", "LF"])
async def test_the_token_endpoint_answers_a_crafted_form_with_invalid_request(auth_client, field, char):
    form = {"grant_type": "password", "username": "someone", "password": "a-long-password",
            "audience": "pdr-registry"}
    form[field] = f"x{char}y"
    answer = await auth_client.post("/oauth/token", data=form)
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["error"] == "invalid_request" and field in body["error_description"]


async def test_revocation_and_introspection_refuse_a_nul_token_cleanly(auth_client):
    for path in ("/oauth/revoke", "/oauth/introspect"):
        answer = await auth_client.post(path, data={"token": "abc\x00def", "client_id": "gov-portal",
                                                    "client_secret": "whatever"})
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == "invalid_request"
