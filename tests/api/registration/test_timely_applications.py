"""Applications decided on their merits and deadlines counted from the right day (issue 14; DOMAIN §1, §5).

REG Art. 15: a renewal filed within the 60 days before expiry is decided even after the expiry date, and the
registration stays in force meanwhile; validity never ends before it starts. Art. 10: the filing date is the
first receipt, a return for supplement restarts only the acceptance clock. Art. 9(4): cancellation processing
overdue is a finding. Art. 9: a change registration is due promptly (a setting, 20 working days) after the
material change, which the registrant dates with ``changed_on``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from services.kernel.timeutil import china_day
from services.registry.registration.models import Product, Registration


async def _set(apps, model, row_id: str, **values) -> None:
    async with apps.registry.state.db.sessions.begin() as session:
        await session.execute(update(model).where(model.id == row_id).values(**values))


async def _view(flow, who, registration_id: str) -> dict:
    response = await flow.client.get(f"/registrations/{registration_id}", headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _findings(flow, admin, rule_id: str, subject_id: str, on: date) -> list[dict]:
    swept = await flow.client.post("/compliance/sweep", json={"on": on.isoformat()}, headers=admin.headers)
    assert swept.status_code == 200, swept.text
    listed = await flow.client.get("/compliance/records", params={"rule_id": rule_id, "subject_id": subject_id},
                                   headers=admin.headers)
    assert listed.status_code == 200, listed.text
    return listed.json()


async def _in_force_until(flow, apps, agency, registrar, until: date) -> tuple[dict, dict]:
    """A registered resource whose registration is valid until ``until`` (coded today, its end moved)."""
    resource, first = await flow.registered_resource(agency, registrar)
    await _set(apps, Registration, first["id"], valid_until=until)
    return resource, first


# --- Item 1: a timely renewal (or change, or cancellation) is decided after the expiry date -------------------

async def test_a_renewal_filed_in_time_is_approved_after_expiry_and_runs_from_the_day_after(flow, mint, apps):
    """Art. 15: valid until 2029-03-16, renewal filed 2029-03-15 and accepted 2029-03-16; the sweep of 2029-03-17
    keeps the registration in force while the renewal is pending; approval renews it without a gap."""
    agency, registrar = mint("agency"), mint("registrar")
    resource, first = await _in_force_until(flow, apps, agency, registrar, date(2029, 3, 16))
    flow.clock.set(date(2029, 3, 15))
    renewal = await flow.file(agency, resource["id"], type="renewal")
    flow.clock.set(date(2029, 3, 16))
    await flow.act(registrar, renewal["id"], "accept")
    flow.clock.set(date(2029, 3, 17))
    swept = await flow.client.post("/registrations/sweep", headers=registrar.headers)
    assert swept.json()["expired"] == []
    held = await _view(flow, agency, first["id"])
    assert held["state"] == "registered" and held["overdue"] == []  # a renewal is filed: nothing is late
    lookup = (await flow.client.get(f"/public/codes/{first['query_code']}")).json()
    assert lookup["in_force"] is True
    renewed = await flow.act(registrar, renewal["id"], "approve")
    assert renewed["state"] == "registered" and renewed["query_code"] == first["query_code"]
    assert (renewed["valid_from"], renewed["valid_until"]) == ("2029-03-17", "2032-03-16")
    assert (await _view(flow, agency, first["id"]))["state"] == "superseded"
    subject = (await flow.client.get(f"/resources/{resource['id']}", headers=agency.headers)).json()
    assert subject["status"] == "registered"


async def test_a_timely_renewal_refused_after_expiry_lets_the_next_sweep_expire_the_registration(flow, mint, apps):
    """Art. 15: not renewed → no longer in force, once the pending renewal is decided against."""
    agency, registrar = mint("agency"), mint("registrar")
    resource, first = await _in_force_until(flow, apps, agency, registrar, date(2029, 3, 16))
    flow.clock.set(date(2029, 3, 10))
    renewal = await flow.file(agency, resource["id"], type="renewal")
    flow.clock.set(date(2029, 3, 18))
    assert (await flow.client.post("/registrations/sweep", headers=registrar.headers)).json()["expired"] == []
    await flow.act(registrar, renewal["id"], "refuse", {"reasons": ["材料不实"]})
    assert (await _view(flow, agency, first["id"]))["overdue"] == ["renewal"]
    swept = await flow.client.post("/registrations/sweep", headers=registrar.headers)
    assert swept.json()["expired"] == [first["id"]]


async def test_a_cancellation_pending_at_expiry_is_still_processed(flow, mint, apps):
    """Arts. 9(4), 15: the cancellation filed while in force is decided; the registration ends cancelled."""
    agency, registrar = mint("agency"), mint("registrar")
    resource, first = await _in_force_until(flow, apps, agency, registrar, date(2029, 3, 16))
    flow.clock.set(date(2029, 3, 12))
    cancellation = await flow.file(agency, resource["id"], type="cancellation", reason="数据灭失")
    await flow.act(registrar, cancellation["id"], "accept")
    flow.clock.set(date(2029, 3, 19))
    assert (await flow.client.post("/registrations/sweep", headers=registrar.headers)).json()["expired"] == []
    done = await flow.act(registrar, cancellation["id"], "approve")
    assert done["state"] == "completed"
    assert (await _view(flow, agency, first["id"]))["state"] == "cancelled"


async def test_a_change_pending_at_expiry_is_decided_and_nothing_new_is_filed_on_a_lapsed_registration(flow, mint,
                                                                                                      apps):
    """Arts. 9, 15: the pending change is coded on its merits; the old validity carries over and then lapses."""
    agency, registrar = mint("agency"), mint("registrar")
    resource, first = await _in_force_until(flow, apps, agency, registrar, date(2029, 3, 16))
    flow.clock.set(date(2029, 3, 12))
    change = await flow.file(agency, resource["id"], type="change", changes={"scale": "2 TB"})
    flow.clock.set(date(2029, 3, 19))
    assert (await flow.client.post("/registrations/sweep", headers=registrar.headers)).json()["expired"] == []
    lapsed = await flow.client.post("/registrations", headers=agency.headers, json={
        "subject_type": "resource", "subject_id": resource["id"], "type": "correction", "changes": {"scale": "3 TB"}})
    assert lapsed.status_code == 409  # the change in progress; and the registration has lapsed
    coded = await flow.register(registrar, change["id"])
    assert coded["state"] == "registered" and coded["valid_until"] == "2029-03-16"
    assert (await _view(flow, agency, first["id"]))["state"] == "superseded"
    swept = await flow.client.post("/registrations/sweep", headers=registrar.headers)
    assert swept.json()["expired"] == [coded["id"]]  # no renewal was filed: Art. 15


async def test_a_registration_past_its_expiry_takes_no_new_application(flow, mint, apps):
    """Art. 15: held in force only to decide what was filed before the expiry."""
    agency, registrar = mint("agency"), mint("registrar")
    resource, _ = await _in_force_until(flow, apps, agency, registrar, date(2029, 3, 16))
    flow.clock.set(date(2029, 3, 10))
    cancellation = await flow.file(agency, resource["id"], type="cancellation", reason="x")
    await flow.act(agency, cancellation["id"], "withdraw")
    flow.clock.set(date(2029, 3, 18))
    late = await flow.client.post("/registrations", headers=agency.headers, json={
        "subject_type": "resource", "subject_id": resource["id"], "type": "change", "changes": {"scale": "3 TB"}})
    assert late.status_code == 409 and late.json()["type"].endswith("/registration-lapsed")


# --- Item 2: validity never ends before it starts ------------------------------------------------------------

async def _product(flow, mint, apps, agreement_ends_on: date) -> tuple[object, object, dict]:
    operator, registrar = mint("operator"), mint("registrar")
    product = await flow.product(operator, [], delivered_at="2025-12-01")
    await _set(apps, Product, product["id"], agreement_id="a1", agreement_ends_on=agreement_ends_on)
    return operator, registrar, product


async def test_first_registration_of_a_product_whose_agreement_has_ended_is_refused_at_filing(flow, mint, apps):
    """Art. 15: agreement ended 2027-12-31, filed 2028-01-03: the validity would end before it starts."""
    operator, _, product = await _product(flow, mint, apps, date(2027, 12, 31))
    flow.clock.set(date(2028, 1, 3))
    response = await flow.client.post("/registrations", headers=operator.headers, json={
        "subject_type": "product", "subject_id": product["id"], "type": "first"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/rule-broken")
    assert problem["rule"]["id"] == "REG-VALIDITY-ENDS-BEFORE-START" and problem["rule"]["citation"] == "REG Art. 15"
    assert problem["facts"] == {"agreement_ends_on": "2027-12-31", "valid_from": "2028-01-03"}


async def test_an_agreement_ending_during_the_notice_stops_the_coding_and_the_sweep_records_it(flow, mint, apps):
    """Art. 15: known only at coding; close-notice refuses naming the rule, the sweep leaves it to the registrar."""
    operator, registrar, product = await _product(flow, mint, apps, date(2028, 12, 31))
    flow.clock.set(date(2027, 12, 20))
    filed = await flow.file(operator, product["id"], subject_type="product")
    noticed = await flow.to_notice(registrar, filed["id"])
    await _set(apps, Product, product["id"], agreement_ends_on=date(2027, 12, 31))  # the agreement is shortened
    flow.clock.set(date.fromisoformat(noticed["deadlines"]["notice_ends_on"]) + timedelta(days=1))
    problem = await flow.act(registrar, filed["id"], "close-notice", expect=422)
    assert problem["rule"]["id"] == "REG-VALIDITY-ENDS-BEFORE-START"
    swept = await flow.client.post("/registrations/sweep", headers=registrar.headers)
    assert filed["id"] not in swept.json()["closed"]
    assert (await _view(flow, operator, filed["id"]))["state"] == "in_notice"
    found = await _findings(flow, mint("admin"), "REG-VALIDITY-ENDS-BEFORE-START", filed["id"], flow.clock.today)
    assert [f["severity"] for f in found] == ["hard"]


async def test_an_agreement_ended_before_approval_is_refused_at_approval(flow, mint, apps):
    operator, registrar, product = await _product(flow, mint, apps, date(2028, 12, 31))
    flow.clock.set(date(2027, 12, 20))
    filed = await flow.file(operator, product["id"], subject_type="product")
    await flow.act(registrar, filed["id"], "accept")
    await _set(apps, Product, product["id"], agreement_ends_on=date(2027, 12, 21))
    flow.clock.set(date(2027, 12, 22))
    problem = await flow.act(registrar, filed["id"], "approve", expect=422)
    assert problem["rule"]["id"] == "REG-VALIDITY-ENDS-BEFORE-START"
    assert (await _view(flow, operator, filed["id"]))["state"] == "under_review"


async def test_a_product_valid_until_its_agreement_ends_cannot_be_renewed_past_it(flow, mint, apps):
    """Art. 15: the renewal would start the day after the agreement ended; refused when filed."""
    ends = flow.clock.today + timedelta(days=200)
    operator, registrar, product = await _product(flow, mint, apps, ends)
    registered = await flow.register(registrar, (await flow.file(operator, product["id"], subject_type="product"))["id"])
    assert registered["valid_until"] == ends.isoformat()
    flow.clock.set(ends - timedelta(days=10))
    response = await flow.client.post("/registrations", headers=operator.headers, json={
        "subject_type": "product", "subject_id": product["id"], "type": "renewal"})
    assert response.status_code == 422 and response.json()["rule"]["id"] == "REG-VALIDITY-ENDS-BEFORE-START"


async def test_the_database_refuses_a_validity_that_ends_before_it_starts(apps):
    async with apps.registry.state.db.sessions() as session:
        session.add(Registration(subject_type="product", subject_id="p1", type="first", state="registered",
                                 org_id="o", data_name="x", materials_digest="0" * 64,
                                 submitted_at=apps_now(), created_by="t",
                                 valid_from=date(2028, 1, 18), valid_until=date(2027, 12, 31)))
        with pytest.raises(IntegrityError):
            await session.flush()
        await session.rollback()


def apps_now():
    from services.kernel.timeutil import utcnow
    return utcnow()


# --- Item 3: the filing date is the first receipt -------------------------------------------------------------

def _china_day(instant: str) -> date:
    return china_day(datetime.fromisoformat(instant))


async def test_a_return_for_supplement_does_not_make_a_timely_first_filing_late(flow, mint):
    """Arts. 9(1), 10: started 2025-09-12, due 2025-10-16, filed 2025-10-10, returned 2025-10-13, resubmitted
    2025-10-20: filed on time; only the acceptance clock restarted."""
    agency, registrar, admin = mint("agency"), mint("registrar"), mint("admin")
    resource = await flow.resource(agency, operation_started_on="2025-09-12")
    flow.clock.set(date(2025, 10, 10))
    filed = await flow.file(agency, resource["id"])
    assert filed["deadlines"]["filing_due_on"] == "2025-10-16"
    flow.clock.set(date(2025, 10, 13))
    await flow.act(registrar, filed["id"], "return", {"missing_items": [{"item": "安全风险评估报告"}]})
    flow.clock.set(date(2025, 10, 20))
    resubmitted = await flow.act(agency, filed["id"], "resubmit")
    # Instants are UTC; the day they fall on is China's (from 16:00 UTC the two dates differ).
    assert _china_day(resubmitted["filed_at"]) == date(2025, 10, 10) and resubmitted["overdue"] == []
    assert _china_day(resubmitted["evidence"]["submissions"][0]["received_at"]) == date(2025, 10, 10)
    assert await _findings(flow, admin, "REG-FIRST-LATE", filed["id"], date(2025, 10, 20)) == []


async def test_a_late_first_filing_stays_late_after_a_return_for_supplement(flow, mint):
    """Art. 9(1): lateness is the first receipt's, whatever happens after it."""
    agency, registrar, admin = mint("agency"), mint("registrar"), mint("admin")
    resource = await flow.resource(agency, operation_started_on="2025-09-12")
    flow.clock.set(date(2025, 10, 17))
    filed = await flow.file(agency, resource["id"])
    await flow.act(registrar, filed["id"], "return", {"missing_items": [{"item": "存证记录"}]})
    resubmitted = await flow.act(agency, filed["id"], "resubmit")
    assert resubmitted["overdue"] == ["filing"]
    found = await _findings(flow, admin, "REG-FIRST-LATE", filed["id"], date(2025, 10, 20))
    assert [f["facts"]["filed_on"] for f in found] == ["2025-10-17"]


