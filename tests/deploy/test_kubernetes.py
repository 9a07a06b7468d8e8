"""The Kubernetes manifests (deploy/k8s) are valid against the Kubernetes schemas and say what operating the
system at scale needs: replicas, probes, resources, disruption budgets, autoscaling, migration jobs, the
compliance sweep, and secrets only by reference."""

from __future__ import annotations

import re

import kubernetes_validate
import pytest

from services.cli.common import PROCESSES, SERVICES
from services.cli.run_cmds import UVICORN_OPTIONS
from tests.deploy.manifests import BASE, OVERLAYS, base_documents, by_kind, containers, pod_spec, render

# The oldest Kubernetes minor we support (CronJob timeZone is GA since 1.27) and the newest schemas we have.
K8S_VERSIONS = ["1.30.0", kubernetes_validate.latest_version()]
SECRET_NAMES = re.compile(r"PASSWORD|SECRET|PEPPER|TOKEN(?!_URL)|DATABASE_URL|PRIVATE|CREDENTIAL|ENCRYPTION_KEY",
                          re.IGNORECASE)
DOCS = base_documents()


def _rendered_or_skip(directory):
    docs = render(directory)
    if docs is None:
        pytest.skip("kubectl (with its built-in kustomize) is not installed; raw base files are validated instead")
    return docs


def _validate_all(docs, version):
    for doc in docs:
        if doc.get("kind") == "Kustomization":
            continue
        kubernetes_validate.validate(doc, version, strict=True)  # raises ValidationError with the path


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_every_base_manifest_validates_against_the_kubernetes_schema(version):
    assert len(DOCS) >= 15
    _validate_all(DOCS, version)


@pytest.mark.parametrize("directory", [BASE, *OVERLAYS], ids=lambda p: p.name)
def test_rendered_kustomizations_validate_against_the_kubernetes_schema(directory):
    docs = _rendered_or_skip(directory)
    for version in K8S_VERSIONS:
        _validate_all(docs, version)


def test_a_broken_manifest_is_rejected_by_the_validation():
    deployment = dict(by_kind(DOCS, "Deployment")["pdr-registry"])
    broken = {**deployment, "spec": {**deployment["spec"], "replicas": "two"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSIONS[0], strict=True)


@pytest.mark.parametrize("directory", [BASE, *OVERLAYS], ids=lambda p: p.name)
def test_registry_scoring_and_console_run_at_least_two_replicas_with_budget_and_autoscaler(directory):
    docs = _rendered_or_skip(directory) if directory != BASE else DOCS
    deployments, pdbs, hpas = by_kind(docs, "Deployment"), by_kind(docs, "PodDisruptionBudget"), by_kind(
        docs, "HorizontalPodAutoscaler")
    for service in PROCESSES:
        name = f"pdr-{service}"
        deployment = deployments[name]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
        if service in ("registry", "scoring", "console"):
            assert deployment["spec"]["replicas"] >= 2
            assert hpas[name]["spec"]["minReplicas"] >= 2
        # A budget that lets one pod go while the others serve, and selects this deployment's pods.
        pdb = pdbs[name]["spec"]
        assert pdb["selector"]["matchLabels"].items() <= labels.items()
        assert 1 <= pdb["minAvailable"] < deployment["spec"]["replicas"]
        hpa = hpas[name]["spec"]
        assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert hpa["minReplicas"] <= hpa["maxReplicas"]


def test_services_select_their_deployment_pods_on_a_named_container_port():
    deployments = by_kind(DOCS, "Deployment")
    for name, service in by_kind(DOCS, "Service").items():
        pods = deployments[name]["spec"]["template"]
        assert service["spec"]["selector"].items() <= pods["metadata"]["labels"].items()
        port_names = {p["name"] for c in pods["spec"]["containers"] for p in c["ports"]}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names


def test_service_containers_probe_readyz_and_healthz_and_declare_resources():
    for name, _spec, container in containers(list(by_kind(DOCS, "Deployment").values())):
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["args"] == ["serve", name.removeprefix("pdr-")]


def test_every_container_runs_as_non_root_with_requests_limits_and_a_read_only_root():
    assert len(containers(DOCS)) == 9  # three services, the console, three migration jobs, two sweeps
    for name, spec, container in containers(DOCS):
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        assert spec["automountServiceAccountToken"] is False, name
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
        assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], name
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= container["resources"][kind].keys(), name


