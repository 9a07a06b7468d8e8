"""What every registration service function needs besides its arguments: one place to build it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.security import Principal

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
    def actor(self) -> str:
        return self.principal.subject if self.principal else "system"

    @property
    def actor_org(self) -> str | None:
        return self.principal.org if self.principal else None
