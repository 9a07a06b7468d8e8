"""The console in a real browser beyond the main story: keyboard use, English, the oversight views, and
what the page security (CSP, cookie) looks like from inside the browser."""

from __future__ import annotations

import httpx
import pytest

from .story import log_in, shot

pytestmark = pytest.mark.e2e


def test_keyboard_alone_reaches_the_content_and_submits_a_login(system, chromium, artifacts):
    page = chromium.new_context(locale="zh-CN").new_page()
    page.goto(f"{system.urls['console']}/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"  # first stop: skip to content
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.locator("#f-username").focus()
    page.keyboard.type("registrar")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-password"  # label order is tab order
    page.keyboard.type("Demo-pass-2026!")
    page.keyboard.press("Enter")
    page.wait_for_url("**/registrar")
    shot(page, artifacts, "10-registrar-queue")


def test_english_interface_on_request_and_the_session_cookie_is_out_of_scripts_reach(system, chromium, artifacts):
    context = chromium.new_context(locale="en-US")
    page = context.new_page()
    page.goto(f"{system.urls['console']}/notices")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Public notices").is_visible()
    page.get_by_role("link", name="中文").click()
    assert page.get_by_role("heading", name="登记公示").is_visible()
    log_in(page, system.urls["console"], "operator")
    cookie = next(c for c in context.cookies() if c["name"] == "pdr_console")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert "pdr_console" not in page.evaluate("document.cookie")


def test_inline_script_is_blocked_by_the_content_security_policy(system, chromium):
    page = chromium.new_context().new_page()
    page.goto(f"{system.urls['console']}/notices")
    blocked = page.evaluate("""() => new Promise(resolve => {
        document.addEventListener('securitypolicyviolation', e => resolve(e.violatedDirective));
        const s = document.createElement('script'); s.textContent = 'window.pwned = 1'; document.body.appendChild(s);
        setTimeout(() => resolve(window.pwned ? 'ran' : 'silent'), 500);
    })""")
    assert blocked.startswith("script-src")
    assert page.evaluate("window.pwned") is None


def test_authority_views_findings_and_an_evaluation_with_its_radar_chart(system, chromium, artifacts):
    token = system.token("authority", "pdr-scoring")["access_token"]
    agency_org = httpx.get(f"{system.urls['registry']}/me", headers={
        "Authorization": f"Bearer {system.token('agency')['access_token']}"}).json()["org"]
    run = httpx.post(f"{system.urls['scoring']}/evaluation-runs", headers={"Authorization": f"Bearer {token}"},
                     json={"subject_kind": "organization", "subject_ids": [agency_org], "period": "2025"}, timeout=30)
    assert run.status_code == 201, run.text
    page = chromium.new_context(locale="zh-CN").new_page()
    log_in(page, system.urls["console"], "authority")
    page.goto(f"{system.urls['console']}/oversight/compliance")
    page.get_by_label("状态").select_option("open")
    page.get_by_role("button", name="筛选").click()
    shot(page, artifacts, "11-compliance-findings")
    page.goto(f"{system.urls['console']}/oversight/evaluations")
    page.locator("table.list a").first.click()
    radar = page.locator("figure.radar img")
    radar.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", radar.element_handle())
    shot(page, artifacts, "12-evaluation-radar")
    page.goto(f"{system.urls['console']}/prices")
    shot(page, artifacts, "13-price-list")
