"""Browser-facing protections: CSRF on every unsafe request, security headers with a strict CSP.

CSRF uses a synchronizer token kept in the session and echoed by every form (hidden ``csrf_token``) or by
htmx (``X-CSRF-Token``); the Origin header, when present, must be this site's own. SameSite=Strict on the
session cookie is a second line, not the only one.
"""

from __future__ import annotations

import secrets

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "CsrfFailed", "SecurityHeaders", "verify_csrf"]

# No inline script or style anywhere; htmx is served from 'self' and its indicator style is disabled in
# the page's htmx-config, so nothing needs 'unsafe-inline'.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class CsrfFailed(Exception):
    """The form did not carry this session's CSRF token, or came from another origin."""


class SecurityHeaders:
    """Pure ASGI middleware adding the headers above to every response (pages, fragments, static files)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in HEADERS if k not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True  # some browsers omit Origin on same-origin posts; the token still decides
    return origin.split("://", 1)[-1] == request.headers.get("host", "")


async def verify_csrf(request: Request) -> None:
    """Router dependency: every unsafe request carries the session's CSRF token and comes from this origin."""
    if request.method not in UNSAFE:
        return
    # Refuse an oversized body before the form parser spools it to disk.
    limit = request.app.state.settings.upload_max_bytes + 1024 * 1024
    if int(request.headers.get("content-length") or 0) > limit:
        raise HTTPException(413)
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(expected, sent) or not _same_origin(request):
        raise CsrfFailed
