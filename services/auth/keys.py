"""Signing keys: the newest key that has started signing signs; a rotated key is published in JWKS before it
signs, and a retired key stays published until its last token has expired.

Publishing ahead is what makes a rotation invisible to verifiers (kernel.security.JWKSCache): one that fetched
JWKS a moment before the rotation would otherwise meet the new kid inside its refetch guard and refuse valid
tokens for a few seconds. ``ahead_seconds=0`` rotates at once (a compromised key).
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.jose_keys import SigningKey, generate_es256, public_key_from_jwk
from services.kernel.keywrap import KeyWrap
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


async def rotate_keys(session: AsyncSession, token_ttl_seconds: int, ahead_seconds: float,
                      wrap: KeyWrap) -> SigningKeyRow:
    """Publish a new signing key now that takes over signing ``ahead_seconds`` from now; the current key(s) retire
    then and stay published for one token TTL more."""
    now = utcnow()
    takeover = now + timedelta(seconds=ahead_seconds)
    current = (await session.scalars(select(SigningKeyRow).where(SigningKeyRow.retired_at.is_(None)))).all()
    for row in current:
        row.retired_at = takeover
        # A token signed a moment before retirement lives token_ttl more; a minute of clock skew on top.
        row.publish_until = takeover + timedelta(seconds=token_ttl_seconds + 60)
    key = generate_es256()
    row = SigningKeyRow(kid=key.kid, alg=key.alg, private_pem=wrap.seal(key.private_pem, key.kid),
                        public_jwk=key.public_jwk, created_at=now, signs_from=takeover if ahead_seconds else None)
    session.add(row)
    await session.flush()
    return row


async def load_keyring(session: AsyncSession, token_ttl_seconds: int, wrap: KeyWrap) -> KeyRing:
    rows = (await session.scalars(select(SigningKeyRow).order_by(SigningKeyRow.created_at))).all()
    now = utcnow()
    signers = [r for r in rows if (r.signs_from is None or as_utc(r.signs_from) <= now)
               and (r.retired_at is None or as_utc(r.retired_at) > now)]
    if not signers:  # a new installation
        signers = [await rotate_keys(session, token_ttl_seconds, ahead_seconds=0, wrap=wrap)]
        rows = [*rows, *signers]
    newest = signers[-1]
    published = [
        r.public_jwk for r in rows if r.publish_until is None or as_utc(r.publish_until) > now
    ]
    return KeyRing(SigningKey.from_pem(wrap.open(newest.private_pem, newest.kid), newest.alg, newest.kid), published)
