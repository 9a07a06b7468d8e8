"""The auth service application."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from services.kernel.app import create_service_app
from services.kernel.problems import Unprocessable, problem_response, validation_errors

from .keys import load_keyring
from .models import idempotency
from .oauth_errors import OAuthError
from .routes import OwnTokenVerifier, router
from .settings import AuthSettings
from .tokens import TokenService

__all__ = ["create_app"]


def create_app(settings: AuthSettings | None = None, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or AuthSettings()

    async def start(app: FastAPI) -> None:
        app.state.tokens = TokenService(settings, app.state.db)
        app.state.verifier = OwnTokenVerifier(app)
        app.state.keyring_lock = asyncio.Lock()
        async with app.state.db.sessions.begin() as session:
            app.state.keyring = await load_keyring(session, settings.access_token_ttl_seconds, settings.keywrap)

    async def keys_loaded(app: FastAPI) -> str | None:
        return None if getattr(app.state, "keyring", None) else "signing keys not loaded"

    app = create_service_app(
        settings,
        title="PDR auth",
        description="Organizations, accounts, machine clients; OAuth2 tokens (RFC 6749/7009/7662) and JWKS.",
        routers=[router],
        verify_tokens=False,
        on_startup=[start],
        ready_checks=[keys_loaded],
        idempotency=idempotency,
        transport=transport,
        idempotency_exclude=("/oauth/",),
        # Sign-in and client authentication have their own throttle (throttle.py), per address and account.
        rate_exempt=("/oauth/",),
    )

    async def invalid_fields(request: Request, exc: RequestValidationError) -> JSONResponse:
        """The OAuth endpoints answer a malformed form as RFC 6749 §5.2 says (400 invalid_request), which OAuth
        client libraries understand; the other endpoints keep the 422 problem."""
        errors = validation_errors(exc)
        if request.url.path.startswith("/oauth/"):
            fields = ", ".join(sorted({error["field"].removeprefix("body.") for error in errors}))
            problem = OAuthError("invalid_request", f"Invalid parameter(s): {fields}.")
            problem.extensions["errors"] = errors
        else:
            problem = Unprocessable("The request has invalid fields.", errors=errors)
        return problem_response(problem, request.url.path)

    app.add_exception_handler(RequestValidationError, invalid_fields)
    return app
