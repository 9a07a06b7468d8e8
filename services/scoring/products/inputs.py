"""Assembling the inputs of value scores from mirrored registry records: one pass to index the related
records, then one ``ValueInputs`` per product or resource. Pure; works on plain payload dicts."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from ..evaluation.facts import LIVE_AGREEMENTS, agreement_resources
from .value import ValueInputs

__all__ = ["RecordSet", "build_inputs"]

OPEN_STATES = {"open"}


class RecordSet:
    """Payloads by kind: product, resource, registration, compliance_record, agreement, annual_report."""

    def __init__(self, by_kind: dict[str, list[dict[str, Any]]],
                 dependents: dict[str, int] | None = None) -> None:
        """``dependents``: products per resource, when the caller counted them (a targeted refresh)."""
        self.by_kind = by_kind
        self.resources = {r["id"]: r for r in by_kind.get("resource", []) if r.get("id")}
        self.corrections: dict[str, int] = defaultdict(int)
        for reg in by_kind.get("registration", []):
            if reg.get("type") == "correction" and reg.get("subject_id"):
                self.corrections[reg["subject_id"]] += 1
        self.open_compliance: dict[str, int] = defaultdict(int)
        for rec in by_kind.get("compliance_record", []):
            subject = rec.get("subject_id") or rec.get("product_id") or rec.get("resource_id")
            if subject and str(rec.get("status", "open")) in OPEN_STATES:
                self.open_compliance[subject] += 1
        self.agreements: dict[str, int] = defaultdict(int)
        for ag in by_kind.get("agreement", []):
            if str(ag.get("status", "active")) in LIVE_AGREEMENTS:
                for ref in {*(ag.get("product_ids") or []), *agreement_resources(ag)}:
                    self.agreements[ref] += 1
        self.volume: dict[str, float] = defaultdict(float)
        self.revenue: dict[str, float] = defaultdict(float)
        for report in by_kind.get("annual_report", []):
            for line in report.get("products") or []:
                if isinstance(line, dict) and line.get("product_id"):
                    self.volume[line["product_id"]] += float(line.get("volume") or 0)
                    self.revenue[line["product_id"]] += float(line.get("revenue") or 0)
        self.dependents: dict[str, int] = defaultdict(int)
        if dependents is not None:
            self.dependents.update(dependents)
            return
        for product in by_kind.get("product", []):
            for rid in set(product.get("resource_ids") or []):
                self.dependents[rid] += 1


def build_inputs(records: RecordSet, kind: str, record: dict[str, Any], as_of: date) -> ValueInputs:
    rid = record["id"]
    sources = [records.resources[s] for s in record.get("resource_ids") or [] if s in records.resources] \
        if kind == "product" else []
    return ValueInputs(
        kind=kind, record=record, as_of=as_of, resources=sources,
        open_compliance=records.open_compliance.get(rid, 0), corrections=records.corrections.get(rid, 0),
        agreements=records.agreements.get(rid, 0), volume=records.volume.get(rid, 0.0),
        revenue=records.revenue.get(rid, 0.0), dependents=records.dependents.get(rid, 0),
    )
