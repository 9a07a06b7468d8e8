"""The life of a first registration (DOMAIN §1, Art. 8: apply → accept → formal review → notice → code)."""

from __future__ import annotations

from datetime import date, timedelta

from services.registry.registration.codes import is_valid_code
from services.registry.registration.validity import add_years


async def test_first_registration_walks_to_a_query_code_valid_three_years(people, flow):
    agency, registrar = await people.person("agency"), await people.person("registrar")
    resource = await flow.resource(agency)
    filed = await flow.file(agency, resource["id"])
    assert filed["state"] == "submitted"
    assert len(filed["evidence"]["digest"]) == 64 and filed["deadlines"]["acceptance_due_on"]
    noticed = await flow.to_notice(registrar, filed["id"])
    assert noticed["state"] == "in_notice" and noticed["deadlines"]["notice_ends_on"]
    registered = await flow.close(registrar, noticed)
    assert registered["state"] == "registered"
    assert is_valid_code(registered["query_code"])
    valid_from = date.fromisoformat(registered["valid_from"])
    valid_until = date.fromisoformat(registered["valid_until"])
    assert valid_until == add_years(valid_from, 3) - timedelta(days=1)
    assert [e["action"] for e in registered["events"]] == ["file", "accept", "approve", "close_notice"]
    read = await flow.client.get(f"/resources/{resource['id']}", headers=agency.headers)
    assert read.json()["status"] == "registered"
