"""Organizations as the registry knows them: by the names its own records carry.

The registry keeps no directory of organizations (auth does); every record that involves one carries its id and
its name at the time. A reader is shown the name, never the id: this is the one query that finds it, for the
GraphQL loaders and the REST views alike.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from .operation.models import Agreement, AnnualReport, Plan
from .registration.models import Product, Resource

__all__ = ["ORG_COLUMNS", "names_of", "org_names_query"]

# Every table that names an organization, as (id column, name column).
ORG_COLUMNS = [
    (Resource.org_id, Resource.org_name),
    (Product.org_id, Product.org_name),
    (Agreement.operator_org_id, Agreement.operator_org_name),
    (Plan.implementing_org_id, Plan.implementing_org_name),
    (AnnualReport.operator_org_id, AnnualReport.operator_org_name),
]


def org_names_query(keys: set[str] | None = None):
    """(org_id, org_name) from every record that names an organization (of ``keys`` only, when given)."""
    parts = []
    for org_id, org_name in ORG_COLUMNS:
        q = select(org_id.label("org_id"), org_name.label("org_name"))
        parts.append(q.where(org_id.in_(keys)) if keys is not None else q)
    return union_all(*parts)


async def names_of(session: AsyncSession, org_ids: Iterable[str | None]) -> dict[str, str]:
    """The name of each organization of ``org_ids`` that a record names (those none names are left out)."""
    wanted = {org_id for org_id in org_ids if org_id}
    if not wanted:
        return {}
    return {org_id: name for org_id, name in (await session.execute(org_names_query(wanted))).all() if name}
