"""What the query log keeps of one operation, bounded whatever the caller sent.

An operation that ran keeps its text: the intake refused any longer than ``max_query_length``. A refused one
keeps the first ``log_excerpt`` characters, the SHA-256 digest and the length of the whole text, and the
reason (a problem slug such as ``query-too-long`` or ``role-required``, or a GraphQL error code such as
``QUERY_TOO_COSTLY``): enough to recognise a repeated attempt, never the megabytes themselves. Variables longer
than the excerpt as JSON are replaced by their length and digest under ``$omitted`` (a key no GraphQL
variable can have).
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from fastapi import Request
from graphql import GraphQLError, get_operation_ast, parse

from services.kernel.security import Principal

from .models import QueryLog
from .settings import GraphQLSettings

__all__ = ["entry", "log_refusal"]


def entry(principal: Principal, settings: GraphQLSettings, *, query: str, variables: Any,
          operation_name: str | None, operation_type: str, allowed: bool, refusal: str | None = None,
          error_count: int = 0) -> QueryLog:
    kept = query if refusal is None and len(query) <= settings.max_query_length else query[:settings.log_excerpt]
    return QueryLog(subject=principal.subject, org_id=principal.org, roles=sorted(principal.roles),
                    operation_name=_storable(operation_name[:200]) if operation_name else None,
                    operation_type=operation_type, query=_storable(kept), query_sha256=_digest(query),
                    query_length=len(query), variables=_variables(variables, settings.log_excerpt),
                    allowed=allowed, refusal=refusal and refusal[:64], error_count=error_count)


async def log_refusal(request: Request, principal: Principal, settings: GraphQLSettings, reason: str,
                      payload: Any, *, allowed: bool) -> None:
    """An operation refused before it was parsed; in its own transaction, as the request's is rolled back.
    ``allowed`` says, as for every entry, whether the caller's roles may query at all."""
    query, operation_name, variables = _operation(payload)
    operation_type = "invalid"
    if query and len(query) <= settings.max_query_length:
        try:
            operation = get_operation_ast(parse(query, max_tokens=settings.max_tokens), operation_name)
        except GraphQLError:
            operation = None
        if operation is not None:
            operation_type = operation.operation.value
            operation_name = operation_name or (operation.name.value if operation.name else None)
    async with request.app.state.db.sessions.begin() as session:
        session.add(entry(principal, settings, query=query, variables=variables, operation_name=operation_name,
                          operation_type=operation_type, allowed=allowed, refusal=reason))


def _operation(payload: Any) -> tuple[str, str | None, Any]:
    """Query, operation name and variables of a decoded request, as far as they can be read."""
    if not isinstance(payload, dict):
        return "", None, {}
    query, name = payload.get("query"), payload.get("operationName")
    return (query if isinstance(query, str) else "", name if isinstance(name, str) else None,
            payload.get("variables"))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _storable(text: str) -> str:
    # PostgreSQL text holds no NUL (nor lone surrogates): the log shows them as U+FFFD; the digest has the original.
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _variables(variables: Any, limit: int) -> dict[str, Any]:
    if not variables:
        return {}
    try:
        text = orjson.dumps(variables)
    except TypeError:  # nothing JSON can hold (or nested past orjson's limit)
        return {"$omitted": {"reason": "not JSON"}}
    if not isinstance(variables, dict) or len(text) > limit or b"\\u0000" in text:
        return {"$omitted": {"length": len(text), "sha256": hashlib.sha256(text).hexdigest()}}
    return variables
