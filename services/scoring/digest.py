"""Input snapshots are hashed over a canonical JSON (keys sorted, no whitespace, UTF-8), so the same inputs
give the same SHA-256 whatever the key order or the database they were read from. orjson keeps it cheap enough
to hash every one of 100,000 product inputs."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

__all__ = ["canonical", "digest"]


def canonical(document: Any) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def digest(document: Any) -> str:
    return hashlib.sha256(canonical(document)).hexdigest()
