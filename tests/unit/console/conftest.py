"""The console in process, wired to the in-process auth, registry and scoring apps of tests/conftest.py."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from services.auth.demo import DEMO_PASSWORD
from services.console.main import create_app
from services.console.settings import ConsoleSettings

CONSOLE = "https://console.test"  # https: the Secure session cookie travels back like in a browser
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SESSION_SECRET = "test-secret-" + "x" * 32


class _Hosts(httpx.AsyncBaseTransport):
    def __init__(self, apps) -> None:
        self.hosts = {"auth.test": httpx.ASGITransport(app=apps.auth),
                      "registry.test": httpx.ASGITransport(app=apps.registry),
                      "scoring.test": httpx.ASGITransport(app=apps.scoring)}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.hosts[request.url.host].handle_async_request(request)


class Browser(httpx.AsyncClient):
    """An httpx client that behaves like a form-posting browser: it keeps cookies and echoes CSRF tokens."""

    csrf: str | None = None

    async def page(self, url: str, **kwargs) -> httpx.Response:
        response = await self.get(url, **kwargs)
        if match := CSRF.search(response.text):
            self.csrf = match.group(1)
        return response

    async def submit(self, url: str, data: dict | None = None, **kwargs) -> httpx.Response:
        if self.csrf is None:
            await self.page("/login")
        return await self.post(url, data={"csrf_token": self.csrf, **(data or {})},
                               headers={"Origin": CONSOLE, **kwargs.pop("headers", {})}, **kwargs)

    async def login(self, username: str, password: str = DEMO_PASSWORD) -> httpx.Response:
        await self.page("/login")
        response = await self.submit("/login", {"username": username, "password": password})
        await self.page("/")  # the session is new after login: pick up its CSRF token
        return response


def console_settings(**over) -> ConsoleSettings:
    # No background poll of auth's revocation list: a test refreshes it when it means to.
    return ConsoleSettings(**{"auth_url": "http://auth.test", "registry_url": "http://registry.test",
                              "scoring_url": "http://scoring.test", "session_secret": SESSION_SECRET, "demo": True,
                              "revocation_poll_seconds": 0, **over})


@pytest_asyncio.fixture(loop_scope="session")
async def console_app(apps, clean):
    app = create_app(console_settings(), transport=_Hosts(apps))
    async with app.router.lifespan_context(app):
        yield app


@pytest_asyncio.fixture(loop_scope="session")
async def browser(console_app) -> AsyncIterator[Browser]:
    async with Browser(transport=httpx.ASGITransport(app=console_app), base_url=CONSOLE) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="session")
async def other_browser(console_app) -> AsyncIterator[Browser]:
    async with Browser(transport=httpx.ASGITransport(app=console_app), base_url=CONSOLE) as client:
        yield client
