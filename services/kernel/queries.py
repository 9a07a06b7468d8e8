"""Unknown query parameters are refused (400 problem+json), not ignored.

A misspelt filter (``?stauts=approved``) silently ignored returns the unfiltered list, which a client takes
for the filtered one. Each route's declared query parameters (its own and its dependencies', a query model's
fields included) are read once when the app is built; a request naming any other is answered 400
``unknown-query-parameter`` before the route's dependencies run. Headers (``Idempotency-Key``,
``X-PDR-Demo-Date``) are not query parameters and are not looked at. Route families that accept foreign
parameters by design (the CKAN action API: CKAN clients send their own) are left open by path prefix.

The guard wraps the route's ASGI app (``APIRoute.app``, what Starlette's ``Route.handle`` calls);
``tests/api/portals/test_http.py`` breaks if an upgrade stops calling it.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from .problems import BadRequest

__all__ = ["QueryGuard", "declared_query", "guard_queries"]


def declared_query(route: APIRoute) -> frozenset[str]:
    """The query parameter names ``route`` reads (aliases, as the client spells them), its dependencies' too;
    a query model (``Annotated[Filters, Query()]``) contributes its fields."""
    names: set[str] = set()
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        for field in dependant.query_params:
            model = field.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                names |= {info.alias or name for name, info in model.model_fields.items()}
            else:
                names.add(field.alias)
        pending.extend(dependant.dependencies)
    return frozenset(names)


class QueryGuard:
    def __init__(self, app: ASGIApp, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"")
        if query:
            unknown = sorted({name for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)}
                             - self.allowed)
            if unknown:
                accepted = ", ".join(sorted(self.allowed)) or "none"
                raise BadRequest(f"Unknown query parameter(s): {', '.join(unknown)}. This endpoint accepts: "
                                 f"{accepted}.", slug="unknown-query-parameter", unknown=unknown,
                                 accepted=sorted(self.allowed))
        await self.app(scope, receive, send)


def guard_queries(route: APIRoute, open_prefixes: tuple[str, ...] = ()) -> None:
    """Wrap ``route`` so an undeclared query parameter is a 400 (not for paths under ``open_prefixes``)."""
    if route.path.startswith(open_prefixes) or isinstance(route.app, QueryGuard):
        return
    route.app = QueryGuard(route.app, declared_query(route))
