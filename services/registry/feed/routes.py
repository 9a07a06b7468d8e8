"""Change feed HTTP API: a resumable page of events (with long polling) and a server-sent event stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from services.kernel.problems import BadRequest

from ..ledger.access import LedgerReader
from .records import BULK_IMPORT, FeedRecord, ResourceRecord, imported_resources, records_for
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
    records: list[FeedRecord] | None = Field(
        default=None, description=f"With include=records: the current state of every record the events touched "
        f"(a registration's subject too). A {BULK_IMPORT!r} event's resources are read from /events/resources.")


class ResourcePage(BaseModel):
    records: list[ResourceRecord]
    next_after: str | None = Field(description="Resume with after=<this>; null on the last page.")


@router.get("/events", response_model=EventPage, responses=ERRORS, operation_id="list_events")
async def events(
    request: Request,
    _: LedgerReader,
    after: Annotated[int, Query(ge=0, le=2**62, description="Last sequence already applied (0: from the start).")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    wait: Annotated[float, Query(ge=0, le=60, description="Seconds to wait for a first new event.")] = 0,
    include: Annotated[Literal["records"] | None, Query(description="records: add the touched records.")] = None,
) -> EventPage:
    """Events after a sequence, oldest first; wait= long-polls for new ones; include=records adds the records."""
    wait = min(wait, request.app.state.settings.feed_max_wait_seconds)
    sessions = request.app.state.db.sessions
    page = await wait_for_events(sessions, after, limit, wait)
    if include == "records":
        async with sessions() as session:
            page["records"] = await records_for(session, page["events"])
    return EventPage.model_validate(page)


@router.get("/events/resources", response_model=ResourcePage, responses=ERRORS, operation_id="list_event_resources")
async def event_resources(
    request: Request,
    _: LedgerReader,
    org_id: Annotated[str, Query(min_length=1, max_length=64, description="The importing organization.")],
    after: Annotated[str | None, Query(max_length=32, description="Last resource id already read.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> ResourcePage:
    """An organization's resources by id, for a bulk import's entry in the feed."""
    async with request.app.state.db.sessions() as session:
        records, next_after = await imported_resources(session, org_id, after, limit)
    return ResourcePage(records=records, next_after=next_after)


def _resume_point(after: int, last_event_id: str | None) -> int:
    if last_event_id is None:
        return after
    if not last_event_id.isdigit() or len(last_event_id) > 18:
        raise BadRequest("Last-Event-ID must be a sequence number.", slug="bad-last-event-id")
    return max(after, int(last_event_id))


@router.get("/events/stream", responses={**ERRORS, 200: {"content": {"text/event-stream": {}},
                                                        "description": "Server-sent events"}},
            operation_id="stream_events")
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
