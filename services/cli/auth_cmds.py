"""``pdr auth …``: bootstrap organizations, accounts and clients from the shell; rotate signing keys."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from services.auth.identities import AccountIn, ClientIn, OrgIn, create_account, create_client, create_org
from services.auth.keys import key_state, rotate_keys
from services.auth.secrets import ClientSecrets, Passwords
from services.auth.settings import AuthSettings
from services.kernel.problems import Problem

from .common import DataDir, run, service_db, use_data_dir

__all__ = ["app"]

app = typer.Typer(help="Identities and signing keys of the auth service.", no_args_is_help=True)
console = Console(stderr=True)


def _emit(record: dict, as_json: bool, title: str) -> None:
    if as_json:
        typer.echo(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        console.print(f"[green]{title}[/green]")
        for key, value in record.items():
            console.print(f"  {key}: {value}")


async def _in_transaction(work):
    db = await service_db("auth")
    try:
        async with db.sessions.begin() as session:
            return await work(session)
    finally:
        await db.dispose()


def _guard(build):
    try:
        return build()
    except ValidationError as exc:
        for err in exc.errors():
            console.print(f"[red]{'.'.join(str(p) for p in err['loc'])}: {err['msg']}[/red]")
        raise typer.Exit(2) from None


def _do(work, as_json: bool, title: str) -> None:
    try:
        record = run(lambda: _in_transaction(work))
    except Problem as problem:
        console.print(f"[red]{problem.title}: {problem.detail}[/red]")
        raise typer.Exit(1) from None
    _emit(record.model_dump(), as_json, title)


@app.command("create-org")
def create_org_cmd(
    name: Annotated[str, typer.Option(help="Organization name")],
    uscc: Annotated[str, typer.Option(help="Unified social credit code (18 characters)")],
    region: Annotated[str, typer.Option(help="Administrative division code (6 digits)")],
    kind: Annotated[str, typer.Option(help="authority | registration_body | agency | operator | audit_body | "
                                      "price_authority | implementing_body")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the created record as JSON")] = False,
    data_dir: DataDir = None,
) -> None:
    """Create an organization."""
    use_data_dir(data_dir)
    data = _guard(lambda: OrgIn(name=name, uscc=uscc, region_code=region, kind=kind))
    _do(lambda s: create_org(s, data), as_json, "organization created")


@app.command("create-account")
def create_account_cmd(
    username: Annotated[str, typer.Option()],
    org: Annotated[str, typer.Option(help="Organization id")],
    role: Annotated[list[str], typer.Option(help="Role; repeat for several")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    display_name: Annotated[str, typer.Option()] = "",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    data_dir: DataDir = None,
) -> None:
    """Create a person's account bound to an organization."""
    use_data_dir(data_dir)
    data = _guard(lambda: AccountIn(username=username, password=password, org_id=org, roles=role,
                                    display_name=display_name))
    _do(lambda s: create_account(s, data, Passwords()), as_json, "account created")


@app.command("create-client")
def create_client_cmd(
    client_id: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    scope: Annotated[list[str], typer.Option(help="Scope; repeat for several")] = [],  # noqa: B006
    kind: Annotated[str, typer.Option(help="portal | service")] = "portal",
    org: Annotated[str | None, typer.Option(help="Organization id")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    data_dir: DataDir = None,
) -> None:
    """Create a machine client; its secret is printed once."""
    use_data_dir(data_dir)
    data = _guard(lambda: ClientIn(client_id=client_id, name=name, kind=kind, org_id=org, scopes=scope))
    secrets = ClientSecrets(AuthSettings().client_secret_pepper)
    _do(lambda s: create_client(s, data, secrets), as_json, "client created (the secret is shown only now)")


@app.command("rotate-keys")
def rotate_keys_cmd(
    now: Annotated[bool, typer.Option("--now", help="A compromised key: sign with the new key at once and withdraw "
                                      "every older key from JWKS now; their tokens are refused at every service "
                                      "within seconds (the revocation list's poll). Their holders sign in or "
                                      "refresh again.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    data_dir: DataDir = None,
) -> None:
    """Publish a new signing key, which signs after key_publish_ahead_seconds; the old one stays in JWKS until
    its last token expires (with --now: withdrawn at once)."""
    use_data_dir(data_dir)
    settings = AuthSettings()
    ahead = 0 if now else settings.key_publish_ahead_seconds

    async def work(session):
        before = (await key_state(session))[1]
        row = await rotate_keys(session, settings.access_token_ttl_seconds, ahead, settings.keywrap)
        await session.flush()
        withdrawn = sorted(before - (await key_state(session))[1])
        return {"kid": row.kid, "alg": row.alg, "published_at": row.created_at.isoformat(),
                "signs_from": (row.signs_from or row.created_at).isoformat(), "sealed": settings.keywrap.sealing,
                "withdrawn": withdrawn}

    record = run(lambda: _in_transaction(work))
    _emit(record, as_json, "signing key rotated")
