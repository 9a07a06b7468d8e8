"""Organizations as the registry knows them: by the names its own records carry.

The registry keeps no directory of organizations (auth does); every record that involves one carries its id and
its name at the time. A reader is shown the name, never the id: this is the one query that finds it, for the
GraphQL loaders and the REST views alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import CompoundSelect, Select, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from .operation.models import Agreement, AnnualReport, Plan
from .registration.models import Product, Resource

__all__ = ["ORG_COLUMNS", "names_of", "org_names_query"]

# Every table that names an organization, as (id column, name column).
ORG_COLUMNS = [
    (col(Resource.org_id), col(Resource.org_name)),
    (col(Product.org_id), col(Product.org_name)),
    (col(Agreement.operator_org_id), col(Agreement.operator_org_name)),
    (col(Plan.implementing_org_id), col(Plan.implementing_org_name)),
    (col(AnnualReport.operator_org_id), col(AnnualReport.operator_org_name)),
]


def org_names_query(keys: set[str] | None = None) -> CompoundSelect[Any]:
    """(org_id, org_name) from every record that names an organization (of ``keys`` only, when given)."""
    parts: list[Select[Any]] = []
    for org_id, org_name in ORG_COLUMNS:
        # sqlmodel's columns type select() as Select[Never, ...]; the rows are (str, str).
        q: Select[Any] = select(org_id.label("org_id"), org_name.label("org_name"))  # type: ignore[assignment]
        parts.append(q.where(org_id.in_(keys)) if keys is not None else q)
    return union_all(*parts)


async def names_of(session: AsyncSession, org_ids: Iterable[str | None]) -> dict[str, str]:
    """The name of each organization of ``org_ids`` that a record names (those none names are left out)."""
    wanted = {org_id for org_id in org_ids if org_id}
    if not wanted:
        return {}
    rows = (await session.execute(org_names_query(wanted))).tuples().all()
    return {org_id: name for org_id, name in rows if name}
