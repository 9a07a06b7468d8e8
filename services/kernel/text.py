"""Text hygiene: what a request may put in a text field, decided once for every service.

    Name   one line, Unicode NFC, stripped: names and titles people compare and search
    Line   one line, as given: identifiers, codes, numbers of documents, short free text
    Text   several lines (TAB, LF and CR allowed): descriptions, reasons, grounds

Every kind refuses NUL (PostgreSQL refuses it in text: a driver error, a 500), the other C0 and C1 control
characters (ESC, BEL…, DEL), the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
U+2066–U+2069: they make a name read otherwise than it is stored) and lone surrogates (they have no UTF-8). A
refusal is a validation error naming the field, so the request ends as a 422 problem before any write.

A request model types each ``str`` field with one of these, lengths included
(``Annotated[str, Name(max_length=200)]``); a unit test walks every request body of every service and fails
on a bare ``str``. Query strings and paths are not models: the front door (kernel.limits) answers 400 to a NUL
anywhere in them, before routing (``has_nul``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import unquote_to_bytes

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import PydanticCustomError, PydanticKnownError, core_schema
from starlette.types import Scope

__all__ = ["Line", "Name", "Text", "TextKind", "has_nul", "refused_character"]

_BIDI = "\u202a-\u202e\u2066-\u2069"
_SURROGATES = "\ud800-\udfff"
_SINGLE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}{_SURROGATES}]")
_MULTI_LINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}{_SURROGATES}]")


def _describe(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        what = "a lone surrogate"
    elif 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        what = "a bidirectional control character"
    elif char in "\t\n\r":
        what = "a line break or tab"
    else:
        what = "a control character"
    return f"{what} (U+{code:04X})"


def refused_character(value: str, *, multiline: bool = False) -> str | None:
    """What is wrong with ``value`` as text (``None``: nothing); for parsers that check text outside a model."""
    found = (_MULTI_LINE if multiline else _SINGLE_LINE).search(value)
    return None if found is None else _describe(found.group())


@dataclass(frozen=True)
class TextKind:
    """A kind of text field as pydantic metadata: ``Annotated[str, Name(max_length=200)]``.

    The lengths are the kind's own (not ``Field``'s): a name is measured after normalization, which can
    lengthen it, so what passes is what fits the column.
    """

    min_length: int = 0
    max_length: int | None = None
    kind: ClassVar[str]
    multiline: ClassVar[bool] = False
    normalize: ClassVar[bool] = False

    def __call__(self, value: str) -> str:
        if self.normalize:
            value = unicodedata.normalize("NFC", value).strip()
        problem = refused_character(value, multiline=self.multiline)
        if problem:
            raise PydanticCustomError("text_character", "Text must not contain {problem}", {"problem": problem})
        if len(value) < self.min_length:
            raise PydanticKnownError("string_too_short", {"min_length": self.min_length})
        if self.max_length is not None and len(value) > self.max_length:
            raise PydanticKnownError("string_too_long", {"max_length": self.max_length})
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self, handler(source))

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> dict[str, Any]:
        json_schema = handler(schema)
        if self.min_length:
            json_schema["minLength"] = self.min_length
        if self.max_length is not None:
            json_schema["maxLength"] = self.max_length
        json_schema["x-text"] = self.kind  # which of the three rules the field keeps
        return json_schema


@dataclass(frozen=True)
class Name(TextKind):
    min_length: int = 1
    kind: ClassVar[str] = "name"
    normalize: ClassVar[bool] = True


@dataclass(frozen=True)
class Line(TextKind):
    kind: ClassVar[str] = "line"


@dataclass(frozen=True)
class Text(TextKind):
    kind: ClassVar[str] = "text"
    multiline: ClassVar[bool] = True


def has_nul(scope: Scope) -> bool:
    """A NUL anywhere in the request's path or query string (kernel.limits answers 400 to it before routing:
    a ``str`` parameter takes a NUL like any character and hands it to PostgreSQL, which fails on it)."""
    query: bytes = scope.get("query_string", b"")
    # Percent-decoding is skipped unless the query could hold an encoded NUL ("%00"): most hold no "%0".
    if b"\x00" in query or (b"%0" in query and b"\x00" in unquote_to_bytes(query)):
        return True
    return "\x00" in scope["path"]
