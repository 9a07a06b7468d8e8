"""Security of the console: CSRF on every form, the session cookie's flags, the content security policy,
and escaping of hostile input wherever the APIs hand it back."""

from __future__ import annotations

import re

from services.console.protection import CONTENT_SECURITY_POLICY

from .conftest import CONSOLE
from .helpers import in_notice, product_body, session_of

HOSTILE = """<script>alert("x")</script><img src=x onerror=alert(1)>"'&{{7*7}}"""


async def test_every_answer_carries_a_strict_content_security_policy(browser):
    for url in ("/", "/notices", "/lookup", "/prices", "/login", "/static/htmx.min.js", "/nowhere"):
        answer = await browser.get(url)
        csp = answer.headers["content-security-policy"]
        assert csp == CONTENT_SECURITY_POLICY, url
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"


async def test_pages_hold_no_inline_script_or_style(browser):
    page = (await browser.page("/lookup")).text
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", page)
    assert " style=" not in page and "<style" not in page and " onclick=" not in page


async def test_session_cookie_is_httponly_secure_and_samesite_strict(browser):
    answer = await browser.get("/login")
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("pdr_console=")
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite=strict"} <= flags


async def test_a_form_without_the_sessions_csrf_token_is_refused(browser, other_browser, people):
    operator = await people.person("operator")
    await browser.page("/login")
    missing = await browser.post("/login", data={"username": operator.username, "password": "x"})
    assert missing.status_code == 403
    await other_browser.page("/login")
    foreign = await browser.post("/login", data={"csrf_token": other_browser.csrf, "username": operator.username,
                                                 "password": "x"}, headers={"Origin": CONSOLE})
    assert foreign.status_code == 403
    assert "user" not in session_of(browser)


async def test_a_post_from_another_origin_is_refused_even_with_the_token(browser, people):
    operator = await people.person("operator")
    await browser.login(operator.username)
    answer = await browser.submit("/workspace/products", product_body(), headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403
    assert (await browser.page("/workspace")).status_code == 200  # still logged in, nothing created
    assert "出行热力指数" not in (await browser.page("/workspace")).text


async def test_csrf_is_checked_on_logged_in_forms_too(browser, people):
    operator = await people.person("operator")
    await browser.login(operator.username)
    answer = await browser.post("/workspace/products", data=product_body() | {"scenarios": "x"})
    assert answer.status_code == 403


async def test_hostile_registrant_input_is_escaped_on_public_pages(browser, registry_client, people):
    operator = await people.person("operator")
    registrar = await people.person("registrar")
    notice = await in_notice(registry_client, operator, registrar, name=HOSTILE)
    for url in ("/notices", f"/notices/{notice['id']}", "/notices?q=" + "%3Cscript%3E"):
        page = (await browser.page(url)).text
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page, url
        assert "{{7*7}}" in page  # shown as text, never evaluated as a template


async def test_hostile_query_text_is_escaped_where_it_is_echoed(browser):
    for url in ("/notices?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E", "/lookup?code=%22%3E%3Csvg/onload=alert(1)%3E"):
        page = (await browser.page(url)).text
        assert "<script>alert(1)" not in page and "<svg/onload" not in page
        assert "&#34;&gt;&lt;" in page


async def test_hostile_objection_is_escaped_for_the_registrar(browser, registry_client, people):
    operator = await people.person("operator")
    registrar = await people.person("registrar")
    notice = await in_notice(registry_client, operator, registrar)
    await browser.page(f"/notices/{notice['id']}")
    filed = await browser.post(f"/notices/{notice['id']}/objections", headers={"Origin": CONSOLE}, data={
        "csrf_token": browser.csrf, "objector_name": HOSTILE[:100], "objector_id_number": "110101199003077777",
        "contact": HOSTILE, "grounds": HOSTILE}, files={"evidence": ("<b>证据</b>.pdf", b"%PDF evidence")})
    assert filed.status_code == 200, filed.text
    await browser.login(registrar.username)
    page = (await browser.page(f"/registrar/registrations/{notice['id']}")).text
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>证据</b>" not in page
    assert "&lt;b&gt;证据&lt;/b&gt;.pdf" in page


async def test_login_never_redirects_off_site(browser, people):
    operator = await people.person("operator")
    await browser.page("/login?next=//evil.example/x")
    assert 'name="next" value=""' in (await browser.page("/login?next=//evil.example/x")).text
    answer = await browser.submit("/login", {"username": operator.username, "password": "Demo-pass-2026!",
                                             "next": "https://evil.example/"})
    assert answer.status_code == 303 and answer.headers["location"] == "/workspace"


async def test_tokens_stay_in_the_signed_cookie_and_never_reach_a_page(browser, people):
    operator = await people.person("operator")
    await browser.login(operator.username)
    session = session_of(browser)
    access = session["tok"]["pdr-registry"][0]
    for url in ("/workspace", "/", "/workspace/products/new"):
        page = (await browser.page(url)).text
        assert access not in page and session["rt"] not in page
    # A cookie altered by the holder is not accepted: the signature no longer matches.
    raw = browser.cookies.get("pdr_console")
    browser.cookies.set("pdr_console", "A" + raw[1:], domain="console.test")
    assert (await browser.get("/workspace")).status_code == 303
