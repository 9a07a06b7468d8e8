"""Bearer-token verification against the auth service's JWKS, and role/scope checks written once.

Keys are fetched over HTTP, cached, and refetched when a token names an unknown ``kid`` (at most once per
``min_refetch`` seconds, so garbage kids cannot make us hammer auth). No call to auth per request.
Verified tokens are remembered (bounded LRU), as Envoy's jwt_authn does: a busy portal's repeated token
costs one dictionary lookup instead of one ECDSA verification. A remembered token is still refused once its
key leaves JWKS or it appears on auth's revocation list (kernel.revocation), and is verified afresh after
``cache_seconds``; no token lives longer than ``max_lifetime`` (jose_keys.verify_access_token).
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

from .jose_keys import InvalidToken, PublicKey, public_key_from_jwk, unverified_header, verify_access_token
from .problems import NO_TOKEN, Forbidden, Unauthorized
from .revocation import RevocationList
from .settings import JWKS_MIN_REFETCH_SECONDS

__all__ = [
    "CurrentPrincipal",
    "JWKSCache",
    "OptionalPrincipal",
    "Principal",
    "RevocationList",
    "TokenVerifier",
    "current_principal",
    "require_roles",
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
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
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
        # Kids auth's revocation list stopped naming: not taken from a JWKS document again unless the list names
        # them again (another auth replica may still publish a withdrawn key until it reloads its keys).
        self._withdrawn: set[str] = set()
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def loaded(self) -> bool:
        return bool(self._keys)

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(self._keys)

    def holds(self, kid: str) -> bool:
        return kid in self._keys

    def set_keys(self, jwks: dict[str, Any]) -> None:
        keys = {}
        for item in jwks.get("keys", []):
            try:
                key = public_key_from_jwk(item)
            except Exception as exc:  # noqa: BLE001 (logged:) any unusable key (missing kid, bad curve…) must not hide the others
                log.warning("skipping unusable JWK: %s", exc)
                continue
            if key.kid not in self._withdrawn:
                keys[key.kid] = key
        self._keys = keys
        self._fetched_at = time.monotonic()

    def follow(self, published: frozenset[str]) -> frozenset[str]:
        """Drop every key auth no longer publishes (``published``, from its revocation list) at once and for
        good; returns the kids dropped."""
        self._withdrawn.difference_update(published)
        dropped = frozenset(self._keys) - published
        if dropped:
            self._withdrawn.update(dropped)
            self._keys = {kid: key for kid, key in self._keys.items() if kid in published}
            # A key leaves at the end of its publication as well as at a compromise (rotate-keys --now).
            log.info("signing keys no longer published by auth: %s", ", ".join(sorted(dropped)))
        return dropped

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


@dataclass(frozen=True, slots=True)
class _Verified:
    principal: Principal
    kid: str
    jti: str
    sid: str | None
    until: float  # wall-clock time: the token's exp, or sooner (cache_seconds)


class TokenVerifier:
    """Verifies access tokens for one audience; with ``revocations``, honours auth's revocation list."""

    def __init__(self, jwks: JWKSCache, *, audience: str, issuer: str, cache_size: int = 10_000,
                 max_lifetime: float = 960.0, leeway: float = 60.0, cache_seconds: float = 60.0,
                 revocations: RevocationList | None = None) -> None:
        self.jwks = jwks
        self.audience = audience
        self.issuer = issuer
        self.cache_size = cache_size
        self.max_lifetime = max_lifetime
        self.leeway = leeway
        self.cache_seconds = cache_seconds
        self.revocations = revocations
        self._verified: OrderedDict[str, _Verified] = OrderedDict()
        self._asked_for: frozenset[str] = frozenset()
        if revocations is not None:
            revocations.on_kids(self.follow_kids)

    async def verify(self, token: str) -> Principal:
        hit = self._verified.get(token)
        if hit is not None:
            if hit.until > time.time() and self.jwks.holds(hit.kid):
                self._refuse_revoked(hit.jti, hit.sid)
                return hit.principal
            self._verified.pop(token, None)
        try:
            kid = unverified_header(token).get("kid")
            if not isinstance(kid, str):
                raise InvalidToken("token has no key id")
            key = await self.jwks.get(kid)
            if key is None:
                raise InvalidToken("unknown signing key")
            claims = verify_access_token(token, key, audience=self.audience, issuer=self.issuer,
                                         max_lifetime=self.max_lifetime, leeway=self.leeway)
        except InvalidToken as exc:
            raise Unauthorized(f"Invalid access token: {exc}", slug="invalid-token") from None
        jti, sid = claims["jti"], claims.get("sid")
        self._refuse_revoked(jti, sid)
        principal = Principal.from_claims(claims)
        until = min(float(claims["exp"]), time.time() + self.cache_seconds)
        self._verified[token] = _Verified(principal, kid, jti, sid, until)
        if len(self._verified) > self.cache_size:
            self._verified.popitem(last=False)
        return principal

    def _refuse_revoked(self, jti: str, sid: str | None) -> None:
        if self.revocations is not None and self.revocations.is_revoked(jti, sid):
            raise Unauthorized("The access token has been revoked.", slug="token-revoked")

    async def follow_kids(self, published: frozenset[str]) -> None:
        """Auth publishes ``published``: withdraw the other keys and forget their tokens at once; fetch JWKS
        when auth names a key this verifier lacks (once per published set, not at every poll)."""
        if self.jwks.follow(published):
            self.forget_unpublished()
        if not published <= self.jwks.kids and published != self._asked_for:
            self._asked_for = published
            await self.jwks.refresh(force=True)
            self.forget_unpublished()

    def forget_unpublished(self) -> None:
        """Drop every remembered token whose key this verifier no longer holds."""
        self._verified = OrderedDict(
            (token, hit) for token, hit in self._verified.items() if self.jwks.holds(hit.kid)
        )


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
        raise Unauthorized("A bearer access token is required.", headers=NO_TOKEN)
    principal: Principal = await request.app.state.verifier.verify(token)
    request.state.principal = principal
    return principal


async def optional_principal(request: Request) -> Principal | None:
    token = _bearer(request)
    if token is None:
        return None
    return await current_principal(request)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def require_roles(*roles: str) -> Any:
    """Dependency: the caller must hold one of ``roles`` (people) — machine clients never pass a role check."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_role(*roles):
            raise Forbidden(f"This action needs one of the roles: {', '.join(roles)}.", slug="role-required")
        return principal

    return Depends(check)
