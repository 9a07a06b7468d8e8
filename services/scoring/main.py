"""The scoring service application."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from services.kernel.app import create_service_app

from .models import idempotency
from .settings import ScoringSettings

__all__ = ["create_app"]


def create_app(settings: ScoringSettings | None = None, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or ScoringSettings()
    return create_service_app(
        settings,
        title="PDR scoring",
        description="Valorization evaluation of organizations and regions; value scores and valuation of data products.",
        routers=[],
        idempotency=idempotency,
        transport=transport,
    )
