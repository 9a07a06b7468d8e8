"""Time and id helpers shared by every service: aware UTC datetimes, the calendar days of China (the law's time
zone: deadlines, validity and reporting years are China Standard Time days, whatever the server's zone) and
sortable random ids."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = ["CHINA", "add_years", "as_utc", "china_day", "china_today", "new_id", "utcnow"]

CHINA = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_id() -> str:
    # 48-bit millisecond time prefix + 80 random bits, hex: sortable by creation, unguessable.
    return f"{int(time.time() * 1000):012x}{os.urandom(10).hex()}"


def china_day(instant: datetime) -> date:
    """The calendar day in China of an aware instant."""
    return instant.astimezone(CHINA).date()


def china_today() -> date:
    return china_day(utcnow())


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (or earlier); 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)

