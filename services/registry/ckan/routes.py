"""CKAN's action API, read-only, at CKAN's paths: ``/api/3/action/{action}`` and ``/api/action/{action}`` (the
one ``ckanapi`` calls), by GET with query parameters or by POST with a JSON object, as CKAN accepts both for
its read actions. The actions answer in CKAN's envelope, not problem+json (errors.py says why); what the front
door refuses before any route (a NUL, an oversized body) stays problem+json, as on every route."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from .actions import ACTIONS, ActionContext
from .errors import ActionError, BadRequest
from .params import read_data

__all__ = ["READ_PATHS", "router"]

router = APIRouter(tags=["ckan"])
READ_PATHS = ("/api/3/action/", "/api/action/")  # every action here reads, by GET or POST
_ENVELOPE = {"type": "object", "required": ["help", "success"],
             "properties": {"help": {"type": "string"}, "success": {"type": "boolean"}, "result": {},
                            "error": {"type": "object"}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "CKAN's envelope with the action's result",
          "content": {"application/json": {"schema": _ENVELOPE}}},
    400: {"description": "Unknown action or unreadable body (a JSON string), or a sort CKAN cannot apply "
                         "(Search Query Error)", "content": {"application/json": {}}},
    404: {"description": "No public record with that id (Not Found Error)", "content": {"application/json": {}}},
    409: {"description": "Invalid parameter (Validation Error) or search (Search Error)",
          "content": {"application/json": {}}},
}
ACTION_LIST = ", ".join(sorted(ACTIONS))
# Documented as the actions there are; any other name reaches the handler too, for CKAN's own 400.
ActionName = Annotated[str, Path(description="A CKAN action", json_schema_extra={"enum": sorted(ACTIONS)})]


async def _answer(request: Request, action: str) -> JSONResponse:
    base_url = str(request.base_url).rstrip("/")
    function = ACTIONS.get(action)
    if function is None:
        shown = action if len(action) <= 100 else action[:100] + "…"
        return JSONResponse(BadRequest(f"Action name not known: {shown}").message, status_code=400)
    envelope: dict[str, Any] = {"help": f"{base_url}/api/3/action/help_show?name={action}"}
    try:
        data = await read_data(request)
        envelope.update(success=True, result=await function(ActionContext(request.app.state.db, base_url), data))
    except BadRequest as exc:
        return JSONResponse(exc.message, status_code=400)
    except ActionError as exc:
        envelope.update(success=False, error=exc.error())
        return JSONResponse(envelope, status_code=exc.status)
    return JSONResponse(envelope)


def _add(path: str, method: str, name: str) -> None:
    async def endpoint(request: Request, action: ActionName) -> JSONResponse:
        return await _answer(request, action)

    endpoint.__doc__ = f"CKAN action API by {method}: {ACTION_LIST}."
    body = {"required": False, "description": "The action's parameters",
            "content": {"application/json": {"schema": {"type": "object"}}}}
    extra = {"requestBody": body} if method == "POST" else {}
    router.add_api_route(path, endpoint, methods=[method], name=name, response_class=JSONResponse,
                         summary=f"CKAN action API by {method}", responses=RESPONSES, openapi_extra=extra or None)


for _version, _path in (("3", "/api/3/action/{action}"), ("", "/api/action/{action}")):
    _add(_path, "GET", f"ckan_action{_version}_get")
    _add(_path, "POST", f"ckan_action{_version}_post")
