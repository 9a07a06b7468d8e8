"""Evidence preservation (存证, Art. 7): a canonical SHA-256 digest of what was submitted, and local dates."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["CHINA", "digest", "local_date", "today_in_china"]

# Working days and validity are counted on the calendar of China (UTC+8), whatever the server's zone.
CHINA = ZoneInfo("Asia/Shanghai")


def digest(materials: dict[str, Any]) -> str:
    """Sorted keys, no whitespace, UTF-8: the same materials always give the same digest."""
    canonical = json.dumps(materials, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def local_date(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def today_in_china() -> date:
    return datetime.now(CHINA).date()
