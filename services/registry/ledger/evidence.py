"""Signed tree heads and evidence bundles, assembled from the tables (no HTTP types here)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.jose_keys import SigningKey

from . import merkle
from .sth import SignedTreeHead, b64, sign_tree_head
from .tree import entries_for_subject, fetch_nodes, read_head
from .verify import EVIDENCE_FORMAT

__all__ = ["current_sth", "evidence_bundle"]


async def current_sth(session: AsyncSession, signer: SigningKey) -> SignedTreeHead:
    head = await read_head(session)
    return sign_tree_head(head.size, int(time.time() * 1000), head.root_hash, signer)


async def evidence_bundle(session: AsyncSession, signer: SigningKey, jwks: dict[str, Any],
                          subject_type: str, subject_id: str) -> dict[str, Any]:
    """Every entry about one subject, each with its inclusion proof in one signed tree head."""
    head = await read_head(session)
    entries = [e for e in await entries_for_subject(session, subject_type, subject_id) if e.sequence <= head.size]
    wanted: set[tuple[int, int]] = set()
    for entry in entries:
        wanted |= merkle.inclusion_nodes(entry.leaf_index, head.size)
    nodes = await fetch_nodes(session, wanted)  # one query for every proof in the bundle
    sth = sign_tree_head(head.size, int(time.time() * 1000), head.root_hash, signer)
    return {
        "format": EVIDENCE_FORMAT,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "sth": sth.model_dump(),
        "jwks": jwks,
        "entries": [{
            "leaf_index": e.leaf_index,
            "sequence": e.sequence,
            "leaf_input": b64(e.leaf_input),
            "leaf_hash": b64(e.leaf_hash),
            "inclusion_proof": [b64(h) for h in merkle.inclusion_proof(e.leaf_index, head.size, nodes)],
        } for e in entries],
    }
