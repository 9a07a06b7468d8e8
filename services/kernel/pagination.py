"""Cursor (keyset) pagination: the cursor is the sort key of the last row, so page 1,000 costs what page 1 does."""

from __future__ import annotations

import base64
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from .problems import BadRequest

__all__ = ["Page", "decode_cursor", "encode_cursor", "keyset_page"]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise BadRequest("The cursor is not one this service issued.", slug="bad-cursor") from None
    if not isinstance(values, list) or len(values) != width:
        raise BadRequest("The cursor is not one this service issued.", slug="bad-cursor")
    return values


def keyset_page(
    query: Select, keys: list[InstrumentedAttribute], cursor: str | None, limit: int, *, descending: bool = False
) -> Select:
    """Order ``query`` by ``keys`` and start after ``cursor``; fetch ``limit + 1`` rows to know if more exist."""
    if cursor:
        values = decode_cursor(cursor, len(keys))
        row = tuple_(*keys)
        query = query.where(row < tuple_(*values) if descending else row > tuple_(*values))
    order = [k.desc() for k in keys] if descending else list(keys)
    return query.order_by(*order).limit(limit + 1)
