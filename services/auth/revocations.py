"""The revocation list auth publishes (``GET /oauth/revocations``) and every verifier polls (kernel.revocation).

An entry names what was revoked: an access token by its ``jti`` (RFC 7009 revocation of that token), or a
login session by its ``sid``, the refresh-token family every access token of the session carries (the family
revoked, a spent refresh token reused, a logout). ``until`` is the time after which no token naming it can be
valid anyway: the token's ``exp``; for a session, the longest a token issued now may live. Entries are kept in
``revoked_tokens`` and leave the list ``leeway`` seconds after ``until`` (verifiers' clocks may run that far
behind), so the list holds only the revocations of the last token lifetime.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.timeutil import as_utc, utcnow

from .models import RevokedToken

__all__ = ["RevocationDocument", "RevokedEntry", "document", "is_listed", "list_revoked"]

REVOKED = RevokedToken.__table__


class RevokedEntry(BaseModel):
    id: str
    until: int


class RevocationDocument(BaseModel):
    """Revoked token ids (``jti``) and session ids (``sid``), and the kids auth publishes in JWKS."""

    revoked: list[RevokedEntry]
    kids: list[str]

    def encoded(self) -> tuple[bytes, str]:
        """The JSON body and its strong ETag."""
        body = json.dumps(self.model_dump(), separators=(",", ":")).encode()
        return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


async def list_revoked(session: AsyncSession, ident: str, until: datetime, *, leeway: float) -> None:
    """Put ``ident`` on the list until ``until`` (a later ``until`` wins); drop entries long past theirs."""
    now = utcnow()
    await session.execute(delete(REVOKED).where(REVOKED.c.expires_at < now - timedelta(seconds=leeway)))
    factory = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # Concurrent revocations of one session (a logout racing a reuse) must not collide on the key.
    await session.execute(factory(REVOKED).values(jti=ident, expires_at=until).on_conflict_do_nothing())
    await session.execute(update(REVOKED).where(REVOKED.c.jti == ident, REVOKED.c.expires_at < until)
                          .values(expires_at=until))


async def is_listed(session: AsyncSession, *idents: str | None) -> bool:
    wanted = [i for i in idents if i]
    if not wanted:
        return False
    return (await session.scalar(select(REVOKED.c.jti).where(REVOKED.c.jti.in_(wanted)).limit(1))) is not None


async def document(session: AsyncSession, kids: frozenset[str], *, leeway: float) -> RevocationDocument:
    cutoff = utcnow() - timedelta(seconds=leeway)
    rows = (await session.execute(
        select(REVOKED.c.jti, REVOKED.c.expires_at).where(REVOKED.c.expires_at > cutoff).order_by(REVOKED.c.jti)
    )).all()
    return RevocationDocument(
        revoked=[RevokedEntry(id=jti, until=int(as_utc(until).timestamp())) for jti, until in rows],
        kids=sorted(kids),
    )
