"""Assembling the inputs of value scores from mirrored registry records: one pass to index the related
records, then one ``ValueInputs`` per product or resource. Pure; works on the contract's typed records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from ..contract import Agreement, AnnualReport, Finding, Product, Record, Registration, Resource
from .value import ValueInputs

__all__ = ["ValueRecords", "build_inputs"]

# Agreements whose term is running (spec Arts. 13–14): what makes a product or resource in demand today.
RUNNING = frozenset({"active"})


class ValueRecords:
    """Typed records by kind, and what a value score reads about each product or resource, indexed once."""

    def __init__(self, records: Iterable[Record], as_of: date, dependents: dict[str, int] | None = None) -> None:
        """``dependents``: products per resource, when the caller counted them (a targeted refresh)."""
        self.resources: dict[str, Resource] = {}
        self.products: dict[str, Product] = {}
        self.corrections: dict[str, int] = defaultdict(int)
        self.open_findings: dict[str, int] = defaultdict(int)
        self.agreements: dict[str, int] = defaultdict(int)
        latest: dict[str, tuple[int, int, float]] = {}  # product → (year, volume, revenue) of its latest report
        for record in records:
            if isinstance(record, Resource):
                self.resources[record.id] = record
            elif isinstance(record, Product):
                self.products[record.id] = record
            elif isinstance(record, Registration) and record.type == "correction":
                self.corrections[record.subject_id] += 1
            elif isinstance(record, Finding) and record.status == "open":
                self.open_findings[record.subject_id] += 1
            elif isinstance(record, Agreement) and record.status in RUNNING \
                    and record.starts_on <= as_of <= record.ends_on:
                for ref in {*record.product_ids, *(i.resource_id for i in record.resources)}:
                    self.agreements[ref] += 1
            elif isinstance(record, AnnualReport):
                for line in record.products:
                    if line.product_id not in latest or latest[line.product_id][0] < record.year:
                        latest[line.product_id] = (record.year, line.volume, float(line.revenue))
        self.volume = {pid: float(v) for pid, (_, v, _) in latest.items()}
        self.revenue = {pid: r for pid, (_, _, r) in latest.items()}
        self.dependents: dict[str, int] = defaultdict(int)
        self.dependents.update(_dependents(self.products.values()) if dependents is None else dependents)
        self.as_of = as_of


def _dependents(products: Iterable[Product]) -> dict[str, int]:
    """Products per resource, each product counted once per resource it uses."""
    counts: dict[str, int] = defaultdict(int)
    for product in products:
        for rid in set(product.resource_ids):
            counts[rid] += 1
    return counts


def build_inputs(records: ValueRecords, subject: Resource | Product) -> ValueInputs:
    rid = subject.id
    sources = [records.resources[s] for s in subject.resource_ids if s in records.resources] \
        if isinstance(subject, Product) else []
    return ValueInputs(
        record=subject, as_of=records.as_of, resources=sources,
        open_compliance=records.open_findings.get(rid, 0), corrections=records.corrections.get(rid, 0),
        agreements=records.agreements.get(rid, 0), volume=records.volume.get(rid, 0.0),
        revenue=records.revenue.get(rid, 0.0), dependents=records.dependents.get(rid, 0),
    )
