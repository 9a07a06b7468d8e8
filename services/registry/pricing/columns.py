"""Exact decimal columns: stored as scaled integers so SQLite (which has no decimal type) keeps every fen."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Column
from sqlalchemy.types import TypeDecorator

__all__ = ["ScaledDecimal", "money_column", "rate_column"]


class ScaledDecimal(TypeDecorator):
    """A ``Decimal`` with ``places`` decimal places kept as an integer count of 10^-places units."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int) -> None:
        super().__init__()
        self.places = places
        self.unit = Decimal(1).scaleb(-places)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        scaled = Decimal(value).scaleb(self.places)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(scaled)

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value).scaleb(-self.places).quantize(self.unit)


def money_column(nullable: bool = False) -> Column:
    return Column(ScaledDecimal(2), nullable=nullable)


def rate_column(nullable: bool = False) -> Column:
    return Column(ScaledDecimal(4), nullable=nullable)
