"""RFC 9162 §2.1 Merkle tree hashing, pure: no database, no I/O.

Hashes follow the RFC exactly so any independent implementation can check our proofs::

    MTH({})        = SHA-256()
    leaf hash      = SHA-256(0x00 || leaf_input)
    node hash      = SHA-256(0x01 || left || right)
    MTH(D[n])      = node(MTH(D[0:k]), MTH(D[k:n])),  k = largest power of two < n

The tree is kept as *perfect subtrees*: node ``(level, index)`` covers leaves
``[index·2^level, (index+1)·2^level)``. Such a node never changes once its leaves exist, so appending is
O(log n) (combine with the left siblings on the frontier) and every hash the RFC's proof algorithms need
is either a stored perfect subtree or a right-edge subtree folded from O(log n) of them
(``subtree_ranges``). Proof generation is written against a ``node lookup`` so the database layer can fetch
exactly the nodes it needs in one query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

__all__ = [
    "EMPTY_ROOT",
    "ProofError",
    "append_frontier",
    "consistency_nodes",
    "consistency_proof",
    "frontier_root",
    "inclusion_nodes",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "perfect_ranges",
    "root_from_frontier",
    "root_nodes",
    "subtree_hash",
    "verify_consistency",
    "verify_inclusion",
]

EMPTY_ROOT = hashlib.sha256(b"").digest()
Node = tuple[int, int]  # (level, index)
Lookup = Callable[[Node], bytes]


class ProofError(ValueError):
    """A proof was asked for sizes that do not exist, or a proof does not verify."""


def leaf_hash(leaf_input: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf_input).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_power_below(n: int) -> int:
    """The RFC's split point k: the largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_ranges(start: int, end: int) -> list[Node]:
    """The perfect subtrees that make up the RFC subtree D[start:end], left to right.

    Only ranges the RFC recursion produces are valid: ``start`` aligned to a power of two at least as large
    as ``end - start`` rounded up, which is true of every range in MTH, PATH and SUBPROOF.
    """
    nodes: list[Node] = []
    while start < end:
        size = end - start
        level = size.bit_length() - 1
        if size == 1 << level:
            nodes.append((level, start >> level))
            break
        k = _largest_power_below(size)
        nodes.append((k.bit_length() - 1, start // k))
        start += k
    return nodes


def _fold(hashes: Sequence[bytes]) -> bytes:
    # A right-edge subtree is node(p0, node(p1, node(p2, ...))): fold from the right.
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def subtree_hash(start: int, end: int, lookup: Lookup) -> bytes:
    if end <= start:
        return EMPTY_ROOT
    return _fold([lookup(node) for node in perfect_ranges(start, end)])


def root_nodes(size: int) -> list[Node]:
    return perfect_ranges(0, size)


def root_from_frontier(frontier: Sequence[bytes]) -> bytes:
    """Root of a tree from its frontier (the perfect-subtree peaks, largest first)."""
    return _fold(frontier) if frontier else EMPTY_ROOT


frontier_root = root_from_frontier


def append_frontier(
    size: int, frontier: Sequence[bytes], leaf: bytes
) -> tuple[list[bytes], list[tuple[int, int, bytes]]]:
    """Append one leaf hash to a tree of ``size`` leaves with peaks ``frontier``.

    Returns the new frontier and the perfect-subtree nodes completed by this leaf ``(level, index, hash)``:
    the leaf itself and one parent per trailing 1-bit of ``size``. O(log n), amortised O(1).
    """
    peaks = list(frontier)
    created = [(0, size, leaf)]
    acc, level, index = leaf, 0, size
    while index & 1:
        acc = node_hash(peaks.pop(), acc)
        level, index = level + 1, index >> 1
        created.append((level, index, acc))
    peaks.append(acc)
    return peaks, created


def _path_ranges(m: int, start: int, end: int) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.3.1 PATH(m, D[start:end]) as the subtree ranges whose hashes form the proof, leaf first."""
    ranges: list[tuple[int, int]] = []
    while end - start > 1:
        k = _largest_power_below(end - start)
        if m < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m = start + k, m - k
    ranges.reverse()
    return ranges


def _subproof_ranges(m: int, start: int, end: int) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[start:end], true) as subtree ranges, in proof order."""
    out: list[tuple[int, int]] = []
    complete = True
    while True:
        n = end - start
        if m == n:
            if not complete:
                out.append((start, end))
            break
        k = _largest_power_below(n)
        if m <= k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start, m, complete = start + k, m - k, False
    out.reverse()
    return out


def _check_inclusion(leaf_index: int, tree_size: int) -> None:
    if not 0 <= leaf_index < tree_size:
        raise ProofError(f"leaf {leaf_index} is not in a tree of size {tree_size}")


def _check_consistency(first: int, second: int) -> None:
    if not 0 < first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")


def _nodes_for(ranges: Iterable[tuple[int, int]]) -> set[Node]:
    return {node for start, end in ranges for node in perfect_ranges(start, end)}


def inclusion_nodes(leaf_index: int, tree_size: int) -> set[Node]:
    _check_inclusion(leaf_index, tree_size)
    return _nodes_for(_path_ranges(leaf_index, 0, tree_size))


def consistency_nodes(first: int, second: int) -> set[Node]:
    _check_consistency(first, second)
    return _nodes_for(_subproof_ranges(first, 0, second)) if first < second else set()


def inclusion_proof(leaf_index: int, tree_size: int, lookup: Lookup | Mapping[Node, bytes]) -> list[bytes]:
    _check_inclusion(leaf_index, tree_size)
    get = lookup.__getitem__ if isinstance(lookup, Mapping) else lookup
    return [subtree_hash(s, e, get) for s, e in _path_ranges(leaf_index, 0, tree_size)]


def consistency_proof(first: int, second: int, lookup: Lookup | Mapping[Node, bytes]) -> list[bytes]:
    _check_consistency(first, second)
    if first == second:
        return []
    get = lookup.__getitem__ if isinstance(lookup, Mapping) else lookup
    return [subtree_hash(s, e, get) for s, e in _subproof_ranges(first, 0, second)]


def verify_inclusion(leaf: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2, step by step."""
    if leaf_index >= tree_size:
        return False
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2, step by step."""
    if first > second or first == 0:
        return False
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the old root is the first node of the path
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
