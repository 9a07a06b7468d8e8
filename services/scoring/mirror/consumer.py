"""The change-feed consumer: reads the registry's feed after its stored cursor, with the current state of every
record each page touched; validates each record against the contract; applies them to the mirror; refreshes the
affected value scores and flags affected evaluations; then advances the cursor — all in one transaction per
page. A crash before the commit re-delivers the page; applying it again changes nothing (``store``).

A failed sync — the registry down, our client refused, a record outside the contract — leaves the cursor where
it was, is recorded (``/sync`` shows it, results are served marked stale), logged and counted; the next
successful sync catches up from the stored cursor.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.timeutil import utcnow

from ..contract import FeedRecord, Product, Record, parse_record
from ..records import FeedState
from .gateway import ContractViolation, RegistryGateway, SyncError
from .store import Change, apply_records

__all__ = ["BULK_IMPORT", "FEED", "Refresher", "SyncReport", "affected", "feed_state", "run_forever", "sync_once"]

log = logging.getLogger("pdr.scoring.feed")
FEED = "registry"
BULK_IMPORT = "resource.imported"  # one ledger entry for many resources; subject: the importing organization
# Called with the (kind, id) pairs of products/resources and the org ids whose facts changed.
Refresher = Callable[[AsyncSession, set[tuple[str, str]], set[str]], Awaitable[None]]
OnError = Callable[[str], None]


@dataclass
class SyncReport:
    mode: str = "feed"
    events: int = 0
    applied: int = 0
    changed: int = 0
    cursor: int = 0
    has_more: bool = False
    error: str | None = None
    subjects: set[tuple[str, str]] = field(default_factory=set)


def _typed(item: FeedRecord) -> tuple[str, str, Record | None]:
    if item.deleted or item.record is None:
        return item.kind, item.id, None
    try:
        return item.kind, item.id, parse_record(item.kind, item.record)
    except ValidationError as exc:
        raise ContractViolation.of(f"{item.kind} {item.id}", exc) from None


def affected(changes: list[Change]) -> tuple[set[tuple[str, str]], set[str]]:
    """The products/resources whose value score, and the organizations whose facts, a set of changes moves."""
    subjects: set[tuple[str, str]] = set()
    orgs: set[str] = set()
    for change in changes:
        before = _parsed(change.kind, change.before)
        for record in (before, change.after):  # what it was about before counts as much as what it is now
            if record is not None:
                orgs |= {record.owner} if record.owner else set()
                subjects |= _subjects_of(change.kind, change.record_id, record)
    return subjects, orgs


def _parsed(kind: str, payload: dict | None) -> Record | None:
    """A copy mirrored before: one from an older contract version is no longer readable, and need not be."""
    try:
        return parse_record(kind, payload) if payload is not None else None
    except ValidationError:
        return None


def _subjects_of(kind: str, record_id: str, record: Record) -> set[tuple[str, str]]:
    if kind in ("resource", "product"):
        out = {(kind, record_id)}
        if isinstance(record, Product):  # a resource's breadth counts the products built on it
            out |= {("resource", r) for r in record.resource_ids}
        return out
    if kind == "registration":
        return {(record.subject_type, record.subject_id)}  # type: ignore[attr-defined]
    if kind == "compliance_record":
        return {(record.subject_type, record.subject_id)} \
            if record.subject_type in ("resource", "product") else set()  # type: ignore[attr-defined]
    if kind == "agreement":
        return {("resource", i.resource_id) for i in record.resources} | \
            {("product", p) for p in record.product_ids}  # type: ignore[attr-defined]
    if kind == "annual_report":
        return {("product", line.product_id) for line in record.products}  # type: ignore[attr-defined]
    return set()


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


async def _consume(session: AsyncSession, gateway: RegistryGateway, refresh: Refresher, page: int,
                   report: SyncReport) -> None:
    state = await feed_state(session, lock=True)
    feed = await gateway.page(state.cursor, page)
    items = [_typed(r) for r in feed.records]
    # Each copy is stamped with the last event of the page that touched it; a registration's subject changes
    # with the registration (coded, cancelled, revoked) and a bulk import's resources with the import.
    position = {(e.subject_type, e.subject_id): e.sequence for e in feed.events if e.action != BULK_IMPORT}
    for kind, record_id, record in items:
        if kind == "registration" and record is not None:
            subject = (record.subject_type, record.subject_id)  # type: ignore[attr-defined]
            position[subject] = max(position.get(subject, 0), position.get((kind, record_id), 0))
    imports = {e.subject_id: e.sequence for e in feed.events if e.action == BULK_IMPORT}
    for org, sequence in imports.items():
        async for record in gateway.imported(org):
            items.append(_typed(record))
            position[("resource", record.id)] = max(position.get(("resource", record.id), 0), sequence)
    changes = await apply_records(session, [(k, i, r, position.get((k, i), feed.last_sequence))
                                            for k, i, r in items])
    subjects, orgs = affected(changes)
    await refresh(session, subjects, orgs)
    report.events, report.applied, report.changed = len(feed.events), len(items), len(changes)
    report.subjects, report.has_more = subjects, feed.has_more
    state.cursor = report.cursor = feed.last_sequence
    state.mode, state.failures, state.last_error = "feed", 0, None
    state.last_success_at = state.last_attempt_at = utcnow()


async def sync_once(db: Database, gateway: RegistryGateway, refresh: Refresher, page: int = 500,
                    on_error: OnError | None = None) -> SyncReport:
    """One page of the feed, committed with its effects; a failure is recorded and reported, not raised."""
    report = SyncReport()
    try:
        async with db.sessions.begin() as session:
            await _consume(session, gateway, refresh, page, report)
    except SyncError as exc:
        report.error = f"{exc.reason}: {exc}"
        log.warning("registry sync failed (%s), serving the last results as stale: %s", exc.reason, exc)
        if on_error is not None:
            on_error(exc.reason)
        await _record_failure(db, report.error)
    return report


async def run_forever(db: Database, gateway: RegistryGateway, refresh: Refresher, interval: float,
                      page: int = 500, on_error: OnError | None = None) -> None:
    """Poll the feed; drain it while pages say there is more, then wait ``interval`` seconds."""
    while True:
        try:
            report = await sync_once(db, gateway, refresh, page, on_error)
            if report.error is None and report.has_more:
                continue
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug must not kill the loop; it is logged and retried
            log.exception("feed sync failed")
        await asyncio.sleep(interval)
