"""Bearer-token verification against the auth service's JWKS, and role/scope checks written once.

Keys are fetched over HTTP, cached, and refetched when a token names an unknown ``kid`` (at most once per
``min_refetch`` seconds, so garbage kids cannot make us hammer auth). No call to auth per request.
Verified tokens are remembered until they expire (bounded LRU), as Envoy's jwt_authn does: a busy
portal's repeated token costs one dictionary lookup instead of one ECDSA verification.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request

from .jose_keys import InvalidToken, PublicKey, public_key_from_jwk, unverified_header, verify_jwt
from .problems import Forbidden, Unauthorized
from .settings import JWKS_MIN_REFETCH_SECONDS

__all__ = [
    "CurrentPrincipal",
    "JWKSCache",
    "OptionalPrincipal",
    "Principal",
    "TokenVerifier",
    "current_principal",
    "require_roles",
    "require_scopes",
]

log = logging.getLogger("pdr.security")


@dataclass(frozen=True)
class Principal:
    """Who is calling: a person (roles) or a machine client (scopes), always on behalf of an organization."""

    subject: str
    org: str | None
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    region: str | None = None
    org_name: str | None = None
    client: bool = False
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> "Principal":
        roles = claims.get("roles") or []
        return cls(
            subject=str(claims["sub"]),
            org=claims.get("org"),
            roles=frozenset(roles if isinstance(roles, list) else []),
            scopes=frozenset(str(claims.get("scope", "")).split()),
            region=claims.get("region"),
            org_name=claims.get("org_name"),
            client=claims.get("typ") == "client",
            claims=claims,
        )

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def as_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "org": self.org,
            "roles": sorted(self.roles),
            "scopes": sorted(self.scopes),
            "region": self.region,
            "org_name": self.org_name,
            "client": self.client,
            "expires_at": self.claims.get("exp"),
        }


class JWKSCache:
    def __init__(self, url: str, *, min_refetch: float = JWKS_MIN_REFETCH_SECONDS, max_age: float = 300.0,
                 client: httpx.AsyncClient | None = None) -> None:
        self.url = url
        self.min_refetch = min_refetch
        self.max_age = max_age
        self._client = client
        self._keys: dict[str, PublicKey] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def loaded(self) -> bool:
        return bool(self._keys)

    def set_keys(self, jwks: dict[str, Any]) -> None:
        keys = {}
        for item in jwks.get("keys", []):
            try:
                keys[item["kid"]] = public_key_from_jwk(item)
            except Exception as exc:  # any unusable key (missing kid, bad curve…) must not hide the others
                log.warning("skipping unusable JWK: %s", exc)
        self._keys = keys
        self._fetched_at = time.monotonic()

    async def refresh(self, *, force: bool = False) -> None:
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            if not force and self._keys and age < self.min_refetch:
                return
            client = self._client or httpx.AsyncClient(timeout=5.0)
            try:
                response = await client.get(self.url)
                response.raise_for_status()
                self.set_keys(response.json())
            except (httpx.HTTPError, ValueError) as exc:
                # Keep serving with the keys we have: auth being down must not reject valid tokens.
                log.warning("JWKS fetch from %s failed: %s", self.url, exc)
                self._fetched_at = time.monotonic()
            finally:
                if self._client is None:
                    await client.aclose()

    async def get(self, kid: str) -> PublicKey | None:
        if time.monotonic() - self._fetched_at > self.max_age:
            await self.refresh()
        key = self._keys.get(kid)
        if key is None:
            await self.refresh()
            key = self._keys.get(kid)
        return key


class TokenVerifier:
    def __init__(self, jwks: JWKSCache, *, audience: str, issuer: str, cache_size: int = 10_000) -> None:
        self.jwks = jwks
        self.audience = audience
        self.issuer = issuer
        self.cache_size = cache_size
        self._verified: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        hit = self._verified.get(token)
        if hit is not None:
            if hit[0] > time.time():
                return hit[1]
            self._verified.pop(token, None)
        try:
            kid = unverified_header(token).get("kid")
            if not isinstance(kid, str):
                raise InvalidToken("token has no key id")
            key = await self.jwks.get(kid)
            if key is None:
                raise InvalidToken("unknown signing key")
            claims = verify_jwt(token, key, audience=self.audience, issuer=self.issuer)
        except InvalidToken as exc:
            raise Unauthorized(f"Invalid access token: {exc}", slug="invalid-token") from None
        if "sub" not in claims or "jti" not in claims:
            raise Unauthorized("Invalid access token: missing claims", slug="invalid-token")
        principal = Principal.from_claims(claims)
        self._verified[token] = (float(claims["exp"]), principal)
        if len(self._verified) > self.cache_size:
            self._verified.popitem(last=False)
        return principal


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization header must be 'Bearer <token>'.", slug="invalid-token")
    return token.strip()


async def current_principal(request: Request) -> Principal:
    token = _bearer(request)
    if token is None:
        raise Unauthorized("A bearer access token is required.")
    principal = await request.app.state.verifier.verify(token)
    request.state.principal = principal
    return principal


async def optional_principal(request: Request) -> Principal | None:
    token = _bearer(request)
    if token is None:
        return None
    return await current_principal(request)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def require_roles(*roles: str):
    """Dependency: the caller must hold one of ``roles`` (people) — machine clients never pass a role check."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_role(*roles):
            raise Forbidden(f"This action needs one of the roles: {', '.join(roles)}.", slug="role-required")
        return principal

    return Depends(check)


def require_scopes(*scopes: str):
    """Dependency: the caller must hold every scope in ``scopes`` (machine clients and scoped people)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        missing = set(scopes) - principal.scopes
        if missing:
            raise Forbidden(f"Missing scope(s): {', '.join(sorted(missing))}.", slug="scope-required")
        return principal

    return Depends(check)
