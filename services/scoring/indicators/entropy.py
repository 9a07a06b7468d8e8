"""Entropy weight method (Shannon entropy, as used for MADM by Zeleny 1982 and Hwang & Yoon 1981), and the
combination of expert (AHP or declared) and data-driven weights. DOMAIN §4.1. Pure functions; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["EntropyResult", "combine_weights", "entropy_weights"]


@dataclass(frozen=True)
class EntropyResult:
    weights: tuple[float, ...]
    entropies: tuple[float, ...]
    divergences: tuple[float, ...]

    def as_json(self) -> dict:
        return {
            "weights": [round(w, 6) for w in self.weights],
            "entropies": [round(e, 6) for e in self.entropies],
            "divergences": [round(d, 6) for d in self.divergences],
        }


def entropy_weights(matrix: list[list[float]]) -> EntropyResult:
    """Rows are alternatives, columns criteria, all values ≥ 0 (normalize first if a criterion can be negative).

    p_ij = x_ij / Σ_i x_ij; e_j = −(1/ln m) Σ_i p_ij ln p_ij (0 ln 0 = 0); d_j = 1 − e_j; w_j = d_j / Σ d_j.
    A criterion on which every alternative is equal carries no information (d_j = 0). When no criterion
    discriminates at all, the weights are equal rather than undefined.
    """
    x = np.asarray(matrix, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 1:
        raise ValueError("the entropy method needs at least two alternatives and one criterion")
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise ValueError("the entropy method needs finite, non-negative values")
    m, n = x.shape
    totals = x.sum(axis=0)
    safe = np.where(totals > 0, totals, 1.0)
    p = np.where(totals > 0, x / safe, 1.0 / m)  # an all-zero column is as uninformative as an equal one
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(axis=0) / np.log(m)
    d = np.clip(1.0 - e, 0.0, None)
    weights = d / d.sum() if d.sum() > 1e-12 else np.full(n, 1.0 / n)
    return EntropyResult(tuple(map(float, weights)), tuple(map(float, e)), tuple(map(float, d)))


def combine_weights(expert: list[float], data: list[float], alpha: float) -> tuple[float, ...]:
    """Linear combination w = α·expert + (1 − α)·data, renormalized; α = 1 is pure expert judgement."""
    if len(expert) != len(data) or not expert:
        raise ValueError("both weight vectors must name the same criteria")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError("alpha must lie in [0, 1]")
    combined = [alpha * a + (1 - alpha) * b for a, b in zip(expert, data, strict=True)]
    total = sum(combined)
    if total <= 0:
        raise ValueError("the combined weights sum to zero")
    return tuple(c / total for c in combined)
