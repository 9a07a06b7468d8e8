"""The console application: pages, static files (htmx vendored), session cookie, protections, health."""

from __future__ import annotations

import asyncio
import logging
import secrets
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from urllib.parse import quote

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from services.kernel.revocation import RevocationList

from . import (
    pages_auth,
    pages_catalog,
    pages_disclosure,
    pages_oversight,
    pages_public,
    pages_records,
    pages_registrar,
    pages_reports,
    pages_workspace,
    sitemap,
)
from .cookie_session import SessionCookie
from .i18n import N_, readable, request_language
from .protection import CsrfFailed, SecurityHeaders
from .session import LoginRequired, Refresher, RoleRequired, session_ended
from .settings import ConsoleSettings
from .upstream import ApiError, Upstream
from .web import render

__all__ = ["create_app"]

log = logging.getLogger("pdr.console")
SESSION_COOKIE = "pdr_console"


def create_app(settings: ConsoleSettings | None = None, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """Build the console; ``transport`` routes its API calls to in-process apps in tests."""
    settings = settings or ConsoleSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.upstream = Upstream(settings, transport)
        app.state.refresher = Refresher()
        app.state.jwks = {}
        app.state.import_jobs = {}  # bulk imports in flight, by job id (pages_records)
        # Sessions logged out anywhere: auth's revocation list names their sid (cookie_session.py).
        app.state.revocations = RevocationList(f"{settings.auth_url.rstrip('/')}/oauth/revocations",
                                               app.state.upstream.client)
        await app.state.revocations.refresh()
        poller = None
        if settings.revocation_poll_seconds > 0:
            poller = asyncio.create_task(app.state.revocations.poll(settings.revocation_poll_seconds),
                                         name="revocation-poll")
        try:
            yield
        finally:
            if poller is not None:
                poller.cancel()
                with suppress(asyncio.CancelledError):
                    await poller
            for job in app.state.import_jobs.values():
                job["task"].cancel()  # only the console stops waiting; the registry commits or rolls back alone
            await app.state.upstream.aclose()

    app = FastAPI(title="PDR console", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.settings = settings
    secret = settings.session_secret.get_secret_value() if settings.session_secret else secrets.token_urlsafe(48)
    if not settings.session_secret:
        log.warning("PDR_CONSOLE_SESSION_SECRET unset: sessions are encrypted with a per-process key")
    # Outermost first: the browser's address and scheme from a trusted proxy, headers on every answer, then the
    # encrypted session (HttpOnly always; Secure; Strict), ended once auth lists its login session as revoked.
    app.add_middleware(SessionCookie, secret=secret, cookie=SESSION_COOKIE, max_age=settings.session_max_age_seconds,
                       https_only=settings.secure_cookies, ended=lambda session: session_ended(app, session))
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    for module in (pages_catalog, pages_public, pages_disclosure, pages_auth, pages_records, pages_workspace,
                   pages_registrar, pages_oversight, pages_reports, sitemap):
        app.include_router(module.router)
    _install_handlers(app)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> Response:
        """Ready when the registry and the auth service answer: without them no page can be served."""
        upstream: Upstream = request.app.state.upstream
        for service in ("auth", "registry"):
            try:
                answer = await upstream.raw(service, "GET", "/healthz")
            except ApiError:
                answer = None
            if answer is None or answer.status_code != 200:
                return JSONResponse({"status": "waiting", "service": service}, status_code=503)
        return JSONResponse({"status": "ready"})

    return app


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        location = f"/login?next={quote(target, safe='')}"
        if request.headers.get("hx-request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": location})
        return RedirectResponse(location, status_code=303)

    @app.exception_handler(RoleRequired)
    async def role_required(request: Request, exc: RoleRequired) -> Response:
        return render(request, "error.html", status_code=403, title_key=N_("error.forbidden"), detail="")

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        return render(request, "error.html", status_code=403, title_key=N_("error.csrf"), detail="")

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        if exc.status == 401:
            return await login_required(request, LoginRequired())
        status = exc.status if exc.status in (403, 404, 409, 422, 503) else 502
        detail = exc.detail if readable(exc.detail, request_language(request)) else ""
        return render(request, "error.html", status_code=status, title_key=exc.title_key, detail=detail)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # A malformed id or filter in a URL is a page that does not exist, not a server error.
        return render(request, "error.html", status_code=404, title_key=N_("error.not_found"), detail="")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        key = {404: N_("error.not_found"), 405: N_("error.method"),
               413: N_("error.too_large")}.get(exc.status_code, N_("error.bad"))
        return render(request, "error.html", status_code=exc.status_code, title_key=key, detail="")
