"""Response models of the ledger API (hashes and leaf inputs base64, as RFC 9162 presents them)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .models import LedgerEntry
from .sth import b64

__all__ = ["ConsistencyProofOut", "EntriesOut", "EntryOut", "EvidenceBundleOut", "InclusionProofOut"]


class EntryOut(BaseModel):
    leaf_index: int = Field(description="0-based position in the Merkle tree (sequence - 1).")
    sequence: int
    leaf_input: str = Field(description="Base64 of the exact bytes hashed: RFC 8785 canonical JSON of the entry.")
    leaf_hash: str = Field(description="Base64 SHA-256(0x00 || leaf_input).")

    @classmethod
    def of(cls, entry: LedgerEntry) -> EntryOut:
        return cls(leaf_index=entry.leaf_index, sequence=entry.sequence, leaf_input=b64(entry.leaf_input),
                   leaf_hash=b64(entry.leaf_hash))


class EntriesOut(BaseModel):
    entries: list[EntryOut]


class InclusionProofOut(BaseModel):
    leaf_index: int
    tree_size: int
    inclusion_path: list[str] = Field(description="Base64 node hashes, leaf side first (RFC 9162 §2.1.3).")


class ConsistencyProofOut(BaseModel):
    first: int
    second: int
    consistency_path: list[str] = Field(description="Base64 node hashes (RFC 9162 §2.1.4).")


class EvidenceEntryOut(EntryOut):
    inclusion_proof: list[str]


class EvidenceBundleOut(BaseModel):
    format: str
    subject_type: str
    subject_id: str
    sth: dict
    jwks: dict
    entries: list[EvidenceEntryOut]
