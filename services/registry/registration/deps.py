"""Dependencies of the registration routes: today's date in China, the rules, and the service context."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Request

from services.kernel.db import SessionDep
from services.kernel.problems import BadRequest
from services.kernel.security import CurrentPrincipal, OptionalPrincipal
from services.kernel.timeutil import china_today

from .calendar import CalendarCache, WorkCalendar
from .context import Ctx
from .rules import RegistrationRules

__all__ = ["DEMO_DATE_HEADER", "PROBLEMS", "CtxDep", "PublicCtxDep", "registration_today", "rules_of"]


DEMO_DATE_HEADER = "x-pdr-demo-date"


async def registration_today(request: Request) -> date:
    """Today in China. Tests override this dependency; a registry started by ``pdr up --demo`` (and only
    then: ``settings.demo``) lets the demo seeding name the date, to walk a registration past its notice.

    A demo date may lie in the past only: a step dated later than today would stamp its record (coded_at,
    valid_from, the subject's updated_at, the ledger's events) with a day that has not come, and the public
    catalogue would show it. A demo registration is therefore filed weeks back and coded by today.
    """
    if getattr(request.app.state.settings, "demo", False) and DEMO_DATE_HEADER in request.headers:
        try:
            named = date.fromisoformat(request.headers[DEMO_DATE_HEADER])
        except ValueError:
            raise BadRequest("X-PDR-Demo-Date must be an ISO date.", slug="bad-demo-date") from None
        today = china_today()
        if named > today:
            raise BadRequest(f"X-PDR-Demo-Date may name today ({today.isoformat()}) or an earlier day, "
                             "never a day to come.", slug="demo-date-in-future", today=today.isoformat())
        return named
    return china_today()


def rules_of(request: Request) -> RegistrationRules:
    rules = getattr(request.app.state, "registration_rules", None)
    if rules is None:
        rules = request.app.state.registration_rules = RegistrationRules()
    return rules


async def calendar_of(request: Request, session) -> WorkCalendar:
    cache = getattr(request.app.state, "calendar_cache", None)
    if cache is None:
        cache = request.app.state.calendar_cache = CalendarCache()
    return await cache.get(session)


async def _ctx(request: Request, session: SessionDep, principal: CurrentPrincipal,
               today: Annotated[date, Depends(registration_today)]) -> Ctx:
    return Ctx(session, principal, today, await calendar_of(request, session), rules_of(request))


async def _public_ctx(request: Request, session: SessionDep, principal: OptionalPrincipal,
                      today: Annotated[date, Depends(registration_today)]) -> Ctx:
    return Ctx(session, principal, today, await calendar_of(request, session), rules_of(request))


CtxDep = Annotated[Ctx, Depends(_ctx)]
PublicCtxDep = Annotated[Ctx, Depends(_public_ctx)]


def _problem(description: str) -> dict:
    return {"description": description, "content": {"application/problem+json": {"schema": {"type": "object"}}}}


PROBLEMS = {
    400: _problem("Bad request (e.g. a cursor this service did not issue)"),
    401: _problem("No or invalid bearer token"),
    403: _problem("The caller's role or organization may not do this"),
    404: _problem("No such object, or not visible to the caller"),
    409: _problem("Illegal state transition; names the current state"),
    422: _problem("Invalid input or a broken rule"),
}
