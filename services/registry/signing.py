"""The registry's own signing key: it signs registration certificates and ledger tree heads.

The private key lives in the registry database (one row per key, newest signs; sealed under the key-encryption
key when one is set, see kernel.keywrap); the public keys are
published at ``/.well-known/jwks.json`` so portals and auditors verify offline.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import JSON, Column, DateTime, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field

from services.kernel.jose_keys import SigningKey, generate_es256
from services.kernel.keywrap import KeyWrap
from services.kernel.timeutil import utcnow

from .tables import RegistryTable

__all__ = ["RegistryKey", "jwks_router", "load_signer", "signer"]


class RegistryKey(RegistryTable, table=True):
    __tablename__ = "registry_keys"
    kid: str = Field(primary_key=True, max_length=64)
    alg: str = Field(max_length=10)
    private_pem: str
    public_jwk: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


async def _load(session: AsyncSession, wrap: KeyWrap) -> tuple[SigningKey, list[dict]]:
    rows = (await session.scalars(select(RegistryKey).order_by(RegistryKey.created_at))).all()
    if not rows:
        key = generate_es256()
        session.add(RegistryKey(kid=key.kid, alg=key.alg, private_pem=wrap.seal(key.private_pem, key.kid),
                                public_jwk=key.public_jwk))
        await session.flush()
        return key, [key.public_jwk]
    newest = rows[-1]
    return (SigningKey.from_pem(wrap.open(newest.private_pem, newest.kid), newest.alg, newest.kid),
            [r.public_jwk for r in rows])


async def load_signer(app: FastAPI) -> None:
    """Lifespan hook: the key is opened (kernel.keywrap) and parsed once per process."""
    async with app.state.db.sessions.begin() as session:
        app.state.signer, app.state.registry_jwks = await _load(session, app.state.settings.keywrap)


def signer(request: Request) -> SigningKey:
    return request.app.state.signer


jwks_router = APIRouter(tags=["discovery"])


@jwks_router.get("/.well-known/jwks.json", operation_id="get_jwks")
async def registry_jwks(request: Request) -> JSONResponse:
    """Public keys of the registry: verify certificates and signed tree heads offline."""
    return JSONResponse({"keys": request.app.state.registry_jwks}, headers={"Cache-Control": "public, max-age=300"})
