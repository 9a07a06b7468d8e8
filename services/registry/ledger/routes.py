"""Ledger HTTP API: signed tree head, entries, RFC 9162 proofs, evidence bundles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from services.kernel.db import SessionDep

from . import evidence, tree
from .access import LedgerReader
from .schemas import ConsistencyProofOut, EntriesOut, EntryOut, EvidenceBundleOut, InclusionProofOut
from .sth import SignedTreeHead, b64

__all__ = ["router"]

router = APIRouter(prefix="/ledger", tags=["ledger"])
PROBLEM = {"content": {"application/problem+json": {}}}
READ_ERRORS = {
    401: {"description": "No or bad token", **PROBLEM},
    403: {"description": "Not an auditor, admin or feed client", **PROBLEM},
    422: {"description": "Invalid parameters", **PROBLEM},
}
RANGE_ERRORS = {**READ_ERRORS, 400: {"description": "Sizes or indexes outside the tree", **PROBLEM}}
INDEX = Query(ge=0, le=2**62)
SIZE = Query(ge=1, le=2**62)


@router.get("/sth", response_model=SignedTreeHead, responses={422: READ_ERRORS[422]},
            operation_id="get_signed_tree_head")
async def signed_tree_head(request: Request, session: SessionDep) -> SignedTreeHead:
    """Current signed tree head (anyone may fetch and keep it)."""
    return await evidence.current_sth(session, request.app.state.signer)


@router.get("/entries", response_model=EntriesOut, responses=RANGE_ERRORS)
async def get_entries(session: SessionDep, _: LedgerReader, start: Annotated[int, INDEX],
                      end: Annotated[int, INDEX]) -> EntriesOut:
    """Entries start..end inclusive (0-based leaf indexes, at most 1000 per call)."""
    return EntriesOut(entries=[EntryOut.of(e) for e in await tree.entries_by_index(session, start, end)])


@router.get("/proof/inclusion", response_model=InclusionProofOut, responses=RANGE_ERRORS)
async def get_inclusion_proof(session: SessionDep, _: LedgerReader, leaf_index: Annotated[int, INDEX],
                              tree_size: Annotated[int, SIZE]) -> InclusionProofOut:
    """Inclusion proof of one leaf in the tree of the given size (RFC 9162 §2.1.3)."""
    path = await tree.inclusion_proof(session, leaf_index, tree_size)
    return InclusionProofOut(leaf_index=leaf_index, tree_size=tree_size, inclusion_path=[b64(h) for h in path])


@router.get("/proof/consistency", response_model=ConsistencyProofOut, responses=RANGE_ERRORS)
async def get_consistency_proof(session: SessionDep, _: LedgerReader, first: Annotated[int, SIZE],
                                second: Annotated[int, SIZE]) -> ConsistencyProofOut:
    """Consistency proof between two tree sizes (RFC 9162 §2.1.4)."""
    path = await tree.consistency_proof(session, first, second)
    return ConsistencyProofOut(first=first, second=second, consistency_path=[b64(h) for h in path])


@router.get("/evidence/{subject_type}/{subject_id}", response_model=EvidenceBundleOut,
            responses={**READ_ERRORS, 404: {"description": "No entries for this subject", **PROBLEM}})
async def get_evidence_bundle(
    request: Request, session: SessionDep, _: LedgerReader,
    subject_type: Annotated[str, Path(min_length=1, max_length=64)],
    subject_id: Annotated[str, Path(min_length=1, max_length=200)],
) -> EvidenceBundleOut:
    """Evidence bundle of one subject: its entries, their inclusion proofs and a signed tree head."""
    bundle = await evidence.evidence_bundle(session, request.app.state.signer,
                                            {"keys": request.app.state.registry_jwks}, subject_type, subject_id)
    return EvidenceBundleOut.model_validate(bundle)
