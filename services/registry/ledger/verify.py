"""Offline verification of a ledger or an evidence bundle: pure, shared by ``pdr ledger verify`` and tests.

``LeafTree`` recomputes every leaf hash and builds the tree level by level (one list comprehension per
level, so a million leaves cost about two million SHA-256 calls and little else); it keeps the levels, so
the root of any earlier size — a saved tree head — is O(log n) more work.

Formats (JSON; hashes and leaf inputs base64):

* ledger export (JSON Lines): line 1 ``{"format": "pdr-ledger-export/1", "sth": …, "jwks": …}``, then one
  ``{"leaf_index": i, "leaf_input": …, "leaf_hash": …}`` per entry in order;
* evidence bundle: ``{"format": "pdr-evidence/1", "subject_type", "subject_id", "sth", "jwks",
  "entries": [{"leaf_index", "leaf_input", "leaf_hash", "inclusion_proof": [...]}]}``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import merkle
from .sth import SignedTreeHead, SthError, unb64, verify_tree_head

__all__ = [
    "EVIDENCE_FORMAT",
    "EXPORT_FORMAT",
    "LeafTree",
    "Report",
    "check_saved_head",
    "first_mismatch",
    "verify_evidence",
    "verify_ledger",
]

EXPORT_FORMAT = "pdr-ledger-export/1"
EVIDENCE_FORMAT = "pdr-evidence/1"


@dataclass
class Report:
    ok: bool = True
    tree_size: int = 0
    root_hash: str | None = None
    first_bad_entry: int | None = None
    problems: list[str] = field(default_factory=list)
    sth: dict[str, Any] | None = None

    def fail(self, problem: str, entry: int | None = None) -> None:
        self.ok = False
        self.problems.append(problem)
        if entry is not None and (self.first_bad_entry is None or entry < self.first_bad_entry):
            self.first_bad_entry = entry


class LeafTree:
    """All leaves and every level of the RFC 9162 tree over them."""

    def __init__(self, leaf_inputs: Sequence[bytes]) -> None:
        sha = hashlib.sha256
        self.leaves = [sha(b"\x00" + data).digest() for data in leaf_inputs]
        self.levels = [self.leaves]
        level = self.leaves
        while len(level) > 1:
            # Pairing left to right and carrying an odd last node up gives exactly MTH's split at the largest
            # power of two: every paired node is a perfect subtree.
            up = [sha(b"\x01" + a + b).digest() for a, b in zip(level[0::2], level[1::2], strict=False)]
            if len(level) & 1:
                up.append(level[-1])
            self.levels.append(up)
            level = up

    @property
    def size(self) -> int:
        return len(self.leaves)

    def node(self, key: tuple[int, int]) -> bytes:
        level, index = key
        return self.levels[level][index]

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        if size > self.size:
            raise ValueError(f"only {self.size} leaves, no root of size {size}")
        return merkle.subtree_hash(0, size, self.node)


def first_mismatch(computed: Sequence[bytes], claimed: Sequence[bytes | None]) -> int | None:
    """Index of the first leaf whose recomputed hash differs from the hash the source claims."""
    if list(computed) == list(claimed):
        return None
    for index, (mine, theirs) in enumerate(zip(computed, claimed, strict=False)):
        if theirs is not None and mine != theirs:
            return index
    return None


def check_saved_head(report: Report, tree: LeafTree, saved: dict[str, Any], jwks: dict[str, Any]) -> None:
    """The ledger now must extend the tree head an auditor saved earlier (RFC 9162 append-only property)."""
    try:
        head = verify_tree_head(saved, jwks)
    except SthError as exc:
        report.fail(f"saved tree head: {exc}")
        return
    if head.tree_size > tree.size:
        report.fail(f"the ledger has {tree.size} entries, fewer than the saved head's {head.tree_size}")
    elif tree.root(head.tree_size) != unb64(head.root_hash):
        report.fail(f"the first {head.tree_size} entries no longer hash to the saved tree head's root")


def _decode_entry(raw: dict[str, Any]) -> tuple[int, bytes, bytes | None]:
    return int(raw["leaf_index"]), unb64(raw["leaf_input"]), unb64(raw["leaf_hash"]) if raw.get("leaf_hash") else None


def verify_evidence(bundle: dict[str, Any], jwks: dict[str, Any]) -> Report:
    """Each entry is about the bundle's subject, hashes to its leaf, and is included in the signed tree head."""
    report = Report()
    try:
        head: SignedTreeHead = verify_tree_head(bundle.get("sth") or {}, jwks)
    except SthError as exc:
        report.fail(f"tree head: {exc}")
        return report
    report.tree_size, report.root_hash = head.tree_size, head.root_hash
    root = unb64(head.root_hash)
    entries = bundle.get("entries") or []
    if not entries:
        report.fail("the bundle has no entries")
    for raw in entries:
        try:
            index, leaf_input, claimed = _decode_entry(raw)
            proof = [unb64(p) for p in raw.get("inclusion_proof", [])]
            document = json.loads(leaf_input)
        except (KeyError, TypeError, ValueError) as exc:
            report.fail(f"entry is malformed: {exc}", raw.get("leaf_index") if isinstance(raw, dict) else None)
            continue
        leaf = merkle.leaf_hash(leaf_input)
        if claimed is not None and claimed != leaf:
            report.fail(f"entry {index}: leaf_hash does not match its leaf_input", index)
        subject = (document.get("subject_type"), document.get("subject_id"))
        if subject != (bundle.get("subject_type"), bundle.get("subject_id")):
            report.fail(f"entry {index} is about another subject", index)
        if document.get("sequence") != index + 1:
            report.fail(f"entry {index} claims sequence {document.get('sequence')}", index)
        if not merkle.verify_inclusion(leaf, index, head.tree_size, proof, root):
            report.fail(f"entry {index} is not included in the signed tree head", index)
    return report


def _check_documents(report: Report, leaf_inputs: Sequence[bytes]) -> None:
    for index, data in enumerate(leaf_inputs):
        try:
            sequence = json.loads(data).get("sequence")
        except (ValueError, AttributeError):
            sequence = None
        if sequence != index + 1:
            report.fail(f"entry {index} is not a ledger entry with sequence {index + 1}", index)
            return


def verify_ledger(leaf_inputs: Sequence[bytes], claimed: Sequence[bytes | None] | None, sth: dict[str, Any],
                  jwks: dict[str, Any], saved_head: dict[str, Any] | None = None,
                  deep: bool = False) -> tuple[Report, LeafTree]:
    """Recompute every leaf and the root; check the signed head, and the saved head if one is given.

    ``deep`` also parses every leaf as JSON and checks its sequence (several times slower than hashing).
    """
    report = Report()
    try:
        head = verify_tree_head(sth, jwks)
    except SthError as exc:
        report.fail(f"tree head: {exc}")
        head = None
    tree = LeafTree(leaf_inputs)
    report.tree_size, report.root_hash = tree.size, base64.b64encode(tree.root()).decode()
    if claimed is not None:
        bad = first_mismatch(tree.leaves, claimed)
        if bad is not None:
            report.fail(f"entry {bad}: its leaf_input does not hash to the leaf_hash the registry stored", bad)
    if deep:
        _check_documents(report, leaf_inputs)
    if head is not None:
        if head.tree_size != tree.size:
            report.fail(f"the signed tree head covers {head.tree_size} entries, the ledger has {tree.size}")
        elif tree.root() != unb64(head.root_hash):
            report.fail("the entries do not hash to the signed tree head's root")
    if saved_head is not None:
        check_saved_head(report, tree, saved_head, jwks)
    return report, tree
