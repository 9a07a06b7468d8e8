"""Acceptance, supplement, refusal, formal review and deadlines (DOMAIN §1, Arts. 8–11)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest_asyncio

from .conftest import SHA


@pytest_asyncio.fixture(loop_scope="session")
async def cast(mint):
    return {"agency": mint("agency"), "registrar": mint("registrar")}


async def test_return_for_supplement_lists_every_missing_item_and_restarts_the_acceptance_clock(flow, cast):
    """Art. 10: missing materials are listed all at once; resubmission restarts the 3-working-day clock."""
    agency, registrar = cast["agency"], cast["registrar"]
    resource = await flow.resource(agency)
    filed = await flow.file(agency, resource["id"])
    first_digest, first_due = filed["evidence"]["digest"], filed["deadlines"]["acceptance_due_on"]
    missing = [{"item": "存证记录", "reason": "未附"}, {"item": "安全风险评估报告"}, {"item": "来源合法性说明"}]
    returned = await flow.act(registrar, filed["id"], "return", {"missing_items": missing})
    assert returned["state"] == "returned"
    assert [m["item"] for m in returned["missing_items"]] == [m["item"] for m in missing]
    flow.clock.advance(14)
    resubmitted = await flow.act(agency, filed["id"], "resubmit",
                                 {"attachments": [{"name": "安全风险评估报告.pdf", "sha256": "cd" * 32}]})
    assert resubmitted["state"] == "submitted" and resubmitted["missing_items"] == []
    assert resubmitted["deadlines"]["acceptance_due_on"] > first_due
    submissions = resubmitted["evidence"]["submissions"]
    assert [s["seq"] for s in submissions] == [1, 2]
    assert submissions[0]["digest"] == first_digest != submissions[1]["digest"]
    assert resubmitted["evidence"]["digest"] == submissions[1]["digest"]


async def test_refusal_gives_reasons_and_no_later_step_is_possible(flow, cast):
    agency, registrar = cast["agency"], cast["registrar"]
    filed = await flow.file(agency, (await flow.resource(agency))["id"])
    refused = await flow.act(registrar, filed["id"], "refuse", {"reasons": ["不属于授权运营范围"]})
    assert refused["state"] == "refused" and refused["refusal_reasons"] == ["不属于授权运营范围"]
    problem = await flow.act(registrar, filed["id"], "accept", expect=409)
    assert problem["current_state"] == "refused"


async def test_illegal_transition_answers_409_problem_json_naming_the_current_state(flow, cast):
    agency, registrar = cast["agency"], cast["registrar"]
    filed = await flow.file(agency, (await flow.resource(agency))["id"])
    response = await flow.client.post(f"/registrations/{filed['id']}/close-notice", headers=registrar.headers)
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("/illegal-transition") and body["current_state"] == "submitted"
    assert "submitted" in body["detail"]
    for action in ("approve", "revoke"):
        assert (await flow.act(registrar, filed["id"], action, {"reason": "x"} if action == "revoke" else {},
                               expect=409))["current_state"] == "submitted"


async def test_a_second_registration_while_one_is_open_conflicts(flow, cast):
    agency = cast["agency"]
    resource = await flow.resource(agency)
    await flow.file(agency, resource["id"])
    response = await flow.client.post("/registrations", headers=agency.headers, json={
        "subject_type": "resource", "subject_id": resource["id"], "type": "first"})
    assert response.status_code == 409 and response.json()["current_state"] == "submitted"


async def test_acceptance_is_due_in_three_working_days_and_shown_overdue_after(flow, cast):
    """Art. 10: acceptance within 3 working days of receipt; 2025-09-28 (a Sunday) was a working day."""
    agency, registrar = cast["agency"], cast["registrar"]
    flow.clock.set(date(2025, 9, 26))  # Friday before the National Day holiday
    filed = await flow.file(agency, (await flow.resource(agency))["id"])
    # 9-28 (adjusted working Sunday), 9-29, 9-30; 10-1..10-8 are holidays.
    assert filed["deadlines"]["acceptance_due_on"] == "2025-09-30"
    assert filed["deadlines"]["provisional"] is False and filed["overdue"] == []
    flow.clock.set(date(2025, 10, 9))
    late = await flow.client.get(f"/registrations/{filed['id']}", headers=registrar.headers)
    assert late.json()["overdue"] == ["acceptance"]
    listed = await flow.client.get("/registrations", params={"overdue": "true"}, headers=registrar.headers)
    assert [r["id"] for r in listed.json()["items"]] == [filed["id"]]


async def test_late_formal_review_must_record_why(flow, cast):
    """Art. 11: formal review within 20 working days of acceptance; when late, the body records why."""
    agency, registrar = cast["agency"], cast["registrar"]
    filed = await flow.file(agency, (await flow.resource(agency))["id"])
    accepted = await flow.act(registrar, filed["id"], "accept")
    due = date.fromisoformat(accepted["deadlines"]["review_due_on"])
    assert flow.clock.today + timedelta(days=26) <= due <= flow.clock.today + timedelta(days=45)
    flow.clock.set(due + timedelta(days=1))
    problem = await flow.act(registrar, filed["id"], "approve", {}, expect=422)
    assert problem["type"].endswith("/late-reason-required")
    approved = await flow.act(registrar, filed["id"], "approve", {"late_reason": "材料核验需外部协查"})
    assert approved["state"] == "in_notice" and approved["late_review_reason"] == "材料核验需外部协查"
    assert "review" in approved["overdue"]


async def test_first_registration_filed_more_than_20_working_days_after_operation_start_is_late(flow, cast):
    """Art. 9(1): registration within 20 working days after operation starts."""
    agency = cast["agency"]
    started = flow.clock.today - timedelta(days=60)
    resource = await flow.resource(agency, operation_started_on=started.isoformat())
    filed = await flow.file(agency, resource["id"])
    assert filed["deadlines"]["filing_due_on"] < flow.clock.today.isoformat()
    assert filed["overdue"] == ["filing"]
    on_time = await flow.file(agency, (await flow.resource(agency, operation_started_on=flow.clock.today
                                                           .isoformat()))["id"])
    assert on_time["overdue"] == []


async def test_operations_existing_before_the_measures_were_due_30_working_days_after_1_march_2025(flow, cast):
    """Art. 9(1): 2025-03-01 + 30 working days (the Qingming holiday on 4 April does not count)."""
    agency = cast["agency"]
    resource = await flow.resource(agency, operation_started_on="2024-06-01")
    filed = await flow.file(agency, resource["id"])
    assert filed["deadlines"]["filing_due_on"] == "2025-04-14"
    assert filed["overdue"] == ["filing"]


async def test_withdrawal_before_acceptance_frees_the_subject_for_a_new_filing(flow, cast):
    agency, registrar = cast["agency"], cast["registrar"]
    resource = await flow.resource(agency)
    filed = await flow.file(agency, resource["id"])
    assert (await flow.act(agency, filed["id"], "withdraw"))["state"] == "withdrawn"
    again = await flow.file(agency, resource["id"])
    assert again["state"] == "submitted"
    await flow.act(registrar, again["id"], "accept")
    assert (await flow.act(agency, again["id"], "withdraw", expect=409))["current_state"] == "under_review"


async def test_every_state_change_is_an_event_and_a_ledger_entry(flow, cast, apps):
    from sqlalchemy import select

    from services.registry.ledger.models import LedgerEntry

    agency, registrar = cast["agency"], cast["registrar"]
    _, registered = await flow.registered_resource(agency, registrar)
    async with apps.registry.state.db.sessions() as session:
        actions = (await session.scalars(select(LedgerEntry.action).where(
            LedgerEntry.subject_id == registered["id"]).order_by(LedgerEntry.sequence))).all()
    assert actions == ["registration.filed", "registration.accepted", "registration.approved",
                       "registration.notice_closed"]
    assert [e["to_state"] for e in registered["events"]] == ["submitted", "under_review", "in_notice", "registered"]


async def test_materials_are_validated_and_attachments_need_a_sha256(flow, cast):
    agency = cast["agency"]
    resource = await flow.resource(agency)
    response = await flow.client.post("/registrations", headers=agency.headers, json={
        "subject_type": "resource", "subject_id": resource["id"], "type": "first",
        "attachments": [{"name": "x.pdf", "sha256": "not-a-digest"}]})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    response = await flow.client.post("/registrations", headers=agency.headers, json={
        "subject_type": "resource", "subject_id": resource["id"], "type": "change", "changes": {"scale": "1 PB"}})
    assert response.status_code == 409 and response.json()["type"].endswith("/subject-not-registered")
    assert SHA


async def test_a_draft_under_review_cannot_be_edited_but_a_returned_one_can_and_is_resubmitted(flow, cast):
    """What the registration body reviews is what gets registered."""
    agency, registrar = cast["agency"], cast["registrar"]
    resource = await flow.resource(agency)
    filed = await flow.file(agency, resource["id"])
    response = await flow.client.patch(f"/resources/{resource['id']}", json={"name": "改名"}, headers=agency.headers)
    assert response.status_code == 409 and response.json()["current_state"] == "submitted"
    await flow.act(registrar, filed["id"], "return", {"missing_items": [{"item": "数据项说明不全"}]})
    response = await flow.client.patch(f"/resources/{resource['id']}", headers=agency.headers, json={
        "name": "城市交通流量数据（补正）", "data_items": [{"name": "road_id"}, {"name": "flow"}, {"name": "ts"}]})
    assert response.status_code == 200
    resubmitted = await flow.act(agency, filed["id"], "resubmit", {})
    assert resubmitted["data_name"] == "城市交通流量数据（补正）"
    assert len(resubmitted["materials"]["subject"]["data_items"]) == 3
    registered = await flow.register(registrar, filed["id"])
    versions = (await flow.client.get(f"/resources/{resource['id']}/versions", headers=agency.headers)).json()
    assert versions[0]["snapshot"]["name"] == "城市交通流量数据（补正）" and registered["state"] == "registered"


async def test_a_retried_filing_with_the_same_idempotency_key_creates_one_registration(flow, cast):
    agency = cast["agency"]
    resource = await flow.resource(agency)
    body = {"subject_type": "resource", "subject_id": resource["id"], "type": "first"}
    headers = agency.headers | {"Idempotency-Key": "file-" + resource["id"]}
    first = await flow.client.post("/registrations", json=body, headers=headers)
    again = await flow.client.post("/registrations", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true" and again.json()["id"] == first.json()["id"]
    listed = await flow.client.get("/registrations", params={"subject_id": resource["id"]}, headers=agency.headers)
    assert len(listed.json()["items"]) == 1
