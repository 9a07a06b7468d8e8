"""The declarative base of the registry service: one metadata, the shared naming convention."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from services.kernel.db import make_metadata

__all__ = ["RegistryTable", "metadata"]

metadata = make_metadata()


class RegistryTable(SQLModel, registry=registry(metadata=metadata)):
    pass
