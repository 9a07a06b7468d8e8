"""Compliance records (DOMAIN §5): findings opened once, resolved when the cause goes, waivable by an admin."""

from datetime import UTC, date, datetime, timedelta

from typer.testing import CliRunner

from services.kernel.timeutil import add_years, china_today
from services.registry.graphql.loaders import org_names_query
from services.registry.registration.models import Registration

from ..operation.world import build_world, insert_product

TODAY = china_today()


async def records(w, rule_id, who=None):
    r = await w.client.get("/compliance/records", params={"rule_id": rule_id}, headers=(who or w.admin).headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_annual_report_missing_after_31_march_is_opened_once_and_resolved_by_filing(registry_client, people, apps):
    w = await build_world(registry_client, people, apps, with_agreement=True)  # operating since 2025-03-01
    await w.post(w.admin, "/compliance/sweep", {"on": "2026-03-31"}, 200)
    assert await records(w, "RPT-ANNUAL-MISSING") == []  # still within the deadline
    first = await w.post(w.admin, "/compliance/sweep", {"on": "2026-04-01"}, 200)
    assert first.json()["opened"] == 1
    again = await w.post(w.admin, "/compliance/sweep", {"on": "2026-04-01"}, 200)
    assert again.json()["opened"] == 0
    found = await records(w, "RPT-ANNUAL-MISSING", w.operator)
    assert len(found) == 1 and found[0]["subject_id"] == f"{w.operator.org_id}/2025"
    assert found[0]["severity"] == "soft"
    await w.post(w.operator, "/operation/reports", {
        "year": 2025, "business_overview": "x", "operating_cost": "1.00", "revenue": "1.00", "profit": "0.00"}, 201)
    assert [f["status"] for f in await records(w, "RPT-ANNUAL-MISSING")] == ["resolved"]


async def test_waiver_records_who_and_why_and_later_sweeps_do_not_reopen(registry_client, people, apps):
    w = await build_world(registry_client, people, apps, with_agreement=True)
    await w.post(w.admin, "/compliance/sweep", {"on": "2026-04-01"}, 200)
    finding = (await records(w, "RPT-ANNUAL-MISSING"))[0]
    for who in (w.operator, w.body, w.price, w.agency):
        r = await registry_client.post(f"/compliance/records/{finding['id']}/waiver", json={"reason": "x"},
                                       headers=who.headers)
        assert r.status_code == 403
    r = await w.post(w.admin, f"/compliance/records/{finding['id']}/waiver", {"reason": "经批准延期报送"}, 200)
    assert r.json()["status"] == "waived" and r.json()["waived_by"] and r.json()["waived_reason"] == "经批准延期报送"
    twice = await registry_client.post(f"/compliance/records/{finding['id']}/waiver", json={"reason": "again"},
                                       headers=w.admin.headers)
    assert twice.status_code == 409
    result = (await w.post(w.admin, "/compliance/sweep", {"on": "2026-04-02"}, 200)).json()
    assert result["opened"] == 0
    assert [f["status"] for f in await records(w, "RPT-ANNUAL-MISSING")] == ["waived"]


async def _registration(apps, org_id: str, **values) -> str:
    base = dict(subject_type="resource", subject_id="r1", type="first", state="submitted", org_id=org_id,
                data_name="数据", materials_digest="0" * 64, submitted_at=datetime.now(UTC),
                created_by="tester")
    async with apps.registry.state.db.sessions.begin() as session:
        row = Registration(**{**base, **values})
        session.add(row)
    return row.id


async def test_registration_deadlines_are_found_by_the_sweep(registry_client, people, apps):
    """REG Arts. 9(1), 10, 11, 12, 15: overdue steps and lapsed registrations are recorded, not blocked."""
    w = await build_world(registry_client, people, apps)
    org = w.agency.org_id
    past, future = TODAY - timedelta(days=1), TODAY + timedelta(days=5)
    late_accept = await _registration(apps, org, acceptance_due_on=past)
    await _registration(apps, org, acceptance_due_on=future)
    late_review = await _registration(apps, org, state="under_review", review_due_on=past)
    late_notice = await _registration(apps, org, state="in_notice", notice_ends_on=past)
    expired = await _registration(apps, org, state="registered", valid_until=past)
    renewed = await _registration(apps, org, state="registered", valid_until=past)
    await _registration(apps, org, type="renewal", previous_id=renewed)
    late_first = await _registration(apps, org, state="registered", filing_due_on=TODAY - timedelta(days=30),
                                     submitted_at=datetime.now(UTC) - timedelta(days=2))
    await w.post(w.admin, "/compliance/sweep", {}, 200)
    expect = {"REG-ACCEPTANCE-OVERDUE": [late_accept], "REG-REVIEW-OVERDUE": [late_review],
              "REG-NOTICE-OVERDUE": [late_notice], "REG-EXPIRED-NOT-RENEWED": [expired],
              "REG-FIRST-LATE": [late_first]}
    for rule_id, ids in expect.items():
        assert [f["subject_id"] for f in await records(w, rule_id, w.agency)] == ids, rule_id


async def test_delivered_product_not_registered_within_20_working_days(registry_client, people, apps):
    w = await build_world(registry_client, people, apps)
    late = await insert_product(apps, w.operator.org_id, status="draft", delivered_at=TODAY - timedelta(days=60))
    await insert_product(apps, w.operator.org_id, status="draft", delivered_at=TODAY - timedelta(days=2))
    await w.post(w.admin, "/compliance/sweep", {}, 200)
    assert [f["subject_id"] for f in await records(w, "PRD-DELIVERED-UNREGISTERED", w.operator)] == [late]


async def test_a_finding_names_its_answerable_organization_as_the_registrys_records_do(registry_client, people,
                                                                                     apps):
    """Names, never ids, where a person reads (issue 16): the organization's name comes with its id."""
    w = await build_world(registry_client, people, apps)
    await insert_product(apps, w.operator.org_id, status="draft", delivered_at=TODAY - timedelta(days=60))
    await w.post(w.admin, "/compliance/sweep", {}, 200)
    async with apps.registry.state.db.sessions() as session:
        spelled = {name for org_id, name in await session.execute(org_names_query({w.operator.org_id}))}
    [found] = await records(w, "PRD-DELIVERED-UNREGISTERED", w.operator)
    assert found["org_id"] == w.operator.org_id and found["org_name"] in spelled and "运营公司" in spelled
    one = await w.client.get(f"/compliance/records/{found['id']}", headers=w.admin.headers)
    assert one.json()["org_name"] == found["org_name"]


async def test_major_plan_change_with_agreements_in_force_is_a_finding_until_reapproved(registry_client, people, apps):
    w = await build_world(registry_client, people, apps, with_agreement=True)
    await w.post(w.body, f"/operation/plans/{w.plan_id}/changes", {"mode": "whole", "major": True,
                                                                   "reason": "调整为整体授权"}, 200)
    assert [f["subject_id"] for f in await records(w, "OPS-PLAN-CHANGE-UNAPPROVED", w.body)] == [w.plan_id]
    await w.approve_and_file(w.plan_id, "2026-01-05", "2026-01-10")
    assert [f["status"] for f in await records(w, "OPS-PLAN-CHANGE-UNAPPROVED")] == ["resolved"]


async def test_ceiling_not_reviewed_within_three_years(registry_client, people, apps):
    w = await build_world(registry_client, people, apps, with_agreement=True)
    await w.post(w.body, f"/products/{w.product_id}/ceilings", {
        "billing_unit": "per_call", "unit_price": "0.05", "effective_from": str(TODAY), "basis": "x"}, 201)
    await w.post(w.admin, "/compliance/sweep", {"on": str(add_years(TODAY, 3))}, 200)
    assert await records(w, "PRICE-CEILING-NOT-REVIEWED") == []
    await w.post(w.admin, "/compliance/sweep", {"on": str(add_years(TODAY, 3) + timedelta(days=1))}, 200)
    assert [f["subject_id"] for f in await records(w, "PRICE-CEILING-NOT-REVIEWED")] == [w.product_id]


async def test_findings_are_visible_to_the_answerable_organization_only(registry_client, people, apps):
    w = await build_world(registry_client, people, apps, with_agreement=True)
    await w.post(w.admin, "/compliance/sweep", {"on": "2026-04-01"}, 200)
    finding = (await records(w, "RPT-ANNUAL-MISSING"))[0]
    other = await people.person("operator")
    for who, status in ((w.operator, 200), (w.admin, 200), (other, 404), (w.body, 404), (w.agency, 404)):
        r = await registry_client.get(f"/compliance/records/{finding['id']}", headers=who.headers)
        assert r.status_code == status, who.username
    auditor = await people.person("auditor")
    assert (await registry_client.get(f"/compliance/records/{finding['id']}", headers=auditor.headers)).status_code == 200
    assert (await registry_client.get(f"/compliance/records/{finding['id']}")).status_code == 401
    assert await records(w, "RPT-ANNUAL-MISSING", other) == []


async def test_sweep_is_admin_only(registry_client, people, apps):
    for role in ("authority", "registrar", "agency", "operator", "auditor"):
        who = await people.person(role)
        assert (await registry_client.post("/compliance/sweep", json={}, headers=who.headers)).status_code == 403
    assert (await registry_client.post("/compliance/sweep", json={})).status_code == 401


async def test_pdr_sweep_command_opens_findings_in_the_registry_database(registry_client, people, apps, monkeypatch):
    w = await build_world(registry_client, people, apps, with_agreement=True)
    from services.cli.compliance_cmds import sweep_database
    monkeypatch.setenv("PDR_REGISTRY_DATABASE_URL", apps.registry.state.db.url)
    result = await sweep_database(date(2026, 4, 1))
    assert result["opened"] >= 1
    assert len(await records(w, "RPT-ANNUAL-MISSING")) == 1
    from services.cli.main import app
    bad = CliRunner().invoke(app, ["sweep", "--on", "not-a-date"])
    assert bad.exit_code == 2


async def test_two_sweeps_at_once_open_each_finding_only_once(registry_client, people, apps):
    """Replicas may sweep at the same moment: the findings table still holds one live finding per cause."""
    import asyncio

    from sqlalchemy import func, select

    from services.registry.compliance.engine import sweep
    from services.registry.compliance.models import ComplianceRecord

    await build_world(registry_client, people, apps, with_agreement=True)
    db = apps.registry.state.db

    async def one():
        async with db.sessions.begin() as session:
            return await sweep(session, None, date(2026, 4, 1))

    results = await asyncio.gather(one(), one())
    assert sorted(r.opened for r in results) == [0, 1]
    async with db.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(ComplianceRecord).where(
            ComplianceRecord.rule_id == "RPT-ANNUAL-MISSING"))
    assert count == 1
