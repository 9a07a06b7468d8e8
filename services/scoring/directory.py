"""The organization directory of auth (``GET /orgs``, scope ``orgs:read``): who an organization is and where it
is located (GB/T 2260), so an evaluation names its subjects and a region stands for every organization located
in it — one with no registry record yet included, which then scores what it holds: nothing.

Read whole and kept for ``ttl`` seconds; when auth cannot be reached the last copy serves, and without one the
evaluation falls back to what the registry's records say (names and regions of their registrants).
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from services.kernel.http import ServiceClient

__all__ = ["Org", "OrgDirectory"]

log = logging.getLogger("pdr.scoring.directory")
PAGE = 500


class Org(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    name: str
    region_code: str
    kind: str


_page = TypeAdapter(list[Org])


class OrgDirectory:
    def __init__(self, client: ServiceClient, ttl: float = 60.0) -> None:
        self.client, self.ttl = client, ttl
        self._orgs: dict[str, Org] = {}
        self._read_at = float("-inf")
        self._lock = asyncio.Lock()

    async def _read(self) -> dict[str, Org]:
        orgs: dict[str, Org] = {}
        after: str | None = None
        while True:
            response = await self.client.get("/orgs", params={"limit": PAGE, **({"after": after} if after else {})})
            response.raise_for_status()
            page = _page.validate_json(response.content)
            orgs.update((o.id, o) for o in page)
            if len(page) < PAGE:
                return orgs
            after = page[-1].id

    async def all(self) -> dict[str, Org]:
        async with self._lock:
            if time.monotonic() - self._read_at < self.ttl:
                return self._orgs
            try:
                self._orgs = await self._read()
                self._read_at = time.monotonic()
            except (httpx.HTTPError, OSError, ValidationError) as exc:
                log.warning("organization directory unavailable, using %s: %s",
                            "the last copy" if self._orgs else "the registry's records", exc)
            return self._orgs
