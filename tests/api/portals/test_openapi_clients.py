"""Issue 15, item 6: each service's OpenAPI is one that client generators accept whole.

openapi-python-client (the generator a portal's Python developers reach for) is run on the document each
in-process app serves, once a session; it must generate every model and operation without a warning, and the
generated packages are then used as a portal would: health, the public notices, and calls with a token, which
return the generator's typed models (RegistrationOut among them: it was dropped while two models shared the
name Evidence).
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from openapi_python_client.strings import pascal_case, snake_case

from services.kernel.openapi import BINARY, TEXT
from services.registry.main import create_app as create_registry
from services.registry.settings import RegistrySettings
from tests.api.registration.conftest import SHA, resource_body

SERVICES = ("auth", "registry", "scoring")
BASE = {"auth": "http://auth.test", "registry": "http://registry.test", "scoring": "http://scoring.test"}
OPERATION_ID = re.compile(r"^[a-z][a-z0-9_]*$")
# FastAPI's names for a model whose name is taken (module-qualified) or split in two (-Input/-Output)
FALLBACK_NAME = re.compile(r"(^services__)|(-Input$)|(-Output$)")


def schema_of(apps, service: str) -> dict:
    return getattr(apps, service).openapi()


def _schemas(apps) -> dict[str, dict]:
    return {name: schema_of(apps, name) for name in SERVICES}


def _operations(schema: dict) -> dict[tuple[str, str], dict]:
    return {(method.upper(), path): op for path, item in schema["paths"].items() for method, op in item.items()}


@pytest.fixture(scope="session")
def clients(apps, tmp_path_factory) -> Iterator[dict[str, str]]:
    """Generates a client package per service (pdr_<service>_client) and returns the generator's output."""
    root = tmp_path_factory.mktemp("openapi-clients")
    schemas = _schemas(apps)
    # The generator reads JSON, +json and text/* bodies; any other media type is a file to it once mapped to
    # application/octet-stream (its content_type_overrides), as a portal's own config would map the media types
    # the document declares binary.
    files = sorted({media_type for schema in schemas.values() for op in _operations(schema).values()
                    for response in op["responses"].values()
                    for media_type, body in response.get("content", {}).items() if body.get("schema") == BINARY})
    config = root / "config.json"
    config.write_text(json.dumps({
        "post_hooks": [],  # no ruff formatting pass: the code is only imported
        "content_type_overrides": dict.fromkeys(files, "application/octet-stream")}))
    generator = Path(sys.executable).with_name("openapi-python-client")
    runs = {}
    for name, schema in schemas.items():
        document = root / f"{name}.json"
        document.write_text(json.dumps(schema))
        runs[name] = subprocess.Popen(
            [str(generator), "generate", "--path", str(document), "--config", str(config), "--meta", "none",
             "--output-path", str(root / f"pdr_{name}_client")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    outputs = {}
    for name, run in runs.items():
        output, _ = run.communicate(timeout=120)
        assert run.returncode == 0, output
        outputs[name] = output
    sys.path.insert(0, str(root))
    yield outputs
    sys.path.remove(str(root))
    for module in [m for m in sys.modules if m.startswith(tuple(f"pdr_{name}_client" for name in SERVICES))]:
        del sys.modules[module]


def _module(service: str, dotted: str):
    return importlib.import_module(f"pdr_{service}_client.{dotted}")


def _operation(apps, service: str, method: str, path: str):
    """The generated module of an operation, found as the generator names it: api.<first tag>.<operation id>."""
    operation = _operations(schema_of(apps, service))[(method, path)]
    return _module(service, f"api.{snake_case(operation['tags'][0])}.{snake_case(operation['operationId'])}")


# The document ------------------------------------------------------------------------------------------------

def test_component_names_are_plain_and_their_titles_unique(apps):
    for service, schema in _schemas(apps).items():
        components = schema["components"]["schemas"]
        for name in components:
            assert not FALLBACK_NAME.search(name), (service, name)
        # The generator names its classes after a schema's title: two alike and one model is dropped.
        classes = [pascal_case(component.get("title", name)) for name, component in components.items()]
        assert len(classes) == len(set(classes)), (service, sorted(c for c in classes if classes.count(c) > 1))
    registry = schema_of(apps, "registry")["components"]["schemas"]
    assert {"Evidence", "SelectionEvidence", "ComplianceSweepOut", "DeadlineSweepOut"} <= set(registry)
    assert registry["SelectionIn"]["properties"]["evidence"]["items"] == {
        "$ref": "#/components/schemas/SelectionEvidence"}
    assert registry["RegistrationOut"]["properties"]["evidence"] == {"$ref": "#/components/schemas/Evidence"}


def test_operation_ids_are_readable_and_unique_in_each_service(apps):
    for service, schema in _schemas(apps).items():
        ids = [op["operationId"] for op in _operations(schema).values()]
        assert len(ids) == len(set(ids)), (service, sorted(i for i in ids if ids.count(i) > 1))
        for operation_id in ids:
            # FastAPI's default (get_resource_resources__subject_id__get) carries the path and method
            assert OPERATION_ID.match(operation_id) and "__" not in operation_id, (service, operation_id)
    registry = _operations(schema_of(apps, "registry"))
    assert registry[("GET", "/resources/{subject_id}")]["operationId"] == "get_resource"
    assert registry[("POST", "/registrations")]["operationId"] == "file_registration"
    assert registry[("GET", "/healthz")]["operationId"] == "healthz"
    # where a route's name alone would not say what it acts on, its decorator names the operation
    assert registry[("GET", "/public/notices")]["operationId"] == "list_public_notices"
    assert registry[("POST", "/registrations/{registration_id}/accept")]["operationId"] == "accept_registration"
    # a form body's model is named for its operation, not for its path
    import_body = registry[("POST", "/catalog/import")]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert import_body == {"$ref": "#/components/schemas/Body_import_catalogue"}
    assert _operations(schema_of(apps, "auth"))[("POST", "/oauth/token")]["operationId"] == "issue_token"
    assert _operations(schema_of(apps, "scoring"))[("GET", "/me")]["operationId"] == "me"


def test_every_operation_is_tagged(apps):
    for service, schema in _schemas(apps).items():
        untagged = [key for key, op in _operations(schema).items() if not op.get("tags")]
        assert untagged == [], service


def test_servers_name_the_public_address_or_where_the_service_listens(apps):
    assert schema_of(apps, "registry")["servers"] == [
        {"url": "http://127.0.0.1:8002", "description": "The registry service"}]
    assert schema_of(apps, "auth")["servers"][0]["url"] == "http://127.0.0.1:8001"
    assert schema_of(apps, "scoring")["servers"][0]["url"] == "http://127.0.0.1:8003"
    behind_ingress = create_registry(RegistrySettings(database_url="sqlite+aiosqlite:///unused.db",
                                                      public_url="https://registry.example.gov.cn/"))
    assert behind_ingress.openapi()["servers"] == [
        {"url": "https://registry.example.gov.cn", "description": "The registry service"}]


def test_files_are_documented_by_media_type_as_binary_and_text_as_string(apps):
    report = _operations(schema_of(apps, "scoring"))[("GET", "/evaluation-runs/{run_id}/report")]
    content = report["responses"]["200"]["content"]
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/RunReport"}
    assert content["application/pdf"]["schema"] == BINARY == {"type": "string", "format": "binary"}
    assert content["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]["schema"] == BINARY
    for path in ("/evaluations/{evaluation_id}/radar", "/evaluation-runs/{run_id}/comparison"):
        chart = _operations(schema_of(apps, "scoring"))[("GET", path)]["responses"]["200"]["content"]
        assert chart == {"image/svg+xml": {"schema": BINARY}, "image/png": {"schema": BINARY}}, path
    turtle = _operations(schema_of(apps, "registry"))[("GET", "/catalog.ttl")]["responses"]["200"]["content"]
    assert turtle["text/turtle"]["schema"] == TEXT == {"type": "string"}
    # and no successful response anywhere names a media type without saying what its body is
    for service, schema in _schemas(apps).items():
        for key, op in _operations(schema).items():
            for code, response in op["responses"].items():
                for media_type, body in response.get("content", {}).items():
                    if code.startswith("2") and not media_type.endswith("json"):
                        assert body.get("schema") in (BINARY, TEXT), (service, key, media_type)


# The generator ------------------------------------------------------------------------------------------------

def test_the_generator_builds_every_model_and_operation_without_a_warning(clients):
    for service, output in clients.items():
        assert not re.search(r"warning|could not be|unable to|omitted|removal of", output, re.IGNORECASE), (service, output)
    registration = _module("registry", "api.registration.file_registration")
    registration_out = _module("registry", "models").RegistrationOut
    # the operations that had lost their type when RegistrationOut was dropped now return it
    for operation in ("file_registration", "get_registration", "resubmit_registration", "withdraw_registration",
                      "accept_registration", "return_for_supplement", "refuse_registration", "approve_registration",
                      "close_registration_notice", "revoke_registration"):
        module = _module("registry", f"api.registration.{operation}")
        assert "RegistrationOut" in str(module.asyncio_detailed.__annotations__["return"]), operation
    assert registration.RegistrationOut is registration_out
    sweep = _module("registry", "api.registration.sweep_registrations")
    assert "DeadlineSweepOut" in str(sweep.asyncio_detailed.__annotations__["return"])
    assert _module("registry", "models").SelectionEvidence


async def test_a_portal_calls_the_services_through_the_generated_clients(clients, apps, people):
    def client(service: str, token: str | None = None):
        package = importlib.import_module(f"pdr_{service}_client")
        transport = {"transport": httpx.ASGITransport(app=getattr(apps, service))}
        if token is None:
            return package.Client(base_url=BASE[service], httpx_args=transport, raise_on_unexpected_status=True)
        return package.AuthenticatedClient(base_url=BASE[service], token=token, httpx_args=transport,
                                           raise_on_unexpected_status=True)

    for service in SERVICES:
        healthz = _module(service, "api.operations.healthz")
        async with client(service) as anonymous:
            response = await healthz.asyncio_detailed(client=anonymous)
        assert response.status_code == 200, service
        assert response.parsed.to_dict() == {"status": "ok"}, service

    agency, registrar, admin = (await people.person("agency"), await people.person("registrar"),
                                await people.person("admin"))
    models = _module("registry", "models")
    registration_api = "api.registration"
    async with client("registry", agency.token) as as_agency:
        resource = await _module("registry", f"{registration_api}.create_resource").asyncio(
            client=as_agency, body=models.ResourceIn.from_dict(resource_body()))
        assert isinstance(resource, models.ResourceOut)
        filed = await _module("registry", f"{registration_api}.file_registration").asyncio(
            client=as_agency, body=models.RegistrationIn.from_dict({
                "subject_type": "resource", "subject_id": resource.id, "type": "first",
                "attachments": [{"name": "存证记录.pdf", "sha256": SHA}]}))
        assert isinstance(filed, models.RegistrationOut)
        assert isinstance(filed.evidence, models.Evidence) and len(filed.evidence.digest) == 64
        read = await _module("registry", f"{registration_api}.get_resource").asyncio(
            subject_id=resource.id, client=as_agency)
        assert read.id == resource.id and read.name == resource_body()["name"]
    async with client("registry", registrar.token) as as_registrar:
        accepted = await _module("registry", f"{registration_api}.accept_registration").asyncio(
            filed.id, client=as_registrar)
        noticed = await _module("registry", f"{registration_api}.approve_registration").asyncio(
            filed.id, client=as_registrar, body=models.ApproveIn())
    assert (accepted.state, noticed.state) == ("under_review", "in_notice")

    notices = _module("registry", "api.public.list_public_notices")
    async with client("registry") as anonymous:
        page = await notices.asyncio(client=anonymous)
        turtle = await _operation(apps, "registry", "GET", "/catalog.ttl").asyncio(client=anonymous)
        workbook = await _operation(apps, "registry", "GET", "/catalog/export.xlsx").asyncio(client=anonymous)
        refused = await _module("registry", f"{registration_api}.get_registration").asyncio_detailed(
            filed.id, client=anonymous)
    assert isinstance(page, models.PageNoticeOut)
    assert [(n.id, n.data_name, n.type_) for n in page.items] == [(filed.id, resource_body()["name"], "first")]
    assert isinstance(turtle, str) and "@prefix dcat:" in turtle
    # a file comes back as the generator's File, its bytes those of an XLSX workbook (a ZIP archive)
    assert isinstance(workbook, _module("registry", "types").File)
    assert workbook.payload.read(4) == b"PK\x03\x04"
    assert refused.status_code == 401 and isinstance(refused.parsed, models.Problem)

    scoring_me = _module("scoring", "api.operations.me")
    async with client("scoring", agency.tokens["pdr-scoring"]) as as_agency:
        me = await scoring_me.asyncio(client=as_agency)
    assert isinstance(me, _module("scoring", "models").PrincipalOut)
    assert (me.org, me.roles) == (agency.org_id, ["agency"])

    async with client("auth", admin.tokens["pdr-auth"]) as as_admin:
        org = await _module("auth", "api.admin.get_org").asyncio(agency.org_id, client=as_admin)
    assert isinstance(org, _module("auth", "models").OrgOut) and org.id == agency.org_id


def test_deployments_name_each_services_public_address():
    deploy = Path(__file__).resolve().parents[3] / "deploy"
    compose = yaml.safe_load((deploy / "compose.yaml").read_text())["services"]
    config = yaml.safe_load((deploy / "k8s/base/config.yaml").read_text())["data"]
    for service, port in (("auth", 8001), ("registry", 8002), ("scoring", 8003)):
        key = f"PDR_{service.upper()}_PUBLIC_URL"
        assert compose[service]["environment"][key] == (
            f"${{PDR_PUBLIC_{service.upper()}_URL:-http://localhost:{port}}}")
        assert config[key] == f"https://{service}.pdr.example.gov.cn"
