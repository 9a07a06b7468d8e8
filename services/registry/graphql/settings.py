"""GraphQL knobs. Introspection and GraphiQL follow the registry's demo switch unless set explicitly.

Every limit is checked before the work it bounds: the body's JSON depth and the query's length at the HTTP
intake (before GraphQL parses anything), tokens while parsing, depth, cost, aliases and introspection while
validating (before anything runs).
"""

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
    # Characters of query text; a longer one is refused (413) before it is parsed.
    max_query_length: int = Field(default=20_000, ge=100, le=1_000_000)
    # Lexical tokens the parser reads before giving up (comments counted apart, with the same bound).
    max_tokens: int = Field(default=10_000, ge=50)
    max_aliases: int = Field(default=100, ge=1)
    # `__schema` and `__type` fields in one operation (when introspection is on): one is a whole schema.
    max_introspection_fields: int = Field(default=2, ge=1)
    # Nesting of the request's JSON (body, variables, filter, value: 3 is all an operation here needs).
    max_json_depth: int = Field(default=10, ge=4, le=100)
    # Characters of a refused query (and of any variables) the query log keeps; the digest covers the rest.
    log_excerpt: int = Field(default=1_000, ge=0, le=100_000)

    def resolved(self, demo: bool) -> GraphQLSettings:
        return self.model_copy(update={
            "introspection": demo if self.introspection is None else self.introspection,
            "graphiql": demo if self.graphiql is None else self.graphiql,
        })
