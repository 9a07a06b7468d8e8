"""The declarative base of the scoring service: one metadata, the shared naming convention."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from services.kernel.db import make_metadata

__all__ = ["ScoringTable", "metadata"]

metadata = make_metadata()


class ScoringTable(SQLModel, registry=registry(metadata=metadata)):
    pass
