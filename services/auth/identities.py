"""Organizations, people accounts and machine clients: created from the CLI or by an administrator."""

from __future__ import annotations

from typing import Annotated

import anyio
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.identifiers import is_division_code, is_uscc
from services.kernel.problems import Conflict, NotFound, Unprocessable
from services.kernel.text import Line, Name

from .models import Account, Client, Organization, OrgKind, Role
from .secrets import ClientSecrets, Passwords, new_client_secret

__all__ = [
    "AccountIn", "AccountOut", "ClientIn", "ClientOut", "OrgIn", "OrgOut",
    "create_account", "create_client", "create_org", "get_org", "list_orgs",
]

SERVICE_SCOPES = frozenset({
    "registry:read", "registry:write", "registry:feed", "scoring:read", "scoring:write", "orgs:read",
})


class OrgIn(BaseModel):
    name: Annotated[str, Name(max_length=200)]
    uscc: Annotated[str, Line(max_length=18)] = Field(
        description="18-character unified social credit code (GB 32100-2015)")
    region_code: Annotated[str, Line(max_length=6)] = Field(
        description="6-digit administrative division code (GB/T 2260)")
    kind: OrgKind

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, value: str) -> str:
        value = value.strip().upper()
        if not is_uscc(value):
            raise ValueError("not a valid unified social credit code (check character per GB 32100-2015)")
        return value

    @field_validator("region_code")
    @classmethod
    def _region(cls, value: str) -> str:
        if not is_division_code(value):
            raise ValueError("not a 6-digit administrative division code (GB/T 2260)")
        return value


class OrgOut(BaseModel):
    id: str
    name: str
    uscc: str
    region_code: str
    kind: str


class AccountIn(BaseModel):
    username: Annotated[str, Line(min_length=3, max_length=100)] = Field(pattern=r"^[A-Za-z0-9._@-]+$")
    password: Annotated[str, Line(min_length=10, max_length=256)]
    org_id: Annotated[str, Line(min_length=1, max_length=32)]
    roles: list[Role] = Field(min_length=1)
    display_name: Annotated[str, Name(min_length=0, max_length=200)] = ""


class AccountOut(BaseModel):
    id: str
    username: str
    display_name: str
    org_id: str
    roles: list[str]


class ClientIn(BaseModel):
    client_id: Annotated[str, Line(min_length=3, max_length=100)] = Field(pattern=r"^[A-Za-z0-9._-]+$")
    name: Annotated[str, Name(max_length=200)]
    kind: Annotated[str, Line()] = Field(default="portal", pattern=r"^(portal|service)$")
    org_id: Annotated[str, Line(max_length=32)] | None = None
    scopes: list[Annotated[str, Line(max_length=64)]] = Field(default_factory=list)

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        unknown = set(value) - SERVICE_SCOPES
        if unknown:
            raise ValueError(f"unknown scopes: {', '.join(sorted(unknown))}")
        return sorted(set(value))


class ClientOut(BaseModel):
    id: str
    client_id: str
    name: str
    kind: str
    org_id: str | None
    scopes: list[str]
    client_secret: str | None = Field(default=None, description="Shown once, at creation")


async def _flush_unique(session: AsyncSession, what: str) -> None:
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"{what} already exists.", slug="already-exists") from None


async def create_org(session: AsyncSession, data: OrgIn) -> OrgOut:
    if (await session.scalars(select(Organization).where(Organization.uscc == data.uscc))).first():
        raise Conflict(f"An organization with USCC {data.uscc} already exists.", slug="already-exists")
    org = Organization(**data.model_dump())
    session.add(org)
    await _flush_unique(session, "The organization")
    return OrgOut.model_validate(org, from_attributes=True)


async def get_org(session: AsyncSession, org_id: str) -> OrgOut:
    org = await session.get(Organization, org_id)
    if org is None:
        raise NotFound(f"No organization {org_id}.")
    return OrgOut.model_validate(org, from_attributes=True)


async def list_orgs(session: AsyncSession, *, after: str | None, limit: int) -> list[OrgOut]:
    query = select(Organization).order_by(Organization.id).limit(limit)
    if after:
        query = query.where(Organization.id > after)
    return [OrgOut.model_validate(o, from_attributes=True) for o in (await session.scalars(query)).all()]


async def create_account(session: AsyncSession, data: AccountIn, passwords: Passwords) -> AccountOut:
    if await session.get(Organization, data.org_id) is None:
        raise Unprocessable(f"No organization {data.org_id}.", errors=[{"field": "org_id", "message": "unknown"}])
    if (await session.scalars(select(Account).where(Account.username == data.username))).first():
        raise Conflict(f"The username {data.username} is taken.", slug="already-exists")
    account = Account(
        username=data.username, display_name=data.display_name, org_id=data.org_id,
        roles=sorted({r.value for r in data.roles}),
        password_hash=await anyio.to_thread.run_sync(passwords.hash, data.password),
    )
    session.add(account)
    await _flush_unique(session, "The account")
    return AccountOut.model_validate(account, from_attributes=True)


async def get_account(session: AsyncSession, account_id: str) -> AccountOut:
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound(f"No account {account_id}.")
    return AccountOut.model_validate(account, from_attributes=True)


async def get_client(session: AsyncSession, client_id: str) -> ClientOut:
    """A machine client by its OAuth ``client_id``; its secret is never shown again."""
    client = (await session.scalars(select(Client).where(Client.client_id == client_id))).first()
    if client is None:
        raise NotFound(f"No client {client_id}.")
    return ClientOut.model_validate(client, from_attributes=True)


async def create_client(session: AsyncSession, data: ClientIn, secrets: ClientSecrets,
                        secret: str | None = None) -> ClientOut:
    if data.org_id and await session.get(Organization, data.org_id) is None:
        raise Unprocessable(f"No organization {data.org_id}.", errors=[{"field": "org_id", "message": "unknown"}])
    if (await session.scalars(select(Client).where(Client.client_id == data.client_id))).first():
        raise Conflict(f"The client id {data.client_id} is taken.", slug="already-exists")
    secret = secret or new_client_secret()
    client = Client(**data.model_dump(), secret_digest=secrets.digest(secret))
    session.add(client)
    await _flush_unique(session, "The client")
    out = ClientOut.model_validate(client, from_attributes=True)
    out.client_secret = secret
    return out


