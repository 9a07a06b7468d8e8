"""Change feed HTTP API: a resumable page of events (with long polling) and a server-sent event stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from services.kernel.problems import BadRequest

from ..ledger.access import LedgerReader
from .service import stream_events, wait_for_events

__all__ = ["router"]

router = APIRouter(tags=["feed"])
PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {
    400: {"description": "Bad Last-Event-ID", **PROBLEM},
    401: {"description": "No or bad token", **PROBLEM},
    403: {"description": "Not an auditor, admin or registry:feed client", **PROBLEM},
    422: {"description": "Invalid parameters", **PROBLEM},
}


class Actor(BaseModel):
    subject: str
    org: str | None


class Event(BaseModel):
    sequence: int
    time: str
    action: str
    subject_type: str
    subject_id: str
    actor: Actor | None
    data: Any


class EventPage(BaseModel):
    events: list[Event]
    last_sequence: int = Field(description="Resume with after=<this>.")
    has_more: bool


@router.get("/events", response_model=EventPage, responses=ERRORS)
async def events(
    request: Request,
    _: LedgerReader,
    after: Annotated[int, Query(ge=0, le=2**62, description="Last sequence already applied (0: from the start).")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    wait: Annotated[float, Query(ge=0, le=60, description="Seconds to wait for a first new event.")] = 0,
) -> EventPage:
    """Events after a sequence, oldest first; wait= long-polls for new ones."""
    wait = min(wait, request.app.state.settings.feed_max_wait_seconds)
    page = await wait_for_events(request.app.state.db.sessions, after, limit, wait)
    return EventPage.model_validate(page)


def _resume_point(after: int, last_event_id: str | None) -> int:
    if last_event_id is None:
        return after
    if not last_event_id.isdigit() or len(last_event_id) > 18:
        raise BadRequest("Last-Event-ID must be a sequence number.", slug="bad-last-event-id")
    return max(after, int(last_event_id))


@router.get("/events/stream", responses={**ERRORS, 200: {"content": {"text/event-stream": {}},
                                                        "description": "Server-sent events"}})
async def event_stream(
    request: Request,
    _: LedgerReader,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    duration: Annotated[float, Query(ge=0, le=3600, description="Seconds before the server closes the stream.")] = 300,
    last_event_id: Annotated[str | None, Header(max_length=32)] = None,
) -> StreamingResponse:
    """Server-sent events for new entries; reconnect with Last-Event-ID to resume."""
    start = _resume_point(after, last_event_id)

    async def body() -> AsyncIterator[bytes]:
        yield b"retry: 2000\n\n"
        async for event in stream_events(request.app.state.db.sessions, start, duration):
            if event is None:
                yield b": idle\n\n"
            else:
                yield b"id: %d\nevent: ledger\ndata: %s\n\n" % (event["sequence"], orjson.dumps(event))
            if await request.is_disconnected():
                break

    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
