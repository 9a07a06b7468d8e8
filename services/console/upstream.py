"""Calls to the three APIs: one pooled client, problem+json turned into `ApiError`.

The console is a plain client of the HTTP APIs: it sends the user's bearer token and shows the API's own
problem details (title, detail, the offending fields of ``errors``) next to the form that caused them.
"""

from __future__ import annotations

from typing import Any

import httpx

from services.kernel.http import traced_client
from services.kernel.problems import PROBLEM_BASE

from .i18n import Message, Translator
from .settings import ConsoleSettings

__all__ = ["ApiError", "Upstream"]


# The title of a problem whose type the catalogue does not name: the generic one of its status (kernel/problems.py).
_GENERIC = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 409: "conflict",
            413: "content-too-large", 422: "validation", 429: "too-many-requests", 503: "unavailable"}


def _known(key: str) -> bool:
    return Translator("zh").known(key)  # both catalogues hold the same keys (tests/unit/console/test_i18n.py)


class ApiError(Exception):
    """A non-2xx answer of an API, with its problem details.

    What a person reads is translated: the title by the problem's ``type`` URI (``problem.<slug>``, else the
    generic title of the status), a field error by its pydantic error ``type`` (``invalid.missing`` for "Field
    required"); the API's own words remain, shown where the page's reader can read them (``i18n.readable``).
    """

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

    @property
    def title_key(self) -> str:
        """``problem.<slug>`` of the problem's type URI when the catalogue has it, else of its status."""
        kind = str(self.problem.get("type") or "")
        if kind.startswith(PROBLEM_BASE) and _known(key := "problem." + kind.removeprefix(PROBLEM_BASE)):
            return key
        return "problem." + _GENERIC.get(self.status, "unavailable" if self.status >= 500 else "bad-request")

    @property
    def summary(self) -> Message:
        """The translated title, with the API's detail: the message of a refused form as a whole."""
        return Message(self.title_key, self.detail)

    def field_errors(self) -> dict[str, str]:
        """``errors`` of a 422 by form field name: ``body.subject_id`` → ``subject_id``."""
        out: dict[str, str] = {}
        for err in self.problem.get("errors") or []:
            if not isinstance(err, dict):
                continue
            parts = [p for p in str(err.get("field", "")).split(".") if p not in ("body", "query", "path")]
            key = parts[0] if parts else "_"
            message = str(err.get("message", "invalid"))
            kind = "invalid." + str(err.get("type") or "")
            out.setdefault(key, Message(kind, message, instead=True) if _known(kind) else message)
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
