"""Demo data of registration for ``pdr up --demo``: every resource and product of ``demo_subjects``, described by
its owner and taken as far through the first registration as its fate says (file, accept, approve, close notice):
resources before the operation step, products after it.

A coded subject is walked on the dates it names, a few weeks back: the registry in demo mode takes the date of
a registration step from ``X-PDR-Demo-Date``, so the 10 working days of public notice are over by today and
the registration is in force now. A subject left in notice is filed today; once its notice has ended, a later
start closes it, as the registrar would. Holders report once when they last refreshed their registered data.
Idempotent: subjects are found by name, a draft is only completed (empty fields filled), and each registration
step is taken only from the state that needs it.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import httpx

from .demo_client import DemoDates, DemoFailed, DemoRegistry, Tokens
from .demo_subjects import EVIDENCE, SUBJECTS, DemoSubject

__all__ = ["product_registration_demo", "registration_demo"]

ENDED = {"withdrawn", "refused", "terminated"}
PLURAL = {"resource": "resources", "product": "products"}
STARTED = {"resource": "operation_started_on", "product": "delivered_at"}


def _filed_on(subject: DemoSubject, dates: DemoDates) -> date:
    return dates.ago(subject.filed_days_ago) if subject.fate == "coded" else dates.today


def _wanted(subject: DemoSubject, dates: DemoDates, ids: dict[str, str]) -> dict:
    fields = dict(subject.body)
    if subject.lead_days is not None:
        fields[STARTED[subject.kind]] = (_filed_on(subject, dates) - timedelta(days=subject.lead_days)).isoformat()
    if subject.sources:
        fields["resource_ids"] = [ids[name] for name in subject.sources]
    return fields


def _registrations(api: DemoRegistry, subject: DemoSubject, subject_id: str) -> list[dict]:
    """The subject's registrations that still count, newest first."""
    listed = api.get(subject.owner, "/registrations", subject_id=subject_id)["items"]
    return [r for r in listed if r["state"] not in ENDED]


def _describe(api: DemoRegistry, subject: DemoSubject, wanted: dict) -> tuple[dict, list[dict]]:
    plural = PLURAL[subject.kind]
    current = api.owned(subject.owner, plural).get(subject.name)
    if current is None:
        if subject.imported:
            raise DemoFailed(f"demo: {subject.name} should have come in with {subject.owner}'s catalogue")
        return api.post(subject.owner, f"/{plural}", wanted), []
    registrations = _registrations(api, subject, current["id"])
    empty = {k: v for k, v in wanted.items() if current.get(k) in (None, "", [], {})}
    if empty and current["status"] == "draft" and not registrations:
        current = api.patch(subject.owner, f"/{plural}/{current['id']}", empty)
    return current, registrations


def _walk(api: DemoRegistry, subject: DemoSubject, described: dict, registrations: list[dict],
          dates: DemoDates) -> str:
    """Take the first registration as far as the subject's fate; returns where it stands."""
    coded = subject.fate == "coded"
    filed_on = _filed_on(subject, dates)
    if registrations:
        registration = registrations[0]
    elif described["status"] != "draft":
        return described["status"]
    else:
        registration = api.post(subject.owner, "/registrations", {
            "subject_type": subject.kind, "subject_id": described["id"], "type": "first", "attachments": EVIDENCE},
            on=filed_on if coded else None)
    if registration["type"] != "first":
        return described["status"]  # a later registration (the cancellation in operation_demo) has taken over
    rid = registration["id"]
    if registration["state"] == "submitted":
        registration = api.post("registrar", f"/registrations/{rid}/accept", on=filed_on if coded else None)
    if registration["state"] == "under_review":
        registration = api.post("registrar", f"/registrations/{rid}/approve",
                                on=filed_on + timedelta(days=1) if coded else None)
    if registration["state"] == "in_notice":
        ends = date.fromisoformat(registration["deadlines"]["notice_ends_on"])
        if coded:
            registration = api.post("registrar", f"/registrations/{rid}/close-notice", on=ends + timedelta(days=1))
        elif ends < dates.today:
            registration = api.post("registrar", f"/registrations/{rid}/close-notice")
    return registration["state"]


def _refresh(api: DemoRegistry, subject: DemoSubject, described: dict, dates: DemoDates) -> None:
    """Report the data's last refresh once: afterwards its age grows with the days, as it would."""
    if subject.refreshed_days_ago is not None and not described.get("data_updated_on"):
        api.post(subject.owner, f"/resources/{described['id']}/data-updates",
                 {"updated_on": dates.ago(subject.refreshed_days_ago).isoformat()})


def _registration_step(urls: dict[str, str], tokens: Tokens, kind: str) -> None:
    dates = DemoDates()
    ids: dict[str, str] = {}
    states: Counter[str] = Counter()
    with httpx.Client(base_url=urls["registry"], timeout=30) as client:
        api = DemoRegistry(client, tokens)
        for subject in SUBJECTS:
            described, registrations = _describe(api, subject, _wanted(subject, dates, ids))
            ids[subject.name] = described["id"]
            if subject.kind != kind:
                continue
            if subject.fate == "draft" and not registrations:
                states[described["status"]] += 1
            else:
                states[_walk(api, subject, described, registrations, dates)] += 1
            _refresh(api, subject, described, dates)
    print(f"registration demo, {kind}s: " + ", ".join(f"{n} {state}" for state, n in sorted(states.items())))


def registration_demo(urls: dict[str, str], tokens: Tokens) -> None:
    """Describe every resource and product; register the resources (agreements name registered ones only)."""
    _registration_step(urls, tokens, "resource")


def product_registration_demo(urls: dict[str, str], tokens: Tokens) -> None:
    """Register the products, after the agreements that list them: validity ends with the agreement (Art. 15)."""
    _registration_step(urls, tokens, "product")
