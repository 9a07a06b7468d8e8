"""Reports of a resource's data being refreshed: the day its holder last updated the data (DOMAIN §1, Art. 9(1)
names the update frequency among the materials; the refresh itself is not a material change, so it needs no
change registration and keeps the registered version). Scoring reads it for timeliness (DOMAIN §4.2)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import Unprocessable
from services.kernel.security import Principal
from services.kernel.timeutil import utcnow

from ..ledger.service import record
from .access import ensure_owner
from .models import Resource
from .subjects import subject_or_404

__all__ = ["report_data_update"]


async def report_data_update(session: AsyncSession, principal: Principal, resource_id: str, updated_on: date,
                             today: date) -> Resource:
    resource = await subject_or_404(session, "resource", resource_id, for_update=True)
    ensure_owner(principal, "resource", resource.org_id, resource.joint_org_ids, "resource")
    if updated_on > today:
        raise Unprocessable("A data update cannot be reported for a future day.", slug="future-data-update",
                            errors=[{"field": "updated_on", "message": f"after today ({today})"}])
    # Reports may arrive out of order: the latest refresh wins.
    if resource.data_updated_on is None or updated_on > resource.data_updated_on:
        resource.data_updated_on = updated_on
        resource.updated_at = utcnow()
    await session.flush()
    await record(session, principal, "resource.data_updated", "resource", resource.id,
                 {"updated_on": updated_on.isoformat(), "data_updated_on": resource.data_updated_on.isoformat()})
    return resource
