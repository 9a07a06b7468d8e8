"""Who may read the ledger.

Entries carry whole registrations, agreements and prices, which are confidential to the parties, the
registration body and auditors (DOMAIN.md §1, Arts. 6 and 19): people with the ``auditor`` or ``admin``
role read them, and machine clients holding ``registry:feed`` (the scoring service follows the change
feed). Signed tree heads reveal only a size and a hash, so anyone may fetch and keep them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.kernel.problems import Forbidden
from services.kernel.security import CurrentPrincipal, Principal

__all__ = ["FEED_SCOPE", "READER_ROLES", "LedgerReader", "ledger_reader", "may_read_ledger"]

READER_ROLES = ("auditor", "admin")
FEED_SCOPE = "registry:feed"


def may_read_ledger(principal: Principal) -> bool:
    if principal.client:
        return FEED_SCOPE in principal.scopes
    return principal.has_role(*READER_ROLES)


async def ledger_reader(principal: CurrentPrincipal) -> Principal:
    if not may_read_ledger(principal):
        raise Forbidden("Reading the ledger needs the auditor or admin role, or a client with scope registry:feed.",
                        slug="ledger-access")
    return principal


LedgerReader = Annotated[Principal, Depends(ledger_reader)]
