"""``pdr import FILE``: an agency's resource catalogue (CSV/XLSX) or a DCAT-AP catalog into the registry.

The organization is looked up in the auth database (it must exist and be an agency), then the file goes
through the same import worker and importer as ``POST /catalog/import`` (same limits), in one transaction,
with a progress bar.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from .common import DataDir, run, service_db, use_data_dir

if TYPE_CHECKING:
    from rich.progress import Progress

    from services.registry.catalog.importer import Owner
    from services.registry.catalog.schemas import ImportReport

__all__ = ["catalog_demo", "register"]

console = Console(stderr=True)


async def _owner(org_id: str) -> Owner:
    from services.auth.models import Organization
    from services.registry.catalog.importer import Owner

    db = await service_db("auth")
    try:
        async with db.sessions() as session:
            org = await session.get(Organization, org_id)
    finally:
        await db.dispose()
    if org is None or org.kind != "agency":
        raise typer.BadParameter(f"{org_id} is not an agency organization known to auth (`pdr auth list-orgs "
                                 "--kind agency` lists them)", param_hint="--org")
    return Owner(org.id, org.name, org.region_code)


async def _import(path: Path, org_id: str, dry_run: bool, progress: Progress) -> ImportReport:
    from services.registry.catalog.dcat_import import FORMATS
    from services.registry.catalog.importer import import_sheet, schema_for
    from services.registry.catalog.parsing import import_worker, parse_upload
    from services.registry.settings import RegistrySettings

    owner = await _owner(org_id)
    dcat = "." + path.name.lower().rsplit(".", 1)[-1] in FORMATS
    worker = import_worker(RegistrySettings())
    try:
        parsed = await parse_upload(worker, path.name, await asyncio.to_thread(path.read_bytes), dcat=dcat)
    finally:
        await worker.close()
    sheet = parsed.sheet
    task = progress.add_task(f"importing {path.name}", total=max(len(sheet.rows), 1))
    db = await service_db("registry")
    try:
        async with db.sessions.begin() as session:
            report = await import_sheet(
                session, sheet, owner, digest=parsed.digest, dry_run=dry_run, schema=schema_for(dcat=dcat),
                progress=lambda done, total: progress.update(task, completed=done, total=total))
        progress.update(task, completed=progress.tasks[task].total)
        return report
    finally:
        await db.dispose()


def _print(report: ImportReport, dry_run: bool) -> None:
    if dry_run:  # nothing was written: say what an import would do
        console.print(f"dry run, nothing written: [green]would create {report.created}[/green], would update "
                      f"{report.updated}, unchanged {report.unchanged}, would skip {report.skipped}, "
                      f"[red]invalid {report.invalid}[/red] of {report.total_rows} rows")
    else:
        console.print(f"[green]created {report.created}[/green], updated {report.updated}, "
                      f"unchanged {report.unchanged}, skipped {report.skipped}, "
                      f"[red]invalid {report.invalid}[/red] of {report.total_rows} rows")
    if report.errors:
        table = Table("row", "column", "reason", title="Problems")
        for problem in report.errors[:200]:
            table.add_row(str(problem.row), problem.column or "", problem.reason)
        console.print(table)
        if len(report.errors) > 200:
            console.print(f"… and {len(report.errors) - 200} more (use --report FILE for all)")
    if report.invalid:
        console.print(f"[red]{report.invalid} invalid row(s)[/red]: fix them and import again (exit status 3)")


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_file(
        file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                             help="CSV or XLSX catalogue, or a DCAT-AP catalog (.ttl, .jsonld)")],
        org: Annotated[str, typer.Option("--org", help="Id of the agency organization that owns the resources")],
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and report; write nothing")] = False,
        report_path: Annotated[Path | None, typer.Option("--report", help="Write the full report as JSON")] = None,
        data_dir: DataDir = None,
    ) -> None:
        """Import an agency's resource catalogue as drafts: valid rows in, invalid rows reported, re-runs idempotent.
        Exit status 3 when any row is invalid (also with --dry-run)."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from services.kernel.migrate import upgrade
        from services.kernel.problems import Problem

        use_data_dir(data_dir)
        upgrade("registry")
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        try:
            with Progress(*columns, console=console) as progress:
                report = run(lambda: _import(file, org, dry_run, progress))
        except Problem as problem:
            console.print(f"[red]{problem.title}: {problem.detail}[/red]")
            for key, value in problem.extensions.items():
                console.print(f"  {key}: {value}")
            raise typer.Exit(1) from None
        _print(report, dry_run)
        if report_path:
            report_path.write_text(json.dumps(report.model_dump(), ensure_ascii=False, indent=2), encoding="utf-8")
        raise typer.Exit(0 if report.invalid == 0 else 3)


DEMO_CATALOGUE = (
    "资源名称,资源摘要,数据项,更新频率,共享属性,开放属性,数据分级,所属领域,行政区划代码\n"
    "上海市企业登记信息,市场主体登记的基础信息,统一社会信用代码;企业名称;登记机关;成立日期,每日,有条件,有条件,一般,市场监管,310000\n"
    "上海市公共交通客流数据,地铁和公交的分时段客流,线路;站点;时段;客流量,每日,无条件,有条件,一般,交通,310000\n"
    "上海市空气质量监测数据,自动监测站小时数据,站点;时间;PM2.5;PM10;AQI,实时,无条件,无条件,一般,生态环境,310000\n"
)


def catalog_demo(urls: dict[str, str], tokens) -> None:
    """Demo step for ``pdr up --demo``: agency2 imports a small catalogue (idempotent: matched by name)."""
    import httpx

    headers = {"Authorization": f"Bearer {tokens('agency2', 'pdr-registry')}"}
    response = httpx.post(f"{urls['registry']}/catalog/import", headers=headers, timeout=30,
                          files={"file": ("demo-catalogue.csv", DEMO_CATALOGUE.encode(), "text/csv")})
    response.raise_for_status()
