"""Public downloads for portals, no login: Atom feeds, the sitemap's record list, CSV and XLSX exports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.kernel.db import DatabaseDep, SessionDep

from ..operation.http import problems
from ..registration.deps import registration_today
from . import entries as feed_entries
from .atom import ATOM, FeedInfo, atom_feed
from .exports import CATALOG_HEADERS, PRICE_HEADERS, catalog_rows, price_rows
from .records import MAX_PAGE_SIZE, PublicRecordPage, public_records
from .tabular import csv_stream, xlsx_bytes

__all__ = ["router"]

router = APIRouter(tags=["feeds"])
Cursor = Annotated[str | None, Query(max_length=200, description="From the previous page's next link")]
Limit = Annotated[int, Query(ge=1, le=200, description="Entries per page")]
Today = Annotated[date, Depends(registration_today)]
ATOM_RESPONSES = {200: {"content": {ATOM: {}}, "description": "An Atom 1.0 feed (RFC 4287), paged by rel=next"},
                  **problems(400, 422)}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_RESPONSES = {200: {"content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
                       "description": "UTF-8 CSV with a byte-order mark"}}
XLSX_RESPONSES = {200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
                        "description": "An Excel workbook"}}
Page = Callable[..., Awaitable[tuple[list[feed_entries.Entry], str | None]]]


async def _feed(request: Request, title: str, subtitle: str, page: Page, cursor: str | None, limit: int,
                *args) -> Response:
    items, next_cursor = await page(*args, cursor=cursor, limit=limit)
    base = str(request.base_url).rstrip("/")
    info = FeedInfo(feed_url=base + request.url.path, self_url=str(request.url), base_url=base, title=title,
                    console_url=request.app.state.settings.console_url.rstrip("/"),
                    subtitle=subtitle,
                    next_url=str(request.url.include_query_params(cursor=next_cursor, limit=limit))
                    if next_cursor else None)
    return Response(atom_feed(info, items), media_type=f"{ATOM}; charset=utf-8")


@router.get("/feeds/notices.atom", response_class=Response, responses=ATOM_RESPONSES)
async def notices_feed(request: Request, session: SessionDep, today: Today, cursor: Cursor = None,
                       limit: Limit = 50) -> Response:
    """Registrations in public notice now, newest notice first (Art. 12)."""
    return await _feed(request, "公共数据资源登记公示", "正在公示的登记申请，公示期内可提出异议。",
                       feed_entries.notice_entries, cursor, limit, session, today)


@router.get("/feeds/registrations.atom", response_class=Response, responses=ATOM_RESPONSES)
async def registrations_feed(request: Request, session: SessionDep, cursor: Cursor = None,
                             limit: Limit = 50) -> Response:
    """Registrations given their query code, newest first (Art. 13)."""
    return await _feed(request, "新增登记", "已赋予登记编码的公共数据资源和数据产品、服务登记。",
                       feed_entries.registration_entries, cursor, limit, session)


@router.get("/feeds/prices.atom", response_class=Response, responses=ATOM_RESPONSES)
async def prices_feed(request: Request, session: SessionDep, cursor: Cursor = None, limit: Limit = 50) -> Response:
    """Price records of the public price list, newest first (明码标价)."""
    return await _feed(request, "数据产品价格调整", "数据产品和服务的最高限价与运营机构价格的设定和调整。",
                       feed_entries.price_entries, cursor, limit, session)


@router.get("/feeds/records", responses=problems(422))
async def records_for_sitemap(session: SessionDep, page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                              size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = MAX_PAGE_SIZE
                              ) -> PublicRecordPage:
    """Registered catalogue records with their query codes, in numbered pages (for sitemaps)."""
    return await public_records(session, page=page, size=size)


def _download(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/catalog/export.csv", response_class=StreamingResponse, responses=CSV_RESPONSES)
async def catalog_csv(db: DatabaseDep) -> StreamingResponse:
    """The public catalogue as CSV, streamed (registered records only)."""
    return StreamingResponse(csv_stream(CATALOG_HEADERS, catalog_rows(db)), media_type="text/csv; charset=utf-8",
                             headers=_download("catalog.csv"))


@router.get("/catalog/export.xlsx", response_class=Response, responses=XLSX_RESPONSES)
async def catalog_xlsx(db: DatabaseDep) -> Response:
    """The public catalogue as an Excel workbook (registered records only)."""
    body = await xlsx_bytes("公共数据目录", CATALOG_HEADERS, catalog_rows(db))
    return Response(body, media_type=XLSX, headers=_download("catalog.xlsx"))


@router.get("/price-list.csv", response_class=StreamingResponse, responses=CSV_RESPONSES)
async def price_list_csv(db: DatabaseDep) -> StreamingResponse:
    """The price list in force today as CSV, streamed (明码标价)."""
    return StreamingResponse(csv_stream(PRICE_HEADERS, price_rows(db)), media_type="text/csv; charset=utf-8",
                             headers=_download("price-list.csv"))


@router.get("/price-list.xlsx", response_class=Response, responses=XLSX_RESPONSES)
async def price_list_xlsx(db: DatabaseDep) -> Response:
    """The price list in force today as an Excel workbook (明码标价)."""
    body = await xlsx_bytes("价格清单", PRICE_HEADERS, price_rows(db))
    return Response(body, media_type=XLSX, headers=_download("price-list.xlsx"))
