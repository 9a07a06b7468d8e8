"""The headline figures of the public home page: registered resources and products, registrations coded this
year, notices open today. Four counts in one statement, kept for ``TTL_SECONDS`` per process: the home page is
the most visited page and the figures move at the pace of registrations, not of page views."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.kernel.timeutil import CHINA

from ..registration.models import Registration
from .models import CatalogEntry
from .schemas import CatalogFigures
from .search import PUBLIC_STATUSES

__all__ = ["TTL_SECONDS", "FigureCache", "count_figures"]

TTL_SECONDS = 30.0


def _registered(kind: str):
    return select(func.count()).where(col(CatalogEntry.subject_type) == kind,
                                      col(CatalogEntry.status).in_(PUBLIC_STATUSES)).scalar_subquery()


async def count_figures(session: AsyncSession, today: date) -> CatalogFigures:
    """The counts as of ``today`` (China's date, Art. 12: a notice runs to its last day inclusive)."""
    year_start = datetime(today.year, 1, 1, tzinfo=CHINA)
    coded = select(func.count()).where(col(Registration.coded_at) >= year_start).scalar_subquery()
    # The public notice list's own condition (registration/public.py): in notice, last day not passed.
    notices = select(func.count()).where(col(Registration.state) == "in_notice",
                                         col(Registration.notice_ends_on) >= today).scalar_subquery()
    row = (await session.execute(select(_registered("resource"), _registered("product"), coded, notices))).one()
    return CatalogFigures(resources=row[0], products=row[1], registrations_this_year=row[2], notices_open=row[3],
                          year=today.year, as_of=today)


@dataclass
class FigureCache:
    """The last figures counted, for one day, until they are ``ttl`` seconds old (one per application)."""

    ttl: float = TTL_SECONDS
    figures: CatalogFigures | None = None
    counted_at: float = 0.0

    async def get(self, session: AsyncSession, today: date) -> CatalogFigures:
        fresh = time.monotonic() - self.counted_at < self.ttl
        if self.figures is None or not fresh or self.figures.as_of != today:
            self.figures, self.counted_at = await count_figures(session, today), time.monotonic()
        return self.figures
