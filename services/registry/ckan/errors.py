"""CKAN's action API errors, answered in CKAN's envelope rather than as problem+json, because CKAN's clients
(``ckanapi``, ckanext-harvest) read the envelope's ``error.__type`` and the status together to choose the
exception they raise (ckan/views/api.py: ``action``)::

    ActionError                      {"success": false, "error": {"__type": ..., "message": ...}}
    ├── NotFound          404        Not Found Error
    ├── ValidationError   409        Validation Error, the message per field ({"rows": ["..."]})
    ├── SearchQueryError  400        Search Query Error (a sort CKAN cannot apply)
    └── SearchError       409        Search Error (an unknown parameter, filter or facet field)
    BadRequest            400        no envelope: a JSON string "Bad request - ..." (unknown action, bad body)
"""

from __future__ import annotations

from typing import Any

__all__ = ["ActionError", "BadRequest", "NotFound", "SearchError", "SearchQueryError", "ValidationError"]


class ActionError(Exception):
    status: int = 409
    kind: str = ""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def error(self) -> dict[str, Any]:
        return {"__type": self.kind, "message": self.message}


class NotFound(ActionError):
    status, kind = 404, "Not Found Error"

    def error(self) -> dict[str, Any]:
        return {"__type": self.kind, "message": f"Not found: {self.message}" if self.message else "Not found"}


class ValidationError(ActionError):
    status, kind = 409, "Validation Error"

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in fields.items()))
        self.fields = fields

    def error(self) -> dict[str, Any]:
        return {"__type": self.kind, **self.fields}


class SearchQueryError(ActionError):
    status, kind = 400, "Search Query Error"

    def error(self) -> dict[str, Any]:
        return {"__type": self.kind, "message": f"Search Query is invalid: {self.message!r}"}


class SearchError(ActionError):
    status, kind = 409, "Search Error"

    def error(self) -> dict[str, Any]:
        return {"__type": self.kind, "message": f"Search error: {self.message!r}"}


class BadRequest(Exception):
    """CKAN answers these with a bare JSON string, before it has an envelope (``_finish_bad_request``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = f"Bad request - {message}"
