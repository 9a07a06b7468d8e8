"""The HTTP side of GraphQL: what a request must be before GraphQL sees it, and problem+json for every refusal.

Refused at the intake, before the operation is parsed (the caller is already admitted by ``gate``):

    body or GET ``variables`` not JSON (invalid UTF-8, a number no double holds…)   400 bad-json
    JSON nested deeper than ``max_json_depth``, or not an object                    400 bad-json
    ``operationName`` not a string                                                  400 bad-request
    a query longer than ``max_query_length`` (logged: excerpt, digest, reason)      413 query-too-long
    more than one operation (batching is off)                                       400 bad-request

The JSON is read by orjson, which refuses what Python's ``json`` turns into a 500 (a ``UnicodeDecodeError``,
a ``RecursionError`` past 1,000 levels, a ``ValueError`` past 4,300 digits) as one ``JSONDecodeError``.
Strawberry answers its own malformed-request cases in plain text; they are rewritten as problem+json.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLRequestData
from strawberry.types.unset import UNSET

from services.kernel.docs_ui import graphiql_page
from services.kernel.problems import PROBLEM_BASE, BadRequest, ContentTooLarge

from .query_log import log_refusal
from .settings import GraphQLSettings

__all__ = ["AuditRouter", "QueryTooLong", "decode_json", "problem_responses"]

TITLES = {400: ("bad-request", "Bad request"), 404: ("not-found", "Not found"),
          405: ("method-not-allowed", "Method not allowed"), 415: ("unsupported-media-type", "Unsupported media type")}


class QueryTooLong(ContentTooLarge):
    """413: the query text is longer than the API parses; carries the operation for the query log."""

    def __init__(self, operation: GraphQLRequestData, limit: int) -> None:
        super().__init__(f"The query has {len(operation.query or '')} characters; at most {limit} are accepted.",
                         slug="query-too-long", title="Query too long", limit=limit)
        self.operation = operation


def decode_json(data: str | bytes, max_depth: int) -> dict[str, Any] | list[Any]:
    """A JSON object (or array, for strawberry to refuse as a batch), else 400 ``bad-json``."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"Not JSON this API reads: {exc}.", slug="bad-json") from None
    if not isinstance(value, (dict, list)):
        raise BadRequest("The JSON must be an object.", slug="bad-json")
    if not _nested_within(value, max_depth):
        raise BadRequest(f"The JSON is nested deeper than {max_depth} levels.", slug="bad-json",
                         max_depth=max_depth)
    return value


def _nested_within(value: Any, limit: int) -> bool:
    """Without recursion: the value may be a thousand levels deep."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return False
                stack.append((child, depth + 1))
    return True


class AuditRouter(GraphQLRouter):
    """Strawberry's FastAPI router with the intake above."""

    def __init__(self, schema: Any, settings: GraphQLSettings, **kwargs: Any) -> None:
        super().__init__(schema, **kwargs)
        self.settings = settings

    async def render_graphql_ide(self, request: Any) -> HTMLResponse:
        """GraphiQL from the service's own files (kernel.docs_ui), not Strawberry's CDN page."""
        return graphiql_page(request.app.title)

    def decode_json(self, data: str | bytes) -> object:
        return decode_json(data, self.settings.max_json_depth)

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        operations = await super().parse_http_body(request)
        for operation in operations if isinstance(operations, list) else [operations]:
            if operation.operation_name is not None and not isinstance(operation.operation_name, str):
                raise BadRequest("operationName must be a string.")
            if operation.query is not None and len(operation.query) > self.settings.max_query_length:
                raise QueryTooLong(operation, self.settings.max_query_length)
        return operations

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context=context, root_value=root_value)
        except QueryTooLong as refusal:
            principal = getattr(context, "principal", None)
            if principal is not None:
                operation = refusal.operation
                await log_refusal(request, principal, self.settings, refusal.slug, {
                    "query": operation.query, "operationName": operation.operation_name,
                    "variables": operation.variables}, allowed=True)
            raise


def problem_responses(endpoint: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(endpoint)  # keeps the signature FastAPI reads the dependencies from
    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        response = await endpoint(*args, **kwargs)
        if isinstance(response, PlainTextResponse) and response.status_code >= 400:
            slug, title = TITLES.get(response.status_code, ("bad-request", "Bad request"))
            return JSONResponse({"type": PROBLEM_BASE + slug, "title": title, "status": response.status_code,
                                 "detail": bytes(response.body).decode("utf-8", "replace")},
                                status_code=response.status_code, media_type="application/problem+json")
        return response

    return wrapped
