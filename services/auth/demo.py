"""Demo identities for the embedded setup: organizations of every kind in two regions (Beijing 110000, Shanghai
310000), one account per role and organization, two clients.

Idempotent: running it again leaves existing records alone and returns the same credentials.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.identifiers import with_uscc_check

from .identities import AccountIn, ClientIn, OrgIn, create_account, create_client, create_org
from .models import Account, Client, Organization
from .secrets import ClientSecrets, Passwords

__all__ = ["DEMO_PASSWORD", "seed_demo"]

DEMO_PASSWORD = "Demo-pass-2026!"  # noqa: S105 (the demo's published sign-in, seeded only with --demo)

ORGS = [
    # key, name, USCC first 17 characters, region, kind
    ("authority", "北京市数据管理局", "11110000MB000001", "110000", "authority"),
    ("registrar", "北京市公共数据资源登记中心", "12110000MB000002", "110000", "registration_body"),
    ("agency", "北京市交通委员会", "11110000MB000003", "110000", "agency"),
    ("agency2", "上海市大数据中心", "12310000MB000004", "310000", "agency"),
    ("operator", "北京数据运营有限公司", "91110000MA000005", "110000", "operator"),
    ("operator2", "上海数据集团有限公司", "91310000MA000006", "310000", "operator"),
    ("auditor", "国家数据审计中心", "12100000MB000007", "110000", "audit_body"),
    ("price", "北京市发展和改革委员会", "11110000MB000008", "110000", "price_authority"),
    ("agency3", "北京市生态环境局", "11110000MB000009", "110000", "agency"),
    ("agency4", "上海市卫生健康委员会", "11310000MB000010", "310000", "agency"),
    ("authority2", "上海市数据局", "11310000MB000011", "310000", "authority"),
    ("price2", "上海市发展和改革委员会", "11310000MB000012", "310000", "price_authority"),
]

ACCOUNTS = [
    ("admin", "authority", ["admin"]),
    ("authority", "authority", ["authority"]),
    ("price", "price", ["authority"]),
    ("registrar", "registrar", ["registrar"]),
    ("agency", "agency", ["agency"]),
    ("agency2", "agency2", ["agency"]),
    ("operator", "operator", ["operator"]),
    ("operator2", "operator2", ["operator"]),
    ("auditor", "auditor", ["auditor"]),
    ("agency3", "agency3", ["agency"]),
    ("agency4", "agency4", ["agency"]),
    ("authority2", "authority2", ["authority"]),
    ("price2", "price2", ["authority"]),
]

CLIENTS = [
    ("gov-portal", "政务门户", "portal", ["registry:read", "scoring:read"]),
    ("scoring-service", "Scoring service", "service", ["registry:read", "registry:feed", "orgs:read"]),
]


async def seed_demo(session: AsyncSession, secrets: ClientSecrets, client_secrets: dict[str, str]) -> dict:
    """Create what is missing; ``client_secrets`` gives the secret to use for each demo client."""
    passwords = Passwords()
    org_ids: dict[str, str] = {}
    for key, name, prefix, region, kind in ORGS:
        uscc = with_uscc_check(prefix + ("0" * (17 - len(prefix))))
        existing = (await session.scalars(select(Organization).where(Organization.uscc == uscc))).first()
        org_ids[key] = existing.id if existing else (await create_org(
            session, OrgIn(name=name, uscc=uscc, region_code=region, kind=kind))).id
    for username, org_key, roles in ACCOUNTS:
        if not (await session.scalars(select(Account).where(Account.username == username))).first():
            await create_account(session, AccountIn(
                username=username, password=DEMO_PASSWORD, org_id=org_ids[org_key], roles=roles), passwords)
    for client_id, name, kind, scopes in CLIENTS:
        if not (await session.scalars(select(Client).where(Client.client_id == client_id))).first():
            await create_client(session, ClientIn(client_id=client_id, name=name, kind=kind, scopes=scopes,
                                                  org_id=org_ids["authority"]), secrets, client_secrets[client_id])
    return {
        "organizations": org_ids,
        "accounts": {u: DEMO_PASSWORD for u, _, _ in ACCOUNTS},
        "clients": client_secrets,
    }
