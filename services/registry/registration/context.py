"""What every registration service function needs besides its arguments: one place to build it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.security import Principal
from services.kernel.timeutil import china_day, utcnow

from .calendar import WorkCalendar
from .rules import RegistrationRules

__all__ = ["Ctx"]


@dataclass
class Ctx:
    session: AsyncSession
    principal: Principal | None  # None only for the public objection form and the scheduled sweep
    today: date  # the date in China; tests move it to walk through notice periods and expiry
    calendar: WorkCalendar
    rules: RegistrationRules

    @property
    def now(self) -> datetime:
        """The server time, on ``today``: decisions and receipts are dated on the registry's calendar day.

        In production ``today`` is the real date in China and this is ``utcnow()``; a test that moves the
        clock moves the timestamps with it, so "accepted on" and "due on" are compared on one calendar.
        """
        real = utcnow()
        return real + timedelta(days=(self.today - china_day(real)).days)

    @property
    def actor(self) -> str:
        return self.principal.subject if self.principal else "system"

    @property
    def actor_org(self) -> str | None:
        return self.principal.org if self.principal else None
