"""Who may send an operation, decided from the bearer token before anything runs.

The GraphQL API is the auditors' (DOMAIN.md §1, Arts. 6 and 19), so a caller is refused at the door the way
every REST route refuses: no or bad token → 401 with ``WWW-Authenticate`` and problem+json, a token without the
auditor or admin role (machine clients included) → 403 problem+json, with the same ``type`` URIs as REST.
GraphQL-over-HTTP leaves status codes for authentication to the server; only errors inside an authorized
execution (a field an auditor may not read, a bad cursor) are GraphQL errors in a 200 answer.

The GraphiQL page itself holds no data and is served to anyone when it is switched on; every operation sent
from it, introspection included, needs the token (GraphiQL's header pane).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from graphql import GraphQLError, get_operation_ast, parse

from services.kernel.problems import Forbidden, Unauthorized
from services.kernel.security import OptionalPrincipal, Principal

from .models import QueryLog
from .settings import GraphQLSettings

__all__ = ["admitted", "may_query", "serves_ide"]

REFUSAL = "The GraphQL API is for the auditor and admin roles."


def may_query(principal: Principal | None) -> bool:
    """A person holding the auditor or admin role; machine clients never pass."""
    return principal is not None and not principal.client and principal.has_role("auditor", "admin")


def serves_ide(request: Request, settings: GraphQLSettings) -> bool:
    """Strawberry's own test for answering with the GraphiQL page instead of running an operation."""
    return (bool(settings.graphiql) and request.method == "GET" and "query" not in request.query_params
            and any(accepted in request.headers.get("accept", "") for accepted in ("text/html", "*/*")))


def admitted(settings: GraphQLSettings):
    """Dependency: the caller allowed to run an operation (or None for the GraphiQL page)."""

    async def admit(request: Request, principal: OptionalPrincipal) -> Principal | None:
        if serves_ide(request, settings):
            return principal
        if principal is None:
            raise Unauthorized("A bearer access token is required.")
        if not may_query(principal):
            await _log_refusal(request, principal)
            raise Forbidden(REFUSAL, slug="role-required")
        return principal

    return admit


async def _log_refusal(request: Request, principal: Principal) -> None:
    """The query log keeps refused attempts too; in its own transaction, as the request's is rolled back."""
    query, operation_name, variables = await _attempt(request)
    operation_type = "invalid"
    try:
        operation = get_operation_ast(parse(query), operation_name) if query else None
    except GraphQLError:
        operation = None
    if operation is not None:
        operation_type = operation.operation.value
        operation_name = operation_name or (operation.name.value if operation.name else None)
    async with request.app.state.db.sessions.begin() as session:
        session.add(QueryLog(subject=principal.subject, org_id=principal.org, roles=sorted(principal.roles),
                             operation_name=operation_name and operation_name[:200], operation_type=operation_type,
                             query=query, variables=variables, allowed=False, error_count=0))


async def _attempt(request: Request) -> tuple[str, str | None, dict[str, Any]]:
    """The operation the caller sent, as far as it can be read (GET parameters or a JSON body)."""
    if request.method == "GET":
        params: Any = dict(request.query_params)
        try:
            params["variables"] = json.loads(params.get("variables") or "{}")
        except ValueError:
            params["variables"] = {}
    else:
        try:
            params = await request.json()
        except ValueError:
            params = {}
    if not isinstance(params, dict):
        params = {}
    query, name, variables = params.get("query"), params.get("operationName"), params.get("variables")
    return (query if isinstance(query, str) else "", name if isinstance(name, str) else None,
            variables if isinstance(variables, dict) else {})
