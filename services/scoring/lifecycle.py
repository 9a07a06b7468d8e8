"""Startup and shutdown of the scoring service: the registry gateway and the background feed consumer."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.http import ServiceClient
from services.kernel.observability import observe_feed_lag, record_feed_error

from .directory import OrgDirectory
from .evaluation.service import mark_outdated
from .mirror.consumer import FEED, run_forever
from .mirror.gateway import RegistryGateway
from .products.service import refresh_scores
from .records import FeedState, RegistryRecord

__all__ = ["refresh_after_sync", "start_registry", "stop_registry"]


async def refresh_after_sync(session: AsyncSession, subjects: set[tuple[str, str]], orgs: set[str]) -> None:
    """What a registry change means for scoring: value scores recomputed, evaluations flagged outdated — those of
    the records' organizations and of the owners of the products and resources they touch (an agreement signed
    by an operator moves the agency whose resources it covers)."""
    await refresh_scores(session, subjects)
    owners = set()
    ids = [i for _, i in subjects]
    for start in range(0, len(ids), 1000):
        owners |= set((await session.scalars(select(RegistryRecord.org_id).where(
            RegistryRecord.kind.in_(("resource", "product")), RegistryRecord.record_id.in_(ids[start:start + 1000]),
            RegistryRecord.org_id.is_not(None)).distinct())).all())
    await mark_outdated(session, orgs | owners)


async def start_registry(app: FastAPI) -> None:
    s = app.state.settings
    client = ServiceClient(s.registry_url, token_url=s.token_url, client_id=s.client_id,
                           client_secret=s.client_secret, audience=s.registry_audience, scope=s.registry_scopes,
                           transport=app.state.transport)
    app.state.registry = RegistryGateway(client, s.feed_page_size)
    app.state.directory = OrgDirectory(ServiceClient(
        s.directory_url, token_url=s.token_url, client_id=s.client_id, client_secret=s.client_secret,
        audience="pdr-auth", scope="orgs:read", transport=app.state.transport), s.directory_ttl_seconds)
    app.state.refresh = refresh_after_sync
    app.state.on_feed_error = lambda reason: record_feed_error(app, reason)
    observe_feed_lag(app, _feed_lag)
    app.state.feed_task = None
    if s.feed_poll_seconds > 0 and s.client_id:
        app.state.feed_task = asyncio.create_task(run_forever(
            app.state.db, app.state.registry, refresh_after_sync, s.feed_poll_seconds, s.feed_page_size,
            app.state.on_feed_error))


async def _feed_lag(app: FastAPI) -> int:
    """Events the registry has (its public signed tree head: sequences are 1..tree_size) minus our cursor."""
    head = await app.state.registry.tree_size()
    async with app.state.db.read_sessions() as session:
        state = await session.get(FeedState, FEED)
    return max(0, head - (state.cursor if state else 0))


async def stop_registry(app: FastAPI) -> None:
    task = getattr(app.state, "feed_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if getattr(app.state, "registry", None) is not None:
        await app.state.registry.client.aclose()
    if getattr(app.state, "directory", None) is not None:
        await app.state.directory.client.aclose()
