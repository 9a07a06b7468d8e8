"""The exact bytes of a ledger leaf: RFC 8785 (JCS) canonical JSON of the entry.

Service code hands ``record`` plain Python (Decimals, datetimes, enums, pydantic models); ``to_json`` maps
them onto JSON first, because JCS only knows JSON's types. Money stays exact: a ``Decimal`` becomes its
string, never a float.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import rfc8785
from pydantic import BaseModel

__all__ = ["canonical_bytes", "format_time", "to_json"]


def format_time(value: datetime) -> str:
    """RFC 3339 UTC with microseconds and a ``Z``: one spelling, so the same instant is the same bytes."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_json(value: Any) -> Any:  # noqa: PLR0911 (one return per kind of value, in order)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, BaseModel):
        return to_json(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_json(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [to_json(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    raise TypeError(f"cannot record a {type(value).__name__} in the ledger")


def canonical_bytes(value: Any) -> bytes:
    return rfc8785.dumps(to_json(value))
