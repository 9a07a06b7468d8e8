"""RFC 9457 problem details: one error tree, one handler.

    Problem                      500  generic, message masked
    ├── BadRequest               400
    ├── Unauthorized             401  (WWW-Authenticate: Bearer)
    ├── Forbidden                403
    ├── NotFound                 404
    ├── Conflict                 409  (e.g. illegal state transition, naming the current state)
    ├── ContentTooLarge          413  (body over the route family's limit, or a file over its parse limits)
    ├── Unprocessable            422  (validation, broken hard rule)
    ├── TooManyRequests          429  (Retry-After)
    └── Unavailable              503  (Retry-After)

Every problem has a stable ``type`` URI under ``PROBLEM_BASE`` and may carry extension members.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ExceptionHandler

__all__ = [
    "NO_TOKEN",
    "PROBLEM_BASE",
    "BadRequest",
    "Conflict",
    "ContentTooLarge",
    "Forbidden",
    "IllegalTransition",
    "NotFound",
    "Problem",
    "TooManyRequests",
    "Unauthorized",
    "Unavailable",
    "Unprocessable",
    "install_problem_handlers",
    "problem_response",
    "validation_errors",
]

PROBLEM_BASE = "https://pdr.example.gov.cn/problems/"
MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("pdr.problems")


class Problem(Exception):
    status = 500
    slug = "internal"
    title = "Internal error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        slug: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title or self.title)
        self.detail = detail
        if slug:
            self.slug = slug
        if title:
            self.title = title
        self.headers = headers or {}
        self.extensions = extensions

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": PROBLEM_BASE + self.slug, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body


class BadRequest(Problem):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(Problem):
    """401 with a Bearer challenge; ``headers=NO_TOKEN`` when no token came (RFC 6750 §3.1: no error code then)."""

    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        super().__init__(detail, **kw)


NO_TOKEN = {"WWW-Authenticate": 'Bearer realm="pdr"'}


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class IllegalTransition(Conflict):
    """409: the object's state does not allow the action. One shape for every state machine: ``current_state``
    (where the object is), ``action`` (what was asked) and, where the machine knows it, ``allowed_from``."""

    slug, title = "illegal-transition", "Illegal transition"

    def __init__(self, detail: str, *, current_state: str, action: str, **extra: Any) -> None:
        super().__init__(detail, current_state=current_state, action=action, **extra)


class ContentTooLarge(Problem):
    """413 (RFC 9110 §15.5.14): the body, or what it would expand to, exceeds what this endpoint accepts."""

    status, slug, title = 413, "content-too-large", "Content too large"


class Unprocessable(Problem):
    status, slug, title = 422, "validation", "Invalid input"


class TooManyRequests(Problem):
    status, slug, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int, **kw: Any) -> None:
        kw.setdefault("headers", {"Retry-After": str(retry_after)})
        super().__init__(detail, retry_after=retry_after, **kw)


class Unavailable(Problem):
    status, slug, title = 503, "unavailable", "Service temporarily unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: int = 5, **kw: Any) -> None:
        kw.setdefault("headers", {"Retry-After": str(retry_after)})
        super().__init__(detail, **kw)


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    return JSONResponse(
        problem.body(instance), status_code=problem.status, headers=problem.headers, media_type=MEDIA_TYPE
    )


_HTTP_SLUGS = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict, 413: ContentTooLarge,
    422: Unprocessable,
}


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        errors.append({"field": ".".join(loc), "message": err.get("msg", "invalid"), "type": err.get("type")})
    return errors


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        if exc.status >= 500 and not isinstance(exc, Unavailable):
            log.error("problem %s: %s", exc.slug, exc)
        return problem_response(exc, request.url.path)

    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problem = Unprocessable("The request has invalid fields.", errors=validation_errors(exc))
        return problem_response(problem, request.url.path)

    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        carried = getattr(exc, "problem", None)  # an HTTPException that carries its problem (kernel.limits)
        if isinstance(carried, Problem):
            return problem_response(carried, request.url.path)
        cls = _HTTP_SLUGS.get(exc.status_code)
        if cls is None:
            problem = Problem(str(exc.detail), slug=f"http-{exc.status_code}", title=str(exc.detail))
            problem.status = exc.status_code
        else:
            problem = cls(str(exc.detail) if exc.detail else None)
        problem.headers.update(exc.headers or {})
        return problem_response(problem, request.url.path)

    async def on_database_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", type(exc).__name__)
        return problem_response(Unavailable("The database is not reachable; retry shortly."), request.url.path)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        if _is_connection_error(exc):
            return await on_database_down(request, exc)
        log.error("unhandled error on %s", request.url.path, exc_info=exc)
        return problem_response(Problem("An unexpected error occurred."), request.url.path)

    # Starlette types a handler as taking any Exception; it calls each with the class it is registered for.
    app.add_exception_handler(Problem, cast(ExceptionHandler, on_problem))
    app.add_exception_handler(RequestValidationError, cast(ExceptionHandler, on_validation))
    app.add_exception_handler(StarletteHTTPException, cast(ExceptionHandler, on_http))
    app.add_exception_handler(OperationalError, on_unexpected)
    app.add_exception_handler(DBAPIError, on_unexpected)
    # Raw socket errors from a driver (PostgreSQL restarting): handled here, not by the catch-all below, whose
    # Starlette middleware re-raises after answering, which makes the server drop the keep-alive connection.
    app.add_exception_handler(OSError, on_unexpected)
    app.add_exception_handler(Exception, on_unexpected)


def _is_connection_error(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, (ConnectionError, OSError, TimeoutError)):
        return True
    text = f"{type(exc).__name__} {exc}".lower()
    return any(
        word in text
        for word in ("connection refused", "connectiondoesnotexist", "cannotconnectnow", "connection was closed",
                     "adminshutdown", "database is locked", "connection is closed", "terminating connection",
                     # PostgreSQL refusing connections while it stops, starts or recovers, or when it is full
                     "the database system is", "too many clients", "server closed the connection",
                     "connection reset")
    )
