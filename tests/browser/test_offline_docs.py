"""The API docs on an intranet: every docs page renders in Chromium with every request off the machine refused.

Each page is loaded with a route that aborts any request to a host other than 127.0.0.1 or localhost (and
records it), the way a government intranet without internet answers it. A page passes when it is rendered
(Swagger UI lists the operations, ReDoc shows the title and the operations, GraphiQL runs a query), no request
was refused, every asset it asked for was served, and its strict Content-Security-Policy reported no violation
(kernel.docs_ui: no inline script or style).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
TITLES = {"auth": "PDR auth", "registry": "PDR registry", "scoring": "PDR scoring"}
# Collected in the page before any of its scripts run (Playwright injects it outside the page's CSP).
# ReDoc's sidebar credits Redocly with a logo from its CDN (hard-wired in the bundle): the page's CSP refuses
# it inside the browser, so it never reaches the network, and ReDoc hides the logo that failed (kernel.docs_ui).
REDOC_LOGO = "img-src https://cdn.redoc.ly/redoc/logo-mini.svg"
WATCH_CSP = ("window.__cspViolations = [];"
             "document.addEventListener('securitypolicyviolation',"
             " e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));")


@dataclass
class Offline:
    """A browser page on an intranet: what it tried to fetch elsewhere, and which local fetches failed."""

    page: object
    refused: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.__cspViolations")

    def assert_clean(self, *, refused_by_csp: tuple[str, ...] = ()) -> None:
        assert self.refused == [], f"requests that would leave the machine: {self.refused}"
        assert self.failed == [], f"assets not served: {self.failed}"
        assert sorted(set(self.csp_violations())) == sorted(refused_by_csp)


@pytest.fixture
def offline(chromium) -> Iterator[Offline]:
    context = chromium.new_context(locale="en-US", service_workers="block")
    context.add_init_script(WATCH_CSP)
    state = Offline(context.new_page())

    def gate(route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            state.refused.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", gate)
    # A request elsewhere that fails was refused by the gate (``refused``) or by the CSP (its violations).
    state.page.on("requestfailed", lambda request: urlsplit(request.url).hostname in LOCAL_HOSTS
                  and state.failed.append(f"{request.url} ({request.failure})"))
    state.page.on("response", lambda response: response.status >= 400 and "/docs-assets/" in response.url
                  and state.failed.append(f"{response.url} ({response.status})"))
    try:
        yield state
    finally:
        context.close()


@pytest.mark.parametrize("service", ["auth", "registry", "scoring"])
def test_swagger_ui_lists_the_operations_without_internet(system, offline, service):
    page = offline.page
    page.goto(f"{system.urls[service]}/docs")
    page.locator(".opblock-summary").first.wait_for(timeout=30_000)
    assert TITLES[service] in page.locator(".info .title").inner_text()
    assert page.locator(".opblock").count() >= 3
    assert page.locator(".opblock-summary-path", has_text="/healthz").count() == 1
    offline.assert_clean()


@pytest.mark.parametrize("service", ["auth", "registry", "scoring"])
def test_redoc_shows_the_title_and_operations_without_internet(system, offline, service):
    page = offline.page
    page.goto(f"{system.urls[service]}/redoc")
    heading = page.locator("h1", has_text=TITLES[service])
    heading.wait_for(timeout=30_000)
    assert page.locator("[data-section-id^='operation/']").count() >= 3
    assert page.get_by_text("Liveness: the process answers.").count() == 1
    offline.assert_clean(refused_by_csp=(REDOC_LOGO,))


def test_swagger_ui_try_it_out_calls_the_service(system, offline):
    """The OpenAPI ``servers`` address is this service's: "Try it out" reaches it under the page's CSP."""
    page = offline.page
    page.goto(f"{system.urls['registry']}/docs#/operations/healthz")
    operation = page.locator("#operations-operations-healthz")
    operation.locator(".opblock-summary").wait_for(timeout=30_000)
    if not operation.locator(".try-out__btn").is_visible():
        operation.locator(".opblock-summary").click()
    operation.locator(".try-out__btn").click()
    operation.locator(".execute").click()
    response = operation.locator(".live-responses-table tbody .response-col_status").first
    response.wait_for(timeout=15_000)
    assert response.inner_text().strip() == "200"
    assert '"status": "ok"' in operation.locator(".live-responses-table .microlight").first.inner_text()
    offline.assert_clean()


def test_graphiql_runs_a_query_with_a_token_in_the_headers_pane(system, offline):
    page = offline.page
    token = system.token("auditor")["access_token"]
    page.goto(f"{system.urls['registry']}/graphql", wait_until="load")
    page.locator(".graphiql-container").wait_for(timeout=30_000)
    page.locator(".graphiql-query-editor .CodeMirror").wait_for()
    headers = page.locator(".graphiql-editor-tool .CodeMirror").last
    headers.wait_for()
    headers.click()
    page.keyboard.insert_text(f'{{"Authorization": "Bearer {token}"}}')
    page.locator(".graphiql-execute-button").click()
    result = page.locator(".graphiql-response")
    result.get_by_text('"Query"').wait_for(timeout=15_000)
    assert '"__typename": "Query"' in result.inner_text().replace("\n", "")
    offline.assert_clean()
