"""Registry synchronisation: its state (cursor, last success, last error) and a manual trigger."""

from __future__ import annotations

from fastapi import APIRouter, Request

from services.kernel.db import SessionDep
from services.kernel.security import CurrentPrincipal

from ..access import must_run
from ..schemas import Freshness, SyncOut
from .consumer import feed_state, sync_once

__all__ = ["freshness", "router"]

router = APIRouter(tags=["registry sync"])
ERRORS = {401: {"description": "No valid token", "content": {"application/problem+json": {}}},
          403: {"description": "Not allowed", "content": {"application/problem+json": {}}}}


async def freshness(session, outdated: bool = False) -> Freshness:
    state = await feed_state(session)
    return Freshness(stale=outdated or state.failures > 0, registry_synced_at=state.last_success_at,
                     registry_error=state.last_error)


def _out(state, report=None) -> SyncOut:
    return SyncOut(mode=state.mode, cursor=state.cursor, stale=state.failures > 0,
                   last_success_at=state.last_success_at, last_attempt_at=state.last_attempt_at,
                   last_error=state.last_error, failures=state.failures,
                   applied=report.applied if report else None, changed=report.changed if report else None)


@router.get("/sync", responses=ERRORS)
async def sync_status(session: SessionDep, principal: CurrentPrincipal) -> SyncOut:
    """Where the registry mirror stands: feed cursor, last success, last error."""
    return _out(await feed_state(session))


@router.post("/sync", responses=ERRORS)
async def sync_now(request: Request, session: SessionDep, principal: CurrentPrincipal) -> SyncOut:
    """Pull one page of the registry's change feed now."""
    must_run(principal)
    app = request.app
    report = await sync_once(app.state.db, app.state.registry, app.state.refresh,
                             app.state.settings.feed_page_size, app.state.on_feed_error)
    session.expire_all()
    return _out(await feed_state(session), report)
