"""``pdr scoring …``: indicator models, AHP weights, registry sync and bulk rescoring from the shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .common import DataDir, run, service_db, use_data_dir

__all__ = ["app"]

app = typer.Typer(help="Valorization evaluation, value scores and valuation (scoring service).", no_args_is_help=True)
console = Console(stderr=True)


async def _in_transaction(work):
    db = await service_db("scoring")
    try:
        async with db.sessions.begin() as session:
            return await work(session)
    finally:
        await db.dispose()


@app.command("default-model")
def default_model_cmd() -> None:
    """Print the shipped default indicator model (YAML), a starting point for a new version."""
    from services.scoring.indicators.loader import default_yaml

    typer.echo(default_yaml())


@app.command("models")
def models_cmd(data_dir: DataDir = None) -> None:
    """List indicator model versions."""
    from services.scoring.indicators.store import list_versions

    use_data_dir(data_dir)
    versions = run(lambda: _in_transaction(list_versions))
    table = Table("version", "name", "published by", "published at", "sha-256")
    for v in versions:
        published = v.published_at.isoformat() if v.published_at else "(shipped)"
        table.add_row(v.version, v.name, v.published_by, published, v.digest[:16] + "…")
    Console().print(table)


@app.command("publish-model")
def publish_model_cmd(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
                      data_dir: DataDir = None) -> None:
    """Publish a new indicator model version from a YAML file (AHP matrices must have CR < 0.1)."""
    from services.kernel.problems import Problem
    from services.kernel.security import Principal
    from services.scoring.indicators.store import publish

    shell = Principal(subject="cli", org=None, roles=frozenset({"admin"}))  # the host's shell acts as an admin
    use_data_dir(data_dir)
    text = file.read_text("utf-8")
    try:
        version = run(lambda: _in_transaction(lambda s: publish(s, shell, text)))
    except Problem as problem:
        console.print(f"[red]{problem.title}: {problem.detail}[/red]")
        for err in problem.extensions.get("errors", []):
            console.print(f"[red]  {err['field']}: {err['message']}[/red]")
        raise typer.Exit(1) from None
    console.print(f"[green]published {version.version}[/green] ({version.digest})")


@app.command("ahp")
def ahp_cmd(matrix: Annotated[str, typer.Argument(help='Pairwise matrix as JSON, e.g. "[[1,3],[0.3333,1]]"')]) -> None:
    """AHP weights, λmax, CI, RI and CR of a pairwise comparison matrix."""
    from services.scoring.indicators.ahp import InconsistentJudgements, ahp_weights

    try:
        result = ahp_weights(json.loads(matrix))
    except InconsistentJudgements as exc:
        typer.echo(json.dumps(exc.result.as_json(), indent=2))
        console.print(f"[red]refused: CR = {exc.result.consistency_ratio:.4f} is not below 0.1[/red]")
        raise typer.Exit(1) from None
    except (ValueError, TypeError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    typer.echo(json.dumps(result.as_json(), indent=2))


@app.command("rescore")
def rescore_cmd(data_dir: DataDir = None) -> None:
    """Recompute every product and resource value score from the registry mirror."""
    from services.scoring.products.service import rescore_all

    use_data_dir(data_dir)
    count = run(lambda: _in_transaction(rescore_all))
    console.print(f"[green]{count} value scores recomputed[/green]")


@app.command("sync")
def sync_cmd(data_dir: DataDir = None) -> None:
    """Pull one page of the registry change feed now (uses PDR_SCORING_CLIENT_ID/SECRET and REGISTRY_URL)."""
    from services.kernel.http import ServiceClient
    from services.scoring.lifecycle import refresh_after_sync
    from services.scoring.mirror.consumer import sync_once
    from services.scoring.mirror.gateway import RegistryGateway
    from services.scoring.settings import ScoringSettings

    use_data_dir(data_dir)
    s = ScoringSettings()

    async def work():
        db = await service_db("scoring")
        client = ServiceClient(s.registry_url, token_url=s.token_url, client_id=s.client_id,
                               client_secret=s.client_secret, audience=s.registry_audience, scope=s.registry_scopes)
        try:
            return await sync_once(db, RegistryGateway(client, s.feed_page_size), refresh_after_sync,
                                   s.feed_page_size)
        finally:
            await client.aclose()
            await db.dispose()

    report = run(work)
    if report.error:
        console.print(f"[red]sync failed: {report.error} (results are served stale)[/red]")
        raise typer.Exit(1)
    console.print(f"[green]{report.mode}: {report.applied} applied, {report.changed} changed, cursor "
                  f"{report.cursor}[/green]")
