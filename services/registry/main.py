"""The registry service application."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from services.kernel.app import create_service_app

from .catalog import import_routes as catalog_import_routes
from .catalog import routes as catalog_routes
from .catalog import sync as catalog_sync
from .catalog.parsing import start_import_worker, stop_import_worker
from .ckan import routes as ckan_routes
from .feed import routes as feed_routes
from .graphql.schema import graphql_router
from .ledger import routes as ledger_routes
from .ledger.metrics import register_ledger_metrics
from .models import idempotency
from .operation.api import routers as operation_routers
from .registration.api import routers as registration_routers
from .settings import RegistrySettings
from .signing import jwks_router, load_signer
from .syndication import routes as syndication_routes

__all__ = ["create_app"]

# What a 201 created, where no item route sits below its collection (kernel.links): where it is read back.
LOCATIONS = {
    "/public/notices/{registration_id}/objections": "/registrations/{registration_id}/objections",
    "/operation/designations": "/operation/designations?region_code={region_code}",
    "/operation/plans/{plan_id}/selections": "/operation/plans/{plan_id}/selections",
    "/operation/agreements/{agreement_id}/consents": "/operation/agreements/{agreement_id}",
    "/pricing/treasury-yields": "/pricing/treasury-yields",
    "/products/{product_id}/ceilings": "/products/{product_id}/prices",
    "/products/{product_id}/prices": "/products/{product_id}/prices",
}


def create_app(settings: RegistrySettings | None = None, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or RegistrySettings()
    return create_service_app(
        settings,
        title="PDR registry",
        description="Statutory registration of public data resources and products, authorized operation, pricing, "
                    "compliance, ledger.",
        # Starlette tries routes in order: the registry's own objects first, GraphQL (a mounted app) last.
        routers=[syndication_routes.router, *registration_routers, *operation_routers, catalog_routes.router,
                 catalog_import_routes.import_router, ledger_routes.router, feed_routes.router, ckan_routes.router,
                 jwks_router, graphql_router(settings.demo)],
        on_startup=[load_signer, catalog_sync.on_startup, register_ledger_metrics, start_import_worker],
        on_shutdown=[stop_import_worker],
        idempotency=idempotency,
        locations=LOCATIONS,
        open_query=ckan_routes.READ_PATHS,  # CKAN clients send parameters of their own (issue 15)
        # A catalogue file (with its multipart envelope) is the one large body; GraphQL documents are small.
        body_limits={"/catalog/import": catalog_import_routes.MAX_UPLOAD_BYTES + 1024 * 1024, "/graphql": 256 * 1024},
        # CKAN's clients read by POST (ckanapi does): public reads, budgeted as anonymous GETs are (not at all).
        rate_exempt=ckan_routes.READ_PATHS,
        transport=transport,
    )
