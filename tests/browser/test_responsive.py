"""Every console page on a phone (375×812): nothing scrolls sideways, the header stays compact, and axe-core
finds no accessibility violation (issue 16, items 2 and 7).

The pages are not listed here: tests/browser/console_pages.py reads the console's HTML routes from the
application and reaches each one by following links, signed out and signed in as every role that has pages, in
Chinese and in English. A page added later is measured too, or fails `test_every_console_page_is_reached`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.system import RunningSystem

from .console_pages import ROLES, Crawl, Visit, html_routes, route_of, seeded_system, sign_in

pytestmark = pytest.mark.e2e
PHONE = {"width": 375, "height": 812}
LOCALES = ("zh-CN", "en-US")
# Header items that must read on one line at 375 px (the issue saw "中/文" and "退/出" one character a line).
HEADER_ITEMS = ".top nav a, .account > a, .account button"
ONE_LINE = """els => els.filter(el => {
    const range = document.createRange(); range.selectNodeContents(el);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    return tops.size > 1;
}).map(el => el.textContent.trim())"""
# What sticks out of the viewport, to name the culprit when a page is too wide (not inside a scroll region).
CULPRITS = """() => [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5 && !el.closest('.table-scroll'))
    .slice(0, 3).map(el => `${el.tagName.toLowerCase()}.${el.className} → ${Math.round(el.getBoundingClientRect().right)} px`)"""


@dataclass
class Measured:
    visits: list[Visit] = field(default_factory=list)
    too_wide: list[str] = field(default_factory=list)
    wrapped_header: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    axe_runs: int = 0


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[RunningSystem]:
    """The system with the demo's data; started before the browser (its seeding runs its own event loop)."""
    with seeded_system(tmp_path_factory.mktemp("responsive")) as system:
        yield system


@pytest.fixture(scope="module")
def measured(demo, chromium) -> Measured:
    """One walk over every page per language and role, measuring each page as it is reached."""
    routes = html_routes()
    result, axe = Measured(), Axe()
    base = demo.urls["console"]
    for locale in LOCALES:
        checked_by_axe: set[tuple[str, int]] = set()
        for role in ROLES:
            context = chromium.new_context(locale=locale, viewport=PHONE)
            page = context.new_page()
            if role:
                sign_in(page, base, role)

            def check(page, visit: Visit, locale=locale, role=role, checked_by_axe=checked_by_axe) -> None:
                where = f"{visit.key} ({locale}, {role or 'public'}: {visit.url})"
                width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                if width > viewport:
                    result.too_wide.append(f"{where}: {width} px > {viewport} px; {page.evaluate(CULPRITS)}")
                wrapped = page.eval_on_selector_all(HEADER_ITEMS, ONE_LINE)
                if wrapped:
                    result.wrapped_header.append(f"{where}: {wrapped}")
                if (visit.key, visit.status) not in checked_by_axe:  # once a page and language: a second each
                    checked_by_axe.add((visit.key, visit.status))
                    result.axe_runs += 1
                    found = axe.run(page)
                    if found.violations_count:
                        result.violations.append(f"{where}:\n{found.generate_report()}")

            result.visits.extend(Crawl(routes, base).run(page, role, check))
            context.close()
    return result


def test_every_console_page_is_reached(measured):
    """Each HTML route of the console was measured by at least one role, so none escapes the checks below."""
    routes = html_routes()
    reached = {route_of(routes, visit.url).path for visit in measured.visits if visit.status == 200}
    missing = sorted({route.path for route in routes} - reached)
    assert not missing, f"console pages no role reached by a link (give the demo data or the crawl a way): {missing}"
    assert {visit.role for visit in measured.visits} == set(ROLES)


def test_no_page_scrolls_sideways_on_a_phone(measured):
    assert measured.visits
    assert not measured.too_wide, "pages wider than the phone:\n" + "\n".join(measured.too_wide)


def test_the_header_menu_reads_one_item_a_line_on_a_phone(measured):
    assert not measured.wrapped_header, "header items broken over lines:\n" + "\n".join(measured.wrapped_header)


def test_axe_finds_no_accessibility_violation_on_any_page(measured):
    assert measured.axe_runs >= len(html_routes())
    assert not measured.violations, "\n\n".join(measured.violations)
