"""Query codes (Art. 13): unique, never reused, with a check character, even under concurrent approvals on
several registry replicas (here: separate engines and connection pools on the same database)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from services.kernel.db import Database
from services.registry.registration.codes import is_valid_code, issue_code
from services.registry.registration.rules import RegistrationRules


async def test_concurrent_approvals_never_produce_a_duplicate_code(flow, mint):
    agency, registrar = mint("agency"), mint("registrar")
    noticed = []
    for _ in range(8):
        filed = await flow.file(agency, (await flow.resource(agency))["id"])
        noticed.append(await flow.to_notice(registrar, filed["id"]))
    flow.clock.set(date.fromisoformat(noticed[0]["deadlines"]["notice_ends_on"]) + timedelta(days=1))
    responses = await asyncio.gather(*(
        flow.client.post(f"/registrations/{r['id']}/close-notice", headers=registrar.headers) for r in noticed))
    assert [r.status_code for r in responses] == [200] * 8
    codes = [r.json()["query_code"] for r in responses]
    assert len(set(codes)) == 8 and all(is_valid_code(c) for c in codes)


async def test_code_series_drawn_from_several_replicas_at_once_stay_unique_and_gapless(apps, clean):
    rules = RegistrationRules(code_series="replica-test")
    replicas = [Database(apps.registry.state.db.url, pool_size=4, max_overflow=0) for _ in range(3)]

    async def approve(replica: Database, n: int) -> str:
        async with replica.sessions.begin() as session:
            return await issue_code(session, rules, registration_id=f"r{n}", subject_type="resource",
                                    subject_id=f"s{n}", region_code="310000", today=date(2026, 5, 6))

    try:
        codes = await asyncio.gather(*(approve(replicas[n % 3], n) for n in range(24)))
    finally:
        for replica in replicas:
            await replica.dispose()
    assert len(set(codes)) == 24
    serials = sorted(int(code[-9:-1]) for code in codes)
    assert serials == list(range(1, 25))
    assert all(code.startswith("PDR2026R310000") and is_valid_code(code) for code in codes)


async def test_code_format_is_a_setting(apps, clean):
    rules = RegistrationRules(code_format="{region}-{kind}-{year}-{serial:05d}-", code_series="{region}")
    async with apps.registry.state.db.sessions.begin() as session:
        code = await issue_code(session, rules, registration_id="r", subject_type="product", subject_id="s",
                                region_code="440300", today=date(2027, 1, 4))
    assert code[:-1] == "440300-P-2027-00001-" and is_valid_code(code)
