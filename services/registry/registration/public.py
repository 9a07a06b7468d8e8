"""What anyone may read without logging in (Art. 12): current notices, lookup by query code, certificates.

A notice shows only the registrant names, the registration type, the data name and a short description,
plus the notice period and an id to object against. Everything else stays confidential (Arts. 6, 19).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from services.kernel.pagination import Listed, Sorts, page_of
from services.kernel.problems import Conflict, NotFound

from .access import ensure_readable
from .codes import code_owner, is_valid_code
from .completion import application_pending
from .context import Ctx
from .models import Registration
from .steps import registration_or_404

__all__ = ["NOTICE_SORTS", "current_notices", "in_force_by_code", "lookup_code", "notice",
           "registration_for_certificate"]

NOTICE_FIELDS = ("id", "registrant_names", "type", "data_name", "short_description", "notice_starts_on",
                 "notice_ends_on")


def _notices(ctx: Ctx):
    return select(*(getattr(Registration, f) for f in NOTICE_FIELDS)).where(
        Registration.state == "in_notice", Registration.notice_ends_on >= ctx.today)


# The orders of the notices list: by filing (the default), or by the day a notice closes (closing soon first).
NOTICE_SORTS = Sorts({"id": (Registration.id,), "notice_ends_on": (Registration.notice_ends_on, Registration.id)},
                     default="id")


async def current_notices(ctx: Ctx, *, cursor: str | None, limit: int, q: str | None = None,
                          sort: str | None = None) -> Listed[dict[str, Any]]:
    """Notices running today; ``q`` matches the data name or the short description (case-insensitive).
    Only notices in force are searched, a small set at any time, so a plain LIKE is the right tool."""
    query = _notices(ctx)
    if q and q.strip():
        pattern = "%" + q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(Registration.data_name.ilike(pattern, escape="\\"),
                                Registration.short_description.ilike(pattern, escape="\\")))
    listed = await page_of(ctx.session, query, NOTICE_SORTS, sort, cursor, limit)
    return Listed([dict(row._mapping) for row in listed.rows], listed.next_cursor, listed.total)


async def notice(ctx: Ctx, registration_id: str) -> dict[str, Any]:
    """One running notice, with the public fields only."""
    row = (await ctx.session.execute(_notices(ctx).where(Registration.id == registration_id))).first()
    if row is None:
        raise NotFound("No public notice with this id is running.", slug="notice-not-found")
    return dict(row._mapping)


async def _latest_with_code(ctx: Ctx, code: str) -> Registration:
    code = code.strip().upper()
    if not is_valid_code(code) or (await code_owner(ctx.session, code)) is None:
        raise NotFound("No registration has this query code.", slug="code-not-found")
    query = select(Registration).where(Registration.query_code == code, Registration.coded_at.is_not(None)) \
        .order_by(Registration.coded_at.desc(), Registration.id.desc()).limit(1)
    return (await ctx.session.scalars(query)).one()


async def _in_force(ctx: Ctx, r: Registration, state: str) -> bool:
    """Registered, its validity begun, and not past its end unless an application filed in time still holds it in
    force (Art. 15) — whether or not today's sweep has run yet."""
    if state != "registered" or (r.valid_from is not None and ctx.today < r.valid_from):
        return False
    if r.valid_until is None or ctx.today <= r.valid_until:
        return True
    held = select(Registration.id).where(Registration.id == r.id, application_pending())
    return (await ctx.session.scalars(held)).first() is not None


async def lookup_code(ctx: Ctx, code: str) -> dict[str, Any]:
    """The public result of a query code: what is registered, by whom, whether it is in force and until when."""
    r = await _latest_with_code(ctx, code)
    if r.type == "cancellation" or r.state != "registered":
        state = "cancelled" if r.type == "cancellation" else r.state
    else:
        state = "registered"
    return {"query_code": r.query_code, "subject_type": r.subject_type, "data_name": r.data_name,
            "registrant_names": r.registrant_names, "registration_type": r.type, "state": state,
            "in_force": await _in_force(ctx, r, state),
            "valid_from": r.valid_from, "valid_until": r.valid_until,
            "updated_at": r.updated_at}


async def in_force_by_code(ctx: Ctx, code: str) -> Registration:
    r = await _latest_with_code(ctx, code)
    if r.state != "registered":
        raise Conflict("The registration is not in force.", slug="not-in-force", current_state=r.state)
    return r


async def registration_for_certificate(ctx: Ctx, registration_id: str) -> Registration:
    r = await registration_or_404(ctx, registration_id, lock=False)
    ensure_readable(ctx.principal, r.org_id, r.registrant_org_ids, "registration")
    if r.state != "registered":
        raise Conflict("Only a registration in force has a certificate.", slug="not-in-force", current_state=r.state)
    return r
