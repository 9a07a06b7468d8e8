"""Who may send an operation, decided from the bearer token before anything runs.

The GraphQL API is the auditors' (DOMAIN.md §1, Arts. 6 and 19), so a caller is refused at the door the way
every REST route refuses: no or bad token → 401 with ``WWW-Authenticate`` and problem+json, a token without the
auditor or admin role (machine clients included) → 403 problem+json, with the same ``type`` URIs as REST.
GraphQL-over-HTTP leaves status codes for authentication to the server; only errors inside an authorized
execution (a field an auditor may not read, a bad cursor) are GraphQL errors in a 200 answer.

The GraphiQL page itself holds no data and is served to anyone when it is switched on; every operation sent
from it, introspection included, needs the token (GraphiQL's header pane).

A refused caller's attempt is logged as any refusal is (``query_log``: an excerpt, the digest, the reason).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from services.kernel.problems import NO_TOKEN, BadRequest, Forbidden, Unauthorized
from services.kernel.security import OptionalPrincipal, Principal

from .http import decode_json
from .query_log import log_refusal
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
            raise Unauthorized("A bearer access token is required.", headers=NO_TOKEN)
        if not may_query(principal):
            await log_refusal(request, principal, settings, "role-required", await _attempt(request, settings),
                              allowed=False)
            raise Forbidden(REFUSAL, slug="role-required")
        return principal

    return admit


async def _attempt(request: Request, settings: GraphQLSettings) -> Any:
    """The operation the caller sent, as far as it can be read (GET parameters or a JSON body)."""
    if request.method == "GET":
        params: dict[str, Any] = dict(request.query_params)
        try:
            params["variables"] = decode_json(params.get("variables") or "{}", settings.max_json_depth)
        except BadRequest:
            params["variables"] = {}
        return params
    try:
        return decode_json(await request.body(), settings.max_json_depth)
    except BadRequest:
        return {}
