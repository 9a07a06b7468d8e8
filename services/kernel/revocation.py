"""The auth service's revocation list, held by every service that verifies tokens.

Auth publishes ``GET /oauth/revocations``: the ids (an access token's ``jti``, or a login session's ``sid``)
revoked before their tokens expire, each with the time after which no token naming it can be valid anyway,
and the kids it publishes in JWKS. Services poll it (``revocation_poll_seconds``, with ``If-None-Match``, so
an unchanged list costs a 304) and refuse a listed token on every request, cache hits included; a kid that
leaves the list is withdrawn from the JWKS cache at once (``TokenVerifier`` subscribes to it). If auth is
unreachable the last list stays in force: refusing every token because auth is down would be an outage, and
tokens live at most ``token_max_lifetime_seconds`` anyway.

Served on the service's ``/metrics``: ``pdr_revocations`` (entries held), ``pdr_revocation_list_age_seconds``
(since the last successful poll; +Inf before the first) and ``pdr_revocation_poll_errors_total``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from prometheus_client import Counter

__all__ = ["KidsListener", "RevocationList"]

log = logging.getLogger("pdr.revocation")
KidsListener = Callable[[frozenset[str]], Awaitable[None]]


class RevocationList:
    """What auth has revoked, as last fetched from ``url``; ``is_revoked`` is two dictionary lookups."""

    def __init__(self, url: str, client: httpx.AsyncClient) -> None:
        self.url = url
        self._client = client
        self._entries: dict[str, float] = {}
        self.kids: frozenset[str] | None = None  # None until the first successful poll
        self._etag: str | None = None
        self._fetched_at: float | None = None  # monotonic time of the last successful poll
        self._failing = False
        self._listeners: list[KidsListener] = []
        self._errors: Counter | None = None
        self._service = ""

    def __len__(self) -> int:
        return len(self._entries)

    def is_revoked(self, jti: str | None, sid: str | None) -> bool:
        """Whether a token with this ``jti`` or a session with this ``sid`` has been revoked."""
        return (jti is not None and jti in self._entries) or (sid is not None and sid in self._entries)

    @property
    def age(self) -> float:
        """Seconds since the last successful poll (infinite before the first)."""
        return math.inf if self._fetched_at is None else time.monotonic() - self._fetched_at

    def on_kids(self, listener: KidsListener) -> None:
        """Call ``listener(kids)`` after every successful poll (the JWKS cache follows auth's published keys)."""
        self._listeners.append(listener)

    def instrument(self, metrics: Any) -> None:
        """Serve this list's gauges and error counter on ``metrics`` (kernel.observability.Metrics)."""
        metrics.register_gauge("pdr_revocations", "Revoked token and session ids held by this service",
                               lambda app: len(self._entries))
        metrics.register_gauge("pdr_revocation_list_age_seconds",
                               "Seconds since the revocation list was last fetched from auth", lambda app: self.age)
        # One counter per registry: a lifespan run twice (tests) must not register it twice.
        counter = getattr(metrics, "revocation_poll_errors", None)
        if counter is None:
            counter = Counter("pdr_revocation_poll_errors_total", "Failed polls of auth's revocation list",
                              ["service"], registry=metrics.registry)
            metrics.revocation_poll_errors = counter
        self._errors, self._service = counter, metrics.service

    async def refresh(self) -> bool:
        """Fetch the list once; on any failure keep the last one. Returns whether the poll succeeded."""
        headers = {"If-None-Match": self._etag} if self._etag else {}
        try:
            response = await self._client.get(self.url, headers=headers)
            if response.status_code != 304:
                response.raise_for_status()
                entries, kids = _parse(response.json())
                self._entries, self.kids = entries, kids
                self._etag = response.headers.get("etag")
        except (httpx.HTTPError, ValueError, TypeError, KeyError) as exc:
            if self._errors is not None:
                self._errors.labels(self._service).inc()
            # Logged once per outage, not at every poll.
            if not self._failing:
                log.warning("revocation list from %s not refreshed, keeping %d entries: %s",
                            self.url, len(self._entries), type(exc).__name__)
            self._failing = True
            return False
        if self._failing:
            log.info("revocation list from %s refreshed again", self.url)
        self._failing = False
        self._fetched_at = time.monotonic()
        if self.kids is not None:
            for listener in self._listeners:
                await listener(self.kids)
        return True

    async def poll(self, interval: float) -> None:
        """Refresh every ``interval`` seconds until cancelled (the lifespan's background task)."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.refresh()
            except Exception:  # a listener's bug must not end the polling for the process's life
                log.exception("revocation list poll failed")


def _parse(doc: Any) -> tuple[dict[str, float], frozenset[str]]:
    """The list from auth's document, refusing (ValueError) any shape but the documented one."""
    if not isinstance(doc, dict) or not isinstance(doc.get("revoked"), list) or not isinstance(doc.get("kids"), list):
        raise ValueError("not a revocation list")
    entries: dict[str, float] = {}
    for item in doc["revoked"]:
        ident, until = item["id"], item["until"]
        if not isinstance(ident, str) or isinstance(until, bool) or not isinstance(until, int | float):
            raise ValueError("malformed revocation entry")
        entries[ident] = float(until)
    kids = doc["kids"]
    # Auth always publishes a key: an empty set would withdraw every key and refuse every token.
    if not kids or not all(isinstance(kid, str) for kid in kids):
        raise ValueError("malformed kids")
    return entries, frozenset(kids)
