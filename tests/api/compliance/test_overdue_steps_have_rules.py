"""One source of truth (issue 14, DOMAIN §5): every step the registration view can show as overdue has a
compliance rule that opens a finding on that registration, and the deadline rules find nothing the view hides.

The view's steps are enumerated over every registration type and state, with every deadline past, each step
either done late or not done, and with or without a renewal filed; each row goes to a real database, the
registration view and the compliance sweep read it, and the two must agree.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product

from sqlalchemy import select

from services.kernel.timeutil import china_today
from services.registry.compliance.models import ComplianceRecord
from services.registry.registration.models import Registration
from services.registry.registration.workflow import REGISTRATION_TYPES, STATES

TODAY = china_today()
# The spec: the rule that records each overdue step the view shows (REG Arts. 9, 9(1), 9(4), 10, 11, 12, 15).
RULE_OF_STEP = {
    ("filing", "first"): "REG-FIRST-LATE",
    ("filing", "change"): "REG-CHANGE-LATE",
    "acceptance": "REG-ACCEPTANCE-OVERDUE",
    "review": "REG-REVIEW-OVERDUE",
    "processing": "REG-CANCELLATION-OVERDUE",
    "notice": "REG-NOTICE-OVERDUE",
    "renewal": "REG-EXPIRED-NOT-RENEWED",
}
DEADLINE_RULES = set(RULE_OF_STEP.values())


def _rule(step: str, kind: str) -> str:
    return RULE_OF_STEP.get((step, kind)) or RULE_OF_STEP[step]


async def test_every_overdue_step_the_view_can_show_opens_a_finding_of_its_rule(registry_client, people, apps):
    org, past = "org-overdue", TODAY - timedelta(days=30)
    now = datetime.now(UTC)
    rows: list[Registration] = []
    for kind, state, done, renewed in product(REGISTRATION_TYPES, STATES, (False, True), (False, True)):
        done_at = now if done else None
        rows.append(Registration(
            subject_type="resource", subject_id=f"s-{kind}-{state}", type=kind, state=state, org_id=org,
            data_name="数据", materials_digest="0" * 64, submitted_at=now, filed_at=now, created_by="t",
            filing_due_on=past, acceptance_due_on=past, review_due_on=past, processing_due_on=past,
            notice_ends_on=past, valid_from=past - timedelta(days=1000), valid_until=past,
            accepted_at=done_at, reviewed_at=done_at, decided_at=done_at))
        if renewed:
            rows.append(Registration(
                subject_type="resource", subject_id=f"s-{kind}-{state}", type="renewal", state="under_review",
                org_id=org, data_name="数据", materials_digest="0" * 64, submitted_at=now, filed_at=now,
                created_by="t", previous_id=rows[-1].id))
    async with apps.registry.state.db.sessions.begin() as session:
        session.add_all(rows)
    registrar, admin = await people.person("registrar"), await people.person("admin")
    shown: dict[str, list[str]] = {}
    cursor = None
    while True:
        page = await registry_client.get("/registrations", params={"limit": 200, **({"cursor": cursor} if cursor
                                                                                       else {})},
                                         headers=registrar.headers)
        assert page.status_code == 200, page.text
        shown |= {r["id"]: r["overdue"] for r in page.json()["items"]}
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert (await registry_client.post("/compliance/sweep", json={}, headers=admin.headers)).status_code == 200
    async with apps.registry.state.db.sessions() as session:
        found = (await session.execute(select(ComplianceRecord.subject_id, ComplianceRecord.rule_id).where(
            ComplianceRecord.status == "open", ComplianceRecord.rule_id.in_(DEADLINE_RULES)))).all()
    findings: dict[str, set[str]] = {}
    for subject_id, rule_id in found:
        findings.setdefault(subject_id, set()).add(rule_id)
    kinds = {r.id: r.type for r in rows}
    steps_seen = set()
    for registration_id, steps in shown.items():
        steps_seen.update(steps)
        expected = {_rule(step, kinds[registration_id]) for step in steps}
        assert findings.get(registration_id, set()) == expected, (kinds[registration_id], registration_id, steps)
    # The enumeration reaches every step the view knows, so none is left without a rule.
    assert steps_seen == {"filing", "acceptance", "review", "processing", "notice", "renewal"}
