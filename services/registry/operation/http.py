"""What the operation, pricing and compliance routers share: declared problem responses and paging parameters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

__all__ = ["PUBLIC_ERRORS", "READ_ERRORS", "WRITE_ERRORS", "After", "Limit", "problems"]

_DESCRIPTIONS = {
    400: "Bad request", 401: "Authentication required", 403: "Not allowed for this caller",
    404: "Not found (or not visible to this caller)", 409: "Conflicts with the current state",
    422: "Invalid input, or a compliance rule would be broken (the body names the rule)",
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"description": _DESCRIPTIONS[c], "content": {"application/problem+json": {}}} for c in codes}


READ_ERRORS = problems(401, 403, 404, 422)
WRITE_ERRORS = problems(401, 403, 404, 409, 422)
PUBLIC_ERRORS = problems(400, 404, 409, 422)

After = Annotated[str | None,
                  Query(max_length=32, pattern=r"^[A-Za-z0-9_-]+$", description="Last id of the previous page")]
Limit = Annotated[int, Query(ge=1, le=500)]
