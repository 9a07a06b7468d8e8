"""Text hygiene (issue 18): the three kinds of text field, and a guard that every request field uses one.

NUL, C0/C1 controls, bidi embeddings, overrides and isolates, and lone surrogates are refused in every text
field of every request body; names are NFC and stripped. New fields cannot forget it: the guard below walks
the validation schema of every request body of every service and fails on a ``str`` no kind checks.
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from services.auth.main import create_app as create_auth
from services.auth.settings import AuthSettings
from services.kernel.text import Line, Name, Text, TextKind, refused_character
from services.registry.main import create_app as create_registry
from services.registry.settings import RegistrySettings
from services.scoring.main import create_app as create_scoring
from services.scoring.settings import ScoringSettings

# Free-form JSON in a request body, each validated by a model of its own before use.
FREE_FORM = {
    "RegistrationIn.changes": "validated as a ResourcePatch or ProductPatch (registration/subjects.validate_changes)",
    "ResubmitIn.changes": "validated as a ResourcePatch or ProductPatch (registration/subjects.validate_changes)",
}
REFUSED_EVERYWHERE = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\u202a", "\u202b", "\u202c", "\u202d",
                      "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


class Sample(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    name: Annotated[str, Name(max_length=8)]
    code: Annotated[str, Line(max_length=8)] = "x"
    notes: Annotated[str, Text(max_length=40)] = ""


@pytest.mark.parametrize("char", REFUSED_EVERYWHERE)
@pytest.mark.parametrize("field", ["name", "code", "notes"])
def test_controls_bidi_and_surrogates_are_refused_in_every_kind_naming_the_field(field, char):
    body = {"name": "a", field: f"a{char}b"}
    with pytest.raises(ValidationError) as info:
        Sample(**body)
    (error,) = info.value.errors()
    assert error["loc"] == (field,) and error["type"] == "text_character"
    assert f"U+{ord(char):04X}" in error["msg"]


@pytest.mark.parametrize("char", ["\t", "\n", "\r"])
def test_tab_and_line_breaks_are_refused_in_names_and_lines_but_kept_in_text(char):
    assert Sample(name="a", notes=f"first{char}second").notes == f"first{char}second"
    for field in ("name", "code"):
        with pytest.raises(ValidationError):
            Sample(**{"name": "a", field: f"a{char}b"})


def test_names_are_nfc_and_stripped_and_measured_after_normalization():
    assert Sample(name="\u3000Cafe\u0301 ").name == "Caf\u00e9"
    # U+0958 has no composed form: NFC makes it two characters, so what passes is what fits the column.
    with pytest.raises(ValidationError) as info:
        Sample(name="\u0958" * 5)
    assert info.value.errors()[0]["type"] == "string_too_long"
    with pytest.raises(ValidationError) as empty:
        Sample(name=" \u3000 ")
    assert empty.value.errors()[0]["type"] == "string_too_short"


def test_lines_and_text_are_kept_as_given():
    sample = Sample(name="n", code="Cafe\u0301", notes="  two\nlines")
    assert sample.code == "Cafe\u0301" and sample.notes == "two\nlines"  # the model's own strip, no NFC


def test_the_kind_and_lengths_are_in_the_json_schema():
    properties = Sample.model_json_schema()["properties"]
    assert properties["name"].items() >= {"x-text": "name", "minLength": 1, "maxLength": 8}.items()
    assert properties["notes"]["x-text"] == "text" and properties["code"]["x-text"] == "line"


def test_refused_character_for_parsers_outside_a_model():
    assert refused_character("ok\ttext", multiline=True) is None
    assert refused_character("ok\ttext") == "a line break or tab (U+0009)"
    assert refused_character("a\u202eb") == "a bidirectional control character (U+202E)"
    assert refused_character("a\ud800b", multiline=True) == "a lone surrogate (U+D800)"  # pydantic refuses it too


# The guard -------------------------------------------------------------------------------------------------

_PASS_THROUGH = {"function-after", "function-before", "function-wrap", "function-plain", "chain"}


def _unchecked(schema: Any, path: str, found: list[str], guarded: bool = False) -> None:
    """Paths of ``str`` schemas no ``TextKind`` validates, and of free-form JSON, in a pydantic-core schema."""
    if isinstance(schema, list):
        for item in schema:
            _unchecked(item, path, found, guarded)
        return
    if not isinstance(schema, dict):
        return
    kind = schema.get("type")
    if kind == "model":
        path = schema["cls"].__name__
    if kind in _PASS_THROUGH:
        function = (schema.get("function") or {}).get("function")
        guarded = guarded or isinstance(function, TextKind)
    elif kind == "str" and not guarded:
        found.append(path)
    elif (kind == "any" or (kind == "dict" and "values_schema" not in schema)) and path not in FREE_FORM:
        found.append(f"{path} (free-form JSON)")
    for key, value in schema.items():
        if key in ("fields", "properties") and isinstance(value, dict):  # a model's or typed dict's fields
            for name, field in value.items():
                _unchecked(field, f"{path}.{name}", found)
        elif key not in ("function", "serialization", "metadata", "cls", "ref"):
            _unchecked(value, path, found, guarded if kind in _PASS_THROUGH else False)


def _request_bodies(app) -> list[tuple[str, Any]]:
    return [(f"{min(route.methods)} {route.path}", route.body_field.field_info.annotation)
            for route in app.routes if isinstance(route, APIRoute) and route.body_field is not None]


SERVICES = {
    "auth": lambda: create_auth(AuthSettings(database_url="sqlite+aiosqlite:///unused.db")),
    "registry": lambda: create_registry(RegistrySettings(database_url="sqlite+aiosqlite:///unused.db")),
    "scoring": lambda: create_scoring(ScoringSettings(database_url="sqlite+aiosqlite:///unused.db")),
}


@pytest.mark.parametrize("service", SERVICES)
def test_every_text_field_of_every_request_body_has_a_text_kind(service):
    bodies = _request_bodies(SERVICES[service]())
    assert len(bodies) >= 6  # the walk sees the service's bodies
    found: list[str] = []
    for operation, annotation in bodies:
        unchecked: list[str] = []
        _unchecked(TypeAdapter(annotation).core_schema, "", unchecked)
        found += [f"{operation}: {path}" for path in unchecked]
    assert not found, "type these with services.kernel.text (Name, Line or Text):\n" + "\n".join(sorted(set(found)))


def test_the_guard_finds_a_bare_str_in_a_nested_list_and_free_json():
    class Inner(BaseModel):
        label: str

    class Outer(BaseModel):
        name: Annotated[str, Name(max_length=10)]
        inner: list[Inner]
        tags: list[Annotated[str, Line()]] | None = None
        extra: dict[str, Any]

    found: list[str] = []
    _unchecked(TypeAdapter(Outer).core_schema, "", found)
    assert sorted(found) == ["Inner.label", "Outer.extra", "Outer.extra (free-form JSON)"]
