"""Signed tree heads: the registry's ES256 signature over (tree size, timestamp, root hash).

The signature is a compact JWS whose payload is the RFC 8785 canonical JSON of
``{"root_hash": <base64>, "timestamp": <ms since epoch>, "tree_size": <n>}``; its key is the registry key
published at ``/.well-known/jwks.json`` (``kid`` in the JWS header). Anyone holding the JWKS checks a tree
head without asking the registry anything else.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import rfc8785
from pydantic import BaseModel, Field

from services.kernel.jose_keys import InvalidToken, SigningKey, public_key_from_jwk, unverified_header, verify_jws

__all__ = ["JWS_TYPE", "SignedTreeHead", "SthError", "b64", "sign_tree_head", "sth_payload", "unb64",
           "verify_tree_head"]

JWS_TYPE = "pdr-sth+jws"


class SthError(ValueError):
    """A tree head whose signature, key or fields do not check out."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise SthError("not base64") from exc


class SignedTreeHead(BaseModel):
    tree_size: int = Field(ge=0, description="Number of entries in the tree.")
    timestamp: int = Field(ge=0, description="Milliseconds since the Unix epoch when the head was signed.")
    root_hash: str = Field(description="Base64 RFC 9162 Merkle tree hash of the first tree_size entries.")
    signature: str = Field(description="Compact JWS (ES256) over the canonical JSON of the three fields above.")
    key_id: str = Field(description="kid of the registry key in /.well-known/jwks.json.")


def sth_payload(tree_size: int, timestamp: int, root_hash: bytes) -> bytes:
    return rfc8785.dumps({"root_hash": b64(root_hash), "timestamp": timestamp, "tree_size": tree_size})


def sign_tree_head(tree_size: int, timestamp: int, root_hash: bytes, signer: SigningKey) -> SignedTreeHead:
    signature = signer.sign_bytes(sth_payload(tree_size, timestamp, root_hash), typ=JWS_TYPE)
    return SignedTreeHead(tree_size=tree_size, timestamp=timestamp, root_hash=b64(root_hash),
                          signature=signature, key_id=signer.kid)


def verify_tree_head(sth: SignedTreeHead | dict[str, Any], jwks: dict[str, Any]) -> SignedTreeHead:
    """Check the signature against ``jwks`` and that the signed payload is exactly the presented fields."""
    try:
        head = sth if isinstance(sth, SignedTreeHead) else SignedTreeHead.model_validate(sth)
    except ValueError as exc:
        raise SthError(f"malformed tree head: {exc}") from None
    try:
        kid = unverified_header(head.signature).get("kid")
    except InvalidToken as exc:
        raise SthError(f"malformed signature: {exc}") from None
    keys = [k for k in jwks.get("keys", []) if isinstance(k, dict) and k.get("kid") == kid]
    if not keys:
        raise SthError(f"the JWKS has no key {kid!r}")
    try:
        payload = verify_jws(head.signature, public_key_from_jwk(keys[0]))
    except (InvalidToken, KeyError, ValueError) as exc:
        raise SthError(f"bad tree head signature: {exc}") from None
    if payload != sth_payload(head.tree_size, head.timestamp, unb64(head.root_hash)):
        raise SthError("the signed payload does not match the tree head's fields")
    return head
