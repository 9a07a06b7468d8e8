"""Ledger tables: append-only entries, the perfect-subtree nodes of the Merkle tree, and the tree head.

``ledger_entries`` and ``ledger_nodes`` are only ever inserted into. ``ledger_head`` is the single row
appends lock (``SELECT … FOR UPDATE``) so registry replicas sharing one PostgreSQL serialize their appends
and the sequence stays gap-free; it also holds the frontier (the peaks of the perfect subtrees, largest
first) so an append reads one row instead of walking the tree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, LargeBinary, SmallInteger, String
from sqlmodel import Field

from ..tables import RegistryTable

__all__ = ["HEAD_ID", "LedgerEntry", "LedgerHead", "LedgerNode"]

HEAD_ID = 1


class LedgerEntry(RegistryTable, table=True):
    """One state change. ``leaf_input`` is the RFC 8785 canonical JSON of the whole entry: the bytes hashed."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_subject", "subject_type", "subject_id", "sequence"),
        Index("ix_ledger_entries_recorded_at", "recorded_at"),
    )

    # 1-based; leaf index in the Merkle tree is sequence - 1.
    sequence: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    actor_subject: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    actor_org: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    action: str = Field(sa_column=Column(String(100), nullable=False, index=True))
    subject_type: str = Field(sa_column=Column(String(64), nullable=False))
    subject_id: str = Field(sa_column=Column(String(200), nullable=False))
    leaf_input: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    leaf_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))

    @property
    def leaf_index(self) -> int:
        return self.sequence - 1


class LedgerNode(RegistryTable, table=True):
    """A perfect subtree: covers leaves [index·2^level, (index+1)·2^level). Immutable once written."""

    __tablename__ = "ledger_nodes"
    level: int = Field(sa_column=Column(SmallInteger, primary_key=True, autoincrement=False))
    index: int = Field(sa_column=Column("idx", BigInteger, primary_key=True, autoincrement=False))
    hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))


class LedgerHead(RegistryTable, table=True):
    """The current tree: size, frontier (concatenated 32-byte peaks, largest subtree first) and root."""

    __tablename__ = "ledger_head"
    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    frontier: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    root_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
