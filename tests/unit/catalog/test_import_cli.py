"""``pdr import FILE`` (issue 3): the CLI imports a catalogue for an agency, reports rows, re-runs idempotently."""

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
    for service in ("auth", "registry"):
        monkeypatch.delenv(f"PDR_{service.upper()}_DATABASE_URL", raising=False)
        monkeypatch.setenv(f"PDR_{service.upper()}_DATA_DIR", str(tmp_path))
    upgrade("auth")
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
    for service in ("auth", "registry"):
        monkeypatch.delenv(f"PDR_{service.upper()}_DATABASE_URL", raising=False)
        monkeypatch.setenv(f"PDR_{service.upper()}_DATA_DIR", str(tmp_path))
    upgrade("auth")
    source = tmp_path / "catalogue.csv"
    source.write_text(CSV, encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(source), "--org", "no-such-org"])
    assert result.exit_code == 2
