"""Signing keys: the newest key that has started signing signs; a rotated key is published in JWKS before it
signs, and a retired key stays published until its last token has expired.

Publishing ahead is what makes a rotation invisible to verifiers (kernel.security.JWKSCache): one that fetched
JWKS a moment before the rotation would otherwise meet the new kid inside its refetch guard and refuse valid
tokens for a few seconds. ``ahead_seconds=0`` rotates at once (a compromised key): every key published until
then is withdrawn with it, so the next poll of the revocation list (kernel.revocation) makes every verifier
refuse their tokens, cached ones included.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.jose_keys import SigningKey, generate_es256, public_key_from_jwk
from services.kernel.keywrap import KeyWrap
from services.kernel.timeutil import as_utc, utcnow

from .models import SigningKeyRow

__all__ = ["KeyRing", "key_state", "load_keyring", "rotate_keys"]


class KeyRing:
    """What a replica holds in memory: the active signer (constructed once) and the published JWKS."""

    def __init__(self, active: SigningKey, published: list[dict]) -> None:
        self.active = active
        self.jwks = {"keys": published}
        self.public_keys = {k["kid"]: public_key_from_jwk(k) for k in published}
        self.loaded_at = time.monotonic()

    @property
    def state(self) -> tuple[str, frozenset[str]]:
        """The signing kid and the published kids, comparable with ``key_state``."""
        return self.active.kid, frozenset(self.public_keys)


async def rotate_keys(session: AsyncSession, token_ttl_seconds: int, ahead_seconds: float,
                      wrap: KeyWrap) -> SigningKeyRow:
    """Publish a new signing key now that takes over signing ``ahead_seconds`` from now; the current key(s) retire
    then and stay published for one token TTL more. With ``ahead_seconds=0`` (a compromised key) every key
    published so far is withdrawn now, and the tokens it signed die with it."""
    now = utcnow()
    takeover = now + timedelta(seconds=ahead_seconds)
    if ahead_seconds:
        current = (await session.scalars(select(SigningKeyRow).where(SigningKeyRow.retired_at.is_(None)))).all()
        for row in current:
            row.retired_at = takeover
            # A token signed a moment before retirement lives token_ttl more; a minute of clock skew on top.
            row.publish_until = takeover + timedelta(seconds=token_ttl_seconds + 60)
    else:
        published = (await session.scalars(select(SigningKeyRow).where(
            or_(SigningKeyRow.publish_until.is_(None), SigningKeyRow.publish_until > now)))).all()
        for row in published:
            row.retired_at = min(as_utc(row.retired_at), now) if row.retired_at else now
            row.publish_until = now
    key = generate_es256()
    row = SigningKeyRow(kid=key.kid, alg=key.alg, private_pem=wrap.seal(key.private_pem, key.kid),
                        public_jwk=key.public_jwk, created_at=now, signs_from=takeover if ahead_seconds else None)
    session.add(row)
    await session.flush()
    return row


def _signers(rows: Sequence[SigningKeyRow], now: datetime) -> list[SigningKeyRow]:
    return [r for r in rows if (r.signs_from is None or as_utc(r.signs_from) <= now)
            and (r.retired_at is None or as_utc(r.retired_at) > now)]


def _published(rows: Sequence[SigningKeyRow], now: datetime) -> list[SigningKeyRow]:
    return [r for r in rows if r.publish_until is None or as_utc(r.publish_until) > now]


async def key_state(session: AsyncSession) -> tuple[str | None, frozenset[str]]:
    """The kid that signs now and the kids published now, as stored (no private key opened): a replica whose
    ``KeyRing.state`` differs has missed a rotation."""
    rows = (await session.scalars(select(SigningKeyRow).order_by(SigningKeyRow.created_at))).all()
    now = utcnow()
    signers = _signers(rows, now)
    return (signers[-1].kid if signers else None), frozenset(r.kid for r in _published(rows, now))


async def load_keyring(session: AsyncSession, token_ttl_seconds: int, wrap: KeyWrap) -> KeyRing:
    rows = (await session.scalars(select(SigningKeyRow).order_by(SigningKeyRow.created_at))).all()
    now = utcnow()
    signers = _signers(rows, now)
    if not signers:  # a new installation
        signers = [await rotate_keys(session, token_ttl_seconds, ahead_seconds=0, wrap=wrap)]
        rows = [*rows, *signers]
    newest = signers[-1]
    published = [r.public_jwk for r in _published(rows, now)]
    return KeyRing(SigningKey.from_pem(wrap.open(newest.private_pem, newest.kid), newest.alg, newest.kid), published)
