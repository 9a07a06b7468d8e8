"""deploy/compose.yaml passes the Compose Specification schema and runs PostgreSQL with one database per
service, one migration job per service, the three services and the console behind health checks, with no
secret in it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from services.cli.common import PROCESSES, SERVICES
from tests.deploy.manifests import DEPLOY, compose

SCHEMA = json.loads((Path(__file__).parent / "compose_spec.json").read_text())
COMPOSE = compose()


def test_compose_file_passes_the_compose_specification_schema():
    jsonschema.Draft201909Validator(SCHEMA).validate(COMPOSE)


def test_the_schema_check_rejects_a_misspelt_key():
    broken = {**COMPOSE, "services": {**COMPOSE["services"], "auth": {**COMPOSE["services"]["auth"], "comand": []}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft201909Validator(SCHEMA).validate(broken)


def test_each_service_has_its_own_database_and_migration_job_that_it_waits_for():
    services = COMPOSE["services"]
    urls = set()
    for service in SERVICES:
        url = services[service]["environment"][f"PDR_{service.upper()}_DATABASE_URL"]
        assert url.startswith("postgresql+asyncpg://") and url.endswith(f"@postgres:5432/pdr_{service}")
        urls.add(url)
        job = services[f"migrate-{service}"]
        assert job["command"] == ["migrate", service]
        assert job["environment"][f"PDR_{service.upper()}_DATABASE_URL"] == url
        assert job["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[service]["depends_on"][f"migrate-{service}"]["condition"] == "service_completed_successfully"
        assert services[service]["command"] == ["serve", service]
    assert len(urls) == 3
    init = (DEPLOY / "postgres" / "init-databases.sh").read_text()
    assert "for service in auth registry scoring" in init and 'CREATE DATABASE :"role" OWNER :"role"' in init


def test_services_report_health_through_readyz_and_start_in_dependency_order():
    services = COMPOSE["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    for service in PROCESSES:
        assert "/readyz" in " ".join(services[service]["healthcheck"]["test"])
    assert services["registry"]["depends_on"]["auth"]["condition"] == "service_healthy"
    assert services["scoring"]["depends_on"]["registry"]["condition"] == "service_healthy"
    for service in SERVICES:
        assert services["console"]["depends_on"][service]["condition"] == "service_healthy"


def test_console_reaches_the_apis_inside_the_network_and_signs_sessions_with_a_required_secret():
    console = COMPOSE["services"]["console"]
    assert console["command"] == ["serve", "console"]
    env = console["environment"]
    assert env["PDR_CONSOLE_AUTH_URL"] == "http://auth:8001"
    assert env["PDR_CONSOLE_REGISTRY_URL"] == "http://registry:8002"
    assert env["PDR_CONSOLE_SCORING_URL"] == "http://scoring:8003"
    assert env["PDR_CONSOLE_SESSION_SECRET"] == "${PDR_CONSOLE_SESSION_SECRET:?set PDR_CONSOLE_SESSION_SECRET}"
    assert not any(key.endswith("DATABASE_URL") for key in env)  # the console has no database
    assert any(port.endswith(":8004") for port in console["ports"])
    assert "PDR_CONSOLE_SESSION_SECRET=" in (DEPLOY / ".env.example").read_text().splitlines()


def test_every_password_comes_from_the_environment():
    text = (DEPLOY / "compose.yaml").read_text()
    # Credentials inside URLs and password variables are interpolations, never literals.
    for user, password in re.findall(r"://(\w+):([^@]+)@", text):
        assert password.startswith("${") and ":?" in password, f"literal password for {user}"
    for key, value in COMPOSE["services"]["postgres"]["environment"].items():
        if "PASSWORD" in key:
            assert value.startswith("${") and ":?" in value, key
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        if re.match(r"^[A-Z_]*(PASSWORD|SECRET|PEPPER|ENCRYPTION_KEY)[A-Z_]*=", line):
            assert line.endswith("="), f".env.example carries a value: {line}"


def test_containers_run_read_only_without_capabilities_and_stop_gracefully():
    for name in (*PROCESSES, *(f"migrate-{s}" for s in SERVICES)):
        service = COMPOSE["services"][name]
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"], name
        assert service["build"]["dockerfile"] == "deploy/Dockerfile", name
    for name in PROCESSES:
        assert int(COMPOSE["services"][name]["stop_grace_period"].rstrip("s")) > 30


def test_auth_and_registry_refuse_to_start_without_their_key_encryption_keys():
    for service in ("auth", "registry"):
        name = f"PDR_{service.upper()}_KEY_ENCRYPTION_KEY"
        assert COMPOSE["services"][service]["environment"][name] == f"${{{name}:?set {name}}}"
        assert f"{name}=" in (DEPLOY / ".env.example").read_text().splitlines()
