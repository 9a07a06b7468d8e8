"""The registry as scoring sees it: its change feed with the records each page touched, over HTTP with the
scoring service's machine client (client_credentials, scope ``registry:feed``). Services never import each
other; what crosses is the contract in ``services/scoring/contract.py``.

    RegistryUnavailable   transport error, timeout, 5xx, 429: try again later, serve the last results as stale
    RegistryRefused       401/403/404 and other 4xx: our client, its scopes or the registry's API are wrong
    ContractViolation     the registry answered 200 with something the contract does not describe

Each is a failed sync that shows (``/sync``, logs, ``pdr_scoring_feed_errors_total``); none is ever read as
"the record is gone": only the registry's own ``deleted: true`` means that.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
from pydantic import ValidationError

from services.kernel.http import ServiceClient

from ..contract import EventPage, FeedRecord, ResourcePage

__all__ = ["ContractViolation", "RegistryGateway", "RegistryRefused", "RegistryUnavailable", "SyncError"]


class SyncError(Exception):
    reason = "error"


class RegistryUnavailable(SyncError):
    reason = "unavailable"


class RegistryRefused(SyncError):
    reason = "refused"


class ContractViolation(SyncError):
    reason = "contract"

    @classmethod
    def of(cls, what: str, exc: ValidationError) -> ContractViolation:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return cls(f"{what}: {exc.error_count()} contract error(s), first at {where}: {first['msg']}")


def _validate(model: type[Any], response: httpx.Response, what: str) -> Any:
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise ContractViolation.of(what, exc) from None


class RegistryGateway:
    def __init__(self, client: ServiceClient, page_size: int = 500) -> None:
        self.client = client
        self.page_size = page_size

    async def _get(self, url: str, **params: Any) -> httpx.Response:
        try:
            response = await self.client.get(url, params={k: v for k, v in params.items() if v is not None})
        except httpx.HTTPStatusError as exc:  # our token request was answered, and not with a token
            status = exc.response.status_code
            kind = RegistryUnavailable if status >= 500 or status == 429 else RegistryRefused
            raise kind(f"GET {url}: the token endpoint answered {status}") from None
        except (httpx.HTTPError, OSError) as exc:
            raise RegistryUnavailable(f"GET {url}: {type(exc).__name__}: {exc}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise RegistryUnavailable(f"GET {url} answered {response.status_code}")
        if response.status_code != 200:
            detail = response.text[:300]
            raise RegistryRefused(f"GET {url} answered {response.status_code}: {detail}")
        return response

    async def tree_size(self) -> int:
        """How many events the registry's ledger holds, from its public signed tree head."""
        response = await self._get("/ledger/sth")
        try:
            return int(response.json()["tree_size"])
        except (ValueError, KeyError, TypeError):
            raise ContractViolation("GET /ledger/sth: no tree_size") from None

    async def page(self, after: int, limit: int) -> EventPage:
        """Events after ``after`` with the current state of every record they touched."""
        response = await self._get("/events", after=after, limit=limit, include="records")
        return _validate(EventPage, response, "GET /events")

    async def imported(self, org_id: str) -> AsyncIterator[FeedRecord]:
        """Every resource of an organization, for a bulk import's single feed entry."""
        after: str | None = None
        while True:
            response = await self._get("/events/resources", org_id=org_id, after=after, limit=self.page_size)
            page = _validate(ResourcePage, response, "GET /events/resources")
            for record in page.records:
                yield record
            if not page.next_after:
                return
            after = page.next_after
