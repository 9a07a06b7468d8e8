"""Who may touch which registration object, written once (DOMAIN §1, Arts. 5–7, 6 and 19 on confidentiality).

- an agency registers its own organization's resources, an operator its own organization's products;
- joint registrants (Art. 7) see the subject and its registrations; only the owner edits drafts and files;
- the registration body (``registrar``) and ``auditor`` read everything; registrars decide, never edit materials;
- a machine client (a portal holding ``registry:read``) reads what the public reads and nothing more: notices,
  query codes and certificates, the catalog of registered subjects, the price list (Art. 12). Drafts and the
  materials of a registration stay with the parties, the body and auditors (Arts. 6, 19), whatever its scope;
- anyone else does not learn the object exists (404), and a subject it cannot read is, when cited, unknown.
"""

from __future__ import annotations

from services.kernel.problems import Forbidden, NotFound
from services.kernel.security import Principal

__all__ = ["OWNER_ROLE", "can_read", "ensure_author", "ensure_owner", "ensure_readable", "ensure_registrar",
           "is_overseer", "is_public"]

OWNER_ROLE = {"resource": "agency", "product": "operator"}


def is_overseer(principal: Principal | None) -> bool:
    """The registration body and auditors read every registration (Arts. 6, 19); no machine client does."""
    return principal is not None and not principal.client and principal.has_role("registrar", "auditor")


def is_public(status: str) -> bool:
    """A subject that has been coded is on the public record (its query code answers for it for good, Art. 13);
    a draft is known only to its registrants, the body and auditors."""
    return status != "draft"


def _parties(owner_org: str, joint_org_ids: list[str] | None) -> set[str]:
    return {owner_org, *(joint_org_ids or [])}


def can_read(principal: Principal | None, owner_org: str, joint_org_ids: list[str] | None = None) -> bool:
    if principal is None or principal.client:
        return False
    return is_overseer(principal) or (principal.org is not None and principal.org in _parties(owner_org, joint_org_ids))


def ensure_readable(principal: Principal, owner_org: str, joint_org_ids: list[str] | None, what: str) -> None:
    if not can_read(principal, owner_org, joint_org_ids):
        raise NotFound(f"No such {what}.", slug=f"{what}-not-found")


def ensure_author(principal: Principal, subject_type: str) -> None:
    """Describing a new subject: an agency its resources, an operator its products, for its own organization."""
    role = OWNER_ROLE[subject_type]
    if principal.client or not principal.has_role(role) or not principal.org:
        raise Forbidden(f"Only an {role} describes {subject_type}s, for its own organization.", slug="role-required")


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
