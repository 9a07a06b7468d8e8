"""Every page of the console, found as a person finds them: signed in as each role, following links.

The list of pages comes from the console application itself (its GET routes that answer HTML), so a page added
later is measured without anyone remembering to add it here: a route that no role reaches by a link fails the
coverage check instead. The data behind the pages is the demo of `pdr up --demo` (services/cli/demo.py), which
fills every kind of record the pages show.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from tests.system import RunningSystem, start_system, wait_http

from .story import PASSWORD

# Each demo account whose role has pages of its own (services/auth/demo.py); None is the public, signed out.
ROLES: tuple[str | None, ...] = (None, "operator", "agency", "registrar", "authority", "auditor", "admin")
DEMO_ENV = {"PDR_REGISTRY_DEMO": "true", "PDR_CONSOLE_DEMO": "true",
            "PDR_CONSOLE_SESSION_SECRET": "browser-test-session-secret-0123456789"}
# Pages reached by submitting a form rather than by a link: the form's page and how a person submits it.
IMPORT_CSV = "title,description\n"


@dataclass(frozen=True)
class Route:
    """One HTML page template of the console, e.g. /workspace/registrations/{registration_id}."""

    path: str
    pattern: re.Pattern[str]

    @property
    def parametrised(self) -> bool:
        return "{" in self.path


def html_routes() -> list[Route]:
    """The console's GET routes that answer HTML, in the order the application matches them.

    Read from the application's own OpenAPI description (not a hand-kept list); pages the schema leaves out are
    not pages (the language switch, health, robots.txt, the sitemaps).
    """
    from services.console.main import create_app
    from services.console.settings import ConsoleSettings

    app = create_app(ConsoleSettings(session_secret="route-listing-only-0123456789abcdef"))
    routes = []
    for path, operations in app.openapi()["paths"].items():
        answer = operations.get("get", {}).get("responses", {}).get("200", {})
        if "text/html" in answer.get("content", {}):
            pattern = re.escape(path).replace(r"\{", "{").replace(r"\}", "}")
            routes.append(Route(path, re.compile("^" + re.sub(r"{[^}]+}", "([^/]+)", pattern) + "$")))
    return routes


def page_key(route: Route, url: str) -> str:
    """A page variant: the route with any kind-like parameter (`products`, not an id) filled in, and whether it
    answers a query (/lookup and /lookup?code= show different things; one query of each page is enough)."""
    parts = urlsplit(url)
    values = iter(route.pattern.match(parts.path).groups())
    key = re.sub(r"{[^}]+}", lambda m: (v if re.fullmatch(r"[a-z_]{1,20}", v := next(values)) else m.group(0)),
                 route.path)
    queried = any(name not in ("cursor", "after") for name, _ in parse_qsl(parts.query))
    return key + ("?…" if queried else "")


def route_of(routes: list[Route], url: str) -> Route | None:
    path = urlsplit(url).path
    return next((r for r in routes if r.pattern.match(path)), None)


@contextmanager
def seeded_system(tmp: Path) -> Iterator[RunningSystem]:
    """The three services and the console over fresh databases, with the demo data of `pdr up --demo`."""
    from services.cli.demo import seed_registry_demo

    running = start_system(tmp, DEMO_ENV)
    running.urls["console"] = f"http://127.0.0.1:{running.env['PDR_CONSOLE_PORT']}"
    try:
        wait_http(f"{running.urls['console']}/readyz", proc=running.procs["console"])
        seed_registry_demo(running.urls, running.secrets)
        yield running
    finally:
        running.stop()


def sign_in(page, base: str, username: str) -> None:
    """Sign in by the form (the field names, not the labels: the page may be in either language)."""
    page.goto(f"{base}/login")
    page.locator("#f-username").fill(username)
    page.locator("#f-password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("load")
    if urlsplit(page.url).path == "/login":
        raise AssertionError(f"{username} could not sign in:\n{page.inner_text('main')[:1000]}")


@dataclass
class Visit:
    role: str | None
    key: str
    url: str
    status: int


@dataclass
class Crawl:
    """Visits each page variant once per role: the parameter-free pages, then the first link to each other one."""

    routes: list[Route]
    base: str
    seen: set[str] = field(default_factory=set)

    def links(self, page) -> list[str]:
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
        return [h.split("#")[0] for h in hrefs if h.startswith(self.base) and "/lang/" not in h]

    def run(self, page, role: str | None, check: Callable[[object, Visit], None]) -> list[Visit]:
        visits: list[Visit] = []
        queue = [self.base + r.path for r in self.routes if not r.parametrised]
        while queue:
            url = queue.pop(0)
            route = route_of(self.routes, url)
            if route is None or page_key(route, url) in self.seen:
                continue
            response = page.goto(url)
            landed = route_of(self.routes, page.url)
            if landed is None or landed.path != route.path:  # sent to the login page: not this role's page
                continue
            key = page_key(route, url)
            self.seen.add(key)
            visit = Visit(role, key, url, response.status if response else 0)
            visits.append(visit)
            check(page, visit)
            if visit.status != 200:
                continue
            queue.extend(self.links(page))
            if route.path.endswith("/import"):
                queue.extend(self.import_job(page))
        return visits

    def import_job(self, page) -> list[str]:
        """The bulk import's progress page exists only once a file is sent: try a one-row catalogue (dry run)."""
        upload = page.locator("input[type=file][name=file]")
        if upload.count() == 0:
            return []
        upload.set_input_files({"name": "catalogue.csv", "mimeType": "text/csv",
                                "buffer": (IMPORT_CSV + "响应式测试数据集,用于测量页面宽度\n").encode()})
        page.locator("input[name=dry_run]").check()
        page.locator("form[action$='/import'] button[type=submit]").click()
        progress = page.locator("#import-progress .progress")
        progress.wait_for()
        job = progress.get_attribute("id").removeprefix("job-")
        return [f"{self.base}/workspace/import/{job}"]
