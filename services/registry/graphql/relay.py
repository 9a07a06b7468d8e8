"""Relay plumbing: global ids, keyset connections with opaque cursors, page-size limits.

A cursor or a global id is the caller's text: what it decodes to is checked against what this API issues before
it reaches a query (a cursor by the kernel's ``decode_cursor`` against the key column, as REST's; an id for
length and control characters), so a crafted one is the ``bad-cursor`` / ``bad-node-id`` problem, never a
database error or "Unexpected error.".
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import Select, func, select
from strawberry.types import Info

from services.kernel.pagination import decode_cursor, encode_cursor
from services.kernel.problems import BadRequest
from services.kernel.text import refused_character

__all__ = ["Connection", "Edge", "Node", "PageInfo", "from_global_id", "paginate", "to_global_id"]

T = TypeVar("T")
MAX_ID = 200  # characters of any id here (ours are 32, organizations' at most 64)


def to_global_id(type_name: str, db_id: Any) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{db_id}".encode()).decode().rstrip("="))


def from_global_id(global_id: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
        type_name, _, db_id = raw.partition(":")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("Not a node id this API issued.", slug="bad-node-id") from None
    if not type_name or not _plain_id(db_id):
        raise BadRequest("Not a node id this API issued.", slug="bad-node-id")
    return type_name, db_id


def _plain_id(value: str) -> bool:
    return 0 < len(value) <= MAX_ID and refused_character(value) is None


@strawberry.interface(description="An object with a global id (Relay).")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    _count_query: strawberry.Private[Select | None] = None

    @strawberry.field(description="Number of items matching the filters (one extra query, only when asked).")
    async def total_count(self, info: Info) -> int:
        if self._count_query is None:
            return len(self.edges)
        return int(await info.context.session.scalar(
            select(func.count()).select_from(self._count_query.order_by(None).subquery())))


async def paginate(info: Info, query: Select, key: Any, first: int, after: str | None,
                   wrap: Callable[[Any], T], *, descending: bool = False) -> Connection[T]:
    """Keyset page over ``query`` ordered by one unique, monotone ``key`` (ids and sequences are)."""
    limit = info.context.settings.max_page
    if not 1 <= first <= limit:
        raise BadRequest(f"first must be between 1 and {limit}.", slug="bad-page-size")
    page = query
    if after:
        (value,) = decode_cursor(after, [key])
        page = page.where(key < value if descending else key > value)
    page = page.order_by(key.desc() if descending else key).limit(first + 1)
    rows = (await info.context.session.scalars(page)).all()
    edges = [Edge(cursor=encode_cursor([getattr(row, key.key)]), node=wrap(row)) for row in rows[:first]]
    return Connection(edges=edges, page_info=PageInfo(has_next_page=len(rows) > first,
                                                      end_cursor=edges[-1].cursor if edges else None),
                      _count_query=query)
