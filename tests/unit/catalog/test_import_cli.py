"""``pdr import FILE`` (issue 3): the CLI imports a catalogue for an agency, reports rows, re-runs idempotently;
with ``--dry-run`` (issue 16) it says what it would create, lists the invalid rows, exits non-zero when any row is
invalid, and writes nothing."""

from __future__ import annotations

import asyncio
import json

from typer.testing import CliRunner

from services.auth.identities import OrgIn, create_org
from services.cli.common import service_db
from services.cli.main import app
from services.kernel.identifiers import with_uscc_check
from services.kernel.migrate import upgrade

CSV = ("资源名称,资源摘要,更新频率,共享属性,开放属性,数据分级\n"
       "公交线路,线路与站点,每日,无条件,有条件,一般\n"
       "坏行,,每日,无条件,有条件,绝密\n")
# pdr import --dry-run (issue 16): two valid rows and one invalid.
DRY_RUN_CSV = ("资源名称,资源摘要,更新频率,共享属性,开放属性,数据分级\n"
       "公交线路,线路与站点,每日,无条件,有条件,一般\n"
       "地铁线路,线路与站点,每日,无条件,有条件,一般\n"
       "坏行,,每日,无条件,有条件,绝密\n")


def _own_databases(tmp_path, monkeypatch) -> None:
    """Auth and registry on SQLite files of this test, auth migrated."""
    for service in ("auth", "registry"):
        monkeypatch.delenv(f"PDR_{service.upper()}_DATABASE_URL", raising=False)
        monkeypatch.setenv(f"PDR_{service.upper()}_DATA_DIR", str(tmp_path))
    upgrade("auth")


def _agency(kind: str = "agency") -> str:
    async def make() -> str:
        db = await service_db("auth")
        try:
            async with db.sessions.begin() as session:
                org = await create_org(session, OrgIn(name="上海市交通委", uscc=with_uscc_check("11310000MB0000001"),
                                                      region_code="310000", kind=kind))
                return org.id
        finally:
            await db.dispose()
    return asyncio.run(make())


def test_pdr_import_writes_valid_rows_reports_invalid_ones_and_reruns_idempotently(tmp_path, monkeypatch):
    _own_databases(tmp_path, monkeypatch)
    org_id = _agency()
    source = tmp_path / "catalogue.csv"
    source.write_text(CSV, encoding="utf-8")
    runner = CliRunner()
    first = runner.invoke(app, ["import", str(source), "--org", org_id, "--report", str(tmp_path / "r.json")])
    assert first.exit_code == 3, first.output  # 3: some rows were invalid
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert (report["created"], report["invalid"]) == (1, 1)
    assert report["errors"] == [{"row": 3, "column": "数据分级", "reason": report["errors"][0]["reason"]}]
    second = runner.invoke(app, ["import", str(source), "--org", org_id, "--report", str(tmp_path / "r.json")])
    assert second.exit_code == 3
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["unchanged"] == 1


def test_pdr_import_refuses_an_unknown_organization(tmp_path, monkeypatch):
    _own_databases(tmp_path, monkeypatch)
    source = tmp_path / "catalogue.csv"
    source.write_text(CSV, encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(source), "--org", "no-such-org"])
    assert result.exit_code == 2


def test_dry_run_says_would_create_lists_invalid_rows_exits_non_zero_and_writes_nothing(tmp_path, monkeypatch):
    _own_databases(tmp_path, monkeypatch)
    org_id = _agency()
    source = tmp_path / "catalogue.csv"
    source.write_text(DRY_RUN_CSV, encoding="utf-8")
    runner = CliRunner()

    dry = runner.invoke(app, ["import", str(source), "--org", org_id, "--dry-run"], terminal_width=200)
    assert dry.exit_code == 3, dry.output
    assert "would create 2" in dry.output and "created" not in dry.output
    assert "invalid 1 of 3 rows" in dry.output
    assert "│ 4   │ 数据分级" in dry.output  # the invalid row, with its column

    # Nothing was written: the real import still creates both valid rows.
    real = runner.invoke(app, ["import", str(source), "--org", org_id, "--report", str(tmp_path / "r.json")])
    assert real.exit_code == 3, real.output
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["created"] == 2


def test_dry_run_of_valid_rows_exits_zero(tmp_path, monkeypatch):
    _own_databases(tmp_path, monkeypatch)
    org_id = _agency()
    source = tmp_path / "catalogue.csv"
    source.write_text(DRY_RUN_CSV.rsplit("坏行", 1)[0], encoding="utf-8")
    dry = CliRunner().invoke(app, ["import", str(source), "--org", org_id, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would create 2" in dry.output and "invalid" not in dry.output.replace("invalid 0", "")
