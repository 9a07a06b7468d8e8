"""The per-request GraphQL context: the request's session, the caller, fresh DataLoaders, settings."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.fastapi import BaseContext

from services.kernel.db import SessionDep
from services.kernel.security import OptionalPrincipal, Principal

from .loaders import Loaders
from .settings import GraphQLSettings

__all__ = ["Context", "SerialSession", "context_getter"]


class SerialSession:
    """The request's session, one statement at a time.

    GraphQL resolves sibling fields concurrently and DataLoaders dispatch their batches as separate tasks,
    but an AsyncSession must never run two statements at once: every use goes through one lock.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._lock = asyncio.Lock()

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        async with self._lock:
            return await self._session.execute(*args, **kwargs)

    async def scalars(self, *args: Any, **kwargs: Any) -> Any:
        async with self._lock:
            return await self._session.scalars(*args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        async with self._lock:
            return await self._session.scalar(*args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        async with self._lock:
            return await self._session.get(*args, **kwargs)

    def add(self, instance: Any) -> None:
        self._session.add(instance)


class Context(BaseContext):
    def __init__(self, session: AsyncSession, principal: Principal | None, settings: GraphQLSettings) -> None:
        super().__init__()
        self.session = SerialSession(session)
        self.principal = principal
        self.settings = settings
        self.loaders = Loaders(self.session)


def context_getter(settings: GraphQLSettings):
    async def get_context(session: SessionDep, principal: OptionalPrincipal) -> Context:
        return Context(session, principal, settings)

    return get_context
