"""`pdr ledger verify`: live registries, exported files and evidence bundles; tampering is found and the first
bad entry named."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
import typer
from sqlalchemy import text
from typer.testing import CliRunner

from services.cli import ledger_cmds
from services.cli.main import app as cli
from services.registry.ledger import merkle

pytestmark = pytest.mark.asyncio(loop_scope="session")
URL = "http://registry.test"


@pytest.fixture
def via_apps(apps):
    ledger_cmds.transport = httpx.ASGITransport(app=apps.registry)
    yield
    ledger_cmds.transport = None


def _token(callers, who="auditor") -> str:
    return callers[who]["Authorization"].removeprefix("Bearer ")


async def _tamper(apps, sequence: int, *, fix_leaf_hash: bool) -> None:
    """What an attacker with database access would do: rewrite one entry's content."""
    forged = b'{"action":"resource.deleted","sequence":%d}' % sequence
    async with apps.registry.state.db.engine.begin() as conn:
        await conn.execute(text("UPDATE ledger_entries SET leaf_input = :b WHERE sequence = :s"),
                           {"b": forged, "s": sequence})
        if fix_leaf_hash:
            await conn.execute(text("UPDATE ledger_entries SET leaf_hash = :h WHERE sequence = :s"),
                               {"h": merkle.leaf_hash(forged), "s": sequence})


async def test_live_registry_verifies(apps, ledger, callers, via_apps):
    await ledger.append(9)
    report = await ledger_cmds.verify_live(URL, _token(callers), None, None, deep=True)
    assert report.ok, report.problems
    assert report.tree_size == 9


async def test_rewritten_entry_is_reported_as_the_first_bad_entry(apps, ledger, callers, via_apps):
    await ledger.append(9)
    await _tamper(apps, 4, fix_leaf_hash=False)
    report = await ledger_cmds.verify_live(URL, _token(callers), None, None)
    assert not report.ok
    assert report.first_bad_entry == 3


async def test_rewritten_entry_with_recomputed_leaf_hash_is_located_by_consistency_proofs(apps, ledger, callers,
                                                                                         via_apps):
    await ledger.append(12)
    await _tamper(apps, 6, fix_leaf_hash=True)
    report = await ledger_cmds.verify_live(URL, _token(callers), None, None)
    assert not report.ok
    assert report.first_bad_entry == 5
    assert any("signed tree head's root" in p for p in report.problems)


async def test_live_verify_without_an_auditor_token_is_refused(apps, ledger, callers, via_apps):
    await ledger.append(2)
    with pytest.raises(typer.Exit):
        await ledger_cmds.verify_live(URL, _token(callers, "operator"), None, None)


async def test_exported_ledger_verifies_offline_and_against_a_saved_tree_head(apps, ledger, callers, via_apps,
                                                                             tmp_path):
    await ledger.append(5)
    sth, jwks, entries = await ledger_cmds.download(URL, _token(callers))
    ledger_cmds.write_export(tmp_path / "old.jsonl", sth, jwks, entries)
    runner = CliRunner()
    result = runner.invoke(cli, ["ledger", "verify", str(tmp_path / "old.jsonl"), "--save-head", str(tmp_path / "head.json")])
    assert result.exit_code == 0, result.output
    await ledger.append(6)
    ledger_cmds.write_export(tmp_path / "new.jsonl", *await ledger_cmds.download(URL, _token(callers)))
    result = runner.invoke(cli, ["ledger", "verify", str(tmp_path / "new.jsonl"), "--saved-head",
                                 str(tmp_path / "head.json"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["tree_size"] == 11


async def test_exported_file_with_a_changed_entry_names_that_entry(apps, ledger, callers, via_apps, tmp_path):
    await ledger.append(6)
    sth, jwks, entries = await ledger_cmds.download(URL, _token(callers))
    entries[2]["leaf_input"] = base64.b64encode(b'{"forged":true}').decode()
    ledger_cmds.write_export(tmp_path / "bad.jsonl", sth, jwks, entries)
    result = CliRunner().invoke(cli, ["ledger", "verify", str(tmp_path / "bad.jsonl"), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["first_bad_entry"] == 2


async def test_history_rewritten_after_a_saved_tree_head_fails_the_consistency_check(apps, ledger, callers,
                                                                                    via_apps, tmp_path):
    await ledger.append(4)
    (tmp_path / "head.json").write_text(json.dumps((await ledger_cmds.download(URL, _token(callers)))[0]))
    await ledger.append(3)
    await _tamper(apps, 2, fix_leaf_hash=True)
    # The attacker also rebuilds the tree and re-signs: simulate by serving a fully consistent forged ledger.
    sth, jwks, entries = await ledger_cmds.download(URL, _token(callers))
    result = CliRunner().invoke(cli, ["ledger", "verify", "--saved-head", str(tmp_path / "head.json"), "--json",
                                      _write(tmp_path, sth, jwks, entries)])
    assert result.exit_code == 1
    assert any("saved tree head" in p for p in json.loads(result.stdout)["problems"])


def _write(tmp_path, sth, jwks, entries) -> str:
    ledger_cmds.write_export(tmp_path / "x.jsonl", sth, jwks, entries)
    return str(tmp_path / "x.jsonl")


async def test_evidence_bundle_verifies_and_detects_a_changed_entry(apps, ledger, callers, registry_client,
                                                                   tmp_path):
    await ledger.append(3)
    await ledger.append(2, subject_type="agreement", subject_id="agr-1", action="agreement.signed")
    await ledger.append(2)
    bundle = (await registry_client.get("/ledger/evidence/agreement/agr-1", headers=callers["auditor"])).json()
    assert [e["leaf_index"] for e in bundle["entries"]] == [3, 4]
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    result = CliRunner().invoke(cli, ["ledger", "verify", str(tmp_path / "bundle.json")])
    assert result.exit_code == 0, result.output
    document = json.loads(base64.b64decode(bundle["entries"][1]["leaf_input"]))
    document["data"] = {"n": 999}
    bundle["entries"][1]["leaf_input"] = base64.b64encode(json.dumps(document).encode()).decode()
    bundle["entries"][1].pop("leaf_hash")
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    result = CliRunner().invoke(cli, ["ledger", "verify", str(tmp_path / "bundle.json"), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["first_bad_entry"] == 4


async def test_evidence_for_an_unknown_subject_is_not_found(registry_client, ledger, callers):
    await ledger.append(1)
    response = await registry_client.get("/ledger/evidence/resource/nope", headers=callers["auditor"])
    assert response.status_code == 404
