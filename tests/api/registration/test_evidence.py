"""Evidence preservation (DOMAIN §1, Art. 7): the SHA-256 digest and server time of each submission are shown
on the registration and never change; the database itself refuses to rewrite them or an issued code."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError


async def test_digest_is_the_sha256_of_the_canonical_materials_and_survives_every_decision(flow, mint):
    agency, registrar = mint("agency"), mint("registrar")
    resource = await flow.resource(agency)
    filed = await flow.file(agency, resource["id"])
    canonical = json.dumps(filed["materials"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert filed["evidence"]["digest"] == hashlib.sha256(canonical.encode()).hexdigest()
    registered = await flow.register(registrar, filed["id"])
    assert registered["evidence"] == filed["evidence"]
    assert registered["materials"] == filed["materials"]


@pytest.mark.parametrize("statement", [
    "UPDATE registration_submissions SET digest = 'forged'",
    "UPDATE registration_submissions SET received_at = received_at",
    "UPDATE issued_codes SET registration_id = 'other'",
])
async def test_the_database_refuses_to_rewrite_evidence_or_codes(flow, mint, apps, statement):
    agency, registrar = mint("agency"), mint("registrar")
    await flow.registered_resource(agency, registrar)
    with pytest.raises(DBAPIError, match="never changed"):
        async with apps.registry.state.db.sessions.begin() as session:
            await session.execute(text(statement))
