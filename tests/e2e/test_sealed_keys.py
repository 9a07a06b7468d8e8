"""With key-encryption keys set (tests/e2e/conftest.py), the real auth and registry processes store their private
signing keys sealed (kernel.keywrap), and still sign what others verify offline: tokens, signed tree heads."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text

from services.kernel.db import Database
from services.registry.ledger.sth import verify_tree_head


def _stored_keys(url: str, table: str) -> list[str]:
    async def read() -> list[str]:
        db = Database(url)
        try:
            async with db.sessions() as session:
                return list((await session.scalars(text(f"SELECT private_pem FROM {table}"))).all())
        finally:
            await db.dispose()
    return asyncio.run(read())


def test_auth_and_registry_store_only_sealed_private_keys(system):
    for service, table in (("auth", "signing_keys"), ("registry", "registry_keys")):
        stored = _stored_keys(system.databases[service].url, table)
        assert stored, service
        for value in stored:
            assert value.startswith("aes256gcm:") and "PRIVATE KEY" not in value, service


def test_sealed_keys_sign_tokens_and_tree_heads_that_verify(system):
    token = system.token("auditor")["access_token"]
    me = httpx.get(f"{system.urls['registry']}/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    sth = httpx.get(f"{system.urls['registry']}/ledger/sth").json()
    jwks = httpx.get(f"{system.urls['registry']}/.well-known/jwks.json").json()
    assert verify_tree_head(sth, jwks).tree_size == sth["tree_size"]