def test_termination_grace_outlasts_the_uvicorn_drain_and_the_pre_stop_pause():
    drain = UVICORN_OPTIONS["timeout_graceful_shutdown"]
    for deployment in by_kind(DOCS, "Deployment").values():
        spec = pod_spec(deployment)
        pause = int(spec["containers"][0]["lifecycle"]["preStop"]["exec"]["command"][1])
        assert spec["terminationGracePeriodSeconds"] > drain + pause


def test_no_secret_is_stored_only_referenced():
    assert not by_kind(DOCS, "Secret")
    for config in by_kind(DOCS, "ConfigMap").values():
        leaked = [key for key in config["data"] if SECRET_NAMES.search(key)]
        assert not leaked, f"secret-like keys in ConfigMap {config['metadata']['name']}: {leaked}"
    references = 0
    for name, _spec, container in containers(DOCS):
        for env in container.get("env", []):
            if SECRET_NAMES.search(env["name"]):
                assert "value" not in env, f"{name} sets {env['name']} in the manifest"
                assert env["valueFrom"]["secretKeyRef"]["name"].startswith("pdr-")
                references += 1
    assert references >= 8  # services, migrations and sweeps all need a database URL


def test_console_replicas_share_a_session_secret_and_reach_the_apis_by_service_name():
    console = by_kind(DOCS, "Deployment")["pdr-console"]
    container = pod_spec(console)["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["PDR_CONSOLE_SESSION_SECRET"]["valueFrom"]["secretKeyRef"] == {"name": "pdr-console",
                                                                                "key": "session-secret"}
    assert not any(e["name"].endswith("DATABASE_URL") for e in container["env"])  # the console has no database
    config = by_kind(DOCS, "ConfigMap")["pdr-config"]["data"]
    services = by_kind(DOCS, "Service")
    for service in SERVICES:
        port = services[f"pdr-{service}"]["spec"]["ports"][0]["port"]
        assert config[f"PDR_CONSOLE_{service.upper()}_URL"] == f"http://pdr-{service}:{port}"
    assert container["ports"][0]["containerPort"] == services["pdr-console"]["spec"]["ports"][0]["port"] == 8004


def test_each_service_has_a_migration_job_for_its_own_database():
    jobs = by_kind(DOCS, "Job")
    for service in SERVICES:
        container = pod_spec(jobs[f"pdr-migrate-{service}"])["containers"][0]
        assert container["args"] == ["migrate", service]
        env = {e["name"]: e for e in container["env"]}
        assert env[f"PDR_{service.upper()}_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == f"pdr-{service}-db"


@pytest.mark.parametrize(("name", "args"), [
    ("pdr-compliance-sweep", ["sweep"]),                     # DOMAIN.md §5: deadline rules fire in a sweep
    ("pdr-registration-sweep", ["registration", "sweep"]),   # Arts. 12, 15: notices close, registrations expire
])
def test_sweeps_run_nightly_in_china_time_one_at_a_time(name, args):
    sweep = by_kind(DOCS, "CronJob")[name]
    assert sweep["spec"]["concurrencyPolicy"] == "Forbid"
    assert sweep["spec"]["timeZone"] == "Asia/Shanghai"
    assert pod_spec(sweep)["containers"][0]["args"] == args


def test_workload_commands_exist_in_the_pdr_cli():
    import click
    from typer.main import get_command

    from services.cli.main import app

    for name, _spec, container in containers(DOCS):
        command = get_command(app)
        for word in container["args"]:
            if not isinstance(command, click.Group):
                break  # the rest are arguments of the command
            assert word in command.commands, f"{name} runs `pdr {' '.join(container['args'])}`: no {word!r}"
            command = command.commands[word]


def test_config_maps_referenced_by_workloads_exist():
    config_maps = by_kind(DOCS, "ConfigMap")
    for name, _spec, container in containers(DOCS):
        for source in container.get("envFrom", []):
            assert source["configMapRef"]["name"] in config_maps, name


def test_auth_and_registry_seal_their_signing_keys_each_with_its_own_key_encryption_key():
    deployments = by_kind(DOCS, "Deployment")
    refs = {}
    for service in ("auth", "registry"):
        env = {e["name"]: e for e in pod_spec(deployments[f"pdr-{service}"])["containers"][0]["env"]}
        refs[service] = env[f"PDR_{service.upper()}_KEY_ENCRYPTION_KEY"]["valueFrom"]["secretKeyRef"]
    assert refs["auth"] == {"name": "pdr-auth", "key": "key-encryption-key"}
    assert refs["registry"] == {"name": "pdr-registry", "key": "key-encryption-key"}
