"""RFC 9162 §2.1 hashing and proofs, checked against known vectors and an independent implementation."""

from __future__ import annotations

import hashlib

import pytest

from services.registry.ledger import merkle
from services.registry.ledger.verify import LeafTree

from . import reference

# The RFC 6962/9162 reference test vectors (certificate-transparency-go merkle tests): leaf inputs and the
# root of the first n leaves.
VECTOR_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
VECTOR_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAVES = [f"entry-{i}".encode() for i in range(70)]


def _grow(leaves: list[bytes]):
    """Append leaves one by one as the registry does; yield (size, frontier, every node stored so far)."""
    frontier: list[bytes] = []
    nodes: dict[tuple[int, int], bytes] = {}
    for size, data in enumerate(leaves):
        frontier, created = merkle.append_frontier(size, frontier, merkle.leaf_hash(data))
        nodes.update({(lv, ix): h for lv, ix, h in created})
        yield size + 1, frontier, nodes


def test_empty_tree_hash_is_sha256_of_nothing():
    assert merkle.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.root_from_frontier([]) == reference.mth([]) == LeafTree([]).root()


def test_leaf_and_node_hashes_use_the_rfc_domain_separation_prefixes():
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert merkle.node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_published_rfc_test_vectors(size):
    leaves = VECTOR_LEAVES[:size]
    assert reference.mth(leaves).hex() == VECTOR_ROOTS[size - 1]
    *_, (_, frontier, _) = _grow(leaves)
    assert merkle.root_from_frontier(frontier).hex() == VECTOR_ROOTS[size - 1]
    assert LeafTree(leaves).root().hex() == VECTOR_ROOTS[size - 1]


def test_appending_one_leaf_at_a_time_keeps_the_root_equal_to_the_recursive_definition():
    for size, frontier, nodes in _grow(LEAVES):
        assert merkle.root_from_frontier(frontier) == reference.mth(LEAVES[:size])
        assert merkle.subtree_hash(0, size, nodes.__getitem__) == reference.mth(LEAVES[:size])
        assert len(frontier) == (size).bit_count()  # O(log n) state


def test_inclusion_proofs_equal_rfc_path_and_verify_for_every_leaf_and_size():
    for size, _, nodes in _grow(LEAVES[:40]):
        root = reference.mth(LEAVES[:size])
        for m in range(size):
            proof = merkle.inclusion_proof(m, size, nodes)
            assert proof == reference.path(m, LEAVES[:size])
            assert set(merkle.inclusion_nodes(m, size)) <= set(nodes)
            assert merkle.verify_inclusion(merkle.leaf_hash(LEAVES[m]), m, size, proof, root)


def test_inclusion_proof_fails_for_a_changed_leaf_index_or_root():
    *_, (_, _, nodes) = _grow(LEAVES[:13])
    proof = merkle.inclusion_proof(5, 13, nodes)
    root = reference.mth(LEAVES[:13])
    leaf = merkle.leaf_hash(LEAVES[5])
    assert merkle.verify_inclusion(leaf, 5, 13, proof, root)
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"forged"), 5, 13, proof, root)
    assert not merkle.verify_inclusion(leaf, 6, 13, proof, root)
    assert not merkle.verify_inclusion(leaf, 5, 17, proof, root)
    assert not merkle.verify_inclusion(leaf, 5, 13, proof[:-1], root)
    assert not merkle.verify_inclusion(leaf, 13, 13, proof, root)


def test_consistency_proofs_equal_rfc_subproof_and_verify_for_every_pair_of_sizes():
    *_, (_, _, nodes) = _grow(LEAVES[:40])
    for second in range(1, 41):
        second_root = reference.mth(LEAVES[:second])
        for first in range(1, second + 1):
            proof = merkle.consistency_proof(first, second, nodes)
            assert proof == reference.proof(first, LEAVES[:second])
            first_root = reference.mth(LEAVES[:first])
            assert merkle.verify_consistency(first, second, first_root, second_root, proof)
            if first < second:
                assert not merkle.verify_consistency(first, second, reference.mth([b"x"] * first), second_root, proof)


def test_consistency_fails_when_history_was_rewritten():
    rewritten = LEAVES[:20]
    rewritten[3] = b"rewritten"
    *_, (_, _, nodes) = _grow(rewritten)
    proof = merkle.consistency_proof(8, 20, nodes)
    assert not merkle.verify_consistency(8, 20, reference.mth(LEAVES[:8]), reference.mth(rewritten), proof)


def test_proofs_outside_the_tree_are_refused():
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_nodes(5, 5)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_nodes(0, 5)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_nodes(6, 5)


def test_level_by_level_tree_gives_every_prefix_root():
    tree = LeafTree(LEAVES)
    for size in range(len(LEAVES) + 1):
        assert tree.root(size) == reference.mth(LEAVES[:size])


def test_proofs_touch_only_logarithmically_many_stored_nodes():
    size = 1_000_003
    assert len(merkle.inclusion_nodes(123_456, size)) <= 2 * size.bit_length()
    assert len(merkle.consistency_nodes(777_777, size)) <= 2 * size.bit_length()
