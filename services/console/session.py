"""The session: who is logged in and their tokens, kept out of reach of page scripts and of cookie thieves.

Tokens live in the encrypted session cookie (cookie_session.py; HttpOnly, Secure, SameSite=Strict), never in
the page. The session is the login session auth knows by its ``sid`` (its refresh-token family): logout
revokes it at auth, and every replica then treats the cookie as logged out (``session_ended``). An access
token about to expire is replaced through the refresh grant; refresh tokens rotate and the auth service
revokes a whole family when one is reused, so concurrent requests of one browser that race to refresh share
one refresh call (``Refresher``) instead of spending the same token twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
from typing import Any

from fastapi import FastAPI, Request
from jose import jwt
from jose.exceptions import JOSEError

from .upstream import ApiError, Upstream

__all__ = ["AUDIENCES", "LoginRequired", "Refresher", "RoleRequired", "csrf_token", "current_user", "log_in", "log_out",
           "require_roles", "session_ended", "token_for"]

log = logging.getLogger("pdr.console")

AUDIENCES = {"registry": "pdr-registry", "scoring": "pdr-scoring"}
# Refresh this long before expiry, so a token does not lapse between the check and the API call.
EARLY_SECONDS = 30
SHARED_RESULT_SECONDS = 30


class LoginRequired(Exception):
    """No session, or it can no longer be refreshed: the user logs in again."""


class RoleRequired(Exception):
    """Logged in, but the page belongs to other roles (the APIs check every object as well)."""


def require_roles(*roles: str):
    """Router dependency: a logged-in user holding one of ``roles``."""
    wanted = frozenset(roles)

    async def check(request: Request) -> None:
        user = current_user(request)
        if user is None:
            raise LoginRequired
        if not wanted & set(user.get("roles", [])):
            raise RoleRequired

    return check


def csrf_token(request: Request) -> str:
    """The per-session CSRF token (synchronizer token), made on first use."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def current_user(request: Request) -> dict[str, Any] | None:
    return request.session.get("user")


def session_ended(app: FastAPI, session: dict[str, Any]) -> bool:
    """Whether auth has revoked this session's login (logout anywhere, refresh-token reuse, an administrator)."""
    revocations = getattr(app.state, "revocations", None)
    sid = session.get("sid")
    return bool(revocations is not None and isinstance(sid, str) and revocations.is_revoked(None, sid))


def _login_session(access_token: str) -> str | None:
    """The ``sid`` claim of a token auth just issued us (read, not verified: the APIs verify every token)."""
    try:
        sid = jwt.get_unverified_claims(access_token).get("sid")
    except JOSEError:
        return None
    return sid if isinstance(sid, str) else None


def _client_headers(request: Request) -> dict[str, str]:
    # The auth service throttles failed logins per address: pass on the browser's, not the console's.
    return {"X-Forwarded-For": request.client.host} if request.client else {}


def _store(request: Request, audience: str, body: dict[str, Any]) -> None:
    tokens = dict(request.session.get("tok") or {})
    tokens[audience] = [body["access_token"], int(time.time()) + int(body.get("expires_in", 300))]
    request.session["tok"] = tokens
    if body.get("refresh_token"):
        request.session["rt"] = body["refresh_token"]


async def log_in(request: Request, upstream: Upstream, username: str, password: str) -> dict[str, Any]:
    """Password grant for the registry audience; the verified principal comes from the registry's /me."""
    body = await upstream.call("auth", "POST", "/oauth/token", headers=_client_headers(request), data={
        "grant_type": "password", "username": username, "password": password, "audience": AUDIENCES["registry"]})
    me = await upstream.call("registry", "GET", "/me", token=body["access_token"])
    lang = request.session.get("lang")
    # A fresh session on login: nothing of the anonymous one carries over but the language (no fixation).
    request.session.clear()
    request.session["csrf"] = secrets.token_urlsafe(32)
    if lang:
        request.session["lang"] = lang
    request.session["user"] = {"name": username, "org": me.get("org"), "org_name": me.get("org_name"),
                               "roles": me.get("roles", []), "region": me.get("region")}
    request.session["sid"] = _login_session(body["access_token"])
    _store(request, AUDIENCES["registry"], body)
    return request.session["user"]


async def log_out(request: Request, upstream: Upstream) -> None:
    refresh = request.session.get("rt")
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    if refresh:
        try:
            # Revoking the refresh token revokes its whole login session: the sid joins auth's revocation list.
            await upstream.call("auth", "POST", "/oauth/revoke", data={"token": refresh,
                                                                       "token_type_hint": "refresh_token"})
        except ApiError as exc:
            # Gone from this browser, but a copy of the cookie stays good until its tokens run out.
            log.warning("logout could not revoke the session at auth: %s", exc)
            return
        # This replica refuses a replayed copy of the cookie at once; the others at their next poll.
        await request.app.state.revocations.refresh()


class Refresher:
    """One refresh call per refresh token at a time in this process; late callers get the same result."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._results: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}

    async def refresh(self, upstream: Upstream, refresh_token: str, audience: str) -> dict[str, Any]:
        digest = hashlib.sha256(refresh_token.encode()).hexdigest()
        lock = self._locks.setdefault(digest, asyncio.Lock())
        async with lock:
            now = time.monotonic()
            self._results = {k: v for k, v in self._results.items() if now - v[0] < SHARED_RESULT_SECONDS}
            if (digest, audience) in self._results:
                return self._results[(digest, audience)][1]
            body = await upstream.call("auth", "POST", "/oauth/token", data={
                "grant_type": "refresh_token", "refresh_token": refresh_token, "audience": audience})
            self._results[(digest, audience)] = (now, body)
        self._locks.pop(digest, None)
        return body


async def token_for(request: Request, service: str = "registry") -> str:
    """A live access token of the logged-in user for ``service``; refreshes it when it is about to expire."""
    if not current_user(request):
        raise LoginRequired
    audience = AUDIENCES[service]
    held = (request.session.get("tok") or {}).get(audience)
    if held and held[1] - EARLY_SECONDS > time.time():
        return held[0]
    refresh = request.session.get("rt")
    if not refresh:
        raise LoginRequired
    try:
        body = await request.app.state.refresher.refresh(request.app.state.upstream, refresh, audience)
    except ApiError as exc:
        if exc.status in (400, 401):
            for key in ("user", "tok", "rt", "sid"):
                request.session.pop(key, None)
            raise LoginRequired from None
        raise
    _store(request, audience, body)
    return body["access_token"]

