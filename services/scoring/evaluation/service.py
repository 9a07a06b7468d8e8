"""Evaluation runs: gather each peer's facts and submitted values, snapshot them with a digest, evaluate the
peers together (ranks are within the run), store every result; re-check a stored run against its snapshot."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import NotFound
from services.kernel.security import Principal

from ..digest import digest
from ..indicators.store import get_system
from ..mirror.consumer import feed_state
from ..records import Evaluation, EvaluationRun, RegistryRecord, SubmittedValue
from .compute import PeerInput, evaluate_peers
from .facts import facts_for, in_region, region_prefix

__all__ = ["get_run", "mark_outdated", "replay", "run_evaluation", "subject_records"]


async def subject_records(session: AsyncSession, kind: str, ids: list[str]) -> dict[str, dict[str, list[dict]]]:
    """Each subject's mirrored records by kind. A region holds the records of organizations located in it."""
    if kind == "organization":
        rows = (await session.execute(select(RegistryRecord).where(
            RegistryRecord.org_id.in_(ids), RegistryRecord.deleted.is_(False)))).scalars()
        owner = {i: [i] for i in ids}
        by_org_rows = list(rows)
    else:
        located = (await session.execute(select(RegistryRecord.org_id, RegistryRecord.region_code).where(
            or_(*(RegistryRecord.region_code.startswith(region_prefix(r)) for r in ids)),
            RegistryRecord.org_id.is_not(None)).distinct())).all()
        owner = {r: sorted({org for org, code in located if in_region(code, r)}) for r in ids}
        orgs = {org for members in owner.values() for org in members}
        by_org_rows = list((await session.execute(select(RegistryRecord).where(
            RegistryRecord.org_id.in_(orgs), RegistryRecord.deleted.is_(False))))
            .scalars()) if orgs else []
    by_org: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for row in sorted(by_org_rows, key=lambda r: (r.kind, r.record_id)):
        by_org[row.org_id][row.kind].append({"id": row.record_id, **row.payload})
    out: dict[str, dict[str, list[dict]]] = {}
    for subject, members in owner.items():
        merged: dict[str, list[dict]] = defaultdict(list)
        for org in members:
            for k, items in by_org.get(org, {}).items():
                merged[k].extend(items)
        out[subject] = dict(merged)
    return out


def _names(records: dict[str, dict[str, list[dict]]], kind: str) -> dict[str, str]:
    if kind == "region":
        return {r: r for r in records}
    names = {}
    for subject, by_kind in records.items():
        found = next((r.get("org_name") or r.get("operator_org_name") for items in by_kind.values() for r in items
                      if r.get("org_name") or r.get("operator_org_name")), None)
        names[subject] = found or subject
    return names


async def run_evaluation(session: AsyncSession, principal: Principal, *, subject_kind: str,
                         subject_ids: list[str], period: str, model_version: str) -> EvaluationRun:
    system, version = await get_system(session, model_version)
    ids = sorted(set(subject_ids))
    records = await subject_records(session, subject_kind, ids)
    submitted = (await session.execute(select(SubmittedValue).where(
        SubmittedValue.subject_kind == subject_kind, SubmittedValue.subject_id.in_(ids),
        SubmittedValue.period == period))).scalars()
    evidence: dict[str, dict[str, Any]] = defaultdict(dict)
    for s in submitted:
        evidence[s.subject_id][s.indicator_code] = {"value": s.value, "evidence_sha256": s.evidence_sha256}
    snapshot: dict[str, Any] = {"model_version": version.version, "model_digest": version.digest,
                                "period": period, "subject_kind": subject_kind, "subjects": {}}
    agreements = [{"id": r.record_id, **r.payload} for r in (await session.execute(select(RegistryRecord).where(
        RegistryRecord.kind == "agreement", RegistryRecord.deleted.is_(False)))).scalars()]
    for subject in ids:
        facts = facts_for(records.get(subject, {}), period, agreements)
        values: dict[str, float | None] = {}
        for _, ind in system.indicators:
            if ind.source.kind == "computed":
                values[ind.code] = facts[ind.source.fact]  # type: ignore[index]
            else:
                values[ind.code] = evidence[subject].get(ind.code, {}).get("value")
        snapshot["subjects"][subject] = {"values": values, "submitted": evidence.get(subject, {})}
    results, weights = evaluate_peers(system, [PeerInput(s, snapshot["subjects"][s]["values"]) for s in ids])
    cursor = (await feed_state(session)).cursor
    run = EvaluationRun(subject_kind=subject_kind, period=period, model_version=version.version, weights=weights,
                        inputs=snapshot, inputs_digest=digest(snapshot), feed_cursor=cursor,
                        created_by=principal.subject)
    session.add(run)
    names = _names(records, subject_kind)
    for r in results:
        session.add(Evaluation(
            run_id=run.id, subject_kind=subject_kind, subject_id=r.subject_id, subject_name=names[r.subject_id][:200],
            owner_org=r.subject_id if subject_kind == "organization" else None, period=period,
            model_version=version.version, total=r.total, grade=r.grade, rank=r.rank, peers=len(results),
            dimensions=r.dimensions, indicators=r.indicators, explanation=r.explanation,
            inputs_digest=digest(snapshot["subjects"][r.subject_id])))
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
    results, _ = evaluate_peers(system, [PeerInput(s, v["values"]) for s, v in subjects.items()])
    recomputed = {r.subject_id: (r.total, r.grade, r.rank, r.dimensions) for r in results}
    kept = {e.subject_id: (e.total, e.grade, e.rank, e.dimensions) for e in stored}
    return {"run_id": run.id, "inputs_digest": run.inputs_digest, "digest_matches": digest(run.inputs)
            == run.inputs_digest, "results_match": recomputed == kept,
            "totals": {s: t[0] for s, t in sorted(recomputed.items())}}


async def mark_outdated(session: AsyncSession, org_ids: set[str]) -> None:
    if org_ids:
        await session.execute(update(Evaluation).where(
            Evaluation.owner_org.in_(org_ids), Evaluation.outdated.is_(False)).values(outdated=True))
