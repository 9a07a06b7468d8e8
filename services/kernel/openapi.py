"""OpenAPI that tells the truth about errors: every operation documents its problem+json responses.

FastAPI documents validation errors as ``application/json`` with its own schema; we answer RFC 9457
``application/problem+json``. One post-processing step replaces that and adds the problem responses that any
operation may give (authentication, authorization, not found, conflict, throttling, unavailability).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

__all__ = ["install_problem_openapi"]

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details; extension members may follow.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {"type": "object", "properties": {
                "field": {"type": "string"}, "message": {"type": "string"}, "type": {"type": ["string", "null"]}}},
        },
    },
    "required": ["type", "title", "status"],
    "additionalProperties": True,
}

COMMON = {
    "400": "Bad request",
    "401": "Authentication required or token invalid",
    "403": "Not allowed for this caller",
    "404": "Not found",
    "409": "Conflict (e.g. an illegal state transition, naming the current state)",
    "413": "Request too large",
    "422": "Invalid input or a broken rule",
    "429": "Too many requests",
    "503": "Temporarily unavailable; retry after Retry-After",
}
METHODS = {"get", "post", "put", "patch", "delete"}


def _problem_content() -> dict[str, Any]:
    return {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def install_problem_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for path_item in schema.get("paths", {}).values():
            for method, operation in path_item.items():
                if method not in METHODS:
                    continue
                responses = operation.setdefault("responses", {})
                for code, description in COMMON.items():
                    existing = responses.get(code)
                    if existing is None:
                        responses[code] = {"description": description, "content": _problem_content()}
                        continue
                    content = existing.setdefault("content", {})
                    if code == "422":  # FastAPI's own validation error schema: we never send it
                        content.pop("application/json", None)
                    content["application/problem+json"] = _problem_content()["application/problem+json"]
        for name in ("HTTPValidationError", "ValidationError"):
            schema["components"]["schemas"].pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi
