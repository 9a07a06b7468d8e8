"""Public notice and objections (DOMAIN §1, Art. 12): 10 working days, real-name objections with evidence,
upheld → terminated, dismissed → continues, and a notice that ends without an upheld objection gets its code."""

from __future__ import annotations

from datetime import date, timedelta

import pytest_asyncio

from services.kernel.timeutil import china_today

from .conftest import SHA

OBJECTION = {"objector_name": "张三", "objector_id_number": "110101199003074518", "contact": "13800000000",
             "grounds": "该数据含有本单位商业秘密", "evidence": [{"name": "合同.pdf", "sha256": SHA}]}


@pytest_asyncio.fixture(loop_scope="session")
async def noticed(flow, mint):
    agency, registrar = mint("agency"), mint("registrar")
    resource = await flow.resource(agency)
    filed = await flow.file(agency, resource["id"])
    return agency, registrar, resource, await flow.to_notice(registrar, filed["id"])


async def _object(flow, registration_id: str, headers=None, **over) -> dict:
    response = await flow.client.post(f"/public/notices/{registration_id}/objections", json=OBJECTION | over,
                                      headers=headers or {})
    assert response.status_code == 201, response.text
    return response.json()


async def test_public_notice_lasts_ten_working_days(flow, noticed):
    _, _, _, registration = noticed
    starts = date.fromisoformat(registration["deadlines"]["notice_starts_on"])
    ends = date.fromisoformat(registration["deadlines"]["notice_ends_on"])
    assert starts == flow.clock.today
    assert timedelta(days=13) <= ends - starts <= timedelta(days=30)


async def test_notice_cannot_close_before_it_ends(flow, noticed):
    _, registrar, _, registration = noticed
    problem = await flow.act(registrar, registration["id"], "close-notice", expect=409)
    assert problem["type"].endswith("/notice-running") and problem["current_state"] == "in_notice"


async def test_objection_upheld_terminates_registration(flow, noticed):
    agency, registrar, resource, registration = noticed
    objection = await _object(flow, registration["id"])  # anonymous, real name
    assert objection["status"] == "pending" and len(objection["evidence_digest"]) == 64
    assert objection["objector_id_number"] is None  # not echoed on the public route
    upheld = await flow.client.post(f"/objections/{objection['id']}/uphold", headers=registrar.headers,
                                    json={"reason": "异议成立：涉及商业秘密"})
    assert upheld.status_code == 200 and upheld.json()["status"] == "upheld"
    after = await flow.client.get(f"/registrations/{registration['id']}", headers=agency.headers)
    assert after.json()["state"] == "terminated" and after.json()["query_code"] is None
    subject = await flow.client.get(f"/resources/{resource['id']}", headers=agency.headers)
    assert subject.json()["status"] == "draft"
    again = await flow.client.post(f"/objections/{objection['id']}/dismiss", headers=registrar.headers,
                                   json={"reason": "x"})
    assert again.status_code == 409 and again.json()["current_state"] == "upheld"


async def test_objection_dismissed_lets_the_registration_continue_to_its_code(flow, noticed, mint):
    _, registrar, _, registration = noticed
    objector = mint("operator")
    objection = await _object(flow, registration["id"], headers=objector.headers)
    flow.clock.set(date.fromisoformat(registration["deadlines"]["notice_ends_on"]) + timedelta(days=1))
    pending = await flow.act(registrar, registration["id"], "close-notice", expect=409)
    assert pending["type"].endswith("/objection-pending")
    dismissed = await flow.client.post(f"/objections/{objection['id']}/dismiss", headers=registrar.headers,
                                       json={"reason": "证据不足"})
    assert dismissed.json()["status"] == "dismissed"
    coded = await flow.act(registrar, registration["id"], "close-notice")
    assert coded["state"] == "registered" and coded["query_code"]
    listed = await flow.client.get(f"/registrations/{registration['id']}/objections", headers=registrar.headers)
    assert listed.json()[0]["objector_id_number"] == OBJECTION["objector_id_number"]


async def test_objections_need_a_real_name_and_evidence(flow, noticed):
    _, _, _, registration = noticed
    for missing in ("objector_name", "objector_id_number", "evidence"):
        body = {k: v for k, v in OBJECTION.items() if k != missing}
        response = await flow.client.post(f"/public/notices/{registration['id']}/objections", json=body)
        assert response.status_code == 422, missing
    response = await flow.client.post(f"/public/notices/{registration['id']}/objections",
                                      json=OBJECTION | {"evidence": []})
    assert response.status_code == 422


