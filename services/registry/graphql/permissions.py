"""Who may query: people with the auditor or admin role (DOMAIN.md §1, Arts. 6 and 19: registrations are
confidential to the parties, the registration body and auditors). Machine clients never pass.

Everyone else is refused at the door with 401/403 (``gate``); these field permissions stay as the schema's own
statement of who reads what, and ``IsAdmin`` refuses an auditor the query log inside an authorized execution."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from .gate import may_query

__all__ = ["IsAdmin", "IsAuditorOrAdmin"]


class IsAuditorOrAdmin(BasePermission):
    message = "The GraphQL API is for the auditor and admin roles."
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 (strawberry reads it; never mutated)

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return may_query(info.context.principal)


class IsAdmin(BasePermission):
    message = "Only admins read the GraphQL query log."
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 (strawberry reads it; never mutated)

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal is not None and not principal.client and principal.has_role("admin")
