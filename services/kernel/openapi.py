"""OpenAPI that tells the truth about errors and authentication.

FastAPI documents validation errors as ``application/json`` with its own schema; we answer RFC 9457
``application/problem+json``. One post-processing step replaces that and adds the problem responses that any
operation may give (authentication, authorization, not found, conflict, throttling, unavailability).

It also makes the document one that client generators (openapi-python-client) accept whole: operation ids are
the routes' names (``get_resource``, not ``get_resource_resources__subject_id__get``: see ``operation_id``), the
``servers`` entry is the service's public address, and a response that is a file rather than JSON (a PDF or XLSX
report, a chart) is documented as its media type with a ``format: binary`` string, a text one (Turtle, CSV) as a
string.

The same step documents the bearer token: an operation whose dependencies resolve the caller
(``current_principal``) requires it, one that only looks at it when sent (``optional_principal``) accepts it.
A route that resolves its caller in its own body (the hottest reads do, see registration.subject_routes)
declares ``openapi_extra={"security": BEARER_REQUIRED}``. The fuzz run's ``ignored_auth`` check then proves
that every operation documented as protected refuses a request without a token.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from .security import current_principal, optional_principal
from .settings import ServiceSettings

__all__ = ["BEARER_REQUIRED", "BINARY", "TEXT", "install_problem_openapi", "operation_id", "servers"]

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "bearer": {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "An access token from the auth service's POST /oauth/token, issued for this service's "
                       "audience.",
    },
    "clientBasic": {
        "type": "http", "scheme": "basic",
        "description": "client_secret_basic: a machine client's id and secret (RFC 6749 §2.3.1).",
    },
}
BEARER_REQUIRED: list[dict[str, list[str]]] = [{"bearer": []}]
BEARER_OPTIONAL: list[dict[str, list[str]]] = [{"bearer": []}, {}]

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
# The body of a file response (a PDF, an XLSX workbook, a chart), and of a text one (Turtle, CSV).
BINARY: dict[str, Any] = {"type": "string", "format": "binary"}
TEXT: dict[str, Any] = {"type": "string"}


def operation_id(route: APIRoute) -> str:
    """A route's operation id is its name (its function's): a generated client's method name.

    FastAPI's default appends the path and method to make it unique; here uniqueness is the services' own
    duty (tests/api/portals/test_openapi_clients.py checks it). Where the function's name alone would not say
    what it acts on (``accept``), the route's decorator gives ``operation_id="accept_registration"``.
    """
    return route.name


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def _document_files(schema: dict[str, Any]) -> None:
    """A successful response documented by its media type alone gets the schema of its body."""
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in METHODS:
                continue
            for code, response in operation.get("responses", {}).items():
                if not code.startswith("2"):
                    continue
                for media_type, content in response.get("content", {}).items():
                    if not _is_json(media_type) and not content.get("schema"):
                        # text/* is read as text by clients (openapi-python-client: response.text), the rest as bytes
                        content["schema"] = dict(TEXT if media_type.startswith("text/") else BINARY)


def servers(settings: ServiceSettings) -> list[dict[str, str]]:
    """Where callers reach the service: its public URL when it sits behind an ingress, else where it listens."""
    url = settings.public_url or f"http://{settings.host}:{settings.port}"
    return [{"url": url.rstrip("/"), "description": f"The {settings.service_name} service"}]


def _problem_content() -> dict[str, Any]:
    return {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _calls(dependant: Dependant) -> set[Any]:
    calls = {dependant.call}
    for sub in dependant.dependencies:
        calls |= _calls(sub)
    return calls


def _document_security(app: FastAPI, schema: dict[str, Any]) -> None:
    paths = schema.get("paths", {})
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        calls = _calls(route.dependant)
        security = (BEARER_REQUIRED if current_principal in calls
                    else BEARER_OPTIONAL if optional_principal in calls else None)
        for method in route.methods or ():
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is not None and security is not None and "security" not in operation:
                operation["security"] = security
    used = {name for item in paths.values() for op in item.values() if isinstance(op, dict)
            for requirement in op.get("security", []) for name in requirement}
    if used:
        schema["components"]["securitySchemes"] = {name: SECURITY_SCHEMES[name] for name in sorted(used)}


def install_problem_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        settings: ServiceSettings = app.state.settings
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                             servers=servers(settings))
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
        _document_security(app, schema)
        _document_files(schema)
        for name in ("HTTPValidationError", "ValidationError"):
            schema["components"]["schemas"].pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema
