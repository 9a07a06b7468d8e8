"""Evaluation runs: gather each peer's facts and submitted values, snapshot them with a digest, evaluate the
peers together (ranks are within the run), store every result; re-check a stored run against its snapshot."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import NotFound
from services.kernel.regions import region_label
from services.kernel.security import Principal
from services.kernel.timeutil import china_today

from ..contract import Agreement, AnnualReport, Finding, Product, Record, Registration, Resource
from ..digest import digest
from ..directory import Org
from ..indicators.store import get_system
from ..mirror.consumer import feed_state
from ..mirror.reads import collector_paused, mirrored_payloads, typed
from ..records import Evaluation, EvaluationRun, RegistryRecord, SubmittedValue
from .compute import PeerInput, evaluate_peers
from .facts import Period, RecordSet, facts_for, in_region, region_prefix

__all__ = ["get_run", "load_facts", "mark_outdated", "members_of", "record_set", "replay", "run_evaluation"]

KIND_LISTS = {Resource: "resources", Product: "products", Registration: "registrations", Agreement: "agreements",
              AnnualReport: "reports", Finding: "findings"}


async def members_of(session: AsyncSession, kind: str, ids: list[str],
                     directory: dict[str, Org] | None = None) -> dict[str, set[str]]:
    """The organizations each subject stands for: itself; or, for a region, those the directory locates in it
    and those whose records lie in it (GB/T 2260 prefix)."""
    if kind == "organization":
        return {i: {i} for i in ids}
    located = (await session.execute(select(RegistryRecord.org_id, RegistryRecord.region_code).where(
        or_(*(RegistryRecord.region_code.startswith(region_prefix(r)) for r in ids)),
        RegistryRecord.org_id.is_not(None), RegistryRecord.deleted.is_(False)).distinct())).all()
    located += [(o.id, o.region_code) for o in (directory or {}).values()]
    return {r: {org for org, code in located if in_region(code, r)} for r in ids}


def record_set(records: list[Record]) -> tuple[RecordSet, dict[str, str]]:
    """The records by kind, and each organization's name as the registry spells it."""
    lists: dict[str, list] = defaultdict(list)
    names: dict[str, str] = {}
    for record in records:
        lists[KIND_LISTS[type(record)]].append(record)
        if isinstance(record, Resource | Product):
            names.setdefault(record.org_id, record.org_name)
        elif isinstance(record, Agreement | AnnualReport):
            names.setdefault(record.operator_org_id, record.operator_org_name)
    return RecordSet(**lists), names


def _facts(payloads, members: dict[str, set[str]], span: Period) -> tuple[dict[str, dict], dict[str, str]]:
    records, names = record_set(typed(payloads))
    return {subject: facts_for(records, orgs, span) for subject, orgs in members.items()}, names


async def load_facts(session: AsyncSession, members: dict[str, set[str]],
                     span: Period) -> tuple[dict[str, dict[str, float | None]], dict[str, str]]:
    """Each subject's facts, from the typed records of its organizations and every agreement (an agency is party
    to agreements over its resources that others signed); and each organization's name."""
    orgs = set().union(*members.values()) if members else set()
    payloads = await mirrored_payloads(session, RegistryRecord.deleted.is_(False),
                                       or_(RegistryRecord.org_id.in_(orgs), RegistryRecord.kind == "agreement"))
    with collector_paused():  # the records are built, used and dropped inside (mirror/reads.py)
        return _facts(payloads, members, span)



