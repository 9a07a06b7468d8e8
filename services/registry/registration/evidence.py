"""Evidence preservation (存证, Art. 7): a canonical SHA-256 digest of what was submitted."""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["digest"]


def digest(materials: dict[str, Any]) -> str:
    """Sorted keys, no whitespace, UTF-8: the same materials always give the same digest."""
    canonical = json.dumps(materials, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

