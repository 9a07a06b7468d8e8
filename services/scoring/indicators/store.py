"""Published indicator system versions: the shipped default plus those administrators publish."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import Conflict, NotFound, Unprocessable
from services.kernel.security import Principal

from ..records import IndicatorModelRow
from .ahp import InconsistentJudgements
from .loader import DEFAULT_VERSION, SHIPPED, ModelError, default_model, default_yaml, parse_model
from .schema import IndicatorSystem

__all__ = ["ModelVersion", "get_system", "inconsistent_problem", "list_versions", "parse_or_problem", "publish"]


class ModelVersion:
    def __init__(self, version: str, name: str, document: str, digest: str, published_by: str,
                 published_at: datetime | None) -> None:
        self.version, self.name, self.document, self.digest = version, name, document, digest
        self.published_by, self.published_at = published_by, published_at


def _default(version: str = DEFAULT_VERSION) -> ModelVersion:
    text = default_yaml(version)
    return ModelVersion(version, default_model(version).name, text, hashlib.sha256(text.encode()).hexdigest(),
                        "system", None)


def inconsistent_problem(exc: InconsistentJudgements) -> Unprocessable:
    """422 naming the consistency ratio, with λmax, CI, RI and the weights the judgements would have given."""
    cr = round(exc.result.consistency_ratio, 4)
    return Unprocessable(f"An AHP pairwise matrix is inconsistent: CR = {cr} (must be below 0.1).",
                         slug="ahp-inconsistent", **{**exc.result.as_json(), "consistency_ratio": cr})


def parse_or_problem(text: str) -> IndicatorSystem:
    """Parse a model; an invalid one is 422 with the fields, an inconsistent AHP matrix 422 naming its CR."""
    try:
        return parse_model(text)
    except InconsistentJudgements as exc:
        raise inconsistent_problem(exc) from None
    except ModelError as exc:
        raise Unprocessable(str(exc), slug="invalid-model", errors=exc.errors) from None
    except ValueError as exc:  # a malformed pairwise matrix
        raise Unprocessable(str(exc), slug="invalid-model") from None


async def get_system(session: AsyncSession, version: str) -> tuple[IndicatorSystem, ModelVersion]:
    if version in SHIPPED:
        return default_model(version), _default(version)
    row = await session.get(IndicatorModelRow, version)
    if row is None:
        raise NotFound(f"No indicator model version {version!r}.", slug="model-not-found")
    return parse_model(row.document), ModelVersion(row.version, row.name, row.document, row.digest,
                                                   row.published_by, row.published_at)


async def list_versions(session: AsyncSession) -> list[ModelVersion]:
    rows = (await session.execute(select(IndicatorModelRow).order_by(IndicatorModelRow.published_at))).scalars()
    return [_default(v) for v in SHIPPED] + [ModelVersion(r.version, r.name, r.document, r.digest, r.published_by,
                                        r.published_at) for r in rows]


async def publish(session: AsyncSession, principal: Principal, text: str) -> ModelVersion:
    """Versions are immutable: a score names the version it used, so a version can never change under it."""
    system = parse_or_problem(text)
    if system.version in SHIPPED or await session.get(IndicatorModelRow, system.version) is not None:
        raise Conflict(f"Indicator model version {system.version!r} already exists; publish a new version.",
                       slug="model-version-exists", version=system.version)
    row = IndicatorModelRow(version=system.version, name=system.name, document=text,
                            digest=hashlib.sha256(text.encode()).hexdigest(), published_by=principal.subject)
    session.add(row)
    await session.flush()
    return ModelVersion(row.version, row.name, row.document, row.digest, row.published_by,
                        row.published_at)
