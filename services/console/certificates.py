"""Verifying a registration certificate (compact JWS, ES256) against the registry's published JWKS.

The console checks what a careful portal would: the key is one the registry publishes (by ``kid``), the
algorithm is the key's own, the signature holds, the certificate has not expired, its type is a registration
certificate, and it names the query code that was looked up. The page verifies it again in the browser
(static/verify.js, WebCrypto) from the same JWKS, so a reader need not trust the console either.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from services.kernel.jose_keys import InvalidToken, PublicKey, public_key_from_jwk, unverified_header, verify_jwt
from services.kernel.settings import JWKS_MIN_REFETCH_SECONDS

from .i18n import N_
from .upstream import ApiError

__all__ = ["CERTIFICATE_TYPE", "Verdict", "registry_jwks", "verify_certificate"]

CERTIFICATE_TYPE = "pdr-registration-certificate+jwt"
JWKS_MAX_AGE_SECONDS = 300.0


@dataclass
class Verdict:
    valid: bool
    reason: str = ""
    claims: dict[str, Any] = field(default_factory=dict)


async def registry_jwks(app: FastAPI, *, force: bool = False) -> dict[str, Any]:
    """The registry's JWKS document, cached; refetched when stale, or on ``force`` at most every 5 s."""
    cache = app.state.jwks
    age = time.monotonic() - cache.get("fetched", 0.0)
    if "doc" in cache and age < JWKS_MAX_AGE_SECONDS and not (force and age > JWKS_MIN_REFETCH_SECONDS):
        return cache["doc"]
    doc = await app.state.upstream.call("registry", "GET", "/.well-known/jwks.json")
    cache.update(doc=doc, fetched=time.monotonic())
    return doc


def _key(doc: dict[str, Any], kid: str) -> PublicKey | None:
    for jwk in doc.get("keys", []):
        if isinstance(jwk, dict) and jwk.get("kid") == kid:
            return public_key_from_jwk(jwk)
    return None


async def verify_certificate(app: FastAPI, token: str, expected_code: str) -> Verdict:
    try:
        header = unverified_header(token)
        if header.get("typ") != CERTIFICATE_TYPE:
            return Verdict(False, N_("cert.bad_type"))
        kid = str(header.get("kid", ""))
        key = _key(await registry_jwks(app), kid) or _key(await registry_jwks(app, force=True), kid)
        if key is None:
            return Verdict(False, N_("cert.unknown_key"))
        claims = verify_jwt(token, key, audience=None, issuer=None)
    except InvalidToken:
        return Verdict(False, N_("cert.bad_signature"))
    except ApiError:
        return Verdict(False, N_("cert.jwks_unavailable"))
    if claims.get("code") != expected_code or claims.get("sub") != expected_code:
        return Verdict(False, N_("cert.other_code"), claims)
    return Verdict(True, N_("cert.valid"), claims)
