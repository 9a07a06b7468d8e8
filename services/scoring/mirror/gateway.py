"""The registry as scoring sees it: its change feed and its REST API, over HTTP with the scoring service's
machine client (client_credentials; scopes registry:read registry:feed). Services never import each other.

Any transport error, timeout or 5xx answer is ``RegistryUnavailable``: the consumer records it and scoring keeps
serving its last results, marked stale.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from services.kernel.http import ServiceClient

__all__ = ["FeedMissing", "RegistryGateway", "RegistryUnavailable"]


class RegistryUnavailable(Exception):
    pass


class FeedMissing(Exception):
    """The registry answers but has no change feed (older registry): read its REST API instead."""


class RegistryGateway:
    def __init__(self, client: ServiceClient, paths: dict[str, str], page_size: int = 200) -> None:
        self.client = client
        self.paths = paths  # kind → collection path, e.g. "product" → "/products"
        self.page_size = page_size

    async def _get(self, url: str, **params: Any) -> httpx.Response:
        try:
            response = await self.client.get(url, params={k: v for k, v in params.items() if v is not None})
        except (httpx.HTTPError, OSError) as exc:
            raise RegistryUnavailable(f"{type(exc).__name__}: {exc}") from None
        if response.status_code >= 500 or response.status_code in (401, 429):
            raise RegistryUnavailable(f"GET {url} answered {response.status_code}")
        return response

    async def tree_size(self) -> int:
        """How many events the registry's ledger holds, from its public signed tree head."""
        response = await self._get("/ledger/sth")
        if response.status_code != 200:
            raise RegistryUnavailable(f"GET /ledger/sth answered {response.status_code}")
        return int(response.json()["tree_size"])

    async def events(self, after: int, limit: int) -> list[dict[str, Any]]:
        response = await self._get("/events", after=after, limit=limit)
        if response.status_code in (404, 405):
            raise FeedMissing()
        if response.status_code != 200:
            raise RegistryUnavailable(f"GET /events answered {response.status_code}")
        body = response.json()
        items = body.get("items", body.get("events")) if isinstance(body, dict) else body
        return list(items or [])

    async def fetch(self, kind: str, record_id: str) -> dict[str, Any] | None:
        """The current state of one record; None when it is gone (or not readable by us)."""
        base = self.paths.get(kind)
        if base is None:
            return None
        response = await self._get(f"{base}/{record_id}")
        if response.status_code in (403, 404, 410):
            return None
        if response.status_code != 200:
            raise RegistryUnavailable(f"GET {base}/{record_id} answered {response.status_code}")
        return response.json()

    async def prices(self, product_id: str) -> list[dict[str, Any]]:
        """A product's ceiling and operator price records (public at the registry)."""
        response = await self._get(f"/products/{product_id}/prices")
        if response.status_code != 200:
            return []
        body = response.json()
        return body if isinstance(body, list) else []

    async def list_all(self, kind: str) -> AsyncIterator[dict[str, Any]]:
        """Every record of a kind through the keyset-paginated list (``{"items", "next_cursor"}``)."""
        base = self.paths[kind]
        cursor: str | None = None
        while True:
            response = await self._get(base, cursor=cursor, limit=self.page_size)
            if response.status_code in (403, 404, 405):
                return  # that part of the registry is not there (yet): nothing to mirror
            if response.status_code != 200:
                raise RegistryUnavailable(f"GET {base} answered {response.status_code}")
            body = response.json()
            items = body.get("items", []) if isinstance(body, dict) else body
            for item in items:
                yield item
            cursor = body.get("next_cursor") if isinstance(body, dict) else None
            if not cursor:
                return
