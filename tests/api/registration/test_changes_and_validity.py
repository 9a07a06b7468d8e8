"""Change, correction, renewal, cancellation, revocation and expiry (DOMAIN §1, Arts. 9, 15, 20)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest_asyncio
from sqlalchemy import update

from services.registry.registration.models import Product
from services.registry.registration.validity import add_years


@pytest_asyncio.fixture(loop_scope="session")
async def registered(flow, mint):
    agency, registrar = mint("agency"), mint("registrar")
    resource, registration = await flow.registered_resource(agency, registrar)
    return agency, registrar, resource, registration


async def test_a_registered_resource_changes_only_through_a_change_registration(flow, registered):
    agency, _, resource, _ = registered
    response = await flow.client.patch(f"/resources/{resource['id']}", json={"scale": "9 TB"},
                                       headers=agency.headers)
    assert response.status_code == 409 and response.json()["current_state"] == "registered"
    again = await flow.client.post("/registrations", headers=agency.headers, json={
        "subject_type": "resource", "subject_id": resource["id"], "type": "first"})
    assert again.status_code == 409 and again.json()["type"].endswith("/not-first-registration")


async def test_change_registration_keeps_the_previous_version_and_diffs_any_two(flow, registered):
    agency, registrar, resource, first = registered
    change = await flow.file(agency, resource["id"], type="change", reason="数据项新增",
                             changes={"scale": "3 TB", "data_items": [{"name": "road_id"}, {"name": "speed"}]})
    assert change["previous_id"] == first["id"] and change["query_code"] == first["query_code"]
    done = await flow.register(registrar, change["id"])
    assert done["state"] == "registered" and done["subject_version"] == 2
    assert (done["valid_from"], done["valid_until"]) == (first["valid_from"], first["valid_until"])
    old = await flow.client.get(f"/registrations/{first['id']}", headers=agency.headers)
    assert old.json()["state"] == "superseded"
    current = (await flow.client.get(f"/resources/{resource['id']}", headers=agency.headers)).json()
    assert current["scale"] == "3 TB" and current["version"] == 2
    versions = (await flow.client.get(f"/resources/{resource['id']}/versions", headers=agency.headers)).json()
    assert [v["version"] for v in versions] == [1, 2] and versions[0]["snapshot"]["scale"] == "1.2 TB"
    diff = await flow.client.get(f"/resources/{resource['id']}/diff", params={"from": 1, "to": 2},
                                 headers=agency.headers)
    assert [c["field"] for c in diff.json()["changes"]] == ["data_items", "scale"]
    assert diff.json()["changes"][1] == {"field": "scale", "from": "1.2 TB", "to": "3 TB"}
    missing = await flow.client.get(f"/resources/{resource['id']}/diff", params={"from": 1, "to": 7},
                                    headers=agency.headers)
    assert missing.status_code == 404


async def test_correction_is_completed_after_review_without_public_notice(flow, registered):
    agency, registrar, resource, first = registered
    correction = await flow.file(agency, resource["id"], type="correction", changes={"domain": "交通运输"})
    await flow.act(registrar, correction["id"], "accept")
    done = await flow.act(registrar, correction["id"], "approve")
    assert done["state"] == "registered" and done["deadlines"]["notice_ends_on"] is None
    assert done["query_code"] == first["query_code"] and done["subject_version"] == 2


async def test_change_without_changed_fields_is_refused(flow, registered):
    agency, _, resource, _ = registered
    for changes in ({}, {"grading": "secret"}, {"name": None}):
        response = await flow.client.post("/registrations", headers=agency.headers, json={
            "subject_type": "resource", "subject_id": resource["id"], "type": "change", "changes": changes})
        assert response.status_code == 422, changes


async def test_renewal_only_within_60_calendar_days_before_expiry(flow, registered):
    """Art. 15: apply within 60 calendar days before expiry; ≤ 3 years from the day after expiry."""
    agency, registrar, resource, first = registered
    expires = date.fromisoformat(first["valid_until"])
    body = {"subject_type": "resource", "subject_id": resource["id"], "type": "renewal"}
    flow.clock.set(expires - timedelta(days=61))
    early = await flow.client.post("/registrations", headers=agency.headers, json=body)
    assert early.status_code == 422 and early.json()["type"].endswith("/outside-renewal-window")
    flow.clock.set(expires - timedelta(days=60))
    renewal = await flow.file(agency, resource["id"], type="renewal")
    await flow.act(registrar, renewal["id"], "accept")
    renewed = await flow.act(registrar, renewal["id"], "approve")
    assert renewed["state"] == "registered" and renewed["query_code"] == first["query_code"]
    assert renewed["valid_from"] == (expires + timedelta(days=1)).isoformat()
    assert renewed["valid_until"] == (add_years(expires + timedelta(days=1), 3) - timedelta(days=1)).isoformat()


async def test_cancellation_is_processed_within_ten_working_days_and_cancels_the_subject(flow, registered):
    """Art. 9(4)."""
    agency, registrar, resource, first = registered
    cancellation = await flow.file(agency, resource["id"], type="cancellation", reason="数据灭失")
    accepted = await flow.act(registrar, cancellation["id"], "accept")
    due = date.fromisoformat(accepted["deadlines"]["processing_due_on"])
    assert flow.clock.today + timedelta(days=12) <= due <= flow.clock.today + timedelta(days=30)
    done = await flow.act(registrar, cancellation["id"], "approve")
    assert done["state"] == "completed"
    assert (await flow.client.get(f"/registrations/{first['id']}", headers=agency.headers)).json()["state"] \
        == "cancelled"
    assert (await flow.client.get(f"/resources/{resource['id']}", headers=agency.headers)).json()["status"] \
        == "cancelled"
    lookup = (await flow.client.get(f"/public/codes/{first['query_code']}")).json()
    assert lookup["state"] == "cancelled" and lookup["in_force"] is False


async def test_revocation_for_false_materials_ends_the_registration_and_its_certificate(flow, registered):
    """Art. 20."""
    agency, registrar, resource, first = registered
    revoked = await flow.act(registrar, first["id"], "revoke", {"reason": "来源证明系伪造"})
    assert revoked["state"] == "revoked"
    assert (await flow.client.get(f"/resources/{resource['id']}", headers=agency.headers)).json()["status"] \
        == "revoked"
    certificate = await flow.client.get(f"/public/codes/{first['query_code']}/certificate")
    assert certificate.status_code == 409 and certificate.json()["current_state"] == "revoked"


async def test_a_registration_not_renewed_expires(flow, registered):
    agency, registrar, resource, first = registered
    flow.clock.set(date.fromisoformat(first["valid_until"]) + timedelta(days=1))
    overdue = await flow.client.get(f"/registrations/{first['id']}", headers=agency.headers)
    assert overdue.json()["overdue"] == ["renewal"]
    swept = await flow.client.post("/registrations/sweep", headers=registrar.headers)
    assert swept.json()["expired"] == [first["id"]]
    assert (await flow.client.get(f"/resources/{resource['id']}", headers=agency.headers)).json()["status"] \
        == "expired"


async def test_product_validity_ends_with_a_shorter_operation_agreement(flow, mint, apps):
    """Art. 15: for a product whose agreement is shorter, the agreement's term."""
    operator, registrar = mint("operator"), mint("registrar")
    product = await flow.product(operator, [], delivered_at=flow.clock.today.isoformat())
    ends = flow.clock.today + timedelta(days=400)
    async with apps.registry.state.db.sessions.begin() as session:
        await session.execute(update(Product).where(Product.id == product["id"]).values(
            agreement_id="a1", agreement_ends_on=ends))
    filed = await flow.file(operator, product["id"], subject_type="product")
    assert filed["deadlines"]["filing_due_on"]
    registered = await flow.register(registrar, filed["id"])
    assert registered["valid_until"] == ends.isoformat()
    assert registered["query_code"][7] == "P"


