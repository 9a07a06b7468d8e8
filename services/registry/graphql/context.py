"""The per-request GraphQL context: the request's session, the caller, fresh DataLoaders, settings."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.fastapi import BaseContext

from services.kernel.db import SessionDep
from services.kernel.security import Principal

from .gate import admitted
from .loaders import Loaders
from .settings import GraphQLSettings

__all__ = ["Context", "SerialSession", "context_getter"]


class SerialSession:
    """The request's session, one statement at a time, each run to its end.

    GraphQL resolves sibling fields concurrently and DataLoaders dispatch their batches as separate tasks,
    but an AsyncSession must never run two statements at once: every use goes through one lock. And when a
    non-null field fails, GraphQL cancels the siblings still resolving; a statement cut off mid-way would
    leave the request's connection unusable (a 500 instead of the GraphQL error), so a cancelled caller
    waits for its statement to finish, then gives up.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._lock = asyncio.Lock()

    async def _serially(self, method: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        async with self._lock:
            statement = asyncio.ensure_future(method(*args, **kwargs))
            try:
                return await asyncio.shield(statement)
            except asyncio.CancelledError:
                await asyncio.wait([statement])
                if not statement.cancelled():
                    statement.exception()  # retrieved: nobody wants the result of a cancelled read
                raise

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return await self._serially(self._session.execute, *args, **kwargs)

    async def scalars(self, *args: Any, **kwargs: Any) -> Any:
        return await self._serially(self._session.scalars, *args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        return await self._serially(self._session.scalar, *args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        return await self._serially(self._session.get, *args, **kwargs)

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
    admit = Depends(admitted(settings))

    # The caller is admitted (or refused with 401/403) before a session is opened or the operation parsed.
    async def get_context(principal: Principal | None = admit, *, session: SessionDep) -> Context:
        return Context(session, principal, settings)

    return get_context
