"""Analytic Hierarchy Process (Saaty): weights from a pairwise comparison matrix, with its consistency ratio.

DOMAIN §4.1 accepts expert weights only when the judgements are consistent enough: CR < 0.1 (Saaty's rule).
Pure functions; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CR_LIMIT", "RANDOM_INDEX", "AhpResult", "InconsistentJudgements", "ahp_weights", "check_reciprocal"]

# Saaty's random consistency index RI(n) (Saaty 1980, The Analytic Hierarchy Process, table 1.7):
# the mean CI of random reciprocal matrices of order n.
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49,
                11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59}
CR_LIMIT = 0.1
MAX_ORDER = max(RANDOM_INDEX)


class InconsistentJudgements(ValueError):
    """The matrix is a valid reciprocal matrix, but its CR is at or above the limit."""

    def __init__(self, result: AhpResult) -> None:
        super().__init__(f"consistency ratio {result.consistency_ratio:.4f} is not below {CR_LIMIT}")
        self.result = result


@dataclass(frozen=True)
class AhpResult:
    weights: tuple[float, ...]
    lambda_max: float
    consistency_index: float
    random_index: float
    consistency_ratio: float

    @property
    def consistent(self) -> bool:
        return self.consistency_ratio < CR_LIMIT

    def as_json(self) -> dict:
        return {
            "weights": [round(w, 6) for w in self.weights],
            "lambda_max": round(self.lambda_max, 6),
            "consistency_index": round(self.consistency_index, 6),
            "random_index": self.random_index,
            "consistency_ratio": round(self.consistency_ratio, 6),
        }


def check_reciprocal(matrix: list[list[float]], tolerance: float = 1e-3) -> np.ndarray:
    """A pairwise matrix is square, positive, has ones on the diagonal and a_ji = 1 / a_ij."""
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0] if a.ndim == 2 else 0
    if a.ndim != 2 or a.shape != (n, n) or not 1 <= n <= MAX_ORDER:
        raise ValueError(f"the pairwise matrix must be square, of order 1 to {MAX_ORDER}")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError("every judgement must be a positive number")
    if not np.allclose(np.diag(a), 1.0):
        raise ValueError("the diagonal of a pairwise matrix is 1 (each item equals itself)")
    # Judgements such as 1/3 are often written 0.333: accept them within a relative tolerance.
    if not np.allclose(a * a.T, 1.0, rtol=0, atol=tolerance * 3):
        raise ValueError("the matrix is not reciprocal: a[j][i] must equal 1 / a[i][j]")
    return a


def ahp_weights(matrix: list[list[float]], *, require_consistent: bool = True) -> AhpResult:
    """Principal right eigenvector, normalized to sum 1; CI = (λmax − n)/(n − 1); CR = CI / RI(n)."""
    a = check_reciprocal(matrix)
    n = a.shape[0]
    if n <= 2:  # any 1x1 or 2x2 reciprocal matrix is perfectly consistent
        values = a[:, 0] if n == 1 else np.array([a[0, 1], 1.0])
        weights = values / values.sum()
        return AhpResult(tuple(float(w) for w in weights), float(n), 0.0, 0.0, 0.0)
    eigenvalues, eigenvectors = np.linalg.eig(a)
    k = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[k].real)
    vector = np.abs(eigenvectors[:, k].real)  # Perron vector: one sign, made positive
    weights = vector / vector.sum()
    ci = max(0.0, (lambda_max - n) / (n - 1))
    ri = RANDOM_INDEX[n]
    result = AhpResult(tuple(float(w) for w in weights), lambda_max, ci, ri, ci / ri)
    if require_consistent and not result.consistent:
        raise InconsistentJudgements(result)
    return result
