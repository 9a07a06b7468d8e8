"""GraphQL knobs. Introspection and GraphiQL follow the registry's demo switch unless set explicitly."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["GraphQLSettings"]


class GraphQLSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PDR_REGISTRY_GRAPHQL_", extra="ignore")

    introspection: bool | None = None  # None: on in the demo, off otherwise
    graphiql: bool | None = None
    max_depth: int = Field(default=10, ge=2, le=50)
    # Estimated cost: every field costs 1, multiplied by the page size of each enclosing connection.
    max_cost: int = Field(default=20_000, ge=10)
    max_page: int = Field(default=100, ge=1, le=1000)

    def resolved(self, demo: bool) -> "GraphQLSettings":
        return self.model_copy(update={
            "introspection": demo if self.introspection is None else self.introspection,
            "graphiql": demo if self.graphiql is None else self.graphiql,
        })
