"""Who may call each registration route, as dependencies FastAPI solves before it validates the body.

A caller without the role gets 403, and one that may not see the object named in the path 404, whatever it
sent: a 422 describing the body would tell a caller who may not use the route how to write one, and that an
object it may not see exists (DOMAIN §1, Arts. 6, 19). The services check again, for GraphQL and the CLI that
reach them without these routes. The object dependencies read columns, not entities, so the row a service
then loads with a lock is read afresh, never taken stale from the session's identity map.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from sqlalchemy import select

from services.kernel.db import SessionDep
from services.kernel.problems import Forbidden, NotFound
from services.kernel.security import CurrentPrincipal, Principal

from .access import OWNER_ROLE, ensure_author, ensure_owner, ensure_registrar
from .models import Registration
from .subjects import MODELS

__all__ = ["OwnRegistration", "OwnResource", "Registrant", "Registrar", "author", "own_subject"]

Id = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")]


async def _registrar(principal: CurrentPrincipal) -> Principal:
    ensure_registrar(principal)
    return principal


async def _registrant(principal: CurrentPrincipal) -> Principal:
    """Files registrations: an agency for its resources, an operator for its products (Art. 5)."""
    if principal.client or not principal.org or not principal.has_role(*OWNER_ROLE.values()):
        raise Forbidden("Only a registrant (an agency or an operator) files registrations.", slug="role-required")
    return principal


def author(subject_type: str):
    """Describes new subjects of one type: the type's owner role, for its own organization."""

    async def check(principal: CurrentPrincipal) -> Principal:
        ensure_author(principal, subject_type)
        return principal

    return Depends(check)


def own_subject(subject_type: str):
    """The subject in the path, for its owner only: 404 unless the caller may read it, 403 unless it owns it."""
    model = MODELS[subject_type]

    async def check(subject_id: Id, session: SessionDep, principal: CurrentPrincipal) -> str:
        row = (await session.execute(select(model.org_id, model.joint_org_ids).where(model.id == subject_id))).first()
        if row is None:
            raise NotFound(f"No such {subject_type}.", slug=f"{subject_type}-not-found")
        ensure_owner(principal, subject_type, row.org_id, row.joint_org_ids, subject_type)
        return subject_id

    return Depends(check)


async def _own_registration(registration_id: Id, session: SessionDep, principal: CurrentPrincipal) -> str:
    table = Registration.__table__.c
    row = (await session.execute(select(table.subject_type, table.org_id, table.registrant_org_ids)
                                 .where(table.id == registration_id))).first()
    if row is None:
        raise NotFound("No such registration.", slug="registration-not-found")
    ensure_owner(principal, row.subject_type, row.org_id, row.registrant_org_ids, "registration")
    return registration_id


Registrar = Annotated[Principal, Depends(_registrar)]
Registrant = Annotated[Principal, Depends(_registrant)]
OwnRegistration = Annotated[str, Depends(_own_registration)]
OwnResource = Annotated[str, own_subject("resource")]
