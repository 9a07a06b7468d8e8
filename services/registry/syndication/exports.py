"""The rows of the two downloads: the public catalogue (registered resources and products, DOMAIN §1) and the
price list in force today (明码标价, DOMAIN §3). Each chunk is read in its own short session, so a download of
100,000 rows holds no connection while the client reads, and pages by key, so the last chunk costs the first's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy import select

from services.kernel.db import Database

from ..catalog.dcat import latest_codes
from ..catalog.models import CatalogEntry
from ..catalog.search import PUBLIC_STATUSES
from ..pricing.price_list import price_list
from .tabular import Cell

__all__ = ["CATALOG_HEADERS", "PRICE_HEADERS", "catalog_rows", "price_rows"]

CHUNK = 1000
CATALOG_HEADERS = ("类型", "标识", "登记编码", "名称", "简介", "登记主体", "行政区划代码", "领域", "更新频率",
                   "共享属性", "开放属性", "分级", "产品形态", "用途", "更新时间")
PRICE_HEADERS = ("产品标识", "产品名称", "运营主体", "用途", "免费", "价格类型", "计费单位", "单价（元）",
                 "阶梯价格", "最高限价（元）", "生效日期", "截止日期（不含）")


async def catalog_rows(db: Database, *, chunk: int = CHUNK) -> AsyncIterator[list[list[Cell]]]:
    after = None
    while True:
        async with db.read_sessions() as session:
            query = select(CatalogEntry).where(CatalogEntry.status.in_(PUBLIC_STATUSES))
            if after is not None:
                query = query.where(CatalogEntry.seq > after)
            entries = list((await session.scalars(query.order_by(CatalogEntry.seq).limit(chunk))).all())
            codes = await latest_codes(session, entries)
        if not entries:
            return
        yield [[e.subject_type, e.subject_id, codes.get((e.subject_type, e.subject_id)), e.name, e.description,
                e.org_name, e.region_code, e.domain, e.update_frequency, e.sharing_attribute, e.opening_attribute,
                e.grading, e.form, e.use_type, e.updated_at] for e in entries]
        if len(entries) < chunk:
            return
        after = entries[-1].seq


def _tiers(tiers: list) -> str:
    return "；".join(f"{'≤' + str(t.up_to) if t.up_to is not None else '其余'}：{t.unit_price}" for t in tiers)


async def price_rows(db: Database, *, chunk: int = 500) -> AsyncIterator[list[list[Cell]]]:
    after = None
    while True:
        async with db.read_sessions() as session:
            items, after = await price_list(session, operator_org_id=None, after=after, limit=chunk)
        if items:
            yield [[i.product_id, i.product_name, i.operator_org_name, i.use_type, i.free, i.kind, i.billing_unit,
                    i.unit_price, _tiers(i.tiers), i.ceiling_unit_price, i.effective_from, i.effective_to]
                   for i in items]
        if after is None:
            return
