"""Official working days (工作日) for registration deadlines (DOMAIN §1, "Working days").

Sources, first match wins for a year:
1. holiday data an administrator loaded into the database for that year (the State Council publishes the
   next year's arrangement each November, possibly before the package is updated);
2. the maintained ``chinesecalendar`` package, which knows holidays and weekend days made working days (调休);
3. plain Monday–Friday, and every date computed through such a year is flagged ``provisional``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import chinese_calendar
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import Unprocessable
from services.kernel.security import Principal

from ..ledger.service import record
from .models import HolidayDay, HolidayYear

__all__ = ["CalendarCache", "Deadline", "WorkCalendar", "load_calendar", "load_year", "package_years"]


@cache
def package_years() -> frozenset[int]:
    """Years the installed ``chinesecalendar`` has official data for (fixed for the life of the process)."""
    return frozenset({day.year for day in chinese_calendar.holidays} | {day.year for day in chinese_calendar.workdays})


@dataclass(frozen=True)
class Deadline:
    due_on: date
    provisional: bool


@dataclass
class WorkCalendar:
    # Days of administrator-loaded years that depart from Monday–Friday: True = working, False = off.
    overrides: dict[date, bool] = field(default_factory=dict)
    loaded_years: set[int] = field(default_factory=set)
    packaged: frozenset[int] = field(default_factory=package_years)

    def has_data(self, year: int) -> bool:
        return year in self.loaded_years or year in self.packaged

    def is_working_day(self, day: date) -> bool:
        if day.year in self.loaded_years:
            return self.overrides.get(day, day.weekday() < 5)
        if day.year in self.packaged:
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> Deadline:
        """The ``days``-th working day after ``start`` (the day of receipt itself does not count)."""
        current, counted, provisional = start, 0, not self.has_data(start.year)
        while counted < days:
            current += timedelta(days=1)
            provisional = provisional or not self.has_data(current.year)
            if self.is_working_day(current):
                counted += 1
        return Deadline(current, provisional)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count


async def load_calendar(session: AsyncSession) -> WorkCalendar:
    years = set((await session.scalars(select(HolidayYear.year))).all())
    return await _with_overrides(session, years)


async def _with_overrides(session: AsyncSession, years: set[int]) -> WorkCalendar:
    overrides: dict[date, bool] = {}
    if years:
        rows = (await session.execute(select(HolidayDay.day, HolidayDay.working))).all()
        overrides = dict(rows)
    return WorkCalendar(overrides=overrides, loaded_years=years)


class CalendarCache:
    """An app's work calendar, whose override days are read again only when the loaded years change.

    Each request reads the few rows of ``holiday_years``; a load replaces its year's row with a new
    ``loaded_at``, so a load on any replica is seen by every replica's next request. The calendar is shared
    by concurrent requests and never changed in place.
    """

    def __init__(self) -> None:
        self._loaded: frozenset | None = None
        self._calendar: WorkCalendar | None = None

    async def get(self, session: AsyncSession) -> WorkCalendar:
        loaded = frozenset((await session.execute(select(HolidayYear.year, HolidayYear.loaded_at))).all())
        if loaded != self._loaded or self._calendar is None:
            self._calendar = await _with_overrides(session, {year for year, _ in loaded})
            self._loaded = loaded
        return self._calendar


async def load_year(session: AsyncSession, year: int, days: list[tuple[date, bool, str]], *,
                    principal: Principal | None, source: str = "") -> int:
    """Replace the calendar of ``year`` with ``days`` (holidays on weekdays, working weekends)."""
    for day, _, _ in days:
        if day.year != year:
            raise Unprocessable(f"{day.isoformat()} is not in {year}.", slug="calendar-day-outside-year")
    await session.execute(delete(HolidayDay).where(HolidayDay.year == year))
    await session.execute(delete(HolidayYear).where(HolidayYear.year == year))
    session.add(HolidayYear(year=year, source=source, loaded_by=principal.subject if principal else "cli"))
    seen: set[date] = set()
    for day, working, name in days:
        if day in seen:
            raise Unprocessable(f"{day.isoformat()} is listed twice.", slug="calendar-duplicate-day")
        seen.add(day)
        session.add(HolidayDay(day=day, year=year, working=working, name=name))
    await session.flush()
    await record(session, principal, "calendar.loaded", "calendar", str(year),
                 {"days": len(days), "source": source})
    return len(days)
