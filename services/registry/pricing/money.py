"""Money is ``Decimal`` yuan with fen (two places), never float.

Products of a Decimal amount and a rate can carry more than two places; they are rounded once, half up, to fen
(the rounding Chinese invoicing uses), at the point where the law produces an amount.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated

from pydantic import Field

__all__ = ["FEN", "Money", "Rate", "is_fen", "to_fen", "yuan"]

FEN = Decimal("0.01")

# A non-negative amount in yuan with at most two decimal places; up to a trillion yuan.
Money = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2, allow_inf_nan=False)]
# A rate in percent (e.g. 7.68 for 7.68 %), four decimal places at most.
Rate = Annotated[Decimal, Field(ge=0, le=100, max_digits=8, decimal_places=4, allow_inf_nan=False)]


def to_fen(value: Decimal) -> Decimal:
    """Round to fen, half up."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def is_fen(value: Decimal) -> bool:
    try:
        return value == value.quantize(FEN)
    except InvalidOperation:
        return False


def yuan(text: str | int | Decimal) -> Decimal:
    """An exact amount from text or an integer; refuses float so a binary fraction never enters."""
    if isinstance(text, float):
        raise TypeError("money is never a float")
    value = Decimal(text)
    if not is_fen(value):
        raise ValueError(f"{text} has more than two decimal places")
    return value.quantize(FEN)
