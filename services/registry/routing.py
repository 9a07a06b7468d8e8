"""The registry's route class: who may call a route is decided before anything about its body is said.

FastAPI solves a route's dependencies (the caller's role, the object in the path: ``*/callers.py``) before it
raises the body's validation errors, with one exception: a body that is not JSON at all is refused while it is
read, before any dependency runs, so a caller that may not use the route learned what it accepts (issue 18).
Here the reading error waits: the body goes on as a value no model accepts, the dependencies answer first (401,
403, 404), and only a caller they let through gets the reading error, the same problem FastAPI would have given.
``tests/api/attacks/test_authorization.py`` sends such bodies to every unsafe route, so a FastAPI upgrade that
changes this breaks a test.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

__all__ = ["AuthorizeFirst"]


class _Unreadable:
    """The body that could not be read: no model validates it."""


class _DeferredRequest(Request):
    reading_error: RequestValidationError | None = None

    async def json(self) -> Any:
        try:
            return await super().json()
        except json.JSONDecodeError as exc:
            self.reading_error = _invalid(exc.pos, exc.msg)
        except UnicodeDecodeError as exc:  # FastAPI would answer 400 for this one; it is as much not JSON
            self.reading_error = _invalid(exc.start, "invalid UTF-8")
        return _Unreadable()


def _invalid(position: int, error: str) -> RequestValidationError:
    return RequestValidationError([{"type": "json_invalid", "loc": ("body", position), "msg": "JSON decode error",
                                    "input": {}, "ctx": {"error": error}}])


class AuthorizeFirst(APIRoute):
    def get_route_handler(self):
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler  # nothing is read: the hot reads keep FastAPI's own handler

        async def run(request: Request) -> Response:
            deferred = _DeferredRequest(request.scope, request.receive)
            try:
                return await handler(deferred)
            except RequestValidationError:
                if deferred.reading_error is not None:
                    raise deferred.reading_error from None
                raise

        return run
