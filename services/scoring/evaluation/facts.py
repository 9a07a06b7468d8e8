"""Indicator facts of an organization or a region for a period, computed from mirrored registry records
(DOMAIN §4.1). Each fact, the registry fields it reads, its formula and its period rule are tabled in
docs/scoring-indicators.md; ``FACTS`` names them for the models (a computed indicator names its fact).

Period rule: a period is a calendar year. Stocks (registered resources, agreements in force, open findings,
prices in effect) are counted on the period's last day; flows (first filings, annual reports, revenue, volumes)
are those within the period. The current year is evaluated year to date — its last day is today — and marked
provisional. A fact with nothing to measure (a rate over zero filings) is None: the engine scores it 0 and flags
it missing, so an empty record earns nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from services.kernel.problems import Unprocessable
from services.kernel.timeutil import china_day

from ..contract import Agreement, AnnualReport, Finding, Product, Registration, Resource

__all__ = ["FACTS", "FREQUENT", "Period", "RecordSet", "facts_for", "in_region", "region_prefix"]

R = TypeVar("R")
FREQUENT = frozenset({"realtime", "daily", "weekly"})
# A registration stops covering its subject on the day it is revoked, cancelled, expired or superseded (its
# successor then covers from its own code assignment).
ENDS = frozenset({"revoked", "cancelled", "expired", "superseded"})
# Agreements whose term ran in force; suspended and terminated ones carry no date of the change in the
# registry's record, so they are not counted as in force on a past day.
IN_FORCE_AGREEMENTS = frozenset({"active", "expired"})
UNBOUNDED = 1e6
FACTS = (
    "registered_resources", "registered_products", "registration_on_time_rate", "registration_coverage",
    "resource_fields_declared", "frequently_updated_share", "conditional_or_open_share", "security_assessed_share",
    "open_compliance_records", "high_severity_open_records", "active_agreements", "priced_products",
    "annual_reports_filed", "product_revenue", "product_volume", "revenue_deviation", "scenario_count",
)


@dataclass(frozen=True)
class Period:
    year: int
    start: date
    end: date  # the day stocks are counted on
    provisional: bool

    @classmethod
    def of(cls, period: str, today: date) -> Period:
        year = int(period)
        if year > today.year:
            raise Unprocessable(f"Period {period} has not started.", slug="period-not-started",
                                errors=[{"field": "period", "message": f"after {today.year}"}])
        if year == today.year:
            return cls(year, date(year, 1, 1), today, True)
        return cls(year, date(year, 1, 1), date(year, 12, 31), False)


def region_prefix(code: str) -> str:
    """GB/T 2260: 310000 is a province, 310100 a city in it; strip the trailing zero pairs."""
    prefix = code
    while prefix.endswith("00") and len(prefix) > 2:
        prefix = prefix[:-2]
    return prefix


def in_region(region_code: str | None, region: str) -> bool:
    return bool(region_code) and str(region_code).startswith(region_prefix(region))


def _group(records: Iterable[R], key: Callable[[R], str | None]) -> dict[str | None, list[R]]:
    groups: dict[str | None, list[R]] = defaultdict(list)
    for record in records:
        groups[key(record)].append(record)
    return groups


class InForce:
    """Agreements in force on one day, by party (operator or implementing body) and by resource in their scope;
    as positions in the list, so an agreement found several ways counts once."""

    def __init__(self, agreements: list[Agreement]) -> None:
        self.by_party: dict[str, set[int]] = defaultdict(set)
        self.by_resource: dict[str, set[int]] = defaultdict(set)
        for n, a in enumerate(agreements):
            self.by_party[a.operator_org_id].add(n)
            self.by_party[a.implementing_org_id].add(n)
            for item in a.resources:
                self.by_resource[item.resource_id].add(n)

    def involving(self, orgs: set[str], resources: set[str]) -> set[int]:
        """Agreements an organization of ``orgs`` is party to, or that name one of ``resources``."""
        found: set[int] = set()
        for org in orgs:
            found |= self.by_party.get(org, set())
        for rid in resources:
            found |= self.by_resource.get(rid, set())
        return found


@dataclass
class RecordSet:
    """Typed mirrored records of one evaluation, indexed once for every subject of the run."""

    resources: list[Resource] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)
    reports: list[AnnualReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.registrations_of: dict[str, list[Registration]] = defaultdict(list)
        for r in self.registrations:
            self.registrations_of[r.subject_id].append(r)
        self.resource_owner = {r.id: r.org_id for r in self.resources}
        # Each organization's own records: a subject's facts read its share, not every record of the run.
        self.resources_of = _group(self.resources, lambda r: r.org_id)
        self.products_of = _group(self.products, lambda p: p.org_id)
        self.filed_by = _group(self.registrations, lambda g: g.org_id)
        self.reports_of = _group(self.reports, lambda r: r.operator_org_id)
        self.findings_of = _group(self.findings, lambda f: f.org_id)
        self._in_force: dict[date, InForce] = {}

    def in_force(self, day: date) -> InForce:
        """The agreements in force on ``day``, indexed (once per day, whatever the number of subjects)."""
        found = self._in_force.get(day)
        if found is None:
            found = self._in_force[day] = InForce([a for a in self.agreements if _in_force(a, day)])
        return found

    def registered_on(self, subject_id: str, day: date) -> bool:
        """Coded and in its validity on ``day``, and not ended on or before it (Art. 15; Art. 20)."""
        for r in self.registrations_of.get(subject_id, ()):
            if r.valid_from is None or r.valid_from > day or (r.valid_until is not None and day > r.valid_until):
                continue
            ended = min((china_day(e.at) for e in r.events if e.to_state in ENDS), default=None)
            if ended is None or ended > day:
                return True
        return False


def _in_force(agreement: Agreement, day: date) -> bool:
    return agreement.status in IN_FORCE_AGREEMENTS and agreement.starts_on <= day <= agreement.ends_on


def _open_on(finding: Finding, day: date) -> bool:
    if china_day(finding.detected_at) > day:
        return False
    closed = [china_day(t) for t in (finding.resolved_at, finding.waived_at) if t is not None]
    return not closed or min(closed) > day


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _deviation(report: AnnualReport) -> float | None:
    if report.deviation is None:
        return None
    value = abs(float(report.deviation))  # "Infinity": revenue against a zero maximum
    return min(value, UNBOUNDED)


def facts_for(records: RecordSet, orgs: Iterable[str], period: Period) -> dict[str, float | None]:
    """The facts of the organizations ``orgs`` taken together (one organization, or a region's members)."""
    members = set(orgs)
    end = period.end
    resources = [r for m in members for r in records.resources_of.get(m, ()) if china_day(r.created_at) <= end]
    products = [p for m in members for p in records.products_of.get(m, ()) if china_day(p.created_at) <= end]
    registered_res = [r for r in resources if records.registered_on(r.id, end)]
    registered_prod = [p for p in products if records.registered_on(p.id, end)]
    own = {r.id for r in resources}
    firsts = [(min(s.received_at for s in g.evidence.submissions), g.deadlines.filing_due_on)
              for m in members for g in records.filed_by.get(m, ()) if g.type == "first"
              and g.evidence.submissions and g.deadlines.filing_due_on is not None]
    firsts = [(china_day(received), due) for received, due in firsts
              if period.start <= china_day(received) <= end]
    in_force = records.in_force(end)
    involved = in_force.involving(members, own)
    named_own = {rid for rid in own if rid in in_force.by_resource}
    findings = [f for m in members for f in records.findings_of.get(m, ()) if _open_on(f, end)]
    # No findings is merit only where there is something to find fault with: records held or operated.
    supervised = bool(resources or products or involved)
    reports = [r for m in members for r in records.reports_of.get(m, ()) if r.year == period.year]
    deviations = [d for d in map(_deviation, reports) if d is not None]
    scenarios = {s for p in registered_prod for s in p.scenarios}
    return {
        "registered_resources": float(len(registered_res)),
        "registered_products": float(len(registered_prod)),
        "registration_on_time_rate": _share(sum(1 for received, due in firsts if received <= due), len(firsts)),
        "registration_coverage": _share(sum(1 for rid in named_own if records.registered_on(rid, end)),
                                        len(named_own)),
        "resource_fields_declared": sum(len(r.data_items) for r in resources) / len(resources) if resources else None,
        "frequently_updated_share": _share(sum(1 for r in resources if r.update_frequency in FREQUENT),
                                           len(resources)),
        "conditional_or_open_share": _share(sum(1 for r in resources if r.sharing_attribute
                                                in ("unconditional", "conditional")), len(resources)),
        "security_assessed_share": _share(sum(1 for r in resources if r.security_assessment.get("risk_level")),
                                          len(resources)),
        "open_compliance_records": float(len(findings)) if supervised else None,
        "high_severity_open_records": float(sum(1 for f in findings if f.severity == "hard")) if supervised
        else None,
        "active_agreements": float(len(involved)),
        "priced_products": float(sum(1 for p in products if any(
            x.layer == "operator" and x.in_effect(end) for x in p.prices))),
        "annual_reports_filed": float(len(reports)),
        "product_revenue": float(sum(r.revenue for r in reports)),
        "product_volume": float(sum(line.volume for r in reports for line in r.products)),
        "revenue_deviation": max(deviations) if deviations else None,
        "scenario_count": float(len(scenarios)),
    }
