"""Real registry changes land in the ledger in their own transaction: a resource created and a registration
filed and accepted through the REST API appear in the change feed with their actors, the tree verifies,
and the registration's evidence bundle checks out."""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from services.cli import ledger_cmds
from services.cli.main import app as cli
from tests.api.registration.conftest import SHA, resource_body

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_registration_workflow_is_ledgered_verifiable_and_fed(apps, registry_client, people, callers,
                                                                   tmp_path):
    agency = await people.person("agency")
    registrar = await people.person("registrar")
    created = await registry_client.post("/resources", json=resource_body(), headers=agency.headers)
    assert created.status_code == 201, created.text
    resource_id = created.json()["id"]
    filed = await registry_client.post("/registrations", headers=agency.headers, json={
        "subject_type": "resource", "subject_id": resource_id, "type": "first",
        "attachments": [{"name": "存证记录.pdf", "sha256": SHA}]})
    assert filed.status_code == 201, filed.text
    registration_id = filed.json()["id"]
    accepted = await registry_client.post(f"/registrations/{registration_id}/accept", json={},
                                          headers=registrar.headers)
    assert accepted.status_code == 200, accepted.text
    refused = await registry_client.post(f"/registrations/{registration_id}/accept", json={},
                                         headers=registrar.headers)
    assert refused.status_code == 409  # a failed transition leaves no ledger entry behind

    feed = (await registry_client.get("/events", headers=callers["feed_client"])).json()
    events = [(e["action"], e["subject_id"], e["actor"]["subject"]) for e in feed["events"]]
    assert events[0][:2] == ("resource.created", resource_id)
    assert [e[0] for e in events if e[1] == registration_id][-1] == "registration.accepted"
    assert [e["sequence"] for e in feed["events"]] == list(range(1, len(events) + 1))
    assert sum(1 for e in events if e[0] == "registration.accepted") == 1

    ledger_cmds.transport = httpx.ASGITransport(app=apps.registry)
    try:
        token = callers["auditor"]["Authorization"].removeprefix("Bearer ")
        report = await ledger_cmds.verify_live("http://registry.test", token, None, None, deep=True)
    finally:
        ledger_cmds.transport = None
    assert report.ok and report.tree_size == len(events)

    bundle = await registry_client.get(f"/ledger/evidence/registration/{registration_id}", headers=callers["auditor"])
    (tmp_path / "bundle.json").write_text(bundle.text)
    result = CliRunner().invoke(cli, ["ledger", "verify", str(tmp_path / "bundle.json")])
    assert result.exit_code == 0, result.output
