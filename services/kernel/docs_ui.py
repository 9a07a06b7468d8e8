"""API documentation pages served by the service itself: Swagger UI, ReDoc and the registry's GraphiQL.

FastAPI's and Strawberry's own pages load their scripts from public CDNs, and are blank on an intranet (where
government systems run, issue 16). These pages load only files the service serves from
``docs_assets/vendor``: the npm distributions of swagger-ui-dist, redoc, graphiql and React, pinned and hashed in
``vendor/manifest.json`` (written by deploy/vendor_docs_assets.py, checked by a unit test).

Each page is a static HTML shell whose configuration rides in ``data-`` attributes, started by a script file of
ours (``docs_assets/*-init.js``), so the Content-Security-Policy needs no ``'unsafe-inline'`` and no
``'unsafe-eval'``. ReDoc is the one that needs more, and gets it on its page only: it writes its styles into
``<style>`` elements at run time (styled-components), allowed by a nonce made for each response and handed to
ReDoc's ``nonce`` option; its bundle inserts perfect-scrollbar's stylesheet while it loads, before it can know
the nonce, allowed by that stylesheet's hash (``REDOC_STYLE_HASHES``); its search index runs in a ``blob:``
worker. Its sidebar's "API docs by Redocly" logo is an image on Redocly's CDN, which the policy refuses in the
browser: the request never leaves, and ReDoc hides a logo that fails to load.

Every URL in a page is relative (``openapi.json``, ``docs-assets/…``): the pages keep working behind an ingress
that publishes the service under a path prefix (``public_url``). Swagger UI's "Try it out" calls the OpenAPI
``servers`` address, so that origin is allowed to be fetched as well.

Routes: ``/docs`` (Swagger UI), ``/docs/oauth2-redirect`` (its OAuth2 return page), ``/redoc``; GraphiQL is
answered at ``GET /graphql`` by the registry's GraphQL router (``graphiql_page``).
"""

from __future__ import annotations

import secrets
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from .settings import ServiceSettings

__all__ = ["ASSETS", "ASSET_PREFIX", "REDOC_STYLE_HASHES", "content_security_policy", "graphiql_page",
           "install_docs"]

ASSETS = Path(__file__).parent / "docs_assets"
ASSET_PREFIX = "docs-assets"  # mounted at /docs-assets; pages name it relative to where they are
# The <style> contents redoc@2.5.4's bundle inserts before Redoc.init runs: perfect-scrollbar's CSS with its
# inline source map, and the empty element first. A new ReDoc may change them: the browser test
# (tests/browser/test_offline_docs.py) fails on any CSP violation.
REDOC_STYLE_HASHES = ("'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
                      "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='")

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{head}
</head>
<body>
{body}
</body>
</html>
"""


def content_security_policy(*, connect: tuple[str, ...] = (), styles: tuple[str, ...] = (),
                            workers: tuple[str, ...] = ()) -> str:
    """As strict as the console's: only this origin's scripts, styles and fetches, plus the sources a page names
    (``connect``: fetched; ``styles``: nonces or hashes of ``<style>`` elements; ``workers``).

    ``data:`` images and fonts are the vendors' own icons inlined in their CSS.
    """
    def sources(*extra: str) -> str:
        return " ".join(("'self'", *extra))

    worker = f"worker-src {sources(*workers)}; " if workers else ""
    return (f"default-src 'none'; script-src 'self'; style-src {sources(*styles)}; img-src 'self' data:; "
            f"font-src 'self' data:; connect-src {sources(*connect)}; {worker}form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def _page(title: str, *, styles: tuple[str, ...], scripts: tuple[str, ...], body: str, up: str = "",
          policy: str | None = None) -> HTMLResponse:
    """A page whose assets are named from ``up`` (``"../"`` for a page one level below the service's root)."""
    head = "\n".join(f'<link rel="stylesheet" href="{up}{ASSET_PREFIX}/{href}">' for href in styles)
    tail = "\n".join(f'<script src="{up}{ASSET_PREFIX}/{src}"></script>' for src in scripts)
    html = _PAGE.format(title=escape(title), head=head, body=f"{body}\n{tail}" if tail else body)
    return HTMLResponse(html, headers={
        "Content-Security-Policy": policy or content_security_policy(),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-cache",
    })


def _origin(url: str | None) -> tuple[str, ...]:
    """The scheme and host of ``url`` for ``connect-src`` (none when unset or not an http(s) URL)."""
    if not url:
        return ()
    parts = urlsplit(url)
    return (f"{parts.scheme}://{parts.netloc}",) if parts.scheme in ("http", "https") and parts.netloc else ()


def install_docs(app: FastAPI, settings: ServiceSettings) -> None:
    """Serve the assets and the Swagger UI and ReDoc pages (FastAPI's CDN pages are switched off).

    Plain Starlette routes, as FastAPI's own pages are: they are no REST operations, so the query guard
    (kernel.queries) does not apply, and an OAuth2 server's return to ``/docs/oauth2-redirect?code=…`` reaches it.
    """
    title = app.title
    connect = _origin(settings.public_url)
    app.mount(f"/{ASSET_PREFIX}", StaticFiles(directory=ASSETS), name=ASSET_PREFIX)

    async def swagger_ui(request: Request) -> HTMLResponse:
        return _page(f"{title} — Swagger UI", policy=content_security_policy(connect=connect),
                     styles=("vendor/swagger-ui-dist/swagger-ui.css",),
                     scripts=("vendor/swagger-ui-dist/swagger-ui-bundle.js", "swagger-init.js"),
                     body='<div id="swagger-ui" data-spec="openapi.json" '
                          'data-oauth2-redirect="docs/oauth2-redirect"></div>')

    async def swagger_ui_redirect(request: Request) -> HTMLResponse:
        return _page(f"{title} — sign-in", up="../", styles=(),
                     scripts=("vendor/swagger-ui-dist/oauth2-redirect.js",), body="")

    async def redoc(request: Request) -> HTMLResponse:
        nonce = secrets.token_urlsafe(18)
        policy = content_security_policy(styles=(f"'nonce-{nonce}'", *REDOC_STYLE_HASHES), workers=("blob:",))
        return _page(f"{title} — ReDoc", styles=("docs.css",), policy=policy,
                     scripts=("vendor/redoc/redoc.standalone.js", "redoc-init.js"),
                     body=f'<div id="redoc" data-spec="openapi.json" data-style-nonce="{nonce}"></div>')

    for path, page in (("/docs", swagger_ui), ("/docs/oauth2-redirect", swagger_ui_redirect), ("/redoc", redoc)):
        app.add_route(path, page, include_in_schema=False)


def graphiql_page(title: str) -> HTMLResponse:
    """GraphiQL for the GraphQL endpoint at this page's own address (``GET /graphql``)."""
    return _page(f"{title} — GraphiQL", styles=("vendor/graphiql/graphiql.min.css", "docs.css"),
                 scripts=("vendor/react/react.production.min.js", "vendor/react-dom/react-dom.production.min.js",
                          "vendor/graphiql/graphiql.min.js", "graphiql-init.js"),
                 body='<div id="graphiql">Loading GraphiQL…</div>')
