"""Low-level steps shared by the workflow services: load with a lock, move state, write the event and ledger."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from services.kernel.problems import IllegalTransition, NotFound

from ..ledger.service import record
from .context import Ctx
from .models import Registration, RegistrationEvent
from .workflow import next_state

__all__ = ["ACTION_NAMES", "log_event", "move", "registration_or_404"]

# Ledger action names, past tense as the ledger reads ("registration.accepted").
ACTION_NAMES = {
    "file": "filed", "accept": "accepted", "return": "returned", "resubmit": "resubmitted", "refuse": "refused",
    "withdraw": "withdrawn", "approve": "approved", "close_notice": "notice_closed",
    "uphold_objection": "terminated", "revoke": "revoked", "expire": "expired", "supersede": "superseded",
    "cancel": "cancelled",
}


async def registration_or_404(ctx: Ctx, registration_id: str, *, lock: bool = True) -> Registration:
    query = select(Registration).where(Registration.id == registration_id)
    if lock:
        # Two registrars deciding the same registration at once: the second waits and then sees the new state.
        query = query.with_for_update()
    registration = (await ctx.session.scalars(query)).first()
    if registration is None:
        raise NotFound("No such registration.", slug="registration-not-found")
    return registration


async def log_event(ctx: Ctx, registration: Registration, action: str, from_state: str | None,
                    detail: dict[str, Any]) -> None:
    ctx.session.add(RegistrationEvent(registration_id=registration.id, action=action, from_state=from_state,
                                      to_state=registration.state, actor=ctx.actor, actor_org=ctx.actor_org,
                                      detail=detail, at=ctx.now))
    await record(ctx.session, ctx.principal, f"registration.{ACTION_NAMES.get(action, action)}", "registration",
                 registration.id, {"from": from_state, "to": registration.state, "type": registration.type,
                                   "subject_type": registration.subject_type,
                                   "subject_id": registration.subject_id, **detail})


async def move(ctx: Ctx, registration: Registration, action: str, detail: dict[str, Any] | None = None) -> None:
    """One explicit state-machine step: checked by ``workflow.next_state`` (409 otherwise), logged, ledgered.

    The step is a compare-and-set on the state (``UPDATE … WHERE state = <the state read>``), so it is atomic
    whatever the row lock of ``registration_or_404`` was worth: two registrars closing one notice at once, or
    the sweep beside a registrar, cannot both pass the check on the state they read and then both issue a code
    (on SQLite, where ``FOR UPDATE`` is ignored, the loser used to end in a unique violation and a 500). The
    loser gets the same 409 as any late request, naming the state the winner left.
    """
    before = registration.state
    after, now = next_state(action, before, registration.type), ctx.now
    await ctx.session.flush()  # the registration's own pending changes go first, under the same row
    table = Registration.__table__
    moved = await ctx.session.execute(update(table).where(table.c.id == registration.id, table.c.state == before)
                                      .values(state=after, updated_at=now))
    if moved.rowcount != 1:
        current = await ctx.session.scalar(select(table.c.state).where(table.c.id == registration.id))
        next_state(action, current, registration.type)  # the 409 naming the state another request left
        raise IllegalTransition("The registration changed while this request was deciding it; retry.",
                                current_state=current, action=action)
    set_committed_value(registration, "state", after)
    set_committed_value(registration, "updated_at", now)
    await log_event(ctx, registration, action, before, detail or {})
