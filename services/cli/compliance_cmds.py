"""``pdr sweep``: run every compliance rule against the registry database (for cron or a systemd timer).

Deadline rules (reports due by 31 March, registrations overdue, ceilings not reviewed) only fire in a sweep;
the same function serves ``POST /compliance/sweep``. Findings are opened once and resolved when their cause goes.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.console import Console

from .common import DataDir, run, service_db, use_data_dir

__all__ = ["register", "sweep_database"]

console = Console(stderr=True)


async def sweep_database(on: date | None) -> dict:
    from services.registry.compliance.engine import sweep

    db = await service_db("registry")
    try:
        async with db.sessions.begin() as session:
            result = await sweep(session, None, on)
        return vars(result)
    finally:
        await db.dispose()


def register(app: typer.Typer) -> None:
    @app.command("sweep")
    def sweep_cmd(
        on: Annotated[str | None, typer.Option(help="Evaluate deadlines as of this day (YYYY-MM-DD); default today "
                                                    "in China Standard Time")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
        data_dir: DataDir = None,
    ) -> None:
        """Run every compliance rule once: open new findings, resolve those whose cause went away."""
        use_data_dir(data_dir)
        try:
            day = date.fromisoformat(on) if on else None
        except ValueError:
            console.print(f"[red]--on must be a date like 2026-04-01, not {on!r}[/red]")
            raise typer.Exit(2) from None
        result = run(lambda: sweep_database(day))
        if as_json:
            typer.echo(json.dumps(result))
        else:
            console.print(f"[green]sweep done[/green]: {result['checked_rules']} rules, {result['opened']} opened, "
                          f"{result['resolved']} resolved, {result['open_now']} open")
