"""``asOf``: what a resource, product, agreement or price said at a past moment, rebuilt from history.

History is the ledger plus the version tables the services keep:

* resources and products: the subject as registered at each version (``subject_versions``); the current
  row answers when nothing about the subject was recorded after the moment;
* agreements: the version snapshot in force at the moment, with the status and signing/filing dates
  replayed from the ledger's ``agreement.<state>`` entries up to the moment;
* prices: replayed from the ledger's ``price.*_set`` entries of the product up to the moment, each record
  with the period it had then (a later successor closes a period; at the moment it was still open).

Drafts are not versioned, but every create and edit records the subject's whole content in the ledger, so a
draft is rebuilt from the last such entry before the moment. ``exact`` is false only for subjects whose
history predates those snapshots.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.timeutil import as_utc

from ..ledger.models import LedgerEntry
from .types_operation import Agreement, PriceRecord
from .types_registry import Product, Resource

__all__ = ["agreement_as_of", "prices_as_of", "subject_as_of"]

AGREEMENT_STATES = {"drafted": "draft", "signed": "signed", "filed": "filed", "active": "active",
                    "suspended": "suspended", "terminated": "terminated", "expired": "expired"}


async def _history(session: AsyncSession, subject_type: str, subject_id: str, at: datetime | None = None) -> list[dict]:
    query = select(LedgerEntry.leaf_input).where(LedgerEntry.subject_type == subject_type,
                                                 LedgerEntry.subject_id == subject_id)
    if at is not None:
        query = query.where(LedgerEntry.recorded_at <= at)
    return [orjson.loads(raw) for raw in (await session.scalars(query.order_by(LedgerEntry.sequence))).all()]


async def _changed_after(session: AsyncSession, subject_type: str, subject_id: str, at: datetime) -> bool:
    return (await session.scalar(select(LedgerEntry.sequence).where(
        LedgerEntry.subject_type == subject_type, LedgerEntry.subject_id == subject_id,
        LedgerEntry.recorded_at > at).limit(1))) is not None


async def subject_as_of(info: Any, subject_type: str, row: Any, at: datetime) -> Resource | Product | None:
    wrap = Resource.of if subject_type == "resource" else Product.of
    if as_utc(row.created_at) > at:
        return None
    session = info.context.session
    if as_utc(row.updated_at) <= at and not await _changed_after(session, subject_type, row.id, at):
        return wrap(row, as_of=at)
    versions = [v for v in await info.context.loaders.subject_versions.load(row.id)
                if v.subject_type == subject_type and as_utc(v.created_at) <= at]
    latest = versions[-1] if versions else None
    # Drafts are not versioned, but every create and edit records the whole content in the ledger.
    edit = next((e for e in reversed(await _history(session, subject_type, row.id, at))
                 if isinstance(e.get("data"), dict) and "snapshot" in e["data"]), None)
    if edit is not None and (latest is None or datetime.fromisoformat(edit["time"]) >= as_utc(latest.created_at)):
        return wrap(row, {**edit["data"]["snapshot"], "status": edit["data"].get("status", "draft")}, as_of=at)
    if latest is not None:
        return wrap(row, {**latest.snapshot, "version": latest.version, "status": "registered"}, as_of=at)
    return wrap(row, {"status": "draft"}, as_of=at, exact=False)


async def agreement_as_of(info: Any, row: Any, at: datetime) -> Agreement | None:
    if as_utc(row.created_at) > at:
        return None
    versions = [v for v in await info.context.loaders.agreement_versions.load(row.id) if as_utc(v.created_at) <= at]
    snapshot: dict[str, Any] = dict(versions[-1].snapshot) if versions else {}
    if versions:
        snapshot["version"] = versions[-1].version
    dates: dict[str, Any] = {"signed_on": None, "filed_on": None}
    for entry in await _history(info.context.session, "agreement", row.id, at):
        verb = entry["action"].partition(".")[2]
        if verb in AGREEMENT_STATES:
            snapshot["status"] = AGREEMENT_STATES[verb]
            if verb in ("signed", "filed"):
                dates[f"{verb}_on"] = (entry.get("data") or {}).get("on")
    return Agreement.of(row, {**snapshot, **dates}, as_of=at, exact=bool(versions))


def _price(document: dict) -> SimpleNamespace:
    """A price record as its ``price.*_set`` entry stated it (the payload is the submitted PriceIn)."""
    data = document.get("data") or {}
    kind = data.get("kind", "specific")
    if data.get("tiers"):
        tiers = data["tiers"]
        unit_price = max(Decimal(str(t["unit_price"])) for t in tiers)
    else:
        unit_price = Decimal(str(data.get("unit_price") or 0))
        tiers = [{"up_to": None, "unit_price": str(unit_price)}]
    return SimpleNamespace(
        id=data.get("price_record_id", ""), product_id=document["subject_id"],
        layer="ceiling" if kind == "ceiling" else "operator", kind=kind, billing_unit=data.get("billing_unit", ""),
        tiers=tiers, unit_price=unit_price, effective_from=date.fromisoformat(data["effective_from"]),
        effective_to=date.fromisoformat(data["effective_to"]) if data.get("effective_to") else None,
        basis=data.get("basis", ""), set_by_org=(document.get("actor") or {}).get("org") or "")


async def prices_as_of(info: Any, product_id: str, at: datetime) -> list[PriceRecord]:
    """Every price record of the product as the registry showed it at ``at``, oldest period first."""
    history = await _history(info.context.session, "product", product_id, at)
    records = [_price(d) for d in history if d["action"].startswith("price.") and d["action"].endswith("_set")]
    for layer in ("ceiling", "operator"):
        periods = sorted((r for r in records if r.layer == layer), key=lambda r: r.effective_from)
        for earlier, later in itertools.pairwise(periods):
            if earlier.effective_to is None:
                earlier.effective_to = later.effective_from  # what the registry did when the successor arrived
    return [PriceRecord.of(r, as_of=at) for r in sorted(records, key=lambda r: (r.layer, r.effective_from))]
