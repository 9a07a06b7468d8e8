"""Reading the mirror back as the contract's typed records, in bulk.

A payload is fetched as its stored JSON text and validated by pydantic-core straight from that text: decoding
it to dicts first and validating those builds every record twice over, and a run reads tens of thousands.

Building that many objects is also what sets off CPython's cyclic garbage collector: each time the heap grows
by a quarter, a full collection traverses every object again, records included, though none of them can be
garbage while they are being read. A caller that builds records, uses them and drops them in one synchronous
step does so under ``collector_paused()``; refcounting frees them (they form no cycles), so no collection
ever has to visit them. Reading 1,000 organizations' records (53,000) for an evaluation, that is more than a
second of two and a half (tests/perf/test_evaluation_perf.py).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import ColumnElement, Row, Text, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..contract import MODELS, Record
from ..records import RegistryRecord

__all__ = ["collector_paused", "mirrored_payloads", "typed", "typed_records"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector held off for a synchronous block (no task switch can happen inside)."""
    if not gc.isenabled():  # already held off by a caller
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def mirrored_payloads(session: AsyncSession, *where: ColumnElement[bool]) -> Sequence[Row[tuple[str, str]]]:
    """(kind, payload as JSON text) of the mirrored records matching ``where``."""
    return (await session.execute(select(RegistryRecord.kind, cast(RegistryRecord.payload, Text)).where(*where))).all()


def typed(payloads: Iterable[Row[tuple[str, str]]]) -> list[Record]:
    """Each payload as its contract model (raises pydantic.ValidationError on a non-conforming one)."""
    return [MODELS[kind].model_validate_json(text) for kind, text in payloads]


async def typed_records(session: AsyncSession, *where: ColumnElement[bool]) -> list[Record]:
    """The mirrored records matching ``where``, typed."""
    return typed(await mirrored_payloads(session, *where))