async def test_objection_outside_the_notice_period_is_refused(flow, noticed):
    _, registrar, _, registration = noticed
    flow.clock.set(date.fromisoformat(registration["deadlines"]["notice_ends_on"]) + timedelta(days=1))
    response = await flow.client.post(f"/public/notices/{registration['id']}/objections", json=OBJECTION)
    assert response.status_code == 409 and response.json()["type"].endswith("/notice-ended")
    await flow.act(registrar, registration["id"], "close-notice")
    response = await flow.client.post(f"/public/notices/{registration['id']}/objections", json=OBJECTION)
    assert response.status_code == 409 and response.json()["current_state"] == "registered"


async def test_sweep_closes_ended_notices_without_pending_objections(flow, noticed, mint):
    agency, registrar, _, registration = noticed
    other = await flow.file(agency, (await flow.resource(agency))["id"])
    other = await flow.to_notice(registrar, other["id"])
    await _object(flow, other["id"])
    flow.clock.set(date.fromisoformat(registration["deadlines"]["notice_ends_on"]) + timedelta(days=1))
    response = await flow.client.post("/registrations/sweep", headers=registrar.headers)
    assert response.status_code == 200
    assert response.json() == {"closed": [registration["id"]], "expired": []}
    assert (await flow.client.post("/registrations/sweep", headers=mint("agency").headers)).status_code == 403


async def test_the_demo_date_header_is_ignored_outside_demo_mode(flow, noticed, apps):
    """Only a registry started by ``pdr up --demo`` lets the seeding name the date."""
    _, registrar, _, registration = noticed
    assert apps.registry.state.settings.demo is False
    flow.clock.today = None  # the real clock, as in production
    from services.registry.registration.deps import registration_today

    apps.registry.dependency_overrides.pop(registration_today, None)
    late = (date.fromisoformat(registration["deadlines"]["notice_ends_on"]) + timedelta(days=1)).isoformat()
    response = await flow.client.post(f"/registrations/{registration['id']}/close-notice",
                                      headers=registrar.headers | {"X-PDR-Demo-Date": late})
    assert response.status_code == 409 and response.json()["type"].endswith("/notice-running")


async def test_a_demo_registry_takes_a_past_demo_date_but_refuses_a_day_to_come(flow, noticed, apps):
    """``pdr up --demo`` walks registrations on past dates; a day to come would date the code, the validity
    and the subject's updated_at after today, and the public catalogue would show it."""
    _, registrar, _, registration = noticed
    from services.registry.registration.deps import registration_today

    apps.registry.dependency_overrides.pop(registration_today, None)
    settings = apps.registry.state.settings
    settings.demo = True
    try:
        today = china_today()
        for day in (today + timedelta(days=1), date.fromisoformat(registration["deadlines"]["notice_ends_on"])
                    + timedelta(days=1)):
            refused = await flow.client.post(f"/registrations/{registration['id']}/close-notice",
                                             headers=registrar.headers | {"X-PDR-Demo-Date": day.isoformat()})
            assert refused.status_code == 400, refused.text
            assert refused.json()["type"].endswith("/demo-date-in-future")
            assert refused.json()["today"] == today.isoformat()
        taken = await flow.client.post(f"/registrations/{registration['id']}/close-notice",
                                       headers=registrar.headers | {"X-PDR-Demo-Date": today.isoformat()})
        assert taken.status_code == 409 and taken.json()["type"].endswith("/notice-running")
    finally:
        settings.demo = False


async def test_public_notices_are_searchable_and_readable_one_by_one_without_login(flow, noticed):
    """Art. 12: anyone finds a running notice by its data name and reads it, and sees only the public fields."""
    _, _, resource, registration = noticed
    word = resource["name"][:2]
    found = await flow.client.get("/public/notices", params={"q": word})
    assert found.status_code == 200
    assert registration["id"] in [n["id"] for n in found.json()["items"]]
    missing = await flow.client.get("/public/notices", params={"q": "不存在的名称%_"})
    assert missing.json()["items"] == []
    one = await flow.client.get(f"/public/notices/{registration['id']}")
    assert one.status_code == 200
    assert set(one.json()) == {"id", "registrant_names", "type", "data_name", "short_description",
                               "notice_starts_on", "notice_ends_on"}
    assert (await flow.client.get("/public/notices/0123abcd")).status_code == 404
