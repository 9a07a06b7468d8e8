"""Time and id helpers shared by every service: aware UTC datetimes and sortable random ids."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

__all__ = ["as_utc", "new_id", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_id() -> str:
    # 48-bit millisecond time prefix + 80 random bits, hex: sortable by creation, unguessable.
    return f"{int(time.time() * 1000):012x}{os.urandom(10).hex()}"
