"""A year of registry history written in bulk, for the feed benchmarks: the tables hold what the registry's own
services would have left after the same steps, and the ledger holds one entry per step, as ``record()`` writes
it (same documents, leaf hashes, Merkle frontier, stored subtree nodes and head), in time order.

    agencies     resources: created, filed, accepted, approved, notice closed (registered), some still in review;
                 some updated, some with a data update reported
    operators    products: created, a ceiling and a specific price, registered (most); some updated; an
                 implementation plan, an agreement drafted, signed, filed and activated over agencies' resources
                 and the operator's products; a 2025 annual report
    sweeps       findings opened on products and resources, some resolved

``history(events)`` scales the world to about that many ledger entries. Appending them one ``record()`` per
transaction would take most of an hour; the rows are the same.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import JSON, insert, inspect, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.security import Principal
from services.registry.compliance.models import ComplianceRecord
from services.registry.ledger import merkle
from services.registry.ledger.canonical import canonical_bytes, format_time
from services.registry.ledger.models import HEAD_ID, LedgerEntry, LedgerHead, LedgerNode
from services.registry.ledger.service import entry_document
from services.registry.operation.models import (
    Agreement,
    AgreementProduct,
    AgreementResource,
    AnnualReport,
    OperatorSelection,
    Plan,
)
from services.registry.pricing.models import PriceRecord
from services.registry.registration.models import (
    Product,
    Registration,
    RegistrationEvent,
    RegistrationSubmission,
    Resource,
)

__all__ = ["History", "history", "write"]

START = datetime(2026, 1, 5, 1, tzinfo=UTC)
REGIONS = ["110000", "310000", "320100", "330100", "440300"]
DOMAINS = ["交通", "医疗", "教育", "环境", "气象", "社保", "税务", "市场"]
FREQUENCIES = ["realtime", "daily", "weekly", "monthly", "quarterly", "yearly"]
BOOKKEEPING = {"id", "org_id", "org_name", "status", "version", "created_at", "updated_at", "agreement_id",
               "agreement_ends_on"}
REGISTRAR = Principal(subject="registrar-1", org="registration-body", roles=frozenset({"registrar"}))
# Ledger entries of one operator and its two agencies, on average (counted): sizes the world.
PER_OPERATOR = 1003


def _template(model: type) -> dict[str, Any]:
    """A row of ``model`` with its declared defaults (ids and times are always given explicitly)."""
    out = {}
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            out[name] = info.default_factory()
        elif info.default is not PydanticUndefined:
            out[name] = info.default
    return out


@dataclass
class History:
    rows: dict[type, list[dict[str, Any]]] = field(default_factory=dict)
    # (time, principal, action, subject type, subject id, data) of every ledger entry, unordered.
    steps: list[tuple[datetime, Principal | None, str, str, str, dict]] = field(default_factory=list)
    agencies: list[tuple[str, str, str]] = field(default_factory=list)  # (org id, name, region)

    def add(self, model: type, **values: Any) -> dict[str, Any]:
        templates = self.rows.setdefault(model, [])
        row = {**_TEMPLATES.setdefault(model, _template(model)), **values}
        templates.append(row)
        return row

    def step(self, at: datetime, who: Principal | None, action: str, subject_type: str, subject_id: str,
             data: dict) -> None:
        self.steps.append((at, who, action, subject_type, subject_id, data))


_TEMPLATES: dict[type, dict[str, Any]] = {}
_ids = iter(range(1, 10**9))


def _id() -> str:
    return f"{0x019a00000000 + next(_ids):012x}{random.getrandbits(80):020x}"


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items() if k not in BOOKKEEPING}


def _register(h: History, rng: random.Random, owner: Principal, subject_type: str, subject: dict[str, Any],
              at: datetime, complete: bool) -> datetime:
    """A first registration filed at ``at``, accepted, and (``complete``) approved and coded after its notice."""
    rid = _id()
    steps = [("file", None, "submitted", at), ("accept", "submitted", "under_review", at + timedelta(days=2))]
    if complete:
        approved = steps[-1][3] + timedelta(days=rng.randint(3, 9))
        steps += [("approve", "under_review", "in_notice", approved),
                  ("close_notice", "in_notice", "registered", approved + timedelta(days=8))]
    names = {"file": "filed", "accept": "accepted", "approve": "approved", "close_notice": "notice_closed"}
    for action, before, after, when in steps:
        who = owner if action == "file" else REGISTRAR
        h.add(RegistrationEvent, id=_id(), registration_id=rid, action=action, from_state=before, to_state=after,
              actor=who.subject, actor_org=who.org, detail={}, at=when)
        h.step(when, who, f"registration.{names[action]}", "registration", rid, {
            "from": before, "to": after, "type": "first", "subject_type": subject_type,
            "subject_id": subject["id"]})
    coded = steps[-1][3]
    valid_from = coded.date() if complete else None
    h.add(Registration, id=rid, subject_type=subject_type, subject_id=subject["id"], type="first",
          state=steps[-1][2], org_id=owner.org, registrant_org_ids=[owner.org], registrant_names=[subject["org_name"]],
          data_name=subject["name"], materials={"attachments": [{"name": "存证记录.pdf", "sha256": "ab" * 32}]},
          materials_digest="cd" * 32, submitted_at=at, filing_due_on=at.date() + timedelta(days=rng.randint(-5, 25)),
          acceptance_due_on=at.date() + timedelta(days=14), accepted_at=steps[1][3],
          notice_starts_on=valid_from and valid_from - timedelta(days=8), notice_ends_on=valid_from,
          query_code=f"DR-{rid[-12:]}" if complete else None, valid_from=valid_from,
          valid_until=valid_from and valid_from + timedelta(days=3 * 365),
          coded_at=coded if complete else None, created_by=owner.subject, created_at=at, updated_at=coded)
    h.add(RegistrationSubmission, id=_id(), registration_id=rid, seq=1, materials={}, digest="cd" * 32,
          received_at=at, submitted_by=owner.subject)
    if complete:
        subject["status"] = "registered"
    return coded


def _resources(h: History, rng: random.Random, agency: Principal, name: str, region: str, count: int,
               end: datetime) -> list[str]:
    ids = []
    for n in range(count):
        at = START + timedelta(seconds=rng.randrange(int((end - START).total_seconds() * 0.8)))
        domain = rng.choice(DOMAINS)
        row = h.add(Resource, id=_id(), org_id=agency.org, org_name=name, name=f"{name}{domain}数据资源{n}",
                    description=f"{domain}业务系统汇聚的登记、许可与监测数据", region_code=region, domain=domain,
                    data_items=[{"name": f"字段{i}", "type": "string"} for i in range(rng.randint(2, 10))],
                    scale=f"{rng.randint(1, 500)} GB", update_frequency=rng.choice(FREQUENCIES), quality="完整",
                    sharing_attribute=rng.choice(["unconditional", "conditional", "not"]),
                    opening_attribute=rng.choice(["unconditional", "conditional", "not"]), grading="general",
                    source="业务系统", lawful_basis="数据条例", security_assessment={"risk_level": "low"},
                    operation_started_on=at.date(), created_at=at, updated_at=at)
        ids.append(row["id"])
        h.step(at, agency, "resource.created", "resource", row["id"],
               {"name": row["name"], "org_id": agency.org, "status": "draft", "snapshot": _snapshot(row)})
        last = _register(h, rng, agency, "resource", row, at + timedelta(days=rng.randint(1, 15)),
                         complete=rng.random() < 0.85)
        if rng.random() < 0.25:
            later = last + timedelta(days=rng.randint(1, 20))
            row["data_updated_on"] = later.date()
            h.step(later, agency, "resource.data_updated", "resource", row["id"],
                   {"updated_on": later.date().isoformat(), "data_updated_on": later.date().isoformat()})
        if rng.random() < 0.25:
            later = last + timedelta(days=rng.randint(1, 30))
            row.update(description=row["description"] + "（已更新）", updated_at=later, version=2)
            h.step(later, agency, "resource.updated", "resource", row["id"],
                   {"fields": ["description"], "status": row["status"], "snapshot": _snapshot(row)})
    return ids


def _operator(h: History, rng: random.Random, k: int, resources: list[str], products: int, end: datetime) -> None:
    region = REGIONS[k % len(REGIONS)]
    op = Principal(subject=f"operator-{k}", org=f"op-{k:04d}", roles=frozenset({"operator"}))
    body = Principal(subject=f"body-{k}", org=f"body-{region}", roles=frozenset({"authority"}))
    name = f"第{k}号数据运营公司"
    planned = START + timedelta(days=rng.randint(0, 30))
    plan = h.add(Plan, id=_id(), name=f"{region}授权运营实施方案{k}", region_code=region, authorizer_name="市人民政府",
                 implementing_org_id=body.org, implementing_org_name="数据局", mode="domain", items={"data_scope": "目录"},
                 status="filed", approval_body="市政府常务会议", approval_date=planned.date(), approved_version=1,
                 filed_with="省数据局", filed_on=planned.date(), filing_no=f"数备{k}", created_by=body.subject,
                 created_at=planned, updated_at=planned)
    for n, action in enumerate(("created", "approved", "filed", "operator_selected")):
        h.step(planned + timedelta(hours=n), body, f"plan.{action}", "plan", plan["id"], {"version": 1})
    selection = h.add(OperatorSelection, id=_id(), plan_id=plan["id"], operator_org_id=op.org, operator_org_name=name,
                      method="open_tender", decided_on=planned.date(), evidence=[{"title": "中标通知书"}],
                      recorded_by=body.subject, created_at=planned)
    pids = []
    for n in range(products):
        at = planned + timedelta(seconds=rng.randrange(int((end - planned).total_seconds() * 0.7)))
        row = h.add(Product, id=_id(), org_id=op.org, org_name=name, name=f"{name}数据产品{n}",
                    description="面向行业的数据服务", form=rng.choice(["api", "dataset", "report"]),
                    resource_ids=rng.sample(resources, rng.randint(1, 3)),
                    scenarios=[f"场景{rng.randrange(30)}" for _ in range(rng.randint(1, 4))], use_type="industry",
                    conditions_of_use="签约用户", region_code=region, created_at=at, updated_at=at)
        pids.append(row["id"])
        h.step(at, op, "product.created", "product", row["id"],
               {"name": row["name"], "org_id": op.org, "status": "draft", "snapshot": _snapshot(row)})
        for layer, kind, price, who in (("ceiling", "ceiling", "0.05", body), ("operator", "specific", "0.04", op)):
            when = at + timedelta(days=1, hours=len(kind))
            price_row = h.add(PriceRecord, id=_id(), product_id=row["id"], layer=layer, kind=kind,
                              billing_unit="per_call", tiers=[{"up_to": None, "unit_price": price}],
                              unit_price=Decimal(price), effective_from=when.date() + timedelta(days=1),
                              basis="成本核算", set_by=who.subject, set_by_org=who.org, set_by_org_name=name,
                              created_at=when)
            h.step(when, who, f"price.{kind}_set", "product", row["id"], {
                "price_record_id": price_row["id"], "billing_unit": "per_call", "unit_price": price,
                "effective_from": price_row["effective_from"].isoformat(), "kind": kind})
        if rng.random() < 0.8:
            _register(h, rng, op, "product", row, at + timedelta(days=rng.randint(2, 10)), complete=True)
        if rng.random() < 0.4:
            later = at + timedelta(days=rng.randint(30, 60))
            row.update(scenarios=[*row["scenarios"], "新场景"], updated_at=later, version=2)
            h.step(later, op, "product.updated", "product", row["id"],
                   {"fields": ["scenarios"], "status": row["status"], "snapshot": _snapshot(row)})
    starts = planned + timedelta(days=20)
    agreement = h.add(Agreement, id=_id(), plan_id=plan["id"], selection_id=selection["id"],
                      implementing_org_id=body.org, operator_org_id=op.org, operator_org_name=name, region_code=region,
                      mode="domain", starts_on=starts.date(), ends_on=starts.date() + timedelta(days=3 * 365),
                      terms={"revenue_sharing": "30%"}, status="active", signed_on=starts.date(),
                      filed_on=starts.date(), filing_no=f"协备{k}", plan_approved_on=planned.date(),
                      plan_filed_on=planned.date(), created_by=body.subject, created_at=starts, updated_at=starts)
    scope = rng.sample(resources, 20)
    for rid in scope:
        h.add(AgreementResource, id=_id(), agreement_id=agreement["id"], resource_id=rid)
    for pid in pids:
        h.add(AgreementProduct, id=_id(), agreement_id=agreement["id"], product_id=pid)
    for n, action in enumerate(("drafted", "signed", "filed", "activated")):
        h.step(starts + timedelta(hours=n), body, f"agreement.{action}", "agreement", agreement["id"],
               {"on": starts.date().isoformat()})
    filed = datetime(2026, 3, 20, 2, tzinfo=UTC) + timedelta(minutes=k)
    report = h.add(AnnualReport, id=_id(), operator_org_id=op.org, operator_org_name=name, year=2025,
                   business_overview="运营平稳", operating_cost=Decimal("800000.00"), revenue=Decimal("950000.00"),
                   profit=Decimal("100000.00"), products=[{"product_id": p, "volume": rng.randrange(10**6),
                                                           "revenue": "1000.00"} for p in pids[:20]],
                   benchmark=Decimal("1000000.00"), deviation="-0.0500", submitted_by=op.subject, submitted_at=filed)
    h.step(filed, op, "report.filed", "annual_report", report["id"], {"year": 2025, "revenue": "950000.00"})
    for pid in rng.sample(pids, min(len(pids), 30)):
        opened = planned + timedelta(days=rng.randint(40, 300))
        resolved = rng.random() < 0.3
        finding = h.add(ComplianceRecord, id=_id(), rule_id="PRICE-ABOVE-CEILING", severity="hard",
                        subject_type="product", subject_id=pid, org_id=op.org, detail="价格高于上限",
                        facts={"unit_price": "0.06"}, status="resolved" if resolved else "open", detected_at=opened,
                        resolved_at=opened + timedelta(days=7) if resolved else None)
        h.step(opened, None, "compliance.opened", "compliance_record", finding["id"],
               {"rule_id": "PRICE-ABOVE-CEILING", "subject_type": "product", "subject_id": pid})
        if resolved:
            h.step(opened + timedelta(days=7), None, "compliance.resolved", "compliance_record", finding["id"], {})


def history(events: int, seed: int = 13) -> History:
    """A world of about ``events`` ledger entries: agencies with 60 resources, operators with 50 products."""
    rng = random.Random(seed)
    end = datetime(2026, 11, 30, tzinfo=UTC)
    operators = max(1, round(events / PER_OPERATOR))
    h = History()
    resources: list[str] = []
    for a in range(operators * 2):
        region = REGIONS[a % len(REGIONS)]
        agency = Principal(subject=f"agency-{a}", org=f"ag-{a:04d}", roles=frozenset({"agency"}))
        name = f"第{a}号数据管理部门"
        h.agencies.append((agency.org, name, region))
        resources += _resources(h, rng, agency, name, region, 60, end)
    for k in range(operators):
        _operator(h, rng, k, resources, 50, end)
    return h


def _ledger(steps: list[tuple]) -> Iterator[tuple[list[dict], list[dict], list[bytes]]]:
    """Ledger rows as ``record()`` appends them, in batches: (entries, nodes, frontier after the batch)."""
    frontier: list[bytes] = []
    entries, nodes = [], []
    for size, (at, who, action, subject_type, subject_id, data) in enumerate(sorted(steps, key=lambda s: s[0])):
        leaf_input = canonical_bytes(entry_document(size + 1, format_time(at), who, action, subject_type,
                                                    subject_id, data))
        leaf = merkle.leaf_hash(leaf_input)
        frontier, created = merkle.append_frontier(size, frontier, leaf)
        entries.append({"sequence": size + 1, "recorded_at": at, "actor_subject": who.subject if who else None,
                        "actor_org": who.org if who else None, "action": action, "subject_type": subject_type,
                        "subject_id": subject_id, "leaf_input": leaf_input, "leaf_hash": leaf})
        nodes += [{"level": lv, "index": ix, "hash": h} for lv, ix, h in created]
        if len(entries) == 5000:
            yield entries, nodes, frontier
            entries, nodes = [], []
    yield entries, nodes, frontier


async def _insert(session: AsyncSession, model: type, rows: list[dict[str, Any]]) -> None:
    """Rows of ``model`` in bulk: PostgreSQL's COPY (several times faster than batched INSERTs), else INSERTs."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        for start in range(0, len(rows), 5000):
            await session.execute(insert(model), rows[start:start + 5000])
        return
    columns = [(prop.key, prop.columns[0]) for prop in inspect(model).column_attrs]
    records = [tuple(json.dumps(row[key]) if isinstance(column.type, JSON) else row[key] for key, column in columns)
               for row in rows]
    raw = await (await session.connection()).get_raw_connection()
    await raw.driver_connection.copy_records_to_table(model.__tablename__, records=records,
                                                      columns=[column.name for _, column in columns])


async def write(session: AsyncSession, h: History) -> int:
    """Every row and ledger entry of ``h``, in bulk; returns the ledger's size."""
    for model in (Resource, Product, Registration, RegistrationSubmission, RegistrationEvent, PriceRecord, Plan,
                  OperatorSelection, Agreement, AgreementResource, AgreementProduct, AnnualReport, ComplianceRecord):
        await _insert(session, model, h.rows.get(model, []))
    size, frontier = 0, []
    for entries, nodes, frontier in _ledger(h.steps):  # noqa: B007 (the last frontier is the head's)
        size += len(entries)
        await _insert(session, LedgerEntry, entries)
        await _insert(session, LedgerNode, nodes)
    await session.execute(insert(LedgerHead), [{"id": HEAD_ID, "size": size, "frontier": b"".join(frontier),
                                                "root_hash": merkle.root_from_frontier(frontier),
                                                "updated_at": datetime.now(UTC)}])
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("ANALYZE"))  # as autovacuum would have, long before the year was over
    return size