async def run_evaluation(session: AsyncSession, principal: Principal, *, subject_kind: str,
                         subject_ids: list[str], period: str, model_version: str,
                         directory: dict[str, Org] | None = None, today: date | None = None) -> EvaluationRun:
    """``directory``: auth's organizations by id, for names and regions (the records' own when it is empty)."""
    span = Period.of(period, today or china_today())
    system, version = await get_system(session, model_version)
    ids = sorted(set(subject_ids))
    members = await members_of(session, subject_kind, ids, directory)
    facts_of, org_names = await load_facts(session, members, span)
    org_names.update((o.id, o.name) for o in (directory or {}).values())
    submitted = (await session.execute(select(SubmittedValue).where(
        SubmittedValue.subject_kind == subject_kind, SubmittedValue.subject_id.in_(ids),
        SubmittedValue.period == period))).scalars()
    evidence: dict[str, dict[str, Any]] = defaultdict(dict)
    for s in submitted:
        evidence[s.subject_id][s.indicator_code] = {
            "value": s.value, "evidence_sha256": s.evidence_sha256, "evidence_name": s.evidence_name,
            "submitted_by": s.submitted_by, "submitted_org": s.submitted_org,
            "submitted_at": s.submitted_at.isoformat()}
    snapshot: dict[str, Any] = {"model_version": version.version, "model_digest": version.digest,
                                "period": period, "as_of": span.end.isoformat(), "provisional": span.provisional,
                                "subject_kind": subject_kind, "subjects": {}}
    for subject in ids:
        facts = facts_of[subject]
        values: dict[str, float | None] = {}
        for _, ind in system.indicators:
            if ind.source.kind == "computed":
                values[ind.code] = facts[ind.source.fact]  # type: ignore[index]
            else:
                values[ind.code] = evidence[subject].get(ind.code, {}).get("value")
        org = (directory or {}).get(subject) if subject_kind == "organization" else None
        snapshot["subjects"][subject] = {"values": values, "submitted": evidence.get(subject, {}),
                                         "members": sorted(members[subject]), "kind": org.kind if org else None}
    results, weights = evaluate_peers(system, [PeerInput(s, snapshot["subjects"][s]["values"],
                                                         snapshot["subjects"][s]["kind"]) for s in ids])
    cursor = (await feed_state(session)).cursor
    run = EvaluationRun(subject_kind=subject_kind, period=period, model_version=version.version, weights=weights,
                        inputs=snapshot, inputs_digest=digest(snapshot), feed_cursor=cursor,
                        created_by=principal.subject, as_of=span.end, provisional=span.provisional)
    session.add(run)
    for r in results:
        for item in r.indicators:  # who submitted a value, and the digest of the evidence behind it
            if item["source"] == "submitted" and item["code"] in evidence[r.subject_id]:
                item["evidence"] = {k: v for k, v in evidence[r.subject_id][item["code"]].items() if k != "value"}
        name = org_names.get(r.subject_id, r.subject_id) if subject_kind == "organization" else region_label(
            r.subject_id)
        session.add(Evaluation(
            run_id=run.id, subject_kind=subject_kind, subject_id=r.subject_id, subject_name=name[:200],
            owner_org=r.subject_id if subject_kind == "organization" else None, period=period,
            model_version=version.version, total=r.total, grade=r.grade, rank=r.rank, peers=len(results),
            dimensions=r.dimensions, indicators=r.indicators, explanation=r.explanation,
            inputs_digest=digest(snapshot["subjects"][r.subject_id]), provisional=span.provisional))
    await session.flush()
    return run


async def get_run(session: AsyncSession, run_id: str) -> tuple[EvaluationRun, list[Evaluation]]:
    run = await session.get(EvaluationRun, run_id)
    if run is None:
        raise NotFound("No such evaluation run.", slug="run-not-found")
    rows = (await session.execute(select(Evaluation).where(Evaluation.run_id == run_id)
                                  .order_by(Evaluation.rank, Evaluation.subject_id))).scalars()
    return run, list(rows)


async def replay(session: AsyncSession, run: EvaluationRun, stored: list[Evaluation]) -> dict[str, Any]:
    """Recompute a run from its own snapshot: same model version + same inputs must give the same result."""
    system, _ = await get_system(session, run.model_version)
    subjects = run.inputs.get("subjects", {})
    results, _ = evaluate_peers(system, [PeerInput(s, v["values"], v.get("kind")) for s, v in subjects.items()])
    recomputed = {r.subject_id: (r.total, r.grade, r.rank, r.dimensions) for r in results}
    kept = {e.subject_id: (e.total, e.grade, e.rank, e.dimensions) for e in stored}
    return {"run_id": run.id, "inputs_digest": run.inputs_digest, "digest_matches": digest(run.inputs)
            == run.inputs_digest, "results_match": recomputed == kept,
            "totals": {s: t[0] for s, t in sorted(recomputed.items())}}


async def mark_outdated(session: AsyncSession, org_ids: set[str]) -> None:
    """Evaluations whose inputs a registry change touched: the organizations' own, and every region's (a
    region's members are whoever has records in it, which the change itself may have moved)."""
    if org_ids:
        await session.execute(update(Evaluation).where(
            or_(Evaluation.owner_org.in_(org_ids), Evaluation.subject_kind == "region"),
            Evaluation.outdated.is_(False)).values(outdated=True))
