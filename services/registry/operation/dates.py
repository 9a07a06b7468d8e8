"""Dates in the law's time zone: deadlines and effective dates are China Standard Time calendar days."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from services.kernel.timeutil import utcnow

__all__ = ["CHINA", "add_years", "china_today", "year_bounds"]

CHINA = ZoneInfo("Asia/Shanghai")


def china_today() -> date:
    return utcnow().astimezone(CHINA).date()


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def days_after(day: date, n: int) -> date:
    return day + timedelta(days=n)
