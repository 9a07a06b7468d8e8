"""Login throttling kept in the database, so every auth replica sees the same counters.

An unknown account and a wrong password count and answer the same way; after ``max_failures`` within the
window, the key is locked and the caller gets 429 with Retry-After.
"""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import TooManyRequests
from services.kernel.timeutil import as_utc, utcnow

from .models import LoginThrottle

__all__ = ["Throttle"]


class Throttle:
    def __init__(self, *, window_seconds: int, lockout_seconds: int) -> None:
        self.window = timedelta(seconds=window_seconds)
        self.lockout = timedelta(seconds=lockout_seconds)

    async def check(self, session: AsyncSession, key: str) -> None:
        row = await session.get(LoginThrottle, key)
        if row and row.locked_until and as_utc(row.locked_until) > utcnow():
            wait = math.ceil((as_utc(row.locked_until) - utcnow()).total_seconds())
            raise TooManyRequests("Too many failed sign-in attempts; try again later.", retry_after=max(wait, 1))

    async def failed(self, session: AsyncSession, key: str, max_failures: int) -> None:
        now = utcnow()
        row = await session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, window_started_at=now)
            session.add(row)
        if now - as_utc(row.window_started_at) > self.window:
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= max_failures:
            row.locked_until = now + self.lockout
        await session.flush()

    async def succeeded(self, session: AsyncSession, key: str) -> None:
        row = await session.get(LoginThrottle, key)
        if row is not None:
            await session.delete(row)
            await session.flush()
