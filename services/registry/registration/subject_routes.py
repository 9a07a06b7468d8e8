"""HTTP routes of resources and products: describe, edit drafts, read, list, versions and diffs."""


from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel

from services.kernel.db import SessionDep
from services.kernel.openapi import BEARER_REQUIRED
from services.kernel.pagination import Page
from services.kernel.security import CurrentPrincipal, Principal, current_principal

from ..routing import AuthorizeFirst
from . import history, subjects
from .callers import OwnResource, author, own_subject
from .data_updates import report_data_update
from .deps import PROBLEMS, CtxDep
from .schemas import DataUpdateIn, ProductIn, ProductOut, ProductPatch, ResourceIn, ResourceOut, ResourcePatch

__all__ = ["subject_router"]

subject_router = APIRouter(tags=["registration"], responses=PROBLEMS, route_class=AuthorizeFirst)
SubjectId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=200)]
Status = Annotated[str | None, Query(pattern=r"^(draft|registered|cancelled|revoked|expired)$")]
Version = Annotated[int, Query(ge=1, le=1_000_000)]


class VersionOut(BaseModel):
    version: int
    snapshot: dict
    registration_id: str | None


class DiffOut(BaseModel):
    subject_type: str
    subject_id: str
    from_version: int
    to_version: int
    changes: list[dict[str, Any]]


def _routes(kind: str, plural: str, model_in, model_patch, model_out) -> None:
    async def create(principal: Annotated[Principal, author(kind)], body: model_in,  # type: ignore[valid-type]
                     session: SessionDep):
        return await subjects.create_subject(session, principal, kind, body)

    async def read(subject_id: SubjectId, request: Request):
        # The hottest read resolves its caller and database from the request itself: each sub-dependency that
        # FastAPI solves costs more per request than the keyed read does (tests/perf/test_registry_perf.py).
        principal = await current_principal(request)
        return await subjects.read_subject(request.app.state.db, principal, kind, subject_id)

    async def edit(subject_id: Annotated[str, own_subject(kind)], body: model_patch,  # type: ignore[valid-type]
                   session: SessionDep, principal: CurrentPrincipal):
        return await subjects.update_subject(session, principal, kind, subject_id, body)

    async def listing(session: SessionDep, principal: CurrentPrincipal, cursor: Cursor = None, limit: Limit = 50,
                      status: Status = None, sort: subjects.SORTS[kind].query() = None):  # type: ignore[valid-type]
        listed = await subjects.list_subjects(session, principal, kind, cursor=cursor, limit=limit, status=status,
                                              sort=sort)
        return listed.page()

    async def versions(subject_id: SubjectId, ctx: CtxDep):
        return await history.list_versions(ctx, kind, subject_id)

    async def diff(subject_id: SubjectId, ctx: CtxDep, from_version: Annotated[Version, Query(alias="from")],
                   to_version: Annotated[Version, Query(alias="to")]):
        return await history.diff_versions(ctx, kind, subject_id, from_version, to_version)

    create.__doc__ = f"Describe a new {kind} of the caller's organization (a draft)."
    read.__doc__ = f"One {kind}, for its registrants, the registration body and auditors."
    edit.__doc__ = f"Edit a draft {kind} of the caller's organization."
    listing.__doc__ = f"{kind.capitalize()}s the caller may see, oldest first unless sorted otherwise."
    versions.__doc__ = f"Every registered version of a {kind}."
    diff.__doc__ = f"Field-level differences between two registered versions of a {kind}."
    subject_router.add_api_route(f"/{plural}", create, methods=["POST"], status_code=201, response_model=model_out,
                                 name=f"create_{kind}")
    subject_router.add_api_route(f"/{plural}", listing, methods=["GET"], response_model=Page[model_out],
                                 name=f"list_{plural}")
    subject_router.add_api_route(f"/{plural}/{{subject_id}}", read, methods=["GET"], response_model=model_out,
                                 name=f"get_{kind}", openapi_extra={"security": BEARER_REQUIRED})
    subject_router.add_api_route(f"/{plural}/{{subject_id}}", edit, methods=["PATCH"], response_model=model_out,
                                 name=f"edit_{kind}")
    subject_router.add_api_route(f"/{plural}/{{subject_id}}/versions", versions, methods=["GET"],
                                 response_model=list[VersionOut], name=f"{kind}_versions")
    subject_router.add_api_route(f"/{plural}/{{subject_id}}/diff", diff, methods=["GET"], response_model=DiffOut,
                                 name=f"{kind}_diff")


_routes("resource", "resources", ResourceIn, ResourcePatch, ResourceOut)
_routes("product", "products", ProductIn, ProductPatch, ProductOut)


@subject_router.post("/resources/{subject_id}/data-updates", response_model=ResourceOut,
                     operation_id="record_data_update")
async def data_update(subject_id: OwnResource, body: DataUpdateIn, ctx: CtxDep):
    """Report that the resource's data was refreshed on a day (its holder's agency)."""
    return await report_data_update(ctx.session, ctx.principal, subject_id, body.updated_on, ctx.today)
