"""The entries of the three feeds, newest first and keyset-paged: what anyone may already read without login.

- notices: registrations in public notice now (Art. 12), with the four public fields only;
- registrations: every registration that was given its query code (Art. 13; the code's lookup is public);
- price changes: the dated price records of the public price list (明码标价, DOMAIN §3). A ceiling set on a
  product still in draft, with no operator price yet, stays out: the product is not on the public list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from urllib.parse import quote

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.pagination import encode_cursor, keyset_page
from services.kernel.timeutil import CHINA, as_utc

from ..pricing.models import PriceRecord
from ..registration.models import Product, Registration

__all__ = ["Entry", "notice_entries", "price_entries", "registration_entries"]

TYPE_LABELS = {"first": "首次登记", "change": "变更登记", "correction": "更正登记", "cancellation": "注销登记",
               "renewal": "续展登记"}
SUBJECT_LABELS = {"resource": "公共数据资源", "product": "数据产品和服务"}
LAYER_LABELS = {"ceiling": "最高限价", "specific": "具体价格", "trial": "试行价格"}
UNIT_LABELS = {"per_product": "按产品", "per_service": "按服务", "per_time": "按时长", "per_call": "按次"}


@dataclass(frozen=True)
class Entry:
    key: str  # unique within its feed, part of the entry's id
    title: str
    updated: datetime
    link: str  # path of the public API resource, from the registry's base
    page: str  # path of the console's public page, from the console's base
    summary: str


def _day(value: date) -> datetime:
    """A notice starts on a China day: its first moment there."""
    return datetime.combine(value, time.min, tzinfo=CHINA)


async def notice_entries(session: AsyncSession, today: date, *, cursor: str | None,
                         limit: int) -> tuple[list[Entry], str | None]:
    R = Registration
    query = select(R.id, R.registrant_names, R.type, R.data_name, R.short_description, R.notice_starts_on,
                   R.notice_ends_on).where(R.state == "in_notice", R.notice_ends_on >= today)
    keys = [R.notice_starts_on, R.id]
    rows = (await session.execute(keyset_page(query, keys, cursor, limit, descending=True))).all()
    page, more = rows[:limit], len(rows) > limit
    entries = [Entry(key=r.id, title=f"公示：{r.data_name}", updated=_day(r.notice_starts_on),
                     link=f"/public/notices/{r.id}", page=f"/notices/{r.id}",
                     summary=(f"{TYPE_LABELS.get(r.type, r.type)}；登记主体：{'、'.join(r.registrant_names)}；"
                              f"公示期 {r.notice_starts_on} 至 {r.notice_ends_on}。{r.short_description}").strip())
               for r in page]
    return entries, (encode_cursor([page[-1].notice_starts_on, page[-1].id]) if more else None)


async def registration_entries(session: AsyncSession, *, cursor: str | None,
                               limit: int) -> tuple[list[Entry], str | None]:
    R = Registration
    query = select(R.id, R.query_code, R.subject_type, R.type, R.data_name, R.registrant_names, R.valid_from,
                   R.valid_until, R.coded_at).where(R.coded_at.is_not(None), R.query_code.is_not(None))
    keys = [R.coded_at, R.id]
    rows = (await session.execute(keyset_page(query, keys, cursor, limit, descending=True))).all()
    page, more = rows[:limit], len(rows) > limit
    entries = []
    for r in page:
        validity = f"有效期 {r.valid_from} 至 {r.valid_until}。" if r.valid_from and r.valid_until else ""
        entries.append(Entry(
            key=r.id, title=f"{TYPE_LABELS.get(r.type, r.type)}：{r.data_name}（{r.query_code}）",
            updated=as_utc(r.coded_at), link=f"/public/codes/{quote(r.query_code, safe='')}",
            page=f"/lookup?code={quote(r.query_code, safe='')}",
            summary=(f"{SUBJECT_LABELS.get(r.subject_type, r.subject_type)}“{r.data_name}”，登记主体："
                     f"{'、'.join(r.registrant_names)}，登记编码 {r.query_code}。{validity}")))
    return entries, (encode_cursor([page[-1].coded_at, page[-1].id]) if more else None)


def _public_price():
    """A product on the public record, or any operator price: an operator's price is published once set."""
    return or_(Product.status != "draft", PriceRecord.layer == "operator")


async def price_entries(session: AsyncSession, *, cursor: str | None, limit: int) -> tuple[list[Entry], str | None]:
    P = PriceRecord
    query = (select(P.id, P.product_id, P.layer, P.kind, P.billing_unit, P.unit_price, P.effective_from,
                    P.effective_to, P.created_at, Product.name, Product.org_name, Product.use_type)
             .join(Product, Product.id == P.product_id).where(_public_price()))
    keys = [P.created_at, P.id]
    rows = (await session.execute(keyset_page(query, keys, cursor, limit, descending=True))).all()
    page, more = rows[:limit], len(rows) > limit
    entries = []
    for r in page:
        label = LAYER_LABELS.get(r.kind, r.kind)
        until = f"至 {r.effective_to}（不含）" if r.effective_to else "起长期有效"
        entries.append(Entry(
            key=r.id, title=f"价格调整：{r.name}（{label} {r.unit_price} 元）", updated=as_utc(r.created_at),
            link=f"/products/{r.product_id}/prices", page="/prices",
            summary=(f"{r.org_name}的“{r.name}”{label}：{UNIT_LABELS.get(r.billing_unit, r.billing_unit)}"
                     f"最高档单价 {r.unit_price} 元，自 {r.effective_from} {until}。")))
    return entries, (encode_cursor([page[-1].created_at, page[-1].id]) if more else None)
