"""Accounts, sign-in and sessions under attack (issue 18).

- Five wrong passwords locked an account for 300 s for its owner too: failures are now counted per (address,
  account) pair with a doubling wait, and per address across accounts (password spraying).
- Losing a concurrent refresh race did not revoke the family: the loser's use is reuse (RFC 9700 §4.14).
- The embedded auth.db, holding the private signing keys unsealed, was created world-readable (0644): every
  SQLite file is now 0600 from its creation (its -wal and -shm too), the data directory 0700.
- Console logout left the session cookie valid, and the cookie carried the tokens readable (signed, not
  encrypted): the cookie is now encrypted, and logout revokes the login session at auth, whose revocation
  list every console replica honours.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from services.auth.models import LoginThrottle, RefreshToken
from services.auth.secrets import token_digest
from services.cli.run_cmds import _demo_credentials
from services.console.cookie_session import SessionCodec
from services.console.main import create_app as create_console
from services.kernel.db import Database
from services.kernel.migrate import database_url_for, upgrade
from tests.unit.console.conftest import CONSOLE, SESSION_SECRET, Browser, _Hosts, browser, console_app, console_settings  # noqa: F401 (fixtures)
from tests.unit.console.helpers import session_of

PASSWORD = "Demo-pass-2026!"
ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"


@pytest.fixture
def login_clock(monkeypatch):
    now = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    monkeypatch.setattr("services.auth.throttle.utcnow", lambda: now[0])

    class Clock:
        def advance(self, seconds: float) -> None:
            now[0] += timedelta(seconds=seconds)

    return Clock()


async def sign_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD,
                  address: str | None = None) -> httpx.Response:
    """A password grant; ``address`` is the browser's, as the console forwards it (the tests' peer, 127.0.0.1,
    is a trusted proxy)."""
    headers = {"X-Forwarded-For": address} if address else {}
    return await client.post("/oauth/token", headers=headers, data={
        "grant_type": "password", "username": username, "password": password, "audience": "pdr-registry"})


async def refresh_tokens_of(apps) -> int:
    async with apps.auth.state.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(RefreshToken))


def assert_throttled(answer: httpx.Response) -> None:
    assert answer.status_code == 429, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("/login-throttled")
    assert int(answer.headers["retry-after"]) >= 1
    assert "access_token" not in answer.text


# -- lockout that slows the attacker, not the owner ----------------------------------------------------------

async def test_a_strangers_wrong_passwords_never_lock_the_owner_out(people, auth_client, login_clock):
    owner = await people.person("operator")
    answers = [await sign_in(auth_client, owner.username, "guess-" + str(n), ATTACKER) for n in range(30)]
    assert [a.status_code for a in answers[:4]] == [400] * 4
    for answer in answers[4:]:  # the attacker's pair waits; guesses while waiting are not even checked
        assert_throttled(answer)
    assert_throttled(await sign_in(auth_client, owner.username, PASSWORD, ATTACKER))
    assert (await sign_in(auth_client, owner.username, PASSWORD, OWNER)).status_code == 200


async def test_concurrent_guesses_all_meet_the_count(apps, people, auth_client, login_clock):
    owner = await people.person("agency")
    issued = await refresh_tokens_of(apps)
    answers = await asyncio.gather(*(sign_in(auth_client, owner.username, f"guess-{n}", ATTACKER) for n in range(12)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [400] * 4 + [429] * 8, statuses  # the free failures and the first that earns a wait
    assert await refresh_tokens_of(apps) == issued


async def test_password_spraying_from_one_address_is_slowed_across_accounts(people, auth_client, login_clock):
    victim = await people.person("operator")
    # One guess per account name (real or not): never enough for any pair to wait.
    names = [victim.username] + [f"clerk{n}" for n in range(29)]
    answers = [await sign_in(auth_client, name, "Spring2026!", ATTACKER) for name in names]
    assert [a.status_code for a in answers[:21]] == [400] * 21  # login_free_failures_per_address, then one more
    for answer in answers[21:]:
        assert_throttled(answer)
    assert (await sign_in(auth_client, victim.username, PASSWORD, OWNER)).status_code == 200


async def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(apps, people, auth_client, login_clock):
    owner = await people.person("operator")
    transport = httpx.ASGITransport(app=apps.auth, client=("192.0.2.50", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://auth.test") as direct:
        # A new forged address per guess would make every guess a fresh pair, if the header were believed.
        answers = [await sign_in(direct, owner.username, "guess", f"10.9.{n}.1") for n in range(8)]
    assert [a.status_code for a in answers] == [400] * 4 + [429] * 4
    # The forged addresses earned nothing: the console forwarding one of them meets no wait.
    assert (await sign_in(auth_client, owner.username, "guess", "10.9.7.1")).status_code == 400


# -- refresh races ---------------------------------------------------------------------------------------------

async def test_concurrent_refreshes_of_one_token_make_one_success_and_revoke_the_family(apps, people, auth_client):
    person = await people.person("operator")
    login = (await sign_in(auth_client, person.username)).json()
    answers = await asyncio.gather(*(auth_client.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": login["refresh_token"]}) for _ in range(5)))
    winners = [a for a in answers if a.status_code == 200]
    losers = [a for a in answers if a.status_code != 200]
    assert len(winners) == 1, [a.text for a in answers]
    for loser in losers:
        assert loser.status_code == 400 and loser.json()["error"] == "invalid_grant"
    # The first loser detects the reuse; the later ones find the token revoked already.
    assert any("reuse" in loser.json()["error_description"] for loser in losers)
    # The loser's use was reuse: the winner's new refresh token belongs to a revoked family.
    successor = winners[0].json()["refresh_token"]
    again = await auth_client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": successor})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    async with apps.auth.state.db.sessions() as session:
        family = (await session.get(RefreshToken, token_digest(login["refresh_token"]))).family_id
        rows = (await session.scalars(select(RefreshToken).where(RefreshToken.family_id == family))).all()
    assert len(rows) == 2 and all(row.revoked_at is not None for row in rows)


async def test_a_successor_issued_while_its_family_was_revoked_spends_nothing(apps, people, auth_client):
    person = await people.person("agency")
    login = (await sign_in(auth_client, person.username)).json()
    rotated = (await auth_client.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": login["refresh_token"]})).json()["refresh_token"]
    async with apps.auth.state.db.sessions.begin() as session:
        # A replay revoked the family while the winner's successor was being written (the row escaped it).
        row = await session.get(RefreshToken, token_digest(login["refresh_token"]))
        row.revoked_at = datetime.now(UTC)
    answer = await auth_client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": rotated})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    async with apps.auth.state.db.sessions() as session:
        assert (await session.get(RefreshToken, token_digest(rotated))).spent_at is None


# -- files on disk ----------------------------------------------------------------------------------------------

def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """The usual umask (022), under which SQLite alone makes its files 0644."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


