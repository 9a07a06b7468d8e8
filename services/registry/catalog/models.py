"""The catalog index: one denormalized row per resource or product, kept in step with the registry tables.

The row carries what search filters, facets and the DCAT-AP export need, plus the *analysed* text (see
``cjk.py``). The full-text structures are engine-specific and created by migration 0003, not declared here:

- SQLite: ``catalog_fts``, an FTS5 external-content table over ``title_tokens``/``body_tokens``, fed by
  triggers on this table (so a DELETE of entries also empties the index);
- PostgreSQL: ``tsv``, a ``tsvector`` built from the same tokens (title weight A, body weight B, see
  ``cjk.tsvector_literal``) with a GIN index. It stays NULL on SQLite.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlmodel import Field

from services.kernel.timeutil import utcnow

from ..tables import RegistryTable

__all__ = ["CatalogEntry", "CatalogState"]

# SQLite only auto-increments an INTEGER PRIMARY KEY (it is the rowid FTS5 joins on).
_SEQ = BigInteger().with_variant(Integer(), "sqlite")


class CatalogEntry(RegistryTable, table=True):
    __tablename__ = "catalog_entries"
    __table_args__ = (
        Index("ix_catalog_entries_subject", "subject_type", "subject_id", unique=True),
        Index("ix_catalog_entries_status_seq", "status", "seq"),
        # CKAN's listing order, metadata_modified desc (registry/ckan/query.py; migration 0009).
        Index("ix_catalog_entries_status_updated", "status", "updated_at", "seq"),
    )

    seq: int | None = Field(default=None, sa_column=Column(_SEQ, primary_key=True, autoincrement=True))
    subject_type: str = Field(max_length=10)  # resource | product
    subject_id: str = Field(max_length=32)
    org_id: str = Field(max_length=64, index=True)
    org_name: str = Field(max_length=200)
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    # Region and domain have few values: a filter on them rides the full-text or newest-first scan.
    region_code: str = Field(default="", max_length=6)
    domain: str = Field(default="", max_length=100)
    update_frequency: str = Field(default="", max_length=50)
    sharing_attribute: str = Field(default="", max_length=20)
    opening_attribute: str = Field(default="", max_length=20)
    grading: str = Field(default="", max_length=20)
    form: str = Field(default="", max_length=20)  # products only
    use_type: str = Field(default="", max_length=20)  # products only
    status: str = Field(max_length=20)
    title_tokens: str = Field(default="", sa_column=Column(Text, nullable=False))
    body_tokens: str = Field(default="", sa_column=Column(Text, nullable=False))
    tsv: str | None = Field(default=None, sa_column=Column(TSVECTOR().with_variant(Text(), "sqlite"), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class CatalogState(RegistryTable, table=True):
    """One row: the catalogue's version, moved by every change of an entry in the change's own transaction
    (catalog/sync.py ``bump_version``). A conditional search compares it instead of scanning the entries."""

    __tablename__ = "catalog_state"

    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
