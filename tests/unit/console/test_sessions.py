"""Login through the auth service, tokens kept in the encrypted session cookie, refresh on expiry, logout."""

from __future__ import annotations

import time

import pytest
from jose import jwt

from services.console import session as console_session

from .helpers import session_of


async def test_login_keeps_the_verified_principal_and_lands_on_the_roles_page(browser, people):
    registrar = await people.person("registrar")
    answer = await browser.login(registrar.username)
    assert answer.status_code == 303 and answer.headers["location"] == "/registrar"
    user = session_of(browser)["user"]
    assert user["roles"] == ["registrar"] and user["org"] == registrar.org_id


async def test_the_session_is_the_login_session_auth_knows_by_its_sid(browser, people):
    operator = await people.person("operator")
    await browser.login(operator.username)
    session = session_of(browser)
    claims = jwt.get_unverified_claims(session["tok"]["pdr-registry"][0])
    assert session["sid"] == claims["sid"]


async def test_a_wrong_password_shows_a_message_and_starts_no_session(browser, people):
    operator = await people.person("operator")
    await browser.page("/login")
    answer = await browser.submit("/login", {"username": operator.username, "password": "wrong-password"})
    assert answer.status_code == 401
    assert "用户名或密码错误" in answer.text and 'role="alert"' in answer.text
    assert "user" not in session_of(browser)


async def test_an_empty_login_form_marks_both_fields(browser):
    await browser.page("/login")
    answer = await browser.submit("/login", {"username": "", "password": ""})
    assert answer.status_code == 422
    assert answer.text.count('aria-invalid="true"') == 2


async def test_a_page_behind_login_sends_the_visitor_to_log_in_and_back(browser, people):
    operator = await people.person("operator")
    answer = await browser.get("/workspace/products/new")
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Fworkspace%2Fproducts%2Fnew"
    await browser.page("/login?next=%2Fworkspace%2Fproducts%2Fnew")
    back = await browser.submit("/login", {"username": operator.username, "password": "Demo-pass-2026!",
                                           "next": "/workspace/products/new"})
    assert back.headers["location"] == "/workspace/products/new"


async def test_an_expired_access_token_is_refreshed_and_the_refresh_token_rotates(browser, people, monkeypatch):
    operator = await people.person("operator")
    await browser.login(operator.username)
    before = session_of(browser)
    later = time.time() + 3600
    monkeypatch.setattr(console_session.time, "time", lambda: later)
    assert (await browser.page("/workspace")).status_code == 200
    after = session_of(browser)
    assert after["tok"]["pdr-registry"][0] != before["tok"]["pdr-registry"][0]
    assert after["rt"] != before["rt"]


async def test_a_revoked_session_sends_the_user_back_to_log_in(browser, people, auth_client, monkeypatch):
    operator = await people.person("operator")
    await browser.login(operator.username)
    await auth_client.post("/oauth/revoke", data={"token": session_of(browser)["rt"]})
    later = time.time() + 3600
    monkeypatch.setattr(console_session.time, "time", lambda: later)
    answer = await browser.get("/workspace")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    assert "user" not in session_of(browser)


async def test_logout_revokes_the_refresh_token(browser, people, auth_client):
    operator = await people.person("operator")
    await browser.login(operator.username)
    refresh = session_of(browser)["rt"]
    assert (await browser.submit("/logout")).status_code == 303
    assert "user" not in session_of(browser)
    reuse = await auth_client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": refresh})
    assert reuse.status_code == 400


async def test_concurrent_refreshes_of_one_session_share_one_refresh_call(console_app, people, auth_client):
    operator = await people.person("operator")
    login = await auth_client.post("/oauth/token", data={"grant_type": "password", "username": operator.username,
                                                         "password": "Demo-pass-2026!", "audience": "pdr-registry"})
    refresh = login.json()["refresh_token"]
    refresher = console_session.Refresher()
    import asyncio

    bodies = await asyncio.gather(*(refresher.refresh(console_app.state.upstream, refresh, "pdr-registry")
                                    for _ in range(3)))
    assert len({b["refresh_token"] for b in bodies}) == 1  # one spend, no reuse detection, family still alive
    again = await auth_client.post("/oauth/token", data={"grant_type": "refresh_token",
                                                         "refresh_token": bodies[0]["refresh_token"]})
    assert again.status_code == 200


@pytest.mark.parametrize("role", ["admin", "authority", "registrar", "agency", "operator", "auditor"])
async def test_every_role_logs_in_through_the_auth_service(browser, people, role):
    person = await people.person(role)
    answer = await browser.login(person.username)
    assert answer.status_code == 303
    assert session_of(browser)["user"]["roles"] == [role]


async def test_a_machine_client_cannot_log_in_to_the_console(browser):
    await browser.page("/login")
    answer = await browser.submit("/login", {"username": "scoring-service", "password": "anything-at-all"})
    assert answer.status_code == 401 and "user" not in session_of(browser)
