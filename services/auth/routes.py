"""Auth HTTP API: OAuth2 token/revoke/introspect, discovery, JWKS, and admin endpoints for identities."""

from __future__ import annotations

import base64
import binascii
import time
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Form, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from services.kernel.db import SessionDep
from services.kernel.observability import record_token_issued
from services.kernel.pagination import NextLink
from services.kernel.problems import Forbidden, Unauthorized
from services.kernel.security import CurrentPrincipal, Principal
from services.kernel.text import Line

from . import identities
from .identities import AccountIn, AccountOut, ClientIn, ClientOut, OrgIn, OrgOut
from .keys import KeyRing, key_state, load_keyring
from .oauth_errors import OAuthError
from .revocations import RevocationDocument, document, is_listed
from .tokens import TokenService

__all__ = ["OwnTokenVerifier", "router"]


def OAuthField(max_length: int):
    """A form field of the OAuth endpoints: one line of at most ``max_length``, no control characters."""
    return Annotated[str, Line(max_length=max_length)]

router = APIRouter()
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
OAUTH_ERRORS = {
    400: {"description": "OAuth2 error", "content": {"application/problem+json": {}}},
    401: {"description": "Client authentication failed", "content": {"application/problem+json": {}}},
    429: {"description": "Too many failed attempts", "content": {"application/problem+json": {}}},
}


async def _reload_keyring(request: Request, stale: KeyRing) -> KeyRing:
    state = request.app.state
    async with state.keyring_lock:
        if state.keyring is stale:
            async with state.db.sessions.begin() as session:
                state.keyring = await load_keyring(session, state.settings.access_token_ttl_seconds,
                                                   state.settings.keywrap)
    return state.keyring


async def keyring(request: Request) -> KeyRing:
    """The replica's signing keys, reloaded from the database every few seconds (rotation by the CLI)."""
    state = request.app.state
    ring: KeyRing = state.keyring
    if time.monotonic() - ring.loaded_at > state.settings.key_reload_seconds:
        ring = await _reload_keyring(request, ring)
    return ring


async def current_keyring(request: Request, session: SessionDep) -> KeyRing:
    """The replica's keys, reloaded first if the database holds others: the revocation list names the keys
    published now, so a key withdrawn by ``rotate-keys --now`` leaves every verifier at its next poll."""
    ring: KeyRing = request.app.state.keyring
    if ring.state != await key_state(session):
        ring = await _reload_keyring(request, ring)
    return ring


async def token_service(request: Request) -> TokenService:
    return request.app.state.tokens


KeyRingDep = Annotated[KeyRing, Depends(keyring)]
TokensDep = Annotated[TokenService, Depends(token_service)]


