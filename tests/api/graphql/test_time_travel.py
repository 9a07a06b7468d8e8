"""asOf: resources, products, agreements and prices as they stood at a past moment, rebuilt from history
(version snapshots and the ledger), not from the row as it is now."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from services.kernel.security import Principal
from services.kernel.timeutil import utcnow
from services.registry.ledger.service import record
from services.registry.operation.models import Agreement, AgreementVersion
from services.registry.pricing.models import PriceRecord
from services.registry.registration.models import Product, Resource, SubjectVersion

pytestmark = pytest.mark.asyncio(loop_scope="session")
OPERATOR = Principal(subject="op-user", org="op-org", roles=frozenset({"operator"}))


async def _moment() -> str:
    await asyncio.sleep(0.02)
    at = utcnow()
    await asyncio.sleep(0.02)
    return at.isoformat()


async def _ledger(apps, action, subject_type, subject_id, data):
    async with apps.registry.state.db.sessions.begin() as session:
        await record(session, OPERATOR, action, subject_type, subject_id, data)


async def test_resource_as_of_shows_the_version_registered_then(gql, world, apps):
    before_creation = await _moment()
    resource = Resource(org_id="agency-1", org_name="市场监管局", name="企业登记信息", sharing_attribute="conditional",
                        opening_attribute="conditional", grading="general", region_code="310000", status="registered")
    await world.add(resource)
    await world.add(SubjectVersion(subject_type="resource", subject_id=resource.id, version=1,
                                   snapshot={"name": "企业登记信息", "grading": "general"}))
    registered = await _moment()
    await world.add(SubjectVersion(subject_type="resource", subject_id=resource.id, version=2,
                                   snapshot={"name": "企业登记信息（含变更）", "grading": "important"}))
    async with apps.registry.state.db.sessions.begin() as session:
        await session.execute(update(Resource).where(Resource.id == resource.id).values(
            name="企业登记信息（含变更）", grading="important", version=2, updated_at=utcnow()))
    query = "query($id: String!, $at: DateTime) { resource(id: $id, asOf: $at) { name grading version exact } }"
    then = (await gql(query, {"id": resource.id, "at": registered}))["data"]["resource"]
    assert then == {"name": "企业登记信息", "grading": "general", "version": 1, "exact": True}
    now = (await gql(query, {"id": resource.id, "at": None}))["data"]["resource"]
    assert now["name"] == "企业登记信息（含变更）" and now["version"] == 2
    assert (await gql(query, {"id": resource.id, "at": before_creation}))["data"]["resource"] is None


async def test_agreement_as_of_replays_status_and_dates_from_the_ledger(gql, world, apps):
    agreement = await world.agreement(status="draft")
    await world.add(AgreementVersion(agreement_id=agreement.id, version=1, created_by="u", reason="drafted",
                                     snapshot={"status": "draft", "ends_on": "2028-04-30", "terms": {"fee": "free"}}))
    await _ledger(apps, "agreement.drafted", "agreement", agreement.id, {"mode": "whole"})
    drafted = await _moment()
    await _ledger(apps, "agreement.signed", "agreement", agreement.id, {"action": "sign", "on": "2025-05-02"})
    signed = await _moment()
    await world.add(AgreementVersion(agreement_id=agreement.id, version=2, created_by="u", reason="shortened",
                                     snapshot={"status": "signed", "ends_on": "2027-04-30", "terms": {"fee": "paid"}}))
    await _ledger(apps, "agreement.amended", "agreement", agreement.id, {"version": 2})
    async with apps.registry.state.db.sessions.begin() as session:
        await session.execute(update(Agreement).where(Agreement.id == agreement.id).values(
            status="signed", version=2, ends_on=date(2027, 4, 30), signed_on=date(2025, 5, 2)))
    query = "query($id: String!, $at: DateTime) { agreement(id: $id, asOf: $at) { status version endsOn signedOn terms } }"
    assert (await gql(query, {"id": agreement.id, "at": drafted}))["data"]["agreement"] == {
        "status": "draft", "version": 1, "endsOn": "2028-04-30", "signedOn": None, "terms": {"fee": "free"}}
    assert (await gql(query, {"id": agreement.id, "at": signed}))["data"]["agreement"] == {
        "status": "signed", "version": 1, "endsOn": "2028-04-30", "signedOn": "2025-05-02", "terms": {"fee": "free"}}
    assert (await gql(query, {"id": agreement.id, "at": None}))["data"]["agreement"]["endsOn"] == "2027-04-30"


async def test_prices_as_of_show_the_period_that_was_open_then(gql, world, apps):
    product = Product(org_id="op-org", org_name="运营公司", name="企业画像API", form="api", use_type="industry")
    await world.add(product)
    first = PriceRecord(product_id=product.id, layer="operator", kind="specific", billing_unit="per_call",
                        tiers=[{"up_to": None, "unit_price": "0.05"}], unit_price="0.05",
                        effective_from=date(2025, 1, 1), basis="成本", set_by="op-user", set_by_org="op-org")
    await world.add(first)
    await _ledger(apps, "price.specific_set", "product", product.id, {
        "price_record_id": first.id, "billing_unit": "per_call", "unit_price": "0.05", "tiers": None,
        "effective_from": "2025-01-01", "effective_to": None, "basis": "成本", "kind": "specific"})
    one_price = await _moment()
    second = PriceRecord(product_id=product.id, layer="operator", kind="specific", billing_unit="per_call",
                         tiers=[{"up_to": 10000, "unit_price": "0.04"}, {"up_to": None, "unit_price": "0.03"}],
                         unit_price="0.04", effective_from=date(2025, 7, 1), basis="调价", set_by="op-user",
                         set_by_org="op-org")
    await world.add(second)
    async with apps.registry.state.db.sessions.begin() as session:
        await session.execute(update(PriceRecord).where(PriceRecord.id == first.id).values(
            effective_to=date(2025, 7, 1)))
    await _ledger(apps, "price.specific_set", "product", product.id, {
        "price_record_id": second.id, "billing_unit": "per_call", "unit_price": None,
        "tiers": [{"up_to": 10000, "unit_price": "0.04"}, {"up_to": None, "unit_price": "0.03"}],
        "effective_from": "2025-07-01", "effective_to": None, "basis": "调价", "kind": "specific"})
    query = """query($id: String!, $at: DateTime) { prices(productId: $id, asOf: $at) {
        dbId unitPrice effectiveFrom effectiveTo } }"""
    then = (await gql(query, {"id": product.id, "at": one_price}))["data"]["prices"]
    assert then == [{"dbId": first.id, "unitPrice": "0.05", "effectiveFrom": "2025-01-01", "effectiveTo": None}]
    now = (await gql(query, {"id": product.id, "at": (utcnow() + timedelta(seconds=1)).isoformat()}))["data"]["prices"]
    assert [(p["dbId"], p["effectiveTo"]) for p in now] == [(first.id, "2025-07-01"), (second.id, None)]
    assert now[1]["unitPrice"] == "0.04"
    current = (await gql(query, {"id": product.id, "at": None}))["data"]["prices"]
    assert [p["dbId"] for p in current] == [first.id, second.id]


async def test_draft_as_of_is_rebuilt_exactly_from_the_ledgered_content(gql, apps):
    """A draft edited after a moment still answers, for that moment, with the content it had then."""
    from services.registry.registration import subjects
    from services.registry.registration.schemas import ResourceIn, ResourcePatch

    agency = Principal(subject="agency-user", org="agency-9", org_name="交通委", roles=frozenset({"agency"}))
    async with apps.registry.state.db.sessions.begin() as session:
        draft = await subjects.create_subject(session, agency, "resource", ResourceIn(
            name="公交到站数据", sharing_attribute="conditional", opening_attribute="conditional",
            grading="general", region_code="110000", update_frequency="daily"))
    first = await _moment()
    async with apps.registry.state.db.sessions.begin() as session:
        await subjects.update_subject(session, agency, "resource", draft.id,
                                      ResourcePatch(name="公交实时到站数据", grading="important"))
    query = "query($id: String!, $at: DateTime) { resource(id: $id, asOf: $at) { name grading exact } }"
    then = (await gql(query, {"id": draft.id, "at": first}))["data"]["resource"]
    assert then == {"name": "公交到站数据", "grading": "general", "exact": True}
    now = (await gql(query, {"id": draft.id, "at": None}))["data"]["resource"]
    assert now["name"] == "公交实时到站数据" and now["grading"] == "important"
