"""Official calendar data: an administrator loads a year's holidays and adjusted working days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from services.kernel.db import SessionDep
from services.kernel.security import CurrentPrincipal, Principal, require_roles
from services.kernel.text import Line, Name

from ..routing import AuthorizeFirst
from .calendar import load_calendar, load_year
from .deps import PROBLEMS

__all__ = ["calendar_router"]

calendar_router = APIRouter(prefix="/calendar", tags=["registration"], responses=PROBLEMS,
                          route_class=AuthorizeFirst)
Year = Annotated[int, Path(ge=2000, le=2100)]


class CalendarDayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    day: date
    working: bool = Field(description="true: a weekend day made a working day (调休); false: a holiday")
    name: Annotated[str, Name(min_length=0, max_length=100)] = ""


class CalendarIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: Annotated[str, Line(max_length=500)] = ""
    days: Annotated[list[CalendarDayIn], Field(max_length=366)]


class CalendarOut(BaseModel):
    year: int
    source: str = Field(description="database (loaded by an administrator), package (chinesecalendar) or none")
    provisional: bool
    working_days: int
    days_off_on_weekdays: list[date]
    working_weekend_days: list[date]


def _describe(calendar, year: int) -> dict:
    start, days = date(year, 1, 1), []
    while start.year == year:
        days.append(start)
        start += timedelta(days=1)
    working = [d for d in days if calendar.is_working_day(d)]
    source = "database" if year in calendar.loaded_years else "package" if year in calendar.packaged else "none"
    return {"year": year, "source": source, "provisional": not calendar.has_data(year),
            "working_days": len(working),
            "days_off_on_weekdays": [d for d in days if d.weekday() < 5 and not calendar.is_working_day(d)],
            "working_weekend_days": [d for d in days if d.weekday() >= 5 and calendar.is_working_day(d)]}


@calendar_router.get("/{year}", response_model=CalendarOut)
async def get_calendar(year: Year, session: SessionDep, _principal: CurrentPrincipal):
    """The working-day calendar of a year and where it comes from."""
    return _describe(await load_calendar(session), year)


@calendar_router.put("/{year}", response_model=CalendarOut)
async def put_calendar(year: Year, body: CalendarIn, session: SessionDep,
                       principal: Annotated[Principal, require_roles("admin")]):
    """Load a year's official holidays and adjusted working days (administrator)."""
    await load_year(session, year, [(d.day, d.working, d.name) for d in body.days], principal=principal,
                    source=body.source)
    return _describe(await load_calendar(session), year)
