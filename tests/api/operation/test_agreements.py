"""Operation agreements (发改数据规〔2025〕27号 Arts. 5, 11, 13–14; DOMAIN §2)."""

from services.registry.registration.models import Product, Resource

from .world import build_world, insert_resource, set_status


async def test_agreement_walks_draft_signed_filed_active_and_sets_product_agreement_end(registry_client, people, apps):
    w = await build_world(registry_client, people, apps)
    a = await w.agreement("draft")
    assert a["status"] == "draft" and a["version"] == 1
    assert a["resources"] == [{"resource_id": w.resource_id, "resource_name": "公交到站数据", "shared_from_org_id": None,
                               "shared_from_org_name": None}]
    for action, state in (("sign", "signed"), ("file", "filed"), ("activate", "active"), ("suspend", "suspended"),
                          ("resume", "active")):
        extra = {"reason": "安全检查"} if action == "suspend" else {}
        a = await w.transition(a["id"], action, **extra)
        assert a["status"] == state
    async with apps.registry.state.db.sessions() as session:
        product = await session.get(Product, w.product_id)
    # DOMAIN §1 Art. 15: a product's registration lasts no longer than its shorter agreement.
    assert str(product.agreement_ends_on) == "2028-02-28" and product.agreement_id == a["id"]


async def test_agreement_longer_than_five_years_is_refused_naming_the_rule(registry_client, people, apps):
    w = await build_world(registry_client, people, apps)
    r = await registry_client.post("/operation/agreements", json=w.agreement_body(ends_on="2030-03-02"),
                                   headers=w.body.headers)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["rule"]["id"] == "OPS-AGREEMENT-TERM"
    # exactly five years is allowed
    ok = await registry_client.post("/operation/agreements", json=w.agreement_body(ends_on="2030-03-01"),
                                    headers=w.body.headers)
    assert ok.status_code == 201, ok.text


async def test_agreement_cannot_be_signed_before_plan_is_approved_and_filed(registry_client, people, apps):
    w = await build_world(registry_client, people, apps)
    a = await w.agreement("draft")
    # signed before the plan's filing date (2025-01-20)
    r = await registry_client.post(f"/operation/agreements/{a['id']}/transitions",
                                   json={"action": "sign", "on": "2025-01-15"}, headers=w.body.headers)
    assert r.status_code == 422 and r.json()["rule"]["id"] == "OPS-SIGNED-BEFORE-PLAN"
    # a major change sends the plan back to draft: signing is refused until re-approved and filed
    await w.post(w.body, f"/operation/plans/{w.plan_id}/changes",
                 {"mode": "whole", "major": True, "reason": "扩大授权范围"}, 200)
    r = await registry_client.post(f"/operation/agreements/{a['id']}/transitions",
                                   json={"action": "sign", "on": "2025-02-20"}, headers=w.body.headers)
    assert r.status_code == 422 and r.json()["rule"]["id"] == "OPS-SIGNED-BEFORE-PLAN"
    await w.approve_and_file(w.plan_id, "2025-02-01", "2025-02-05")
    assert (await w.transition(a["id"], "sign"))["status"] == "signed"


async def test_only_registered_resources_enter_the_data_scope(registry_client, people, apps):
    w = await build_world(registry_client, people, apps)
    cancelled_id = await insert_resource(apps, w.agency.org_id, status="cancelled", name="已注销数据")
    r = await registry_client.post("/operation/agreements", headers=w.body.headers, json=w.agreement_body(
        resources=[{"resource_id": w.resource_id}, {"resource_id": cancelled_id}]))
    assert r.status_code == 422
    assert r.json()["rule"]["id"] == "OPS-RESOURCE-UNREGISTERED"
    assert r.json()["facts"]["resource_ids"] == [cancelled_id]
    # an agency's draft is its own (Arts. 6, 19): to the implementing body it is unknown, as no resource at all
    draft_id = await insert_resource(apps, w.agency.org_id, status="draft", name="未登记数据")
    answers = []
    for cited in (draft_id, "f" * 32):
        r = await registry_client.post("/operation/agreements", headers=w.body.headers, json=w.agreement_body(
            resources=[{"resource_id": w.resource_id}, {"resource_id": cited}]))
        answers.append((r.status_code, r.json()["type"], r.json()["detail"]))
    assert answers[0] == answers[1] and answers[0][0] == 422 and answers[0][1].endswith("/unknown-resource")


async def test_shared_in_resource_needs_providing_units_recorded_consent(registry_client, people, apps):
    w = await build_world(registry_client, people, apps)
    provider = await people.person("agency")
    shared = await insert_resource(apps, provider.org_id, name="共享来的数据")
    a = await w.agreement("draft", resources=[
        {"resource_id": w.resource_id},
        {"resource_id": shared, "shared_from_org_id": provider.org_id, "shared_from_org_name": "提供单位"}])
    r = await registry_client.post(f"/operation/agreements/{a['id']}/transitions",
                                   json={"action": "sign", "on": "2025-02-20"}, headers=w.body.headers)
    assert r.status_code == 422 and r.json()["rule"]["id"] == "OPS-SHARED-NO-CONSENT"
    consent = {"resource_id": shared, "providing_org_id": provider.org_id, "providing_org_name": "提供单位",
               "document_no": "同意函〔2025〕7号", "consented_on": "2025-02-10"}
    # another agency cannot consent for the provider
    other = await registry_client.post(f"/operation/agreements/{a['id']}/consents", json=consent,
                                       headers=w.agency.headers)
    assert other.status_code == 404
    r = await registry_client.post(f"/operation/agreements/{a['id']}/consents", json=consent,
                                   headers=provider.headers)
    assert r.status_code == 201, r.text
    again = await registry_client.post(f"/operation/agreements/{a['id']}/consents", json=consent,
                                       headers=provider.headers)
    assert again.status_code == 409
    assert (await w.transition(a["id"], "sign"))["status"] == "signed"


