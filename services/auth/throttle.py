"""Login throttling that slows whoever guesses, not the account's owner.

Failed sign-ins are counted in the database (every auth replica sees the same counts), under two keys:

- the (client address, account) pair: after ``login_free_failures`` failures, every further failure makes the
  next attempt of that pair wait 1 s, 2 s, 4 s… up to ``login_backoff_max_seconds``. The owner signing in
  from another address is not slowed, so nobody can lock anyone else out by guessing;
- the client address across accounts (password spraying): the same backoff after
  ``login_free_failures_per_address`` failures.

A run of failures is forgotten ``login_window_seconds`` after its last failure; a success ends the pair's.

An attempt is counted as failed, with the wait it earns, and committed before its password is checked: a
burst of concurrent guesses cannot all pass the check before the first failure is recorded. A success takes
its count back. An unknown account and a wrong password count and answer the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import TooManyRequests
from services.kernel.timeutil import as_utc, utcnow

from .models import LoginThrottle
from .settings import AuthSettings

__all__ = ["Backoff", "Throttle"]

THROTTLE = LoginThrottle.__table__


@dataclass(frozen=True)
class Backoff:
    """The wait a run of ``failures`` earns: none for the first ``free``, then base, 2·base, 4·base… ≤ cap."""

    free: int
    base: float
    cap: float

    def wait(self, failures: int) -> float:
        if failures <= self.free:
            return 0.0
        return min(self.base * 2 ** min(failures - self.free - 1, 62), self.cap)


class Throttle:
    def __init__(self, settings: AuthSettings) -> None:
        self.window = timedelta(seconds=settings.login_window_seconds)
        base, cap = settings.login_backoff_base_seconds, settings.login_backoff_max_seconds
        self.per_pair = Backoff(settings.login_free_failures, base, cap)
        self.per_address = Backoff(settings.login_free_failures_per_address, base, cap)

    @staticmethod
    def keys(username: str, address: str) -> tuple[str, str]:
        address = address[:64]  # an IPv6 address is at most 45 characters; the key column holds 200
        return f"pair:{address}|{username.lower()}", f"addr:{address}"

    async def attempt(self, session: AsyncSession, username: str, address: str) -> None:
        """Count a sign-in attempt as failed; 429 while a wait is in force. The caller commits the count before
        checking the password, and rolls it back when this raises (so a refused attempt is not counted)."""
        now = utcnow()
        for key, backoff in zip(self.keys(username, address), (self.per_pair, self.per_address), strict=True):
            failures = await self._count(session, key, now)
            if failures is None:
                raise TooManyRequests("Too many failed sign-in attempts; try again later.",
                                      slug="login-throttled", retry_after=await self._retry_after(session, key, now))
            if wait := backoff.wait(failures):
                await session.execute(update(THROTTLE).where(THROTTLE.c.key == key)
                                      .values(locked_until=now + timedelta(seconds=wait)))

    async def succeeded(self, session: AsyncSession, username: str, address: str) -> None:
        """The attempt was right: the pair's run ends, and the address's count takes this attempt back."""
        pair, addr = self.keys(username, address)
        await session.execute(delete(THROTTLE).where(THROTTLE.c.key == pair))
        await session.execute(update(THROTTLE).where(THROTTLE.c.key == addr, THROTTLE.c.failures > 0)
                              .values(failures=THROTTLE.c.failures - 1))

    async def _count(self, session: AsyncSession, key: str, now: datetime) -> int | None:
        """One more failure for ``key`` in one statement (an upsert, atomic on both engines); None while the
        key must wait."""
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = insert(THROTTLE).values(key=key, failures=1, last_failed_at=now, locked_until=None)
        statement = statement.on_conflict_do_update(
            index_elements=[THROTTLE.c.key],
            set_={"failures": case((THROTTLE.c.last_failed_at < now - self.window, 1), else_=THROTTLE.c.failures + 1),
                  "last_failed_at": now, "locked_until": None},
            where=or_(THROTTLE.c.locked_until.is_(None), THROTTLE.c.locked_until <= now),
        ).returning(THROTTLE.c.failures)
        return (await session.execute(statement)).scalar_one_or_none()

    @staticmethod
    async def _retry_after(session: AsyncSession, key: str, now: datetime) -> int:
        until = (await session.execute(select(THROTTLE.c.locked_until).where(THROTTLE.c.key == key))).scalar()
        return max(1, math.ceil((as_utc(until) - now).total_seconds())) if until else 1
