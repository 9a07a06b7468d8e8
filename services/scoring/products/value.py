"""The value score of a product or resource (DOMAIN §4.2): quality per GB/T 36344's six dimensions from
declared and observed facts, demand, and scenario breadth. Pure; the caller gathers the records.

    quality   conformity     registered and no open compliance records
              completeness   share of the registration materials filled in (Art. 9(1) list)
              accuracy       corrections needed after registration (1 / (1 + corrections))
              consistency    a product's source resources are themselves registered
              timeliness     age of the data's last update (reported by its holder) against its declared
                             update frequency; a product's is its sources' mean; no reported update: 0
              accessibility  opening attribute (resource) or delivery form (product)
    demand    agreements in force naming it, and the volume and revenue of its latest annual-report line
              (log-scaled)
    breadth   application scenarios (product) or products built on it (resource)

Weights and caps are rules with room in them: they live in ``ValueRules`` with these documented defaults.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from ..contract import Product, Resource

__all__ = ["UPDATE_INTERVAL_DAYS", "ValueInputs", "ValueRules", "score_value"]

# The registry's update frequencies (registration/schemas.py Frequency) as the days between two updates; static
# data is never refreshed, so any reported update keeps it current.
UPDATE_INTERVAL_DAYS = {"realtime": 1, "daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92, "yearly": 366,
                        "irregular": 366, "static": None}
RESOURCE_FIELDS = ("name", "description", "data_items", "scale", "update_frequency", "quality",
                   "sharing_attribute", "opening_attribute", "grading", "source", "lawful_basis",
                   "security_assessment")
PRODUCT_FIELDS = ("name", "description", "form", "resource_ids", "scenarios", "use_type", "conditions_of_use",
                  "delivered_at")
OPENNESS = {"unconditional": 1.0, "conditional": 0.6, "not": 0.2}
FORMS = {"api": 1.0, "application": 1.0, "dataset": 0.8, "report": 0.8, "model": 0.7}
# The registry's subject statuses: registered counts fully, a draft a little; cancelled, revoked, expired nothing.
STATUS = {"registered": 1.0, "draft": 0.3}


@dataclass(frozen=True)
class ValueRules:
    quality_weight: float = 0.5
    demand_weight: float = 0.35
    breadth_weight: float = 0.15
    agreements_cap: float = 10
    volume_cap: float = 1_000_000
    revenue_cap: float = 10_000_000
    breadth_cap: float = 10


@dataclass
class ValueInputs:
    record: Resource | Product
    as_of: date
    resources: list[Resource] = field(default_factory=list)  # a product's sources, as mirrored
    open_compliance: int = 0
    corrections: int = 0
    agreements: int = 0
    volume: float = 0.0
    revenue: float = 0.0
    dependents: int = 0  # a resource: products built on it


def _log_share(x: float, cap: float) -> float:
    return min(math.log1p(x if x > 0 else 0.0) / _log1p(cap), 1.0)


@lru_cache(maxsize=64)
def _log1p(cap: float) -> float:
    return math.log1p(cap)


@lru_cache(maxsize=200_000)
def _timeliness_of(frequency: str, updated_on: date | None, as_of: date) -> float:
    """Age of the last data update against the declared interval; cached, since many products share a source."""
    if updated_on is None:
        return 0.0
    interval = UPDATE_INTERVAL_DAYS.get(frequency, 366)
    if interval is None:
        return 1.0
    age = max((as_of - updated_on).days, 0)
    return 1.0 if age <= interval else interval / age


def _timeliness(resource: Resource, as_of: date) -> float:
    return _timeliness_of(resource.update_frequency, resource.data_updated_on, as_of)


def _filled(record: Resource | Product, fields: tuple[str, ...]) -> float:
    # Materials are strings, lists, dicts or dates: empty ones are falsy.
    return sum(1 for f in fields if getattr(record, f)) / len(fields)


def score_value(inputs: ValueInputs, rules: ValueRules = ValueRules()) -> dict[str, Any]:
    r = inputs.record
    conformity = STATUS.get(r.status, 0.0) / (1 + inputs.open_compliance)
    accuracy = 1.0 / (1 + inputs.corrections)
    if isinstance(r, Product):
        completeness = _filled(r, PRODUCT_FIELDS)
        registered = sum(1 for s in inputs.resources if s.status == "registered")
        consistency = registered / len(r.resource_ids) if r.resource_ids else 0.0
        timely = [_timeliness(s, inputs.as_of) for s in inputs.resources]
        timeliness = sum(timely) / len(timely) if timely else 0.0
        accessibility = FORMS.get(r.form, 0.5)
        breadth_count = len(r.scenarios)
    else:
        completeness = _filled(r, RESOURCE_FIELDS)
        core_open = r.grading == "core" and r.opening_attribute == "unconditional"
        consistency = 0.0 if core_open else 1.0  # core data is never opened unconditionally
        timeliness = _timeliness(r, inputs.as_of)
        accessibility = OPENNESS.get(r.opening_attribute, 0.2)
        breadth_count = inputs.dependents
    quality = {"conformity": conformity, "completeness": completeness, "accuracy": accuracy,
               "consistency": consistency, "timeliness": timeliness, "accessibility": accessibility}
    quality_score = sum(quality.values()) / 6
    demand = {"agreements": inputs.agreements, "volume": inputs.volume, "revenue": inputs.revenue}
    demand_score = (_log_share(inputs.agreements, rules.agreements_cap) + _log_share(inputs.volume, rules.volume_cap)
                    + _log_share(inputs.revenue, rules.revenue_cap)) / 3
    breadth_score = _log_share(breadth_count, rules.breadth_cap)
    total = 100 * (rules.quality_weight * quality_score + rules.demand_weight * demand_score
                   + rules.breadth_weight * breadth_score)
    return {
        "total": round(total, 2),
        "quality": {**{k: round(v, 4) for k, v in quality.items()}, "score": round(quality_score, 4)},
        "demand": {**demand, "score": round(demand_score, 4)},
        "breadth": {"count": breadth_count, "score": round(breadth_score, 4)},
    }
