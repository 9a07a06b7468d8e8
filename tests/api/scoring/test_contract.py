"""The registry–scoring contract (issue 13): every field scoring's contract models declare
(services/scoring/contract.py) must exist, with a compatible JSON type, in the registry's live OpenAPI document
for the feed's records (``GET /events?include=records``, ``GET /events/resources``). A field renamed or dropped
on either side fails here, before a sync can read it wrong."""

from typing import Any

import pytest

from services.scoring.contract import MODELS, EventPage, ResourcePage

KIND_TYPES = {"resource": "ResourceRecord", "product": "ProductRecord", "registration": "RegistrationRecord",
              "agreement": "AgreementRecord", "annual_report": "AnnualReportRecord",
              "compliance_record": "ComplianceRecordRecord"}


class Schemas:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.components = document["components"]["schemas"]

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def variants(self, schema: dict[str, Any]) -> list[dict[str, Any]]:
        schema = self.resolve(schema)
        options = schema.get("anyOf") or schema.get("oneOf")
        return [v for option in options for v in self.variants(option)] if options else [schema]

    def types(self, schema: dict[str, Any]) -> set[str]:
        out = set()
        for v in self.variants(schema):
            out.add(v.get("type", "object" if "properties" in v else "any"))
        return out


def _local(model) -> Schemas:
    schema = model.model_json_schema(mode="validation")
    return Schemas({"components": {"schemas": schema.get("$defs", {})}}), schema


def compatible(registry: Schemas, theirs: dict, ours_defs: Schemas, ours: dict, where: str) -> list[str]:
    """Problems: fields we declare that the registry does not send, or sends as another JSON type."""
    problems = []
    their_types, our_types = registry.types(theirs), ours_defs.types(ours)
    if "any" not in our_types and "any" not in their_types and not their_types <= our_types:
        return [f"{where}: the registry sends {sorted(their_types)}, scoring reads {sorted(our_types)}"]
    ours_v = [v for v in ours_defs.variants(ours) if v.get("type") != "null"]
    theirs_v = [v for v in registry.variants(theirs) if v.get("type") != "null"]
    if len(ours_v) == 1 and len(theirs_v) == 1:
        mine, their = ours_v[0], theirs_v[0]
        if "properties" in mine:
            props, required = their.get("properties", {}), set(their.get("required", []))
            for name, field in mine["properties"].items():
                if name not in props:
                    problems.append(f"{where}.{name}: not in the registry's schema")
                    continue
                if name in mine.get("required", []) and name not in required:
                    problems.append(f"{where}.{name}: scoring requires it, the registry may leave it out")
                problems += compatible(registry, props[name], ours_defs, field, f"{where}.{name}")
        elif mine.get("type") == "array" and "items" in mine:
            problems += compatible(registry, their.get("items", {}), ours_defs, mine["items"], f"{where}[]")
    return problems


@pytest.fixture
async def registry_openapi(registry_client) -> Schemas:
    response = await registry_client.get("/openapi.json")
    assert response.status_code == 200
    return Schemas(response.json())


@pytest.mark.parametrize("kind", sorted(MODELS))
async def test_every_field_scoring_reads_is_in_the_registrys_published_feed_schema(registry_openapi, kind):
    record = registry_openapi.components[KIND_TYPES[kind]]["properties"]["record"]
    # null means deleted, and is handled before a record is read; the record itself is the other variant.
    (record,) = [v for v in registry_openapi.variants(record) if v.get("type") != "null"]
    ours_defs, ours = _local(MODELS[kind])
    assert compatible(registry_openapi, record, ours_defs, ours, kind) == []


@pytest.mark.parametrize(("page", "name"), [(EventPage, "EventPage"), (ResourcePage, "ResourcePage")])
async def test_the_feed_pages_carry_what_the_consumer_reads(registry_openapi, page, name):
    theirs = registry_openapi.components[name]
    fields = set(page.model_fields)
    assert fields <= set(theirs["properties"]), fields - set(theirs["properties"])
    path = "/events" if page is EventPage else "/events/resources"
    operation = registry_openapi.document["paths"][path]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(name)


def test_the_checker_catches_a_rename_and_a_drop():
    """The check itself can fail: a registry schema without ``status`` and with ``status`` as a number."""
    ours_defs, ours = _local(MODELS["resource"])
    renamed = {k: v for k, v in ours["properties"].items() if k != "status"} | {"state": {"type": "string"}}
    registry = Schemas({"components": {"schemas": {}}})
    problems = compatible(registry, {"type": "object", "properties": renamed, "required": list(renamed)},
                          ours_defs, ours, "resource")
    assert problems == ["resource.status: not in the registry's schema"]
    retyped = {**ours["properties"], "status": {"type": "integer"}}
    problems = compatible(registry, {"type": "object", "properties": retyped, "required": list(retyped)},
                          ours_defs, ours, "resource")
    assert problems == ["resource.status: the registry sends ['integer'], scoring reads ['string']"]