async def presented_client(
    request: Request,
    client_id: Annotated[OAuthField(100) | None, Form()] = None,
    client_secret: Annotated[OAuthField(200) | None, Form()] = None,
) -> tuple[str | None, str | None]:
    """The client id and secret a caller presents (RFC 6749 §2.3.1): HTTP Basic, or the two form fields."""
    header = request.headers.get("authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode()
            user, sep, password = decoded.partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Malformed Basic credentials.", status=401) from None
        if not sep:
            raise OAuthError("invalid_client", "Malformed Basic credentials.", status=401)
        if client_secret is not None:
            raise OAuthError("invalid_request", "Use one client authentication method, not two.")
        # RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
        return unquote(user.replace("+", " ")), unquote(password.replace("+", " "))
    return client_id, client_secret


PresentedClient = Annotated[tuple[str | None, str | None], Depends(presented_client)]
# OpenAPI: client authentication by HTTP Basic, or by the form fields (or none, for a public client's grant).
CLIENT_AUTH = {"security": [{"clientBasic": []}, {}]}


@router.post("/oauth/token", tags=["oauth2"], responses=OAUTH_ERRORS, openapi_extra=CLIENT_AUTH,
             operation_id="issue_token")
async def token(
    request: Request,
    session: SessionDep,
    ring: KeyRingDep,
    tokens: TokensDep,
    presented: PresentedClient,
    grant_type: Annotated[OAuthField(100) | None, Form()] = None,
    username: Annotated[OAuthField(100) | None, Form()] = None,
    password: Annotated[OAuthField(256) | None, Form()] = None,
    refresh_token: Annotated[OAuthField(200) | None, Form()] = None,
    scope: Annotated[OAuthField(1000) | None, Form()] = None,
    audience: Annotated[OAuthField(100) | None, Form()] = None,
    resource: Annotated[OAuthField(100) | None, Form()] = None,
) -> JSONResponse:
    """Issue tokens (RFC 6749): password, client_credentials and refresh_token grants."""
    cid, secret = presented
    audience = audience or resource
    if grant_type == "client_credentials":
        client = await tokens.authenticate_client(session, cid, secret, required=True)
        body = await tokens.client_credentials(ring, client, scope, audience)
    elif grant_type == "password":
        if not username or password is None:
            raise OAuthError("invalid_request", "username and password are required.")
        client = await tokens.authenticate_client(session, cid, secret, required=False) if secret else None
        address = request.client.host if request.client else "unknown"
        body = await tokens.password(session, ring, username=username, password=password, scope=scope,
                                     audience=audience, client=client, address=address)
    elif grant_type == "refresh_token":
        if not refresh_token:
            raise OAuthError("invalid_request", "refresh_token is required.")
        client = await tokens.authenticate_client(session, cid, secret, required=False) if secret else None
        body = await tokens.refresh(session, ring, refresh_token=refresh_token, scope=scope, audience=audience,
                                    client=client)
    elif grant_type is None:
        raise OAuthError("invalid_request", "grant_type is required.")
    else:
        raise OAuthError("unsupported_grant_type", f"Grant type {grant_type!r} is not supported.")
    record_token_issued(request.app, grant_type)
    return JSONResponse(body, headers=NO_STORE)


@router.post("/oauth/revoke", tags=["oauth2"], responses=OAUTH_ERRORS, openapi_extra=CLIENT_AUTH,
             operation_id="revoke_token")
async def revoke(
    session: SessionDep,
    ring: KeyRingDep,
    tokens: TokensDep,
    presented: PresentedClient,
    token: Annotated[OAuthField(4000) | None, Form()] = None,
    token_type_hint: Annotated[OAuthField(50) | None, Form()] = None,
) -> JSONResponse:
    """Revoke an access or refresh token (RFC 7009); unknown tokens are not an error."""
    cid, secret = presented
    client = await tokens.authenticate_client(session, cid, secret, required=False) if secret else None
    if not token:
        raise OAuthError("invalid_request", "token is required.")
    await tokens.revoke(session, ring, token, client)
    return JSONResponse({}, headers=NO_STORE)


@router.post("/oauth/introspect", tags=["oauth2"], responses=OAUTH_ERRORS, openapi_extra=CLIENT_AUTH,
             operation_id="introspect_token")
async def introspect(
    session: SessionDep,
    ring: KeyRingDep,
    tokens: TokensDep,
    presented: PresentedClient,
    token: Annotated[OAuthField(4000) | None, Form()] = None,
    token_type_hint: Annotated[OAuthField(50) | None, Form()] = None,
) -> JSONResponse:
    """Introspect a token (RFC 7662); callers authenticate as a client."""
    cid, secret = presented
    await tokens.authenticate_client(session, cid, secret, required=True)
    if not token:
        raise OAuthError("invalid_request", "token is required.")
    return JSONResponse(await tokens.introspect(session, ring, token), headers=NO_STORE)


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags


@router.get("/oauth/revocations", tags=["oauth2"], response_model=RevocationDocument,
            responses={304: {"description": "Not modified since the ETag given in If-None-Match"}},
            operation_id="list_revocations")
async def revocations(
    request: Request,
    session: SessionDep,
    ring: Annotated[KeyRing, Depends(current_keyring)],
    if_none_match: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response:
    """Revoked token (jti) and session (sid) ids until their tokens expire, and the published kids."""
    doc = await document(session, frozenset(ring.public_keys), leeway=request.app.state.settings.token_leeway_seconds)
    body, etag = doc.encoded()
    # Public like JWKS, and polled every few seconds by every verifier: an unchanged list answers 304.
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if _etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get("/.well-known/openid-configuration", tags=["discovery"])
async def discovery(request: Request) -> dict[str, Any]:
    """Authorization server metadata (RFC 8414 / OpenID discovery)."""
    issuer = request.app.state.settings.issuer.rstrip("/")
    return {
        "issuer": issuer,
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "token_endpoint": f"{issuer}/oauth/token",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "introspection_endpoint": f"{issuer}/oauth/introspect",
        # Extension (RFC 8414 §2 allows others): the revocation list every resource server polls.
        "revocation_list_endpoint": f"{issuer}/oauth/revocations",
        "grant_types_supported": ["password", "client_credentials", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
        "access_token_signing_alg_values_supported": ["ES256"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "scopes_supported": sorted(identities.SERVICE_SCOPES | {"openid", "profile", "registry", "scoring",
                                                                 "offline_access"}),
        "audiences_supported": request.app.state.settings.audiences,
    }


@router.get("/.well-known/jwks.json", tags=["discovery"], operation_id="get_jwks")
async def jwks(ring: KeyRingDep) -> JSONResponse:
    """The public signing keys (RFC 7517): the active key and retired keys whose tokens may still live."""
    return JSONResponse(ring.jwks, headers={"Cache-Control": "public, max-age=60"})


# -- administration ---------------------------------------------------------------------------------------

class OwnTokenVerifier:
    """Auth verifies tokens for its own audience with the keys it holds (no JWKS round trip to itself), and
    reads its own revocation list (these are the administration endpoints: one query is cheap here)."""

    def __init__(self, app) -> None:
        self.app = app

    async def verify(self, token: str) -> Principal:
        state = self.app.state
        claims = state.tokens.verify_own(state.keyring, token)
        if claims is None or claims.get("aud") != state.settings.audience:
            raise Unauthorized("Invalid access token.", slug="invalid-token")
        async with state.db.sessions() as session:
            if await is_listed(session, claims["jti"], claims.get("sid")):
                raise Unauthorized("The access token has been revoked.", slug="token-revoked")
        return Principal.from_claims(claims)


def _must_admin(principal: Principal) -> None:
    if not principal.has_role("admin"):
        raise Forbidden("Only administrators manage identities.", slug="role-required")


@router.post("/orgs", status_code=201, tags=["admin"])
async def create_org(data: OrgIn, session: SessionDep, principal: CurrentPrincipal) -> OrgOut:
    """Create an organization."""
    _must_admin(principal)
    return await identities.create_org(session, data)


@router.get("/orgs", tags=["admin"])
async def list_orgs(
    session: SessionDep, principal: CurrentPrincipal, pages: NextLink,
    after: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[OrgOut]:
    """List organizations (admins, and services holding orgs:read)."""
    if not (principal.has_role("admin", "auditor", "authority") or "orgs:read" in principal.scopes):
        raise Forbidden("Listing organizations needs the admin, auditor or authority role or orgs:read.")
    return list(pages.after(await identities.list_orgs(session, after=after, limit=limit), limit))


@router.get("/orgs/{org_id}", tags=["admin"])
async def get_org(org_id: str, session: SessionDep, principal: CurrentPrincipal) -> OrgOut:
    """One organization: any signed-in caller may read its own; admins, auditors and services read all."""
    if principal.org != org_id and not (
        principal.has_role("admin", "auditor", "authority") or "orgs:read" in principal.scopes
    ):
        raise Forbidden("You may only read your own organization.")
    return await identities.get_org(session, org_id)


@router.post("/accounts", status_code=201, tags=["admin"])
async def create_account(data: AccountIn, request: Request, session: SessionDep,
                         principal: CurrentPrincipal) -> AccountOut:
    """Create a person's account bound to an organization."""
    _must_admin(principal)
    return await identities.create_account(session, data, request.app.state.tokens.passwords)


@router.get("/accounts/{account_id}", tags=["admin"])
async def get_account(account_id: str, session: SessionDep, principal: CurrentPrincipal) -> AccountOut:
    """One account (administrators): where a created account is read back."""
    _must_admin(principal)
    return await identities.get_account(session, account_id)


@router.post("/clients", status_code=201, tags=["admin"])
async def create_client(data: ClientIn, request: Request, session: SessionDep,
                        principal: CurrentPrincipal) -> ClientOut:
    """Create a machine client; its secret is returned once."""
    _must_admin(principal)
    return await identities.create_client(session, data, request.app.state.tokens.client_secrets)


@router.get("/clients/{client_id}", tags=["admin"])
async def get_client(client_id: str, session: SessionDep, principal: CurrentPrincipal) -> ClientOut:
    """One machine client (administrators), without its secret."""
    _must_admin(principal)
    return await identities.get_client(session, client_id)
