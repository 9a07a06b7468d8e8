"""The ledger's size on /metrics (``pdr_ledger_entries``), read from the tree head at scrape time."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select

from services.kernel.observability import observe_ledger_size

from .models import LedgerHead

__all__ = ["register_ledger_metrics"]


async def _ledger_size(app: FastAPI) -> int:
    async with app.state.db.read_sessions() as session:
        return (await session.scalar(select(LedgerHead.size))) or 0


async def register_ledger_metrics(app: FastAPI) -> None:
    observe_ledger_size(app, _ledger_size)
