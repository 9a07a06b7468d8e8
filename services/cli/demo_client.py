"""The registry's HTTP API as the demo steps use it: one connection, each call made as a named demo account.

A refused call stops the demo with ``DemoFailed`` (a ``RuntimeError``, which ``pdr up`` reports and then stops
the services), naming the call and the registry's problem document.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx

from services.kernel.timeutil import china_today

from .common import explain_response

__all__ = ["DEMO_DATE_HEADER", "DemoDates", "DemoFailed", "DemoRegistry", "Tokens"]

# Honoured by a registry started in demo mode only: the registration workflow takes this as today's date.
DEMO_DATE_HEADER = "X-PDR-Demo-Date"
Tokens = Callable[[str, str], str]


class DemoFailed(RuntimeError):
    pass


class DemoDates:
    """The two periods the demo fills: last year (ended) and this year (up to today, China time)."""

    def __init__(self, today: date | None = None) -> None:
        self.today = today or china_today()
        self.year = self.today.year
        self.last = self.year - 1

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)


class DemoRegistry:
    def __init__(self, client: httpx.Client, tokens: Tokens) -> None:
        self.client, self.tokens = client, tokens
        self._me: dict[str, dict] = {}

    def call(self, method: str, path: str, user: str, *, json: Any = None, params: dict | None = None,
             on: date | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens(user, 'pdr-registry')}"}
        if on is not None:
            headers[DEMO_DATE_HEADER] = on.isoformat()
        response = self.client.request(method, path, json=json, params=params, headers=headers)
        if response.is_error:
            raise DemoFailed(f"demo, as {user}: {explain_response(response, hint='')}")
        return response.json()

    def get(self, user: str, path: str, **params: Any) -> Any:
        return self.call("GET", path, user, params=params or None)

    def post(self, user: str, path: str, body: Any = None, *, on: date | None = None) -> Any:
        return self.call("POST", path, user, json=body if body is not None else {}, on=on)

    def patch(self, user: str, path: str, body: Any) -> Any:
        return self.call("PATCH", path, user, json=body)

    def org(self, user: str) -> dict[str, str]:
        """The organization behind a demo account: {"id", "name"}."""
        if user not in self._me:
            me = self.get(user, "/me")
            self._me[user] = {"id": me["org"], "name": me["org_name"] or user}
        return self._me[user]

    def owned(self, user: str, plural: str) -> dict[str, dict]:
        """The caller's own resources or products by name (the demo keeps a few, well under one page)."""
        return {item["name"]: item for item in self.get(user, f"/{plural}", limit=200)["items"]}
