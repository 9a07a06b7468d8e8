"""The change-feed consumer: reads the registry's ledger feed after its stored cursor, refetches each changed
record, applies it to the mirror, refreshes the affected value scores and flags affected evaluations, then
advances the cursor, all in one transaction per page. A crash before the commit re-delivers the page; applying
it again changes nothing (see ``store.apply_record``). While the registry is down every attempt is recorded as a
failure, results are served marked stale, and the next successful sync catches up from the stored cursor.

Until the registry has a feed (``FeedMissing``) the consumer reads the REST lists of every kind instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.timeutil import utcnow

from ..records import FeedState
from .gateway import FeedMissing, RegistryGateway, RegistryUnavailable
from .store import apply_record, record_attributes

__all__ = ["FEED", "Refresher", "SyncReport", "affected_subjects", "feed_state", "run_forever", "sync_once"]

log = logging.getLogger("pdr.scoring.feed")
FEED = "registry"
# Called with the (kind, id) pairs of products/resources and the org ids whose facts changed.
Refresher = Callable[[AsyncSession, set[tuple[str, str]], set[str]], Awaitable[None]]


@dataclass
class SyncReport:
    mode: str
    events: int = 0
    applied: int = 0
    changed: int = 0
    cursor: int = 0
    error: str | None = None
    subjects: set[tuple[str, str]] = field(default_factory=set)


def affected_subjects(kind: str, record_id: str, payload: dict[str, Any] | None) -> set[tuple[str, str]]:
    """The products and resources whose value score depends on this record."""
    if kind == "resource":
        return {(kind, record_id)}
    if kind == "product":
        # Its source resources' breadth counts the products built on them.
        sources = (payload or {}).get("resource_ids") or []
        return {(kind, record_id), *(("resource", str(r)) for r in sources if isinstance(r, str))}
    out: set[tuple[str, str]] = set()
    if not payload:
        return out
    subject = payload.get("subject_id") or payload.get("product_id") or payload.get("resource_id")
    if subject:
        subject_kind = payload.get("subject_type") or ("resource" if payload.get("resource_id") else "product")
        if subject_kind in ("product", "resource"):
            out.add((subject_kind, str(subject)))
    for key, sub_kind in (("product_ids", "product"), ("resource_ids", "resource")):
        out.update((sub_kind, str(i)) for i in payload.get(key) or [] if isinstance(i, str))
    out.update(("resource", str(i["resource_id"])) for i in payload.get("resources") or []
               if isinstance(i, dict) and i.get("resource_id"))
    for line in payload.get("products") or []:
        if isinstance(line, dict) and line.get("product_id"):
            out.add(("product", str(line["product_id"])))
    return out


async def feed_state(session: AsyncSession, *, lock: bool = False) -> FeedState:
    """The stored cursor. ``lock`` takes the row for this transaction: with several scoring replicas, one
    consumes a page while the others wait and then start after it, so no page is applied twice."""
    query = select(FeedState).where(FeedState.name == FEED)
    if lock:
        query = query.with_for_update()
    state = (await session.scalars(query)).first()
    if state is None:
        state = FeedState(name=FEED)
        session.add(state)
        await session.flush()
    return state


async def _record_failure(db: Database, error: str) -> None:
    async with db.sessions.begin() as session:
        state = await feed_state(session)
        state.failures += 1
        state.last_error = error[:2000]
        state.last_attempt_at = utcnow()


async def _apply(session: AsyncSession, gateway: RegistryGateway, kind: str, record_id: str, seq: int,
                 payload: dict[str, Any] | None, report: SyncReport, orgs: set[str]) -> None:
    changed = await apply_record(session, kind, record_id, payload, seq)
    report.applied += 1
    if changed:
        report.changed += 1
        report.subjects |= affected_subjects(kind, record_id, payload)
        org = record_attributes(kind, payload)["org_id"] if payload else None
        if org:
            orgs.add(org)


async def _apply_prices(session: AsyncSession, gateway: RegistryGateway, product_id: str, seq: int,
                        product: dict[str, Any] | None, report: SyncReport, orgs: set[str]) -> None:
    """Prices are ledgered as changes of their product: mirror them as one ``price`` record per product."""
    prices = await gateway.prices(product_id) if product is not None else []
    payload = {"product_id": product_id, "org_id": product.get("org_id"), "prices": prices} if product else None
    await _apply(session, gateway, "price", product_id, seq, payload, report, orgs)


async def _sync_feed(session: AsyncSession, gateway: RegistryGateway, kinds: dict[str, str], page: int,
                     report: SyncReport, orgs: set[str]) -> None:
    state = await feed_state(session, lock=True)
    events = await gateway.events(state.cursor, page)
    report.events = len(events)
    latest: dict[tuple[str, str], int] = {}
    for event in events:
        kind = kinds.get(str(event.get("subject_type")))
        seq = int(event["sequence"])
        if kind is not None:
            latest[(kind, str(event["subject_id"]))] = seq
        report.cursor = max(report.cursor, seq)
    # One fetch per changed record per page, whatever the number of events about it.
    for (kind, record_id), seq in sorted(latest.items(), key=lambda item: item[1]):
        payload = await gateway.fetch(kind, record_id)
        await _apply(session, gateway, kind, record_id, seq, payload, report, orgs)
        if kind == "product":
            await _apply_prices(session, gateway, record_id, seq, payload, report, orgs)
        elif kind == "registration" and payload and payload.get("subject_type") in ("resource", "product"):
            # Coding, cancelling or revoking a registration changes its subject's status without a ledger
            # entry of the subject's own: read the subject again with it.
            subject_kind, subject_id = payload["subject_type"], str(payload.get("subject_id"))
            if (subject_kind, subject_id) not in latest:
                subject = await gateway.fetch(subject_kind, subject_id)
                await _apply(session, gateway, subject_kind, subject_id, seq, subject, report, orgs)
    if events:
        state.cursor = report.cursor
    report.cursor = state.cursor


async def _sync_rest(session: AsyncSession, gateway: RegistryGateway, report: SyncReport, orgs: set[str]) -> None:
    state = await feed_state(session)
    state.mode = "rest"
    for kind in gateway.paths:
        async for item in gateway.list_all(kind):
            if isinstance(item, dict) and item.get("id"):
                await _apply(session, gateway, kind, str(item["id"]), state.cursor, item, report, orgs)
                if kind == "product":
                    await _apply_prices(session, gateway, str(item["id"]), state.cursor, item, report, orgs)
    report.cursor = state.cursor


async def sync_once(db: Database, gateway: RegistryGateway, kinds: dict[str, str], refresh: Refresher,
                    page: int = 500) -> SyncReport:
    """One page of the feed (or one REST pass), committed with its effects; failures are recorded, not raised."""
    report = SyncReport(mode="feed")
    orgs: set[str] = set()
    try:
        async with db.sessions.begin() as session:
            try:
                await _sync_feed(session, gateway, kinds, page, report, orgs)
            except FeedMissing:
                report.mode = "rest"
                await _sync_rest(session, gateway, report, orgs)
            await refresh(session, report.subjects, orgs)
            state = await feed_state(session)
            state.mode, state.failures, state.last_error = report.mode, 0, None
            state.last_success_at = state.last_attempt_at = utcnow()
    except RegistryUnavailable as exc:
        report.error = str(exc)
        log.warning("registry unavailable, serving stale results: %s", exc)
        await _record_failure(db, report.error)
    return report


async def run_forever(db: Database, gateway: RegistryGateway, kinds: dict[str, str], refresh: Refresher,
                      interval: float, page: int = 500) -> None:
    """Poll the feed; drain it while pages come back full, then wait ``interval`` seconds."""
    while True:
        try:
            report = await sync_once(db, gateway, kinds, refresh, page)
            if report.error is None and report.mode == "feed" and report.events >= page:
                continue
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug must not kill the loop; it is logged and retried
            log.exception("feed sync failed")
        await asyncio.sleep(interval)
