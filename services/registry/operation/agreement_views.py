"""Agreements as the API shows them: the row plus its data scope (with each resource's name, for the people who
read it) and product list, loaded in three queries."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.registry.ledger.canonical import to_json

from ..registration.models import Resource
from .models import Agreement, AgreementProduct, AgreementResource
from .schemas import AgreementOut

__all__ = ["agreement_out", "agreements_out", "scope_of", "snapshot"]

SNAPSHOT_FIELDS = ("plan_id", "selection_id", "operator_org_id", "mode", "starts_on", "ends_on", "terms", "status")


async def scope_of(session: AsyncSession, ids: list[str]) -> tuple[dict[str, list[dict]], dict[str, list[str]]]:
    resources: dict[str, list[dict]] = defaultdict(list)
    products: dict[str, list[str]] = defaultdict(list)
    if not ids:
        return resources, products
    for row in (await session.scalars(select(AgreementResource).where(AgreementResource.agreement_id.in_(ids))
                                      .order_by(AgreementResource.resource_id))).all():
        resources[row.agreement_id].append({"resource_id": row.resource_id,
                                            "shared_from_org_id": row.shared_from_org_id,
                                            "shared_from_org_name": row.shared_from_org_name})
    for aid, pid in (await session.execute(select(AgreementProduct.agreement_id, AgreementProduct.product_id)
                                           .where(AgreementProduct.agreement_id.in_(ids))
                                           .order_by(AgreementProduct.product_id))).all():
        products[aid].append(pid)
    return resources, products


def snapshot(agreement: Agreement, resources: list[dict], products: list[str]) -> dict:
    data = {f: getattr(agreement, f) for f in SNAPSHOT_FIELDS}
    return to_json({**data, "resources": resources, "product_ids": products})


async def _resource_names(session: AsyncSession, scopes: list[list[dict]]) -> dict[str, str]:
    ids = sorted({item["resource_id"] for scope in scopes for item in scope})
    if not ids:
        return {}
    query = select(col(Resource.id), col(Resource.name)).where(col(Resource.id).in_(ids))
    return dict((await session.execute(query)).all())


async def agreements_out(session: AsyncSession, agreements: list[Agreement]) -> list[AgreementOut]:
    resources, products = await scope_of(session, [a.id for a in agreements])
    # Names are read beside the scope, not kept in it: the scope is what the ledger's snapshots record.
    names = await _resource_names(session, list(resources.values()))
    for scope in resources.values():
        for item in scope:
            item["resource_name"] = names.get(item["resource_id"])
    return [AgreementOut.model_validate({**a.model_dump(), "resources": resources[a.id], "product_ids": products[a.id]})
            for a in agreements]


async def agreement_out(session: AsyncSession, agreement: Agreement) -> AgreementOut:
    return (await agreements_out(session, [agreement]))[0]
