"""Cursor (keyset) pagination: the cursor is the sort key of the last row, so page 1,000 costs what page 1 does.

A cursor is base64url of the JSON list of those key values. It comes back from the client, so it is input like
any other: ``decode_cursor`` checks each value against the type of its key (an integer in the column's range, a
string of the column's length without control characters, an ISO date or time) and answers anything else
with 400 ``bad-cursor``, before a value reaches SQL, where a dict, a float for a text column or an integer past
32 bits would be a driver error (a 500) on PostgreSQL.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    Select,
    SmallInteger,
    String,
    bindparam,
    func,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import ColumnElement
from sqlalchemy.types import TypeDecorator, TypeEngine

from .problems import BadRequest
from .text import refused_character

__all__ = ["MAX_CURSOR_LENGTH", "CursorKey", "NextLink", "Page", "Pager", "Sorts", "decode_cursor", "encode_cursor",
           "keyset_page", "page_of"]

T = TypeVar("T")
# A key is a column of the sort order (mapped or Core), or the Python type of a computed one (a search tier).
CursorKey = InstrumentedAttribute[Any] | ColumnElement[Any] | type
# A key a query is ordered by: a column.
SortKey = InstrumentedAttribute[Any] | ColumnElement[Any]
# The longest cursor this service issues is a few key values; anything much longer is not one of ours.
MAX_CURSOR_LENGTH = 1024
_MAX_TEXT = 1024  # a key string of a column without a declared length
_INT64 = 2**63
_REFUSED = object()
COUNT_CAP = 10_000  # the most rows a list counts for its total


class Page(BaseModel, Generic[T]):
    """One page of a list; ``next_cursor`` is also sent as ``Link: <…cursor=…>; rel="next"`` and ``total`` as
    ``X-Total-Count`` (kernel.links). ``total`` is counted on the first page only (no cursor), up to
    ``COUNT_CAP`` rows: a client walking the list learns it once, and later pages cost what the first does."""

    items: list[T]
    total: int | None = None
    next_cursor: str | None = None


class Pager:
    """For a list paged by ``after`` (the last key already read): the RFC 8288 ``Link`` to the next page.

    A full page may have a successor; its link carries the same query with ``after`` moved to the page's last
    key, so every REST list is followed the same way, whichever its body's shape.
    """

    def __init__(self, request: Request, response: Response) -> None:
        self.request, self.response = request, response

    def after(self, rows: Sequence[T], limit: int, key: Callable[[T], Any] = attrgetter("id")) -> Sequence[T]:
        if rows and len(rows) >= limit:
            url = self.request.url.include_query_params(after=key(rows[-1]), limit=limit)
            self.response.headers.append("Link", f'<{url}>; rel="next"')
        return rows


NextLink = Annotated[Pager, Depends(Pager)]


@dataclass(frozen=True)
class Sorts:
    """The orders a list offers as its ``sort`` parameter: ``name`` ascending, ``-name`` descending.

    Each order is a keyset: its keys end in a unique column, so pages never overlap or skip a row whatever the
    ties. The cursor carries the order's name with the last row's keys, so a cursor of one order is refused
    (400 ``bad-cursor``) by another rather than read as the wrong keys.
    """

    keys: dict[str, tuple[SortKey, ...]]  # field name → keys, ascending
    default: str  # e.g. "-id"

    def __post_init__(self) -> None:
        if self.default.lstrip("-") not in self.keys:
            raise ValueError(f"default order {self.default!r} is not one of {sorted(self.keys)}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for field in self.keys for name in (field, f"-{field}"))

    def query(self, description: str = "Order of the list") -> Any:
        """The ``sort`` query parameter's type: the allowed orders as an enum in OpenAPI, 422 for any other."""
        return Annotated[Literal[self.names] | None,
                         Query(description=f"{description}: a field, `-` for descending (default `{self.default}`)")]

    def resolve(self, sort: str | None) -> tuple[str, tuple[SortKey, ...], bool]:
        name = sort or self.default
        return name, self.keys[name.lstrip("-")], name.startswith("-")


@dataclass
class Listed(Generic[T]):
    """What ``page_of`` read: the page's rows, the next page's cursor and, on a first page, the total."""

    rows: list[T]
    next_cursor: str | None
    total: int | None

    def page(self, items: Sequence[Any] | None = None) -> dict[str, Any]:
        """The body of a ``Page`` (its items the rows, or ``items`` made from them)."""
        return {"items": self.rows if items is None else items, "total": self.total, "next_cursor": self.next_cursor}


async def page_of(session: AsyncSession, query: Select[Any], sorts: Sorts, sort: str | None, cursor: str | None,
                  limit: int, *, scalars: bool = False, count: bool = True) -> Listed[Any]:
    """One page of ``query`` in the ``sort`` order after ``cursor``: the one way a REST list is paged.

    The total is counted on the first page only, from the same query without its order (``count=False`` where a
    count would scan what the page does not, e.g. a filter applied after reading).
    """
    name, keys, descending = sorts.resolve(sort)
    after = None
    if cursor:
        values = decode_cursor(cursor, [str, *keys])
        if values[0] != name:
            raise _bad_cursor()
        after = encode_cursor(values[1:])
    result = await session.execute(keyset_page(query, list(keys), after, limit, descending=descending))
    rows = list(result.scalars().all() if scalars else result.all())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = encode_cursor([name, *(_key_value(last, key, scalars) for key in keys)])
    total = None
    if count and cursor is None:
        # Counted up to COUNT_CAP rows, so a first page never costs a scan of a national table; past it, no total.
        counted = len(rows) if not more else await session.scalar(
            select(func.count()).select_from(query.order_by(None).limit(COUNT_CAP + 1).subquery()))
        total = counted if counted is not None and counted <= COUNT_CAP else None
    return Listed(rows, next_cursor, total)


