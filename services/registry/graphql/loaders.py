"""DataLoaders, made fresh for every request (a cache must never outlive the request's session).

Each loader answers a whole batch of keys with one SQL statement, so a page of N items costs the same
number of statements whatever N is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from ..compliance.models import ComplianceRecord
from ..ledger import merkle
from ..ledger.models import LedgerNode
from ..ledger.tree import nodes_condition, read_head
from ..operation.models import Agreement, AgreementProduct, AgreementResource, AgreementVersion, AnnualReport, Plan
from ..organizations import org_names_query
from ..pricing.models import PriceRecord
from ..registration.models import Product, Registration, RegistrationEvent, Resource, SubjectVersion

__all__ = ["Loaders"]


def _by_id(session: AsyncSession, model: Any) -> DataLoader[str, Any]:
    async def load(keys: Sequence[str]) -> list[Any]:
        rows = (await session.scalars(select(model).where(model.id.in_(set(keys))))).all()
        found = {row.id: row for row in rows}
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _grouped(session: AsyncSession, model: Any, column: Any, order: Any) -> DataLoader[str, list[Any]]:
    async def load(keys: Sequence[str]) -> list[list[Any]]:
        rows = (await session.scalars(select(model).where(column.in_(set(keys))).order_by(order))).all()
        groups: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            groups[getattr(row, column.key)].append(row)
        return [groups.get(k, []) for k in keys]

    return DataLoader(load_fn=load)


def _pairs(session: AsyncSession, model: Any, key: Any, value: Any) -> DataLoader[str, list[str]]:
    async def load(keys: Sequence[str]) -> list[list[str]]:
        rows = (await session.execute(select(key, value).where(key.in_(set(keys))).order_by(value))).all()
        groups: dict[str, list[str]] = defaultdict(list)
        for k, v in rows:
            groups[k].append(v)
        return [groups.get(k, []) for k in keys]

    return DataLoader(load_fn=load)


def _org_names(session: AsyncSession) -> DataLoader[str, str | None]:
    async def load(keys: Sequence[str]) -> list[str | None]:
        rows = (await session.execute(org_names_query(set(keys)))).all()
        names = {org_id: name for org_id, name in rows if name}
        return [names.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _agreement_for_subject(session: AsyncSession, agreements: DataLoader[str, Any]) -> DataLoader[tuple[str, str], Any]:
    """The agreement a subject falls under, for agreements, products and resources alike, in one statement."""

    async def load(keys: Sequence[tuple[str, str]]) -> list[Any]:
        wanted: dict[str, set[str]] = defaultdict(set)
        for subject_type, subject_id in keys:
            wanted[subject_type].add(subject_id)
        parts = []
        if wanted["agreement"]:
            parts.append(select(literal("agreement").label("t"), Agreement.id.label("s"), Agreement.id.label("a"))
                         .where(Agreement.id.in_(wanted["agreement"])))
        if wanted["product"]:
            parts.append(select(literal("product").label("t"), Product.id.label("s"), Product.agreement_id.label("a"))
                         .where(Product.id.in_(wanted["product"]), Product.agreement_id.is_not(None)))
        if wanted["resource"]:
            parts.append(select(literal("resource").label("t"), AgreementResource.resource_id.label("s"),
                                AgreementResource.agreement_id.label("a"))
                         .where(AgreementResource.resource_id.in_(wanted["resource"])))
        if not parts:
            return [None] * len(keys)
        links = union_all(*parts).subquery()
        rows = (await session.execute(
            select(links.c.t, links.c.s, Agreement).join(Agreement, Agreement.id == links.c.a)
            .order_by(Agreement.created_at))).all()
        found: dict[tuple[str, str], Any] = {}
        for subject_type, subject_id, agreement in rows:
            found.setdefault((subject_type, subject_id), agreement)  # the first agreement naming it
            agreements.prime(agreement.id, agreement)
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _nodes(session: AsyncSession) -> DataLoader[tuple[int, int], bytes]:
    async def load(keys: Sequence[tuple[int, int]]) -> list[bytes]:
        rows = (await session.execute(select(LedgerNode.level, LedgerNode.index, LedgerNode.hash).where(
            nodes_condition(set(keys))))).all()
        found = {(lv, ix): h for lv, ix, h in rows}
        return [found.get(k) or merkle.ProofError("the ledger is missing tree nodes") for k in keys]

    return DataLoader(load_fn=load)


def _tree_size(session: AsyncSession) -> DataLoader[None, int]:
    """The current tree size, read once per request however many entries ask for it."""

    async def load(keys: Sequence[None]) -> list[int]:
        size = (await read_head(session)).size
        return [size] * len(keys)

    return DataLoader(load_fn=load)


class Loaders:
    def __init__(self, session: AsyncSession) -> None:
        self.resource = _by_id(session, Resource)
        self.product = _by_id(session, Product)
        self.registration = _by_id(session, Registration)
        self.plan = _by_id(session, Plan)
        self.agreement = _by_id(session, Agreement)
        self.price_record = _by_id(session, PriceRecord)
        self.annual_report = _by_id(session, AnnualReport)
        self.compliance_record = _by_id(session, ComplianceRecord)
        self.org_name = _org_names(session)
        self.registration_events = _grouped(session, RegistrationEvent, RegistrationEvent.registration_id,
                                            RegistrationEvent.at)
        self.agreement_versions = _grouped(session, AgreementVersion, AgreementVersion.agreement_id,
                                           AgreementVersion.version)
        self.subject_versions = _grouped(session, SubjectVersion, SubjectVersion.subject_id, SubjectVersion.version)
        self.agreement_resource_ids = _pairs(session, AgreementResource, AgreementResource.agreement_id,
                                             AgreementResource.resource_id)
        self.agreement_product_ids = _pairs(session, AgreementProduct, AgreementProduct.agreement_id,
                                            AgreementProduct.product_id)
        self.resource_agreement_ids = _pairs(session, AgreementResource, AgreementResource.resource_id,
                                             AgreementResource.agreement_id)
        self.tree_node = _nodes(session)
        self.agreement_for_subject = _agreement_for_subject(session, self.agreement)
        self.tree_size = _tree_size(session)

    def subject(self, subject_type: str) -> DataLoader[str, Any] | None:
        return {
            "resource": self.resource, "product": self.product, "registration": self.registration,
            "plan": self.plan, "agreement": self.agreement, "price_record": self.price_record,
            "annual_report": self.annual_report, "compliance_record": self.compliance_record,
        }.get(subject_type)


