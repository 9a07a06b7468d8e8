"""HTTP routes of registrations: filing by registrants, decisions by the registration body, certificates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from services.kernel.pagination import Page

from ..routing import AuthorizeFirst
from . import completion, objections, public, service, views
from .callers import OwnRegistration, Registrant, Registrar
from .certificate import sign_certificate
from .deps import PROBLEMS, CtxDep
from .public_schemas import CertificateOut, DeadlineSweepOut, ObjectionOut, RegistrationSummary
from .schemas import ApproveIn, ReasonIn, ReasonsIn, RegistrationIn, RegistrationOut, ResubmitIn, ReturnIn
from .workflow import STATES

__all__ = ["registration_router"]

registration_router = APIRouter(tags=["registration"], responses=PROBLEMS, route_class=AuthorizeFirst)
Id = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")]
StateFilter = Annotated[str | None, Query(pattern="^(" + "|".join(STATES) + ")$")]


async def _full(ctx: CtxDep, registration_id: str) -> dict:
    await ctx.session.flush()
    return await views.get_registration(ctx, registration_id)


@registration_router.post("/registrations", status_code=201, response_model=RegistrationOut)
async def file_registration(_: Registrant, body: RegistrationIn, ctx: CtxDep):
    """File a registration (first, change, correction, cancellation or renewal) for the caller's subject."""
    registration = await service.file_registration(ctx, body)
    return await _full(ctx, registration.id)


@registration_router.get("/registrations", response_model=Page[RegistrationSummary])
async def list_registrations(ctx: CtxDep, state: StateFilter = None,
                             subject_type: Annotated[str | None, Query(pattern="^(resource|product)$")] = None,
                             subject_id: Annotated[str | None, Query(max_length=32)] = None,
                             overdue: bool = False, cursor: Annotated[str | None, Query(max_length=200)] = None,
                             limit: Annotated[int, Query(ge=1, le=200)] = 50,
                             sort: views.SORTS.query() = None):  # type: ignore[valid-type]
    """Registrations the caller may see, newest first unless sorted otherwise, with due dates and overdue steps."""
    listed = await views.list_registrations(ctx, state=state, subject_type=subject_type, subject_id=subject_id,
                                            overdue_only=overdue, cursor=cursor, limit=limit, sort=sort)
    return listed.page()


@registration_router.get("/registrations/{registration_id}", response_model=RegistrationOut)
async def get_registration(registration_id: Id, ctx: CtxDep):
    """One registration with its materials, evidence, events, deadlines and overdue steps."""
    return await views.get_registration(ctx, registration_id)


@registration_router.post("/registrations/{registration_id}/resubmit", response_model=RegistrationOut,
                          operation_id="resubmit_registration")
async def resubmit(registration_id: OwnRegistration, body: ResubmitIn, ctx: CtxDep):
    """Resubmit a returned registration with the missing materials (restarts the acceptance clock)."""
    await service.resubmit(ctx, registration_id, body)
    return await _full(ctx, registration_id)


@registration_router.post("/registrations/{registration_id}/withdraw", response_model=RegistrationOut,
                          operation_id="withdraw_registration")
async def withdraw(registration_id: OwnRegistration, ctx: CtxDep):
    """Withdraw a registration not yet accepted."""
    await service.withdraw(ctx, registration_id)
    return await _full(ctx, registration_id)


@registration_router.post("/registrations/{registration_id}/accept", response_model=RegistrationOut,
                          operation_id="accept_registration")
async def accept(_: Registrar, registration_id: Id, ctx: CtxDep):
    """Accept a registration (registration body, Art. 10)."""
    await service.accept(ctx, registration_id)
    return await _full(ctx, registration_id)


@registration_router.post("/registrations/{registration_id}/return", response_model=RegistrationOut)
async def return_for_supplement(_: Registrar, registration_id: Id, body: ReturnIn, ctx: CtxDep):
    """Return for supplement, listing every missing item at once (Art. 10)."""
    await service.return_for_supplement(ctx, registration_id, [m.model_dump() for m in body.missing_items])
    return await _full(ctx, registration_id)


@registration_router.post("/registrations/{registration_id}/refuse", response_model=RegistrationOut,
                          operation_id="refuse_registration")
async def refuse(_: Registrar, registration_id: Id, body: ReasonsIn, ctx: CtxDep):
    """Refuse a registration, with reasons (Arts. 10, 11)."""
    await service.refuse(ctx, registration_id, body.reasons)
    return await _full(ctx, registration_id)


@registration_router.post("/registrations/{registration_id}/approve", response_model=RegistrationOut,
                          operation_id="approve_registration")
async def approve(_: Registrar, registration_id: Id, body: ApproveIn, ctx: CtxDep):
    """Pass the formal review: public notice, or completion for types without notice (Art. 11)."""
    await service.approve(ctx, registration_id, body)
    return await _full(ctx, registration_id)


@registration_router.post("/registrations/{registration_id}/close-notice", response_model=RegistrationOut,
                          operation_id="close_registration_notice")
async def close_notice(_: Registrar, registration_id: Id, ctx: CtxDep):
    """Close an ended public notice without upheld objection: code and validity (Arts. 12, 13, 15)."""
    await completion.close_notice(ctx, registration_id)
    return await _full(ctx, registration_id)


@registration_router.post("/registrations/{registration_id}/revoke", response_model=RegistrationOut,
                          operation_id="revoke_registration")
async def revoke(_: Registrar, registration_id: Id, body: ReasonIn, ctx: CtxDep):
    """Revoke a registration for false materials or tampering (Art. 20)."""
    await service.revoke(ctx, registration_id, body.reason)
    return await _full(ctx, registration_id)


@registration_router.get("/registrations/{registration_id}/objections", response_model=list[ObjectionOut])
async def list_objections(registration_id: Id, ctx: CtxDep):
    """Objections lodged against a registration."""
    return await objections.list_objections(ctx, registration_id)


@registration_router.post("/objections/{objection_id}/uphold", response_model=ObjectionOut)
async def uphold_objection(_: Registrar, objection_id: Id, body: ReasonIn, ctx: CtxDep):
    """Uphold an objection: the registration is terminated (Art. 12)."""
    objection = await objections.decide_objection(ctx, objection_id, upheld=True, reason=body.reason)
    return objections.objection_view(objection, full=True)


@registration_router.post("/objections/{objection_id}/dismiss", response_model=ObjectionOut)
async def dismiss_objection(_: Registrar, objection_id: Id, body: ReasonIn, ctx: CtxDep):
    """Dismiss an objection: the registration continues (Art. 12)."""
    objection = await objections.decide_objection(ctx, objection_id, upheld=False, reason=body.reason)
    return objections.objection_view(objection, full=True)


@registration_router.get("/registrations/{registration_id}/certificate", response_model=CertificateOut,
                         operation_id="get_certificate")
async def certificate(registration_id: Id, ctx: CtxDep, request: Request):
    """Signed certificate of a registration in force (compact JWS)."""
    registration = await public.registration_for_certificate(ctx, registration_id)
    token = sign_certificate(registration, request.app.state.signer, request.app.state.settings.audience)
    return {"certificate": token, "query_code": registration.query_code, "valid_until": registration.valid_until}


@registration_router.post("/registrations/sweep", response_model=DeadlineSweepOut, operation_id="sweep_registrations")
async def sweep(_: Registrar, ctx: CtxDep):
    """Close ended notices without pending objections and expire lapsed registrations (registration body)."""
    return await completion.sweep(ctx)
