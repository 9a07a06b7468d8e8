"""Strawberry answers malformed HTTP requests (bad JSON, no query) in plain text; every error of ours is
RFC 9457 problem+json, so the GraphQL endpoints' plain-text errors are rewritten."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse, PlainTextResponse

from services.kernel.problems import PROBLEM_BASE

__all__ = ["problem_responses"]

TITLES = {400: ("bad-request", "Bad request"), 404: ("not-found", "Not found"),
          405: ("method-not-allowed", "Method not allowed"), 415: ("unsupported-media-type", "Unsupported media type")}


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