async def test_the_embedded_databases_and_their_wal_files_are_the_owners_alone(tmp_path, monkeypatch, open_umask):
    data = tmp_path / "var"
    monkeypatch.setenv("PDR_AUTH_DATA_DIR", str(data))
    url = database_url_for("auth")  # what `pdr up` and `pdr migrate` use
    await asyncio.to_thread(upgrade, "auth", url)
    db = Database(url)
    try:
        async with db.sessions.begin() as session:  # a write: SQLite opens the -wal and -shm files
            session.add(LoginThrottle(key="addr:192.0.2.1", failures=1))
        files = sorted(path.name for path in data.iterdir())
        assert files == ["auth.db", "auth.db-shm", "auth.db-wal"]
        assert {name: mode(data / name) for name in files} == dict.fromkeys(files, 384)
        assert mode(data) == 0o700
    finally:
        await db.dispose()


async def test_a_service_creating_its_database_makes_it_0600(tmp_path, open_umask):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'fresh' / 'registry.db'}")
    try:
        await db.ping()
    finally:
        await db.dispose()
    assert mode(tmp_path / "fresh" / "registry.db") == 0o600 and mode(tmp_path / "fresh") == 0o700


async def test_a_world_readable_database_made_before_is_narrowed_when_opened(tmp_path, open_umask):
    path = tmp_path / "auth.db"
    for name in ("auth.db", "auth.db-wal"):
        (tmp_path / name).touch(mode=0o644)
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.dispose()
    assert mode(path) == mode(tmp_path / "auth.db-wal") == 0o600


