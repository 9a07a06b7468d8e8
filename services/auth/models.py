"""Auth tables. One metadata for this service, with the shared naming convention."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, DateTime
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from services.kernel.db import make_metadata
from services.kernel.idempotency import idempotency_table
from services.kernel.timeutil import new_id, utcnow

__all__ = [
    "Account", "AuthTable", "Client", "LoginThrottle", "OrgKind", "Organization", "RefreshToken",
    "RevokedToken", "Role", "SigningKeyRow", "metadata",
]

metadata = make_metadata()


class AuthTable(SQLModel, registry=registry(metadata=metadata)):
    pass


idempotency = idempotency_table(metadata)


def _ts(**kw) -> Column:
    return Column(DateTime(timezone=True), **kw)


class OrgKind(StrEnum):
    authority = "authority"            # 数据主管部门
    registration_body = "registration_body"  # 登记机构
    agency = "agency"                  # 党政机关、事业单位
    operator = "operator"              # 运营机构
    audit_body = "audit_body"
    price_authority = "price_authority"  # 价格主管部门
    implementing_body = "implementing_body"  # 实施机构


class Role(StrEnum):
    admin = "admin"
    authority = "authority"
    registrar = "registrar"
    agency = "agency"
    operator = "operator"
    auditor = "auditor"


class Organization(AuthTable, table=True):
    __tablename__ = "organizations"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    uscc: str = Field(max_length=18, unique=True)
    region_code: str = Field(max_length=6, index=True)
    kind: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class Account(AuthTable, table=True):
    __tablename__ = "accounts"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    username: str = Field(max_length=100, unique=True)
    display_name: str = Field(default="", max_length=200)
    org_id: str = Field(foreign_key="organizations.id", index=True, max_length=32)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    password_hash: str = Field(max_length=255)
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class Client(AuthTable, table=True):
    __tablename__ = "clients"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    client_id: str = Field(max_length=100, unique=True)
    name: str = Field(max_length=200)
    kind: str = Field(default="portal", max_length=32)  # portal | service
    org_id: str | None = Field(default=None, foreign_key="organizations.id", max_length=32)
    secret_digest: str = Field(max_length=128)
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class SigningKeyRow(AuthTable, table=True):
    __tablename__ = "signing_keys"
    kid: str = Field(primary_key=True, max_length=64)
    alg: str = Field(max_length=10)
    private_pem: str
    public_jwk: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    # Published from ``created_at``, signing from ``signs_from`` (None: at once): verifiers learn a rotated key
    # from JWKS before the first token it signs reaches them.
    signs_from: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    # Set when a newer key takes over signing; the key stays published until ``publish_until``.
    retired_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    publish_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class RefreshToken(AuthTable, table=True):
    __tablename__ = "refresh_tokens"
    digest: str = Field(primary_key=True, max_length=64)  # SHA-256 of the opaque token; the token is never stored
    family_id: str = Field(index=True, max_length=32)
    account_id: str = Field(foreign_key="accounts.id", index=True, max_length=32)
    client_id: str | None = Field(default=None, max_length=100)
    scope: str = Field(default="", max_length=1000)
    audience: str = Field(max_length=100)
    issued_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    expires_at: datetime = Field(sa_column=_ts(nullable=False))
    spent_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class RevokedToken(AuthTable, table=True):
    """The revocation list (revocations.py): access tokens revoked before expiry (RFC 7009) by their ``jti``, and
    login sessions by their ``sid`` (a refresh-token family id); introspection and every verifier refuse them."""

    __tablename__ = "revoked_tokens"
    jti: str = Field(primary_key=True, max_length=64)  # a jti or a sid: both are new_id() values
    expires_at: datetime = Field(sa_column=_ts(nullable=False))


class LoginThrottle(AuthTable, table=True):
    """Failed sign-ins of one (address, account) pair or of one address, and the wait they earned (throttle.py)."""

    __tablename__ = "login_throttle"
    key: str = Field(primary_key=True, max_length=200)  # "pair:<address>|<username>" or "addr:<address>"
    failures: int = 0
    last_failed_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    locked_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


