"""The console's session cookie: encrypted, and ended at auth.

The session (who is logged in, their tokens, the CSRF token) travels in one cookie encrypted and
authenticated with Fernet (AES-128-CBC and HMAC-SHA256, from ``cryptography``) under a key derived from the
console's session secret (HKDF-SHA256): page scripts cannot read it (HttpOnly), and neither can whoever copies
it, a proxy's log or a stolen browser profile. Every replica sharing the secret reads it, so the console keeps
no state of its own.

A logged-in session is a login session at auth: its refresh-token family, the ``sid`` of its access tokens.
Logging out revokes it there, and auth's revocation list then names the ``sid``; this middleware treats a
cookie whose session auth has revoked (``ended``) as a logged-out visitor's, so a copied cookie replayed after
logout, at any replica, is worth nothing.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["KEPT_AFTER_LOGOUT", "SessionCodec", "SessionCookie"]

# What a visitor keeps when their session ends: the language they chose, nothing of the login.
KEPT_AFTER_LOGOUT = ("lang",)


class SessionCodec:
    """The session as cookie text and back; a cookie that is forged, altered, foreign or too old reads as None."""

    def __init__(self, secret: str, max_age: int) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"pdr-console session cookie v1").derive(
            secret.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(key))
        self.max_age = max_age

    def dumps(self, session: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(session, separators=(",", ":")).encode()).decode("ascii")

    def loads(self, text: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self._fernet.decrypt(text.encode("ascii"), ttl=self.max_age))
        except (InvalidToken, UnicodeError, ValueError):
            return None
        return data if isinstance(data, dict) else None


class SessionCookie:
    """``request.session`` kept in the encrypted cookie (pure ASGI, the interface of Starlette's
    SessionMiddleware). The cookie is rewritten when the session changed, and cleared when it was emptied."""

    def __init__(self, app: ASGIApp, *, secret: str, cookie: str, max_age: int, https_only: bool,
                 ended: Callable[[dict[str, Any]], bool]) -> None:
        self.app = app
        self.codec = SessionCodec(secret, max_age)
        self.cookie = cookie
        self.ended = ended
        self.flags = f"path=/; Max-Age={max_age}; httponly; samesite=strict" + ("; secure" if https_only else "")
        self.clear = "path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly; samesite=strict" + (
            "; secure" if https_only else "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw = HTTPConnection(scope).cookies.get(self.cookie)
        session = (self.codec.loads(raw) if raw else None) or {}
        if session and self.ended(session):
            session = {key: session[key] for key in KEPT_AFTER_LOGOUT if key in session}
            loaded = None  # rewritten (or cleared) whatever the request does
        else:
            loaded = json.dumps(session, sort_keys=True)
        scope["session"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                current = scope["session"]
                if json.dumps(current, sort_keys=True) != loaded:
                    headers = MutableHeaders(scope=message)
                    if current:
                        headers.append("Set-Cookie", f"{self.cookie}={self.codec.dumps(current)}; {self.flags}")
                    elif raw:
                        headers.append("Set-Cookie", f"{self.cookie}=null; {self.clear}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)
