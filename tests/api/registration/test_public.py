"""Public routes without login (Art. 12): notices show only four facts; lookup and certificates by code."""

from __future__ import annotations

import json

import jwt
import pytest_asyncio

from services.registry.registration.codes import check_character


@pytest_asyncio.fixture(loop_scope="session")
async def cast(mint):
    return mint("agency", org_name="北京市交通委员会"), mint("registrar")


async def test_public_notice_shows_only_registrant_type_data_name_and_short_description(flow, cast):
    agency, registrar = cast
    resource = await flow.resource(agency, description="长" * 600)
    filed = await flow.file(agency, resource["id"], reason="内部理由不公开")
    await flow.to_notice(registrar, filed["id"])
    response = await flow.client.get("/public/notices")
    assert response.status_code == 200
    [notice] = response.json()["items"]
    assert set(notice) == {"id", "registrant_names", "type", "data_name", "short_description",
                           "notice_starts_on", "notice_ends_on"}
    assert notice["registrant_names"] == ["北京市交通委员会"] and notice["type"] == "first"
    assert notice["data_name"] == "城市交通流量数据" and len(notice["short_description"]) <= 200
    text = json.dumps(response.json(), ensure_ascii=False)
    for secret in ("内部理由不公开", "卡口采集", "道路交通安全法", agency.org_id, "1.2 TB"):
        assert secret not in text


async def test_notices_leave_the_list_when_the_notice_ends(flow, cast):
    agency, registrar = cast
    await flow.registered_resource(agency, registrar)
    assert (await flow.client.get("/public/notices")).json()["items"] == []


async def test_lookup_by_query_code_without_login(flow, cast):
    agency, registrar = cast
    _, registered = await flow.registered_resource(agency, registrar)
    code = registered["query_code"]
    for form in (code, code.lower()):
        response = await flow.client.get(f"/public/codes/{form}")
        assert response.status_code == 200
        assert response.json() | {} == {
            "query_code": code, "subject_type": "resource", "data_name": "城市交通流量数据",
            "registrant_names": ["北京市交通委员会"], "registration_type": "first", "state": "registered",
            "in_force": True, "valid_from": registered["valid_from"], "valid_until": registered["valid_until"]}
    wrong_check = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert (await flow.client.get(f"/public/codes/{wrong_check}")).status_code == 404
    unissued = code[:-2] + "9"
    unissued += check_character(unissued)
    assert (await flow.client.get(f"/public/codes/{unissued}")).status_code == 404


async def test_certificate_is_a_compact_jws_a_portal_verifies_offline_with_the_registry_jwks(flow, cast):
    agency, registrar = cast
    resource, registered = await flow.registered_resource(agency, registrar)
    jwks = (await flow.client.get("/.well-known/jwks.json")).json()
    for url, headers in ((f"/public/codes/{registered['query_code']}/certificate", {}),
                         (f"/registrations/{registered['id']}/certificate", agency.headers)):
        response = await flow.client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        token = response.json()["certificate"]
        assert token.count(".") == 2
        header = jwt.get_unverified_header(token)
        [key] = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
        claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["ES256"], issuer="pdr-registry")
        assert claims["code"] == registered["query_code"]
        assert claims["subject"] == {"type": "resource", "id": resource["id"], "name": "城市交通流量数据",
                                     "version": 1}
        assert claims["registrants"] == [{"org_id": agency.org_id, "name": "北京市交通委员会"}]
        assert claims["registration_type"] == "first"
        assert (claims["valid_from"], claims["valid_until"]) == (registered["valid_from"],
                                                                 registered["valid_until"])
    head, _body, signature = token.split(".")
    forged = jwt.utils.base64url_encode(json.dumps(claims | {"valid_until": "2099-12-31"}).encode()).decode()
    try:
        jwt.decode(f"{head}.{forged}.{signature}", jwt.PyJWK(key).key, algorithms=["ES256"])
        raise AssertionError("a forged certificate verified")
    except jwt.InvalidSignatureError:
        pass


async def test_a_registration_not_in_force_has_no_certificate(flow, cast):
    agency, _ = cast
    filed = await flow.file(agency, (await flow.resource(agency))["id"])
    response = await flow.client.get(f"/registrations/{filed['id']}/certificate", headers=agency.headers)
    assert response.status_code == 409 and response.json()["current_state"] == "submitted"
