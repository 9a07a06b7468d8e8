"""The per-request GraphQL context: the request's session, the caller, fresh DataLoaders, settings."""

from __future__ import annotations

from strawberry.fastapi import BaseContext

from services.kernel.db import SessionDep
from services.kernel.security import OptionalPrincipal, Principal

from .loaders import Loaders
from .settings import GraphQLSettings

__all__ = ["Context", "context_getter"]


class Context(BaseContext):
    def __init__(self, session, principal: Principal | None, settings: GraphQLSettings) -> None:
        super().__init__()
        self.session = session
        self.principal = principal
        self.settings = settings
        self.loaders = Loaders(session)


def context_getter(settings: GraphQLSettings):
    async def get_context(session: SessionDep, principal: OptionalPrincipal) -> Context:
        return Context(session, principal, settings)

    return get_context
