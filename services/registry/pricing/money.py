"""Money is ``Decimal`` yuan with fen (two places), never float.

Products of a Decimal amount and a rate can carry more than two places; they are rounded once, half up, to fen
(the rounding Chinese invoicing uses), at the point where the law produces an amount.

Amounts and rates come in as plain decimal text ("12.50", "0", "7.68") or a JSON integer. Everything else a
decimal parser would take is refused with 422, because each has published something other than what was
meant: an exponent ("1e3" became "1E+3" on the price list), a JSON fraction (a binary float: 0.1 is not
0.1), more places than the type keeps ("1.230"), NaN or Infinity, digits of other scripts ("٣"), spaces
or underscores. A zero written with a sign ("-0", "-0.00") is zero: it is stored and published unsigned
(明码标价 shows "0", never "-0").
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

__all__ = ["FEN", "Money", "Rate", "SignedMoney", "is_fen", "plain_decimal", "to_fen", "yuan"]

FEN = Decimal("0.01")
# Longer text is no amount the types below keep (15 digits at most); refused before Decimal parses it.
_MAX_TEXT = 40


def _pattern(places: int) -> str:
    return rf"^-?(0|[1-9][0-9]*)(\.[0-9]{{1,{places}}})?$"


def plain_decimal(places: int):
    """A before-validator: plain decimal text with at most ``places`` places, a JSON integer, or a Decimal."""
    text = re.compile(_pattern(places))

    def check(value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("an amount is a number written as text, e.g. \"12.50\"")
        if isinstance(value, (int, Decimal)):
            return value
        if isinstance(value, float):
            raise ValueError("write the amount as text, e.g. \"12.50\": a JSON number with a point or an exponent "
                             "is a binary float")
        if isinstance(value, str) and len(value) <= _MAX_TEXT and text.fullmatch(value):
            return Decimal(value)
        raise ValueError(f"write the amount as plain decimal digits with at most {places} places, e.g. \"12.50\" "
                         "(no exponent, spaces, separators or plus sign)")

    return BeforeValidator(check)


def _unsigned_zero(value: Decimal) -> Decimal:
    return value.copy_abs() if value.is_zero() else value


def _schema(places: int, minimum: int | None) -> WithJsonSchema:
    integer: dict[str, Any] = {"type": "integer"} if minimum is None else {"type": "integer", "minimum": minimum}
    return WithJsonSchema({"anyOf": [{"type": "string", "pattern": _pattern(places)}, integer],
                           "examples": ["12.50"]})


# A non-negative amount in yuan with at most two decimal places; up to a trillion yuan.
Money = Annotated[Decimal, plain_decimal(2), Field(ge=0, max_digits=15, decimal_places=2, allow_inf_nan=False),
                  AfterValidator(_unsigned_zero), _schema(2, 0)]
# An amount that may be negative (a loss), same form and bounds.
SignedMoney = Annotated[Decimal, plain_decimal(2), Field(ge=-10**13, le=10**13, max_digits=15, decimal_places=2,
                                                         allow_inf_nan=False), AfterValidator(_unsigned_zero),
                        _schema(2, None)]
# A rate in percent (e.g. 7.68 for 7.68 %), four decimal places at most.
Rate = Annotated[Decimal, plain_decimal(4), Field(ge=0, le=100, max_digits=8, decimal_places=4, allow_inf_nan=False),
                 AfterValidator(_unsigned_zero), _schema(4, 0)]


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
