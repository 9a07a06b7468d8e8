"""Who may see and do what in scoring, written once (issue 6, Access): agencies and operators see their own
organization's scores; authorities, auditors and administrators see all; machine clients act by scope."""

from __future__ import annotations

from services.kernel.problems import Forbidden
from services.kernel.security import Principal

from .evaluation.facts import region_prefix

__all__ = ["SEE_ALL", "can_read", "must_read", "must_run", "must_submit", "owner_filter"]

SEE_ALL = ("admin", "authority", "auditor")
OWN = ("agency", "operator")


def can_read(principal: Principal, owner_org: str | None) -> bool:
    if principal.client:
        return "scoring:read" in principal.scopes
    if principal.has_role(*SEE_ALL):
        return True
    return owner_org is not None and owner_org == principal.org and principal.has_role(*OWN)


def must_read(principal: Principal, owner_org: str | None) -> None:
    if not can_read(principal, owner_org):
        raise Forbidden("You may only read your own organization's scores.", slug="not-your-score")


def owner_filter(principal: Principal) -> str | None:
    """For list endpoints: None means every organization; otherwise only this one. Others are refused."""
    if (principal.client and "scoring:read" in principal.scopes) or principal.has_role(*SEE_ALL):
        return None
    if not principal.client and principal.has_role(*OWN) and principal.org:
        return principal.org
    raise Forbidden("Scores are visible to agencies and operators (their own), authorities, auditors and "
                    "administrators.", slug="role-required")


def must_run(principal: Principal) -> None:
    """Running evaluations and syncing the registry: authorities and administrators, or scoring:write clients."""
    if principal.client and "scoring:write" in principal.scopes:
        return
    if not principal.client and principal.has_role("admin", "authority"):
        return
    raise Forbidden("This needs the authority or admin role (or the scoring:write scope).", slug="role-required")


def must_submit(principal: Principal, subject_kind: str, subject_id: str) -> None:
    """An organization submits its own indicator values; an authority those of a region it governs."""
    if principal.client:
        raise Forbidden("Indicator values are submitted by people, with evidence.", slug="role-required")
    if subject_kind == "organization" and principal.has_role(*OWN) and principal.org == subject_id:
        return
    if subject_kind == "region" and principal.has_role("authority") and principal.region and \
            region_prefix(subject_id).startswith(region_prefix(principal.region)):
        return
    raise Forbidden("You may submit values only for your own organization (agency, operator) or a region "
                    "you govern (authority).", slug="not-your-subject")
