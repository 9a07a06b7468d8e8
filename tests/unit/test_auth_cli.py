"""``pdr auth rotate-keys``: a rotated key is published ahead of signing (``--now`` at once for a compromised key);
a setting that would let verifiers meet an unknown kid is refused before anything is written."""

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
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "invalid configuration (AuthSettings)" in result.stderr
    assert "key_publish_ahead_seconds must be at least" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not list(tmp_path.iterdir())  # no database was even created