# --- Item 4: overdue cancellation processing is a finding --------------------------------------------------------

async def test_cancellation_processing_overdue_is_shown_and_opens_a_finding(flow, mint):
    """Art. 9(4): processed within 10 working days of acceptance (REG-CANCELLATION-OVERDUE)."""
    agency, registrar, admin = mint("agency"), mint("registrar"), mint("admin")
    resource, _ = await flow.registered_resource(agency, registrar)
    cancellation = await flow.file(agency, resource["id"], type="cancellation", reason="数据灭失")
    accepted = await flow.act(registrar, cancellation["id"], "accept")
    due = date.fromisoformat(accepted["deadlines"]["processing_due_on"])
    flow.clock.set(due + timedelta(days=1))
    assert (await _view(flow, agency, cancellation["id"]))["overdue"] == ["processing"]
    found = await _findings(flow, admin, "REG-CANCELLATION-OVERDUE", cancellation["id"], flow.clock.today)
    assert [(f["status"], f["facts"]["due_on"]) for f in found] == [("open", due.isoformat())]


# --- Item 5: the change-registration deadline -------------------------------------------------------------------

async def _registered_in_2026(flow, mint):
    agency, registrar, admin = mint("agency"), mint("registrar"), mint("admin")
    flow.clock.set(date(2026, 1, 5))
    resource, _ = await flow.registered_resource(agency, registrar)
    return agency, admin, resource


