"""The log of GraphQL operations: every query an auditor or admin runs, queryable by admins.

What it keeps is bounded whatever the caller sends: an operation that ran keeps its text (at most
``max_query_length`` characters, the intake refuses longer ones); a refused one keeps an excerpt, the SHA-256
digest and the length of the whole text, and the reason it was refused (``query_log.entry``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, Index, Text
from sqlmodel import Field

from services.kernel.timeutil import new_id, utcnow

from ..tables import RegistryTable

__all__ = ["QueryLog"]


class QueryLog(RegistryTable, table=True):
    __tablename__ = "graphql_query_log"
    __table_args__ = (Index("ix_graphql_query_log_subject_at", "subject", "at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    subject: str = Field(max_length=200)
    org_id: str | None = Field(default=None, max_length=64)
    roles: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    operation_name: str | None = Field(default=None, max_length=200)
    operation_type: str = Field(max_length=20)
    query: str = Field(sa_column=Column(Text, nullable=False))  # whole if it ran, an excerpt if refused
    query_sha256: str = Field(max_length=64)  # hex digest of the whole text as sent (UTF-8)
    query_length: int = 0  # characters of the whole text
    variables: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    allowed: bool = True
    refusal: str | None = Field(default=None, max_length=64)  # why it did not run: a problem slug or error code
    error_count: int = 0
