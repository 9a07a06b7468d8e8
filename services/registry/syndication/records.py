"""The public records a sitemap lists: every registered catalogue entry with its latest query code, in fixed
numbered pages so that a sitemap index can name each page by its number (sitemaps.org: ≤ 50,000 URLs each)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.timeutil import as_utc

from ..catalog.dcat import latest_codes
from ..catalog.models import CatalogEntry
from ..catalog.search import PUBLIC_STATUSES

__all__ = ["MAX_PAGE_SIZE", "PublicRecord", "PublicRecordPage", "public_records"]

MAX_PAGE_SIZE = 50_000


class PublicRecord(BaseModel):
    subject_type: str
    subject_id: str
    query_code: str | None
    updated_at: datetime


class PublicRecordPage(BaseModel):
    total: int
    items: list[PublicRecord]


async def public_records(session: AsyncSession, *, page: int, size: int) -> PublicRecordPage:
    public = CatalogEntry.status.in_(PUBLIC_STATUSES)
    total = await session.scalar(select(func.count()).select_from(CatalogEntry).where(public))
    query = select(CatalogEntry.subject_type, CatalogEntry.subject_id, CatalogEntry.updated_at).where(public)
    rows = (await session.execute(query.order_by(CatalogEntry.seq).offset((page - 1) * size).limit(size))).all()
    codes = await latest_codes(session, rows)
    return PublicRecordPage(total=total or 0, items=[
        PublicRecord(subject_type=r.subject_type, subject_id=r.subject_id, updated_at=as_utc(r.updated_at),
                     query_code=codes.get((r.subject_type, r.subject_id))) for r in rows])
