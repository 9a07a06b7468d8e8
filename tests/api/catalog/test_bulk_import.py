"""Bulk import of an agency's resource catalogue (issue 3): CSV and XLSX, per-row report, idempotent re-runs."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from services.registry.catalog.models import CatalogEntry
from services.registry.registration.models import Resource

pytestmark = pytest.mark.asyncio(loop_scope="session")

CSV = (
    "资源名称,资源摘要,数据项,更新频率,共享属性,开放属性,数据分级,所属领域,行政区划代码\n"
    "公交线路数据,全市公交线路与站点,线路编号;站点名称,每日,无条件,有条件,一般,交通,310000\n"
    "企业年报数据,企业年度报告,,monthly,conditional,not,important,市场监管,310000\n"
    ",没有名称的行,,每日,无条件,有条件,一般,交通,310000\n"
    "坏分级数据,,,每日,无条件,有条件,绝密,交通,999999\n"
)


async def _count(apps, model) -> int:
    async with apps.registry.state.db.sessions() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


def _upload(content: bytes | str, name: str = "catalogue.csv"):
    data = content.encode() if isinstance(content, str) else content
    return {"file": (name, data, "application/octet-stream")}


async def test_valid_rows_are_written_and_invalid_rows_reported_with_row_column_reason(apps, registry_client, cast):
    agency = cast["agency"]
    response = await registry_client.post("/catalog/import", files=_upload(CSV), headers=agency.headers)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["total_rows"], report["created"], report["invalid"]) == (4, 2, 2)
    assert {(e["row"], e["column"]) for e in report["errors"]} == {(4, "资源名称"), (5, "数据分级"), (5, "行政区划代码")}
    assert await _count(apps, Resource) == 2 and await _count(apps, CatalogEntry) == 2
    async with apps.registry.state.db.sessions() as session:
        bus = (await session.scalars(select(Resource).where(Resource.name == "公交线路数据"))).one()
    assert (bus.org_id, bus.status, bus.update_frequency, bus.sharing_attribute) == (agency.org_id, "draft", "daily",
                                                                                      "unconditional")
    assert [item["name"] for item in bus.data_items] == ["线路编号", "站点名称"]


async def test_rerun_of_the_same_file_changes_nothing(apps, registry_client, cast):
    agency = cast["agency"]
    await registry_client.post("/catalog/import", files=_upload(CSV), headers=agency.headers)
    again = (await registry_client.post("/catalog/import", files=_upload(CSV), headers=agency.headers)).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert await _count(apps, Resource) == 2


async def test_changed_row_updates_the_draft_and_its_index_entry(apps, registry_client, cast):
    agency = cast["agency"]
    await registry_client.post("/catalog/import", files=_upload(CSV), headers=agency.headers)
    changed = CSV.replace("全市公交线路与站点", "全市公交和地铁换乘站点")
    report = (await registry_client.post("/catalog/import", files=_upload(changed), headers=agency.headers)).json()
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 1)
    hits = (await registry_client.get("/catalog/search", params={"q": "地铁"}, headers=agency.headers)).json()
    assert [h["name"] for h in hits["items"]] == ["公交线路数据"]


async def test_registered_resource_is_skipped_not_overwritten(apps, registry_client, cast):
    agency = cast["agency"]
    await registry_client.post("/catalog/import", files=_upload(CSV), headers=agency.headers)
    async with apps.registry.state.db.sessions.begin() as session:
        bus = (await session.scalars(select(Resource).where(Resource.name == "公交线路数据"))).one()
        bus.status = "registered"
    changed = CSV.replace("全市公交线路与站点", "改过的摘要")
    report = (await registry_client.post("/catalog/import", files=_upload(changed), headers=agency.headers)).json()
    assert report["skipped"] == 1 and any("change registration" in e["reason"] for e in report["errors"])


async def test_xlsx_catalogue_imports_like_csv(apps, registry_client, cast):
    agency = cast["agency"]
    book = Workbook()
    sheet = book.active
    for line in CSV.strip().splitlines():
        sheet.append(line.split(","))
    sheet.append(["数字区划", "", "", "yearly", "not", "not", "core", "", 310000])  # Excel keeps numbers as numbers
    buffer = io.BytesIO()
    book.save(buffer)
    response = await registry_client.post("/catalog/import", files=_upload(buffer.getvalue(), "目录.xlsx"),
                                          headers=agency.headers)
    report = response.json()
    assert response.status_code == 200, report
    assert (report["created"], report["invalid"]) == (3, 2)


async def test_duplicate_names_in_one_file_are_reported(registry_client, cast):
    agency = cast["agency"]
    rows = [*CSV.splitlines()[:2], CSV.splitlines()[1]]
    report = (await registry_client.post("/catalog/import", files=_upload("\n".join(rows)),
                                         headers=agency.headers)).json()
    assert report["created"] == 1 and report["errors"][0]["reason"].startswith("duplicate of row 2")


async def test_dry_run_reports_without_writing(apps, registry_client, cast):
    agency = cast["agency"]
    report = (await registry_client.post("/catalog/import", params={"dry_run": True}, files=_upload(CSV),
                                         headers=agency.headers)).json()
    assert report["created"] == 2 and await _count(apps, Resource) == 0


async def test_missing_required_column_rejects_the_file(apps, registry_client, cast):
    agency = cast["agency"]
    response = await registry_client.post("/catalog/import", files=_upload("资源名称,资源摘要\n甲,乙\n"),
                                          headers=agency.headers)
    assert response.status_code == 422
    assert response.json()["missing_columns"] == ["sharing_attribute", "opening_attribute", "grading"]
    assert await _count(apps, Resource) == 0


@pytest.mark.parametrize(("content", "name"), [(b"\x00\x01garbage", "x.xlsx"), (b"a,b\n", "x.txt"), (b"", "x.csv"),
                                          (b"\xff\xfe\xfa", "x.csv")])
async def test_unreadable_files_are_problems_not_500s(registry_client, cast, content, name):
    agency = cast["agency"]
    response = await registry_client.post("/catalog/import", files=_upload(content, name), headers=agency.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("role", ["admin", "authority", "registrar", "operator", "auditor"])
async def test_only_an_agency_imports_resources(apps, registry_client, cast, role):
    person = cast[role]
    response = await registry_client.post("/catalog/import", files=_upload(CSV), headers=person.headers)
    assert response.status_code == 403
    assert await _count(apps, Resource) == 0


async def test_anonymous_import_is_unauthorized(registry_client):
    response = await registry_client.post("/catalog/import", files=_upload(CSV))
    assert response.status_code == 401


async def test_imported_rows_belong_to_the_callers_org_only(apps, registry_client, cast):
    """An agency cannot register another agency's resource: the owner is the token's organization."""
    first, second = cast["agency"], cast["agency2"]
    await registry_client.post("/catalog/import", files=_upload(CSV), headers=first.headers)
    report = (await registry_client.post("/catalog/import", files=_upload(CSV), headers=second.headers)).json()
    assert report["created"] == 2  # same names, another organization: its own drafts
    async with apps.registry.state.db.sessions() as session:
        owners = (await session.execute(select(Resource.org_id, func.count()).group_by(Resource.org_id))).all()
    assert dict(owners) == {first.org_id: 2, second.org_id: 2}
