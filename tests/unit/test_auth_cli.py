"""``pdr auth rotate-keys``: a rotated key is published ahead of signing (``--now`` at once for a compromised key);
a setting that would let verifiers meet an unknown kid is refused before anything is written. ``pdr auth list-orgs``,
``list-accounts`` and ``list-clients`` show what the create commands made (issue 16: ``--org ID`` was required
and nothing listed the ids), never a secret."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta

from sqlalchemy import select
from typer.testing import CliRunner

from services.auth.models import SigningKeyRow
from services.cli.common import service_db
from services.cli.main import app
from services.kernel.identifiers import with_uscc_check
from services.kernel.migrate import upgrade


def _keys() -> list[SigningKeyRow]:
    async def read() -> list[SigningKeyRow]:
        db = await service_db("auth")
        try:
            async with db.sessions() as session:
                return list((await session.scalars(select(SigningKeyRow).order_by(SigningKeyRow.created_at))).all())
        finally:
            await db.dispose()
    return asyncio.run(read())


def test_rotate_keys_publishes_ahead_and_now_rotates_at_once(tmp_path, monkeypatch):
    monkeypatch.delenv("PDR_AUTH_DATABASE_URL", raising=False)
    monkeypatch.setenv("PDR_AUTH_DATA_DIR", str(tmp_path))
    upgrade("auth")
    runner = CliRunner()

    ahead = runner.invoke(app, ["auth", "rotate-keys", "--json"])
    assert ahead.exit_code == 0, ahead.output
    first = json.loads(ahead.output)
    lead = datetime.fromisoformat(first["signs_from"]) - datetime.fromisoformat(first["published_at"])
    assert lead == timedelta(seconds=60)  # key_publish_ahead_seconds

    at_once = runner.invoke(app, ["auth", "rotate-keys", "--now", "--json"])
    assert at_once.exit_code == 0, at_once.output
    second = json.loads(at_once.output)
    assert second["signs_from"] == second["published_at"]

    pending, current = _keys()
    assert (pending.kid, current.kid) == (first["kid"], second["kid"])
    # the pending key retires the moment the new one takes over, having never signed
    assert pending.retired_at == current.created_at and current.signs_from is None and current.retired_at is None


def test_an_invalid_setting_is_reported_without_a_traceback_and_writes_nothing(tmp_path):
    env = {**os.environ, "PDR_AUTH_DATA_DIR": str(tmp_path), "PDR_AUTH_KEY_PUBLISH_AHEAD_SECONDS": "3"}
    env.pop("PDR_AUTH_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "services.cli", "auth", "rotate-keys"], env=env,
                            capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 2
    assert "invalid configuration (AuthSettings)" in result.stderr
    assert "key_publish_ahead_seconds must be at least" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not list(tmp_path.iterdir())  # no database was even created


def _bootstrap(runner: CliRunner) -> dict[str, str]:
    """Two organizations, an account in each and a client, made with the create commands themselves."""
    orgs = {}
    for name, uscc, kind in (("上海市大数据中心", "12310000MB000004", "agency"),
                             ("北京数据运营有限公司", "91110000MA000005", "operator")):
        made = runner.invoke(app, ["auth", "create-org", "--name", name, "--uscc", with_uscc_check(uscc + "0"),
                                   "--region", uscc[2:8], "--kind", kind, "--json"])
        assert made.exit_code == 0, made.output
        orgs[kind] = json.loads(made.output)["id"]
    for username, kind in (("agency2", "agency"), ("operator", "operator")):
        made = runner.invoke(app, ["auth", "create-account", "--username", username, "--org", orgs[kind],
                                   "--role", kind, "--password", "Long-enough-pass-2026!", "--json"])
        assert made.exit_code == 0, made.output
    made = runner.invoke(app, ["auth", "create-client", "--client-id", "gov-portal", "--name", "政务门户",
                               "--scope", "registry:read", "--org", orgs["agency"], "--json"])
    assert made.exit_code == 0, made.output
    return orgs


def test_list_commands_show_what_was_created_without_secrets(tmp_path, monkeypatch):
    monkeypatch.delenv("PDR_AUTH_DATABASE_URL", raising=False)
    monkeypatch.setenv("PDR_AUTH_DATA_DIR", str(tmp_path))
    upgrade("auth")
    runner = CliRunner()
    orgs = _bootstrap(runner)

    listed = runner.invoke(app, ["auth", "list-orgs", "--json"])
    assert listed.exit_code == 0, listed.output
    assert {(o["id"], o["kind"], o["region_code"]) for o in json.loads(listed.output)} == {
        (orgs["agency"], "agency", "310000"), (orgs["operator"], "operator", "110000")}
    agencies = json.loads(runner.invoke(app, ["auth", "list-orgs", "--kind", "agency", "--json"]).output)
    assert [o["name"] for o in agencies] == ["上海市大数据中心"]

    table = runner.invoke(app, ["auth", "list-orgs"])
    assert table.exit_code == 0 and orgs["agency"] in table.output  # an id a person copies is never cut

    accounts = json.loads(runner.invoke(app, ["auth", "list-accounts", "--org", orgs["operator"], "--json"]).output)
    assert accounts == [{"username": "operator", "display_name": "", "roles": ["operator"], "org_id": orgs["operator"],
                         "org_name": "北京数据运营有限公司", "disabled": False}]

    clients = runner.invoke(app, ["auth", "list-clients", "--json"])
    assert clients.exit_code == 0, clients.output
    [client] = json.loads(clients.output)
    assert (client["client_id"], client["scopes"], client["org_name"]) == ("gov-portal", ["registry:read"],
                                                                           "上海市大数据中心")
    assert not {"secret", "secret_digest", "password_hash"} & set(client)
    assert "Long-enough-pass-2026!" not in runner.invoke(app, ["auth", "list-accounts"]).output


def test_listing_an_unmigrated_database_says_how_to_migrate_it(tmp_path, monkeypatch):
    monkeypatch.delenv("PDR_AUTH_DATABASE_URL", raising=False)
    monkeypatch.setenv("PDR_AUTH_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["auth", "list-orgs"])
    assert result.exit_code == 1
    assert "pdr migrate auth" in result.output and "Traceback" not in result.output
