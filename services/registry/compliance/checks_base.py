"""What a rule check receives and returns. A check looks at the database as it is and lists every subject that
breaks its rule now; the engine turns that list into opened and resolved findings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["Check", "CheckContext", "Violation"]


@dataclass(frozen=True)
class CheckContext:
    today: date
    # When set, only these subject ids are examined (a write re-checks what it touched).
    ids: frozenset[str] | None = None

    def scope(self, column):
        """A WHERE clause limiting ``column`` to ``ids``, or None for a full sweep."""
        return None if self.ids is None else column.in_(self.ids)


@dataclass(frozen=True)
class Violation:
    subject_type: str
    subject_id: str
    org_id: str | None
    detail: str
    facts: dict[str, Any] = field(default_factory=dict)


Check = Callable[[AsyncSession, CheckContext], Awaitable[list[Violation]]]


def where(query, *clauses):
    """Add the clauses that are not None."""
    real = [c for c in clauses if c is not None]
    return query.where(*real) if real else query