async def test_amendments_are_kept_as_versions(registry_client, people, apps):
    w = await build_world(registry_client, people, apps)
    a = await w.agreement("active")
    r = await w.post(w.body, f"/operation/agreements/{a['id']}/amendments",
                     {"ends_on": "2029-02-28", "reason": "延长一年"}, 200)
    assert r.json()["version"] == 2 and r.json()["ends_on"] == "2029-02-28"
    versions = (await registry_client.get(f"/operation/agreements/{a['id']}/versions",
                                          headers=w.body.headers)).json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["snapshot"]["ends_on"] == "2028-02-28"
    assert versions[1]["reason"] == "延长一年"
    too_long = await registry_client.post(f"/operation/agreements/{a['id']}/amendments", headers=w.body.headers,
                                          json={"ends_on": "2031-01-01", "reason": "x"})
    assert too_long.status_code == 422 and too_long.json()["rule"]["id"] == "OPS-AGREEMENT-TERM"
    async with apps.registry.state.db.sessions() as session:
        assert str((await session.get(Product, w.product_id)).agreement_ends_on) == "2029-02-28"


async def test_illegal_transition_is_a_conflict_naming_the_state(registry_client, people, apps):
    w = await build_world(registry_client, people, apps)
    a = await w.agreement("draft")
    r = await registry_client.post(f"/operation/agreements/{a['id']}/transitions",
                                   json={"action": "activate", "on": "2025-03-01"}, headers=w.body.headers)
    assert r.status_code == 409 and r.json()["current_state"] == "draft"
    t = await w.transition(a["id"], "sign")
    r = await registry_client.post(f"/operation/agreements/{a['id']}/transitions",
                                   json={"action": "terminate", "on": "2025-03-01"}, headers=w.body.headers)
    assert r.status_code == 422  # a reason is required
    t = await w.transition(a["id"], "terminate", on="2025-03-01", reason="运营机构退出")
    assert t["status"] == "terminated" and t["status_reason"] == "运营机构退出"


async def test_resource_losing_registration_opens_a_finding_on_the_active_agreement(registry_client, people, apps):
    w = await build_world(registry_client, people, apps, with_agreement=True)
    a = w.extra["agreement"]
    await set_status(apps, Resource, w.resource_id, status="cancelled")
    r = await w.post(w.admin, "/compliance/sweep", {}, 200)
    assert r.json()["opened"] >= 1
    found = (await registry_client.get("/compliance/records", params={"rule_id": "OPS-RESOURCE-UNREGISTERED"},
                                       headers=w.body.headers)).json()
    assert [f["subject_id"] for f in found] == [a["id"]] and found[0]["status"] == "open"
    await set_status(apps, Resource, w.resource_id, status="registered")
    await w.post(w.admin, "/compliance/sweep", {}, 200)
    found = (await registry_client.get("/compliance/records", params={"rule_id": "OPS-RESOURCE-UNREGISTERED"},
                                       headers=w.admin.headers)).json()
    assert [f["status"] for f in found] == ["resolved"]


async def test_every_state_change_is_in_the_ledger_in_the_same_transaction(registry_client, people, apps):
    from sqlalchemy import select

    from services.registry.ledger.models import LedgerEntry

    w = await build_world(registry_client, people, apps, with_agreement=True)
    a = w.extra["agreement"]
    async with apps.registry.state.db.sessions() as session:
        actions = (await session.scalars(select(LedgerEntry.action).where(
            LedgerEntry.subject_type == "agreement", LedgerEntry.subject_id == a["id"])
            .order_by(LedgerEntry.sequence))).all()
        plan_actions = (await session.scalars(select(LedgerEntry.action).where(
            LedgerEntry.subject_id == w.plan_id).order_by(LedgerEntry.sequence))).all()
    assert actions == ["agreement.drafted", "agreement.signed", "agreement.filed", "agreement.active"]
    assert plan_actions == ["plan.created", "plan.approved", "plan.filed", "plan.operator_selected"]
    # a refused write leaves neither a change nor a ledger entry behind
    r = await registry_client.post(f"/operation/agreements/{a['id']}/amendments", headers=w.body.headers,
                                   json={"ends_on": "2031-01-01", "reason": "x"})
    assert r.status_code == 422
    async with apps.registry.state.db.sessions() as session:
        count = len((await session.scalars(select(LedgerEntry.sequence).where(
            LedgerEntry.subject_id == a["id"]))).all())
    assert count == 4


async def test_sweep_expires_agreements_whose_term_has_ended(registry_client, people, apps):
    w = await build_world(registry_client, people, apps, with_agreement=True)
    a = w.extra["agreement"]  # ends 2028-02-28
    r = await w.post(w.admin, "/compliance/sweep", {"on": "2028-02-28"}, 200)
    assert r.json()["expired_agreements"] == 0
    r = await w.post(w.admin, "/compliance/sweep", {"on": "2028-02-29"}, 200)
    assert r.json()["expired_agreements"] == 1
    got = (await registry_client.get(f"/operation/agreements/{a['id']}", headers=w.operator.headers)).json()
    assert got["status"] == "expired"
