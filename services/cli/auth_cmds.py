"""``pdr auth …``: bootstrap and list organizations, accounts and clients from the shell; rotate signing keys.

They work on the auth database directly (the shell of the host that runs auth is trusted as an admin), and
import the auth service only when they run, so that ``pdr --help`` stays instant.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .common import DataDir, run, service_db, use_data_dir

__all__ = ["app"]

app = typer.Typer(help="Identities (create and list organizations, accounts, clients) and signing keys of the auth "
                  "service.", no_args_is_help=True)
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
    from pydantic import ValidationError

    try:
        return build()
    except ValidationError as exc:
        for err in exc.errors():
            console.print(f"[red]{'.'.join(str(p) for p in err['loc'])}: {err['msg']}[/red]")
        raise typer.Exit(2) from None


def _do(work, as_json: bool, title: str) -> None:
    from services.kernel.problems import Problem

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
    from services.auth.identities import OrgIn, create_org

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
    from services.auth.identities import AccountIn, create_account
    from services.auth.secrets import Passwords

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
    from services.auth.identities import ClientIn, create_client
    from services.auth.secrets import ClientSecrets
    from services.auth.settings import AuthSettings

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
    from services.auth.keys import key_state, rotate_keys
    from services.auth.settings import AuthSettings

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


def _read(query_rows, as_json: bool, title: str, columns: dict[str, str]) -> None:
    """Print rows read from the auth database as a table of ``columns`` (header → key), or all of it as JSON.
    An id a person copies (for --org) is never cut; other cells fold."""
    from sqlalchemy.exc import DBAPIError

    from services.kernel.migrate import database_url_for

    try:
        rows = run(lambda: _in_transaction(query_rows))
    except DBAPIError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        console.print(f"[red]cannot read the auth database ({reason}); is it migrated? `pdr migrate auth` "
                      f"(database: {database_url_for('auth')})[/red]")
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{title} ({len(rows)})")
    for header, key in columns.items():
        table.add_column(header, no_wrap=key == "id", min_width=32 if key == "id" else None, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row[key]) for key in columns.values()))
    Console().print(table)


def _cell(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, list):
        return " ".join(value)
    return "" if value is None else str(value)


async def _org_names(session) -> dict[str, str]:
    from sqlalchemy import select

    from services.auth.models import Organization

    return dict((await session.execute(select(Organization.id, Organization.name))).all())


AsJson = Annotated[bool, typer.Option("--json", help="Print the records as JSON")]
OrgFilter = Annotated[str | None, typer.Option("--org", help="Only this organization's (its id)")]


@app.command("list-orgs")
def list_orgs_cmd(
    kind: Annotated[str | None, typer.Option(help="Only organizations of this kind (e.g. agency, operator)")] = None,
    region: Annotated[str | None, typer.Option(help="Only this administrative division code (6 digits)")] = None,
    as_json: AsJson = False,
    data_dir: DataDir = None,
) -> None:
    """List organizations with their ids (what --org takes), kinds and regions (--json adds the USCC)."""
    from sqlalchemy import select

    from services.auth.models import Organization

    use_data_dir(data_dir)

    async def work(session) -> list[dict]:
        query = select(Organization).order_by(Organization.region_code, Organization.kind, Organization.name)
        if kind:
            query = query.where(Organization.kind == kind)
        if region:
            query = query.where(Organization.region_code == region)
        return [{"id": o.id, "name": o.name, "kind": o.kind, "region_code": o.region_code, "uscc": o.uscc}
                for o in (await session.scalars(query)).all()]

    _read(work, as_json, "organizations", {"id": "id", "name": "name", "kind": "kind", "region": "region_code"})


@app.command("list-accounts")
def list_accounts_cmd(org: OrgFilter = None, as_json: AsJson = False, data_dir: DataDir = None) -> None:
    """List people's accounts: username, roles, organization and whether disabled (--json adds ids; never a
    password)."""
    from sqlalchemy import select

    from services.auth.models import Account

    use_data_dir(data_dir)

    async def work(session) -> list[dict]:
        names = await _org_names(session)
        query = select(Account).order_by(Account.username)
        if org:
            query = query.where(Account.org_id == org)
        return [{"username": a.username, "display_name": a.display_name, "roles": list(a.roles), "org_id": a.org_id,
                 "org_name": names.get(a.org_id, ""), "disabled": a.disabled}
                for a in (await session.scalars(query)).all()]

    _read(work, as_json, "accounts", {"username": "username", "roles": "roles", "organization": "org_name",
                                      "disabled": "disabled"})


@app.command("list-clients")
def list_clients_cmd(org: OrgFilter = None, as_json: AsJson = False, data_dir: DataDir = None) -> None:
    """List machine clients: client id, kind, scopes, organization and whether disabled (--json adds ids and
    names; never a secret)."""
    from sqlalchemy import select

    from services.auth.models import Client

    use_data_dir(data_dir)

    async def work(session) -> list[dict]:
        names = await _org_names(session)
        query = select(Client).order_by(Client.client_id)
        if org:
            query = query.where(Client.org_id == org)
        return [{"client_id": c.client_id, "name": c.name, "kind": c.kind, "scopes": list(c.scopes),
                 "org_id": c.org_id, "org_name": names.get(c.org_id, "") if c.org_id else "", "disabled": c.disabled}
                for c in (await session.scalars(query)).all()]

    _read(work, as_json, "clients", {"client id": "client_id", "kind": "kind", "scopes": "scopes",
                                     "organization": "org_name", "disabled": "disabled"})
