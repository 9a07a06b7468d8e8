"""The evaluation engine: raw indicator values of a set of peers → normalized scores, dimension scores, a total
on 0–100, a grade, a rank, and each indicator's contribution. Pure and deterministic: peers are processed in
subject order and every figure is rounded, so the same model and inputs always give the same result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..indicators.entropy import combine_weights, entropy_weights
from ..indicators.loader import expert_weights
from ..indicators.normalize import normalize_column
from ..indicators.schema import Dimension, IndicatorSystem

__all__ = ["PeerInput", "SubjectResult", "evaluate_peers"]

PLACES = 4


@dataclass(frozen=True)
class PeerInput:
    subject_id: str
    values: dict[str, float | None]  # indicator code → raw value (None: not available)
    kind: str | None = None  # the organization's kind; None (a region, or unknown): every indicator applies


@dataclass
class SubjectResult:
    subject_id: str
    total: float
    grade: str
    rank: int
    dimensions: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    explanation: list[dict[str, Any]] = field(default_factory=list)


def _indicator_weights(dim: Dimension, scores: list[list[float]]) -> tuple[list[float], dict[str, Any]]:
    """Weights of the indicators inside one dimension, and how they were found (for the explanation)."""
    method = dim.weighting.method
    expert, ahp = expert_weights(dim.weighting, [i.weight for i in dim.indicators])
    detail: dict[str, Any] = {"method": method}
    if ahp is not None:
        detail["ahp"] = ahp.as_json()
    if method in ("entropy", "combined"):
        if len(scores) >= 2:
            data = entropy_weights(scores)
            detail["entropy"] = data.as_json()
            weights = list(data.weights) if method == "entropy" else list(
                combine_weights(expert, list(data.weights), dim.weighting.alpha))
        else:
            # One subject carries no dispersion to learn from: the expert weights stand alone.
            detail["entropy"] = None
            weights = expert
    else:
        weights = expert
    return [round(w, 6) for w in weights], detail


def _ranks(totals: list[float]) -> list[int]:
    """Competition ranking (1, 2, 2, 4): peers with equal totals share a rank."""
    ordered = sorted(totals, reverse=True)
    return [ordered.index(t) + 1 for t in totals]


def evaluate_peers(system: IndicatorSystem, peers: list[PeerInput]) -> tuple[list[SubjectResult], dict[str, Any]]:
    """Evaluate every peer of one run; returns the results (in subject order) and the run's weights."""
    peers = sorted(peers, key=lambda p: p.subject_id)
    n = len(peers)
    dim_weights, dim_ahp = expert_weights(system.weighting, [d.weight for d in system.dimensions])
    weights_doc: dict[str, Any] = {
        "dimensions": {d.code: round(w, 6) for d, w in zip(system.dimensions, dim_weights, strict=True)},
        "dimension_method": system.weighting.method,
        "dimension_ahp": dim_ahp.as_json() if dim_ahp else None,
        "indicators": {},
    }
    per_subject: list[list[dict[str, Any]]] = [[] for _ in peers]
    dim_scores: list[list[dict[str, Any]]] = [[] for _ in peers]
    # Only what applies to a subject is weighed: the weights of what does are scaled up to carry the whole,
    # inside each dimension and across the dimensions (an agency is not scored on products it cannot make).
    applies = [[[ind.applies(p.kind) for ind in d.indicators] for d in system.dimensions] for p in peers]
    dim_share = []
    for k in range(n):
        held = [w for w, mask in zip(dim_weights, applies[k], strict=True) if any(mask)]
        if len(held) == len(dim_weights):
            dim_share.append(1.0)  # everything applies: the weights as the model gives them
        else:
            dim_share.append(1.0 / sum(held) if held and sum(held) > 0 else 0.0)
    for j, (d, big_w) in enumerate(zip(system.dimensions, dim_weights, strict=True)):
        columns = []
        for ind in d.indicators:
            raw = [p.values.get(ind.code) for p in peers]
            columns.append(normalize_column(raw, method=ind.normalization.method, direction=ind.direction,
                                            target=ind.normalization.target, cap=ind.normalization.cap))
        rows = [[col[k] for col in columns] for k in range(n) if any(applies[k][j])]
        weights, detail = _indicator_weights(d, rows)
        weights_doc["indicators"][d.code] = {"weights": dict(zip((i.code for i in d.indicators), weights,
                                                                 strict=True)), **detail}
        for k, peer in enumerate(peers):
            mask = applies[k][j]
            held = sum(w for w, on in zip(weights, mask, strict=True) if on)
            big = big_w * dim_share[k] if held > 0 else 0.0
            dim_score = 0.0
            for ind, w, col, on in zip(d.indicators, weights, columns, mask, strict=True):
                local = w / held if on and held > 0 else 0.0
                s = col[k] if on else 0.0
                contribution = 100.0 * big * local * s
                dim_score += local * s
                per_subject[k].append({
                    "code": ind.code, "name": ind.name, "dimension": d.code, "unit": ind.unit,
                    "source": ind.source.kind, "value": peer.values.get(ind.code), "normalized": s,
                    "weight": round(local, 6), "global_weight": round(big * local, 6),
                    "contribution": round(contribution, PLACES),
                    "shortfall": round(100.0 * big * local - contribution, PLACES),
                    "missing": on and peer.values.get(ind.code) is None, "applicable": on,
                })
            dim_scores[k].append({"code": d.code, "name": d.name, "weight": round(big, 6),
                                  "score": round(100.0 * dim_score, PLACES),
                                  "contribution": round(100.0 * big * dim_score, PLACES), "applicable": held > 0})
    totals = [round(sum(item["contribution"] for item in dims), 2) for dims in dim_scores]
    ranks = _ranks(totals)
    results = []
    for k, peer in enumerate(peers):
        explanation = sorted(per_subject[k], key=lambda i: (-i["contribution"], i["code"]))
        results.append(SubjectResult(
            subject_id=peer.subject_id, total=totals[k], grade=system.grade(totals[k]), rank=ranks[k],
            dimensions=dim_scores[k], indicators=per_subject[k],
            explanation=[{"code": i["code"], "contribution": i["contribution"], "shortfall": i["shortfall"]}
                         for i in explanation],
        ))
    return results, weights_doc