def test_the_demo_credentials_file_is_never_readable_by_others(tmp_path, open_umask):
    _demo_credentials(tmp_path)
    assert mode(tmp_path / "demo-credentials.json") == 0o600


# -- console sessions ----------------------------------------------------------------------------------------

def decodings(text: str) -> list[bytes]:
    """Every way someone holding the cookie might try to read it: as it is, and base64 decoded whole or by part."""
    out = [text.encode()]
    for part in [text, *text.split(".")]:
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            with contextlib.suppress(binascii.Error, ValueError):
                out.append(decode(part + "=" * (-len(part) % 4)))
    return out


async def test_the_session_cookie_carries_no_readable_token(browser, people):
    operator = await people.person("operator")
    await browser.login(operator.username)
    assert (await browser.page("/workspace")).status_code == 200
    raw = browser.cookies.get("pdr_console")
    held = session_of(browser)  # what the console itself reads, with its secret
    secrets_held = [held["tok"]["pdr-registry"][0], held["rt"], held["csrf"]]
    for decoded in decodings(raw):
        assert b"eyJ" not in decoded  # the start of every JWT (and of any base64 JSON object)
        for secret in secrets_held:
            assert secret.encode() not in decoded
    assert SessionCodec("another-console-secret-" + "y" * 24, 3600).loads(raw) is None


async def test_an_altered_cookie_is_a_visitor_without_a_session(browser, people):
    operator = await people.person("operator")
    await browser.login(operator.username)
    raw = browser.cookies.get("pdr_console")
    browser.cookies.set("pdr_console", raw[:-6] + ("AAAAAA" if not raw.endswith("AAAAAA") else "BBBBBB"),
                        domain="console.test")
    answer = await browser.get("/workspace")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


async def test_after_logout_the_old_cookie_replayed_gets_the_login_page(browser, people, auth_client):
    operator = await people.person("operator")
    await browser.login(operator.username)
    stolen = browser.cookies.get("pdr_console")
    refresh = session_of(browser)["rt"]
    assert (await browser.submit("/logout")).status_code == 303
    async with Browser(transport=httpx.ASGITransport(app=browser._transport.app), base_url=CONSOLE) as thief:
        thief.cookies.set("pdr_console", stolen, domain="console.test")
        answer = await thief.get("/workspace")
        assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Fworkspace"
        assert "set-cookie" in answer.headers  # the dead session is dropped from the cookie too
        assert "user" not in session_of(thief)
        page = await thief.get("/")
        assert operator.username not in page.text
    # Killed at auth as well: its refresh token refreshes nothing.
    reuse = await auth_client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": refresh})
    assert reuse.status_code == 400


async def test_a_session_logged_out_at_one_replica_is_dead_at_another(apps, clean, people):
    first = create_console(console_settings(), transport=_Hosts(apps))
    # The other replica polls auth's revocation list in the background, as in production.
    second = create_console(console_settings(revocation_poll_seconds=0.05), transport=_Hosts(apps))
    async with (first.router.lifespan_context(first), second.router.lifespan_context(second),
                Browser(transport=httpx.ASGITransport(app=first), base_url=CONSOLE) as at_first,
                Browser(transport=httpx.ASGITransport(app=second), base_url=CONSOLE) as at_second):
            operator = await people.person("operator")
            await at_first.login(operator.username)
            at_second.cookies.set("pdr_console", at_first.cookies.get("pdr_console"), domain="console.test")
            assert (await at_second.get("/workspace")).status_code == 200  # one session, any replica
            assert (await at_first.submit("/logout")).status_code == 303
            for _ in range(100):  # the second replica's next poll
                answer = await at_second.get("/workspace")
                if answer.status_code != 200:
                    break
                await asyncio.sleep(0.05)
            assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
