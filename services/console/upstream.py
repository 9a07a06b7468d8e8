"""Calls to the three APIs: one pooled client, problem+json turned into `ApiError`.

The console is a plain client of the HTTP APIs: it sends the user's bearer token and shows the API's own
problem details (title, detail, the offending fields of ``errors``) next to the form that caused them.
"""

from __future__ import annotations

from typing import Any

import httpx

from services.kernel.http import traced_client

from .settings import ConsoleSettings

__all__ = ["ApiError", "Upstream"]


class ApiError(Exception):
    """A non-2xx answer of an API, with its problem details."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        super().__init__(f"{status} {problem.get('title', '')}: {problem.get('detail', '')}")

    @property
    def title(self) -> str:
        return str(self.problem.get("title") or self.status)

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail") or self.problem.get("error_description") or "")

    def field_errors(self) -> dict[str, str]:
        """``errors`` of a 422 by form field name: ``body.subject_id`` → ``subject_id``."""
        out: dict[str, str] = {}
        for err in self.problem.get("errors") or []:
            if not isinstance(err, dict):
                continue
            parts = [p for p in str(err.get("field", "")).split(".") if p not in ("body", "query", "path")]
            key = parts[0] if parts else "_"
            out.setdefault(key, str(err.get("message", "invalid")))
        return out


class Upstream:
    """The pooled HTTP client of the console; ``transport`` routes calls to in-process apps in tests."""

    def __init__(self, settings: ConsoleSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.bases = {"auth": settings.auth_url.rstrip("/"), "registry": settings.registry_url.rstrip("/"),
                      "scoring": settings.scoring_url.rstrip("/")}
        self.client = traced_client(timeout=settings.upstream_timeout_seconds, transport=transport)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def raw(self, service: str, method: str, path: str, *, token: str | None = None,
                  headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            return await self.client.request(method, self.bases[service] + path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            detail = f"{service}: {type(exc).__name__}"
            raise ApiError(503, {"title": "Service unavailable", "detail": detail}) from None

    async def call(self, service: str, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.raw(service, method, path, **kwargs)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {}
            if not isinstance(problem, dict):
                problem = {}
            raise ApiError(response.status_code, problem)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()
