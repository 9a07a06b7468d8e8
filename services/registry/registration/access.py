"""Who may touch which registration object, written once (DOMAIN §1, Arts. 5–7, 6 and 19 on confidentiality).

- an agency registers its own organization's resources, an operator its own organization's products;
- joint registrants (Art. 7) see the subject and its registrations; only the owner edits drafts and files;
- the registration body (``registrar``) and ``auditor`` read everything; registrars decide, never edit materials;
- a machine client reads with the ``registry:read`` scope and never writes;
- anyone else does not learn the object exists (404).
"""

from __future__ import annotations

from services.kernel.problems import Forbidden, NotFound
from services.kernel.security import Principal

__all__ = ["OWNER_ROLE", "can_read", "ensure_owner", "ensure_readable", "ensure_registrar", "is_overseer"]

OWNER_ROLE = {"resource": "agency", "product": "operator"}
READ_SCOPE = "registry:read"


def is_overseer(principal: Principal) -> bool:
    """Registration body and auditors read every registration; read-scoped machine clients too."""
    if principal.client:
        return READ_SCOPE in principal.scopes
    return principal.has_role("registrar", "auditor")


def _parties(owner_org: str, joint_org_ids: list[str] | None) -> set[str]:
    return {owner_org, *(joint_org_ids or [])}


def can_read(principal: Principal, owner_org: str, joint_org_ids: list[str] | None = None) -> bool:
    if is_overseer(principal):
        return True
    return not principal.client and principal.org is not None and principal.org in _parties(owner_org, joint_org_ids)


def ensure_readable(principal: Principal, owner_org: str, joint_org_ids: list[str] | None, what: str) -> None:
    if not can_read(principal, owner_org, joint_org_ids):
        raise NotFound(f"No such {what}.", slug=f"{what}-not-found")


def ensure_owner(principal: Principal, subject_type: str, owner_org: str, joint_org_ids: list[str] | None,
                 what: str) -> None:
    """Only the owning organization's agency (resources) or operator (products) writes."""
    ensure_readable(principal, owner_org, joint_org_ids, what)
    role = OWNER_ROLE[subject_type]
    if principal.client or principal.org != owner_org or not principal.has_role(role):
        raise Forbidden(f"Only the owning organization's {role} may do this.", slug="not-owner")


def ensure_registrar(principal: Principal) -> None:
    if principal.client or not principal.has_role("registrar"):
        raise Forbidden("Only the registration body may decide registrations.", slug="registrar-required")
