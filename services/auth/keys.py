"""Signing keys: the newest key signs; retired keys stay in JWKS until their last token has expired."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.jose_keys import SigningKey, generate_es256, public_key_from_jwk
from services.kernel.timeutil import as_utc, utcnow

from .models import SigningKeyRow

__all__ = ["KeyRing", "load_keyring", "rotate_keys"]


class KeyRing:
    """What a replica holds in memory: the active signer (constructed once) and the published JWKS."""

    def __init__(self, active: SigningKey, published: list[dict]) -> None:
        self.active = active
        self.jwks = {"keys": published}
        self.public_keys = {k["kid"]: public_key_from_jwk(k) for k in published}
        self.loaded_at = time.monotonic()


async def rotate_keys(session: AsyncSession, token_ttl_seconds: int) -> SigningKeyRow:
    """Create a new signing key and retire the current one(s); old keys stay published for one token TTL."""
    now = utcnow()
    current = (await session.scalars(select(SigningKeyRow).where(SigningKeyRow.retired_at.is_(None)))).all()
    for row in current:
        row.retired_at = now
        # A token signed a moment before retirement lives token_ttl more; a minute of clock skew on top.
        row.publish_until = now + timedelta(seconds=token_ttl_seconds + 60)
    key = generate_es256()
    row = SigningKeyRow(kid=key.kid, alg=key.alg, private_pem=key.private_pem, public_jwk=key.public_jwk)
    session.add(row)
    await session.flush()
    return row


async def load_keyring(session: AsyncSession, token_ttl_seconds: int) -> KeyRing:
    rows = (await session.scalars(select(SigningKeyRow).order_by(SigningKeyRow.created_at))).all()
    now = utcnow()
    active_rows = [r for r in rows if r.retired_at is None]
    if not active_rows:
        active_rows = [await rotate_keys(session, token_ttl_seconds)]
        rows = [*rows, *active_rows]
    newest = active_rows[-1]
    published = [
        r.public_jwk for r in rows if r.publish_until is None or as_utc(r.publish_until) > now
    ]
    return KeyRing(SigningKey.from_pem(newest.private_pem, newest.alg, newest.kid), published)
