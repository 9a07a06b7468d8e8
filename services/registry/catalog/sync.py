"""Keeps ``catalog_entries`` in step with resources and products on every ORM write, in the same transaction.

Mapper events fire inside the flush of whatever service wrote the subject (REST, GraphQL, CLI), so the index
can never disagree with a committed row: it commits or rolls back with it. Writers that bypass the ORM
(the bulk importer) call :func:`entry_row` and insert the rows themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, event, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, object_session

from services.kernel.timeutil import utcnow

from ..registration.models import Product, Resource
from .cjk import analyze, analyze_parts, tsvector_literal
from .models import CatalogEntry, CatalogState

__all__ = ["entry_row", "install_catalog_sync", "mark_changed", "on_startup", "version_bump"]

_table = CatalogEntry.__table__
_state = CatalogState.__table__


def _item_names(items: list) -> list[str]:
    names = []
    for item in items or []:
        if isinstance(item, dict):
            for key in ("name", "label", "description"):
                value = item.get(key)
                if value:
                    names.append(str(value))
        elif isinstance(item, str):
            names.append(item)
    return names


def entry_row(subject: Resource | Product | dict[str, Any], subject_type: str, *, tsv: bool = False
              ) -> dict[str, Any]:
    """The catalog row of a resource or product (an ORM object or a dict of its columns); ``tsv`` adds the
    PostgreSQL tsvector."""
    get = subject.get if isinstance(subject, dict) else (lambda k, d=None: getattr(subject, k, d))
    name, description = get("name") or "", get("description") or ""
    is_product = subject_type == "product"
    extra = _item_names(get("scenarios") or []) if is_product else _item_names(get("data_items") or [])
    title = analyze(name)
    body = analyze_parts(description, get("org_name"), get("domain"), *extra, *(get("joint_org_names") or []))
    return {
        "subject_type": subject_type,
        "subject_id": get("id"),
        "org_id": get("org_id"),
        "org_name": get("org_name") or "",
        "name": name,
        "description": description,
        "region_code": get("region_code") or "",
        "domain": get("domain") or "",
        "update_frequency": "" if is_product else (get("update_frequency") or ""),
        "sharing_attribute": "" if is_product else (get("sharing_attribute") or ""),
        "opening_attribute": "" if is_product else (get("opening_attribute") or ""),
        "grading": "" if is_product else (get("grading") or ""),
        "form": get("form") or "" if is_product else "",
        "use_type": get("use_type") or "" if is_product else "",
        "status": get("status") or "draft",
        # PostgreSQL indexes the tsvector; SQLite's FTS5 indexes the token text. Each keeps only its own.
        "title_tokens": "" if tsv else " ".join(title),
        "body_tokens": "" if tsv else " ".join(body),
        "tsv": tsvector_literal(title, body) if tsv else None,
        "created_at": get("created_at") or utcnow(),
        "updated_at": get("updated_at") or utcnow(),
    }


def version_bump(dialect: str):
    """The statement that moves the catalogue's version (catalog_state), creating its row the first time."""
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(_state).values(id=1, version=1)
    return stmt.on_conflict_do_update(index_elements=[_state.c.id], set_={"version": _state.c.version + 1})


_CHANGED = "pdr.catalog_changed"


def mark_changed(session: Session) -> None:
    """The catalogue changes in ``session``'s transaction: its version moves when the transaction commits."""
    session.info[_CHANGED] = True


def _changed(target) -> None:
    session = object_session(target)
    if session is not None:
        mark_changed(session)


def _bump_before_commit(session: Session) -> None:
    # The version row is the last lock a writing transaction takes: taken where the entry changed, it deadlocked
    # against the ledger's head row, which the same transactions take in the other order (two registry replicas
    # under load: tests/e2e/test_multi_replica.py). The flush first, so this transaction's changes are counted.
    session.flush()
    if session.info.pop(_CHANGED, False):
        session.execute(version_bump(session.get_bind().dialect.name))


def _forget(session: Session, *_args) -> None:
    session.info.pop(_CHANGED, None)


def _inserted(subject_type: str):
    def listener(_mapper, connection, target) -> None:
        connection.execute(insert(_table).values(**entry_row(target, subject_type, tsv=_pg(connection))))
        _changed(target)
    return listener


def _pg(connection) -> bool:
    return connection.dialect.name == "postgresql"


def _updated(subject_type: str):
    def listener(_mapper, connection, target) -> None:
        row = entry_row(target, subject_type, tsv=_pg(connection))
        row.pop("created_at")
        result = connection.execute(
            update(_table).where(_table.c.subject_type == subject_type, _table.c.subject_id == target.id)
            .values(**row))
        if result.rowcount == 0:  # a subject written before the index existed
            connection.execute(insert(_table).values(**entry_row(target, subject_type, tsv=_pg(connection))))
        _changed(target)
    return listener


def _deleted(subject_type: str):
    def listener(_mapper, connection, target) -> None:
        connection.execute(
            delete(_table).where(_table.c.subject_type == subject_type, _table.c.subject_id == target.id))
        _changed(target)
    return listener


def install_catalog_sync() -> None:
    """Register the listeners once per process (apps in tests and the CLI may each call this)."""
    for model, subject_type in ((Resource, "resource"), (Product, "product")):
        for name, factory in (("after_insert", _inserted), ("after_update", _updated), ("after_delete", _deleted)):
            if (model, name) not in _installed:
                event.listen(model, name, factory(subject_type))
                _installed.add((model, name))
    for name, listener in (("before_commit", _bump_before_commit), ("after_rollback", _forget)):
        if (Session, name) not in _installed:
            event.listen(Session, name, listener)
            _installed.add((Session, name))


_installed: set[tuple[type, str]] = set()


async def on_startup(_app) -> None:
    install_catalog_sync()
