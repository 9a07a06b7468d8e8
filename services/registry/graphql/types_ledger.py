"""GraphQL types of the ledger (entries with inclusion proofs) and of the query log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from services.kernel.problems import BadRequest
from services.kernel.timeutil import as_utc

from ..ledger import merkle
from ..ledger.sth import b64
from .relay import Node, to_global_id

__all__ = ["InclusionProof", "LedgerEntry", "QueryLogEntry", "current_tree_size"]


async def current_tree_size(info: Info) -> int:
    return await info.context.loaders.tree_size.load(None)


@strawberry.type(description="RFC 9162 §2.1.3 inclusion proof (base64 hashes, leaf side first).")
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: str
    path: list[str]


@strawberry.type
class Actor:
    subject: str
    org: str | None


@strawberry.type(description="One ledger entry; leafInput is the exact RFC 8785 bytes hashed into the tree.")
class LedgerEntry(Node):
    sequence: int
    leaf_index: int
    time: datetime
    action: str
    subject_type: str
    subject_id: str
    actor: Actor | None
    data: JSON
    leaf_input: str
    leaf_hash: str

    @classmethod
    def of(cls, row: Any) -> LedgerEntry:
        document = orjson.loads(row.leaf_input)
        actor = document.get("actor")
        return cls(id=to_global_id("LedgerEntry", row.sequence), sequence=row.sequence, leaf_index=row.sequence - 1,
                   time=as_utc(row.recorded_at), action=row.action, subject_type=row.subject_type,
                   subject_id=row.subject_id, actor=Actor(**actor) if actor else None, data=document.get("data"),
                   leaf_input=b64(row.leaf_input), leaf_hash=b64(row.leaf_hash))

    @strawberry.field(description="Inclusion proof in the tree of tree_size entries (default: the current tree).")
    async def inclusion_proof(self, info: Info, tree_size: int | None = None) -> InclusionProof:
        size = tree_size if tree_size is not None else await current_tree_size(info)
        if not self.leaf_index < size <= await current_tree_size(info):
            raise BadRequest(f"No tree of size {size} contains entry {self.leaf_index}.", slug="leaf-out-of-range")
        wanted = sorted(merkle.inclusion_nodes(self.leaf_index, size))
        hashes = await info.context.loaders.tree_node.load_many(wanted)
        path = merkle.inclusion_proof(self.leaf_index, size, dict(zip(wanted, hashes, strict=True)))
        return InclusionProof(leaf_index=self.leaf_index, tree_size=size, leaf_hash=self.leaf_hash,
                              path=[b64(h) for h in path])


@strawberry.type(description="One GraphQL operation run by an auditor or admin.")
class QueryLogEntry(Node):
    at: datetime
    subject: str
    org_id: str | None
    roles: list[str]
    operation_name: str | None
    operation_type: str
    query: str = strawberry.field(description="The text as run; for a refused operation, its first characters.")
    query_sha256: str = strawberry.field(description="SHA-256 (hex) of the whole text as sent.")
    query_length: int = strawberry.field(description="Characters of the whole text as sent.")
    variables: JSON
    allowed: bool
    refusal: str | None = strawberry.field(description="Why it did not run: a problem slug (query-too-long, "
                                           "role-required) or a GraphQL error code (QUERY_TOO_COSTLY...).")
    error_count: int

    @classmethod
    def of(cls, row: Any) -> QueryLogEntry:
        return cls(id=to_global_id("QueryLogEntry", row.id), at=as_utc(row.at), subject=row.subject,
                   org_id=row.org_id, roles=list(row.roles), operation_name=row.operation_name,
                   operation_type=row.operation_type, query=row.query, query_sha256=row.query_sha256,
                   query_length=row.query_length, variables=row.variables, allowed=row.allowed,
                   refusal=row.refusal, error_count=row.error_count)
