"""Normalization of raw indicator values to scores in [0, 1], per the indicator's declared method and direction.

Three methods (issue 6, DOMAIN §4.1): min-max across the peers of one run, target-based, and logarithmic.
Target and logarithmic scores depend on the value alone, so equal peers are not all given full marks; the
default model uses them wherever a bound exists (docs/scoring-indicators.md).
Pure functions; each returns floats rounded to 6 places so that a re-run reproduces the stored result exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["normalize_column"]

PLACES = 6


def _minmax(values: Sequence[float], higher: bool) -> list[float]:
    lo, hi = min(values), max(values)
    if hi == lo:
        # No spread among the peers tells nothing about merit: equal peers score what the value itself earns,
        # full marks for something (higher is better) or for nothing (lower is better), none otherwise.
        earned = hi > 0 if higher else hi <= 0
        return [1.0 if earned else 0.0 for _ in values]
    span = hi - lo
    return [(v - lo) / span if higher else (hi - v) / span for v in values]


def _target(values: Sequence[float], higher: bool, target: float) -> list[float]:
    out = []
    for v in values:
        if higher:
            out.append(1.0 if v >= target else max(v, 0.0) / target)
        else:
            # At or below the target is full marks; above it, the score falls as target / value.
            out.append(1.0 if v <= target else target / v)
    return out


def _log(values: Sequence[float], higher: bool, cap: float) -> list[float]:
    top = math.log1p(cap)
    out = []
    for v in values:
        s = min(math.log1p(max(v, 0.0)) / top, 1.0)
        out.append(s if higher else 1.0 - s)
    return out


def normalize_column(
    values: Sequence[float | None], *, method: str, direction: str, target: float | None = None,
    cap: float | None = None,
) -> list[float]:
    """Scores for one indicator across the peers; a missing value (None) scores 0."""
    present = [v for v in values if v is not None]
    higher = direction == "higher"
    if not present:
        return [0.0 for _ in values]
    if method == "minmax":
        scored = _minmax(present, higher)
    elif method == "target":
        scored = _target(present, higher, float(target))  # type: ignore[arg-type]
    elif method == "log":
        scored = _log(present, higher, float(cap))  # type: ignore[arg-type]
    else:
        raise ValueError(f"unknown normalization {method!r}")
    it = iter(scored)
    return [0.0 if v is None else round(min(max(next(it), 0.0), 1.0), PLACES) for v in values]
