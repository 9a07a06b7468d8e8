"""A generated registry mirror for the scoring benchmarks: organizations spread over regions, each with
resources, products (with prices), registrations, agreements, annual reports and findings, built as the
contract's typed records (``services/scoring/contract.py``), so every payload validates exactly as one the feed
consumer mirrored would. Deterministic for a seed; dates lie between two years ago and yesterday."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from services.kernel.timeutil import CHINA
from services.scoring.contract import Agreement, AnnualReport, Finding, Price, Product, Record, Registration, Resource

__all__ = ["Shape", "mirror", "mirror_rows", "today"]

CITIES = ["110000", "310000", "320100", "320200", "330100", "330200", "370100", "370200", "440100", "440300",
          "510100", "420100", "610100", "350100", "430100"]
FREQUENCIES = ["realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular", "static"]
ATTRIBUTES = ["unconditional", "conditional", "not"]
FORMS = ["api", "dataset", "model", "report", "application"]
SUBJECT_STATUS = ["registered"] * 7 + ["draft"] * 2 + ["cancelled"]
AGREEMENT_STATUS = ["active"] * 6 + ["expired", "draft", "suspended", "terminated"]
RULES = [("REG-FILING-LATE", "soft"), ("PRICE-ABOVE-CEILING", "hard"), ("REPORT-OVERDUE", "hard"),
         ("RESOURCE-STALE", "soft")]


def today() -> date:
    return datetime.now(CHINA).date()


@dataclass(frozen=True)
class Shape:
    """Records per organization (reports: one a year, for the last ``reports`` years)."""

    resources: int = 10
    products: int = 10
    registrations: int = 10
    agreements: int = 10
    reports: int = 3
    findings: int = 10
    report_lines: int = 10


def _instant(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randrange(1, 10), rng.randrange(60)), tzinfo=UTC)


def mirror(orgs: int, shape: Shape = Shape(), seed: int = 13) -> list[tuple[str, Record]]:
    """(kind, record) for ``orgs`` organizations shaped by ``shape``."""
    rng = random.Random(seed)
    end = today() - timedelta(days=1)
    first = date(end.year - 2, 1, 1)
    span = (end - first).days

    def day() -> date:
        return first + timedelta(days=rng.randrange(span))

    ids = [f"org{o:05d}" for o in range(orgs)]
    names = {o: f"第{o}号数据运营机构" for o in ids}
    regions = {o: rng.choice(CITIES) for o in ids}
    resources = {o: [f"r{o[3:]}-{k}" for k in range(shape.resources)] for o in ids}
    products = {o: [f"p{o[3:]}-{k}" for k in range(shape.products)] for o in ids}
    every_resource = [r for rs in resources.values() for r in rs]
    out: list[tuple[str, Record]] = []
    for o in ids:
        for rid in resources[o]:
            created = day()
            out.append(("resource", Resource(
                id=rid, org_id=o, org_name=names[o], region_code=regions[o], status=rng.choice(SUBJECT_STATUS),
                name=f"{names[o]}的数据资源{rid}", description="汇聚业务系统的登记、许可与监测数据，按需共享。",
                data_items=[{"name": f"字段{i}", "type": "string"} for i in range(rng.randint(1, 12))],
                scale=f"{rng.randint(1, 900)} GB", update_frequency=rng.choice(FREQUENCIES), quality="完整、准确",
                sharing_attribute=rng.choice(ATTRIBUTES), opening_attribute=rng.choice(ATTRIBUTES),
                grading=rng.choice(["general", "important", "core"]), source="业务系统", lawful_basis="数据条例",
                security_assessment={"risk_level": "low"} if rng.random() < 0.7 else {},
                data_updated_on=created + timedelta(days=rng.randrange(30)) if rng.random() < 0.6 else None,
                created_at=_instant(created, rng), updated_at=_instant(created, rng))))
        for pid in products[o]:
            created = day()
            prices = []
            for layer, price in (("ceiling", "0.05"), ("operator", "0.04"))[:rng.randint(0, 2)]:
                prices.append(Price(id=f"{pid}-{layer}", product_id=pid, layer=layer,
                                    kind="ceiling" if layer == "ceiling" else "specific",
                                    unit_price=Decimal(price), effective_from=created, effective_to=None))
            out.append(("product", Product(
                id=pid, org_id=o, org_name=names[o], region_code=regions[o], status=rng.choice(SUBJECT_STATUS),
                name=f"{names[o]}的数据产品{pid}", description="面向行业的数据服务", form=rng.choice(FORMS),
                resource_ids=rng.sample(every_resource, rng.randint(1, 3)),
                scenarios=[f"场景{rng.randrange(40)}" for _ in range(rng.randint(0, 5))],
                use_type=rng.choice(["industry", "public_welfare"]), conditions_of_use="签约用户",
                delivered_at=created + timedelta(days=30) if rng.random() < 0.5 else None, prices=prices,
                created_at=_instant(created, rng), updated_at=_instant(created, rng))))
        subjects = [("resource", r) for r in resources[o]] + [("product", p) for p in products[o]]
        for k, (subject_type, subject_id) in enumerate(rng.sample(subjects, min(shape.registrations,
                                                                                 len(subjects)))):
            filed = day()
            coded = rng.random() < 0.8
            steps = [("submitted", filed), ("accepted", filed + timedelta(days=3))]
            if coded:
                steps.append(("registered", filed + timedelta(days=20)))
            if coded and rng.random() < 0.05:
                steps.append(("revoked", filed + timedelta(days=200)))
            out.append(("registration", Registration(
                id=f"g{o[3:]}-{k}", subject_type=subject_type, subject_id=subject_id,
                type="first" if rng.random() < 0.85 else "correction", state=steps[-1][0], org_id=o,
                valid_from=filed + timedelta(days=20) if coded else None,
                valid_until=filed + timedelta(days=20 + 3 * 365) if coded else None,
                deadlines={"filing_due_on": filed + timedelta(days=rng.randint(-10, 28))},
                evidence={"submissions": [{"seq": 1, "received_at": _instant(filed, rng)}]},
                events=[{"to_state": state, "at": _instant(on, rng)} for state, on in steps],
                created_at=_instant(filed, rng))))
        for k in range(shape.agreements):
            starts = day()
            out.append(("agreement", Agreement(
                id=f"a{o[3:]}-{k}", implementing_org_id=rng.choice(ids), operator_org_id=o,
                operator_org_name=names[o], region_code=regions[o], starts_on=starts,
                ends_on=starts + timedelta(days=3 * 365), status=rng.choice(AGREEMENT_STATUS),
                resources=[{"resource_id": r} for r in rng.sample(every_resource, rng.randint(1, 5))],
                product_ids=rng.sample(products[o], min(len(products[o]), rng.randint(1, 3))),
                created_at=_instant(starts - timedelta(days=10), rng))))
        for year in range(end.year - shape.reports, end.year):
            revenue = Decimal(rng.randrange(10**5, 10**7)) / 100
            benchmark = (revenue * Decimal(rng.randrange(80, 120)) / 100).quantize(Decimal("0.01"))
            lines = rng.sample(products[o], min(len(products[o]), shape.report_lines)) if products[o] else []
            out.append(("annual_report", AnnualReport(
                id=f"ar{o[3:]}-{year}", operator_org_id=o, operator_org_name=names[o], year=year, revenue=revenue,
                products=[{"product_id": p, "volume": rng.randrange(10**6), "revenue": "1000.00"} for p in lines],
                benchmark=benchmark, deviation=str(((revenue - benchmark) / benchmark).quantize(Decimal("0.0001"))),
                submitted_at=datetime(year + 1, 3, rng.randint(1, 31), 9, tzinfo=UTC))))
        for k in range(shape.findings):
            rule, severity = rng.choice(RULES)
            subject_type, subject_id = rng.choice(subjects)
            detected = day()
            status = rng.choice(["open", "open", "resolved", "waived"])
            out.append(("compliance_record", Finding(
                id=f"c{o[3:]}-{k}", rule_id=rule, severity=severity, subject_type=subject_type,
                subject_id=subject_id, org_id=o, status=status, detected_at=_instant(detected, rng),
                resolved_at=_instant(detected + timedelta(days=9), rng) if status == "resolved" else None,
                waived_at=_instant(detected + timedelta(days=5), rng) if status == "waived" else None)))
    return out


def mirror_rows(records: list[tuple[str, Record]]) -> list[dict]:
    """``registry_records`` rows as the feed consumer writes them (``mirror/store.py``)."""
    now = datetime.now(UTC)
    return [{"kind": kind, "record_id": r.id, "org_id": r.owner, "region_code": r.region, "subject_id": r.about,
             "payload": r.model_dump(mode="json"), "seq": n + 1, "deleted": False, "updated_at": now}
            for n, (kind, r) in enumerate(records)]
