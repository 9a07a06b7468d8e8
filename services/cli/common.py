"""What every command shares: where the data lives, running one async function, and calling a service over HTTP.

Nothing heavy is imported here or at the top of any command module: ``pdr --help`` (and every group's help)
must answer at once, so FastAPI, SQLAlchemy, httpx and the services are imported inside the functions that use
them (``tests/unit/test_cli_help.py`` holds every module to that).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    import httpx

    from services.kernel.db import Database

__all__ = ["PROCESSES", "SERVICES", "Api", "DataDir", "explain_response", "fail", "run", "service_db",
           "unreachable", "use_data_dir"]

SERVICES = ("auth", "registry", "scoring")  # each with its own database and migrations
# What `pdr up` starts: the services, then the web console (no database; a client of their HTTP APIs).
PROCESSES = (*SERVICES, "console")
T = TypeVar("T")

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Directory of the embedded SQLite databases (default ./var). "
                 "Ignored for a service whose PDR_<SERVICE>_DATABASE_URL is set."),
]

# What a refused call most likely needs from the person at the shell, by status.
HINT_401 = ("pass --token or set PDR_TOKEN (get one with: curl -s -X POST AUTH_URL/oauth/token "
              "-d grant_type=password -d username=USER -d password=… -d audience=pdr-registry | jq -r .access_token; "
              "README, \"A first API call\")")
HINTS = {
    401: HINT_401,
    403: "the token's account lacks the role or scope this needs",
    404: "check the URL: is it the right service's base URL?",
    429: "too many requests: wait a little and try again",
}


def use_data_dir(data_dir: Path | None) -> None:
    if data_dir is not None:
        from services.kernel.private_files import private_dir

        private_dir(data_dir)
        for service in SERVICES:
            os.environ[f"PDR_{service.upper()}_DATA_DIR"] = str(data_dir.resolve())


def run(factory: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(factory())


async def service_db(service: str) -> Database:
    from services.kernel.db import Database
    from services.kernel.migrate import database_url_for

    return Database(database_url_for(service))


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr, no traceback, a non-zero exit."""
    typer.echo(f"pdr: {message}", err=True)
    raise typer.Exit(code)


def explain_response(response: httpx.Response, hint: str | None = None) -> str:
    """One line for a refused call: method, URL, status, the problem document's title and detail (RFC 9457),
    and what to do about it."""
    title, detail = response.reason_phrase, ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        title = str(body.get("title") or title)
        detail = str(body.get("detail") or "")
        errors = body.get("errors")
        if isinstance(errors, list) and errors:  # the fields a 422 names (kernel.problems.validation_errors)
            fields = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in errors[:5] if isinstance(e, dict))
            detail = f"{detail} {fields}".strip()
    elif response.text and not response.headers.get("content-type", "").startswith("text/html"):
        detail = " ".join(response.text.split())[:200]
    request = response.request
    line = f"{request.method} {request.url} answered {response.status_code} {title}"
    if detail and detail != title:
        line += f": {detail}"
    advice = hint if hint is not None else HINTS.get(response.status_code)
    if advice is None and response.status_code >= 500:
        advice = "the service failed; its log says why"
    return f"{line} — {advice}" if advice else line


def unreachable(url: str, exc: Exception) -> str:
    """One line for a call that got no answer: refused, unresolvable, timed out or not HTTP at all."""
    import httpx

    if isinstance(exc, httpx.ConnectError):
        what = "cannot connect"
    elif isinstance(exc, httpx.TimeoutException):
        what = "no answer in time"
    elif isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return f"{url} is not a usable URL ({exc}): give a base URL like http://127.0.0.1:8002"
    else:
        what = "the call failed"
    reason = str(exc) or type(exc).__name__
    return f"{url}: {what} ({reason}) — is the service running there? (`pdr up` prints each service's URL)"


class Api:
    """An HTTP client for one service that turns every failure into one line on stderr and a non-zero exit:
    every command that calls a service goes through it.

    ``hints`` overrides the advice for a status (e.g. which role a 403 lacks); ``transport`` routes the calls
    to an in-process app (tests).
    """

    def __init__(self, url: str, token: str | None = None, *, hints: dict[int, str] | None = None,
                 timeout: float = 60.0, transport: httpx.AsyncBaseTransport | None = None, code: int = 2) -> None:
        import httpx

        self.url = url.rstrip("/")
        self.hints = {**HINTS, **(hints or {})}
        self.code = code
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            self.client = httpx.AsyncClient(base_url=self.url, headers=headers, timeout=timeout, transport=transport)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
            fail(unreachable(url, exc), code)

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        import httpx

        try:
            response = await self.client.request(method, path, **kwargs)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            fail(unreachable(f"{self.url}{path}", exc), self.code)
        if response.is_error:
            fail(explain_response(response, self.hints.get(response.status_code)), self.code)
        return response

    async def get(self, path: str, **params: Any) -> Any:
        response = await self.request("GET", path, params=params)
        try:
            return response.json()
        except ValueError:
            fail(f"GET {response.request.url} answered {response.status_code} but not with JSON: is this a PDR "
                 "service's URL?", self.code)
