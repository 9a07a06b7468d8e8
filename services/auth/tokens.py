"""Token issuance (password, client_credentials, rotating refresh tokens), revocation and introspection.

Refresh tokens are opaque, stored only as SHA-256 digests, and rotate on every use. Each login starts a
family; presenting a spent refresh token again means it was stolen or replayed, so the whole family is
revoked (OAuth 2.0 Security BCP, RFC 9700 §4.14).
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.kernel.db import Database
from services.kernel.jose_keys import InvalidToken, unverified_header, verify_access_token
from services.kernel.timeutil import as_utc, new_id, utcnow

from .keys import KeyRing
from .models import Account, Client, Organization, RefreshToken
from .oauth_errors import OAuthError
from .revocations import is_listed, list_revoked
from .secrets import ClientSecrets, Passwords, token_digest
from .settings import AuthSettings
from .throttle import Throttle

__all__ = ["PEOPLE_SCOPES", "TokenService"]

# Another token of the same family, in the refresh spend's subquery (not correlated with the updated row).
SIBLING = aliased(RefreshToken)

# Scopes a person may ask for; their authority comes from roles, scopes narrow what a token can do.
PEOPLE_SCOPES = frozenset({"openid", "profile", "registry", "scoring", "offline_access"})


@dataclass(frozen=True)
class AuthenticatedClient:
    client_id: str
    scopes: frozenset[str]
    org_id: str | None
    org_name: str | None
    region: str | None
    secret_digest: str


class TokenService:
    def __init__(self, settings: AuthSettings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)
        self.client_secrets = ClientSecrets(settings.client_secret_pepper)
        self._clients: dict[str, tuple[float, AuthenticatedClient]] = {}
        self.throttle = Throttle(settings)

    # -- client authentication -------------------------------------------------------------------------

    async def authenticate_client(
        self, session: AsyncSession, client_id: str | None, secret: str | None, *, required: bool
    ) -> AuthenticatedClient | None:
        if client_id is None:
            if required:
                raise self._invalid_client("Client authentication is required.")
            return None
        digest = self.client_secrets.digest(secret) if secret is not None else None
        cached = self._clients.get(client_id)
        if cached is not None and cached[0] > time.monotonic() and digest is not None and hmac.compare_digest(
            cached[1].secret_digest, digest
        ):
            return cached[1]
        client = (await session.scalars(select(Client).where(Client.client_id == client_id))).first()
        if client is None or client.disabled or digest is None or not hmac.compare_digest(
            client.secret_digest, digest
        ):
            self._clients.pop(client_id, None)
            raise self._invalid_client("Client authentication failed.")
        org = await session.get(Organization, client.org_id) if client.org_id else None
        authenticated = AuthenticatedClient(
            client_id=client.client_id, scopes=frozenset(client.scopes), org_id=client.org_id,
            org_name=org.name if org else None, region=org.region_code if org else None,
            secret_digest=client.secret_digest,
        )
        # A client (and its organization) is cached for a few seconds: a busy portal's token requests then cost
        # no database round trip. Disabling a client takes effect within ``client_cache_seconds``, far below
        # the lifetime of the tokens it already holds.
        if len(self._clients) > 10_000:
            self._clients.clear()
        self._clients[client_id] = (time.monotonic() + self.settings.client_cache_seconds, authenticated)
        return authenticated

    @staticmethod
    def _invalid_client(description: str) -> OAuthError:
        return OAuthError("invalid_client", description, status=401,
                          headers={"WWW-Authenticate": 'Basic realm="pdr-auth"'})

    # -- grants ----------------------------------------------------------------------------------------

    def _audience(self, requested: str | None) -> str:
        audience = requested or self.settings.default_audience
        if audience not in self.settings.audiences:
            raise OAuthError("invalid_target", f"Unknown audience {audience!r}.")
        return audience

    def _access_token(self, keyring: KeyRing, claims: dict[str, Any]) -> tuple[str, int]:
        now = int(utcnow().timestamp())
        ttl = self.settings.access_token_ttl_seconds
        claims = {"iss": self.settings.issuer, "iat": now, "exp": now + ttl, "jti": new_id(), **claims}
        return keyring.active.sign(claims), ttl

    async def client_credentials(
        self, keyring: KeyRing, client: AuthenticatedClient, scope: str | None, audience: str | None
    ) -> dict[str, Any]:
        allowed = set(client.scopes)
        requested = set(scope.split()) if scope else allowed
        if not requested <= allowed:
            denied = " ".join(sorted(requested - allowed))
            raise OAuthError("invalid_scope", f"Scope not granted to this client: {denied}.")
        token, ttl = self._access_token(keyring, {
            "aud": self._audience(audience), "sub": f"client:{client.client_id}", "client_id": client.client_id,
            "typ": "client", "org": client.org_id, "roles": [], "scope": " ".join(sorted(requested)),
            "region": client.region, "org_name": client.org_name,
        })
        return {"access_token": token, "token_type": "Bearer", "expires_in": ttl, "scope": " ".join(sorted(requested))}

    async def password(
        self, session: AsyncSession, keyring: KeyRing, *, username: str, password: str, scope: str | None,
        audience: str | None, client: AuthenticatedClient | None, address: str,
    ) -> dict[str, Any]:
        await self.throttle.attempt(session, username, address)  # 429 while this address must wait
        account = (await session.scalars(select(Account).where(Account.username == username))).first()
        # The attempt is committed as failed before the password is checked: a wrong password rolls the rest of
        # the request back, and a concurrent guess must meet this count. It also ends the transaction (and
        # SQLite's write lock) before the slow hash.
        await session.commit()
        # argon2 is slow by design: keep it off the event loop.
        ok = await anyio.to_thread.run_sync(self.passwords.verify, account.password_hash if account else None, password)
        if not ok or account is None or account.disabled:
            raise OAuthError("invalid_grant", "Unknown user or wrong password.")
        await self.throttle.succeeded(session, username, address)
        scopes = self._people_scopes(scope)
        return await self._issue_for_account(
            session, keyring, account, scopes, self._audience(audience), client, family_id=new_id()
        )

    def _people_scopes(self, scope: str | None) -> list[str]:
        requested = scope.split() if scope else []
        unknown = set(requested) - PEOPLE_SCOPES
        if unknown:
            raise OAuthError("invalid_scope", f"Unknown scope(s): {' '.join(sorted(unknown))}.")
        return sorted(set(requested))

    async def _issue_for_account(
        self, session: AsyncSession, keyring: KeyRing, account: Account, scopes: list[str], audience: str,
        client: AuthenticatedClient | None, *, family_id: str,
    ) -> dict[str, Any]:
        org = await session.get(Organization, account.org_id)
        token, ttl = self._access_token(keyring, {
            "aud": audience, "sub": account.id, "typ": "user", "name": account.username, "org": account.org_id,
            "org_name": org.name if org else None,
            "roles": sorted(account.roles), "scope": " ".join(scopes), "region": org.region_code if org else None,
            # The login session: revoking it (logout, reuse, revocation of a refresh token) revokes every access
            # token it issued, at every service (revocations.py).
            "sid": family_id,
            **({"client_id": client.client_id} if client else {}),
        })
        refresh = secrets.token_urlsafe(32)
        session.add(RefreshToken(
            digest=token_digest(refresh), family_id=family_id, account_id=account.id,
            client_id=client.client_id if client else None, scope=" ".join(scopes), audience=audience,
            expires_at=utcnow() + timedelta(seconds=self.settings.refresh_token_ttl_seconds),
        ))
        await session.flush()
        return {"access_token": token, "token_type": "Bearer", "expires_in": ttl, "refresh_token": refresh,
                "scope": " ".join(scopes)}

    async def refresh(
        self, session: AsyncSession, keyring: KeyRing, *, refresh_token: str, scope: str | None,
        audience: str | None, client: AuthenticatedClient | None,
    ) -> dict[str, Any]:
        row = await session.get(RefreshToken, token_digest(refresh_token))
        if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= utcnow():
            raise OAuthError("invalid_grant", "The refresh token is invalid, expired or revoked.")
        if row.client_id is not None and (client is None or client.client_id != row.client_id):
            raise OAuthError("invalid_grant", "The refresh token was issued to another client.")
        account = await session.get(Account, row.account_id)
        if account is None or account.disabled:
            raise OAuthError("invalid_grant", "The account is disabled.")
        granted = row.scope.split()
        scopes = self._people_scopes(scope) if scope else granted
        if not set(scopes) <= set(granted):
            raise OAuthError("invalid_scope", "A refresh cannot widen the granted scope.")
        target = self._audience(audience or row.audience)
        # Everything refusable is checked: spend the token with a conditional UPDATE, so of two concurrent
        # refreshes exactly one spends it (PostgreSQL's row lock; on SQLite the write transaction began
        # IMMEDIATE). Any other use, concurrent or later, is reuse: the whole family is revoked, the winner's
        # new tokens included (RFC 9700 §4.14). A family with a revoked member spends nothing more, so a
        # successor issued while a replay revoked its family dies at its first use.
        spent = await session.execute(
            update(RefreshToken).where(
                RefreshToken.digest == row.digest, RefreshToken.spent_at.is_(None), RefreshToken.revoked_at.is_(None),
                ~exists().where(SIBLING.family_id == row.family_id, SIBLING.revoked_at.is_not(None)),
            ).values(spent_at=utcnow()).execution_options(synchronize_session=False)
        )
        if spent.rowcount != 1:
            await self._revoke_family(session, row.family_id)
            await session.commit()  # the revocation outlives the refusal's rollback
            raise OAuthError("invalid_grant", "Refresh token reuse detected; the session has been revoked.")
        return await self._issue_for_account(session, keyring, account, scopes, target, client,
                                             family_id=row.family_id)

    async def _revoke_family(self, session: AsyncSession, family_id: str) -> None:
        await session.execute(
            update(RefreshToken).where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        # Its access tokens too: none issued before now lives past now + the longest lifetime verifiers accept.
        settings = self.settings
        until = utcnow() + timedelta(seconds=settings.token_max_lifetime_seconds + settings.token_leeway_seconds)
        await list_revoked(session, family_id, until, leeway=settings.token_leeway_seconds)

    # -- revocation and introspection -----------------------------------------------------------------

    def verify_own(self, keyring: KeyRing, token: str) -> dict[str, Any] | None:
        try:
            key = keyring.public_keys.get(unverified_header(token).get("kid"))
            if key is None:
                return None
            return verify_access_token(token, key, audience=None, issuer=self.settings.issuer,
                                       max_lifetime=self.settings.token_max_lifetime_seconds,
                                       leeway=self.settings.token_leeway_seconds)
        except InvalidToken:
            return None

    async def revoke(self, session: AsyncSession, keyring: KeyRing, token: str,
                     client: AuthenticatedClient | None) -> None:
        row = await session.get(RefreshToken, token_digest(token))
        if row is not None:
            if row.client_id is None or (client is not None and client.client_id == row.client_id):
                await self._revoke_family(session, row.family_id)
            return
        claims = self.verify_own(keyring, token)
        if claims is None:
            return  # RFC 7009 §2.2: invalid tokens do not cause an error
        if claims.get("client_id") and client is not None and claims["client_id"] != client.client_id:
            return
        until = datetime.fromtimestamp(claims["exp"], UTC)
        await list_revoked(session, claims["jti"], until, leeway=self.settings.token_leeway_seconds)

    async def introspect(self, session: AsyncSession, keyring: KeyRing, token: str) -> dict[str, Any]:
        claims = self.verify_own(keyring, token)
        if claims is not None:
            # What every verifier refuses (the same list): the token itself, or its login session, revoked.
            if await is_listed(session, claims["jti"], claims.get("sid")):
                return {"active": False}
            return {"active": True, "token_type": "access_token", **claims}
        row = await session.get(RefreshToken, token_digest(token))
        if row is None or row.revoked_at or row.spent_at or as_utc(row.expires_at) <= utcnow():
            return {"active": False}
        account = await session.get(Account, row.account_id)
        return {
            "active": True, "token_type": "refresh_token", "sub": row.account_id, "scope": row.scope,
            "client_id": row.client_id, "exp": int(as_utc(row.expires_at).timestamp()),
            "iat": int(as_utc(row.issued_at).timestamp()), "username": account.username if account else None,
            "iss": self.settings.issuer,
        }
