"""The common FastAPI factory: lifespan (database, JWKS), problem handlers, request context, health."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from typing import Any, cast

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import Table
from starlette.middleware.cors import CORSMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from .conditional import CacheRules, ConditionalGet
from .db import Database
from .docs_ui import install_docs
from .head import HeadAsGet
from .http import traced_client
from .idempotency import IdempotencyMiddleware
from .limits import BodyLimits, FrontDoor, RateBudgets
from .links import ResponseLinks, location_templates
from .observability import Metrics, RequestContextMiddleware, configure_logging
from .openapi import install_problem_openapi, operation_id
from .problems import Unavailable, install_problem_handlers
from .queries import guard_queries
from .replicas import install_read_routing, start_read_routing, stop_read_routing
from .security import CurrentPrincipal, JWKSCache, RevocationList, TokenVerifier
from .settings import ServiceSettings

__all__ = ["Hook", "create_service_app"]

class PrincipalOut(BaseModel):
    subject: str
    org: str | None
    roles: list[str]
    scopes: list[str]
    region: str | None
    org_name: str | None
    client: bool
    expires_at: int | None


Hook = Callable[[FastAPI], Awaitable[None]]
ReadyCheck = Callable[[FastAPI], Awaitable[str | None]]


def _ops_router(verify_tokens: bool, ready_checks: Iterable[ReadyCheck]) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @router.get("/readyz", responses={503: {"description": "Not ready", "content": {"application/problem+json": {}}}})
    async def readyz(request: Request) -> dict[str, Any]:
        """Readiness: the database answers and the signing or verification keys are loaded."""
        app = request.app
        try:
            await app.state.db.ping()
        except Exception as exc:  # noqa: BLE001 (any driver error means not ready)
            raise Unavailable(f"database not reachable: {type(exc).__name__}") from None
        if verify_tokens:
            jwks: JWKSCache = app.state.verifier.jwks
            if not jwks.loaded:
                await jwks.refresh()
            if not jwks.loaded:
                raise Unavailable("JWKS not loaded from the auth service")
        for check in ready_checks:
            problem = await check(app)
            if problem:
                raise Unavailable(problem)
        return {"status": "ready"}

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        await request.app.state.metrics.refresh(request.app)  # pool usage and registered gauges, read at scrape
        return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    if verify_tokens:
        @router.get("/me", response_model=PrincipalOut, responses={401: {"description": "Invalid or missing token"}})
        async def me(principal: CurrentPrincipal) -> JSONResponse:
            """The verified principal behind the bearer token."""
            # Returned as a ready response: the model documents it, and a hot path skips re-validation.
            return JSONResponse(principal.as_json())

    return router


_ROUTE_FIELDS = (
    "response_model", "status_code", "tags", "dependencies", "summary", "description", "response_description",
    "responses", "deprecated", "methods", "operation_id", "response_model_include", "response_model_exclude",
    "response_model_by_alias", "response_model_exclude_unset", "response_model_exclude_defaults",
    "response_model_exclude_none", "include_in_schema", "response_class", "name", "callbacks", "openapi_extra",
    "generate_unique_id_function",
)


def _mount(app: FastAPI, router: APIRouter, open_query: tuple[str, ...] = ()) -> None:
    """Register a router's routes on the app itself, as include_router did before FastAPI 0.150.

    Newer FastAPI keeps an included router as a nested branch that every request walks (about 15 µs a request
    here, measured against the same route on the app). Each APIRoute already carries its router's prefix,
    tags, responses and dependencies, so it is declared again on the app with the same definition (and the
    app as its dependency-override provider). A router with other kinds of routes (GraphQL's websocket
    routes) keeps the ordinary include.
    """
    routes = [route for route in router.routes if isinstance(route, APIRoute)]
    if not routes or len(routes) != len(router.routes):
        app.include_router(router)
        return
    for route in routes:
        fields = {name: getattr(route, name) for name in _ROUTE_FIELDS}
        fields["dependencies"] = list(route.dependencies)
        # A router's own route class (the registry's AuthorizeFirst) is kept.
        app.router.add_api_route(route.path, route.endpoint, route_class_override=type(route), **fields)
        guard_queries(cast(APIRoute, app.router.routes[-1]), open_query)  # the route just added


async def _start_verifier(app: FastAPI, settings: ServiceSettings) -> None:
    """The token verifier: auth's signing keys (JWKS) and revocation list, fetched now and kept fresh."""
    app.state.http = traced_client(timeout=5.0, transport=app.state.transport)
    jwks = JWKSCache(
        settings.resolved_jwks_url,
        client=app.state.http,
        min_refetch=settings.jwks_min_refetch_seconds,
        max_age=settings.jwks_max_age_seconds,
    )
    revocations = RevocationList(settings.resolved_revocations_url, app.state.http)
    revocations.instrument(app.state.metrics)
    app.state.verifier = TokenVerifier(
        jwks, audience=settings.audience, issuer=settings.issuer, revocations=revocations,
        max_lifetime=settings.token_max_lifetime_seconds, leeway=settings.token_leeway_seconds,
        cache_seconds=settings.token_cache_seconds,
    )
    await jwks.refresh()
    await revocations.refresh()
    if settings.revocation_poll_seconds > 0:
        app.state.revocation_poller = asyncio.create_task(
            revocations.poll(settings.revocation_poll_seconds), name="revocation-poll")


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Iterable[APIRouter],
    verify_tokens: bool = True,
    on_startup: Iterable[Hook] = (),
    on_shutdown: Iterable[Hook] = (),
    ready_checks: Iterable[ReadyCheck] = (),
    idempotency: Table | None = None,
    idempotency_exclude: tuple[str, ...] = (),
    body_limits: dict[str, int] | None = None,
    rate_exempt: tuple[str, ...] = (),
    locations: dict[str, str] | None = None,
    open_query: tuple[str, ...] = (),
    transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """Build a service app. ``transport`` routes outgoing HTTP (JWKS, other services) in tests.

    ``body_limits`` raises or lowers the body limit for route families (path prefix → bytes); ``rate_exempt``
    lists path prefixes outside the rate budgets (auth's OAuth endpoints, throttled by their own rules).
    ``locations`` names what a 201 route creates where it has no item route below it (POST path → GET path
    template, kernel.links); ``open_query`` lists path prefixes whose routes accept undeclared query parameters
    (kernel.queries).
    """
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    # The read replica (kernel.replicas) is polled from the first hook to the last.
    startup, shutdown, checks = [start_read_routing, *on_startup], [*on_shutdown, stop_read_routing], list(ready_checks)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = Database(
            settings.resolved_database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
        )
        if verify_tokens:
            await _start_verifier(app, settings)
        for hook in startup:
            await hook(app)
        # What the process built to start (modules, metadata, compiled statements, ~300,000 objects in the
        # registry) lives as long as it does: frozen, the collector's full collections stop walking it. A request
        # that keeps many objects alive for a while (a DCAT page of 500 records: ~12,000 triples) triggered one
        # every few pages, which made such pages 2-3x slower (tests/perf/test_harvest_perf.py).
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            for hook in shutdown:
                await hook(app)
            poller = getattr(app.state, "revocation_poller", None)
            if poller is not None:
                poller.cancel()
                with suppress(asyncio.CancelledError):
                    await poller
                app.state.revocation_poller = None
            await app.state.db.dispose()
            if verify_tokens:
                await app.state.http.aclose()

    # The default response class keeps FastAPI's fast path: a response model is validated and dumped to JSON
    # bytes by pydantic-core in one step (a given class makes it build a dict and run json.dumps instead).
    # FastAPI's own OpenTelemetry instrumentation is off: RequestContextMiddleware already opens the server span
    # and counts the request, and with both on every request was traced and measured twice.
    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan,
                  generate_unique_id_function=operation_id, docs_url=None, redoc_url=None,  # kernel.docs_ui serves them
                  telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False})
    app.state.settings = settings
    app.state.transport = transport
    app.state.metrics = Metrics(settings.service_name)
    install_problem_handlers(app)
    install_problem_openapi(app)
    install_read_routing(app, settings)  # innermost: which database a read uses, the caller's pin after a write
    if idempotency is not None:
        app.add_middleware(IdempotencyMiddleware, table=idempotency, exclude_prefixes=idempotency_exclude)
    # Outside idempotency, so a replayed 201 names its record too; filled once the routes are mounted.
    templates: dict[str, str] = {}
    app.add_middleware(ResponseLinks, templates=templates)
    app.add_middleware(ConditionalGet, rules=CacheRules(public_max_age=settings.public_max_age_seconds))
    app.state.rate_budgets = RateBudgets(per_caller=settings.rate_limit_per_caller or None,
                                         anonymous_writes=settings.rate_limit_anonymous_writes or None,
                                         storage=settings.rate_limit_storage, exempt=rate_exempt)
    app.add_middleware(
        FrontDoor, service=settings.service_name, registry=app.state.metrics.registry,
        bodies=BodyLimits(settings.max_body_bytes, settings.max_anonymous_body_bytes, dict(body_limits or {})),
        budgets=app.state.rate_budgets)
    if settings.cors_origins:
        # Outside the front door, so a browser can read its refusals (413, 429) too.
        wildcard = "*" in settings.cors_origins
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=not wildcard,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-None-Match", "If-Modified-Since",
                           "X-PDR-Demo-Date"],
            expose_headers=["ETag", "Last-Modified", "Link", "Location", "X-Total-Count", "Retry-After",
                            "RateLimit", "RateLimit-Policy"],
            max_age=600)
    app.add_middleware(HeadAsGet)  # inside the request context, which logs and counts the HEAD as it came
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)
    # Outermost: the caller's address is the forwarded one only from a trusted proxy (uvicorn's own middleware).
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    for router in [_ops_router(verify_tokens, checks), *routers]:
        _mount(app, router, open_query)
    templates.update(location_templates(app.routes, locations or {}))
    install_docs(app, settings)
    return app
