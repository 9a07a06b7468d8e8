"""The scoring service application."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from services.kernel.app import create_service_app

from .contests.routes import router as contests_router
from .evaluation.report_routes import router as report_router
from .evaluation.routes import router as evaluation_router
from .indicators.routes import router as indicators_router
from .lifecycle import start_registry, stop_registry
from .mirror.routes import router as sync_router
from .models import idempotency
from .products.routes import router as products_router
from .settings import ScoringSettings

__all__ = ["create_app"]


def create_app(settings: ScoringSettings | None = None, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or ScoringSettings()
    return create_service_app(
        settings,
        title="PDR scoring",
        description="Valorization evaluation of organizations and regions; value scores and valuation of data "
                    "products.",
        routers=[indicators_router, evaluation_router, report_router, products_router, contests_router, sync_router],
        on_startup=[start_registry],
        on_shutdown=[stop_registry],
        idempotency=idempotency,
        # What a 201 created, where no item route sits below its collection (kernel.links).
        locations={"/evaluation-runs/{run_id}/rerun": "/evaluation-runs/{id}",
                   "/submitted-values": "/submitted-values?subject_kind={subject_kind}&subject_id={subject_id}"
                                        "&period={period}"},
        transport=transport,
    )