async def test_a_change_is_due_20_working_days_after_it_happened_and_late_filing_is_a_finding(flow, mint):
    """Art. 9 (promptly; DOMAIN: 20 working days, a setting): changed 2026-11-02, due 2026-11-30."""
    agency, admin, resource = await _registered_in_2026(flow, mint)
    flow.clock.set(date(2026, 12, 1))
    late = await flow.file(agency, resource["id"], type="change", changes={"scale": "2 TB"}, changed_on="2026-11-02")
    assert late["changed_on"] == "2026-11-02" and late["deadlines"]["filing_due_on"] == "2026-11-30"
    assert late["overdue"] == ["filing"]
    found = await _findings(flow, admin, "REG-CHANGE-LATE", late["id"], flow.clock.today)
    assert [(f["facts"]["filed_on"], f["facts"]["due_on"]) for f in found] == [("2026-12-01", "2026-11-30")]
    assert found[0]["severity"] == "soft"


async def test_a_change_filed_on_its_last_day_is_in_time(flow, mint):
    agency, admin, resource = await _registered_in_2026(flow, mint)
    flow.clock.set(date(2026, 11, 30))
    on_time = await flow.file(agency, resource["id"], type="change", changes={"scale": "2 TB"},
                              changed_on="2026-11-02")
    assert on_time["overdue"] == []
    assert await _findings(flow, admin, "REG-CHANGE-LATE", on_time["id"], flow.clock.today) == []


async def test_changed_on_is_not_in_the_future_and_only_dates_a_change(flow, mint):
    agency, _, resource = await _registered_in_2026(flow, mint)
    flow.clock.set(date(2026, 11, 30))
    body = {"subject_type": "resource", "subject_id": resource["id"], "changes": {"scale": "2 TB"}}
    ahead = await flow.client.post("/registrations", headers=agency.headers,
                                   json=body | {"type": "change", "changed_on": "2026-12-01"})
    assert ahead.status_code == 422 and ahead.json()["type"].endswith("/changed-on-in-future")
    correction = await flow.client.post("/registrations", headers=agency.headers,
                                        json=body | {"type": "correction", "changed_on": "2026-11-02"})
    assert correction.status_code == 422 and correction.json()["type"].endswith("/changed-on-not-allowed")