def _key_value(row: Any, key: SortKey, scalars: bool) -> Any:
    name = key.key if isinstance(key, InstrumentedAttribute) else key.name
    if scalars:
        value = getattr(row, name)
    elif name in row._mapping:  # a row of columns
        value = row._mapping[name]
    else:  # a row of entities, the first one sorted
        value = getattr(row[0], name)
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _bad_cursor() -> BadRequest:
    return BadRequest("The cursor is not one this service issued.", slug="bad-cursor")


def decode_cursor(cursor: str, keys: Sequence[CursorKey] | int) -> list[Any]:
    """The key values ``cursor`` carries, each of its key's type (400 ``bad-cursor`` otherwise).

    ``keys`` are the sort key's columns (or Python types); a bare width accepts scalars only (an integer of
    64 bits, a short string without control characters), for callers that have no column at hand.
    """
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _bad_cursor()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, TypeError, RecursionError):
        raise _bad_cursor() from None
    checks = [_scalar] * keys if isinstance(keys, int) else [_check_for(key) for key in keys]
    if not isinstance(values, list) or len(values) != len(checks):
        raise _bad_cursor()
    decoded = [check(value) for check, value in zip(checks, values, strict=True)]
    if any(value is _REFUSED for value in decoded):
        raise _bad_cursor()
    return decoded


def _int_check(bound: int) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        ok = isinstance(value, int) and not isinstance(value, bool) and -bound <= value < bound
        return value if ok else _REFUSED
    return check


def _str_check(max_length: int) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        ok = isinstance(value, str) and len(value) <= max_length and refused_character(value) is None
        return value if ok else _REFUSED
    return check


def _datetime_check(aware: bool) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, str) or len(value) > 40:
            return _REFUSED
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return _REFUSED
        if aware and moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC, so its cursors are naive
        if not aware and moment.tzinfo is not None:
            return moment.astimezone(UTC).replace(tzinfo=None)
        return moment
    return check


def _date(value: Any) -> Any:
    if not isinstance(value, str) or len(value) > 10:
        return _REFUSED
    try:
        return date.fromisoformat(value)
    except ValueError:
        return _REFUSED


def _number(value: Any) -> Any:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return value if ok and abs(value) < 1e300 else _REFUSED


def _bool(value: Any) -> Any:
    return value if isinstance(value, bool) else _REFUSED


_scalar_int, _scalar_str = _int_check(_INT64), _str_check(_MAX_TEXT)


def _scalar(value: Any) -> Any:
    return _scalar_str(value) if isinstance(value, str) else _scalar_int(value)


def _check_for(key: CursorKey) -> Callable[[Any], Any]:  # noqa: PLR0911 (one return per column type, in order)
    if isinstance(key, type):
        return {int: _scalar_int, str: _scalar_str, datetime: _datetime_check(True), date: _date,
                float: _number, bool: _bool}[key]
    sql_type: TypeEngine[Any] = key.type
    while isinstance(sql_type, TypeDecorator):  # sqlmodel's AutoString, a UTC timestamp: what they store
        sql_type = sql_type.impl_instance
    # Subclasses before their bases: BigInteger and SmallInteger are Integers, DateTime is not a Date.
    if isinstance(sql_type, BigInteger):
        return _int_check(_INT64)
    if isinstance(sql_type, SmallInteger):
        return _int_check(2**15)
    if isinstance(sql_type, Integer):
        return _int_check(2**31)  # PostgreSQL's integer; SQLite's is wider, the cursor is not
    if isinstance(sql_type, String):  # Text and Enum too
        return _str_check(sql_type.length or _MAX_TEXT)
    if isinstance(sql_type, DateTime):
        return _datetime_check(bool(sql_type.timezone))
    if isinstance(sql_type, Date):
        return _date
    if isinstance(sql_type, (Float, Numeric)):
        return _number
    if isinstance(sql_type, Boolean):
        return _bool
    raise TypeError(f"no cursor rule for a key of type {sql_type!r}")


def keyset_page(
    query: Select[Any], keys: Sequence[SortKey], cursor: str | None, limit: int, *, descending: bool = False
) -> Select[Any]:
    """Order ``query`` by ``keys`` and start after ``cursor``; fetch ``limit + 1`` rows to know if more exist."""
    if cursor:
        values = decode_cursor(cursor, keys)
        if len(keys) == 1:
            (key,), (value,) = keys, values
            query = query.where(key < value if descending else key > value)
        else:
            row = tuple_(*keys)
            after = tuple_(*(bindparam(None, value, type_=key.type) for key, value in zip(keys, values, strict=True)))
            query = query.where(row < after if descending else row > after)
    order = [k.desc() for k in keys] if descending else list(keys)
    return query.order_by(*order).limit(limit + 1)
