"""The auth service application."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from services.kernel.app import create_service_app

from .keys import load_keyring
from .models import idempotency
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

    return create_service_app(
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
