"""``pdr calendar …`` and ``pdr registration …``: official calendar data and the daily registration sweep."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .common import DataDir, run, service_db, use_data_dir

__all__ = ["calendar_app", "registration_app"]

calendar_app = typer.Typer(help="Official working-day calendar used for registration deadlines.",
                           no_args_is_help=True)
registration_app = typer.Typer(help="Statutory registration housekeeping.", no_args_is_help=True)
console = Console(stderr=True)


def read_days(path: Path) -> list[tuple[date, bool, str]]:
    """CSV (day,working,name), JSON or YAML (a list of {day, working, name}, or {days: [...]})."""
    import yaml

    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(text.splitlines()))
    else:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
        rows = data.get("days", []) if isinstance(data, dict) else data
    days = []
    for number, row in enumerate(rows or [], start=1):
        try:
            working = row.get("working")
            if isinstance(working, str):
                working = working.strip().lower() in {"1", "true", "yes", "y", "班", "上班"}
            day = row["day"] if isinstance(row["day"], date) else date.fromisoformat(str(row["day"]).strip())
            days.append((day, bool(working), str(row.get("name") or "")))
        except (KeyError, ValueError, AttributeError, TypeError) as exc:
            raise typer.BadParameter(f"row {number}: {exc}") from None
    return days


async def _work(job):
    db = await service_db("registry")
    try:
        async with db.sessions.begin() as session:
            return await job(session)
    finally:
        await db.dispose()


@calendar_app.command("load")
def calendar_load(year: Annotated[int, typer.Argument(min=2000, max=2100)],
                  file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
                  source: Annotated[str, typer.Option(help="Where the data comes from (the notice)")] = "",
                  data_dir: DataDir = None) -> None:
    """Load a year's holidays and adjusted working days, replacing what was loaded before."""
    from services.kernel.problems import Problem
    from services.registry.registration.calendar import load_year

    use_data_dir(data_dir)
    days = read_days(file)
    try:
        count = run(lambda: _work(lambda s: load_year(s, year, days, principal=None, source=source or str(file))))
    except Problem as problem:
        console.print(f"[red]{problem.title}: {problem.detail}[/red]")
        raise typer.Exit(1) from None
    console.print(f"[green]{year}: {count} days loaded[/green]")


@calendar_app.command("show")
def calendar_show(year: Annotated[int, typer.Argument(min=2000, max=2100)], data_dir: DataDir = None) -> None:
    """Where the calendar of a year comes from and its working days."""
    from services.registry.registration.calendar import load_calendar

    use_data_dir(data_dir)

    async def job(session):
        calendar = await load_calendar(session)
        source = "database" if year in calendar.loaded_years else "package" if year in calendar.packaged else None
        start, end = date(year, 1, 1), date(year, 12, 31)
        return source, calendar.working_days_between(start, end) + calendar.is_working_day(start)

    source, working = run(lambda: _work(job))
    typer.echo(json.dumps({"year": year, "source": source or "none (Monday–Friday, provisional)",
                           "working_days": working}, ensure_ascii=False))


@registration_app.command("sweep")
def registration_sweep(data_dir: DataDir = None) -> None:
    """Close public notices that ended without pending objections; expire registrations not renewed."""
    from services.kernel.timeutil import china_today
    from services.registry.registration.calendar import load_calendar
    from services.registry.registration.completion import sweep
    from services.registry.registration.context import Ctx
    from services.registry.registration.rules import RegistrationRules

    use_data_dir(data_dir)

    async def job(session):
        ctx = Ctx(session, None, china_today(), await load_calendar(session), RegistrationRules())
        return await sweep(ctx, system=True)

    typer.echo(json.dumps(run(lambda: _work(job)), ensure_ascii=False))