async def test_joint_registrants_are_named_on_the_registration(flow, mint):
    """Art. 7: several registrants may apply jointly."""
    agency, partner, registrar = mint("agency"), mint("agency"), mint("registrar")
    resource = await flow.resource(agency, joint_registrants=[{"org_id": partner.org_id, "org_name": "合作单位"}])
    _, registration = resource, await flow.register(registrar, (await flow.file(agency, resource["id"]))["id"])
    assert registration["registrant_org_ids"] == [agency.org_id, partner.org_id]
    assert registration["registrant_names"][1] == "合作单位"
    seen = await flow.client.get(f"/registrations/{registration['id']}", headers=partner.headers)
    assert seen.status_code == 200


async def test_a_lookup_says_in_force_only_within_the_validity_period(flow, registered):
    """DOMAIN §1: in force from valid_from to valid_until. A registration coded on a later day (the demo's
    registrar closing a notice "as of" its end) was shown "in force" before its validity began."""
    _agency, _registrar, _resource, first = registered
    code, starts = first["query_code"], date.fromisoformat(first["valid_from"])
    assert (await flow.client.get(f"/public/codes/{code}")).json()["in_force"] is True
    flow.clock.set(starts - timedelta(days=1))
    assert (await flow.client.get(f"/public/codes/{code}")).json()["in_force"] is False
    flow.clock.set(date.fromisoformat(first["valid_until"]) + timedelta(days=1))
    assert (await flow.client.get(f"/public/codes/{code}")).json()["in_force"] is False
