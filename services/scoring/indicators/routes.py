"""Indicator models (versions, publication) and the weighting methods (AHP, entropy, combination)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import ValidationError

from services.kernel.db import SessionDep
from services.kernel.problems import Forbidden, Unprocessable
from services.kernel.security import CurrentPrincipal

from ..schemas import AhpIn, AhpOut, CombinedIn, EntropyIn, EntropyOut, ModelIn, ModelOut, ModelSummary
from .ahp import InconsistentJudgements, ahp_weights
from .entropy import combine_weights, entropy_weights
from .loader import expert_weights
from .store import ModelVersion, get_system, inconsistent_problem, list_versions, publish

__all__ = ["router"]

router = APIRouter(tags=["indicator models"])
PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: {"description": "No valid token", **PROBLEM}, 403: {"description": "Not allowed", **PROBLEM},
          422: {"description": "Invalid input, or CR ≥ 0.1", **PROBLEM}}


def _summary(v: ModelVersion) -> ModelSummary:
    return ModelSummary(version=v.version, name=v.name, digest=v.digest, published_by=v.published_by,
                        published_at=v.published_at)


@router.get("/indicator-models", responses=ERRORS)
async def list_models(session: SessionDep, principal: CurrentPrincipal) -> list[ModelSummary]:
    """Every indicator model version, the shipped default first."""
    return [_summary(v) for v in await list_versions(session)]


@router.get("/indicator-models/{version}", responses={**ERRORS, 404: {"description": "No such version", **PROBLEM}})
async def get_model(version: str, session: SessionDep, principal: CurrentPrincipal) -> ModelOut:
    """One indicator model version: its YAML and its resolved expert weights."""
    system, v = await get_system(session, version)
    dims, _ = expert_weights(system.weighting, [d.weight for d in system.dimensions])
    weights = {d.code: {"weight": round(w, 6), "indicators": dict(zip(
        (i.code for i in d.indicators), (round(x, 6) for x in expert_weights(
            d.weighting, [i.weight for i in d.indicators])[0]), strict=True))}
        for d, w in zip(system.dimensions, dims, strict=True)}
    return ModelOut(**_summary(v).model_dump(), document=v.document, weights=weights)


@router.post("/indicator-models", status_code=201,
             responses={**ERRORS, 409: {"description": "Version exists", **PROBLEM}})
async def publish_model(data: ModelIn, session: SessionDep, principal: CurrentPrincipal) -> ModelSummary:
    """Publish a new indicator model version (administrators)."""
    if principal.client or not principal.has_role("admin"):
        raise Forbidden("Only administrators publish indicator models.", slug="role-required")
    return _summary(await publish(session, principal, data.document))


def _value_error(exc: ValueError) -> Unprocessable:
    return Unprocessable(str(exc), slug="invalid-matrix")


@router.post("/weights/ahp", responses=ERRORS)
async def weights_ahp(data: AhpIn, principal: CurrentPrincipal) -> AhpOut:
    """AHP weights of a pairwise matrix (principal eigenvector, CI, RI, CR); CR ≥ 0.1 is refused."""
    try:
        return AhpOut(**ahp_weights(data.matrix).as_json())
    except InconsistentJudgements as exc:
        raise inconsistent_problem(exc) from None
    except (ValueError, ValidationError) as exc:
        raise _value_error(exc) from None


@router.post("/weights/entropy", responses=ERRORS)
async def weights_entropy(data: EntropyIn, principal: CurrentPrincipal) -> EntropyOut:
    """Entropy weights of a decision matrix (rows alternatives, columns criteria)."""
    if len({len(row) for row in data.matrix}) != 1:
        raise Unprocessable("Every row must have the same number of criteria.", slug="invalid-matrix")
    try:
        return EntropyOut(**entropy_weights(data.matrix).as_json())
    except ValueError as exc:
        raise _value_error(exc) from None


@router.post("/weights/combined", responses=ERRORS)
async def weights_combined(data: CombinedIn, principal: CurrentPrincipal) -> list[float]:
    """Combine expert and data weights: alpha·expert + (1 − alpha)·data, renormalized."""
    try:
        return [round(w, 6) for w in combine_weights(data.expert, data.data, data.alpha)]
    except ValueError as exc:
        raise _value_error(exc) from None
