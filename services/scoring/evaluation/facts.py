"""Indicator facts of an organization or a region for a period, computed from mirrored registry records
(DOMAIN §4.1; the fact names are those a model's computed indicators may use, see ``COMPUTED_FACTS``).

Stocks (registered resources, agreements in force, open compliance records) are counted as of the end of the
period; flows (annual reports, revenue, volumes) are those reported for the period. A fact with nothing to
measure (a rate over zero registrations) is None, which the engine scores 0 and flags as missing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

__all__ = ["FREQUENT", "agreement_resources", "facts_for", "in_region", "region_prefix"]

FREQUENT = {"realtime", "daily", "weekly"}
# The registry's compliance rules are "hard" (a broken statutory rule) or "soft" (DOMAIN §5).
HIGH = {"hard", "high", "critical"}
OPEN = {"open"}
LIVE_AGREEMENTS = {"active"}
UNBOUNDED = 1e6


def region_prefix(code: str) -> str:
    """GB/T 2260: 310000 is a province, 310100 a city in it; strip the trailing zero pairs."""
    prefix = code
    while prefix.endswith("00") and len(prefix) > 2:
        prefix = prefix[:-2]
    return prefix


def in_region(region_code: str | None, region: str) -> bool:
    return bool(region_code) and str(region_code).startswith(region_prefix(region))


def _year(value: Any) -> int | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).year
    except ValueError:
        return None


def _day(value: Any) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        return None


def agreement_resources(agreement: dict[str, Any]) -> set[str]:
    """The resources an agreement authorizes: ``resources[].resource_id`` at the registry."""
    ids = {str(i["resource_id"]) for i in agreement.get("resources") or [] if isinstance(i, dict)
           and i.get("resource_id")}
    return ids | {str(i) for i in agreement.get("resource_ids") or []}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def _as_of(records: list[dict[str, Any]], year: int) -> list[dict[str, Any]]:
    return [r for r in records if (_year(r.get("created_at")) or year) <= year]


def facts_for(by_kind: dict[str, list[dict[str, Any]]], period: str,
              all_agreements: list[dict[str, Any]] | None = None) -> dict[str, float | None]:
    """``by_kind``: this subject's records (payload dicts with "id"); ``all_agreements``: every agreement, since
    the agreements naming an agency's resources belong to the operators."""
    year = int(period)
    resources = _as_of(by_kind.get("resource", []), year)
    products = _as_of(by_kind.get("product", []), year)
    registered_res = [r for r in resources if r.get("status") == "registered"]
    registered_prod = [p for p in products if p.get("status") == "registered"]
    firsts = [g for g in _as_of(by_kind.get("registration", []), year)
              if g.get("type") == "first" and g.get("filing_due_on") and g.get("submitted_at")]
    on_time = sum(1 for g in firsts if (_day(g["submitted_at"]) or date.max) <= (_day(g["filing_due_on"]) or date.min))
    agreements = [a for a in _as_of(by_kind.get("agreement", []), year)
                  if str(a.get("status", "active")) in LIVE_AGREEMENTS]
    live = [a for a in (all_agreements if all_agreements is not None else agreements)
            if str(a.get("status", "active")) in LIVE_AGREEMENTS]
    named = {rid for a in live for rid in agreement_resources(a)}
    own_resources = {r["id"]: r for r in resources}
    named_own = [rid for rid in named if rid in own_resources]
    compliance = [c for c in _as_of(by_kind.get("compliance_record", []), year)
                  if str(c.get("status", "open")) in OPEN]
    # A product is priced once its operator has set a specific or trial price (layer "operator").
    priced = {p.get("product_id") for p in by_kind.get("price", [])
              if any(isinstance(x, dict) and x.get("layer") == "operator" for x in p.get("prices") or [])}
    reports = [a for a in by_kind.get("annual_report", []) if str(a.get("year", "")) == period]
    revenue = sum(float(a["revenue"]) if a.get("revenue") is not None else
                  sum(float(line.get("revenue") or 0) for line in a.get("products") or []) for a in reports)
    volume = sum(float(line.get("volume") or 0) for a in reports for line in a.get("products") or [])
    deviations = []
    for a in reports:
        actual = a.get("revenue", a.get("actual_revenue"))
        ceiling = a.get("benchmark") or a.get("max_allowed_revenue")
        if a.get("deviation") is not None:
            # Revenue against a zero maximum is an unbounded deviation ("Infinity" at the registry): keep JSON
            # finite and let it score as the worst.
            deviations.append(min(abs(float(a["deviation"])), UNBOUNDED))
        elif actual is not None and ceiling:
            deviations.append(abs(float(actual) - float(ceiling)) / float(ceiling))
    scenarios = {s for p in registered_prod for s in p.get("scenarios") or [] if isinstance(s, str)}
    return {
        "registered_resources": float(len(registered_res)),
        "registered_products": float(len(registered_prod)),
        "registration_on_time_rate": _share(on_time, len(firsts)),
        "registration_coverage": _share(sum(1 for rid in named_own if own_resources[rid].get("status")
                                            == "registered"), len(named_own)),
        "resource_fields_declared": round(sum(len(r.get("data_items") or []) for r in resources) / len(resources), 6)
        if resources else None,
        "frequently_updated_share": _share(sum(1 for r in resources if str(r.get("update_frequency")).lower()
                                               in FREQUENT), len(resources)),
        "conditional_or_open_share": _share(sum(1 for r in resources if r.get("sharing_attribute")
                                                in ("unconditional", "conditional")), len(resources)),
        "open_compliance_records": float(len(compliance)),
        "high_severity_open_records": float(sum(1 for c in compliance if str(c.get("severity")).lower() in HIGH)),
        "active_agreements": float(len(agreements)),
        "priced_products": float(sum(1 for p in products if p["id"] in priced)),
        "annual_reports_filed": float(len(reports)),
        "revenue_deviation": round(max(deviations), 6) if deviations else None,
        "product_revenue": revenue,
        "product_volume": volume,
        "scenario_count": float(len(scenarios)),
    }
